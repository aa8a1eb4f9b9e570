"""Tables of planned meetings and who is invited to them."""
from __future__ import annotations

import enum
import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coordinator.agreements.models import MeetingForm
from coordinator.db import Base, enum_column
from coordinator.org.functions import Function, Level
from coordinator.org.models import District, Person, School, SchoolGroup
from coordinator.terms.models import Term


# The series key of a meeting booked for one case (a report meeting, coordinator/cases/): such meetings are
# seen by their invitees and the intake group only, never in the forums' plan, register, feeds or follow-up.
CASE_SERIES = "case:"


class MeetingStatus(enum.Enum):
    DRAFT = "draft"          # planned, not yet published
    SCHEDULED = "scheduled"  # published to the invitees
    CANCELLED = "cancelled"


class Meeting(Base):
    """One meeting of a meeting form's series in a term."""
    __tablename__ = "meeting"
    __table_args__ = (sa.Index("ix_meeting_term_series", "term_id", "series_key"),
                      sa.Index("ix_meeting_district_term", "district_id", "term_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(sa.String(120), unique=True)  # the calendar UID, stable for life
    meeting_form_id: Mapped[int] = mapped_column(sa.ForeignKey("meeting_form.id"), index=True)
    term_id: Mapped[int] = mapped_column(sa.ForeignKey("term.id"))
    series_key: Mapped[str] = mapped_column(sa.String(80))
    district_id: Mapped[int | None] = mapped_column(sa.ForeignKey("district.id"), index=True)
    school_id: Mapped[int | None] = mapped_column(sa.ForeignKey("school.id"))
    group_id: Mapped[int | None] = mapped_column(sa.ForeignKey("school_group.id"))
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    place: Mapped[str | None] = mapped_column(sa.String(300))
    video_url: Mapped[str | None] = mapped_column(sa.String(500))
    agenda: Mapped[str | None] = mapped_column(sa.Text)  # sent with the invitation and the pre-meeting reminder
    status: Mapped[MeetingStatus] = mapped_column(enum_column(MeetingStatus), default=MeetingStatus.DRAFT)
    is_moved_by_hand: Mapped[bool] = mapped_column(default=False)
    is_added_by_hand: Mapped[bool] = mapped_column(default=False)
    sequence: Mapped[int] = mapped_column(default=0)  # the calendar SEQUENCE, raised on each re-sent change
    created_at: Mapped[datetime]
    published_at: Mapped[datetime | None]
    published_by: Mapped[str | None] = mapped_column(sa.String(254))
    cancelled_at: Mapped[datetime | None]

    meeting_form: Mapped[MeetingForm] = relationship()
    term: Mapped[Term] = relationship()
    district: Mapped[District | None] = relationship()
    school: Mapped[School | None] = relationship()
    group: Mapped[SchoolGroup | None] = relationship()
    invitations: Mapped[list[Invitation]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="Invitation.person_id"
    )

    @property
    def is_cancelled(self) -> bool:
        return self.status is MeetingStatus.CANCELLED

    @property
    def is_case_meeting(self) -> bool:
        return self.series_key.startswith(CASE_SERIES)


def forum_meeting() -> sa.ColumnElement[bool]:
    """A meeting of the agreement's forums, not one booked for a case (CASE_SERIES)."""
    return ~Meeting.series_key.startswith(CASE_SERIES, autoescape=True)


class Answer(enum.Enum):
    """An invitee's answer, named as the calendar's PARTSTAT."""
    NEEDS_ACTION = "needs-action"
    ACCEPTED = "accepted"
    TENTATIVE = "tentative"
    DECLINED = "declined"
    DELEGATED = "delegated"  # sent their deputy (or a colleague), who has an invitation of their own

    @property
    def partstat(self) -> str:
        return self.value.upper()


def new_rsvp_key() -> str:
    return secrets.token_urlsafe(12)


def invited_school(function: Function | None, school_id: int | None) -> int | None:
    """The school an invitee stands for: their own, when they are invited for a function held at schools."""
    return school_id if function is not None and function.level is Level.SCHOOL else None


class Invitation(Base):
    """A person invited to a meeting, for the function they hold there, and their answer.

    A removed invitee's row stays (`removed_at`), so their CANCEL and their history remain;
    `rsvp_key` goes into the signed RSVP links and is renewed to make old links stop working.
    """
    __tablename__ = "invitation"
    # the follow-up's aggregates read invitations per meeting by index alone on PostgreSQL (migration 0014)
    __table_args__ = (sa.Index("ix_invitation_followup", "meeting_id", postgresql_include=[
        "school_id", "answer", "answered_via", "answered_at", "removed_at", "delegated_from_id"]),)

    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meeting.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), primary_key=True, index=True)
    function: Mapped[Function | None] = mapped_column(enum_column(Function))
    # the party school the person is invited for (school functions only; a deputy: the school they stand for)
    school_id: Mapped[int | None] = mapped_column(sa.ForeignKey("school.id"))
    answer: Mapped[Answer] = mapped_column(enum_column(Answer), default=Answer.NEEDS_ACTION,
                                           server_default=Answer.NEEDS_ACTION.value)
    answered_at: Mapped[datetime | None]
    answered_via: Mapped[str | None] = mapped_column(sa.String(16))  # "link", "calendar", "organiser"
    answer_sequence: Mapped[int | None]  # the meeting SEQUENCE the answer was given to (stale REPLYs lose)
    delegated_to_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"))
    delegated_from_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"))  # stands in for
    removed_at: Mapped[datetime | None]
    rsvp_key: Mapped[str] = mapped_column(sa.String(32), default=new_rsvp_key, server_default="")
    sent_sequence: Mapped[int | None]  # the SEQUENCE of the last REQUEST or CANCEL queued to this person

    meeting: Mapped[Meeting] = relationship(back_populates="invitations")
    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    delegated_to: Mapped[Person | None] = relationship(foreign_keys=[delegated_to_id])
    delegated_from: Mapped[Person | None] = relationship(foreign_keys=[delegated_from_id])

    @property
    def is_active(self) -> bool:
        """Still expected at the meeting: not removed and not handed over to a deputy."""
        return self.removed_at is None and self.answer is not Answer.DELEGATED

    @property
    def calendar_sequence(self) -> int:
        """The version of the meeting in the person's calendar: the SEQUENCE they were last sent."""
        return self.sent_sequence if self.sent_sequence is not None else self.meeting.sequence

    @property
    def next_sequence(self) -> int:
        """The SEQUENCE of a message that changes the person's copy: newer than any they were sent (Outlook
        and Google drop one that is not), and never older than the meeting's own."""
        if self.sent_sequence is None:
            return self.meeting.sequence
        return max(self.meeting.sequence, self.sent_sequence + 1)
