"""What each role's front page shows: a director's term at a glance, a participant's own meetings and work, an
intake officer's open reports and the day's consultations.

Plain queries over a session, with the time passed in; the view (`org.views.home`) only renders them."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from coordinator.cases.models import ReportOfConcern
from coordinator.cases.services import district_reports
from coordinator.consultations.models import ConsultationBooking
from coordinator.consultations.services import bookings_between
from coordinator.minutes.register import RegisterState, protocol_register
from coordinator.org.models import District
from coordinator.planning.models import CASE_SERIES, Answer, Invitation, Meeting, MeetingStatus
from coordinator.terms.models import Term


@dataclass(frozen=True)
class TermAtAGlance:
    """A district's term: what is planned, what is answered, what is missing."""
    term: Term
    drafts: int               # planned, not yet published
    published: int            # published and not cancelled
    cancelled: int
    coming: int               # published meetings still to come
    answered: int             # invitations to the coming meetings that have an answer
    not_answered: int         # ... and those that have none
    minutes_missing: int      # held meetings whose minutes are missing
    minutes_overdue: int      # ... of them and of the drafts, past their due time


def term_at_a_glance(session: Session, district: District, term: Term, now: datetime) -> TermAtAGlance:
    meetings = sa.select(Meeting.status, sa.func.count()).where(
        Meeting.district_id == district.id, Meeting.term_id == term.id, Meeting.series_key.not_like(f"{CASE_SERIES}%")
    ).group_by(Meeting.status)
    by_status = dict(session.execute(meetings).all())
    by_answer = dict(session.execute(
        sa.select(Invitation.answer, sa.func.count()).join(Invitation.meeting)
        .where(Meeting.district_id == district.id, Meeting.term_id == term.id,
               Meeting.status == MeetingStatus.SCHEDULED, Meeting.starts_at >= now, Invitation.removed_at.is_(None))
        .group_by(Invitation.answer)).all())
    not_answered = by_answer.pop(Answer.NEEDS_ACTION, 0)
    coming = session.scalar(sa.select(sa.func.count()).where(
        Meeting.district_id == district.id, Meeting.term_id == term.id, Meeting.status == MeetingStatus.SCHEDULED,
        Meeting.starts_at >= now, Meeting.series_key.not_like(f"{CASE_SERIES}%"))) or 0
    rows = protocol_register(session, district, term, now)
    return TermAtAGlance(
        term=term, drafts=by_status.get(MeetingStatus.DRAFT, 0), published=by_status.get(MeetingStatus.SCHEDULED, 0),
        cancelled=by_status.get(MeetingStatus.CANCELLED, 0), coming=coming, answered=sum(by_answer.values()),
        not_answered=not_answered, minutes_missing=sum(r.state is RegisterState.MISSING for r in rows),
        minutes_overdue=sum(r.is_overdue for r in rows))


def coming_invitations(session: Session, person_id: int, now: datetime) -> list[Invitation]:
    """The person's invitations to published meetings still to come, soonest first."""
    return list(session.scalars(
        sa.select(Invitation).join(Invitation.meeting)
        .where(Invitation.person_id == person_id, Invitation.removed_at.is_(None),
               Meeting.status == MeetingStatus.SCHEDULED, Meeting.ends_at >= now)
        .options(selectinload(Invitation.meeting).selectinload(Meeting.meeting_form))
        .order_by(Meeting.starts_at, Meeting.id)))


def past_invitations(session: Session, person_id: int, now: datetime, limit: int = 10) -> list[Invitation]:
    """The person's latest held meetings (their minutes are theirs to read), latest first."""
    return list(session.scalars(
        sa.select(Invitation).join(Invitation.meeting)
        .where(Invitation.person_id == person_id, Invitation.removed_at.is_(None),
               Meeting.status == MeetingStatus.SCHEDULED, Meeting.ends_at < now)
        .options(selectinload(Invitation.meeting).selectinload(Meeting.meeting_form))
        .order_by(Meeting.starts_at.desc(), Meeting.id.desc()).limit(limit)))


@dataclass(frozen=True)
class IntakeDesk:
    """An intake officer's day: the district's open reports, the nearest deadline first, and the day's bookings."""
    open_reports: list[ReportOfConcern]
    bookings: list[ConsultationBooking]   # starting today (local time), cancelled ones too


def intake_desk(session: Session, district: District, today: date, timezone: str) -> IntakeDesk:
    reports = district_reports(session, district.id, today)
    return IntakeDesk(open_reports=[r for r in reports if r.is_open],
                      bookings=bookings_between(session, district, today, today, timezone=timezone))
