"""Tables of the school year: terms (HT/VT) per municipality and their breaks."""
from __future__ import annotations

import enum
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coordinator.db import Base, enum_column
from coordinator.org.models import Municipality


class BreakKind(enum.Enum):
    HOSTLOV = "hostlov"
    JULLOV = "jullov"
    SPORTLOV = "sportlov"
    PASKLOV = "pasklov"
    STUDY_DAY = "study_day"  # studiedag
    OTHER = "other"


class Term(Base):
    """A school term of a municipality, named HT2027 (autumn) or VT2028 (spring)."""
    __tablename__ = "term"
    __table_args__ = (sa.UniqueConstraint("municipality_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipality.id"))
    name: Mapped[str] = mapped_column(sa.String(6))
    starts_on: Mapped[date]
    ends_on: Mapped[date]

    municipality: Mapped[Municipality] = relationship()
    breaks: Mapped[list[TermBreak]] = relationship(
        back_populates="term", cascade="all, delete-orphan", order_by="TermBreak.starts_on"
    )


class TermBreak(Base):
    """A holiday week or study day inside a term: no meetings are planned on it."""
    __tablename__ = "term_break"

    id: Mapped[int] = mapped_column(primary_key=True)
    term_id: Mapped[int] = mapped_column(sa.ForeignKey("term.id", ondelete="CASCADE"), index=True)
    kind: Mapped[BreakKind] = mapped_column(enum_column(BreakKind))
    name: Mapped[str] = mapped_column(sa.String(120))
    starts_on: Mapped[date]
    ends_on: Mapped[date]

    term: Mapped[Term] = relationship(back_populates="breaks")
