"""Redaction (maskning) of identity numbers in a meeting's minutes and every stored copy of their text.

When a change takes an identity number out of the minutes — a draft's text edited, a file
holding one removed — the number must not stay readable anywhere else. Masking a record's
content is gallring, which needs a recorded decision, so the user states it (the reason, e.g.
"Personnummer togs bort enligt beslut …"), and the redaction is an audit event of its own with
who, when, why, the masked numbers and how many records changed where; never the number.

What is masked where (docs/decisions.md, 21): the number, however it was grouped, becomes
"871125-****" in every revision's text (approved revisions included: they are public records,
and the decision is what allows masking part of one), in the reasons for corrections and the
committee reference, in the meeting's action items, in the before and after of the audit
events of the minutes, their files, the meeting's items and the meeting, and in the stored
mail about the meeting (subject, text and HTML; mail not yet sent goes out masked). A file
cannot be masked inside, so a file of the minutes whose text holds the number is purged: its
bytes are emptied, its row keeps name, size, SHA-256, who removed it and who purged it.

Plain Python over a session, the time and the actor passed in; callers commit.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from coordinator import audit
from coordinator.audit import AuditEvent
from coordinator.i18n import N_, DomainError
from coordinator.minutes.attachments import read_attachment
from coordinator.minutes.guard import find_identity_numbers, masked_text
from coordinator.minutes.models import ActionItem, Attachment, Minutes
from coordinator.outbox.compose import rewrite_texts
from coordinator.outbox.models import OutboxMessage

MAX_DECISION_LENGTH = 2000


class RedactionReasonNeeded(DomainError):
    """A change removes identity numbers (masked forms in `numbers`); it needs the stated decision."""

    def __init__(self, numbers: Sequence[str]) -> None:
        super().__init__(N_("Ändringen tar bort %(numbers)s, som då maskeras i varje sparad kopia. Det är "
                            "gallring och kräver ett beslut; ingenting sparades."), numbers=", ".join(numbers))
        self.numbers = tuple(numbers)


@dataclass(frozen=True)
class Redaction:
    """What a redaction masked: the numbers (masked) and how many records changed, by place."""
    numbers: tuple[str, ...]
    places: Mapping[str, int]


def removed_numbers(before: Iterable[str], after: Iterable[str], today: date) -> dict[str, str]:
    """The numbers in the `before` texts that none of the `after` texts holds: key → masked form.

    Suspects count too: a number the user once confirmed was no identity number may have been one.
    """
    found = {hit.key: hit.masked for text in before for hit in find_identity_numbers(text, today)}
    kept = {hit.key for text in after for hit in find_identity_numbers(text, today)}
    return {key: masked for key, masked in found.items() if key not in kept}


def numbers_in_file(attachment: Attachment, today: date) -> dict[str, str]:
    """The numbers in an attached file's text: key → masked form (none when the text cannot be read)."""
    try:
        passages = read_attachment(attachment.filename, attachment.data).passages
    except DomainError:  # it was read when attached; a file that no longer reads holds nothing to find
        return {}
    return removed_numbers((p.text for p in passages), (), today)


def decision(numbers: Mapping[str, str], reason: str | None, today: date) -> str:
    """The stated decision to redact `numbers`, checked; `RedactionReasonNeeded` when it is missing."""
    reason = (reason or "").strip()
    if not reason:
        raise RedactionReasonNeeded(sorted(set(numbers.values())))
    if len(reason) > MAX_DECISION_LENGTH:
        raise DomainError(N_("Beslutet får vara högst %(max)d tecken."), max=MAX_DECISION_LENGTH)
    if find_identity_numbers(reason, today):
        raise DomainError(N_("Skriv beslutet utan personnummer: beslutet sparas i historiken."))
    return reason


