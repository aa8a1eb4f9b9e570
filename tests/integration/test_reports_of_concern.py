"""Reports of concern through the services on both databases: recording with its deadline, refusals that write
nothing, proposals that avoid the people's other meetings, booking with calendar invitations that both parsers
read, a late time only with its reason, rebooking, the outcome and withdrawal."""
from __future__ import annotations

from datetime import UTC, date, timedelta

import pytest
import sqlalchemy as sa

from coordinator.agreements.models import FormKind, MeetingForm
from coordinator.audit import AuditEvent
from coordinator.cases.models import REPORT_SERIES, NotAppropriateReason, Outcome, ReportOfConcern
from coordinator.cases.services import (
    NO_FORM, Booking, ExternalReporter, book_meeting, cancel_booking, proposals_for, record_outcome, withdraw,
)
from coordinator.i18n import DomainError
from coordinator.outbox.models import MessageKind
from coordinator.org.models import Person
from coordinator.planning.models import Meeting, MeetingStatus
from coordinator.planning.services import add_meeting, publish
from tests.invitation_helpers import MAIL, calendar_of, deliver, outbox
from tests.report_helpers import (
    ACTOR, NOW, OFFICER, OFFICER_EMAIL, REPORTER, STOCKHOLM, UID_DOMAIN, ZONE, at, book, demo, norrviken, person,
    report, school,
)
from tests.smtp_server import SMTPServer
from tests.unit.test_ics_interop import assert_vtimezone_as_outlook_reads_it


@pytest.fixture
def world(session):
    demo(session)
    return session


def reports(session) -> list[ReportOfConcern]:
    session.expire_all()
    return list(session.scalars(sa.select(ReportOfConcern)))


# -- recording --------------------------------------------------------------------------------------

def test_a_report_is_recorded_with_its_deadline_its_term_and_an_audit_event(world):
    found = report(world, date(2027, 10, 15))

    assert (found.received_on, found.deadline_on) == (date(2027, 10, 15), date(2027, 10, 29))
    assert found.term.name == "HT2027" and found.school.name == "Norrvikens skola"
    assert found.reporter.name == REPORTER and found.is_open and found.booked is None
    [event] = world.scalars(sa.select(AuditEvent).where(AuditEvent.action == "report.recorded"))
    assert event.actor == ACTOR and event.after["case_reference"] == "IFO Norrviken 2027-0815"


@pytest.mark.parametrize("changes, message", [
    ({"received_on": date(2027, 10, 19)}, "Anmälan kan inte ha kommit in 2027-10-19, ett datum som inte har varit än."),
    ({"case_reference": "Elev 871125-9823"},
     "Socialtjänstens ärendereferens får inte innehålla personnummer eller samordningsnummer (här står 871125-****)."),
    ({"case_reference": "Ärende 8711259824"},  # a date-shaped number with a wrong check digit: refused too
     "Socialtjänstens ärendereferens får inte innehålla personnummer eller samordningsnummer (här står 871125-****)."),
    ({"case_reference": "  "}, "Skriv socialtjänstens egen ärendereferens."),
    ({"school_name": "Söderbyskolan"}, "Välj den skola i stadsdelen som gjorde anmälan."),
    ({"reporter": "Mats Hedlund"}, "Mats Hedlund arbetar inte på Norrvikens skola"),
    ({"reporter": ExternalReporter("Lärare 19871125-9823", "larare@example.se")},
     "Anmälarens namn får inte innehålla personnummer"),
    ({"reporter": ExternalReporter("Annika Berg", "annika.berg@edu.stockholm.example")},
     "annika.berg@edu.stockholm.example tillhör Annika Berg, som finns i registret."),
    ({"reporter": ExternalReporter("Okänd", "inte en adress")}, "\"inte en adress\" är ingen giltig e-postadress."),
])
def test_bad_input_is_refused_in_words_and_nothing_is_written(world, changes, message):
    events = world.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    with pytest.raises(DomainError) as refused:
        report(world, **changes)
    world.rollback()

    assert message in str(refused.value)
    assert reports(world) == []
    assert world.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == events
    assert world.scalars(sa.select(Person).where(Person.is_external)).all() == []


def test_an_external_reporter_is_a_person_outside_the_register_reused_by_address(world):
    first = report(world, reporter=ExternalReporter("Karin Lärare", "Karin.Larare@Example.se"))
    second = report(world, date(2027, 10, 18), reporter=ExternalReporter("Karin Lärare-Ek", "karin.larare@example.se"))

    assert first.reporter_id == second.reporter_id
    reporter = first.reporter
    assert reporter.is_external and reporter.email == "karin.larare@example.se" and reporter.name == "Karin Lärare-Ek"
    assert (reporter.school_id, reporter.district_id, reporter.unit_id) == (None, None, None)  # in no district's list


