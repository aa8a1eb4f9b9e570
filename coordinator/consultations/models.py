"""Tables of consultation hours (konsultationstider): the hours a district's intake group publishes, each
school's booking link, and the bookings school staff make from it.

A booking is not a `Meeting`: it belongs to no agreed series, has no minutes and no attendance, and
must not count in the forums' follow-up (docs/decisions.md §41). The booker has no `Person` row
either: their name and email live on the booking alone and are erased a set time after the
consultation.
"""
from __future__ import annotations

from datetime import date, datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coordinator.db import Base, enum_column
from coordinator.org.models import District, Language, Person, School

consultation_hours_officer = sa.Table(
    "consultation_hours_officer",
    Base.metadata,
    sa.Column("hours_id", sa.ForeignKey("consultation_hours.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("person_id", sa.ForeignKey("person.id"), primary_key=True),
)


class ConsultationHours(Base):
    """Recurring hours: a weekday's window cut into slots, from one date to another, on school days only.

    Hours are never edited (a booking keeps the officers and place it was made with); the intake
    group closes them (`closed_at`: no slots from then on) and publishes new ones.
    """
    __tablename__ = "consultation_hours"

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(sa.ForeignKey("district.id"), index=True)
    weekday: Mapped[int]  # 0 = Monday … 4 = Friday
    window_start: Mapped[time]
    window_end: Mapped[time]
    slot_minutes: Mapped[int]
    place: Mapped[str | None] = mapped_column(sa.String(300))
    video_url: Mapped[str | None] = mapped_column(sa.String(500))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(sa.String(254))
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[str | None] = mapped_column(sa.String(254))

    district: Mapped[District] = relationship()
    officers: Mapped[list[Person]] = relationship(secondary=consultation_hours_officer, order_by="Person.name")

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class BookingLink(Base):
    """A school's signed booking link; the token carries `key`, so revoking (or a new link) stops the old one."""
    __tablename__ = "consultation_link"
    __table_args__ = (
        # one link in use per school, enforced by the database as well
        sa.Index("uq_consultation_link_one_active", "school_id", unique=True,
                 sqlite_where=sa.text("revoked_at IS NULL"), postgresql_where=sa.text("revoked_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"), index=True)
    key: Mapped[str] = mapped_column(sa.String(32))
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(sa.String(254))
    revoked_at: Mapped[datetime | None]
    revoked_by: Mapped[str | None] = mapped_column(sa.String(254))

    school: Mapped[School] = relationship()

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class ConsultationBooking(Base):
    """A booked slot: who asked (until erased), for which school, about what in general terms.

    The partial unique index is what makes a slot impossible to book twice, whoever presses first:
    a cancelled booking (`cancelled_at`) frees its slot.
    """
    __tablename__ = "consultation_booking"
    __table_args__ = (
        sa.Index("uq_consultation_booking_slot", "hours_id", "starts_at", unique=True,
                 sqlite_where=sa.text("cancelled_at IS NULL"), postgresql_where=sa.text("cancelled_at IS NULL")),
        sa.Index("ix_consultation_booking_district_start", "district_id", "starts_at"),
        sa.Index("ix_consultation_booking_district_term", "district_id", "term_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(sa.String(120), unique=True)  # the calendar UID, stable for life
    hours_id: Mapped[int] = mapped_column(sa.ForeignKey("consultation_hours.id"))
    district_id: Mapped[int] = mapped_column(sa.ForeignKey("district.id"))
    term_id: Mapped[int] = mapped_column(sa.ForeignKey("term.id"))
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"), index=True)
    link_id: Mapped[int] = mapped_column(sa.ForeignKey("consultation_link.id"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    booker_name: Mapped[str | None] = mapped_column(sa.String(200))   # None once erased
    booker_email: Mapped[str | None] = mapped_column(sa.String(254))  # None once erased
    language: Mapped[Language] = mapped_column(enum_column(Language), default=Language.SV)
    matter: Mapped[str] = mapped_column(sa.Text)  # in general terms; the identity-number guard let it through
    cancel_key: Mapped[str] = mapped_column(sa.String(32))
    sequence: Mapped[int] = mapped_column(default=0)  # the calendar SEQUENCE: 1 once cancelled
    booked_at: Mapped[datetime]
    cancelled_at: Mapped[datetime | None]
    cancelled_by: Mapped[str | None] = mapped_column(sa.String(254))  # "booker", or the officer's login
    erased_at: Mapped[datetime | None]

    hours: Mapped[ConsultationHours] = relationship()
    school: Mapped[School] = relationship()
    district: Mapped[District] = relationship()

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None
