"""Calendar replies (iMIP METHOD:REPLY): what Outlook, Google and Apple send when someone presses Accept.

A reply is matched by the meeting's UID and the ATTENDEE's address — Exchange leaves ORGANIZER
out, so it is never needed. What cannot be matched or is out of date (an unknown UID or
attendee, a SEQUENCE older than the answer already recorded, a malformed calendar, a
cancelled meeting) is logged on "coordinator.invitations" and ignored: nothing changes. A
DELEGATED reply naming a known person works like "send my deputy" on the answer page.
"""
from __future__ import annotations

import email
import email.policy
import enum
import logging
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from coordinator.i18n import DomainError
from coordinator.invitations import ics
from coordinator.invitations.messages import MailContext
from coordinator.invitations.services import RECORDED_ANSWERS, record_answer, send_deputy
from coordinator.org.models import Person
from coordinator.planning.models import Answer, Invitation, Meeting

log = logging.getLogger("coordinator.invitations")

VIA_CALENDAR = "calendar"
ANSWERS_BY_PARTSTAT = {a.partstat: a for a in RECORDED_ANSWERS}


class Outcome(enum.Enum):
    RECORDED = "recorded"    # the answer was stored
    UNCHANGED = "unchanged"  # the same answer to the same version was already stored
    DELEGATED = "delegated"  # the attendee sent someone in their place
    IGNORED = "ignored"      # could not be matched, or out of date: nothing changed


@dataclass(frozen=True)
class IngestResult:
    outcome: Outcome
    detail: str              # what happened, in words (English, as the logs are)
    uid: str | None = None
    attendee: str | None = None

    def line(self) -> str:
        about = " ".join(f"{k}={v}" for k, v in (("uid", self.uid), ("attendee", self.attendee)) if v)
        return f"{self.outcome.value}: {self.detail}" + (f" ({about})" if about else "")


@dataclass
class IngestReport:
    """What a mailbox poll (or a batch of files) did, message by message."""
    results: list[IngestResult] = field(default_factory=list)
    failed: int = 0          # messages left for the next poll after an unexpected error

    def count(self, outcome: Outcome) -> int:
        return sum(r.outcome is outcome for r in self.results)


def ingest_message(session: Session, raw: bytes, *, mail: MailContext, now: datetime) -> IngestResult:
    """Ingest one mail (its text/calendar part or .ics attachment); a bare .ics file is taken as it is."""
    if raw.lstrip().upper().startswith(b"BEGIN:VCALENDAR"):
        data: bytes | None = raw
    else:
        data = ics.calendar_part(email.message_from_bytes(raw, policy=email.policy.default))
    if data is None:
        return _ignored("the message has no calendar")
    return ingest_calendar(session, data, mail=mail, now=now)


def ingest_calendar(session: Session, data: bytes, *, mail: MailContext, now: datetime) -> IngestResult:
    try:
        reply = ics.parse_reply(data)
    except ics.ICSError as error:
        return _ignored(f"malformed calendar: {error}")
    meeting = session.scalars(sa.select(Meeting).where(Meeting.uid == reply.uid)).one_or_none()
    if meeting is None or meeting.published_at is None:  # a draft, or cancelled before publishing
        return _ignored("unknown UID", reply)
    if meeting.is_cancelled:
        return _ignored("the meeting is cancelled", reply)
    person = _person(session, reply.attendee_email)
    invitation = session.get(Invitation, (meeting.id, person.id)) if person is not None else None
    if invitation is None or invitation.removed_at is not None:
        return _ignored("unknown attendee", reply)
    if reply.sequence > meeting.sequence:
        return _ignored(f"SEQUENCE {reply.sequence} is newer than the meeting's {meeting.sequence}", reply)
    if invitation.answer_sequence is not None and reply.sequence < invitation.answer_sequence:
        return _ignored(f"stale: SEQUENCE {reply.sequence} is older than the answer already given "
                        f"to {invitation.answer_sequence}", reply)
    try:
        if reply.partstat == Answer.DELEGATED.partstat:
            return _delegate(session, invitation, reply, mail, now)
        answer = ANSWERS_BY_PARTSTAT.get(reply.partstat)
        if answer is None:
            return _ignored(f"no answer in the reply (PARTSTAT {reply.partstat})", reply)
        changed = record_answer(session, invitation, answer, via=VIA_CALENDAR, sequence=reply.sequence,
                                actor=reply.attendee_email, now=now)
    except DomainError as error:
        return _ignored(str(error), reply)
    outcome = Outcome.RECORDED if changed else Outcome.UNCHANGED
    return _done(outcome, f"{answer.value} to SEQUENCE {reply.sequence}", reply)


def _delegate(session: Session, invitation: Invitation, reply: ics.Reply, mail: MailContext,
              now: datetime) -> IngestResult:
    deputy = _person(session, reply.delegated_to) if reply.delegated_to else None
    if deputy is None:
        return _ignored(f"delegated to an unknown address {reply.delegated_to or '(none)'}", reply)
    send_deputy(session, invitation, deputy, via=VIA_CALENDAR, actor=reply.attendee_email, now=now, mail=mail)
    return _done(Outcome.DELEGATED, f"delegated to {deputy.email}", reply)


def _person(session: Session, address: str) -> Person | None:
    return session.scalars(sa.select(Person).where(sa.func.lower(Person.email) == address.lower())).one_or_none()


def _ignored(detail: str, reply: ics.Reply | None = None) -> IngestResult:
    result = IngestResult(Outcome.IGNORED, detail, reply.uid if reply else None,
                          reply.attendee_email if reply else None)
    log.warning("calendar_reply_ignored reason=%r uid=%s attendee=%s", detail, result.uid, result.attendee)
    return result


def _done(outcome: Outcome, detail: str, reply: ics.Reply) -> IngestResult:
    log.info("calendar_reply_%s uid=%s attendee=%s %s", outcome.value, reply.uid, reply.attendee_email, detail)
    return IngestResult(outcome, detail, reply.uid, reply.attendee_email)
