"""The school's proposal of its yearly staff-meeting visit (APT) and who confirmed it.

The visit itself is a `Meeting` of the agreement's APT form in the school's series, so it is planned,
invited, reminded and followed up like every other meeting; this row records that the school proposed
its date, and for which school year. One row per school and school year (the database refuses a
second); a visit called off and proposed again points the same row at the new meeting.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coordinator.db import Base
from coordinator.org.models import Person, School
from coordinator.planning.models import Meeting


class StaffMeetingVisit(Base):
    __tablename__ = "staff_meeting_visit"
    __table_args__ = (sa.UniqueConstraint("school_id", "school_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    district_id: Mapped[int] = mapped_column(sa.ForeignKey("district.id"), index=True)
    school_year: Mapped[int]  # the autumn's year: 2027 is the school year HT2027–VT2028
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meeting.id"), unique=True)
    proposed_by_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"))
    proposed_at: Mapped[datetime]
    confirmed_by: Mapped[str | None] = mapped_column(sa.String(254))  # the login's email, as meetings record it
    confirmed_at: Mapped[datetime | None]

    school: Mapped[School] = relationship()
    meeting: Mapped[Meeting] = relationship()
    proposed_by: Mapped[Person] = relationship()
