"""Changes to a published meeting reach the invitees' calendars: moves as updates (same UID, higher
SEQUENCE), cancellations as CANCEL, added and removed invitees alone; and resending (both databases)."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from coordinator.audit import AuditEvent
from coordinator.i18n import DomainError
from coordinator.invitations.services import add_invitee, remove_invitee, resend
from coordinator.outbox.models import MessageKind
from coordinator.planning.models import Answer, Invitation
from coordinator.planning.services import cancel_meeting, move_meeting
from tests.invitation_helpers import (
    DIRECTOR, MAIL, OPERATIVE, OVERARCHING, PUBLISHED, add_form_meeting, calendar_of, deliver, invitation, meeting_of, outbox,
    person, published_demo,
)
from tests.smtp_server import SMTPServer

STOCKHOLM = ZoneInfo("Europe/Stockholm")
CHANGED = PUBLISHED + timedelta(days=7)


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2027, month, day, hour, minute, tzinfo=STOCKHOLM)


def active_emails(meeting) -> set[str]:
    return {i.person.email for i in meeting.invitations if i.is_active}


def received_after(smtp, count: int):
    return [r for r in smtp.received[count:]]


def test_a_moved_meeting_is_sent_to_every_active_invitee_as_an_update_with_a_higher_sequence(session, engine):
    published_demo(session)
    forum = meeting_of(session, OVERARCHING)
    with SMTPServer() as smtp:
        deliver(engine, smtp.url)
        first = len(smtp.received)
        move_meeting(session, forum, at(10, 19, 13), at(10, 19, 15), actor=DIRECTOR, now=CHANGED, mail=MAIL)
        session.commit()
        deliver(engine, smtp.url, CHANGED)

    updates = received_after(smtp, first)
    assert {r.envelope_to[0] for r in updates} == active_emails(forum) and len(updates) == len(active_emails(forum))
    for received in updates:
        calendar = calendar_of(received.message)
        event = calendar.event
        assert calendar.part_method == "REQUEST" == str(calendar.icalendar["METHOD"])
        assert str(event["UID"]) == forum.uid and int(event["SEQUENCE"]) == 1
        assert event.decoded("DTSTART") == at(10, 19, 13) and event.decoded("DTEND") == at(10, 19, 15)
        assert calendar.vobject.vevent.dtstart.value == at(10, 19, 13)
        assert int(calendar.vobject.vevent.sequence.value) == 1
        [(address, params)] = calendar.attendees()
        assert address == received.envelope_to[0] and params["PARTSTAT"] == "NEEDS-ACTION"
        assert str(received.message["Subject"]).strip().startswith(("Ändrad tid: ", "New time: "))
    assert {r.kind for r in outbox(session, meeting_id=forum.id)} == {MessageKind.INVITATION, MessageKind.UPDATE}


def test_each_move_queues_its_own_update_and_a_draft_moved_queues_nothing(session):
    published_demo(session)
    forum = meeting_of(session, OVERARCHING)
    before = len(outbox(session))

    move_meeting(session, forum, at(10, 19, 13), at(10, 19, 15), actor=DIRECTOR, now=CHANGED, mail=MAIL)
    move_meeting(session, forum, at(10, 20, 13), at(10, 20, 15), actor=DIRECTOR, now=CHANGED, mail=MAIL)
    session.commit()

    updates = outbox(session, meeting_id=forum.id, kind=MessageKind.UPDATE)
    assert len(updates) == 2 * len(active_emails(forum)) == len(outbox(session)) - before
    assert {u.dedupe_key.split(":")[3] for u in updates} == {"1", "2"}  # the SEQUENCE of each


def test_a_cancelled_meeting_sends_cancel_with_the_raised_sequence_to_everyone_not_removed(session, engine):
    published_demo(session)
    forum = meeting_of(session, OVERARCHING)
    removed = invitation(session, forum, "James Whitfield")
    remove_invitee(session, forum, removed.person, actor=DIRECTOR, now=CHANGED, mail=MAIL)
    session.commit()
    expected = {i.person.email for i in forum.invitations if i.removed_at is None}
    with SMTPServer() as smtp:
        deliver(engine, smtp.url, CHANGED)  # the invitations, and the removed invitee's CANCEL
        first = len(smtp.received)
        cancel_meeting(session, forum, actor=DIRECTOR, now=CHANGED, mail=MAIL)
        session.commit()
        deliver(engine, smtp.url, CHANGED)

    cancels = received_after(smtp, first)
    assert {r.envelope_to[0] for r in cancels} == expected and len(cancels) == len(expected)
    assert removed.person.email not in expected
    for received in cancels:
        calendar = calendar_of(received.message)
        assert calendar.part_method == "CANCEL" == str(calendar.icalendar["METHOD"])
        assert calendar.vobject.method.value == "CANCEL"
        event = calendar.event
        assert str(event["UID"]) == forum.uid and int(event["SEQUENCE"]) == 1
        assert str(event["STATUS"]) == "CANCELLED" == calendar.vobject.vevent.status.value
        assert str(received.message["Subject"]).strip().startswith(("Inställt: ", "Cancelled: "))


def test_an_added_invitee_alone_gets_the_request(session, engine):
    published_demo(session)
    operative = meeting_of(session, OVERARCHING)
    guest = person(session, "Lina Sjöberg")
    with SMTPServer() as smtp:
        deliver(engine, smtp.url)
        first = len(smtp.received)
        added = add_invitee(session, operative, guest, actor=DIRECTOR, now=CHANGED, mail=MAIL)
        session.commit()
        deliver(engine, smtp.url, CHANGED)

    [received] = received_after(smtp, first)
    assert received.envelope_to == [guest.email]
    calendar = calendar_of(received.message)
    assert str(calendar.event["UID"]) == operative.uid and int(calendar.event["SEQUENCE"]) == 0
    assert [a for a, _ in calendar.attendees()] == [guest.email]
    assert added.answer is Answer.NEEDS_ACTION and added.is_active
    assert session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "invitee.added")).one().after[
        "person_id"] == guest.id


def test_a_removed_invitee_alone_gets_a_cancel_and_their_row_stays(session, engine):
    published_demo(session)
    forum = meeting_of(session, OVERARCHING)
    leaving = invitation(session, forum, "Annika Berg")
    old_key = leaving.rsvp_key
    with SMTPServer() as smtp:
        deliver(engine, smtp.url)
        first = len(smtp.received)
        remove_invitee(session, forum, leaving.person, actor=DIRECTOR, now=CHANGED, mail=MAIL)
        session.commit()
        deliver(engine, smtp.url, CHANGED)

    [received] = received_after(smtp, first)
    assert received.envelope_to == [leaving.person.email]
    calendar = calendar_of(received.message)
    assert calendar.part_method == "CANCEL" and str(calendar.event["UID"]) == forum.uid
    assert str(received.message["Subject"]).strip().startswith("Du är inte längre inbjuden: ")
    session.expire_all()
    row = invitation(session, forum, "Annika Berg")
    assert row.removed_at == CHANGED and not row.is_active and row.rsvp_key != old_key
    # later changes leave the removed invitee alone
    move_meeting(session, forum, at(10, 19, 13), at(10, 19, 15), actor=DIRECTOR, now=CHANGED, mail=MAIL)
    session.commit()
    assert row.person_id not in {r.person_id for r in outbox(session, kind=MessageKind.UPDATE)}


def test_removed_then_invited_again_at_the_same_sequence_is_a_new_request(session):
    published_demo(session)
    forum = meeting_of(session, OVERARCHING)
    annika = person(session, "Annika Berg")
    remove_invitee(session, forum, annika, actor=DIRECTOR, now=CHANGED, mail=MAIL)
    again = add_invitee(session, forum, annika, actor=DIRECTOR, now=CHANGED, mail=MAIL)
    session.commit()

    rows = outbox(session, meeting_id=forum.id, person_id=annika.id)
    assert [r.kind for r in rows] == [MessageKind.INVITATION, MessageKind.CANCELLATION, MessageKind.INVITATION]
    assert len({r.dedupe_key for r in rows}) == 3 and rows[2].dedupe_key.endswith(again.rsvp_key)
    assert again.removed_at is None and again.answer is Answer.NEEDS_ACTION


def test_removed_and_invited_again_each_message_outranks_the_last_that_person_received(session, engine):
    """Outlook and Google drop a CANCEL or REQUEST whose SEQUENCE is not newer than the copy they hold: each
    person's messages count up from what they last received, while the meeting's own SEQUENCE (and so
    everyone else's copies, answers and reminders) stays as it was."""
    published_demo(session)
    forum = meeting_of(session, OVERARCHING)
    annika, eva = person(session, "Annika Berg"), person(session, "Eva Lindqvist")
    with SMTPServer() as smtp:
        remove_invitee(session, forum, annika, actor=DIRECTOR, now=CHANGED, mail=MAIL)
        add_invitee(session, forum, annika, actor=DIRECTOR, now=CHANGED, mail=MAIL)
        remove_invitee(session, forum, annika, actor=DIRECTOR, now=CHANGED, mail=MAIL)
        add_invitee(session, forum, annika, actor=DIRECTOR, now=CHANGED, mail=MAIL)
        session.commit()
        move_meeting(session, forum, at(10, 19, 13), at(10, 19, 15), actor=DIRECTOR, now=CHANGED, mail=MAIL)
        session.commit()
        deliver(engine, smtp.url, CHANGED)

    hers = [calendar_of(r.message) for r in smtp.received if r.envelope_to == [annika.email]]
    assert [(c.part_method, int(c.event["SEQUENCE"])) for c in hers] == [
        ("REQUEST", 0), ("CANCEL", 1), ("REQUEST", 2), ("CANCEL", 3), ("REQUEST", 4), ("REQUEST", 5)]
    assert [int(c.vobject.vevent.sequence.value) for c in hers] == [0, 1, 2, 3, 4, 5]
    assert {str(c.event["UID"]) for c in hers} == {forum.uid}
    session.expire_all()
    assert forum.sequence == 1 and invitation(session, forum, "Annika Berg").sent_sequence == 5
    evas = [calendar_of(r.message) for r in smtp.received if r.envelope_to == [eva.email]]
    assert [int(c.event["SEQUENCE"]) for c in evas] == [0, 1]


def test_a_draft_only_changes_its_list(session):
    published_demo(session)
    operative = add_form_meeting(session, OPERATIVE)  # added after publishing: a draft
    session.commit()
    before = len(outbox(session))

    add_invitee(session, operative, person(session, "Lina Sjöberg"), actor=DIRECTOR, now=CHANGED, mail=MAIL)
    remove_invitee(session, operative, person(session, "Annika Berg"), actor=DIRECTOR, now=CHANGED, mail=MAIL)
    session.commit()

    assert len(outbox(session)) == before
    assert invitation(session, operative, "Lina Sjöberg").is_active
    assert invitation(session, operative, "Annika Berg").removed_at == CHANGED


def test_resend_queues_the_current_request_again_under_a_new_key_each_time(session, engine):
    published_demo(session)
    forum = meeting_of(session, OVERARCHING)
    annika = person(session, "Annika Berg")
    with SMTPServer() as smtp:
        deliver(engine, smtp.url)
        first = len(smtp.received)
        resend(session, forum, annika, actor=DIRECTOR, now=CHANGED, mail=MAIL)
        resend(session, forum, annika, actor=DIRECTOR, now=CHANGED, mail=MAIL)
        session.commit()
        deliver(engine, smtp.url, CHANGED)

    again = received_after(smtp, first)
    assert [r.envelope_to for r in again] == [[annika.email], [annika.email]]
    assert len({r.message["Message-ID"] for r in again}) == 2
    assert all(str(calendar_of(r.message).event["UID"]) == forum.uid for r in again)
    keys = [r.dedupe_key for r in outbox(session, meeting_id=forum.id, person_id=annika.id)]
    assert keys[1:] == [f"resend:{forum.uid}:{annika.id}:0:1", f"resend:{forum.uid}:{annika.id}:0:2"]
    assert len(session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "invitation.resent")).all()) == 2


