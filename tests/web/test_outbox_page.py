"""The administrators' outbox page on the demo: undeliverable mail first with its error, "Skicka igen",
and who sees which district's messages."""
from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask import Flask

from coordinator.auth.models import Role
from coordinator.clock import utcnow
from coordinator.db import make_session_factory
from coordinator.org.models import District
from coordinator.outbox.delivery import deliver_due
from coordinator.outbox.models import MessageKind, OutboxMessage, OutboxState
from coordinator.outbox.queue import Outgoing, enqueue
from coordinator.outbox.transports import transport_from_url
from coordinator.planning.models import Meeting
from coordinator.planning.services import plan_district_term
from coordinator.web import db
from tests.smtp_server import SMTPServer
from tests.web.helpers import csrf_token, log_in_as, page

PLANNED_AT = datetime(2027, 5, 3, 8, 0, tzinfo=UTC)
NORRVIKEN_RECTOR = "rektor@angsskolan.example.se"     # refused: dead
SODERBY_RECTOR = "rektor@bergaskolan.example.se"      # refused: dead
NORRVIKEN_KURATOR = "kurator@angsskolan.example.se"   # mailbox full: failed, retried later
CITY_DIGEST = "stad@example.se"                       # sent
WITH_MEETING = "with a planned meeting"


def message(to: str, n: int) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = "samverkan@example.se"
    mail["To"] = to
    mail["Subject"] = f"Inbjudan {n}"
    mail["Message-ID"] = f"<page-{n}@samverkan.example.se>"
    mail.set_content("Välkommen.")
    return mail


@pytest.fixture
def outbox(demo: Flask, request: pytest.FixtureRequest) -> dict[str, int]:
    """Four messages delivered once to a server refusing two addresses and deferring one; their ids by address.

    Parametrized indirectly with WITH_MEETING, Norrviken's messages concern its first planned meeting.
    """
    now = utcnow()
    with demo.app_context():
        session = db()
        districts = dict(session.execute(sa.select(District.code, District.id)).all())
        meeting_id = None
        if getattr(request, "param", None) == WITH_MEETING:
            plan_district_term(session, "NORRVIKEN", "HT2027", actor="test", now=PLANNED_AT)
            meeting_id = session.scalars(sa.select(Meeting.id).where(Meeting.district_id == districts["NORRVIKEN"])
                                         .order_by(Meeting.starts_at)).first()
        kinds = {NORRVIKEN_RECTOR: MessageKind.INVITATION, SODERBY_RECTOR: MessageKind.RSVP_REMINDER,
                 NORRVIKEN_KURATOR: MessageKind.INVITATION, CITY_DIGEST: MessageKind.DIGEST}
        owners = {NORRVIKEN_RECTOR: districts["NORRVIKEN"], SODERBY_RECTOR: districts["SODERBY"],
                  NORRVIKEN_KURATOR: districts["NORRVIKEN"], CITY_DIGEST: None}
        enqueue(session, [
            Outgoing(f"page:{n}", kinds[to], message(to, n), now, district_id=owners[to],
                     meeting_id=meeting_id if owners[to] == districts["NORRVIKEN"] else None)
            for n, to in enumerate(kinds)], now=now)
        session.commit()
        with SMTPServer() as smtp:
            smtp.refuse[NORRVIKEN_RECTOR] = "550 5.1.1 No such user"
            smtp.refuse[SODERBY_RECTOR] = "550 5.7.1 Rejected by policy"
            smtp.refuse[NORRVIKEN_KURATOR] = "452 4.2.2 Mailbox full"
            deliver_due(make_session_factory(demo.extensions["coordinator.engine"]), transport_from_url(smtp.url),
                        now=now)
        return dict(session.execute(sa.select(OutboxMessage.recipient, OutboxMessage.id)).all())


def rows_shown(html: str) -> list[str]:
    """The recipients in the table's order."""
    table = html.partition("<tbody>")[2].partition("</tbody>")[0]
    addresses = (NORRVIKEN_RECTOR, SODERBY_RECTOR, NORRVIKEN_KURATOR, CITY_DIGEST)
    return sorted((a for a in addresses if a in table), key=table.index)


def state_of(app: Flask, message_id: int) -> OutboxState:
    with app.app_context():
        return db().get_one(OutboxMessage, message_id).state


