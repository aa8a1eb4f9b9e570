"""Calendar replies (iMIP METHOD:REPLY): what Outlook, Google and Apple send when someone presses Accept.

A reply is matched by the meeting's UID and the ATTENDEE's address — Exchange leaves ORGANIZER
out, so it is never needed. It counts only when the mail comes from that attendee: its From is
the ATTENDEE's address, or the SENT-BY the ATTENDEE names (a secretary answering for their
manager); anyone can write a calendar naming someone else. What cannot be matched, is not from
the attendee or is out of date (an unknown UID or attendee, a SEQUENCE newer than the one the
attendee was sent or older than the answer already recorded, a malformed calendar, a cancelled
meeting, a bare .ics with no sender) is logged on "coordinator.invitations" and ignored: nothing
changes. A DELEGATED reply naming a known person works like "send my deputy" on the answer page;
someone who has sent a deputy takes the meeting back on that page, not by a calendar reply.
"""
from __future__ import annotations

import email
import email.policy
import email.utils
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
    """Ingest one mail (its text/calendar part or .ics attachment); a bare .ics file has no sender to check."""
    if raw.lstrip().upper().startswith(b"BEGIN:VCALENDAR"):
        data: bytes | None = raw
        sender = None
    else:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        data = ics.calendar_part(message)
        sender = _sender(message.get_all("From") or [])
    if data is None:
        return _ignored("the message has no calendar")
    return ingest_calendar(session, data, sender=sender, mail=mail, now=now)


def ingest_calendar(session: Session, data: bytes, *, sender: str | None, mail: MailContext,
                    now: datetime) -> IngestResult:
    """Ingest one REPLY calendar sent by `sender` (the mail's From address, None when unknown)."""
    try:
        reply = ics.parse_reply(data)
    except ics.ICSError as error:
        return _ignored(f"malformed calendar: {error}")
    if sender is None:
        return _ignored("no sender: a reply counts only from the attendee's own mail", reply)
    if sender not in (reply.attendee_email, reply.sent_by):
        sent_by = f" or their SENT-BY {reply.sent_by}" if reply.sent_by else ""
        return _ignored(f"sent by {sender}, not by the attendee{sent_by}", reply)
    meeting = session.scalars(sa.select(Meeting).where(Meeting.uid == reply.uid)).one_or_none()
    if meeting is None or meeting.published_at is None:  # a draft, or cancelled before publishing
        return _ignored("unknown UID", reply)
    if meeting.is_cancelled:
        return _ignored("the meeting is cancelled", reply)
    person = _person(session, reply.attendee_email)
    invitation = session.get(Invitation, (meeting.id, person.id)) if person is not None else None
    if invitation is None or invitation.removed_at is not None:
        return _ignored("unknown attendee", reply)
    if reply.sequence > invitation.calendar_sequence:
        return _ignored(f"SEQUENCE {reply.sequence} is newer than the {invitation.calendar_sequence} the attendee "
                        "was sent", reply)
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
    if invitation.answer is Answer.DELEGATED and invitation.delegated_to_id == deputy.id:
        return _done(Outcome.UNCHANGED, f"already delegated to {deputy.email}", reply)
    send_deputy(session, invitation, deputy, via=VIA_CALENDAR, actor=reply.attendee_email, now=now, mail=mail)
    return _done(Outcome.DELEGATED, f"delegated to {deputy.email}", reply)


def _sender(values: list[str]) -> str | None:
    """The one address of a mail's From (lower-case); None when there is none, or several."""
    addresses = [address for _, address in email.utils.getaddresses([str(v) for v in values]) if "@" in address]
    return addresses[0].strip().lower() if len(addresses) == 1 else None


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