def test_impossible_changes_are_refused_and_queue_nothing(session):
    published_demo(session)
    forum = meeting_of(session, OVERARCHING)
    annika, lina = person(session, "Annika Berg"), person(session, "Lina Sjöberg")
    before = len(outbox(session))
    refused = [
        (lambda: add_invitee(session, forum, annika, actor=DIRECTOR, now=CHANGED, mail=MAIL),
         "Annika Berg är redan inbjuden till mötet."),
        (lambda: remove_invitee(session, forum, lina, actor=DIRECTOR, now=CHANGED, mail=MAIL),
         "Lina Sjöberg är inte inbjuden till mötet."),
        (lambda: resend(session, forum, lina, actor=DIRECTOR, now=CHANGED, mail=MAIL),
         "Lina Sjöberg är inte inbjuden till mötet."),
    ]
    for change, message in refused:
        with pytest.raises(DomainError) as error:
            change()
        session.rollback()
        assert str(error.value) == message

    assert len(outbox(session)) == before


def test_nobody_is_invited_to_a_cancelled_meeting(session):
    published_demo(session)
    forum = meeting_of(session, OVERARCHING)
    cancel_meeting(session, forum, actor=DIRECTOR, now=CHANGED, mail=MAIL)
    session.commit()

    with pytest.raises(DomainError, match="Mötet är inställt"):
        add_invitee(session, forum, person(session, "Lina Sjöberg"), actor=DIRECTOR, now=CHANGED, mail=MAIL)
    session.rollback()
    assert session.get(Invitation, (forum.id, person(session, "Lina Sjöberg").id)) is None
