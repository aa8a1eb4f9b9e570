"""A term's calendar as plain values: its teaching days, breaks, Swedish holidays and half days.

Pure: no database and no Flask. The service layer builds a `TermCalendar` from a `Term` row
and its breaks; the planner and the warnings read only this. Bad input raises
`DomainError` with a Swedish message template.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache, cached_property
from types import MappingProxyType
from typing import Protocol
from zoneinfo import ZoneInfo

from coordinator.i18n import N_, DomainError

DEFAULT_TIMEZONE = "Europe/Stockholm"
AUTUMN, SPRING = "HT", "VT"  # höstterminen, vårterminen

# Break kinds: the values of `coordinator.terms.models.BreakKind`, with their Swedish names.
BREAK_NAMES: Mapping[str, str] = MappingProxyType({
    "hostlov": N_("Höstlov"),
    "jullov": N_("Jullov"),
    "sportlov": N_("Sportlov"),
    "pasklov": N_("Påsklov"),
    "study_day": N_("Studiedag"),
    "other": N_("Lov"),
})

# The Swedish names the `holidays` package gives the free days and half days: marked here so that the
# catalogue shows them in English (tests/unit/test_calendar_names.py keeps this list and the package in step).
HOLIDAY_NAMES = (
    N_("Nyårsdagen"),
    N_("Trettondedag jul"),
    N_("Långfredagen"),
    N_("Påskdagen"),
    N_("Annandag påsk"),
    N_("Första maj"),
    N_("Kristi himmelsfärdsdag"),
    N_("Nationaldagen"),
    N_("Pingstdagen"),
    N_("Midsommardagen"),
    N_("Alla helgons dag"),
    N_("Juldagen"),
    N_("Annandag jul"),
    N_("Midsommarafton"),
    N_("Julafton"),
    N_("Nyårsafton"),
    N_("Trettondagsafton (från kl. 14.00)"),
    N_("Skärtorsdagen (från kl. 14.00)"),
    N_("Valborgsmässoafton (från kl. 14.00)"),
    N_("Allahelgonsafton (från kl. 14.00)"),
    N_("Dag före Kristi himmelsfärdsdag (från kl. 14.00)"),
    N_("Dag före Midsommarafton (från kl. 14.00)"),
    N_("Dag före Pingstafton (från kl. 14.00)"),
    N_("Dag före Julafton (från kl. 14.00)"),
    N_("Dag före Nyårsafton (från kl. 14.00)"),
)

# A term's name in the reader's language: "HT2027" in Swedish, "Autumn term 2027" in English.
TERM_LABELS: Mapping[str, str] = MappingProxyType({AUTUMN: N_("HT%(year)d"), SPRING: N_("VT%(year)d")})

# Why a meeting time is not a school day's (besides a holiday's or a break's own name).
REASON_WEEKEND = N_("helg")
REASON_OUTSIDE_TERM = N_("utanför terminen")
REASON_HALF_DAY = N_("halvdag, ledigt från kl. 14.00")
HALF_DAY_ENDS = time(14, 0)

_TERM_NAME = re.compile(r"(HT|VT)(\d{4})")


def term_label(name: str, gettext: Callable[[str], str]) -> str:
    """A term's name for a reader: HT2027 in Swedish, "Autumn term 2027" in English (`gettext` is the reader's
    catalogue); a name that is not a term's is shown as it is."""
    try:
        half, year = parse_term_name(name)
    except DomainError:
        return name
    return gettext(TERM_LABELS[half]) % {"year": year}


def break_label(name: str, kind: str, gettext: Callable[[str], str]) -> str:
    """A break's own name as typed, or its kind's default name in the reader's language (Höstlov, Autumn break)."""
    return gettext(name) if name == BREAK_NAMES.get(kind) else name


def parse_term_name(name: str) -> tuple[str, int]:
    """("HT", 2027) from "HT2027": HT is the autumn term, VT the spring term."""
    match = _TERM_NAME.fullmatch(name.strip().upper())
    if match is None:
        raise DomainError(N_("Okänt terminsnamn ”%(name)s”: skriv HT eller VT följt av året, "
                             "till exempel HT2027 eller VT2028."), name=name)
    return match.group(1), int(match.group(2))


