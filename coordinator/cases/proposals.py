"""Times to propose for a report meeting: before the deadline, on working days, when everyone invited is free. Pure.

The service passes the people's other meetings (not cancelled) as busy intervals; a proposal
never overlaps one. Slots run through the meeting form's time window in steps of the meeting's
length rounded up to the quarter hour (as the term planner's do), built from the local wall
clock, so 09.00 is 09.00 on both sides of a change between summer and winter time. Weekends and
holidays are skipped, a half day ends at 14.00, and each day offers at most two times — its
first free one and the first free one some hours later — so the proposals spread over the days
left instead of filling the first morning.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from coordinator.cases.deadlines import CaseCalendar

PROPOSALS = 6
PER_DAY = 2
LATER_SAME_DAY = timedelta(hours=3)  # the second time of a day starts at least this long after the first
_QUARTER_HOUR = 15

Interval = tuple[datetime, datetime]


@dataclass(frozen=True)
class Proposal:
    starts_at: datetime  # aware, in the local zone
    ends_at: datetime
    note: str | None = None  # why the school may be closed that day (a break), for the officer to weigh


def propose(calendar: CaseCalendar, busy: Iterable[Interval], *, first_on: date, last_on: date,
            window_start: time, window_end: time, duration_minutes: int, timezone: str,
            not_before: datetime | None = None, count: int = PROPOSALS) -> list[Proposal]:
    """Up to `count` free times from `first_on` to `last_on` (both included), earliest first."""
    zone = ZoneInfo(timezone)
    taken = sorted(busy)
    found: list[Proposal] = []
    day = first_on
    while day <= last_on and len(found) < count:
        if calendar.is_working_day(day):
            found += _day_proposals(calendar, taken, day, window_start, window_end, duration_minutes, zone,
                                    not_before)[:count - len(found)]
        day += timedelta(days=1)
    return found


def clashes(busy: Iterable[Interval], starts_at: datetime, ends_at: datetime) -> bool:
    """Whether a meeting from `starts_at` to `ends_at` overlaps any of the busy intervals."""
    return any(start < ends_at and starts_at < end for start, end in busy)


def _day_proposals(calendar: CaseCalendar, busy: Sequence[Interval], day: date, window_start: time,
                   window_end: time, duration_minutes: int, zone: ZoneInfo,
                   not_before: datetime | None) -> list[Proposal]:
    closes = calendar.closes_at(day)
    last_end = min(window_end, closes) if closes is not None else window_end
    duration = timedelta(minutes=duration_minutes)
    step = timedelta(minutes=-(-duration_minutes // _QUARTER_HOUR) * _QUARTER_HOUR)
    chosen: list[Proposal] = []
    start = datetime.combine(day, window_start, zone)
    while start + duration <= datetime.combine(day, last_end, zone) and len(chosen) < PER_DAY:
        end = start + duration
        later = not chosen or start >= chosen[-1].starts_at + LATER_SAME_DAY
        if later and (not_before is None or start >= not_before) and not clashes(busy, start, end):
            chosen.append(Proposal(start, end, calendar.school_notes.get(day)))
        start = _next(start, step, zone)
    return chosen


def _next(start: datetime, step: timedelta, zone: ZoneInfo) -> datetime:
    """The next slot on the wall clock (aware arithmetic keeps the wall clock, a day never crosses a change)."""
    return (start.replace(tzinfo=None) + step).replace(tzinfo=zone)
