"""Invitations as use cases: queueing each invitee's mail with the change that causes it, answers, deputies.

Plain Python over a session with `now` and a `MailContext` passed in. Every message goes into
the outbox in the caller's transaction (`enqueue`), so a change and its mail commit together or
not at all; dedupe keys make a repeated call queue nothing new. Services flush and audit; the
caller commits. Broken rules raise `DomainError` with a Swedish template before anything changes.

Only a scheduled meeting gets mail: a draft's invitee list is just a list until it is published.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from coordinator import audit
from coordinator.i18n import N_, DomainError
from coordinator.invitations.events import district_directors, load_meeting, load_meetings
from coordinator.invitations.messages import (
    MailContext, MeetingMail, cancellation_key, invitation_key, removal_key, resend_prefix, update_key,
)
from coordinator.org.functions import Function
from coordinator.org.models import Person
from coordinator.outbox.models import MessageKind, OutboxMessage
from coordinator.outbox.queue import Outgoing, enqueue
from coordinator.planning.models import Answer, Invitation, Meeting, MeetingStatus, new_rsvp_key

RECORDED_ANSWERS = (Answer.ACCEPTED, Answer.TENTATIVE, Answer.DECLINED)  # by link or by calendar

PerMeeting = Callable[[MeetingMail, Meeting], list[Outgoing]]
PerInvitation = Callable[[MeetingMail, Invitation], list[Outgoing]]


# -- queueing for a whole meeting ------------------------------------------------------------------

def queue_invitations(session: Session, meeting_ids: Iterable[int], *, mail: MailContext, now: datetime) -> int:
    """Each active invitee's first REQUEST for the newly published meetings; how many were queued.

    A meeting that has begun at `now` is skipped: an invitation to it would only be noise.
    """
    return _queue_each(session, meeting_ids, mail, now, lambda meeting_mail, meeting: [
        meeting_mail.request(i, kind=MessageKind.INVITATION, dedupe_key=invitation_key(meeting, i))
        for i in meeting.invitations if i.is_active] if meeting.starts_at > now else [])


def queue_updates(session: Session, meeting: Meeting, *, mail: MailContext, now: datetime) -> int:
    """The changed meeting (same UID, its raised SEQUENCE) to every active invitee."""
    return _queue_each(session, [meeting.id], mail, now, lambda meeting_mail, meeting: [
        meeting_mail.request(i, kind=MessageKind.UPDATE, dedupe_key=update_key(meeting, i))
        for i in meeting.invitations if i.is_active])


def queue_cancellations(session: Session, meeting: Meeting, *, mail: MailContext, now: datetime) -> int:
    """METHOD:CANCEL to every invitee not removed (a deputy's principal has the meeting in their calendar too)."""
    return _queue_each(session, [meeting.id], mail, now, lambda meeting_mail, meeting: [
        meeting_mail.cancellation(i, removed=False, dedupe_key=cancellation_key(meeting, i))
        for i in meeting.invitations if i.removed_at is None])


def _queue_each(session: Session, meeting_ids: Iterable[int], mail: MailContext, now: datetime,
                messages: PerMeeting) -> int:
    meetings = load_meetings(session, meeting_ids)
    directors = district_directors(session, [m.district_id for m in meetings])
    outgoing: list[Outgoing] = []
    for meeting in meetings:
        outgoing += messages(MeetingMail(meeting, directors.get(meeting.district_id), mail, now), meeting)
    return enqueue(session, outgoing, now=now)


# -- the organiser's changes to one invitee ----------------------------------------------------------

def add_invitee(session: Session, meeting: Meeting, person: Person, *, actor: str, now: datetime,
                mail: MailContext, function: Function | None = None) -> Invitation:
    """Invite one more person; a scheduled meeting sends them (alone) its REQUEST.

    Someone removed earlier is invited again on their old row, with a fresh answer and new links.
    """
    if meeting.is_cancelled:
        raise DomainError(N_("Mötet är inställt; ingen kan bjudas in."))
    if not person.is_active:
        raise DomainError(N_("%(name)s är avslutad och kan inte bjudas in."), name=person.name)
    invitation = _invitation(session, meeting, person.id)
    if invitation is not None and invitation.removed_at is None:
        raise DomainError(N_("%(name)s är redan inbjuden till mötet."), name=person.name)
    function = function or _invited_function(meeting, person)
    if invitation is None:
        invitation = Invitation(meeting=meeting, person=person, function=function, rsvp_key=new_rsvp_key())
        session.add(invitation)
    else:
        _invite_again(invitation, function)
    session.flush()
    audit.record(session, at=now, actor=actor, action="invitee.added", entity=meeting,
                 district_id=meeting.district_id,
                 after={"person_id": person.id, "name": person.name, "function": function.value if function else None})
    if meeting.status is MeetingStatus.SCHEDULED:
        invitation = _loaded_invitation(session, meeting, person.id, mail, now, lambda meeting_mail, i: [
            meeting_mail.request(i, kind=MessageKind.INVITATION, dedupe_key=invitation_key(meeting, i))])
    return invitation


def remove_invitee(session: Session, meeting: Meeting, person: Person, *, actor: str, now: datetime,
                   mail: MailContext) -> Invitation:
    """Take someone off the list: their row stays (greyed), a scheduled meeting sends them a CANCEL,
    and their links stop working."""
    invitation = _invitation(session, meeting, person.id)
    if invitation is None or invitation.removed_at is not None:
        raise DomainError(N_("%(name)s är inte inbjuden till mötet."), name=person.name)
    if meeting.status is MeetingStatus.SCHEDULED:
        _loaded_invitation(session, meeting, person.id, mail, now, lambda meeting_mail, i: [
            meeting_mail.cancellation(i, removed=True, dedupe_key=removal_key(meeting, i))])
    invitation.removed_at = now
    invitation.rsvp_key = new_rsvp_key()
    session.flush()
    audit.record(session, at=now, actor=actor, action="invitee.removed", entity=meeting,
                 district_id=meeting.district_id, before={"person_id": person.id, "name": person.name,
                                                          "answer": invitation.answer.value})
    return invitation


def resend(session: Session, meeting: Meeting, person: Person, *, actor: str, now: datetime,
           mail: MailContext) -> None:
    """Queue the invitee's current REQUEST again, as a new message (e.g. they deleted the first)."""
    invitation = _invitation(session, meeting, person.id)
    if meeting.status is not MeetingStatus.SCHEDULED:
        raise DomainError(N_("Bara publicerade möten skickas ut."))
    if invitation is None or not invitation.is_active:
        raise DomainError(N_("%(name)s är inte inbjuden till mötet."), name=person.name)
    prefix = resend_prefix(meeting, person.id)
    earlier = session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(
        OutboxMessage.meeting_id == meeting.id, OutboxMessage.person_id == person.id,
        OutboxMessage.dedupe_key.startswith(prefix, autoescape=True)))
    _loaded_invitation(session, meeting, person.id, mail, now, lambda meeting_mail, i: [
        meeting_mail.request(i, kind=MessageKind.INVITATION, dedupe_key=f"{prefix}{(earlier or 0) + 1}")])
    audit.record(session, at=now, actor=actor, action="invitation.resent", entity=meeting,
                 district_id=meeting.district_id, after={"person_id": person.id, "sequence": meeting.sequence})


