"""Booking consultation hours, on both databases: the booking and its mail, refusals that write nothing,
the slot that is never booked twice (two bookings at once, exactly one wins), cancelling from either
side, reminders as for any meeting, the hours and the links the intake group keeps, and erasure."""
from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from coordinator.audit import AuditEvent
from coordinator.consultations.erasure import ERASED, erase_bookers
from coordinator.consultations.hours import (
    HoursInput, close_hours, intake_officers, issue_link, publish_hours, revoke_link,
)
from coordinator.consultations.models import BookingLink, ConsultationBooking, ConsultationHours
from coordinator.consultations.services import (
    LinkState, SlotUnavailable, book, cancel, free_slots, open_booking_link, open_cancel_link,
)
from coordinator.consultations.slots import HoursSpec
from coordinator.consultations.tokens import booking_token, cancel_token
from coordinator.db import make_session_factory
from coordinator.i18n import DomainError
from coordinator.org.models import School
from coordinator.outbox.models import MessageKind, OutboxMessage, OutboxState
from tests.consultation_helpers import (
    BOOKER, INTAKE, LARKAN, MATTER, NOW, TUESDAY_13, TUESDAY_1320, book_one, demo, hours_of, key, link_of,
    norrviken, request,
)
from tests.invitation_helpers import MAIL, SECRET, outbox


@pytest.fixture
def world(session: Session) -> Session:
    demo(session)
    return session


def counts(session: Session) -> tuple[int, int, int]:
    session.expire_all()
    return tuple(session.scalar(sa.select(sa.func.count()).select_from(table))  # type: ignore[return-value]
                 for table in (ConsultationBooking, OutboxMessage, AuditEvent))


# -- booking -----------------------------------------------------------------------------------------------

def test_a_booking_sends_each_side_an_invitation_and_queues_their_reminders(world):
    booking = book_one(world)

    assert (booking.starts_at, booking.ends_at) == (TUESDAY_13, TUESDAY_13 + timedelta(minutes=20))
    assert (booking.booker_name, booking.booker_email, booking.matter) == (*BOOKER, MATTER)
    assert booking.school.name == LARKAN and booking.term_id is not None and booking.sequence == 0
    mail = outbox(world)
    invitations = [m for m in mail if m.kind is MessageKind.INVITATION]
    assert sorted(m.recipient for m in invitations) == sorted(
        [f"{BOOKER[0]} <{BOOKER[1]}>", f"Mottagningsgruppen Norrviken <{INTAKE}>"])
    assert all(m.next_attempt_at == NOW for m in invitations)
    reminders = [m for m in mail if m.kind is MessageKind.CONSULTATION_REMINDER]
    assert len(reminders) == 2  # the demo's consultation form: 24 hours before
    assert all((m.next_attempt_at, m.expires_at) == (TUESDAY_13 - timedelta(hours=24), TUESDAY_13) for m in reminders)
    [officer] = [m for m in mail if m.person_id is not None and m.kind is MessageKind.INVITATION]
    assert officer.person_id == hours_of(world).officers[0].id
    assert {m.district_id for m in mail} == {norrviken(world).id}
    [event] = world.scalars(sa.select(AuditEvent).where(AuditEvent.action == "consultation.booked")).all()
    assert BOOKER[1] not in str(event.after) and event.actor.startswith("booking-link:")


def test_the_slot_leaves_the_free_ones_and_no_reminder_is_queued_for_a_slot_within_the_lead(world):
    assert TUESDAY_13 in {s.starts_at for s in free_slots(world, norrviken(world), now=NOW)}
    book_one(world)
    assert TUESDAY_13 not in {s.starts_at for s in free_slots(world, norrviken(world), now=NOW)}

    book_one(world, TUESDAY_1320, now=TUESDAY_1320 - timedelta(hours=3), email="bo@larkan.example")
    late = [m for m in outbox(world) if m.kind is MessageKind.CONSULTATION_REMINDER]
    assert len(late) == 2  # only the first booking's: the second's invitation is itself fresh


