"""Sending a deputy, as the invitees' calendars receive it (RFC 5546 delegation): the deputy's invitation says
whom they replace, the delegator's copy is freed, the meeting can be taken back or given to another deputy
until it starts, and every message outranks what its recipient last had. Mail is delivered to a real SMTP
server and read with icalendar and vobject (both databases)."""
from __future__ import annotations

import threading
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
import sqlalchemy as sa

from coordinator.audit import AuditEvent
from coordinator.db import make_session_factory
from coordinator.i18n import DomainError
from coordinator.invitations.services import add_invitee, deputy_choices, send_deputy, take_back
from coordinator.org.models import Person
from coordinator.outbox.models import MessageKind, OutboxMessage
from coordinator.planning.models import Answer, Invitation
from coordinator.planning.services import move_meeting
from tests.invitation_helpers import (
    DIRECTOR, MAIL, OVERARCHING, PUBLISHED, Calendar, calendar_of, deliver, invitation, meeting_of, outbox, person,
    published_demo,
)
from tests.smtp_server import SMTPServer

LATER = PUBLISHED + timedelta(days=2)
STOCKHOLM_SCHOOL = "Norrvikens skola"


class Inbox:
    """The real SMTP server's mail, read per recipient: what each person has been sent since `mark()`."""

    def __init__(self, smtp: SMTPServer) -> None:
        self.smtp, self.seen = smtp, 0

    def mark(self) -> None:
        self.seen = len(self.smtp.received)

    def new(self) -> dict[str, list]:
        by_recipient: dict[str, list] = {}
        for received in self.smtp.received[self.seen:]:
            by_recipient.setdefault(received.envelope_to[0], []).append(received)
        return by_recipient


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content()


def attendees(calendar: Calendar) -> dict[str, dict[str, str]]:
    return dict(calendar.attendees())


def vobject_attendees(calendar: Calendar) -> dict[str, dict[str, list[str]]]:
    return {a.value.lower().removeprefix("mailto:"): a.params for a in calendar.vobject.vevent.attendee_list}


def state(session) -> tuple:
    """Everything a refused change must leave as it was."""
    session.expire_all()
    rows = sorted((i.meeting_id, i.person_id, i.answer, i.delegated_to_id, i.delegated_from_id, i.removed_at,
                   i.rsvp_key, i.sent_sequence) for i in session.scalars(sa.select(Invitation)))
    return (tuple(rows), session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)),
            session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)))


def test_the_deputys_invitation_says_whose_place_they_take_in_the_mail_and_in_the_calendar(session, engine):
    published_demo(session)
    forum = meeting_of(session, OVERARCHING)
    annika, per = invitation(session, forum, "Annika Berg"), person(session, "Per Olsson")
    with SMTPServer() as smtp:
        deliver(engine, smtp.url)
        inbox = Inbox(smtp)
        inbox.mark()
        send_deputy(session, annika, per, via="link", actor="annika", now=LATER, mail=MAIL)
        session.commit()
        deliver(engine, smtp.url, LATER)

    [received] = inbox.new()[per.email]
    replaces = f"Du ersätter Annika Berg, rektor på {STOCKHOLM_SCHOOL}."
    assert replaces in text_of(received.message)
    calendar = calendar_of(received.message)
    assert calendar.part_method == "REQUEST" and str(calendar.event["UID"]) == forum.uid
    assert replaces in str(calendar.event["DESCRIPTION"])
    assert replaces in calendar.vobject.vevent.description.value
    ours = attendees(calendar)
    assert ours[annika.person.email]["PARTSTAT"] == "DELEGATED"
    assert ours[annika.person.email]["DELEGATED-TO"] == f"mailto:{per.email}"
    assert (ours[per.email]["DELEGATED-FROM"], ours[per.email]["PARTSTAT"]) == (
        f"mailto:{annika.person.email}", "NEEDS-ACTION")
    assert vobject_attendees(calendar)[per.email]["DELEGATED-FROM"] == [f"mailto:{annika.person.email}"]
    assert str(calendar.event["TRANSP"]) == "OPAQUE"  # the deputy's time is taken


