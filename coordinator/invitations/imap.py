"""Polling the replies mailbox (COORDINATOR_IMAP_URL) for calendar replies.

`imaps://user:password@host[:port]/MAILBOX` (or `imap://`; the mailbox defaults to INBOX).
Each unseen message is read without marking it (BODY.PEEK), ingested in a transaction of its
own, and marked \\Seen only after that commits. A message whose ingest fails unexpectedly (the
database is away) stays unseen and is tried again on the next poll; one that is ignored
(not a reply, unknown, stale) is marked seen, since reading it again would change nothing.
"""
from __future__ import annotations

import imaplib
import logging
import ssl
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import unquote, urlsplit

from sqlalchemy.orm import Session, sessionmaker

from coordinator.invitations.messages import MailContext
from coordinator.invitations.replies import IngestReport, ingest_message

log = logging.getLogger("coordinator.invitations")


class IMAPURLError(ValueError):
    pass


@dataclass(frozen=True)
class Mailbox:
    host: str
    port: int
    use_ssl: bool
    username: str
    password: str
    mailbox: str

    @classmethod
    def from_url(cls, url: str) -> Mailbox:
        parts = urlsplit(url)
        if parts.scheme not in ("imap", "imaps"):
            raise IMAPURLError(f"unknown IMAP URL scheme {parts.scheme!r}: use imaps:// or imap://")
        if not parts.hostname or not parts.username:
            raise IMAPURLError("an IMAP URL needs user and host: imaps://user:password@host/INBOX")
        use_ssl = parts.scheme == "imaps"
        return cls(host=parts.hostname, port=parts.port or (993 if use_ssl else 143), use_ssl=use_ssl,
                   username=unquote(parts.username), password=unquote(parts.password or ""),
                   mailbox=unquote(parts.path.lstrip("/")) or "INBOX")

    def connect(self, timeout: float = 30.0) -> imaplib.IMAP4:
        if self.use_ssl:
            return imaplib.IMAP4_SSL(self.host, self.port, ssl_context=ssl.create_default_context(),
                                     timeout=timeout)
        return imaplib.IMAP4(self.host, self.port, timeout=timeout)


def poll_mailbox(sessions: sessionmaker[Session], imap_url: str, *, mail: MailContext,
                 now: datetime) -> IngestReport:
    """Ingest every unseen message of the mailbox once; what each one did."""
    mailbox = Mailbox.from_url(imap_url)
    report = IngestReport()
    with mailbox.connect() as client:
        client.login(mailbox.username, mailbox.password)
        _check(client.select(mailbox.mailbox), f"SELECT {mailbox.mailbox}")
        found = _check(client.uid("SEARCH", "UNSEEN"), "UID SEARCH UNSEEN")
        for uid in (found[0] or b"").split():
            raw = _message(_check(client.uid("FETCH", uid, "(BODY.PEEK[])"), "UID FETCH"))
            if raw is None:
                log.warning("imap_message_unreadable uid=%s", uid.decode())
                report.failed += 1
                continue
            with sessions() as session:
                try:
                    result = ingest_message(session, raw, mail=mail, now=now)
                    session.commit()
                except Exception:  # the database or a bug: leave the message unseen for the next poll
                    session.rollback()
                    log.exception("imap_message_failed uid=%s", uid.decode())
                    report.failed += 1
                    continue
            report.results.append(result)
            _check(client.uid("STORE", uid, "+FLAGS", "(\\Seen)"), "UID STORE")
    log.info("imap_polled mailbox=%s messages=%d failed=%d", mailbox.mailbox, len(report.results), report.failed)
    return report


def _check(response: tuple[str, list], what: str) -> list:  # type: ignore[type-arg]
    status, data = response
    if status != "OK":
        raise imaplib.IMAP4.error(f"{what} answered {status}: {data!r}")
    return data


def _message(data: list) -> bytes | None:  # type: ignore[type-arg]
    """The message's bytes from a FETCH answer: the literal of its first (envelope, literal) pair."""
    for item in data:
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
            return item[1]
    return None
