"""Minutes (protokoll) of a meeting, their revisions, adjusters, attendance, action items and attachments.

A meeting that requires minutes and has no `Minutes` row has its minutes *missing*. Nothing
here is ever hard-deleted: a correction of approved minutes is a new revision with a reason,
and a removed attachment keeps its row with `removed_at`. Only a recorded decision to redact
an identity number masks it in the stored texts and purges the bytes of a file holding it
(`coordinator.minutes.redaction`).
"""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coordinator.db import Base, enum_column
from coordinator.org.functions import Function
from coordinator.org.models import Person
from coordinator.planning.models import Meeting


class MinutesState(enum.Enum):
    DRAFT = "draft"
    REGISTERED = "registered"  # diarieförd: the text is final and waits for the adjusters
    APPROVED = "approved"      # justerat by every adjuster
    REPORTED = "reported"      # anmält till nämnden (committee date and reference)
    ARCHIVED = "archived"


class Minutes(Base):
    __tablename__ = "minutes"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meeting.id"), unique=True)
    state: Mapped[MinutesState] = mapped_column(enum_column(MinutesState), default=MinutesState.DRAFT)
    revision: Mapped[int] = mapped_column(default=1)  # the current revision's number
    content: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)  # the structured text, by section
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(sa.String(254))
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(sa.String(254))
    registered_at: Mapped[datetime | None]
    registered_by: Mapped[str | None] = mapped_column(sa.String(254))
    approved_at: Mapped[datetime | None]
    reported_at: Mapped[datetime | None]
    # deadlines and their first fulfilment, never cleared by a reopening or a correction (deadlines.py)
    due_at: Mapped[datetime | None]            # registration due (meeting end + the form's due days)
    first_registered_at: Mapped[datetime | None]
    approval_due_at: Mapped[datetime | None]   # set at the first registration, where approval is required
    first_approved_at: Mapped[datetime | None]
    report_due_at: Mapped[datetime | None]     # set at the first approval, where the form reports
    first_reported_at: Mapped[datetime | None]
    reported_by: Mapped[str | None] = mapped_column(sa.String(254))
    committee_date: Mapped[date | None]
    committee_reference: Mapped[str | None] = mapped_column(sa.String(60))
    archived_at: Mapped[datetime | None]
    archived_by: Mapped[str | None] = mapped_column(sa.String(254))

    meeting: Mapped[Meeting] = relationship()
    revisions: Mapped[list[MinutesRevision]] = relationship(
        back_populates="minutes", order_by="MinutesRevision.number")
    adjusters: Mapped[list[Adjuster]] = relationship(
        back_populates="minutes", cascade="all, delete-orphan", order_by="Adjuster.person_id")
    attachments: Mapped[list[Attachment]] = relationship(back_populates="minutes", order_by="Attachment.id")


class MinutesRevision(Base):
    """A kept text of the minutes: every revision stays readable, with the reason for a correction."""
    __tablename__ = "minutes_revision"
    __table_args__ = (sa.UniqueConstraint("minutes_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    minutes_id: Mapped[int] = mapped_column(sa.ForeignKey("minutes.id"))
    number: Mapped[int]
    content: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    reason: Mapped[str | None] = mapped_column(sa.Text)  # required for a correction of approved minutes
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(sa.String(254))

    minutes: Mapped[Minutes] = relationship(back_populates="revisions")


class Adjuster(Base):
    """A justerare chosen at the meeting; the minutes are approved when every one has confirmed."""
    __tablename__ = "minutes_adjuster"

    minutes_id: Mapped[int] = mapped_column(sa.ForeignKey("minutes.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), primary_key=True)
    confirmed_at: Mapped[datetime | None]
    confirmed_by: Mapped[str | None] = mapped_column(sa.String(254))  # the user who confirmed

    minutes: Mapped[Minutes] = relationship(back_populates="adjusters")
    person: Mapped[Person] = relationship()


class AttendanceStatus(enum.Enum):
    PRESENT = "present"
    ABSENT = "absent"
    REPRESENTED = "represented"  # by a deputy (represented_by)


class Attendance(Base):
    """Whether an invitee came, per meeting and person."""
    __tablename__ = "attendance"
    # the follow-up's aggregates read attendance per meeting by index alone on PostgreSQL (migration 0014)
    __table_args__ = (sa.Index("ix_attendance_followup", "meeting_id",
                               postgresql_include=["school_id", "status", "function"]),)

    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meeting.id"), primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), primary_key=True)
    function: Mapped[Function | None] = mapped_column(enum_column(Function))
    school_id: Mapped[int | None] = mapped_column(sa.ForeignKey("school.id"))  # the school they stood for
    status: Mapped[AttendanceStatus] = mapped_column(enum_column(AttendanceStatus))
    represented_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"))
    recorded_at: Mapped[datetime]
    recorded_by: Mapped[str] = mapped_column(sa.String(254))

    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    represented_by: Mapped[Person | None] = relationship(foreign_keys=[represented_by_id])


class ActionItemStatus(enum.Enum):
    OPEN = "open"
    DONE = "done"
    DROPPED = "dropped"


class ActionItem(Base):
    """A follow-up decided at a meeting; open ones are shown at the next meeting of the same series."""
    __tablename__ = "action_item"
    __table_args__ = (
        sa.Index("ix_action_item_series_status", "series_key", "status"),
        sa.Index("ix_action_item_status_due_on", "status", "due_on"),  # the reminder sweep's open items by due date
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meeting.id"), index=True)
    series_key: Mapped[str] = mapped_column(sa.String(80))  # the meeting's series
    text: Mapped[str] = mapped_column(sa.Text)
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"), index=True)
    due_on: Mapped[date | None]
    status: Mapped[ActionItemStatus] = mapped_column(enum_column(ActionItemStatus), default=ActionItemStatus.OPEN)
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(sa.String(254))
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[str | None] = mapped_column(sa.String(254))
    closed_on: Mapped[date | None]  # the local day it was closed, compared with due_on: "closed on time"

    meeting: Mapped[Meeting] = relationship()
    owner: Mapped[Person | None] = relationship()


class Attachment(Base):
    """An attached file of the minutes (PDF, DOCX, ODT), kept in the database with its SHA-256."""
    __tablename__ = "minutes_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    minutes_id: Mapped[int] = mapped_column(sa.ForeignKey("minutes.id"), index=True)
    filename: Mapped[str] = mapped_column(sa.String(255))
    content_type: Mapped[str] = mapped_column(sa.String(100))  # as found from the content, not the name
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    data: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(sa.String(254))
    removed_at: Mapped[datetime | None]
    removed_by: Mapped[str | None] = mapped_column(sa.String(254))
    # gallrad: the bytes were emptied by a recorded decision (the reason is in the audit trail),
    # because the file held an identity number that cannot be masked inside a PDF or DOCX
    purged_at: Mapped[datetime | None]
    purged_by: Mapped[str | None] = mapped_column(sa.String(254))

    minutes: Mapped[Minutes] = relationship(back_populates="attachments")
