"""Audit events: who changed what, when, and how it looked before and after."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from coordinator.db import Base


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
    return event
