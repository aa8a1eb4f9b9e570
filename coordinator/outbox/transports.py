"""Mail transports chosen by COORDINATOR_MAIL_URL: smtp://, smtps:// and file:// (writes .eml)."""
from __future__ import annotations

import hashlib
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit


class Transport(Protocol):
    def send(self, messages: list[EmailMessage]) -> None:
        """Deliver a batch; raises on the first message that cannot be handed over."""


@dataclass(frozen=True)
class FileTransport:
    """Writes each message as an .eml file: the embedded default, readable by any mail client."""
    directory: Path

    def send(self, messages: list[EmailMessage]) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        for message in messages:
            message_id = message.get("Message-ID", "")
            name = hashlib.sha256((message_id or message.as_string()).encode()).hexdigest()[:24]
            target = self.directory / f"{name}.eml"
            temporary = target.with_suffix(".tmp")
            temporary.write_bytes(message.as_bytes())
            temporary.replace(target)  # a reader never sees half a message


@dataclass(frozen=True)
class SMTPTransport:
    """One SMTP connection per batch; STARTTLS or implicit TLS; login when a user is given."""
    host: str
    port: int
    use_ssl: bool = False
    starttls: bool = False
    username: str | None = None
    password: str | None = None
    timeout: float = 30.0

    def send(self, messages: list[EmailMessage]) -> None:
        if not messages:
            return
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if self.use_ssl:
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        with smtp:
            if self.starttls:
                smtp.starttls(context=context)
            if self.username:
                smtp.login(self.username, self.password or "")
            for message in messages:
                smtp.send_message(message)


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
