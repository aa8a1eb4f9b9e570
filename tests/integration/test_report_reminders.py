"""The intake group's reminders and the erasure of external reporters, on both databases: due at the right
local moment, once however often the sweep runs, never for reports that are booked, closed or withdrawn;
an external reporter erased a set time after the meeting, everywhere the product kept them, audited."""
from __future__ import annotations

import dataclasses
from datetime import UTC, date, timedelta

import pytest
import sqlalchemy as sa

from coordinator import create_app
from coordinator.audit import AuditEvent
from coordinator.cases.erasure import ERASED_NAME, erase_external_contacts, erased_email
from coordinator.cases.models import NotAppropriateReason, Outcome, ReportOfConcern
from coordinator.cases.services import ExternalReporter, record_outcome, withdraw
from coordinator.cases.sweeps import queue_report_reminders
from coordinator.cli import cli
from coordinator.i18n import DomainError
from coordinator.jobruns import JobRun
from coordinator.org.models import Person
from coordinator.outbox.delivery import retry
from coordinator.outbox.models import MessageKind, OutboxState
from coordinator.reminders.rules import Timing
from tests.invitation_helpers import MAIL, deliver, outbox
from tests.report_helpers import ACTOR, NOW, OFFICER_EMAIL, ZONE, at, book, demo, person, report
from tests.smtp_server import SMTPServer

TIMING = Timing(timezone=ZONE, reminder_hour=7)


@pytest.fixture
def world(session):
    demo(session)
    return session


def sweep(session, when) -> int:  # type: ignore[no-untyped-def]
    queued = queue_report_reminders(session, when, MAIL, reminder_days=3, timing=TIMING)
    session.commit()
    return queued


def concern_mail(session) -> list[tuple[MessageKind, str, str]]:  # type: ignore[no-untyped-def]
    return [(r.kind, r.recipient, r.subject) for r in outbox(session)
            if r.kind in (MessageKind.CONCERN_UNBOOKED, MessageKind.CONCERN_DEADLINES)]


def test_a_report_without_a_meeting_is_reminded_once_at_the_reminder_hour_of_its_third_day(world):
    report(world, date(2027, 10, 15))  # a Friday; reminded on Monday 18 October at 07.00

    assert sweep(world, at(10, 18, 6, 59)) == 0
    assert sweep(world, at(10, 18, 7, 0)) == 2  # the reminder and Monday's list of deadlines
    assert sweep(world, at(10, 18, 9, 0)) == 0  # once, however often the sweep runs

    mail = concern_mail(world)
    assert {kind for kind, _, _ in mail} == {MessageKind.CONCERN_UNBOOKED, MessageKind.CONCERN_DEADLINES}
    assert all(recipient.endswith(f"<{OFFICER_EMAIL}>") for _, recipient, _ in mail)
    assert ("Inget anmälningsmöte bokat: anmälan från Norrvikens skola fredag 15 oktober 2027"
            in [subject for _, _, subject in mail])


def test_the_reminder_and_the_list_say_the_deadline_and_link_without_the_case_reference(world, engine):
    found = report(world, date(2027, 10, 15))
    sweep(world, at(10, 18, 7, 0))

    with SMTPServer() as smtp:
        deliver(engine, smtp.url, now=at(10, 18, 7, 1))

    assert len(smtp.received) == 2
    for received in smtp.received:
        text = received.message.get_body(("plain",)).get_content()
        assert "fredag 29 oktober 2027" in text and "11 dagar kvar" in text and "enligt socialtjänstlagen" in text
        assert f"https://samverkan.example.se/districts/NORRVIKEN/reports/{found.id}" in text
        assert "2027-0815" not in text and "Sofia" not in text
        assert received.message["Auto-Submitted"] == "auto-generated"


def test_booked_closed_and_withdrawn_reports_get_no_reminder_and_leave_the_list(world):
    booked = report(world, date(2027, 10, 14))
    book(world, booked, at(10, 20, 9))
    closed = report(world, date(2027, 10, 14), reporter="Per Olsson")
    record_outcome(world, closed, Outcome.NOT_APPROPRIATE, NotAppropriateReason.MOVED, actor=ACTOR, now=NOW,
                   mail=MAIL, timezone=ZONE)
    withdrawn = report(world, date(2027, 10, 14), reporter="Annika Berg")
    withdraw(world, withdrawn, "Registrerad av misstag", actor=ACTOR, now=NOW, mail=MAIL, timezone=ZONE)
    world.commit()

    assert sweep(world, at(10, 19, 7, 0)) == 1  # the list only, holding the booked report
    [(kind, _, _)] = concern_mail(world)
    assert kind is MessageKind.CONCERN_DEADLINES
    [row] = [r for r in outbox(world) if r.kind is MessageKind.CONCERN_DEADLINES]
    assert row.dedupe_key.endswith(":2027-10-19")


def test_the_list_comes_on_working_days_only(world):
    report(world, date(2027, 10, 18))  # reminded on Thursday 21 October

    assert sweep(world, at(10, 23, 12, 0)) == 1  # Saturday: the reminder (its day has passed), no list
    assert sweep(world, at(10, 24, 12, 0)) == 0  # Sunday
    assert sweep(world, at(10, 25, 7, 0)) == 1   # Monday's list


