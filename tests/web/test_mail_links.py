"""Every mail leads to the page where its recipient acts (issue 12, point 5).

Each mail kind is produced the way production does (publishing, moving, the reminder sweeps,
the notices, the digest, inviting to a login, a forgotten password), read back from the outbox
and parsed. Every link in its text and HTML parts must be absolute under the configured base
URL, and followed with the test client as the recipient — after signing in where the page
needs it, or after choosing a password for someone without a login — must land on a 200 page
that offers the action the mail asks for.

The views read the real clock, so the meetings are placed around the real now: one held (its
minutes are due), one to come (its invitations are open).
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from email import message_from_bytes, policy
from email.message import EmailMessage
from html import unescape
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from coordinator.auth import accounts, services
from coordinator.auth.models import User
from coordinator.minutes.models import ActionItem, Adjuster, Minutes, MinutesState
from coordinator.outbox.models import MessageKind as K
from coordinator.outbox.models import OutboxMessage, OutboxState
from coordinator.planning.models import Answer, Meeting
from coordinator.planning.services import cancel_meeting, move_meeting
from coordinator.invitations.services import record_answer
from coordinator.reminders.digest import queue_digests
from coordinator.reminders.notices import queue_revision_notices, queue_term_notices
from coordinator.reminders.rules import FOLLOW_UP, Timing
from coordinator.reminders.services import queue_due
from coordinator.terms.models import Term
from tests.reminder_world import MAIL, World, build, local
from tests.web.helpers import PASSWORD, csrf_token, log_in, text

BASE = MAIL.base_url
ZONE = ZoneInfo("Europe/Stockholm")
TIMING = Timing("Europe/Stockholm", reminder_hour=7)
NEW_PASSWORD = "ett nytt långt lösenord"
URL = re.compile(r"https?://[^\s<>\"']+")
# the logins of the world; everyone else (kurator, nurse, teacher, contact, deputy) has none
LOGINS = {"director": ("district_director", "LILLBY"), "secretary": ("district_admin", "LILLBY"),
          "principal": ("participant", None)}


def today_at(days: int, hour: int, minute: int = 0) -> datetime:
    """A local moment `days` from today (the real today: the pages read the real clock)."""
    day = datetime.now(ZONE).date() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZONE)


def place(session: Session, meeting: Meeting, starts_at: datetime) -> None:
    """Put a meeting at another time, as if it had been planned and published there, forty days before
    (no mail, the same SEQUENCE)."""
    published_at = starts_at - timedelta(days=40)
    meeting.ends_at = starts_at + (meeting.ends_at - meeting.starts_at)
    meeting.starts_at, meeting.published_at = starts_at, published_at
    session.execute(sa.update(OutboxMessage).where(OutboxMessage.meeting_id == meeting.id)
                    .values(created_at=published_at, next_attempt_at=published_at))
    session.commit()


@pytest.fixture
def world(session: Session) -> World:
    built = build(session)
    for role, (role_name, district) in LOGINS.items():
        services.create_user(session, built.person(role).email, role_name, district, PASSWORD, local(2027, 8, 1, 9, 0))
    session.commit()
    return built


# -- reading mail and following its links ----------------------------------------------------------

def mails(session: Session, kind: K) -> list[tuple[str, EmailMessage]]:
    rows = session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id))
    return [(row.recipient, message_from_bytes(row.content, policy=policy.default)) for row in rows]  # type: ignore[misc]


def mail_to(session: Session, kind: K, role: str) -> EmailMessage:
    found = [m for to, m in mails(session, kind) if f"{role}@lillby.example" in to]
    assert found, f"no {kind.value} to {role}"
    return found[-1]


def links_of(message: EmailMessage) -> list[str]:
    """Every link of the text and HTML parts, in order, each once; both parts must carry the same ones."""
    plain = URL.findall(message.get_body(("plain",)).get_content())
    html_part = message.get_body(("html",))
    hrefs = [unescape(h) for h in re.findall(r'href="([^"]+)"', html_part.get_content())] if html_part else plain
    in_html = [h for h in hrefs if not h.startswith("mailto:")]
    assert set(in_html) == set(plain), (in_html, plain)
    return list(dict.fromkeys(plain))


def follow(app: Flask, url: str, email: str) -> tuple[str, str]:
    """Open `url` in a fresh browser as the person at `email`: signing in when the page asks (with their
    password), choosing a password when it is a password link. The final path and its page."""
    assert url.startswith(f"{BASE}/"), f"{url} is not under {BASE}"
    client = app.test_client()
    path = url.removeprefix(BASE)
    response = client.get(path)
    if path.startswith("/password/"):
        assert response.status_code == 200, text(response)
        assert f'value="{email}"' in text(response)  # the page says whose password is set
        response = client.post(path, data={"csrf_token": csrf_token(text(response)), "password": NEW_PASSWORD,
                                           "repeat": NEW_PASSWORD})
        assert response.status_code == 302, text(response)
        path = response.headers["Location"]
        response = client.get(path)
    elif response.status_code == 302 and urlsplit(response.headers["Location"]).path.endswith("/ersattare"):
        path = response.headers["Location"]  # the mail's "send a deputy" link: the answer page's second step
        response = client.get(path)
    elif response.status_code == 302:
        location = urlsplit(response.headers["Location"])
        assert location.path == "/login", response.headers["Location"]
        target = parse_qs(location.query)["next"][0]
        assert target == path.split("#")[0]
        signed_in = log_in(client, email, next_url=target)
        assert signed_in.headers["Location"] == target  # back where the link led
        response = client.get(target)
    assert response.status_code == 200, (url, response.status_code)
    return urlsplit(path).path, unescape(text(response))


def address(message: EmailMessage) -> str:
    return message["To"].addresses[0].addr_spec


def assert_leads(app: Flask, message: EmailMessage, expected: dict[str, str]) -> None:
    """Each link of `message` is one of `expected` (final path -> a text the page shows) and leads there."""
    links = links_of(message)
    assert links, "the mail has no link"
    reached = {}
    for url in links:
        path, page = follow(app, url, address(message))
        assert path in expected, (url, path)
        assert expected[path] in page, (path, expected[path])
        reached[path] = url
    assert set(reached) == set(expected)


# -- mail about a meeting to come -------------------------------------------------------------------

@pytest.fixture
def upcoming(session: Session, world: World) -> World:
    """The forum in ten days, the conference held 25 days ago (its minutes a draft with an open item)."""
    place(session, world.forum, today_at(10, 13))
    place(session, world.conference, today_at(-25, 13))
    session.add(Minutes(meeting_id=world.conference.id, state=MinutesState.DRAFT, content={},
                        created_at=today_at(-24, 9), created_by="kurator@lillby.example",
                        updated_at=today_at(-24, 9), updated_by="kurator@lillby.example"))
    session.add(ActionItem(meeting_id=world.conference.id, series_key=world.conference.series_key,
                           text="Bjud in fältassistenterna", owner_id=world.person("nurse").id,
                           due_on=today_at(2, 12).date(), created_at=today_at(-24, 9), created_by="kurator"))
    session.commit()
    return world


def test_the_invitation_and_its_update_lead_to_the_answer_page(app, session, upcoming):
    move_meeting(session, upcoming.forum, today_at(11, 13), today_at(11, 15), actor="test", now=today_at(-1, 9),
                 mail=MAIL)
    session.commit()
    for kind in (K.INVITATION, K.UPDATE):
        message = mail_to(session, kind, "principal")
        for url in links_of(message):
            assert "/rsvp/" in url
            path, page = follow(app, url, "principal@lillby.example")  # no login needed
            button = "Skicka ersättaren" if path.endswith("/ersattare") else "Skicka svaret"
            assert "Rita Rektor" in page and button in page


def test_the_before_meeting_reminders_lead_to_the_answer_page(app, session, upcoming):
    record_answer(session, upcoming.invitation(upcoming.forum, "director"), Answer.ACCEPTED, via="link",
                  sequence=upcoming.forum.sequence, actor="test", now=today_at(-1, 9))
    session.commit()
    queue_due(session, upcoming.forum.starts_at - timedelta(days=7), MAIL, timing=TIMING, kinds=[K.RSVP_REMINDER])
    queue_due(session, upcoming.forum.starts_at - timedelta(hours=24), MAIL, timing=TIMING,
              kinds=[K.PRE_MEETING_REMINDER])
    session.commit()
    for kind, role in ((K.RSVP_REMINDER, "secretary"), (K.PRE_MEETING_REMINDER, "director")):
        for url in links_of(mail_to(session, kind, role)):
            assert "/rsvp/" in url
            path, page = follow(app, url, f"{role}@lillby.example")
            assert ("Skicka ersättaren" if path.endswith("/ersattare") else "Skicka svaret") in page


def test_the_minutes_reminder_to_a_keeper_without_a_login_makes_one_and_lands_on_the_minutes(app, session, upcoming):
    # the keeper is reminded first; the escalation comes later (docs/scheduler.md)
    queue_due(session, today_at(-21, 7, 1), MAIL, timing=TIMING, kinds=FOLLOW_UP)
    queue_due(session, today_at(-5, 7, 1), MAIL, timing=TIMING, kinds=FOLLOW_UP)
    session.commit()
    message = mail_to(session, K.MINUTES_REMINDER, "kurator")
    minutes_page = f"/meetings/{upcoming.conference.id}/minutes"
    assert [urlsplit(u).path.split("/")[1] for u in links_of(message)] == ["password"]
    assert "Du har ingen inloggning ännu" in message.get_body(("plain",)).get_content()
    assert_leads(app, message, {minutes_page: "Registrera protokollet"})
    kurator = session.scalars(sa.select(User).where(User.email == "kurator@lillby.example")).one()
    assert (kurator.role.value, kurator.person_id) == ("participant", upcoming.person("kurator").id)
    # the escalation goes to the convener, who has a login: through the sign-in to the same minutes
    assert_leads(app, mail_to(session, K.MINUTES_ESCALATION, "principal"), {minutes_page: "Utkast"})


def test_a_catch_up_after_an_outage_links_each_thing_to_do(app, session, upcoming):
    place(session, upcoming.forum, today_at(6, 13))  # its answer reminder fell due yesterday
    queue_due(session, today_at(-21, 7, 1), MAIL, timing=TIMING, kinds=FOLLOW_UP)  # the keeper, on time
    session.commit()
    queue_due(session, today_at(0, 7, 1), MAIL, timing=TIMING)  # then nothing ran for weeks
    session.commit()
    rsvp_page = urlsplit(next(u for u in links_of(mail_to(session, K.CATCH_UP, "principal")) if "/rsvp/" in u)).path
    assert_leads(app, mail_to(session, K.CATCH_UP, "principal"), {
        rsvp_page: "Skicka svaret", f"/meetings/{upcoming.conference.id}/minutes": "Utkast"})


def test_the_action_item_reminder_lets_its_owner_mark_it_done(app, session, upcoming):
    queue_due(session, TIMING.morning(today_at(2, 12).date() - timedelta(days=3)), MAIL, timing=TIMING,
              kinds=[K.ACTION_ITEM_REMINDER])
    session.commit()
    message = mail_to(session, K.ACTION_ITEM_REMINDER, "nurse")
    [link] = links_of(message)
    path, page = follow(app, link, "nurse@lillby.example")
    assert path == f"/meetings/{upcoming.conference.id}/minutes"
    assert "Bjud in fältassistenterna" in page and ">Klar</button>" in page


def test_the_digest_links_each_entry_and_the_undelivered_mail(app, session, upcoming):
    session.execute(sa.update(OutboxMessage).where(OutboxMessage.recipient.contains("teacher@"))
                    .values(state=OutboxState.DEAD, last_error="550 mailbox unavailable"))
    session.commit()
    monday = datetime.now(ZONE).date() - timedelta(days=datetime.now(ZONE).weekday())
    assert queue_digests(session, TIMING.morning(monday) + timedelta(minutes=15), MAIL, TIMING) == 1
    session.commit()
    forum, conference = upcoming.forum, upcoming.conference
    assert_leads(app, mail_to(session, K.DIGEST, "director"), {
        f"/districts/LILLBY/terms/HT2027/meetings/{forum.id}": "Rita Rektor",
        f"/meetings/{conference.id}/minutes": "Bjud in fältassistenterna",
        "/outbox": "550 mailbox unavailable",
        "/districts/LILLBY/minutes": "Protokollregister",
    })


def test_the_notices_lead_to_the_agreement_and_the_term_plan(app, session, upcoming):
    session.add(Term(municipality_id=upcoming.term.municipality_id, name="VT2028", starts_on=date(2028, 1, 10),
                     ends_on=date(2028, 6, 12)))
    session.commit()
    queue_revision_notices(session, local(2028, 5, 20, 7, 5), MAIL, TIMING)
    queue_term_notices(session, local(2027, 11, 29, 7, 10), MAIL, TIMING, weeks=6)
    session.commit()
    agreement_id = upcoming.forum.meeting_form.version.agreement_id
    assert_leads(app, mail_to(session, K.REVISION_DUE, "director"), {f"/agreements/{agreement_id}": "Ny version"})
    assert_leads(app, mail_to(session, K.TERM_NOT_PLANNED, "director"),
                 {"/districts/LILLBY/terms/VT2028/plan": "Planera terminen"})
    # the agreement's contact person is told too, with the same link
    assert links_of(mail_to(session, K.REVISION_DUE, "contact")) == [f"{BASE}/agreements/{agreement_id}"]


def test_a_cancellation_has_no_link_that_leads_nowhere(app, session, upcoming):
    cancel_meeting(session, upcoming.forum, actor="test", now=today_at(-1, 9), mail=MAIL)
    session.commit()
    cancellations = mails(session, K.CANCELLATION)
    assert cancellations, "the cancelled forum's invitees are told"
    for _to, message in cancellations:
        for url in links_of(message):
            follow(app, url, address(message))


def test_the_login_mails_lead_to_choosing_a_password_and_then_in(app, session, upcoming):
    director = session.scalars(sa.select(User).where(User.email == "director@lillby.example")).one()
    accounts.invite(session, director, "teacher@lillby.example", "participant", None, name=None,
                    now=datetime.now(timezone.utc), mail=MAIL)
    accounts.request_password_reset(session, "principal@lillby.example", now=datetime.now(timezone.utc), mail=MAIL)
    session.commit()
    assert_leads(app, mail_to(session, K.LOGIN_INVITATION, "teacher"), {"/": "Pia Pedagog", "/login": "Logga in"})
    assert_leads(app, mail_to(session, K.PASSWORD_RESET, "principal"), {"/": "Rita Rektor"})


# -- mail about held minutes -------------------------------------------------------------------------

@pytest.fixture
def held(session: Session, world: World) -> World:
    """The forum held twelve days ago; its minutes registered the day after, for two adjusters."""
    place(session, world.forum, today_at(-12, 13))
    session.add(Minutes(meeting_id=world.forum.id, state=MinutesState.REGISTERED, content={},
                        created_at=today_at(-11, 9), created_by="secretary", updated_at=today_at(-11, 9),
                        updated_by="secretary", registered_at=today_at(-11, 9), registered_by="secretary",
                        adjusters=[Adjuster(person_id=world.person("principal").id),
                                   Adjuster(person_id=world.person("contact").id)]))
    session.commit()
    return world


def test_the_approval_reminder_leads_each_adjuster_to_the_approval_button(app, session, held):
    queue_due(session, today_at(-2, 7, 1), MAIL, timing=TIMING, kinds=[K.APPROVAL_REMINDER])
    session.commit()
    minutes_page = f"/meetings/{held.forum.id}/minutes"
    assert_leads(app, mail_to(session, K.APPROVAL_REMINDER, "principal"), {minutes_page: "Justera protokollet"})
    # the contact has no login and reads English: a first-login link, then the same button in English
    english = mail_to(session, K.APPROVAL_REMINDER, "contact")
    assert "You have no login yet" in english.get_body(("plain",)).get_content()
    assert_leads(app, english, {minutes_page: "Approve the minutes"})


def test_the_report_reminder_leads_the_secretary_to_the_committee_bundle(app, session, held):
    minutes = session.scalars(sa.select(Minutes)).one()
    minutes.state, minutes.approved_at = MinutesState.APPROVED, today_at(-10, 9)
    session.commit()
    queue_due(session, today_at(-2, 7, 1), MAIL, timing=TIMING, kinds=[K.REPORT_REMINDER])
    session.commit()
    assert_leads(app, mail_to(session, K.REPORT_REMINDER, "secretary"),
                 {"/districts/LILLBY/minutes/committee": "Markera som anmälda"})


def test_every_mail_kind_is_covered_here():
    covered = {K.INVITATION, K.UPDATE, K.CANCELLATION, K.RSVP_REMINDER, K.PRE_MEETING_REMINDER, K.MINUTES_REMINDER,
               K.MINUTES_ESCALATION, K.APPROVAL_REMINDER, K.REPORT_REMINDER, K.ACTION_ITEM_REMINDER, K.REVISION_DUE,
               K.TERM_NOT_PLANNED, K.DIGEST, K.LOGIN_INVITATION, K.PASSWORD_RESET, K.CATCH_UP,
               # followed in tests/web/test_report_pages.py, on the demo with its intake officer
               K.CONCERN_UNBOOKED, K.CONCERN_DEADLINES,
               K.CONSULTATION_REMINDER}  # followed in tests/web/test_consultation_pages.py
    assert covered == set(K)
