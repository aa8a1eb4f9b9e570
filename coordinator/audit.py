"""Audit events: who changed what, when, and how it looked before and after.

Every change a subscription feed shows is audited, so the audit trail also keeps, per district, how many
such changes have committed (`FeedChanges`): a feed's version is read from those counters (two primary-key
reads) instead of counting the district's audit events, which grow with the years kept (decision 71).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, SessionTransaction, mapped_column

from coordinator.db import Base

# the audited things a feed shows (coordinator/invitations/feeds.py); answers (invitation.answered) change
# none of it, and leaving them out keeps a district's answers from queueing on its counter's row
FEED_ENTITIES = frozenset({"Meeting", "Term", "Person", "School", "SchoolGroup", "District", "MeetingForm"})
UNSHOWN_ACTIONS = frozenset({"invitation.answered"})
TERMS = 0  # the counter of the municipality's terms, audited without a district
_PENDING = "coordinator.feed_changes"  # session.info: the counters this transaction bumps at its commit


class AuditEvent(Base):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(sa.String(254))  # a user's email, or "cli:<user>" / "system"
    action: Mapped[str] = mapped_column(sa.String(64))
    entity_type: Mapped[str] = mapped_column(sa.String(64))
    entity_id: Mapped[str] = mapped_column(sa.String(64))
    district_id: Mapped[int | None] = mapped_column(sa.ForeignKey("district.id"), index=True)
    before: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)


def record(
    session: Session, *, at: datetime, actor: str, action: str, entity: Any,
    district_id: int | None = None, before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit event to the session; it is committed with the change it describes."""
    event = AuditEvent(
        at=at, actor=actor, action=action, entity_type=type(entity).__name__,
        entity_id=str(entity.id), district_id=district_id, before=before, after=after,
    )
    session.add(event)
    scope = feed_scope(event.entity_type, action, district_id)
    if scope is not None:
        pending: dict[int, datetime] = session.info.setdefault(_PENDING, {})
        pending[scope] = max(at, pending.get(scope, at))
    return event


class FeedChanges(Base):
    """How many changes a feed shows have committed in a district (`scope`, its id), or to the municipality's
    terms (`TERMS`), and when the newest was made: bumped in the transaction of the change (at its commit),
    so a feed's version read from it is never older than the data it was read with."""
    __tablename__ = "feed_changes"

    scope: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    count: Mapped[int]
    last_at: Mapped[datetime]


def feed_scope(entity_type: str, action: str, district_id: int | None) -> int | None:
    """Which counter an audited change bumps: its district's, the terms' for a term of the municipality, or
    none when no feed shows it."""
    if entity_type not in FEED_ENTITIES or action in UNSHOWN_ACTIONS:
        return None
    if district_id is not None:
        return district_id
    return TERMS if entity_type == "Term" else None


@sa.event.listens_for(Session, "before_commit")
def _bump_feed_changes(session: Session) -> None:
    """The counters of this transaction's shown changes, bumped last (after the final flush, in the order of
    their keys, so two transactions bumping the same districts never wait on each other in a cycle) and
    committed with the changes."""
    pending: dict[int, datetime] | None = session.info.pop(_PENDING, None)
    if not pending:
        return
    session.flush()
    connection = session.connection()
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    table = FeedChanges.__table__
    statement = insert(table).values([{"scope": scope, "count": 1, "last_at": at}
                                      for scope, at in sorted(pending.items())])
    connection.execute(statement.on_conflict_do_update(index_elements=[table.c.scope], set_={
        "count": table.c.count + 1,
        "last_at": sa.case((statement.excluded.last_at > table.c.last_at, statement.excluded.last_at),
                           else_=table.c.last_at)}))


@sa.event.listens_for(Session, "after_soft_rollback")
def _forget_feed_changes(session: Session, previous_transaction: SessionTransaction) -> None:
    """A transaction rolled back bumps nothing (a savepoint's rollback keeps them: a counter bumped once too
    often only costs a feed one rebuild)."""
    if previous_transaction.parent is None:
        session.info.pop(_PENDING, None)