def test_a_slot_already_taken_is_refused_and_nothing_is_written(world):
    book_one(world)
    before = counts(world)

    with pytest.raises(SlotUnavailable) as refused:
        book(world, link_of(world), request(world, email="bo@larkan.example"), now=NOW, mail=MAIL)

    world.rollback()
    assert refused.value.reason == "taken" and "2027-09-07 13.00" in str(refused.value)
    assert counts(world) == before


@pytest.mark.parametrize("when, reason", [
    ("past", "passed"), ("break", "unknown"), ("unaligned", "unknown"), ("other district", "unknown"),
    ("garbage", "unknown"),
])
def test_a_slot_that_is_not_offered_is_refused(world, when, reason):
    slot = {"past": key(world), "break": key(world, TUESDAY_13 + timedelta(weeks=8)),  # höstlov, 2 November
            "unaligned": key(world, TUESDAY_13 + timedelta(minutes=10)), "garbage": "1:tisdag",
            "other district": key(world)}[when]
    if when == "other district":
        other = ConsultationHours(district_id=norrviken(world).id + 1, weekday=1, window_start=TUESDAY_13.time(),
                                  window_end=TUESDAY_1320.time(), slot_minutes=20, video_url="https://v.example",
                                  starts_on=NOW.date(), ends_on=NOW.date() + timedelta(days=60), created_at=NOW,
                                  created_by="test")
        world.add(other)
        world.flush()
        slot = f"{other.id}:{TUESDAY_13.strftime('%Y-%m-%dT%H:%MZ')}"
    now = TUESDAY_13 + timedelta(minutes=1) if when == "past" else NOW
    before = counts(world)

    with pytest.raises(SlotUnavailable) as refused:
        book(world, link_of(world), replace(request(world), slot=slot), now=now, mail=MAIL)

    world.rollback()
    assert refused.value.reason == reason
    assert counts(world) == before


@pytest.mark.parametrize("matter", [
    "Eleven 871125-9823 är ofta borta.",          # a personnummer
    "Gäller 19871185 9820, se tidigare samtal.",  # a samordningsnummer, twelve digits
    "Numret 871125-9824 i anmälan.",               # shaped like one, wrong check digit: refused as well
])
def test_a_matter_holding_an_identity_number_is_refused_and_nothing_is_written(world, matter):
    before = counts(world)

    with pytest.raises(DomainError) as refused:
        book(world, link_of(world), request(world, matter=matter), now=NOW, mail=MAIL)

    world.rollback()
    assert "personnummer eller samordningsnummer" in str(refused.value)
    assert "9823" not in str(refused.value) and "9820" not in str(refused.value)  # never repeated whole
    assert counts(world) == before


def test_a_name_holding_an_identity_number_is_refused_and_nothing_is_written(world):
    before = counts(world)

    with pytest.raises(DomainError) as refused:
        book(world, link_of(world), request(world, name="Anna 871125-9823"), now=NOW, mail=MAIL)

    world.rollback()
    assert "eget namn" in str(refused.value) and "9823" not in str(refused.value)
    assert counts(world) == before


def test_an_empty_or_overlong_matter_and_a_missing_name_are_refused(world):
    for changes in ({"matter": "  "}, {"matter": "x" * 1001}, {"name": " "}):
        with pytest.raises(DomainError):
            book(world, link_of(world), request(world, **changes), now=NOW, mail=MAIL)
        world.rollback()
    assert counts(world)[0] == 0


# -- never booked twice --------------------------------------------------------------------------------------

def test_two_bookings_of_one_slot_at_once_exactly_one_wins(engine, world):
    """The first booker's transaction is open (its row written, not committed) when the second books: the
    second's own checks pass, and only the database's unique index stops it once the first commits."""
    sessions = make_session_factory(engine)
    written, outcome = threading.Event(), {}

    def first() -> None:
        with sessions() as session:
            book(session, link_of(session), request(session), now=NOW, mail=MAIL)
            written.set()
            threading.Event().wait(0.5)  # the rival is now waiting on the index (PostgreSQL) or the lock (SQLite)
            session.commit()
            outcome["first"] = "booked"

    def second() -> None:
        written.wait(10)
        with sessions() as session:
            try:
                book(session, link_of(session, "Norrvikens skola"),
                     request(session, email="bo@norrviken.example"), now=NOW, mail=MAIL)
                session.commit()
                outcome["second"] = "booked"
            except SlotUnavailable as error:
                outcome["second"] = error.reason

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert outcome == {"first": "booked", "second": "taken"}
    world.expire_all()
    [booking] = world.scalars(sa.select(ConsultationBooking)).all()
    assert booking.school.name == LARKAN
    assert {m.recipient for m in outbox(world)} == {f"{BOOKER[0]} <{BOOKER[1]}>",
                                                     f"Mottagningsgruppen Norrviken <{INTAKE}>"}