def test_the_job_runs_from_jobs_run_once_and_sends_to_the_intake_group(settings, world):
    report(world, date(2027, 10, 15))
    with SMTPServer() as smtp:
        app = create_app(dataclasses.replace(settings, mail_url=smtp.url))
        try:
            result = app.test_cli_runner().invoke(cli, ["jobs", "run-once", "--at", "2027-10-18 07:30"])
        finally:
            app.extensions["coordinator.engine"].dispose()
    assert result.exit_code == 0, result.output
    assert sorted(r.message["Subject"] for r in smtp.received if r.envelope_to == [OFFICER_EMAIL]) == [
        "Anmälningar och sista dagar, Norrviken, måndag 18 oktober 2027",
        "Inget anmälningsmöte bokat: anmälan från Norrvikens skola fredag 15 oktober 2027"]
    runs = {r.job_id: r for r in world.scalars(sa.select(JobRun))}
    assert runs["report_reminders"].result == "queued=2" and runs["external_contacts"].result == "erased=0"


# -- erasure ---------------------------------------------------------------------------------------

def external_report(session) -> ReportOfConcern:  # type: ignore[no-untyped-def]
    found = report(session, reporter=ExternalReporter("Kim Vikarie", "kim.vikarie@example.se"))
    book(session, found, at(10, 20, 9))
    return found


def test_an_external_reporter_is_erased_thirty_days_after_the_meeting_everywhere_and_audited(world, engine):
    found = external_report(world)
    with SMTPServer() as smtp:
        deliver(engine, smtp.url, now=NOW)
    assert "kim.vikarie@example.se" in [r.envelope_to[0] for r in smtp.received]
    meeting_end = at(10, 20, 10).astimezone(UTC)

    assert erase_external_contacts(world, meeting_end + timedelta(days=30, minutes=-1), contact_days=30,
                                   timezone=ZONE) == []
    erased = erase_external_contacts(world, meeting_end + timedelta(days=30), contact_days=30, timezone=ZONE)
    world.commit()

    world.expire_all()
    reporter = world.get_one(Person, found.reporter_id)
    assert erased == [reporter.id]
    assert (reporter.name, reporter.email, reporter.is_active) == (ERASED_NAME, erased_email(reporter.id), False)
    assert reporter.erased_at == meeting_end + timedelta(days=30)
    [message] = [r for r in outbox(world) if r.person_id == reporter.id]
    assert (message.recipient, message.content, message.state) == (erased_email(reporter.id), b"", OutboxState.SENT)
    stored = " ".join(str(v) for e in world.scalars(sa.select(AuditEvent)) for v in (e.before, e.after))
    assert "Kim" not in stored and "kim.vikarie" not in stored
    [event] = world.scalars(sa.select(AuditEvent).where(AuditEvent.action == "external_contact.erased"))
    assert event.actor == "system" and event.after["report_ids"] == [found.id]
    assert world.get_one(ReportOfConcern, found.id).reporter_id == reporter.id  # the report keeps its history
    assert erase_external_contacts(world, meeting_end + timedelta(days=60), contact_days=30, timezone=ZONE) == []


def test_a_message_to_an_erased_reporter_still_waiting_is_withdrawn_and_cannot_be_retried(world):
    found = external_report(world)
    erase_external_contacts(world, at(11, 20, 12), contact_days=30, timezone=ZONE)
    world.commit()

    [message] = [r for r in outbox(world) if r.person_id == found.reporter_id]
    assert (message.state, message.last_error, message.content) == (OutboxState.DEAD, "erased", b"")
    with pytest.raises(DomainError, match="skickas inte igen"):
        retry(world, message, actor=ACTOR, now=at(11, 20, 13))


def test_a_reporter_of_a_later_report_is_kept_until_that_one_is_done_with(world):
    first = external_report(world)
    second = report(world, date(2027, 11, 20), reporter=ExternalReporter("Kim Vikarie", "kim.vikarie@example.se"),
                    now=at(11, 22, 9))
    assert first.reporter_id == second.reporter_id

    # 30 days after the first meeting, the second report (no meeting, deadline 4 December) still needs Kim
    assert erase_external_contacts(world, at(11, 20, 12), contact_days=30, timezone=ZONE) == []
    record_outcome(world, second, Outcome.DECLINED, actor=ACTOR, now=at(11, 25, 9), mail=MAIL, timezone=ZONE)
    world.commit()
    assert erase_external_contacts(world, at(12, 25, 8, 59), contact_days=30, timezone=ZONE) == []
    assert erase_external_contacts(world, at(12, 25, 9), contact_days=30, timezone=ZONE) == [first.reporter_id]


def test_people_of_the_register_are_never_erased(world):
    report(world)  # Sofia Lindberg, of the register
    assert erase_external_contacts(world, at(12, 31, 12), contact_days=30, timezone=ZONE) == []
    assert person(world, "Sofia Lindberg").is_active