# -- proposals --------------------------------------------------------------------------------------

def test_proposals_avoid_the_reporters_and_the_officers_other_meetings(world):
    # the reporter (kurator) at her school's student-health conference on Tuesday morning
    form = world.scalars(sa.select(MeetingForm).where(MeetingForm.kind == FormKind.STUDENT_HEALTH_CONFERENCE,
                                                      MeetingForm.name == "Elevhälsokonferens")).first()
    add_meeting(world, form, "HT2027", at(10, 19, 8), at(10, 19, 11, 30), school=school(world), actor=ACTOR, now=NOW)
    publish(world, "NORRVIKEN", "HT2027", actor=ACTOR, now=NOW, mail=MAIL)
    world.commit()
    # the officer at another report's meeting on Tuesday afternoon
    other = report(world, date(2027, 10, 14), reporter="Jenny Ahlgren", school_name="Ekbackens skola")
    book(world, other, at(10, 19, 13), mail=MAIL)

    found = report(world, date(2027, 10, 15))
    proposals = proposals_for(world, found, person(world, OFFICER), now=NOW, timezone=ZONE)

    starts = [p.starts_at.astimezone(STOCKHOLM).strftime("%m-%d %H:%M") for p in proposals.times]
    # the form's window is 08.00–17.00 in slots of its 60 minutes; a day's second time is three hours later
    assert starts == ["10-19 12:00", "10-19 15:00", "10-20 08:00", "10-20 11:00", "10-21 08:00", "10-21 11:00"]
    busy = [(at(10, 19, 8), at(10, 19, 11, 30)), (at(10, 19, 13), at(10, 19, 14))]
    assert all(not (b0 < p.ends_at and p.starts_at < b1) for p in proposals.times for b0, b1 in busy)
    assert all(p.ends_at.astimezone(UTC).date() <= found.deadline_on for p in proposals.times)
    assert proposals.last_day == date(2027, 10, 29)


def test_proposals_of_a_district_without_a_report_meeting_form_say_why(world):
    world.execute(sa.delete(MeetingForm).where(MeetingForm.kind == FormKind.REPORT_MEETING))
    world.commit()
    found = report(world)

    proposals = proposals_for(world, found, person(world, OFFICER), now=NOW, timezone=ZONE)
    assert proposals.times == () and proposals.form is None
    with pytest.raises(DomainError) as refused:
        book(world, found, at(10, 20, 9), mail=MAIL)
    assert refused.value.template == NO_FORM


# -- booking ----------------------------------------------------------------------------------------

def test_booking_sends_the_reporter_and_the_officer_an_invitation_both_parsers_read(world, engine):
    found = report(world)
    meeting = book(world, found, at(10, 20, 9), video_url="https://video.stockholm.example/anm-17")

    assert meeting.series_key == f"{REPORT_SERIES}{found.id}" and meeting.status is MeetingStatus.SCHEDULED
    assert meeting.ends_at - meeting.starts_at == timedelta(minutes=60)  # the form's length
    assert found.first_booked_at == NOW and found.late_reason is None
    rows = outbox(world)
    assert {(r.kind, r.person_id) for r in rows} == {(MessageKind.INVITATION, person(world, REPORTER).id),
                                                     (MessageKind.INVITATION, person(world, OFFICER).id)}

    with SMTPServer() as smtp:
        deliver(engine, smtp.url, now=NOW)

    assert sorted(r.envelope_to[0] for r in smtp.received) == [OFFICER_EMAIL, "sofia.lindberg@edu.stockholm.example"]
    for received in smtp.received:
        calendar = calendar_of(received.message)
        event, vevent = calendar.event, calendar.vobject.vevent
        assert calendar.part_method == "REQUEST" == str(calendar.icalendar["METHOD"]) == calendar.vobject.method.value
        assert str(event["UID"]) == meeting.uid == vevent.uid.value and int(event["SEQUENCE"]) == 0
        assert event.decoded("DTSTART") == at(10, 20, 9) == vevent.dtstart.value
        assert vevent.dtstart.value.astimezone(UTC) == at(10, 20, 7).replace(tzinfo=UTC)  # 09.00 summer time
        assert str(event["SUMMARY"]) == "Anmälningsmöte (Norrvikens skola)"
        assert event["ORGANIZER"].params["CN"] == OFFICER  # the officer who booked convenes
        [(address, params)] = calendar.attendees()
        assert [address] == received.envelope_to
        assert params["ROLE"] == ("CHAIR" if address == OFFICER_EMAIL else "REQ-PARTICIPANT")
        assert "https://video.stockholm.example/anm-17" in str(event["LOCATION"]) + str(event["DESCRIPTION"])
        texts = [part.get_content() for part in received.message.walk() if part.get_content_maintype() == "text"]
        assert len(texts) == 3 and not any("2027-0815" in text for text in texts)  # no case reference in mail
        assert_vtimezone_as_outlook_reads_it(calendar.vobject)  # RRULEs, no RDATE lists


