"""The deadlines the product tracks after a meeting, and whether each was met on time. Pure.

Every deadline is stored when it starts and its first fulfilment when it happens, and neither
is cleared later: minutes registered late stay late after they are approved, corrected or
archived, so the register, its exports, the digest and the follow-up all read one fact.

- Minutes are due `minutes_due_days` after the meeting ends (the form's "due within D days");
  met when they are first registered (diarieförda).
- Approval (justering) is due `APPROVAL_DAYS` after the first registration; met when every
  adjuster has confirmed for the first time.
- The report to the committee (where the form reports) is due `REPORT_DAYS` after the first
  approval; met when first reported.
- An action item is due on its `due_on` day; met when closed as done on or before that day.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

APPROVAL_DAYS = 7   # the adjusters have a week to confirm a registered text
REPORT_DAYS = 60    # a district committee meets about monthly, with a summer break


def minutes_due_at(ends_at: datetime, due_days: int) -> datetime:
    """When a meeting's minutes must be registered."""
    return ends_at + timedelta(days=due_days)


def approval_due_at(first_registered_at: datetime) -> datetime:
    return first_registered_at + timedelta(days=APPROVAL_DAYS)


def report_due_at(first_approved_at: datetime) -> datetime:
    return first_approved_at + timedelta(days=REPORT_DAYS)


def was_on_time(due_at: datetime | date | None, met_at: datetime | date | None) -> bool | None:
    """Whether a deadline was met by its time; None while it is not met (or there is none)."""
    if due_at is None or met_at is None:
        return None
    return met_at <= due_at  # type: ignore[operator]


def days_late(due_at: datetime | None, met_at: datetime | None, now: datetime,
              timezone: str = "Europe/Stockholm") -> int:
    """Calendar days past the deadline when it was met (or now, while it is not); 0 when on time, and at
    least 1 when late at all (an hour late on the day itself counts as a day)."""
    if due_at is None:
        return 0
    done = met_at or now
    if done <= due_at:
        return 0
    zone = ZoneInfo(timezone)
    return max(1, (done.astimezone(zone).date() - due_at.astimezone(zone).date()).days)
