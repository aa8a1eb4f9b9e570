"""A real SMTP server on a loopback port (aiosmtpd) that keeps what it receives."""
from __future__ import annotations

import socket
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Received:
    envelope_to: list[str]
    message: EmailMessage
    session_id: int  # one value per SMTP connection


@dataclass
class RecordingHandler:
    received: list[Received] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.received.append(Received(list(envelope.rcpt_tos), message, id(session)))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


class SMTPServer:
    """Start with `with SMTPServer() as smtp:`; `smtp.url` is a COORDINATOR_MAIL_URL."""

    def __init__(self) -> None:
        self.handler = RecordingHandler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def __enter__(self) -> "SMTPServer":
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()
