"""Invitations as use cases: queueing each invitee's mail with the change that causes it, answers, deputies.

Plain Python over a session with `now` and a `MailContext` passed in. Every message goes into
the outbox in the caller's transaction (`enqueue`), so a change and its mail commit together or
not at all; dedupe keys make a repeated call queue nothing new. Services flush and audit; the
caller commits. Broken rules raise `DomainError` with a Swedish template before anything changes.

Only a scheduled meeting gets mail: a draft's invitee list is just a list until it is published.

Each message carries the SEQUENCE of its recipient's own copy (`Invitation.next_sequence`): a removed
invitee's CANCEL and a later REQUEST to them are newer than what they last received, although the
meeting's own SEQUENCE (and so the others' reminders and answers) stays as it is.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from coordinator import audit
from coordinator.i18n import N_, DomainError
from coordinator.invitations.events import (
    delegators_of, deputies_of, district_directors, load_meeting, load_meetings,
)
from coordinator.invitations.messages import (
    MailContext, MeetingMail, cancellation_key, delegation_key, invitation_key, removal_key, resend_prefix,
    update_key,
)
from coordinator.org.functions import Function
from coordinator.org.models import Person
from coordinator.outbox.models import MessageKind, OutboxMessage
from coordinator.outbox.queue import Outgoing, enqueue
from coordinator.planning.models import Answer, Invitation, Meeting, MeetingStatus, invited_school, new_rsvp_key

RECORDED_ANSWERS = (Answer.ACCEPTED, Answer.TENTATIVE, Answer.DECLINED)  # by link or by calendar

PerMeeting = Callable[[MeetingMail, Meeting], list[Outgoing]]
PerInvitation = Callable[[MeetingMail, Invitation], list[Outgoing]]


# -- queueing for a whole meeting ------------------------------------------------------------------

def queue_invitations(session: Session, meeting_ids: Iterable[int], *, mail: MailContext, now: datetime,
                      compose_later: bool = False) -> int:
    """Each active invitee's first REQUEST for the newly published meetings; how many were queued (queueing
    them again adds nothing). A meeting that has begun at `now` is skipped: an invitation to it would only
    be noise. `compose_later`: the rows are queued with their Message-ID, SEQUENCE, recipient and subject
    and the sender composes each message (publishing a district's term: `deferred.py`).
    """
    def first(meeting_mail: MeetingMail, invitation: Invitation) -> Outgoing:
        if compose_later:
            return meeting_mail.first_invitation_later(invitation, key=invitation_key)
        return meeting_mail.request(invitation, kind=MessageKind.INVITATION, key=invitation_key, same_version=True)

    queued: list[Invitation] = []

    def first_of(meeting_mail: MeetingMail, meeting: Meeting) -> list[Outgoing]:
        if meeting.starts_at <= now:
            return []
        invited = [i for i in meeting.invitations if i.is_active]
        queued.extend(invited)
        return [first(meeting_mail, i) for i in invited]

    count = _queue_each(session, meeting_ids, mail, now, first_of)
    if compose_later and queued:  # each invitee's sent_sequence, in one statement rather than one flush each
        session.execute(sa.update(Invitation), [  # ORM bulk UPDATE by primary key
            {"meeting_id": i.meeting_id, "person_id": i.person_id, "sent_sequence": i.sent_sequence} for i in queued])
    return count


def queue_updates(session: Session, meeting: Meeting, *, mail: MailContext, now: datetime) -> int:
    """The changed meeting (same UID, a higher SEQUENCE) to every invitee not removed: those who sent a deputy
    keep their delegated copy (free time) at the right time, since they may still take the meeting back."""
    return _queue_each(session, [meeting.id], mail, now, lambda meeting_mail, meeting: [
        meeting_mail.request(i, kind=MessageKind.UPDATE, key=update_key)
        for i in meeting.invitations if i.removed_at is None])


def queue_cancellations(session: Session, meeting: Meeting, *, mail: MailContext, now: datetime) -> int:
    """METHOD:CANCEL to every invitee not removed (a deputy's principal has the meeting in their calendar too)."""
    return _queue_each(session, [meeting.id], mail, now, lambda meeting_mail, meeting: [
        meeting_mail.cancellation(i, removed=False, key=cancellation_key)
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
        invitation = Invitation(meeting=meeting, person=person, function=function, rsvp_key=new_rsvp_key(),
                                school_id=invited_school(function, person.school_id))
        session.add(invitation)
    else:
        _invite_again(invitation, function, invited_school(function, person.school_id))
    session.flush()
    audit.record(session, at=now, actor=actor, action="invitee.added", entity=meeting,
                 district_id=meeting.district_id,
                 after={"person_id": person.id, "name": person.name, "function": function.value if function else None})
    if meeting.status is MeetingStatus.SCHEDULED:
        invitation = _loaded_invitation(session, meeting, person.id, mail, now, lambda meeting_mail, i: [
            meeting_mail.request(i, kind=MessageKind.INVITATION, key=invitation_key)])
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
            meeting_mail.cancellation(i, removed=True, key=removal_key)])
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
    prefix = resend_prefix(meeting, invitation)
    earlier = session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(
        OutboxMessage.meeting_id == meeting.id, OutboxMessage.person_id == person.id,
        OutboxMessage.dedupe_key.startswith(prefix, autoescape=True)))
    _loaded_invitation(session, meeting, person.id, mail, now, lambda meeting_mail, i: [
        meeting_mail.request(i, kind=MessageKind.INVITATION, same_version=True,
                             key=lambda *_: f"{prefix}{(earlier or 0) + 1}")])
    audit.record(session, at=now, actor=actor, action="invitation.resent", entity=meeting,
                 district_id=meeting.district_id,
                 after={"person_id": person.id, "sequence": invitation.calendar_sequence})


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


def _invite_again(invitation: Invitation, function: Function | None, school_id: int | None, *,
                  delegated_from: Person | None = None) -> None:
    invitation.removed_at = None
    invitation.function = function
    invitation.school_id = school_id
    invitation.answer = Answer.NEEDS_ACTION
    invitation.answered_at = invitation.answered_via = invitation.answer_sequence = None
    invitation.delegated_to = None
    invitation.delegated_from = delegated_from
    invitation.rsvp_key = new_rsvp_key()


# -- answers ---------------------------------------------------------------------------------------------

def record_answer(session: Session, invitation: Invitation, answer: Answer, *, via: str, sequence: int,
                  actor: str, now: datetime) -> bool:
    """Record an invitee's answer to their copy's version `sequence`; False when it changes nothing.

    Someone who has sent a deputy has handed the meeting over: an answer alone is not taken (they
    take the meeting back on the answer page, `take_back`).
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


# -- deputies --------------------------------------------------------------------------------------------
# RFC 5546 §3.2.2.3: the deputy gets a REQUEST naming the delegator (PARTSTAT=DELEGATED, DELEGATED-TO) and
# themselves (DELEGATED-FROM); the delegator's own copy is updated to say so, as free time. Until the
# meeting starts the delegator may take the meeting back or send someone else: the deputies they had
# sent (and whomever those sent on) get a CANCEL. Each of these changes locks the delegator's row
# first, so a second click waits for the first and then finds it done.

@dataclass(frozen=True)
class DeputyChoices:
    people: list[Person]           # whom the invitee may send: their named deputy first, then colleagues
    already_invited: list[Person]  # the named deputy and colleagues left out: invited to the meeting already
    named_deputy: Person | None    # their named deputy, if still active

    @property
    def named_deputy_invited(self) -> bool:
        return self.named_deputy is not None and self.named_deputy in self.already_invited


def deputy_choices(session: Session, invitation: Invitation) -> DeputyChoices:
    """Whom an invitee may send in their place: their named deputy first (if still active), then the active
    colleagues of their school or unit, by name; not those invited to the meeting already (in their own
    right or for someone else), except the deputy the invitee has sent.

    One statement: the colleagues and the named deputy, each with whether they are invited (the meeting's
    invitees are not loaded for it)."""
    person = invitation.person
    current = invitation.delegated_to_id if invitation.answer is Answer.DELEGATED else None
    wanted = []
    if person.school_id is not None or person.unit_id is not None:
        wanted.append(Person.school_id == person.school_id if person.school_id is not None
                      else Person.unit_id == person.unit_id)
    if person.deputy_id is not None:
        wanted.append(Person.id == person.deputy_id)
    if not wanted:
        return DeputyChoices([], [], None)
    invited = (sa.select(Invitation.person_id)
               .where(Invitation.meeting_id == invitation.meeting_id, Invitation.person_id == Person.id,
                      Invitation.removed_at.is_(None)).exists())
    rows = session.execute(
        sa.select(Person, invited).where(sa.or_(*wanted), Person.is_active, Person.id != person.id)
        .order_by(Person.name, Person.id)).all()
    named = next((p for p, _ in rows if p.id == person.deputy_id), None)
    candidates = ([named] if named else []) + [p for p, _ in rows if p is not named and _is_colleague(p, person)]
    taken = {p.id for p, is_invited in rows if is_invited} - {current}
    return DeputyChoices([p for p in candidates if p.id not in taken], [p for p in candidates if p.id in taken],
                         named)


def _is_colleague(other: Person, person: Person) -> bool:
    if person.school_id is not None:
        return other.school_id == person.school_id
    return person.unit_id is not None and other.unit_id == person.unit_id


def send_deputy(session: Session, invitation: Invitation, deputy: Person, *, via: str, actor: str,
                now: datetime, mail: MailContext | None) -> Invitation:
    """Hand the invitation over, or (when already handed over) to another deputy; the deputy's invitation.

    The deputy gets an invitation of their own (for the same function) and a REQUEST naming whom
    they stand in for; the invitee becomes DELEGATED and gets their copy as free time, naming the
    deputy; a deputy sent before (and whomever they sent on) gets a CANCEL. Sending the deputy
    already sent changes nothing. Refused, with the reason and before anything changes, once the
    meeting has started, and for a deputy who cannot stand in. Without `mail` nothing is queued, as
    with `publish` (the demo's history, whose mail went out long ago).
    """
    invitation = _locked(session, invitation)
    meeting, person = invitation.meeting, invitation.person
    _check_deputy_change(invitation, now)
    if invitation.answer is Answer.DELEGATED and invitation.delegated_to_id == deputy.id:
        current = _invitation(session, meeting, deputy.id)
        if current is not None and current.removed_at is None:
            return current
    existing = _invitation(session, meeting, deputy.id)
    sent_on = [i.person_id for i in deputies_of(invitation)]  # a deputy further down the chain may be chosen
    _check_deputy(invitation, deputy, None if deputy.id in sent_on else existing)
    released = _release_deputies(invitation, now, keep=deputy.id)
    if existing is None:
        session.add(Invitation(meeting=meeting, person=deputy, function=invitation.function,
                               school_id=invitation.school_id, delegated_from=person, rsvp_key=new_rsvp_key()))
    else:
        _invite_again(existing, invitation.function, invitation.school_id, delegated_from=person)
    before = _answer_state(invitation)
    invitation.answer = Answer.DELEGATED
    invitation.delegated_to = deputy
    invitation.answered_at = now
    invitation.answered_via = via
    invitation.answer_sequence = invitation.next_sequence  # the delegated copy's: their answer to it
    session.flush()
    audit.record(session, at=now, actor=actor, action="invitation.delegated", entity=meeting,
                 district_id=meeting.district_id, before=before,
                 after={**_answer_state(invitation), "person_id": person.id, "deputy_id": deputy.id,
                        "released_ids": [i.person_id for i in released]})
    if mail is None:
        return session.get_one(Invitation, (meeting.id, deputy.id))
    return _queue_delegation(session, invitation, released, mail, now, lambda meeting_mail, loaded: [
        meeting_mail.request(loaded[deputy.id], kind=MessageKind.INVITATION, key=invitation_key),
        meeting_mail.request(loaded[person.id], kind=MessageKind.UPDATE, key=delegation_key, is_update=False),
    ])[deputy.id]


def take_back(session: Session, invitation: Invitation, answer: Answer, *, via: str, actor: str, now: datetime,
              mail: MailContext) -> bool:
    """The invitee who sent a deputy goes (or answers) themselves after all: their deputies get a CANCEL, they
    their own copy again with `answer`; False when it changes nothing.

    Someone whose delegation is already undone (a second click) simply answers.
    """
    if answer not in RECORDED_ANSWERS:
        raise ValueError(f"not an answer one records: {answer}")
    invitation = _locked(session, invitation)
    if invitation.answer is not Answer.DELEGATED:
        return record_answer(session, invitation, answer, via=via, sequence=invitation.calendar_sequence,
                             actor=actor, now=now)
    meeting = invitation.meeting
    _check_deputy_change(invitation, now)
    released = _release_deputies(invitation, now)
    before = {**_answer_state(invitation), "deputy_id": invitation.delegated_to_id}
    invitation.answer = answer
    invitation.delegated_to = None
    invitation.answered_at = now
    invitation.answered_via = via
    invitation.answer_sequence = invitation.next_sequence  # their answer to the copy they are now sent
    session.flush()
    audit.record(session, at=now, actor=actor, action="invitation.taken_back", entity=meeting,
                 district_id=meeting.district_id, before=before,
                 after={**_answer_state(invitation), "person_id": invitation.person_id,
                        "released_ids": [i.person_id for i in released]})
    _queue_delegation(session, invitation, released, mail, now, lambda meeting_mail, loaded: [
        meeting_mail.taken_back(loaded[invitation.person_id], key=delegation_key)])
    return True


def _locked(session: Session, invitation: Invitation) -> Invitation:
    """The invitation and its meeting's others as committed now, the invitation's row locked until the
    transaction ends.

    A no-op UPDATE takes the row lock on PostgreSQL and the write lock on SQLite (where FOR UPDATE
    does nothing), so a second click waits here for the first to commit and then reads its result.
    """
    session.execute(sa.update(Invitation).where(Invitation.meeting_id == invitation.meeting_id,
                                                Invitation.person_id == invitation.person_id)
                    .values(rsvp_key=Invitation.rsvp_key).execution_options(synchronize_session=False))
    [meeting] = load_meetings(session, [invitation.meeting_id])
    return next(i for i in meeting.invitations if i.person_id == invitation.person_id)


def _check_deputy_change(invitation: Invitation, now: datetime) -> None:
    meeting = invitation.meeting
    if meeting.is_cancelled:
        raise DomainError(N_("Mötet är inställt."))
    if meeting.status is not MeetingStatus.SCHEDULED:
        raise DomainError(N_("Mötet är inte publicerat."))
    if invitation.removed_at is not None:
        raise DomainError(N_("%(name)s är inte inbjuden till mötet."), name=invitation.person.name)
    if now >= meeting.starts_at:
        raise DomainError(N_("Mötet har redan börjat. Det är för sent att skicka, byta eller ta tillbaka en ersättare."))


def _check_deputy(invitation: Invitation, deputy: Person, existing: Invitation | None) -> None:
    """Refuse a deputy who cannot stand in, saying why."""
    if deputy.id == invitation.person_id:
        raise DomainError(N_("Välj någon annan än dig själv som ersättare."))
    if not deputy.is_active:
        raise DomainError(N_("%(name)s är avslutad och kan inte bjudas in."), name=deputy.name)
    if any(i.person_id == deputy.id for i in delegators_of(invitation)):
        raise DomainError(N_("%(name)s har skickat dig i sitt ställe och kan inte bli din ersättare."),
                          name=deputy.name)
    if existing is None or existing.removed_at is not None:
        return
    if existing.delegated_from_id is not None and existing.delegated_from_id != invitation.person_id:
        raise DomainError(N_("%(name)s är redan ersättare för %(other)s på mötet."), name=deputy.name,
                          other=existing.delegated_from.name if existing.delegated_from else "")
    if existing.delegated_from_id is None:
        raise DomainError(N_("%(name)s är redan inbjuden till mötet och kan inte också gå i ditt ställe."),
                          name=deputy.name)


def _release_deputies(invitation: Invitation, now: datetime, keep: int | None = None) -> list[Invitation]:
    """Take the invitee's deputies (and whomever they sent on) off the meeting, except the person `keep`
    (who is sent again, directly); their invitations, nearest first.

    Their rows stay, removed, with new links; the caller queues their CANCELs.
    """
    released = [i for i in deputies_of(invitation) if i.person_id != keep]
    for deputy in released:
        deputy.removed_at = now
        deputy.rsvp_key = new_rsvp_key()
    return released


def _queue_delegation(session: Session, invitation: Invitation, released: list[Invitation], mail: MailContext,
                      now: datetime, messages: Callable[[MeetingMail, dict[int, Invitation]], list[Outgoing]],
                      ) -> dict[int, Invitation]:
    """Queue a delegation change's mail — the released deputies' CANCELs and `messages(meeting_mail, invitations
    by person)` — over the meeting loaded as it now stands; the loaded invitations by person."""
    meeting_mail = MeetingMail(*load_meeting(session, invitation.meeting), mail, now)
    loaded = {i.person_id: i for i in meeting_mail.meeting.invitations}
    outgoing = [meeting_mail.cancellation(loaded[i.person_id], removed=True, released=True, key=removal_key)
                for i in released]
    enqueue(session, outgoing + messages(meeting_mail, loaded), now=now)
    return loaded


def _answer_state(invitation: Invitation) -> dict[str, object]:
    return {"answer": invitation.answer.value, "via": invitation.answered_via,
            "sequence": invitation.answer_sequence}
