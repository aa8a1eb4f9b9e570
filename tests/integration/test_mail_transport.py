"""Mail leaves through a real SMTP server on loopback, or lands as .eml files; each refusal is classified."""
from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from coordinator.outbox.transports import (
    ConnectionLost,
    FileTransport,
    MailURLError,
    PermanentFailure,
    SMTPTransport,
    TemporaryFailure,
    transport_from_url,
)
from tests.smtp_server import SMTPServer, free_port


def invitation(to: str, n: int) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "samverkan@example.se"
    message["To"] = to
    message["Subject"] = f"Övergripande samverkansforum {n}"
    message["Message-ID"] = f"<meeting-{n}@samverkan.example.se>"
    message.set_content("Välkommen till mötet på Ängsskolan.")
    return message


def send(transport, *messages: EmailMessage) -> None:
    with transport.open() as connection:
        for message in messages:
            connection.send(message.as_bytes(), "samverkan@example.se", message["To"])


def test_a_batch_goes_over_one_smtp_connection_to_each_recipient():
    with SMTPServer() as smtp:
        send(transport_from_url(smtp.url), invitation("rektor@skola.example.se", 1), invitation("ifo@sdf.example.se", 2))
    assert [r.envelope_to for r in smtp.received] == [["rektor@skola.example.se"], ["ifo@sdf.example.se"]]
    assert len({r.session_id for r in smtp.received}) == 1
    assert {r.envelope_from for r in smtp.received} == {"samverkan@example.se"}
    assert smtp.received[0].message["Subject"] == "Övergripande samverkansforum 1"
    assert "Ängsskolan" in smtp.received[0].message.get_content()


def test_stored_bytes_with_lf_line_ends_go_out_with_crlf():
    lf_only = invitation("rektor@skola.example.se", 1).as_bytes().replace(b"\r\n", b"\n")
    with SMTPServer() as smtp, transport_from_url(smtp.url).open() as connection:
        connection.send(lf_only, "samverkan@example.se", "rektor@skola.example.se")
    assert smtp.received[0].message["Message-ID"] == "<meeting-1@samverkan.example.se>"
    assert "Ängsskolan" in smtp.received[0].message.get_content()
    assert smtp.received[0].raw.count(b"\n") == smtp.received[0].raw.count(b"\r\n")


def test_a_refused_recipient_is_a_permanent_failure_and_the_connection_goes_on():
    with SMTPServer() as smtp:
        smtp.refuse["borta@skola.example.se"] = "550 5.1.1 No such user"
        with transport_from_url(smtp.url).open() as connection:
            with pytest.raises(PermanentFailure, match="550 5.1.1 No such user"):
                connection.send(invitation("borta@skola.example.se", 1).as_bytes(), "samverkan@example.se",
                                "borta@skola.example.se")
            connection.send(invitation("rektor@skola.example.se", 2).as_bytes(), "samverkan@example.se",
                            "rektor@skola.example.se")
    assert [r.envelope_to for r in smtp.received] == [["rektor@skola.example.se"]]


def test_a_4xx_answer_is_a_temporary_failure_and_421_ends_the_connection():
    with SMTPServer() as smtp:
        smtp.failing = "451 4.3.0 Try again later"
        with transport_from_url(smtp.url).open() as connection:
            send_one = invitation("rektor@skola.example.se", 1).as_bytes()
            with pytest.raises(TemporaryFailure, match="451") as failure:
                connection.send(send_one, "samverkan@example.se", "rektor@skola.example.se")
            assert not isinstance(failure.value, ConnectionLost)
            smtp.failing = "421 4.3.2 Service shutting down"
            with pytest.raises(ConnectionLost, match="421"):
                connection.send(send_one, "samverkan@example.se", "rektor@skola.example.se")


def test_an_unreachable_smtp_server_is_a_lost_connection_so_the_batch_can_be_retried():
    with pytest.raises(ConnectionLost, match="cannot connect to 127.0.0.1"), \
            SMTPTransport("127.0.0.1", free_port(), timeout=2).open():
        pass


def test_file_transport_writes_one_parseable_eml_per_message(tmp_path: Path):
    send(transport_from_url(f"file://{tmp_path / 'mail'}"), invitation("rektor@skola.example.se", 1),
         invitation("ifo@sdf.example.se", 2))
    files = sorted((tmp_path / "mail").glob("*.eml"))
    assert len(files) == 2
    parsed = {message_from_bytes(f.read_bytes(), policy=policy.default)["To"] for f in files}
    assert parsed == {"rektor@skola.example.se", "ifo@sdf.example.se"}


def test_resending_the_same_message_overwrites_instead_of_duplicating(tmp_path: Path):
    transport = FileTransport(tmp_path)
    send(transport, invitation("rektor@skola.example.se", 1))
    send(transport, invitation("rektor@skola.example.se", 1))
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
