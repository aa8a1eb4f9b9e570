"""Mail leaves through a real SMTP server on loopback, or lands as .eml files."""
from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from coordinator.outbox.transports import (
    FileTransport, MailURLError, SMTPTransport, transport_from_url,
)
from tests.smtp_server import SMTPServer


def invitation(to: str, n: int) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "samverkan@example.se"
    message["To"] = to
    message["Subject"] = f"Övergripande samverkansforum {n}"
    message["Message-ID"] = f"<meeting-{n}@samverkan.example.se>"
    message.set_content("Välkommen till mötet på Ängsskolan.")
    return message


def test_a_batch_goes_over_one_smtp_connection_to_each_recipient():
    with SMTPServer() as smtp:
        transport = transport_from_url(smtp.url)
        transport.send([invitation("rektor@skola.example.se", 1), invitation("ifo@sdf.example.se", 2)])
    assert [r.envelope_to for r in smtp.received] == [["rektor@skola.example.se"], ["ifo@sdf.example.se"]]
    assert len({r.session_id for r in smtp.received}) == 1
    assert smtp.received[0].message["Subject"] == "Övergripande samverkansforum 1"
    assert "Ängsskolan" in smtp.received[0].message.get_content()


def test_unreachable_smtp_server_raises_so_the_message_can_be_retried():
    transport = SMTPTransport("127.0.0.1", 1, timeout=2)
    with pytest.raises(OSError):
        transport.send([invitation("rektor@skola.example.se", 1)])


def test_file_transport_writes_one_parseable_eml_per_message(tmp_path: Path):
    transport = transport_from_url(f"file://{tmp_path / 'mail'}")
    transport.send([invitation("rektor@skola.example.se", 1), invitation("ifo@sdf.example.se", 2)])
    files = sorted((tmp_path / "mail").glob("*.eml"))
    assert len(files) == 2
    parsed = {message_from_bytes(f.read_bytes(), policy=policy.default)["To"] for f in files}
    assert parsed == {"rektor@skola.example.se", "ifo@sdf.example.se"}


def test_resending_the_same_message_overwrites_instead_of_duplicating(tmp_path: Path):
    transport = FileTransport(tmp_path)
    transport.send([invitation("rektor@skola.example.se", 1)])
    transport.send([invitation("rektor@skola.example.se", 1)])
    assert len(list(tmp_path.glob("*.eml"))) == 1


@pytest.mark.parametrize(("url", "expected"), [
    ("smtp://mail.example.se", SMTPTransport("mail.example.se", 25)),
    ("smtps://u%40x:p%3Aw@mail.example.se", SMTPTransport("mail.example.se", 465, use_ssl=True,
                                                          username="u@x", password="p:w")),
    ("smtp://mail.example.se:587?starttls=true", SMTPTransport("mail.example.se", 587, starttls=True)),
])
def test_mail_urls_configure_the_smtp_transport(url: str, expected: SMTPTransport):
    assert transport_from_url(url) == expected


@pytest.mark.parametrize("url", ["imap://mail.example.se", "smtp://", "file://", "mail.example.se"])
def test_bad_mail_urls_are_refused_with_a_message(url: str):
    with pytest.raises(MailURLError, match="mail URL"):
        transport_from_url(url)