def test_the_delegators_calendar_gets_the_meeting_freed_and_marked_delegated(session, engine):
    published_demo(session)
    forum = meeting_of(session, OVERARCHING)
    annika, per = invitation(session, forum, "Annika Berg"), person(session, "Per Olsson")
    key_before = annika.rsvp_key
    with SMTPServer() as smtp:
        deliver(engine, smtp.url)
        first = calendar_of(next(r for r in smtp.received if r.envelope_to == [annika.person.email]).message)
        inbox = Inbox(smtp)
        inbox.mark()
        send_deputy(session, annika, per, via="link", actor="annika", now=LATER, mail=MAIL)
        session.commit()
        deliver(engine, smtp.url, LATER)

    [received] = inbox.new()[annika.person.email]
    assert "Du har skickat Per Olsson i ditt ställe" in text_of(received.message)
    assert str(received.message["Subject"]).startswith("Ersättare skickad: Övergripande samverkansforum")
    calendar = calendar_of(received.message)
    event, vevent = calendar.event, calendar.vobject.vevent
    assert calendar.part_method == "REQUEST" and str(event["UID"]) == forum.uid
    # an update her calendar accepts: a newer SEQUENCE than her invitation's
    assert int(event["SEQUENCE"]) == int(vevent.sequence.value) == int(first.event["SEQUENCE"]) + 1
    mine = attendees(calendar)[annika.person.email]
    assert (mine["PARTSTAT"], mine["DELEGATED-TO"], mine["ROLE"], mine["RSVP"]) == (
        "DELEGATED", f"mailto:{per.email}", "NON-PARTICIPANT", "FALSE")
    assert attendees(calendar)[per.email]["DELEGATED-FROM"] == f"mailto:{annika.person.email}"
    assert vobject_attendees(calendar)[annika.person.email]["PARTSTAT"] == ["DELEGATED"]
    # what frees the slot in Outlook, Google and Apple
    assert str(event["TRANSP"]) == vevent.transp.value == "TRANSPARENT"
    assert str(event["X-MICROSOFT-CDO-BUSYSTATUS"]) == "FREE"
    assert "ersättare: Per Olsson" in str(event["SUMMARY"]) and "ersättare: Per Olsson" in vevent.summary.value
    # her own link still works: it takes the meeting back or changes the deputy
    session.expire_all()
    assert invitation(session, forum, "Annika Berg").rsvp_key == key_before
    assert invitation(session, forum, "Annika Berg").sent_sequence == int(event["SEQUENCE"])
    assert "/rsvp/" in str(event["DESCRIPTION"]) and "ta tillbaka mötet" in str(event["DESCRIPTION"])


def test_taking_the_meeting_back_cancels_the_deputy_and_gives_the_delegator_their_meeting_again(session, engine):
    published_demo(session)
    forum = meeting_of(session, OVERARCHING)
    annika, per = invitation(session, forum, "Annika Berg"), person(session, "Per Olsson")
    with SMTPServer() as smtp:
        send_deputy(session, annika, per, via="link", actor="annika", now=LATER, mail=MAIL)
        session.commit()
        deliver(engine, smtp.url, LATER)
        per_request = calendar_of(next(r for r in smtp.received if r.envelope_to == [per.email]).message)
        inbox = Inbox(smtp)
        inbox.mark()
        assert take_back(session, invitation(session, forum, "Annika Berg"), Answer.ACCEPTED, via="link",
                         actor="annika", now=LATER + timedelta(hours=1), mail=MAIL)
        session.commit()
        deliver(engine, smtp.url, LATER + timedelta(hours=1))

    new = inbox.new()
    [cancel] = new[per.email]
    calendar = calendar_of(cancel.message)
    assert calendar.part_method == "CANCEL" == calendar.vobject.method.value
    assert int(calendar.event["SEQUENCE"]) > int(per_request.event["SEQUENCE"])
    assert int(calendar.vobject.vevent.sequence.value) == int(calendar.event["SEQUENCE"])
    assert "Du behöver inte längre ersätta Annika Berg" in text_of(cancel.message)
    [request] = new[annika.person.email]
    calendar = calendar_of(request.message)
    assert calendar.part_method == "REQUEST" and str(calendar.event["TRANSP"]) == "OPAQUE"
    assert calendar.vobject.vevent.transp.value == "OPAQUE"
    assert str(calendar.event["SUMMARY"]) == OVERARCHING
    assert attendees(calendar) == {annika.person.email: attendees(calendar)[annika.person.email]}
    assert attendees(calendar)[annika.person.email]["PARTSTAT"] == "ACCEPTED"
    assert "Du har tagit tillbaka mötet" in text_of(request.message)
    session.expire_all()
    annika, pers = invitation(session, forum, "Annika Berg"), invitation(session, forum, "Per Olsson")
    assert (annika.answer, annika.delegated_to_id, annika.is_active) == (Answer.ACCEPTED, None, True)
    assert pers.removed_at is not None and not pers.is_active
    event = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "invitation.taken_back")).one()
    assert event.after["released_ids"] == [per.id] and event.before["deputy_id"] == per.id