def test_a_time_after_the_deadline_needs_its_reason_which_is_kept(world):
    found = report(world, date(2027, 10, 15))  # deadline 29 October
    late = at(11, 1, 9)

    with pytest.raises(DomainError) as refused:
        book(world, found, late, mail=MAIL)
    assert str(refused.value) == ("Tiden ligger efter sista dagen 2027-10-29. Skriv skälet till den senare tiden; "
                                  "ingenting bokades.")
    world.rollback()
    assert world.scalars(sa.select(Meeting)).all() == [] and outbox(world) == []
    with pytest.raises(DomainError, match="Skälet till den senare tiden får inte innehålla personnummer"):
        book(world, found, late, mail=MAIL, late_reason="Vårdnadshavare 871125-9823 bortrest")
    world.rollback()

    book(world, found, late, mail=MAIL, late_reason="Vårdnadshavarna kunde inte före höstlovet")
    assert reports(world)[0].late_reason == "Vårdnadshavarna kunde inte före höstlovet"


@pytest.mark.parametrize("when, changes, message", [
    (at(10, 23, 9), {}, "Anmälningsmöten bokas på vardagar; 2027-10-23 är helg."),
    (at(10, 18, 9), {}, "Tiden 2027-10-18 09:00 har redan varit."),
    (at(10, 20, 9), {"place": ""}, "Ange en plats för mötet eller en länk till videomötet."),
    (at(10, 20, 9), {"video_url": "teams möte"}, "Länken till videomötet ska vara en webbadress"),
    (at(10, 20, 9), {"place": "Hemma hos 871125-9823"}, "Plats får inte innehålla personnummer"),
])
def test_an_impossible_booking_is_refused_and_sends_nothing(world, when, changes, message):
    found = report(world)
    with pytest.raises(DomainError) as refused:
        book(world, found, when, mail=MAIL, **changes)
    world.rollback()
    assert message in str(refused.value)
    assert world.scalars(sa.select(Meeting)).all() == [] and outbox(world) == []


def test_a_time_when_someone_is_busy_is_refused_naming_them(world):
    other = report(world, date(2027, 10, 14), reporter="Jenny Ahlgren", school_name="Ekbackens skola")
    book(world, other, at(10, 20, 9), mail=MAIL)
    found = report(world)

    with pytest.raises(DomainError, match=f"{OFFICER} har ett annat möte då"):
        book(world, found, at(10, 20, 9, 30), mail=MAIL)


def test_booking_again_moves_the_meeting_and_sends_the_update(world):
    found = report(world)
    first = book(world, found, at(10, 20, 9), mail=MAIL)
    second = book(world, reports(world)[0], at(10, 21, 13), mail=MAIL)

    assert (second.id, second.uid, second.sequence) == (first.id, first.uid, 1)
    assert second.starts_at == at(10, 21, 13)
    assert {r.kind for r in outbox(world)} == {MessageKind.INVITATION, MessageKind.UPDATE}
    assert world.scalars(sa.select(AuditEvent.action).where(AuditEvent.action.startswith("report."))
                         .order_by(AuditEvent.id)).all() == ["report.recorded", "report.booked", "report.rebooked"]


def test_a_cancelled_booking_sends_cancel_and_leaves_the_report_open_for_a_new_time(world):
    found = report(world)
    book(world, found, at(10, 20, 9), mail=MAIL)
    cancel_booking(world, reports(world)[0], actor=ACTOR, now=NOW, mail=MAIL)
    world.commit()

    found = reports(world)[0]
    assert found.is_open and found.booked is None and found.first_booked_at == NOW
    assert [r.kind for r in outbox(world)].count(MessageKind.CANCELLATION) == 2
    assert book(world, found, at(10, 21, 9), mail=MAIL).sequence == 0  # a new meeting, a new UID


