"""Which slots recurring consultation hours offer: window arithmetic on the terms' school days. Pure.

Hours are a weekday's window (13.00–15.00) cut into slots of a fixed length (20 minutes: 13.00,
13.20 … 14.40), from one date to another. A slot exists only on a teaching day of a term: not on a
weekend, a Swedish holiday or a break (höstlov, jullov, sportlov, påsklov, study days), not on a half
day after 14.00, and not outside the terms — so not in the summer between VT and HT, when school
staff are off; the intake group is reached by phone then (docs/decisions.md §41). What is left of a
window that is not a whole number of slots (13.00–15.00 in 25-minute slots ends at 14.40) stays unused.

Times are wall-clock times in the site's zone, turned into instants per day, so a Tuesday 13.00 slot
is 12.00 UTC in winter and 11.00 UTC in summer. Weekends are never school days, so the hours never
meet a daylight-saving change (always on a Sunday night).
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from coordinator.i18n import N_, DomainError
from coordinator.terms.calendar import DEFAULT_TIMEZONE, TermCalendar

SHORTEST_SLOT, LONGEST_SLOT = 5, 240  # minutes
FRIDAY = 4
WEEKDAY_NAMES = (N_("måndagar"), N_("tisdagar"), N_("onsdagar"), N_("torsdagar"), N_("fredagar"))


@dataclass(frozen=True)
class HoursSpec:
    """What the intake group publishes: on `weekday` (0 = Monday), `window_start`–`window_end` in slots
    of `slot_minutes`, from `starts_on` to `ends_on` (both included)."""
    weekday: int
    window_start: time
    window_end: time
    slot_minutes: int
    starts_on: date
    ends_on: date


@dataclass(frozen=True, order=True)
class Slot:
    """One bookable time of one series of hours; times are aware, in UTC."""
    starts_at: datetime
    ends_at: datetime
    hours_id: int = 0

    @property
    def key(self) -> str:
        """How a page names the slot in a form: "<hours id>:<start as UTC ISO>"."""
        return f"{self.hours_id}:{self.starts_at.astimezone(UTC).strftime('%Y-%m-%dT%H:%MZ')}"


def parse_key(key: str) -> tuple[int, datetime] | None:
    """(hours id, start) from a slot key, or None when it is not one."""
    hours, _, moment = (key or "").partition(":")
    try:
        return int(hours), datetime.strptime(moment, "%Y-%m-%dT%H:%MZ").replace(tzinfo=UTC)
    except ValueError:
        return None


def check_hours(spec: HoursSpec) -> None:
    """Raise DomainError (Swedish) when the hours cannot give a single slot as written."""
    if not 0 <= spec.weekday <= FRIDAY:
        raise DomainError(N_("Konsultationstider läggs på en vardag, måndag till fredag."))
    if not SHORTEST_SLOT <= spec.slot_minutes <= LONGEST_SLOT:
        raise DomainError(N_("En tid är mellan %(shortest)d och %(longest)d minuter lång."),
                          shortest=SHORTEST_SLOT, longest=LONGEST_SLOT)
    if spec.window_end <= spec.window_start:
        raise DomainError(N_("Tiden slutar %(end)s, före eller samtidigt som den börjar %(start)s."),
                          start=_clock(spec.window_start), end=_clock(spec.window_end))
    if not slot_starts(spec):
        raise DomainError(N_("%(start)s–%(end)s rymmer ingen tid på %(minutes)d minuter."),
                          start=_clock(spec.window_start), end=_clock(spec.window_end), minutes=spec.slot_minutes)
    if spec.ends_on < spec.starts_on:
        raise DomainError(N_("Sista dagen %(ends_on)s ligger före första dagen %(starts_on)s."),
                          starts_on=spec.starts_on, ends_on=spec.ends_on)


def slot_starts(spec: HoursSpec) -> list[time]:
    """The slots' wall-clock starts in the window: every `slot_minutes` while a whole slot still fits."""
    first, last = _minutes(spec.window_start), _minutes(spec.window_end)
    return [time(m // 60, m % 60) for m in range(first, last - spec.slot_minutes + 1, spec.slot_minutes)]


def slots(spec: HoursSpec, calendars: Iterable[TermCalendar], first_day: date, last_day: date, *,
          hours_id: int = 0, timezone: str = DEFAULT_TIMEZONE) -> list[Slot]:
    """The slots of the hours from `first_day` to `last_day` (both included), in order."""
    zone, terms = ZoneInfo(timezone), sorted(calendars, key=lambda c: c.starts_on)
    starts, length = slot_starts(spec), timedelta(minutes=spec.slot_minutes)
    found = []
    for day in _weekdays(spec, max(first_day, spec.starts_on), min(last_day, spec.ends_on)):
        term = next((t for t in terms if t.starts_on <= day <= t.ends_on), None)
        if term is None or not term.is_teaching_day(day):
            continue
        for start in starts:
            local = datetime.combine(day, start)
            starts_at, ends_at = local.replace(tzinfo=zone), (local + length).replace(tzinfo=zone)
            if term.free_reason(starts_at, ends_at, timezone=timezone) is None:  # a half day's afternoon is off
                found.append(Slot(starts_at.astimezone(UTC), ends_at.astimezone(UTC), hours_id))
    return found


def overlaps(first: HoursSpec, second: HoursSpec) -> bool:
    """Whether two series of hours could ever hold the same moment (same weekday, dates and times meet)."""
    return (first.weekday == second.weekday
            and first.starts_on <= second.ends_on and second.starts_on <= first.ends_on
            and first.window_start < second.window_end and second.window_start < first.window_end)


def _weekdays(spec: HoursSpec, first: date, last: date) -> Iterator[date]:
    day = first + timedelta(days=(spec.weekday - first.weekday()) % 7)
    while day <= last:
        yield day
        day += timedelta(days=7)


def _minutes(moment: time) -> int:
    return moment.hour * 60 + moment.minute


def _clock(moment: time) -> str:
    return moment.strftime("%H.%M")