def test_changing_the_deputy_cancels_the_first_and_invites_the_second(session, engine):
    published_demo(session)
    forum = meeting_of(session, OVERARCHING)
    annika = invitation(session, forum, "Annika Berg")
    per, sofia = person(session, "Per Olsson"), person(session, "Sofia Lindberg")
    with SMTPServer() as smtp:
        send_deputy(session, annika, per, via="link", actor="annika", now=LATER, mail=MAIL)
        session.commit()
        deliver(engine, smtp.url, LATER)
        inbox = Inbox(smtp)
        inbox.mark()
        send_deputy(session, invitation(session, forum, "Annika Berg"), sofia, via="link", actor="annika",
                    now=LATER, mail=MAIL)
        session.commit()
        deliver(engine, smtp.url, LATER)

    new = inbox.new()
    assert set(new) == {per.email, sofia.email, annika.person.email}
    assert calendar_of(new[per.email][0].message).part_method == "CANCEL"
    assert "Du ersätter Annika Berg" in text_of(new[sofia.email][0].message)
    update = calendar_of(new[annika.person.email][0].message)
    assert attendees(update)[annika.person.email]["DELEGATED-TO"] == f"mailto:{sofia.email}"
    assert int(update.event["SEQUENCE"]) == 2 and str(update.event["TRANSP"]) == "TRANSPARENT"
    session.expire_all()
    assert invitation(session, forum, "Annika Berg").delegated_to_id == sofia.id
    assert invitation(session, forum, "Per Olsson").removed_at is not None
    assert invitation(session, forum, "Sofia Lindberg").delegated_from_id == annika.person_id


def test_a_deputy_may_send_someone_on_and_taking_back_releases_both(session, engine):
    published_demo(session)
    forum = meeting_of(session, OVERARCHING)
    per, elin = person(session, "Per Olsson"), person(session, "Elin Strömberg")
    with SMTPServer() as smtp:
        send_deputy(session, invitation(session, forum, "Annika Berg"), per, via="link", actor="a", now=LATER,
                    mail=MAIL)
        session.commit()
        inbox = Inbox(smtp)
        deliver(engine, smtp.url, LATER)
        inbox.mark()
        send_deputy(session, invitation(session, forum, "Per Olsson"), elin, via="link", actor="p", now=LATER,
                    mail=MAIL)
        session.commit()
        deliver(engine, smtp.url, LATER)
        onward = inbox.new()
        inbox.mark()
        take_back(session, invitation(session, forum, "Annika Berg"), Answer.TENTATIVE, via="link", actor="a",
                  now=LATER, mail=MAIL)
        session.commit()
        deliver(engine, smtp.url, LATER)
        back = inbox.new()

    # Elin stands in for Annika's seat, sent by Per; Per's own copy is freed
    assert set(onward) == {elin.email, per.email}
    assert f"Du ersätter Annika Berg, rektor på {STOCKHOLM_SCHOOL}." in text_of(onward[elin.email][0].message)
    elins = attendees(calendar_of(onward[elin.email][0].message))
    assert elins[elin.email]["DELEGATED-FROM"] == f"mailto:{per.email}"
    pers = calendar_of(onward[per.email][0].message)
    assert attendees(pers)[per.email]["DELEGATED-TO"] == f"mailto:{elin.email}"
    assert str(pers.event["TRANSP"]) == "TRANSPARENT"
    # Annika goes herself: both deputies are told, each with a SEQUENCE newer than their last
    assert {r: calendar_of(m[0].message).part_method for r, m in back.items()} == {
        per.email: "CANCEL", elin.email: "CANCEL", "annika.berg@edu.stockholm.example": "REQUEST"}
    assert int(calendar_of(back[per.email][0].message).event["SEQUENCE"]) > int(pers.event["SEQUENCE"])
    session.expire_all()
    assert {invitation(session, forum, n).removed_at is not None for n in ("Per Olsson", "Elin Strömberg")} == {True}