def _loaded_invitation(session: Session, meeting: Meeting, person_id: int, mail: MailContext, now: datetime,
                       messages: PerInvitation) -> Invitation:
    """Queue `messages(meeting_mail, invitation)` for one invitee of a fully loaded meeting; the invitation."""
    meeting_mail = MeetingMail(*load_meeting(session, meeting), mail, now)
    invitation = next(i for i in meeting_mail.meeting.invitations if i.person_id == person_id)
    enqueue(session, messages(meeting_mail, invitation), now=now)
    return invitation


def _invitation(session: Session, meeting: Meeting, person_id: int) -> Invitation | None:
    return session.get(Invitation, (meeting.id, person_id))


def _invited_function(meeting: Meeting, person: Person) -> Function | None:
    """The first function the person holds that the meeting's form invites; none if they hold none of them."""
    invited = set(meeting.meeting_form.invited_functions)
    return next((f.function for f in person.functions if f.function in invited), None)


def _invite_again(invitation: Invitation, function: Function | None, *,
                  delegated_from: Person | None = None) -> None:
    invitation.removed_at = None
    invitation.function = function
    invitation.answer = Answer.NEEDS_ACTION
    invitation.answered_at = invitation.answered_via = invitation.answer_sequence = None
    invitation.delegated_to = None
    invitation.delegated_from = delegated_from
    invitation.rsvp_key = new_rsvp_key()


# -- answers ---------------------------------------------------------------------------------------------

