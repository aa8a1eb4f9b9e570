"""The protocol register (protokollregistret): every held or coming meeting of a district's term with
the state of its minutes, overdue ones first, and the minutes waiting to be reported to the committee.

Minutes are due `minutes_due_days` after the meeting ends and are overdue while not registered
by then; minutes first registered after their deadline stay *late* whatever happens to them
later (deadlines.py keeps the facts). Published meetings only: drafts have not been sent to anyone and cancelled meetings
get no minutes. Loaded in a handful of queries whatever the number of meetings.
"""
from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from coordinator.agreements.models import MeetingForm
from coordinator.minutes import deadlines
from coordinator.minutes.attendance import Seat, coverage
from coordinator.minutes.models import Attendance, Minutes, MinutesState
from coordinator.minutes.services import is_reportable, meeting_title
from coordinator.org.models import District
from coordinator.planning.models import Meeting, MeetingStatus, forum_meeting
from coordinator.terms.models import Term


class RegisterState(enum.Enum):
    """The minutes' state as the register shows it: the life cycle's, and what comes before it."""
    UPCOMING = "upcoming"          # the meeting has not begun
    NOT_REQUIRED = "not_required"  # the form keeps no minutes here
    MISSING = "missing"
    DRAFT = "draft"
    REGISTERED = "registered"
    APPROVED = "approved"
    REPORTED = "reported"
    ARCHIVED = "archived"


@dataclass(frozen=True)
class RegisterRow:
    meeting_id: int
    title: str
    form_name: str
    starts_at: datetime
    state: RegisterState
    due_at: datetime | None           # when the minutes must be registered; None where none are kept
    is_overdue: bool                  # not registered, and the deadline has passed
    days_late: int                    # days past the deadline when first registered (or now, while overdue)
    minutes_id: int | None
    revision: int | None
    registered_at: datetime | None
    approved_at: datetime | None
    committee_date: date | None
    committee_reference: str | None
    functions_represented: bool | None  # None while attendance is not recorded


def register_state(requires_minutes: bool, has_begun: bool, minutes_state: MinutesState | None) -> RegisterState:
    if minutes_state is not None:
        return RegisterState(minutes_state.value)
    if not requires_minutes:
        return RegisterState.NOT_REQUIRED
    return RegisterState.MISSING if has_begun else RegisterState.UPCOMING


def is_overdue(state: RegisterState, due_at: datetime | None, now: datetime) -> bool:
    """Not registered by the time it was due."""
    return state in (RegisterState.MISSING, RegisterState.DRAFT) and due_at is not None and due_at < now


def in_register_order(rows: Iterable[RegisterRow]) -> list[RegisterRow]:
    """Overdue minutes first, the longest overdue at the top; then every meeting by its start."""
    return sorted(rows, key=lambda r: (not r.is_overdue, r.due_at if r.is_overdue else r.starts_at, r.meeting_id))


def protocol_register(session: Session, district: District, term: Term, now: datetime, *,
                      form_name: str | None = None, state: RegisterState | None = None) -> list[RegisterRow]:
    """The register of a district's term, filtered by form name and state."""
    query = (sa.select(Meeting, Minutes).outerjoin(Minutes, Minutes.meeting_id == Meeting.id)
             .join(Meeting.meeting_form)
             .where(Meeting.district_id == district.id, Meeting.term_id == term.id,
                    Meeting.status == MeetingStatus.SCHEDULED, forum_meeting())
             .options(selectinload(Meeting.meeting_form).selectinload(MeetingForm.functions),
                      selectinload(Meeting.school), selectinload(Meeting.group)))
    if form_name:
        query = query.where(MeetingForm.name == form_name)
    found = session.execute(query).all()
    attendance: dict[int, list[tuple]] = defaultdict(list)
    if found:
        for meeting_id, function, status, school_id in session.execute(
                sa.select(Attendance.meeting_id, Attendance.function, Attendance.status, Attendance.school_id)
                .where(Attendance.meeting_id.in_([m.id for m, _ in found]))):
            attendance[meeting_id].append(Seat(function, status, school_id))
    rows = [_row(meeting, minutes, attendance[meeting.id], now) for meeting, minutes in found]
    return in_register_order(r for r in rows if state is None or r.state is state)


def form_names(session: Session, district: District, term: Term) -> list[str]:
    """The names of the forms with published meetings in the term, for the filter."""
    return list(session.scalars(
        sa.select(MeetingForm.name).join(Meeting, Meeting.meeting_form_id == MeetingForm.id)
        .where(Meeting.district_id == district.id, Meeting.term_id == term.id,
               Meeting.status == MeetingStatus.SCHEDULED, forum_meeting()).distinct().order_by(MeetingForm.name)))


def committee_bundle(session: Session, district: District) -> list[Minutes]:
    """Final minutes of forms that report to the committee, not yet reported, oldest meeting first."""
    candidates = session.scalars(
        sa.select(Minutes).join(Minutes.meeting).join(Meeting.meeting_form)
        .where(Meeting.district_id == district.id, MeetingForm.reports_to_committee,
               Minutes.state.in_([MinutesState.REGISTERED, MinutesState.APPROVED]))
        .options(selectinload(Minutes.meeting).selectinload(Meeting.meeting_form),
                 selectinload(Minutes.adjusters))
        .order_by(Meeting.starts_at, Minutes.id))
    return [m for m in candidates if is_reportable(m)]


def _row(meeting: Meeting, minutes: Minutes | None, attendance: list[tuple], now: datetime) -> RegisterRow:
    form = meeting.meeting_form
    state = register_state(form.requires_minutes, meeting.starts_at <= now, minutes.state if minutes else None)
    due = minutes.due_at if minutes and minutes.due_at else (
        deadlines.minutes_due_at(meeting.ends_at, form.minutes_due_days) if form.requires_minutes or minutes else None)
    overdue = is_overdue(state, due, now)
    registered = minutes.first_registered_at if minutes else None
    late = deadlines.days_late(due, registered, now) if overdue or registered else 0
    return RegisterRow(
        meeting.id, meeting_title(meeting), form.name, meeting.starts_at, state, due, overdue, late,
        minutes.id if minutes else None, minutes.revision if minutes else None,
        minutes.registered_at if minutes else None, minutes.approved_at if minutes else None,
        minutes.committee_date if minutes else None, minutes.committee_reference if minutes else None,
        coverage(form.required_functions, attendance).is_complete,
    )
