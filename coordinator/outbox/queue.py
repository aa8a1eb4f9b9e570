"""Queueing mail: insert-or-ignore by dedupe key, in the caller's transaction.

Every producer (publishing, a moved or cancelled meeting, RSVP delegation, the reminder sweep)
builds `Outgoing` values and calls `enqueue`; the row lands only if the caller commits, and a
dedupe key already present is left as it is, so a repeated call — or two processes at once —
queues one message.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from coordinator.outbox.models import MessageKind, OutboxMessage, OutboxState


@dataclass(frozen=True)
class Later:
    """A message the sender composes (`compose` names its composer, delivery.Composer): what is fixed now."""
    compose: str
    message_id: str
    recipient: str
    subject: str
    sequence: int | None = None


@dataclass(frozen=True)
class Outgoing:
    """A message to queue. `message` must carry its Message-ID, To and Subject; or, a `Later`, composed when sent."""
    dedupe_key: str
    kind: MessageKind
    message: EmailMessage | Later
    due_at: datetime
    meeting_id: int | None = None
    person_id: int | None = None
    district_id: int | None = None
    expires_at: datetime | None = None  # a message not worth sending after this is dropped (dead)
    state: OutboxState = OutboxState.PENDING  # MERGED: kept as a record, carried by a catch-up message


def enqueue(session: Session, messages: Iterable[Outgoing], *, now: datetime) -> int:
    """Queue the messages whose dedupe key is new; returns how many were new."""
    return len(enqueue_keys(session, messages, now=now))


def enqueue_keys(session: Session, messages: Iterable[Outgoing], *, now: datetime) -> set[str]:
    """Queue the messages whose dedupe key is new; returns the keys that were new."""
    rows = [_row(m, now) for m in messages]
    if not rows:
        return set()
    table = OutboxMessage.__table__
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        statement = postgresql.insert(table).on_conflict_do_nothing(index_elements=["dedupe_key"])
    elif dialect == "sqlite":
        statement = sqlite.insert(table).on_conflict_do_nothing(index_elements=["dedupe_key"])
    else:  # pragma: no cover - the two engines the product supports
        raise RuntimeError(f"no insert-or-ignore for {dialect}")
    # RETURNING answers only the rows inserted, the ignored ones give none
    return set(session.scalars(statement.returning(table.c.dedupe_key), rows))


def _row(outgoing: Outgoing, now: datetime) -> dict[str, object]:
    message = outgoing.message
    if isinstance(message, Later):
        message_id, recipient, subject, content = message.message_id, message.recipient, message.subject, b""
        compose, sequence = message.compose, message.sequence
    else:
        message_id, recipient, subject = message["Message-ID"], message["To"], message["Subject"]
        content, compose, sequence = message.as_bytes(), None, None
    if not (message_id and recipient and subject):
        raise ValueError("a queued message needs Message-ID, To and Subject")
    return {
        "dedupe_key": outgoing.dedupe_key, "message_id": str(message_id), "kind": outgoing.kind,
        "meeting_id": outgoing.meeting_id, "person_id": outgoing.person_id, "district_id": outgoing.district_id,
        "recipient": str(recipient), "subject": str(subject)[:300], "content": content,
        "compose": compose, "sequence": sequence,
        "state": outgoing.state, "attempts": 0, "next_attempt_at": outgoing.due_at,
        "expires_at": outgoing.expires_at, "claimed_at": None, "last_error": None,
        "created_at": now, "sent_at": None,
    }
