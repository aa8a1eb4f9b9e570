"""`coordinator outbox send | list | retry` against a real SMTP server and both databases.

The commands use the real clock, so the messages here are due a minute ago.
"""
from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from email.message import EmailMessage

import pytest
import sqlalchemy as sa
from flask import Flask

from coordinator import create_app
from coordinator.audit import AuditEvent
from coordinator.cli import cli
from coordinator.clock import utcnow
from coordinator.outbox.models import MessageKind, OutboxMessage, OutboxState
from coordinator.outbox.queue import Outgoing, enqueue
from coordinator.web import db
from tests.smtp_server import SMTPServer


def message(n: int) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = "Samverkan <samverkan@example.se>"
    mail["To"] = f"rektor{n}@skola.example.se"
    mail["Subject"] = f"Inbjudan: Övergripande samverkansforum {n}"
    mail["Message-ID"] = f"<forum-{n}@samverkan.example.se>"
    mail.set_content("Välkommen.")
    return mail


@pytest.fixture
def smtp() -> Iterator[SMTPServer]:
    with SMTPServer() as server:
        yield server


@pytest.fixture
def mail_app(settings, smtp: SMTPServer) -> Iterator[Flask]:
    """The app sending through the test's SMTP server (COORDINATOR_MAIL_URL)."""
    app = create_app(dataclasses.replace(settings, mail_url=smtp.url, mail_from="bounces@example.se"))
    yield app
    app.extensions["coordinator.engine"].dispose()


def queue(app: Flask, *numbers: int, due_at: datetime | None = None) -> None:
    due_at = due_at or utcnow() - timedelta(minutes=1)
    with app.app_context():
        session = db()
        enqueue(session, [Outgoing(f"forum:{n}", MessageKind.INVITATION, message(n), due_at) for n in numbers],
                now=due_at)
        session.commit()


def invoke(app: Flask, *args: str):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(cli, list(args))


def test_outbox_send_delivers_what_is_due_once(mail_app, smtp):
    queue(mail_app, 1, 2)
    queue(mail_app, 3, due_at=utcnow() + timedelta(days=1))
    first = invoke(mail_app, "outbox", "send")
    assert first.exit_code == 0, first.output
    assert first.output.strip() == "2 skickade, 0 försöks igen senare, 0 gick inte att leverera, 0 inaktuella."
    second = invoke(mail_app, "outbox", "send")
    assert second.output.startswith("0 skickade")
    assert sorted(r.envelope_to[0] for r in smtp.received) == ["rektor1@skola.example.se", "rektor2@skola.example.se"]
    assert {r.envelope_from for r in smtp.received} == {"bounces@example.se"}  # COORDINATOR_MAIL_FROM


def test_outbox_list_json_shows_a_dead_message_with_its_error_in_local_time(mail_app, smtp):
    queue(mail_app, 1, 2)
    smtp.refuse["rektor2@skola.example.se"] = "550 5.1.1 No such user"
    assert "1 gick inte att leverera" in invoke(mail_app, "outbox", "send").output

    result = invoke(mail_app, "outbox", "list", "--json")
    assert result.exit_code == 0, result.output
    listed = json.loads(result.output)
    assert [(m["recipient"], m["state"]) for m in listed] == [
        ("rektor2@skola.example.se", "dead"), ("rektor1@skola.example.se", "sent")]  # the dead one first
    dead = listed[0]
    assert dead["last_error"] == "550 5.1.1 No such user"
    assert (dead["kind"], dead["attempts"], dead["subject"]) == ("invitation", 1, "Inbjudan: Övergripande samverkansforum 2")
    assert dead["message_id"] == "<forum-2@samverkan.example.se>"
    offset = datetime.fromisoformat(dead["next_attempt_at"]).utcoffset()
    assert offset in (timedelta(hours=1), timedelta(hours=2))  # Europe/Stockholm, winter or summer

    only_dead = json.loads(invoke(mail_app, "outbox", "list", "--state", "dead", "--json").output)
    assert [m["recipient"] for m in only_dead] == ["rektor2@skola.example.se"]


def test_outbox_list_as_a_table_with_counts_and_errors(mail_app, smtp):
    queue(mail_app, 1, 2, 3)
    smtp.failing = "451 4.3.0 Try again later"
    invoke(mail_app, "outbox", "send")
    output = invoke(mail_app, "outbox", "list", "--limit", "2").output
    assert "failed: 3" in output
    assert output.count("fel: 451 4.3.0 Try again later") == 2
    assert "… och 1 till (visa fler med --limit)." in output
    assert "Inga meddelanden." in invoke(mail_app, "outbox", "list", "--state", "dead").output
    refused = invoke(mail_app, "outbox", "list", "--state", "lost")
    assert refused.exit_code == 2


def test_outbox_retry_sends_a_dead_message_again_and_is_audited(mail_app, smtp):
    queue(mail_app, 1)
    smtp.refuse["rektor1@skola.example.se"] = "550 5.7.1 Relaying denied"
    invoke(mail_app, "outbox", "send")
    with mail_app.app_context():
        message_id = db().scalars(sa.select(OutboxMessage.id)).one()

    del smtp.refuse["rektor1@skola.example.se"]
    result = invoke(mail_app, "outbox", "retry", str(message_id))
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"Meddelande {message_id} skickas igen vid nästa utskick."
    assert invoke(mail_app, "outbox", "send").output.startswith("1 skickade")
    assert [r.envelope_to for r in smtp.received] == [["rektor1@skola.example.se"]]
    with mail_app.app_context():
        row = db().get_one(OutboxMessage, message_id)
        assert (row.state, row.attempts) == (OutboxState.SENT, 2)
        event = db().scalars(sa.select(AuditEvent).where(AuditEvent.action == "outbox_retry")).one()
        assert event.actor.startswith("cli")

    again = invoke(mail_app, "outbox", "retry", str(message_id))
    assert again.exit_code == 1
    assert "Bara meddelanden som inte kunde levereras kan skickas igen." in again.output
    assert invoke(mail_app, "outbox", "retry", "424242").exit_code == 1
