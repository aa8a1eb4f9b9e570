"""Subscription feed tokens: a secret URL per person (their meetings) or per district (for directors)."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from coordinator.db import Base


class FeedToken(Base):
    """A `webcal://.../feeds/<token>.ics` subscription; only the token's SHA-256 is stored.

    Exactly one of person_id (a person's own meetings) and district_id (a district's meetings)
    is set. Revoking sets `revoked_at`; the URL then answers 404.
    """
    __tablename__ = "feed_token"
    __table_args__ = (
        sa.CheckConstraint("(person_id IS NULL) <> (district_id IS NULL)", name="one_owner"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"), index=True)
    district_id: Mapped[int | None] = mapped_column(sa.ForeignKey("district.id"), index=True)
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(sa.String(254))
    revoked_at: Mapped[datetime | None]