def swedish_holidays(years: Iterable[int]) -> tuple[dict[date, str], dict[date, str]]:
    """Swedish free days and half days ("från kl. 14.00") of `years`, by date, named in Swedish.

    Free days are the public holidays plus the de-facto ones (Midsommarafton, Julafton,
    Nyårsafton); Sundays count only when they are holidays by name (Påskdagen ...).
    """
    free, half = _swedish_holidays(tuple(sorted(set(years))))
    return dict(free), dict(half)


@cache
def _swedish_holidays(years: tuple[int, ...]) -> tuple[tuple[tuple[date, str], ...], ...]:
    # building the package's tables takes milliseconds; terms ask for the same years again and again
    import holidays as holidays_package  # 3.6 MB: by the first term's calendar, not every worker (decisions.md 80)

    options = {"years": years, "language": "sv", "include_sundays": False}
    free = holidays_package.country_holidays("SE", categories=("public", "de_facto"), **options)
    # the bank category repeats the de-facto free days; only the rest are half days
    bank = holidays_package.country_holidays("SE", categories=("bank",), **options)
    half = {day: name for day, name in bank.items() if day not in free}
    return tuple(sorted(free.items())), tuple(sorted(half.items()))


@dataclass(frozen=True)
class Break:
    """A holiday week (höstlov, jullov, sportlov, påsklov), a study day or another break, both ends included."""
    kind: str
    starts_on: date
    ends_on: date
    name: str = ""  # empty: the kind's Swedish name

    def __post_init__(self) -> None:
        # accept the database's BreakKind enum as well as its value
        kind = getattr(self.kind, "value", self.kind)
        if kind not in BREAK_NAMES:
            raise DomainError(N_("Okänd sorts lov: %(kind)s."), kind=kind)
        object.__setattr__(self, "kind", kind)
        if not self.name:
            object.__setattr__(self, "name", BREAK_NAMES[kind])
        if self.ends_on < self.starts_on:
            raise DomainError(N_("%(name)s slutar %(ends_on)s, före sin början %(starts_on)s."),
                              name=self.name, starts_on=self.starts_on, ends_on=self.ends_on)

    def covers(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on


class TermDates(Protocol):
    """Anything named with start and end dates: a `TermCalendar`, or a `Term` row."""
    name: str
    starts_on: date
    ends_on: date


@dataclass(frozen=True)
class TermCalendar:
    """A term (HT2027, VT2028) with its breaks, the year's holidays and half days.

    `holidays` and `half_days` may span more than the term; only the term's days are read.
    """
    name: str
    starts_on: date
    ends_on: date
    breaks: tuple[Break, ...] = ()
    holidays: Mapping[date, str] = field(default_factory=dict)
    half_days: Mapping[date, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        parse_term_name(self.name)
        if self.ends_on < self.starts_on:
            raise DomainError(N_("Terminen %(term)s slutar %(ends_on)s, före sin början %(starts_on)s."),
                              term=self.name, starts_on=self.starts_on, ends_on=self.ends_on)
        for term_break in self.breaks:
            if term_break.starts_on < self.starts_on or term_break.ends_on > self.ends_on:
                raise DomainError(
                    N_("%(name)s %(break_starts_on)s–%(break_ends_on)s ligger utanför terminen "
                       "%(term)s (%(starts_on)s–%(ends_on)s)."),
                    name=term_break.name, break_starts_on=term_break.starts_on,
                    break_ends_on=term_break.ends_on, term=self.name,
                    starts_on=self.starts_on, ends_on=self.ends_on)
        object.__setattr__(self, "breaks", tuple(sorted(self.breaks, key=lambda b: (b.starts_on, b.ends_on))))
        # read-only copies, so a frozen calendar stays what it was when built
        object.__setattr__(self, "holidays", MappingProxyType(dict(self.holidays)))
        object.__setattr__(self, "half_days", MappingProxyType(dict(self.half_days)))

    @classmethod
    def with_swedish_holidays(
        cls, name: str, starts_on: date, ends_on: date, breaks: Iterable[Break] = ()
    ) -> TermCalendar:
        """The term with the Swedish holidays and half days of every year it spans."""
        free, half = swedish_holidays(range(starts_on.year, max(starts_on.year, ends_on.year) + 1))
        return cls(name, starts_on, ends_on, tuple(breaks), free, half)

    @property
    def season(self) -> str:
        """"HT" (autumn) or "VT" (spring)."""
        return parse_term_name(self.name)[0]

    def teaching_days(self) -> list[date]:
        """The term's weekdays that are neither a holiday nor inside a break, in order."""
        return list(self._teaching_days)

    def is_teaching_day(self, day: date) -> bool:
        return day in self._teaching_day_set

    def is_half_day(self, day: date) -> bool:
        return day in self.half_days

    def teaching_weeks(self) -> list[list[date]]:
        """The teaching days grouped by ISO week, for the weeks that have any, in order."""
        weeks: list[list[date]] = []
        for day in self._teaching_days:
            if weeks and weeks[-1][0].isocalendar()[:2] == day.isocalendar()[:2]:
                weeks[-1].append(day)
            else:
                weeks.append([day])
        return weeks

    def free_reason(self, start: datetime, end: datetime, *, timezone: str = DEFAULT_TIMEZONE) -> str | None:
        """None when a meeting from `start` to `end` (local time) falls on school time; else why not.

        Aware datetimes are read in `timezone`. The reason is a Swedish text: the holiday's
        or the break's name, or one of the REASON_* texts.
        """
        if start.tzinfo is not None:
            zone = ZoneInfo(timezone)
            start, end = start.astimezone(zone).replace(tzinfo=None), end.astimezone(zone).replace(tzinfo=None)
        day = start.date()
        while True:
            reason = self._day_reason(day)
            # a half day is free from 14.00: the meeting may not run on into the afternoon
            ends_that_day = min(end, _at(day + timedelta(days=1)))
            if reason is None and day in self.half_days and ends_that_day > _at(day, HALF_DAY_ENDS):
                reason = REASON_HALF_DAY
            if reason is not None:
                return reason
            day += timedelta(days=1)
            if _at(day) >= end:
                return None

    def _day_reason(self, day: date) -> str | None:
        if not self.starts_on <= day <= self.ends_on:
            return REASON_OUTSIDE_TERM
        if day.weekday() >= 5:
            return REASON_WEEKEND
        if day in self.holidays:
            return self.holidays[day]
        for term_break in self.breaks:
            if term_break.covers(day):
                return term_break.name
        return None

    # cached_property writes to the instance's __dict__, which a frozen dataclass allows
    @cached_property
    def _teaching_days(self) -> tuple[date, ...]:
        days = (self.starts_on + timedelta(days=n) for n in range((self.ends_on - self.starts_on).days + 1))
        return tuple(day for day in days if self._day_reason(day) is None)

    @cached_property
    def _teaching_day_set(self) -> frozenset[date]:
        return frozenset(self._teaching_days)


def check_no_overlap(terms: Iterable[TermDates]) -> None:
    """Raise when two terms of one municipality share a name or a day."""
    ordered = sorted(terms, key=lambda term: (term.starts_on, term.ends_on, term.name))
    seen: set[str] = set()
    for term in ordered:
        if term.name in seen:
            raise DomainError(N_("Terminen %(term)s finns redan."), term=term.name)
        seen.add(term.name)
    for earlier, later in zip(ordered, ordered[1:]):
        if later.starts_on <= earlier.ends_on:
            raise DomainError(
                N_("Terminerna %(first)s (%(first_starts_on)s–%(first_ends_on)s) och %(second)s "
                   "(%(second_starts_on)s–%(second_ends_on)s) överlappar."),
                first=earlier.name, first_starts_on=earlier.starts_on, first_ends_on=earlier.ends_on,
                second=later.name, second_starts_on=later.starts_on, second_ends_on=later.ends_on)


def _at(day: date, clock: time = time(0, 0)) -> datetime:
    return datetime.combine(day, clock)