@pytest.mark.parametrize("outbox", [WITH_MEETING], indirect=True)
def test_the_city_administrator_sees_every_message_dead_ones_first_with_error_and_meeting(client, demo, outbox):
    log_in_as(client, demo, Role.CITY_ADMIN)
    html = page(client.get("/outbox"))
    assert "<h1>Utskick</h1>" in html
    assert "Alla (4)" in html and "Kunde inte levereras (2)" in html and "Försöks igen (1)" in html
    assert "Skickat (1)" in html
    shown = rows_shown(html)
    assert set(shown[:2]) == {NORRVIKEN_RECTOR, SODERBY_RECTOR}
    assert shown[2:] == [NORRVIKEN_KURATOR, CITY_DIGEST]
    assert "550 5.1.1 No such user" in html and "452 4.2.2 Mailbox full" in html
    assert "Påminnelse om svar" in html and "Veckosammanfattning" in html
    with demo.app_context():
        meeting = db().get_one(Meeting, db().get_one(OutboxMessage, outbox[NORRVIKEN_RECTOR]).meeting_id)
        when = meeting.starts_at.astimezone(ZoneInfo("Europe/Stockholm")).strftime("%Y-%m-%d %H:%M")
        assert f"{meeting.meeting_form.name}" in html and when in html  # the meeting it concerns
    assert html.count(">Skicka igen</button>") == 2


def test_filtering_by_state(client, demo, outbox):
    log_in_as(client, demo, Role.CITY_ADMIN)
    html = page(client.get("/outbox?state=failed"))
    assert rows_shown(html) == [NORRVIKEN_KURATOR]
    assert "Nästa försök" in html
    assert 'aria-current="page">Försöks igen (1)' in html
    assert "Inga utskick med status ”Väntar”." in page(client.get("/outbox?state=pending"))
    assert len(rows_shown(page(client.get("/outbox?state=nonsense")))) == 4


def test_sending_a_dead_message_again_from_the_page(client, demo, outbox):
    log_in_as(client, demo, Role.CITY_ADMIN)
    html = page(client.get("/outbox?state=dead"))
    response = client.post(f"/outbox/{outbox[SODERBY_RECTOR]}/retry",
                           data={"csrf_token": csrf_token(html), "state": "dead"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/outbox?state=dead")
    html = page(client.get(response.headers["Location"]))
    assert f"Meddelandet till {SODERBY_RECTOR} skickas igen inom kort." in html
    assert rows_shown(html) == [NORRVIKEN_RECTOR]
    assert state_of(demo, outbox[SODERBY_RECTOR]) is OutboxState.PENDING

    again = client.post(f"/outbox/{outbox[SODERBY_RECTOR]}/retry", data={"csrf_token": csrf_token(html)})
    assert "Bara meddelanden som inte kunde levereras kan skickas igen." in page(client.get(again.headers["Location"]))


def test_a_retry_without_the_forms_token_is_refused(client, demo, outbox):
    log_in_as(client, demo, Role.CITY_ADMIN)
    assert client.post(f"/outbox/{outbox[SODERBY_RECTOR]}/retry").status_code == 400
    assert state_of(demo, outbox[SODERBY_RECTOR]) is OutboxState.DEAD


@pytest.mark.parametrize("role", [Role.DISTRICT_DIRECTOR, Role.DISTRICT_ADMIN])
def test_a_district_sees_and_retries_only_its_own_messages(client, demo, outbox, role):
    log_in_as(client, demo, role, "NORRVIKEN")
    html = page(client.get("/outbox"))
    assert rows_shown(html) == [NORRVIKEN_RECTOR, NORRVIKEN_KURATOR]
    assert "Alla (2)" in html
    token = csrf_token(html)
    assert client.post(f"/outbox/{outbox[SODERBY_RECTOR]}/retry", data={"csrf_token": token}).status_code == 404
    assert state_of(demo, outbox[SODERBY_RECTOR]) is OutboxState.DEAD
    assert client.post(f"/outbox/{outbox[NORRVIKEN_RECTOR]}/retry", data={"csrf_token": token}).status_code == 302
    assert state_of(demo, outbox[NORRVIKEN_RECTOR]) is OutboxState.PENDING


def test_the_auditor_reads_everything_and_changes_nothing(client, demo, outbox):
    log_in_as(client, demo, Role.AUDITOR)
    html = page(client.get("/outbox"))
    assert len(rows_shown(html)) == 4
    assert "Skicka igen" not in html
    token = csrf_token(html)  # the logout form's
    assert client.post(f"/outbox/{outbox[SODERBY_RECTOR]}/retry", data={"csrf_token": token}).status_code == 404
    assert state_of(demo, outbox[SODERBY_RECTOR]) is OutboxState.DEAD


def test_participants_do_not_find_the_page_and_visitors_must_log_in(client, demo, outbox):
    assert client.get("/outbox").status_code == 302
    log_in_as(client, demo, Role.PARTICIPANT)
    assert client.get("/outbox").status_code == 404
    assert 'href="/outbox"' not in page(client.get("/"))


def test_district_administrators_find_their_page_in_the_menu(client, demo, outbox):
    log_in_as(client, demo, Role.DISTRICT_ADMIN, "SODERBY")
    assert 'href="/outbox"' in page(client.get("/"))
    html = page(client.get("/outbox"))
    assert rows_shown(html) == [SODERBY_RECTOR]
    assert "550 5.7.1 Rejected by policy" in html
