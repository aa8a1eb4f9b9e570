"""A real SMTP server on a loopback port (aiosmtpd) that keeps what it receives.

It can also misbehave as mail servers do: refuse given recipients (`smtp.refuse[address] =
"550 5.1.1 No such user"`) or answer every message with a temporary error while
`smtp.failing = "451 4.3.0 Try again later"` is set. `SMTPServer(port=p)` starts on a chosen
port, e.g. one that a test first found closed (`free_port()`): the server was down, then came back.
"""
from __future__ import annotations

import itertools
import socket
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Self

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
    envelope_from: str = ""
    raw: bytes = b""


_connections = itertools.count(1)


@dataclass
class RecordingHandler:
    received: list[Received] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)  # recipient address -> the reply refusing it
    failing: str | None = None  # while set, the reply to every recipient (e.g. "451 4.3.0 Try again later")

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # type: ignore[no-untyped-def]
        if self.failing:
            return self.failing
        if address.lower() in self.refuse:
            return self.refuse[address.lower()]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.received.append(Received(list(envelope.rcpt_tos), message, _connection_number(session),  # type: ignore[arg-type]
                                      envelope.mail_from, envelope.content))
        return "250 Message accepted for delivery"


def _connection_number(session: object) -> int:
    """A number per SMTP connection (not id(), which a later connection may reuse)."""
    if not hasattr(session, "connection_number"):
        session.connection_number = next(_connections)  # type: ignore[attr-defined]
    return session.connection_number  # type: ignore[attr-defined]


class SMTPServer:
    """Start with `with SMTPServer() as smtp:`; `smtp.url` is a COORDINATOR_MAIL_URL."""

    def __init__(self, port: int | None = None) -> None:
        self.handler = RecordingHandler()
        self.port = port or free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    @property
    def refuse(self) -> dict[str, str]:
        return self.handler.refuse

    @property
    def failing(self) -> str | None:
        return self.handler.failing

    @failing.setter
    def failing(self, reply: str | None) -> None:
        self.handler.failing = reply

    def __enter__(self) -> Self:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()