# -- outcome and withdrawal -------------------------------------------------------------------------

def test_held_only_once_the_meeting_has_begun_and_its_day_is_kept(world):
    found = report(world)
    book(world, found, at(10, 20, 9), mail=MAIL)

    with pytest.raises(DomainError, match="kan inte ha hållits än"):
        record_outcome(world, found, Outcome.HELD, actor=ACTOR, now=NOW, mail=MAIL, timezone=ZONE)
    record_outcome(world, found, Outcome.HELD, actor=ACTOR, now=at(10, 20, 10), mail=MAIL, timezone=ZONE)
    world.commit()

    found = reports(world)[0]
    assert (found.outcome, found.held_on, found.is_open) == (Outcome.HELD, date(2027, 10, 20), False)
    with pytest.raises(DomainError, match="Utfallet är redan registrerat"):
        book(world, found, at(10, 21, 9), mail=MAIL)


def test_not_appropriate_needs_a_reason_and_calls_off_a_booked_meeting(world):
    found = report(world)
    book(world, found, at(10, 20, 9), mail=MAIL)

    with pytest.raises(DomainError, match="Välj varför"):
        record_outcome(world, found, Outcome.NOT_APPROPRIATE, actor=ACTOR, now=NOW, mail=MAIL, timezone=ZONE)
    record_outcome(world, found, Outcome.NOT_APPROPRIATE, NotAppropriateReason.ONGOING_INVESTIGATION, actor=ACTOR,
                   now=NOW, mail=MAIL, timezone=ZONE)
    world.commit()

    found = reports(world)[0]
    assert found.not_appropriate_reason is NotAppropriateReason.ONGOING_INVESTIGATION
    assert found.meeting.status is MeetingStatus.CANCELLED
    assert [r.kind for r in outbox(world)].count(MessageKind.CANCELLATION) == 2


def test_not_held_in_time_only_once_the_deadline_has_passed(world):
    found = report(world, date(2027, 10, 15))
    with pytest.raises(DomainError, match="Sista dagen 2027-10-29 har inte passerat än."):
        record_outcome(world, found, Outcome.NOT_HELD_IN_TIME, actor=ACTOR, now=NOW, mail=MAIL, timezone=ZONE)
    record_outcome(world, found, Outcome.NOT_HELD_IN_TIME, actor=ACTOR, now=at(10, 30, 8), mail=MAIL, timezone=ZONE)
    assert found.outcome is Outcome.NOT_HELD_IN_TIME


def test_a_report_entered_by_mistake_is_withdrawn_with_a_reason_and_kept(world):
    found = report(world)
    book(world, found, at(10, 20, 9), mail=MAIL)

    for reason, message in (("", "Skriv varför anmälan återtas"),
                            ("Fel barn, 871125-9823", "Skälet får inte innehålla personnummer")):
        with pytest.raises(DomainError, match=message):
            withdraw(world, reports(world)[0], reason, actor=ACTOR, now=NOW, mail=MAIL, timezone=ZONE)
        world.rollback()
    withdraw(world, reports(world)[0], "Registrerad två gånger", actor=ACTOR, now=NOW, mail=MAIL, timezone=ZONE)
    world.commit()

    [found] = reports(world)
    assert found.is_withdrawn and found.withdrawal_reason == "Registrerad två gånger" and found.withdrawn_by == ACTOR
    assert found.meeting.status is MeetingStatus.CANCELLED
    [event] = world.scalars(sa.select(AuditEvent).where(AuditEvent.action == "report.withdrawn"))
    assert event.after == {"withdrawn": True, "reason": "Registrerad två gånger"}
    with pytest.raises(DomainError, match="Anmälan är återtagen."):
        book(world, found, at(10, 21, 9), mail=MAIL)
    with pytest.raises(DomainError, match="redan återtagen"):
        withdraw(world, found, "igen", actor=ACTOR, now=NOW, mail=MAIL, timezone=ZONE)


def test_an_officer_without_a_person_cannot_be_invited(world):
    found = report(world)
    with pytest.raises(DomainError, match="Ditt konto är inte kopplat till en person"):
        book_meeting(world, found, Booking(at(10, 20, 9), place="IFO"), officer=None, actor=ACTOR, now=NOW, mail=MAIL,
                     timezone=ZONE, uid_domain=UID_DOMAIN)
    assert norrviken(world).code == "NORRVIKEN"
