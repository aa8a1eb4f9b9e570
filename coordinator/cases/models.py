"""The table of reports of concern (orosanmälningar) from schools and what became of their report meetings.

A report carries the meeting structure of one case and never who the child is: the receiving
district, the reporting school, the reporter, social services' own case reference (checked by
the identity-number guard), the deadline, the booked meeting and its outcome. Dates and
deadlines are stored as facts when they happen (docs/decisions.md §21), so the follow-up counts
what was true then. A report entered by mistake is withdrawn with a reason, never deleted.
"""
from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coordinator.db import Base, enum_column
from coordinator.i18n import N_
from coordinator.org.models import District, Person, School
from coordinator.planning.models import CASE_SERIES, Meeting, MeetingStatus
from coordinator.terms.models import Term

REPORT_SERIES = f"{CASE_SERIES}report:"  # a report meeting's series key: case:report:<report id>


class Outcome(enum.Enum):
    HELD = "held"                        # the report meeting was held
    DECLINED = "declined"                # a meeting was offered and declined
    NOT_APPROPRIATE = "not_appropriate"  # no meeting: social services judged it inappropriate (a reason)
    NOT_HELD_IN_TIME = "not_held_in_time"


class NotAppropriateReason(enum.Enum):
    """Why a report meeting was not appropriate: a short list, so no free text about the child is asked for."""
    SUSPECTED_CRIME = "suspected_crime"          # the meeting could harm the child or a police investigation
    ONGOING_INVESTIGATION = "ongoing_investigation"  # the child is already in an investigation
    MOVED = "moved"                              # the family has moved; the case went to another authority
    OTHER = "other"                              # another reason, documented in social services' own records


OUTCOME_NAMES = {
    Outcome.HELD: N_("Mötet hölls"),
    Outcome.DECLINED: N_("Erbjöds men avböjdes"),
    Outcome.NOT_APPROPRIATE: N_("Inte lämpligt"),
    Outcome.NOT_HELD_IN_TIME: N_("Hölls inte i tid"),
}

REASON_NAMES = {
    NotAppropriateReason.SUSPECTED_CRIME: N_("Misstanke om våld eller brott mot barnet: mötet kan skada barnet "
                                             "eller en polisutredning"),
    NotAppropriateReason.ONGOING_INVESTIGATION: N_("Barnet är redan aktuellt i en pågående utredning"),
    NotAppropriateReason.MOVED: N_("Familjen har flyttat; ärendet har lämnats över till en annan kommun eller "
                                   "stadsdel"),
    NotAppropriateReason.OTHER: N_("Annat skäl, dokumenterat i socialtjänstens akt"),
}


class ReportOfConcern(Base):
    """A report of concern from a school, received by a district's intake group."""
    __tablename__ = "report_of_concern"
    __table_args__ = (sa.Index("ix_report_of_concern_district_term", "district_id", "term_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(sa.ForeignKey("district.id"))
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"), index=True)
    # the term it is followed up in: the last term begun on its receipt day (terms/services.current_term)
    term_id: Mapped[int | None] = mapped_column(sa.ForeignKey("term.id"))
    received_on: Mapped[date]
    deadline_on: Mapped[date]  # the decision on opening an investigation: 14 days after receipt
    case_reference: Mapped[str] = mapped_column(sa.String(60))  # social services' own reference, never an identity
    reporter_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    recorded_at: Mapped[datetime]
    recorded_by: Mapped[str] = mapped_column(sa.String(254))
    meeting_id: Mapped[int | None] = mapped_column(sa.ForeignKey("meeting.id"))  # the latest booking
    first_booked_at: Mapped[datetime | None]  # when a meeting was first offered, kept through rebookings
    late_reason: Mapped[str | None] = mapped_column(sa.String(500))  # why the booked time is after the deadline
    outcome: Mapped[Outcome | None] = mapped_column(enum_column(Outcome))
    not_appropriate_reason: Mapped[NotAppropriateReason | None] = mapped_column(enum_column(NotAppropriateReason))
    held_on: Mapped[date | None]  # the local day the meeting was held
    outcome_at: Mapped[datetime | None]
    outcome_by: Mapped[str | None] = mapped_column(sa.String(254))
    withdrawn_at: Mapped[datetime | None]
    withdrawn_by: Mapped[str | None] = mapped_column(sa.String(254))
    withdrawal_reason: Mapped[str | None] = mapped_column(sa.String(500))

    district: Mapped[District] = relationship()
    school: Mapped[School] = relationship()
    term: Mapped[Term | None] = relationship()
    reporter: Mapped[Person] = relationship()
    meeting: Mapped[Meeting | None] = relationship()

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def is_open(self) -> bool:
        """Still to be seen to: neither withdrawn nor with an outcome."""
        return not self.is_withdrawn and self.outcome is None

    @property
    def booked(self) -> Meeting | None:
        """The booked meeting when it is still on (not cancelled)."""
        meeting = self.meeting
        return meeting if meeting is not None and meeting.status is MeetingStatus.SCHEDULED else None
