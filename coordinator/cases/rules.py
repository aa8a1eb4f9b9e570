"""When the intake group is told about its reports, and when an external reporter's contact is no longer
needed: pure rules over plain facts and `now`, no database.

- A report still open (no outcome, not withdrawn) with no meeting on gets one reminder, at the
  reminder hour of the day `reminder_days` after receipt, to each of the district's intake people.
- Each working day (not a weekend or holiday) from the reminder hour, each intake person gets the
  list of the district's open reports with their deadlines, when there is any.
- An external reporter's name and address are needed until the last of their reports is done
  with: its meeting over, its outcome recorded or the report withdrawn, whichever is last (a
  report that never got any of these: its deadline); they are erased `contact_days` after that.
Dedupe keys name the occasion, so a sweep that runs late, twice or in two processes queues once.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from coordinator.cases.deadlines import CaseCalendar, deadline_at
from coordinator.reminders.rules import Timing


@dataclass(frozen=True)
class OpenReport:
    report_id: int
    district_id: int
    received_on: date
    has_meeting: bool  # a booked meeting that is still on


def unbooked_reminder_due(report: OpenReport, now: datetime, reminder_days: int, timing: Timing) -> bool:
    """Whether the open report without a meeting owes the intake group its reminder at `now`."""
    return not report.has_meeting and now >= timing.morning(report.received_on + timedelta(days=reminder_days))


def deadline_list_due(now: datetime, calendar: CaseCalendar, timing: Timing) -> date | None:
    """The day whose list of deadlines is due at `now` (today, on a working day after the reminder hour), or None."""
    today = timing.local_day(now)
    return today if calendar.is_working_day(today) and now >= timing.morning(today) else None


def unbooked_key(report_id: int, person_id: int) -> str:
    return f"concern_unbooked:{report_id}:{person_id}"


def deadlines_key(district_id: int, person_id: int, day: date) -> str:
    return f"concern_deadlines:{district_id}:{person_id}:{day.isoformat()}"


@dataclass(frozen=True)
class ContactUse:
    """One report an external reporter made, as far as their contact is needed for it."""
    received_on: date
    meeting_ends_at: datetime | None = None  # the booked meeting, when it is still on
    outcome_at: datetime | None = None
    withdrawn_at: datetime | None = None

    def done_at(self, timezone: str) -> datetime:
        moments = [m for m in (self.meeting_ends_at, self.outcome_at, self.withdrawn_at) if m is not None]
        return max(moments) if moments else deadline_at(self.received_on, timezone)


def erasure_due(uses: Iterable[ContactUse], now: datetime, contact_days: int, timezone: str) -> bool:
    """Whether an external reporter's contact may be erased at `now` (a contact no report uses: at once)."""
    done = [use.done_at(timezone) for use in uses]
    return not done or now >= max(done) + timedelta(days=contact_days)
