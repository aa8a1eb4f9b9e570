"""Mail transports chosen by COORDINATOR_MAIL_URL: smtp://, smtps:// and file:// (writes .eml).

The outbox stores each message as the bytes it will send, so a transport hands over raw bytes
to one envelope recipient. `open()` gives a connection for a whole batch (one SMTP session);
`send` on it reports each message's outcome by raising:

- `PermanentFailure`: the server refused this message for good (a 5xx reply to the recipient or
  the data); retrying will not help, the message goes dead at once.
- `TemporaryFailure`: try this message again later (a 4xx reply); the connection is still usable.
- `ConnectionLost` (a `TemporaryFailure`): the connection is gone, or could not be opened; the
  rest of the batch cannot be sent over it either.
"""
from __future__ import annotations

import functools
import hashlib
import smtplib
import ssl
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from email.policy import compat32
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit


class DeliveryFailure(Exception):
    """A message was not handed over; `str()` is the server's or the system's reason."""


class PermanentFailure(DeliveryFailure):
    """Refused for good (5xx): sending it again would be refused again."""


class TemporaryFailure(DeliveryFailure):
    """Not handed over now (4xx); the same message may be tried again later."""


class ConnectionLost(TemporaryFailure):
    """No connection to the mail server (refused, dropped, timed out): nothing more goes over it."""


class Connection(Protocol):
    def send(self, raw: bytes, sender: str, recipient: str) -> None:
        """Hand over one message to one envelope recipient, or raise a `DeliveryFailure`."""


class Transport(Protocol):
    def open(self) -> AbstractContextManager[Connection]:
        """A connection for one batch; raises `ConnectionLost` when the server cannot be reached."""


@dataclass(frozen=True)
class FileTransport:
    """Writes each message as an .eml file: the embedded default, readable by any mail client.

    The file is named from the Message-ID, so sending a message again overwrites it.
    """
    directory: Path

    @contextmanager
    def open(self) -> Iterator[FileConnection]:
        self.directory.mkdir(parents=True, exist_ok=True)
        yield FileConnection(self.directory)


@dataclass(frozen=True)
class FileConnection:
    directory: Path

    def send(self, raw: bytes, sender: str, recipient: str) -> None:
        message_id = BytesHeaderParser(policy=compat32).parsebytes(raw).get("Message-ID", "")
        name = hashlib.sha256(message_id.strip().encode() if message_id else raw).hexdigest()[:24]
        target = self.directory / f"{name}.eml"
        temporary = target.with_suffix(".tmp")
        try:
            temporary.write_bytes(raw)
            temporary.replace(target)  # a reader never sees half a message
        except OSError as error:  # a full or read-only disk: the folder is this transport's "server"
            raise ConnectionLost(f"cannot write {target}: {error}") from error


@dataclass(frozen=True)
class SMTPTransport:
    """One SMTP session per batch; STARTTLS or implicit TLS; login when a user is given."""
    host: str
    port: int
    use_ssl: bool = False
    starttls: bool = False
    username: str | None = None
    password: str | None = None
    timeout: float = 30.0

    @contextmanager
    def open(self) -> Iterator[SMTPConnection]:
        smtp = self._connect()
        try:
            yield SMTPConnection(smtp)
        finally:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()  # the server went away; nothing left to say goodbye to

    def _connect(self) -> smtplib.SMTP:
        context = _tls_context() if self.use_ssl or self.starttls else None
        try:
            if self.use_ssl:
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
            else:
                smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        except (smtplib.SMTPException, OSError) as error:
            raise ConnectionLost(f"cannot connect to {self.host}:{self.port}: {_reason(error)}") from error
        try:
            smtp.ehlo()
            if self.starttls:
                smtp.starttls(context=context)
                smtp.ehlo()
            if self.username:
                smtp.login(self.username, self.password or "")
        except (smtplib.SMTPException, OSError) as error:
            smtp.close()
            # a refused login or TLS setup concerns every message; it waits for the operator to fix it
            raise ConnectionLost(f"{self.host}:{self.port}: {_reason(error)}") from error
        return smtp


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """The system's CA store is read once per process, not once per batch (it takes a good part of a second)."""
    return ssl.create_default_context()


@dataclass
class SMTPConnection:
    smtp: smtplib.SMTP

    def send(self, raw: bytes, sender: str, recipient: str) -> None:
        if raw.count(b"\n") != raw.count(b"\r\n"):  # SMTP wants CRLF; a message stored with LF is mended here
            raw = raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        options = [] if raw.isascii() or not self.smtp.has_extn("8bitmime") else ["BODY=8BITMIME"]
        try:
            self.smtp.sendmail(sender, [recipient], raw, mail_options=options)
        except smtplib.SMTPRecipientsRefused as error:
            code, reply = error.recipients[recipient]
            raise _failure(code, reply) from error
        except smtplib.SMTPSenderRefused as error:
            # a refused envelope sender refuses every message alike: a setting to fix, not a bad message
            raise ConnectionLost(f"sender {sender} refused: {_reason(error)}") from error
        except smtplib.SMTPResponseException as error:  # SMTPDataError and the rest: this message's data
            raise _failure(error.smtp_code, error.smtp_error) from error
        except (smtplib.SMTPException, OSError) as error:  # disconnected, timed out, reset
            raise ConnectionLost(_reason(error)) from error


def _failure(code: int, reply: bytes | str) -> DeliveryFailure:
    """The failure an SMTP reply code means: 421 closes the session, other 4xx are temporary, 5xx permanent."""
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    reason = f"{code} {text}"
    if code == 421:
        return ConnectionLost(reason)
    if 500 <= code < 600:
        return PermanentFailure(reason)
    return TemporaryFailure(reason)


def _reason(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPResponseException):
        text = error.smtp_error.decode("utf-8", "replace") if isinstance(error.smtp_error, bytes) else error.smtp_error
        return f"{error.smtp_code} {text}"
    return str(error) or type(error).__name__


class MailURLError(ValueError):
    pass


def transport_from_url(url: str) -> Transport:
    """The transport a COORDINATOR_MAIL_URL names, e.g. smtp://user:pw@mail:587?starttls=true."""
    parts = urlsplit(url)
    if parts.scheme == "file":
        if not parts.path:
            raise MailURLError(f"file mail URL needs a folder: {url!r}")
        return FileTransport(Path(unquote(parts.path)))
    if parts.scheme in ("smtp", "smtps"):
        if not parts.hostname:
            raise MailURLError(f"SMTP mail URL needs a host: {url!r}")
        options = {k.lower(): v[-1].lower() for k, v in parse_qs(parts.query).items()}
        use_ssl = parts.scheme == "smtps"
        return SMTPTransport(
            host=parts.hostname,
            port=parts.port or (465 if use_ssl else 25),
            use_ssl=use_ssl,
            starttls=options.get("starttls") in ("1", "true", "yes"),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
        )
    raise MailURLError(f"unknown mail URL scheme {parts.scheme!r}: use smtp://, smtps:// or file://")