def test_many_pressing_at_the_same_moment_make_one_booking(engine, world):
    sessions = make_session_factory(engine)
    start, results = threading.Barrier(4), []

    def press(n: int) -> None:
        with sessions() as session:
            start.wait(10)
            try:
                book(session, link_of(session), request(session, email=f"person{n}@larkan.example"), now=NOW,
                     mail=MAIL)
                session.commit()
                results.append("booked")
            except SlotUnavailable as error:
                results.append(error.reason)

    threads = [threading.Thread(target=press, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert sorted(results) == ["booked", "taken", "taken", "taken"]
    world.expire_all()
    assert world.scalar(sa.select(sa.func.count()).select_from(ConsultationBooking)) == 1


def test_the_database_itself_refuses_a_second_active_booking_of_a_slot(world):
    booking = book_one(world)
    world.add(ConsultationBooking(
        uid="other@test", hours_id=booking.hours_id, district_id=booking.district_id, term_id=booking.term_id,
        school_id=booking.school_id, link_id=booking.link_id, starts_at=booking.starts_at, ends_at=booking.ends_at,
        booker_name="X", booker_email="x@example.se", matter="x", cancel_key="k", booked_at=NOW))
    with pytest.raises(sa.exc.IntegrityError):
        world.flush()


# -- cancelling ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("by", ["booker", INTAKE])
def test_cancelling_sends_a_cancel_to_both_withdraws_the_reminders_and_frees_the_slot(world, by):
    booking = book_one(world)

    cancel(world, booking, by=by, actor=by, now=NOW + timedelta(hours=1), mail=MAIL)
    world.commit()

    assert booking.is_cancelled and booking.sequence == 1 and booking.cancelled_by == by
    mail = outbox(world)
    cancels = [m for m in mail if m.kind is MessageKind.CANCELLATION]
    assert sorted(m.recipient for m in cancels) == sorted(
        [f"{BOOKER[0]} <{BOOKER[1]}>", f"Mottagningsgruppen Norrviken <{INTAKE}>"])
    assert all(b"METHOD:CANCEL" in _calendar(m) and b"SEQUENCE:1" in _calendar(m) for m in cancels)
    reminders = [m for m in mail if m.kind is MessageKind.CONSULTATION_REMINDER]
    assert {(m.state, m.last_error) for m in reminders} == {(OutboxState.DEAD, "superseded")}
    assert TUESDAY_13 in {s.starts_at for s in free_slots(world, norrviken(world), now=NOW)}
    again = book_one(world, email="bo@larkan.example")  # the freed slot can be booked anew
    assert again.id != booking.id


def test_a_cancelled_or_begun_consultation_cannot_be_cancelled(world):
    booking = book_one(world)
    with pytest.raises(DomainError, match="redan börjat"):
        cancel(world, booking, by="booker", actor="booker", now=TUESDAY_13, mail=MAIL)
    cancel(world, booking, by="booker", actor="booker", now=NOW, mail=MAIL)
    with pytest.raises(DomainError, match="redan avbokad"):
        cancel(world, booking, by="booker", actor="booker", now=NOW, mail=MAIL)


def test_the_cancel_link_opens_only_its_own_booking_while_it_can_be_cancelled(world):
    booking = book_one(world)
    token = cancel_token(SECRET, booking.id, booking.cancel_key)

    assert open_cancel_link(world, SECRET, token, now=NOW).state is LinkState.OPEN
    assert open_cancel_link(world, SECRET, token[:-2] + "xx", now=NOW).state is LinkState.TAMPERED
    assert open_cancel_link(world, SECRET, cancel_token(SECRET, booking.id, "guessed"), now=NOW).state is LinkState.GONE
    assert open_cancel_link(world, SECRET, booking_token(SECRET, booking.id, booking.cancel_key),
                            now=NOW).state is LinkState.TAMPERED  # a booking link's token is no cancel link
    assert open_cancel_link(world, SECRET, token, now=TUESDAY_13).state is LinkState.PASSED
    cancel(world, booking, by="booker", actor="booker", now=NOW, mail=MAIL)
    assert open_cancel_link(world, SECRET, token, now=NOW).state is LinkState.CANCELLED


# -- reminders follow the district's consultation form -----------------------------------------------------------

def test_the_reminder_lead_is_the_consultation_forms_and_none_when_the_form_turns_it_off(world):
    from coordinator.agreements.models import FormKind, MeetingForm

    forms = world.scalars(sa.select(MeetingForm).where(MeetingForm.kind == FormKind.CONSULTATION)).all()
    for form in forms:
        form.pre_meeting_reminder_hours = 2
    world.commit()
    book_one(world)
    [due] = {m.next_attempt_at for m in outbox(world) if m.kind is MessageKind.CONSULTATION_REMINDER}
    assert due == TUESDAY_13 - timedelta(hours=2)

    for form in forms:
        form.pre_meeting_reminder_hours = None
    world.commit()
    book_one(world, TUESDAY_1320, email="bo@larkan.example")
    assert len([m for m in outbox(world) if m.kind is MessageKind.CONSULTATION_REMINDER]) == 2  # the first's only


# -- the hours and the links ------------------------------------------------------------------------------------

def spec(**changes: object) -> HoursSpec:
    values = {"weekday": 3, "window_start": TUESDAY_13.time().replace(hour=9), "window_end":
              TUESDAY_13.time().replace(hour=10), "slot_minutes": 30, "starts_on": NOW.date(),
              "ends_on": NOW.date() + timedelta(days=90)}
    return HoursSpec(**{**values, **changes})  # type: ignore[arg-type]


def test_published_hours_offer_their_slots_and_closed_hours_none(world):
    district = norrviken(world)
    officers = intake_officers(world, district)
    assert [p.name for p in officers] == ["Mottagningsgruppen Norrviken"]

    hours = publish_hours(world, district, HoursInput(spec(), [officers[0].id], "Rum 2", None), actor=INTAKE, now=NOW)
    world.commit()
    thursdays = [s for s in free_slots(world, district, now=NOW) if s.hours_id == hours.id]
    assert len(thursdays) == 6 * 2  # the six Thursdays of the next six weeks, two slots each
    close_hours(world, hours, actor=INTAKE, now=NOW)
    assert not [s for s in free_slots(world, district, now=NOW) if s.hours_id == hours.id]
    with pytest.raises(DomainError, match="redan stängda"):
        close_hours(world, hours, actor=INTAKE, now=NOW)


@pytest.mark.parametrize("changes, given, message", [
    ({}, {"place": None, "video_url": " "}, "plats, en videolänk"),
    ({}, {"officers": []}, "minst en"),
    ({}, {"officers": ["Johan Berglund"]}, "mottagningsgrupp"),
    ({"weekday": 1, "window_start": TUESDAY_13.time().replace(hour=14), "window_end":
      TUESDAY_13.time().replace(hour=16)}, {}, "överlappa"),
    ({"starts_on": NOW.date() - timedelta(days=60), "ends_on": NOW.date() - timedelta(days=1)}, {}, "passerat"),
    ({"weekday": 6}, {}, "vardag"),
])
def test_hours_that_break_a_rule_are_refused_and_nothing_is_written(world, changes, given, message):
    from tests.invitation_helpers import person

    district = norrviken(world)
    officer_ids = [person(world, n).id for n in given.get("officers", ["Mottagningsgruppen Norrviken"])]
    before = world.scalar(sa.select(sa.func.count()).select_from(ConsultationHours))

    with pytest.raises(DomainError) as refused:
        publish_hours(world, district, HoursInput(spec(**changes), officer_ids, given.get("place", "Rum 2"),
                                                  given.get("video_url")), actor=INTAKE, now=NOW)

    world.rollback()
    assert message in str(refused.value)
    assert world.scalar(sa.select(sa.func.count()).select_from(ConsultationHours)) == before


def test_a_new_link_replaces_the_old_and_a_revoked_link_stops_working(world):
    school = link_of(world).school
    old = link_of(world)
    old_token = booking_token(SECRET, old.id, old.key)
    assert open_booking_link(world, SECRET, old_token).state is LinkState.OPEN

    new = issue_link(world, school, actor=INTAKE, now=NOW)
    world.commit()
    assert open_booking_link(world, SECRET, old_token).state is LinkState.REVOKED
    new_token = booking_token(SECRET, new.id, new.key)
    assert open_booking_link(world, SECRET, new_token).state is LinkState.OPEN
    assert world.scalar(sa.select(sa.func.count()).select_from(BookingLink).where(
        BookingLink.school_id == school.id, BookingLink.revoked_at.is_(None))) == 1

    revoke_link(world, school, actor=INTAKE, now=NOW)
    world.commit()
    assert open_booking_link(world, SECRET, new_token).state is LinkState.REVOKED
    with pytest.raises(DomainError, match="ingen bokningslänk"):
        revoke_link(world, school, actor=INTAKE, now=NOW)
    assert open_booking_link(world, SECRET, new_token[:-3] + "abc").state is LinkState.TAMPERED
    assert open_booking_link(world, SECRET, booking_token(SECRET, 99999, "x")).state is LinkState.GONE
    assert open_booking_link(world, "another-secret", new_token).state is LinkState.TAMPERED


def test_a_closed_schools_link_no_longer_books(world):
    link = link_of(world)
    token = booking_token(SECRET, link.id, link.key)
    world.get_one(School, link.school_id).is_active = False
    world.commit()
    assert open_booking_link(world, SECRET, token).state is LinkState.REVOKED


# -- erasure ---------------------------------------------------------------------------------------------------

def test_the_booker_is_erased_a_set_time_after_the_consultation_from_the_booking_and_its_mail(world):
    booking = book_one(world)
    for message in outbox(world):  # delivered (or given up) by then
        message.state = OutboxState.SENT if message.kind is not MessageKind.CONSULTATION_REMINDER else OutboxState.DEAD
    world.commit()

    assert erase_bookers(world, booking.ends_at + timedelta(days=29), keep_days=30) == 0
    assert erase_bookers(world, booking.ends_at + timedelta(days=30), keep_days=30) == 1
    world.commit()

    world.expire_all()
    assert (booking.booker_name, booking.booker_email, booking.erased_at) == (
        None, None, booking.ends_at + timedelta(days=30))
    assert booking.matter == MATTER and booking.school.name == LARKAN  # anonymous: kept for the follow-up
    mail = outbox(world)
    assert all(m.content == b"" for m in mail)
    assert {m.recipient for m in mail if m.person_id is None} == {ERASED}
    assert not any(BOOKER[1] in (m.recipient + m.subject) for m in mail)
    [event] = world.scalars(sa.select(AuditEvent).where(AuditEvent.action == "consultation.booker_erased")).all()
    assert event.after == {"messages_cleared": 4} and BOOKER[1] not in str(event.after)
    assert erase_bookers(world, booking.ends_at + timedelta(days=31), keep_days=30) == 0  # twice changes nothing


def test_erasure_waits_for_mail_still_on_its_way_and_counts_from_a_cancellation(world):
    booking = book_one(world, TUESDAY_13 + timedelta(weeks=4))  # 5 October
    cancel(world, booking, by="booker", actor="booker", now=NOW, mail=MAIL)
    world.commit()

    assert erase_bookers(world, NOW + timedelta(days=30), keep_days=30) == 0  # its mail is still pending
    for message in outbox(world):
        message.state = OutboxState.SENT if message.state is OutboxState.PENDING else message.state
    world.commit()
    assert erase_bookers(world, NOW + timedelta(days=30), keep_days=30) == 1  # before the slot's day: cancelled


def _calendar(message: OutboxMessage) -> bytes:
    from email import message_from_bytes, policy

    parsed = message_from_bytes(message.content, policy=policy.default)
    [part] = [p for p in parsed.walk() if p.get_content_type() == "text/calendar"]
    return part.get_payload(decode=True)


# -- the calendars, read by both parsers ---------------------------------------------------------------------

def test_each_side_receives_its_own_request_and_then_its_own_cancel_read_alike_by_both_parsers(world, engine):
    from tests.invitation_helpers import calendar_of, deliver
    from tests.smtp_server import SMTPServer
    from tests.unit.test_ics_interop import assert_vtimezone_as_outlook_reads_it

    booking = book_one(world, language="en")
    with SMTPServer() as smtp:
        deliver(engine, smtp.url, NOW)
        cancel(world, booking, by=INTAKE, actor=INTAKE, now=NOW + timedelta(hours=1), mail=MAIL)
        world.commit()
        deliver(engine, smtp.url, NOW + timedelta(hours=1))

    assert len(smtp.received) == 4  # a request and a cancel to each side; the reminders wait for their day
    by_method: dict[str, dict[str, object]] = {"REQUEST": {}, "CANCEL": {}}
    for received in smtp.received:
        message = received.message
        [to] = [a.addr_spec for a in message["To"].addresses]
        assert received.envelope_to == [to]
        calendar = calendar_of(message)
        method = str(calendar.icalendar["METHOD"])
        assert calendar.part_method == method == calendar.vobject.method.value
        by_method[method][to] = message
        event, vevent = calendar.event, calendar.vobject.vevent
        sequence = 0 if method == "REQUEST" else 1
        assert str(event["UID"]) == booking.uid == vevent.uid.value
        assert int(event["SEQUENCE"]) == sequence == int(vevent.sequence.value)
        assert event.decoded("DTSTART") == TUESDAY_13 == vevent.dtstart.value.astimezone(TUESDAY_13.tzinfo)
        assert event.decoded("DTEND") == TUESDAY_13 + timedelta(minutes=20)
        assert str(event["STATUS"]) == ("CONFIRMED" if method == "REQUEST" else "CANCELLED")
        assert str(event["ORGANIZER"]) == "mailto:samverkan@example.se"
        assert event["ORGANIZER"].params["CN"] == "Mottagningsgruppen Norrviken"
        [(address, params)] = calendar.attendees()
        assert address == to and [a.value.lower() for a in vevent.attendee_list] == [f"mailto:{to}"]
        assert params["ROLE"] == ("CHAIR" if to == INTAKE else "REQ-PARTICIPANT")
        assert "https://video.stockholm.example/norrviken-konsultation" in str(event["LOCATION"])
        assert_vtimezone_as_outlook_reads_it(calendar.vobject)
        description = vevent.description.value
        assert MATTER in description
        if to == INTAKE:
            assert BOOKER[1] in description and "/districts/NORRVIKEN/consultations?day=2027-09-07" in description
            assert message["Reply-To"].addresses[0].addr_spec == BOOKER[1]
        else:
            assert "https://samverkan.example.se/consultations/cancel/" in description
            assert message["Reply-To"].addresses[0].addr_spec == INTAKE
    assert set(by_method["REQUEST"]) == set(by_method["CANCEL"]) == {BOOKER[1], INTAKE}
    booker_mail = by_method["REQUEST"][BOOKER[1]]
    assert booker_mail["Subject"].startswith("Consultation booked: Consultation (Friskolan Lärkan) Tuesday 7 September")
    assert "Cannot come? Cancel here" in booker_mail.get_body(("plain",)).get_content()
    officer_mail = by_method["REQUEST"][INTAKE]
    assert officer_mail["Subject"].startswith("Konsultation bokad: Konsultation (Friskolan Lärkan) tisdag 7 september")
    assert BOOKER[0] not in officer_mail["Subject"]  # subjects never name the booker (erased later)
    cancelled = by_method["CANCEL"][BOOKER[1]].get_body(("plain",)).get_content()
    assert "the intake group has cancelled the consultation" in cancelled
