"""The legal clock of a report of concern, and the working days a report meeting may take. Pure.

Socialtjänstlagen asks social services to decide within 14 days of a report whether to open an
investigation; the report meeting is held before that decision. The 14 days are local calendar
days: a report received on 20 October 2027 has its deadline on 3 November, and the deadline
ends at local midnight whatever the clock did in between (the change to winter time on
31 October makes that day 25 hours long, so adding 14 × 24 hours to a moment would end an hour
early). A deadline on a weekend or a holiday is not moved: the meeting must then be held on the
last working day before it, which `last_meeting_day` names.

Working days are weekdays that are not Swedish holidays (the public ones and Midsommarafton,
Julafton, Nyårsafton); on a half day ("från kl. 14.00") a meeting ends by 14.00. Social services
work through the schools' breaks, so a break is a working day here, with a note that the school
may be closed.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from types import MappingProxyType
from zoneinfo import ZoneInfo

from coordinator.i18n import N_, DomainError
from coordinator.terms.calendar import HALF_DAY_ENDS, REASON_WEEKEND, swedish_holidays

DECISION_DAYS = 14  # from receipt to the decision on opening an investigation (socialtjänstlagen)


def deadline_on(received_on: date) -> date:
    """The last day of the 14: the day the decision on an investigation is due."""
    return received_on + timedelta(days=DECISION_DAYS)


def deadline_at(received_on: date, timezone: str) -> datetime:
    """The moment the deadline has passed: local midnight after its last day, built from the wall clock."""
    return datetime.combine(deadline_on(received_on) + timedelta(days=1), time(0, 0), ZoneInfo(timezone))


def days_left(received_on: date, today: date) -> int:
    """Calendar days from today to the deadline's last day: 0 on the day itself, negative once passed."""
    return (deadline_on(received_on) - today).days


def is_in_time(received_on: date, ends_at: datetime, timezone: str) -> bool:
    """Whether a meeting ending at `ends_at` is over before the deadline has passed."""
    return ends_at <= deadline_at(received_on, timezone)


def check_received_on(received_on: date, today: date) -> None:
    """A report cannot have been received on a day that has not come yet."""
    if received_on > today:
        raise DomainError(N_("Anmälan kan inte ha kommit in %(day)s, ett datum som inte har varit än."),
                          day=received_on.isoformat())


@dataclass(frozen=True)
class CaseCalendar:
    """Working days for case meetings: the Swedish holidays and half days, and notes on school breaks.

    `school_notes` maps a day to why the school may be closed then (a break's name, or "utanför
    terminen"); it only labels days, it never takes one away.
    """
    holidays: Mapping[date, str] = field(default_factory=dict)
    half_days: Mapping[date, str] = field(default_factory=dict)
    school_notes: Mapping[date, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("holidays", "half_days", "school_notes"):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))

    @classmethod
    def swedish(cls, first: date, last: date, school_notes: Mapping[date, str] | None = None) -> CaseCalendar:
        """The Swedish holidays and half days of every year from `first` to `last`."""
        free, half = swedish_holidays(range(first.year, last.year + 1))
        return cls(free, half, school_notes or {})

    def free_reason(self, day: date) -> str | None:
        """None on a working day; else why not (a Swedish text: "helg", or the holiday's name)."""
        if day.weekday() >= 5:
            return REASON_WEEKEND
        return self.holidays.get(day)

    def is_working_day(self, day: date) -> bool:
        return self.free_reason(day) is None

    def closes_at(self, day: date) -> time | None:
        """When a half day's working hours end (14.00); None on a whole working day."""
        return HALF_DAY_ENDS if day in self.half_days else None


def last_meeting_day(received_on: date, calendar: CaseCalendar) -> date:
    """The last working day on or before the deadline (the deadline itself when it is one)."""
    day = deadline_on(received_on)
    while not calendar.is_working_day(day) and day > received_on:
        day -= timedelta(days=1)
    return day