def test_a_delegator_keeps_their_freed_copy_at_the_right_time_when_the_meeting_moves(session):
    published_demo(session)
    forum = meeting_of(session, OVERARCHING)
    annika, per = invitation(session, forum, "Annika Berg"), person(session, "Per Olsson")
    send_deputy(session, annika, per, via="link", actor="annika", now=LATER, mail=MAIL)
    move_meeting(session, forum, forum.starts_at + timedelta(days=1), forum.ends_at + timedelta(days=1),
                 actor=DIRECTOR, now=LATER, mail=MAIL)
    session.commit()

    updates = {r.person_id: r for r in outbox(session, kind=MessageKind.UPDATE, meeting_id=forum.id)
               if r.dedupe_key.startswith("update:")}
    assert per.id in updates and annika.person_id in updates
    calendar = calendar_of(_stored(updates[annika.person_id]))
    assert str(calendar.event["TRANSP"]) == "TRANSPARENT"
    assert calendar.event.decoded("DTSTART") == forum.starts_at
    assert int(calendar.event["SEQUENCE"]) == 2  # her invitation 0, her delegated copy 1, the move 2
    assert attendees(calendar)[annika.person.email]["PARTSTAT"] == "DELEGATED"


def _stored(row: OutboxMessage) -> EmailMessage:
    return message_from_bytes(row.content, policy=policy.default)  # type: ignore[return-value]


@pytest.mark.parametrize("deputy, message", [
    ("Annika Berg", "Välj någon annan än dig själv som ersättare."),
    ("Eva Lindqvist", "Eva Lindqvist är redan inbjuden till mötet och kan inte också gå i ditt ställe."),
])
def test_a_deputy_who_cannot_stand_in_is_refused_and_nothing_is_written(session, deputy, message):
    published_demo(session)
    forum = meeting_of(session, OVERARCHING)
    before = state(session)

    with pytest.raises(DomainError) as error:
        send_deputy(session, invitation(session, forum, "Annika Berg"), person(session, deputy),
                    via="link", actor="annika", now=LATER, mail=MAIL)
    session.rollback()

    assert str(error.value) == message
    assert state(session) == before


def test_a_deputy_cannot_send_back_whoever_sent_them_nor_take_someone_elses_deputy(session):
    published_demo(session)
    forum = meeting_of(session, OVERARCHING)
    per, daniel = person(session, "Per Olsson"), person(session, "Daniel Wikström")
    send_deputy(session, invitation(session, forum, "Annika Berg"), per, via="link", actor="a", now=LATER, mail=MAIL)
    send_deputy(session, invitation(session, forum, "Katarina Öberg"), daniel, via="link", actor="k", now=LATER,
                mail=MAIL)
    session.commit()
    before = state(session)

    refused = [
        (lambda: send_deputy(session, invitation(session, forum, "Per Olsson"), person(session, "Annika Berg"),
                             via="link", actor="p", now=LATER, mail=MAIL),
         "Annika Berg har skickat dig i sitt ställe och kan inte bli din ersättare."),
        (lambda: send_deputy(session, invitation(session, forum, "Per Olsson"), daniel, via="link", actor="p",
                             now=LATER, mail=MAIL),
         "Daniel Wikström är redan ersättare för Katarina Öberg på mötet."),
    ]
    for change, message in refused:
        with pytest.raises(DomainError) as error:
            change()
        session.rollback()
        assert str(error.value) == message
    assert state(session) == before


def test_after_the_start_a_deputy_can_be_neither_sent_nor_changed_nor_taken_back(session):
    published_demo(session)
    forum = meeting_of(session, OVERARCHING)
    per = person(session, "Per Olsson")
    send_deputy(session, invitation(session, forum, "Annika Berg"), per, via="link", actor="a", now=LATER, mail=MAIL)
    session.commit()
    started = forum.starts_at + timedelta(minutes=5)
    before = state(session)

    for change in (
        lambda: take_back(session, invitation(session, forum, "Annika Berg"), Answer.ACCEPTED, via="link",
                          actor="a", now=started, mail=MAIL),
        lambda: send_deputy(session, invitation(session, forum, "Annika Berg"), person(session, "Sofia Lindberg"),
                            via="link", actor="a", now=started, mail=MAIL),
        lambda: send_deputy(session, invitation(session, forum, "James Whitfield"), person(session, "Hanna Lilja"),
                            via="link", actor="j", now=started, mail=MAIL),
    ):
        with pytest.raises(DomainError, match="Mötet har redan börjat. Det är för sent"):
            change()
        session.rollback()
    assert state(session) == before