def redact(session: Session, minutes: Minutes, numbers: Mapping[str, str], reason: str, *, actor: str,
           now: datetime) -> Redaction:
    """Mask `numbers` (key → masked form) in every stored text of the minutes' meeting; record the decision.

    `reason` is the decision as `decision` checked it.
    """
    keys, today = frozenset(numbers), now.date()

    def mask(text: str) -> str:
        return masked_text(text, today, keys)

    session.flush()
    places: Counter[str] = Counter()
    masked_revisions = []
    content, reference = _masked_json(minutes.content, mask), mask(minutes.committee_reference or "") or None
    if (content, reference) != (minutes.content, minutes.committee_reference):
        minutes.content, minutes.committee_reference = content, reference
        places["minutes"] += 1
    for revision in minutes.revisions:
        content, why = _masked_json(revision.content, mask), mask(revision.reason) if revision.reason else None
        if content != revision.content or why != revision.reason:
            revision.content, revision.reason = content, why
            masked_revisions.append(revision.number)
    places["revisions"] = len(masked_revisions)
    for item in session.scalars(sa.select(ActionItem).where(ActionItem.meeting_id == minutes.meeting_id)):
        if mask(item.text) != item.text:
            item.text = mask(item.text)
            places["action_items"] += 1
    for attachment in minutes.attachments:
        if attachment.purged_at is None and keys & numbers_in_file(attachment, today).keys():
            purge(session, attachment, reason, actor=actor, now=now)
            places["files"] += 1
    session.flush()
    for event in _events_of(session, minutes):
        before, after = _masked_json(event.before, mask), _masked_json(event.after, mask)
        if (before, after) != (event.before, event.after):
            event.before, event.after = before, after
            places["audit_events"] += 1
    for message in session.scalars(sa.select(OutboxMessage).where(OutboxMessage.meeting_id == minutes.meeting_id)):
        subject, content = mask(message.subject), rewrite_texts(message.content, mask)
        if (subject, content) != (message.subject, message.content):
            message.subject, message.content = subject, content
            places["mails"] += 1
    found = Redaction(tuple(sorted(set(numbers.values()))), {k: v for k, v in sorted(places.items()) if v})
    audit.record(session, at=now, actor=actor, action="minutes.redacted", entity=minutes,
                 district_id=minutes.meeting.district_id,
                 after={"reason": reason, "numbers": list(found.numbers), "places": dict(found.places),
                        "revisions": masked_revisions})
    session.flush()
    return found


def purge(session: Session, attachment: Attachment, reason: str, *, actor: str, now: datetime) -> None:
    """Empty a file's bytes (gallra) by the decision `reason`; it is taken off the minutes if it was not.

    The row stays, with its name, size and SHA-256, so the record shows what was there and who purged it.
    """
    if attachment.purged_at is not None:
        raise DomainError(N_("Filen %(file)s är redan gallrad."), file=attachment.filename)
    if attachment.removed_at is None:
        attachment.removed_at, attachment.removed_by = now, actor
    attachment.data = b""
    attachment.purged_at, attachment.purged_by = now, actor
    audit.record(session, at=now, actor=actor, action="attachment.purged", entity=attachment,
                 district_id=attachment.minutes.meeting.district_id,
                 after={"filename": attachment.filename, "sha256": attachment.sha256, "size": attachment.size,
                        "reason": reason})


def redactions_of(session: Session, minutes: Minutes) -> list[AuditEvent]:
    """The redactions of the minutes, oldest first (each with its reason and the revisions it masked)."""
    return list(session.scalars(sa.select(AuditEvent).where(
        AuditEvent.entity_type == "Minutes", AuditEvent.entity_id == str(minutes.id),
        AuditEvent.action == "minutes.redacted").order_by(AuditEvent.at, AuditEvent.id)))


def _events_of(session: Session, minutes: Minutes) -> list[AuditEvent]:
    """Every audit event that may quote the minutes: theirs, their files', the items' and the meeting's."""
    items = sa.select(sa.cast(ActionItem.id, sa.String)).where(ActionItem.meeting_id == minutes.meeting_id)
    files = sa.select(sa.cast(Attachment.id, sa.String)).where(Attachment.minutes_id == minutes.id)
    return list(session.scalars(sa.select(AuditEvent).where(sa.or_(
        sa.and_(AuditEvent.entity_type == "Minutes", AuditEvent.entity_id == str(minutes.id)),
        sa.and_(AuditEvent.entity_type == "Attachment", AuditEvent.entity_id.in_(files)),
        sa.and_(AuditEvent.entity_type == "ActionItem", AuditEvent.entity_id.in_(items)),
        sa.and_(AuditEvent.entity_type == "Meeting", AuditEvent.entity_id == str(minutes.meeting_id))))))


def _masked_json(value: Any, mask: Callable[[str], str]) -> Any:
    """A JSON value with every string in it masked (a new value; JSON columns see only assignment)."""
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, dict):
        return {key: _masked_json(item, mask) for key, item in value.items()}
    if isinstance(value, list):
        return [_masked_json(item, mask) for item in value]
    return value