def record_answer(session: Session, invitation: Invitation, answer: Answer, *, via: str, sequence: int,
                  actor: str, now: datetime) -> bool:
    """Record an invitee's answer to the meeting's version `sequence`; False when it changes nothing.

    Someone who has sent a deputy has handed the meeting over: their answer is not taken.
    """
    if answer not in RECORDED_ANSWERS:
        raise ValueError(f"not an answer one records: {answer}")
    if invitation.answer is Answer.DELEGATED:
        raise DomainError(N_("Du har redan skickat %(deputy)s i ditt ställe."),
                          deputy=invitation.delegated_to.name if invitation.delegated_to else "")
    if (invitation.answer, invitation.answer_sequence) == (answer, sequence):
        return False
    before = _answer_state(invitation)
    invitation.answer = answer
    invitation.answered_at = now
    invitation.answered_via = via
    invitation.answer_sequence = sequence
    session.flush()
    audit.record(session, at=now, actor=actor, action="invitation.answered", entity=invitation.meeting,
                 district_id=invitation.meeting.district_id,
                 before=before, after={**_answer_state(invitation), "person_id": invitation.person_id})
    return True


def send_deputy(session: Session, invitation: Invitation, deputy: Person, *, via: str, actor: str,
                now: datetime, mail: MailContext) -> Invitation:
    """Hand the invitation over: the deputy gets an invitation of their own (for the same function) and
    their own REQUEST naming whom they stand in for; the invitee becomes DELEGATED and their links stop."""
    meeting, person = invitation.meeting, invitation.person
    if meeting.status is not MeetingStatus.SCHEDULED:
        raise DomainError(N_("Mötet är inte publicerat."))
    if invitation.answer is Answer.DELEGATED:
        raise DomainError(N_("Du har redan skickat %(deputy)s i ditt ställe."),
                          deputy=invitation.delegated_to.name if invitation.delegated_to else "")
    if invitation.removed_at is not None:
        raise DomainError(N_("%(name)s är inte inbjuden till mötet."), name=person.name)
    if deputy.id == person.id:
        raise DomainError(N_("Välj någon annan än dig själv som ersättare."))
    if not deputy.is_active:
        raise DomainError(N_("%(name)s är avslutad och kan inte bjudas in."), name=deputy.name)
    existing = _invitation(session, meeting, deputy.id)
    if existing is not None and existing.removed_at is None:
        raise DomainError(N_("%(name)s är redan inbjuden till mötet."), name=deputy.name)
    if existing is None:
        session.add(Invitation(meeting=meeting, person=deputy, function=invitation.function,
                               delegated_from=person, rsvp_key=new_rsvp_key()))
    else:
        _invite_again(existing, invitation.function, delegated_from=person)
    before = _answer_state(invitation)
    invitation.answer = Answer.DELEGATED
    invitation.delegated_to = deputy
    invitation.answered_at = now
    invitation.answered_via = via
    invitation.answer_sequence = meeting.sequence
    invitation.rsvp_key = new_rsvp_key()
    session.flush()
    audit.record(session, at=now, actor=actor, action="invitation.delegated", entity=meeting,
                 district_id=meeting.district_id, before=before,
                 after={**_answer_state(invitation), "person_id": person.id, "deputy_id": deputy.id})
    return _loaded_invitation(session, meeting, deputy.id, mail, now, lambda meeting_mail, i: [
        meeting_mail.request(i, kind=MessageKind.INVITATION, dedupe_key=invitation_key(meeting, i))])


def deputy_choices(session: Session, person: Person) -> list[Person]:
    """Whom a person may send in their place: their named deputy first (if still active), then the
    active colleagues of their school or unit, by name."""
    colleagues: list[Person] = []
    if person.school_id is not None or person.unit_id is not None:
        same_place = (Person.school_id == person.school_id if person.school_id is not None
                      else Person.unit_id == person.unit_id)
        colleagues = list(session.scalars(
            sa.select(Person).where(same_place, Person.is_active, Person.id != person.id)
            .order_by(Person.name, Person.id)))
    deputy = person.deputy if person.deputy is not None and person.deputy.is_active else None
    if deputy is None or deputy.id == person.id:
        return colleagues
    return [deputy, *(p for p in colleagues if p.id != deputy.id)]


def _answer_state(invitation: Invitation) -> dict[str, object]:
    return {"answer": invitation.answer.value, "via": invitation.answered_via,
            "sequence": invitation.answer_sequence}
