"""A small real IMAP4rev1 server on a loopback port, for the mailbox poll: one user, one mailbox.

It speaks the subset imaplib's calls need — CAPABILITY, LOGIN, SELECT, UID SEARCH (UNSEEN or ALL),
UID FETCH of BODY.PEEK[] / BODY[] / RFC822, UID STORE ±FLAGS, NOOP, LOGOUT — over a real socket, so
the poll is tested through imaplib as in production (no mocks). Start with
`with IMAPServer(user, password) as imap:`, put messages in with `imap.deliver(raw)`, read
`imap.seen(uid)`; `imap.url` is a COORDINATOR_IMAP_URL.
"""
from __future__ import annotations

import re
import socketserver
import threading
from dataclasses import dataclass, field
from urllib.parse import quote

from tests.smtp_server import free_port

_COMMAND = re.compile(rb"^(\S+) (UID )?(\w+)(?: (.*))?$", re.IGNORECASE)
_ARGUMENT = re.compile(rb'"((?:[^"\\]|\\.)*)"|(\S+)')


@dataclass
class StoredMessage:
    uid: int
    raw: bytes
    flags: set[str] = field(default_factory=set)


@dataclass
class Mailbox:
    name: str = "INBOX"
    messages: list[StoredMessage] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def handle(self) -> None:
        self._send(b"* OK [CAPABILITY IMAP4rev1] test server ready")
        selected = False
        while True:
            line = self.rfile.readline()
            if not line:
                return
            found = _COMMAND.match(line.rstrip(b"\r\n"))
            if found is None:
                self._send(b"* BAD unreadable command")
                continue
            tag, uid, command, rest = found.group(1), found.group(2), found.group(3).upper(), found.group(4) or b""
            arguments = [a or b for a, b in _ARGUMENT.findall(rest)]
            if command == b"CAPABILITY":
                self._send(b"* CAPABILITY IMAP4rev1")
            elif command == b"LOGIN":
                if [a.decode() for a in arguments[:2]] != [self.server.user, self.server.password]:
                    self._send(tag + b" NO [AUTHENTICATIONFAILED] invalid credentials")
                    continue
            elif command == b"SELECT":
                if arguments[:1] != [self.server.mailbox.name.encode()]:
                    self._send(tag + b" NO no such mailbox")
                    continue
                selected = True
                self._send(b"* %d EXISTS" % len(self.server.mailbox.messages))
                self._send(b"* 0 RECENT\r\n* FLAGS (\\Seen)\r\n* OK [UIDVALIDITY 1] UIDs valid")
                self._send(tag + b" OK [READ-WRITE] SELECT completed")
                continue
            elif command == b"LOGOUT":
                self._send(b"* BYE logging out\r\n" + tag + b" OK LOGOUT completed")
                return
            elif command == b"NOOP":
                pass
            elif uid and selected and command in (b"SEARCH", b"FETCH", b"STORE"):
                getattr(self, f"_{command.decode().lower()}")(arguments)
            else:
                self._send(tag + b" BAD unsupported command")
                continue
            self._send(tag + b" OK " + command + b" completed")

    def _search(self, arguments: list[bytes]) -> None:
        unseen_only = b"UNSEEN" in (a.upper() for a in arguments)
        with self.server.mailbox.lock:
            uids = [m.uid for m in self.server.mailbox.messages if not (unseen_only and "\\Seen" in m.flags)]
        self._send(b"* SEARCH" + b"".join(b" %d" % uid for uid in uids))

    def _fetch(self, arguments: list[bytes]) -> None:
        items = b" ".join(arguments[1:]).upper()
        for number, message in self._messages(arguments[0]):
            if b"BODY.PEEK[]" in items:
                name = b"BODY[]"
            else:
                name = b"RFC822" if b"RFC822" in items else b"BODY[]"
                message.flags.add("\\Seen")  # reading without PEEK marks it seen, as servers do
            self._send(b"* %d FETCH (UID %d %s {%d}" % (number, message.uid, name, len(message.raw)))
            self.wfile.write(message.raw + b")\r\n")

    def _store(self, arguments: list[bytes]) -> None:
        change, flags = arguments[1].upper(), re.findall(r"\\?\w+", b" ".join(arguments[2:]).decode())
        for number, message in self._messages(arguments[0]):
            if change.startswith(b"-"):
                message.flags.difference_update(flags)
            else:
                message.flags.update(flags)
            self._send(b"* %d FETCH (UID %d FLAGS (%s))" % (number, message.uid, " ".join(sorted(message.flags)).encode()))

    def _messages(self, uid_set: bytes) -> list[tuple[int, StoredMessage]]:
        wanted = {int(u) for u in uid_set.split(b",")}
        with self.server.mailbox.lock:
            return [(n, m) for n, m in enumerate(self.server.mailbox.messages, 1) if m.uid in wanted]

    def _send(self, line: bytes) -> None:
        self.wfile.write(line + b"\r\n")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int, user: str, password: str, mailbox: Mailbox) -> None:
        self.user, self.password, self.mailbox = user, password, mailbox
        super().__init__(("127.0.0.1", port), _Handler)


class IMAPServer:
    def __init__(self, user: str = "svar@samverkan.example.se", password: str = "hemligt losen 42") -> None:
        self.user, self.password = user, password
        self.mailbox = Mailbox()
        self.port = free_port()
        self._server = _Server(self.port, user, password, self.mailbox)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"imap://{quote(self.user, safe='')}:{quote(self.password, safe='')}@127.0.0.1:{self.port}/INBOX"

    def deliver(self, raw: bytes) -> int:
        """Put a message in the mailbox, unseen; its UID."""
        with self.mailbox.lock:
            uid = len(self.mailbox.messages) + 1
            self.mailbox.messages.append(StoredMessage(uid, raw))
        return uid

    def seen(self, uid: int) -> bool:
        with self.mailbox.lock:
            return "\\Seen" in self.mailbox.messages[uid - 1].flags

    def __enter__(self) -> IMAPServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
