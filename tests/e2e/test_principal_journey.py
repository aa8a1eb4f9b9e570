"""A principal answers the invitation the director's publishing sent, from the link in the mail that a real SMTP
server caught, then sends her deputy, whose own invitation arrives by mail with a calendar part naming her."""
from __future__ import annotations

import re
from zoneinfo import ZoneInfo

import icalendar
import sqlalchemy as sa
from playwright.sync_api import expect

from coordinator.cli import cli
from coordinator.db import make_session_factory
from coordinator.demo.data import PEOPLE, person_email
from coordinator.planning.models import Answer, Invitation, Meeting
from tests.e2e.accessibility import assert_accessible, press, with_axe
from tests.e2e.conftest import serve
from tests.e2e.test_director_journey import director_email, log_in, publish
from tests.smtp_server import Received, SMTPServer

PRINCIPAL, DEPUTY = "Annika Berg", "Per Olsson"  # the demo's principal of Norrvikens skola and her deputy


def email(name: str) -> str:
    return person_email(next(p for p in PEOPLE if p.name == name))


def send_outbox(app) -> None:  # type: ignore[no-untyped-def]
    """What the scheduler does every few seconds: the app's own sender sends the outbox by its mail URL."""
    result = app.test_cli_runner().invoke(cli, ["outbox", "send"])
    assert result.exit_code == 0 and " 0 försöks igen senare, 0 gick inte att leverera" in result.output, \
        result.output


def mails_to(smtp: SMTPServer, address: str) -> list[Received]:
    return [r for r in smtp.received if address in r.envelope_to]


def calendar(received: Received) -> icalendar.Calendar:
    [part] = [p for p in received.message.walk() if p.get_content_type() == "text/calendar"]
    return icalendar.Calendar.from_ical(part.get_payload(decode=True))


def test_a_principal_accepts_from_the_mail_sends_a_deputy_and_the_deputys_invitation_arrives(
        demo_database, tmp_path, page, browser, screenshots) -> None:  # type: ignore[no-untyped-def]
    with SMTPServer() as smtp, serve(demo_database, tmp_path, {"COORDINATOR_MAIL_URL": smtp.url}) as live_server:
        log_in(page, live_server.url, director_email())
        page.goto(f"{live_server.url}/districts/NORRVIKEN/terms/HT2027/plan")
        page.get_by_role("button", name="Planera terminen").click()
        publish(page)
        send_outbox(live_server.app)

        first = mails_to(smtp, email(PRINCIPAL))[0]
        assert first.message["To"].addresses[0].display_name == PRINCIPAL
        uid = str(calendar(first).walk("VEVENT")[0]["UID"])
        body = first.message.get_body(preferencelist=("plain",)).get_content()
        accept = re.search(r"(http://127\.0\.0\.1:\d+/rsvp/\S+\?answer=accepted)", body)
        assert accept and accept.group(1).startswith(live_server.url), body

        sessions = make_session_factory(live_server.app.extensions["coordinator.engine"])

        def answer() -> Invitation:
            with sessions() as session:
                return session.scalars(sa.select(Invitation).where(Invitation.person.has(name=PRINCIPAL),
                                              Invitation.meeting.has(uid=uid))).one()

        context = browser.new_context(locale="sv-SE", timezone_id="Europe/Stockholm")
        with_axe(context)
        principal = context.new_page()  # the link is enough
        principal.goto(accept.group(1))
        expect(principal.get_by_role("heading", name="Svara på inbjudan")).to_be_visible()
        expect(principal.get_by_label("Jag kommer", exact=True)).to_be_checked()
        screenshots.take(principal, "answer-from-mail")
        assert answer().answer is Answer.NEEDS_ACTION  # opening the link (as a mail scanner does) changed nothing

        principal.get_by_role("button", name="Skicka svaret").click()
        expect(principal.get_by_text(re.compile("Tack! Ditt svar är sparat"))).to_be_visible()
        assert answer().answer is Answer.ACCEPTED
        screenshots.take(principal, "accepted")

        assert_accessible(principal)
        principal.get_by_label("Jag skickar en ersättare").check()
        press(principal, principal.get_by_role("button", name="Skicka svaret"))  # the deputies are the next step
        expect(principal.get_by_role("heading", name="Skicka en ersättare")).to_be_visible()
        assert_accessible(principal)
        assert answer().answer is Answer.ACCEPTED  # choosing to send one records nothing yet
        expect(principal.get_by_label("Ersättare", exact=True)).to_have_value(re.compile(r"^\d+$"))  # her deputy, chosen already
        expect(principal.get_by_label("Ersättare", exact=True).locator("option:checked")).to_have_text(DEPUTY)
        screenshots.take(principal, "sending-a-deputy")
        press(principal, principal.get_by_role("button", name="Skicka ersättaren"))
        expect(principal.get_by_text(f"{DEPUTY} får en egen inbjudan och går i ditt ställe.")).to_be_visible()
        screenshots.take(principal, "deputy-sent")
        principal.context.close()
        assert answer().answer is Answer.DELEGATED

        already = len(mails_to(smtp, email(DEPUTY)))
        send_outbox(live_server.app)
        [invited] = [r for r in mails_to(smtp, email(DEPUTY))[already:] if str(calendar(r).walk("VEVENT")[0]["UID"]) == uid]
        ical = calendar(invited)
        assert ical["METHOD"] == "REQUEST"
        [event] = ical.walk("VEVENT")
        attendees = event.get("ATTENDEE")
        attendees = attendees if isinstance(attendees, list) else [attendees]
        deputy = next(a for a in attendees if str(a).lower() == f"mailto:{email(DEPUTY)}".lower())
        assert deputy.params["DELEGATED-FROM"].lower() == f"mailto:{email(PRINCIPAL)}".lower()
        assert PRINCIPAL in invited.message.get_body(preferencelist=("plain",)).get_content()

        page.goto(f"{live_server.url}/districts/NORRVIKEN/terms/HT2027/plan")
        with sessions() as session:  # the plan's overview leads to the meeting's week, which lists it
            meeting_id, starts_at = session.execute(sa.select(Meeting.id, Meeting.starts_at).where(
                Meeting.uid == uid)).one()
        year, week, _ = starts_at.astimezone(ZoneInfo("Europe/Stockholm")).isocalendar()
        page.locator(f"a[href$='/plan/weeks/{year}-W{week:02d}']").click()
        page.locator(f"a[href$='/meetings/{meeting_id}']").first.click()
        expect(page.get_by_role("row", name=re.compile(f"^{PRINCIPAL} "))).to_contain_text(f"ersatt av {DEPUTY}")
        expect(page.get_by_role("row", name=re.compile(f"^{DEPUTY} "))).to_contain_text(f"Ersätter {PRINCIPAL}")
        screenshots.take(page, "director-sees-the-deputy")