def test_sending_the_same_deputy_again_changes_nothing(session):
    published_demo(session)
    forum = meeting_of(session, OVERARCHING)
    per = person(session, "Per Olsson")
    first = send_deputy(session, invitation(session, forum, "Annika Berg"), per, via="link", actor="a", now=LATER,
                        mail=MAIL)
    session.commit()
    before = state(session)

    again = send_deputy(session, invitation(session, forum, "Annika Berg"), per, via="link", actor="a",
                        now=LATER + timedelta(seconds=1), mail=MAIL)
    session.commit()

    assert (again.meeting_id, again.person_id) == (first.meeting_id, first.person_id)
    assert state(session) == before


def test_a_double_click_sends_one_deputy_the_second_waiting_for_the_first(session, engine):
    """Two requests at once: the second waits on the first's lock, then finds the deputy already sent."""
    published_demo(session)
    forum = meeting_of(session, OVERARCHING)
    annika_id, per_id = person(session, "Annika Berg").id, person(session, "Per Olsson").id
    sessions = make_session_factory(engine)
    outcome: dict[str, object] = {}

    def second_click() -> None:
        with sessions() as other:
            try:
                deputy = send_deputy(other, other.get_one(Invitation, (forum.id, annika_id)),
                                     other.get_one(Person, per_id), via="link",
                                     actor="a", now=LATER, mail=MAIL)
                other.commit()
                outcome["deputy"] = deputy.person_id
            except Exception as error:  # surfaced by the assertion below
                outcome["error"] = error

    with sessions() as first:
        send_deputy(first, first.get_one(Invitation, (forum.id, annika_id)),
                    first.get_one(Person, per_id), via="link", actor="a", now=LATER,
                    mail=MAIL)
        waiting = threading.Thread(target=second_click)
        waiting.start()
        waiting.join(timeout=1.0)
        assert waiting.is_alive()  # held by the first click's lock
        first.commit()
    waiting.join(timeout=30)

    assert outcome == {"deputy": per_id}
    assert [r.kind for r in outbox(session, person_id=per_id)] == [MessageKind.INVITATION]
    assert len([r for r in outbox(session, person_id=annika_id) if r.dedupe_key.startswith("delegation:")]) == 1


def test_someone_invited_in_their_own_right_is_not_offered_as_deputy(session):
    published_demo(session)
    forum = meeting_of(session, OVERARCHING)
    add_invitee(session, forum, person(session, "Per Olsson"), actor=DIRECTOR, now=LATER, mail=MAIL)
    session.commit()

    choices = deputy_choices(session, invitation(session, forum, "Annika Berg"))

    assert [p.name for p in choices.people] == ["Elin Strömberg", "Henrik Dahl", "Sofia Lindberg"]
    assert choices.named_deputy_invited and [p.name for p in choices.already_invited] == ["Per Olsson"]


def test_a_named_deputy_at_another_school_is_offered_first_and_a_closed_one_not_at_all(session):
    published_demo(session)
    forum = meeting_of(session, OVERARCHING)
    annika = person(session, "Annika Berg")
    invited = {i.person_id for i in forum.invitations if i.removed_at is None}
    elsewhere = session.scalars(sa.select(Person).where(
        Person.is_active, Person.school_id.is_not(None), Person.school_id != annika.school_id,
        Person.id.not_in(invited)).order_by(Person.id)).first()
    assert elsewhere is not None
    annika.deputy_id = elsewhere.id
    session.commit()

    offered = deputy_choices(session, invitation(session, forum, "Annika Berg"))
    elsewhere.is_active = False
    session.commit()
    closed = deputy_choices(session, invitation(session, forum, "Annika Berg"))

    colleagues = ["Elin Strömberg", "Henrik Dahl", "Per Olsson", "Sofia Lindberg"]
    assert offered.named_deputy == elsewhere and [p.name for p in offered.people] == [elsewhere.name, *colleagues]
    assert not offered.already_invited
    assert closed.named_deputy is None and [p.name for p in closed.people] == colleagues
