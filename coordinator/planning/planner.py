"""The term planner: each series' meetings of a term, on school time, spread evenly, nobody double-booked.

Pure: plain values in, plain values out; no database, no Flask, no clock. The service layer
turns an agreement's meeting forms into `SeriesSpec`s (one per series: a district form,
each party school of a per-school form, each group), passes the term's meetings already
stored as `ExistingMeeting`s, and writes back the `PlannedMeeting`s and `PlanWarning`s.

The rules, in the order they apply to each series (series in the order of their keys):
- How many: per_term n -> n; per_year n -> ceil(n/2) in HT, floor(n/2) in VT; monthly ->
  one per calendar month with teaching days; on_demand -> none.
- Where: the term's teaching weeks are split into n equal consecutive segments (a monthly
  series: one segment per month) and each meeting aims at the middle week of its segment
  (the earlier of two middles), on the preferred weekday or else the nearest teaching day
  of that week, later days first, at the start of the time window.
- Clashes: a slot is taken only when none of its persons is busy then (meetings planned in
  this run, existing ones not cancelled). Otherwise the next slot of the window (a step of
  the duration, rounded up to the quarter hour), then the next teaching day, forward to
  the term's end; only when that is full, from the term's start. Half days end at 14.00.
- Idempotence: existing meetings of a series, cancelled ones too, count toward its n and
  cover their segment; only the missing meetings are planned, in uncovered segments. So
  planning again with the previous plan as `existing` adds nothing, and a meeting the
  director cancelled is not planned anew.
- A term under way (`plan_from`, the first day a new meeting may fall on): the series'
  meetings before that day, held, planned or cancelled, count toward its n as they stand;
  the rest of n is spread, by the rules above, over the teaching weeks from `plan_from` on
  (a monthly series: the months with teaching days left; a meeting earlier in the current
  month covers it). What the remaining weeks cannot hold is a warning, never a meeting in
  the past.
- A person's day (`max_per_day`): a slot is taken only where none of its persons already has
  that many meetings that day (planned, stored or elsewhere). Only when no such slot is left
  in the term does the meeting take a clash-free slot on a fuller day; `crowded_days` then
  reports it.
"""
from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import groupby
from typing import Protocol
from zoneinfo import ZoneInfo

from coordinator.i18n import N_
from coordinator.terms.calendar import AUTUMN, DEFAULT_TIMEZONE, HALF_DAY_ENDS, TermCalendar

# the values of `coordinator.agreements.models.Cadence`
PER_TERM, PER_YEAR, MONTHLY, ON_DEMAND = "per_term", "per_year", "monthly", "on_demand"
CADENCES = (PER_TERM, PER_YEAR, MONTHLY, ON_DEMAND)

# warning codes
CADENCE_IMPOSSIBLE = "cadence_impossible"
NO_FREE_SLOT = "no_free_slot"
INVALID_CADENCE = "invalid_cadence"
MOVED_ONTO_FREE_DAY = "moved_onto_free_day"
DOUBLE_BOOKED = "double_booked"
REMAINING_WEEKS_SHORT = "remaining_weeks_short"
CROWDED_DAY = "crowded_day"

DEFAULT_MAX_PER_DAY = 3  # meetings one person is given in a day (COORDINATOR_PLANNER_MAX_MEETINGS_PER_DAY)

DEFAULT_WINDOW_START, DEFAULT_WINDOW_END = time(9, 0), time(16, 0)
_QUARTER_HOUR = 15
_HALF_DAY_END_MINUTE = HALF_DAY_ENDS.hour * 60 + HALF_DAY_ENDS.minute


@dataclass(frozen=True)
class SeriesSpec:
    """One series of meetings to plan: a meeting form for the district, one school or one group."""
    key: str  # stable and unique per series, e.g. "form:12" or "form:12:school:34"
    form_id: int
    form_name: str
    cadence: str  # one of CADENCES; the database's Cadence enum is accepted too
    cadence_count: int = 1
    duration_minutes: int = 90
    preferred_weekday: int | None = None  # 0 = Monday; None: the first teaching day of the week
    window_start: time | None = None  # None: DEFAULT_WINDOW_START
    window_end: time | None = None    # None: DEFAULT_WINDOW_END
    person_ids: frozenset[int] = frozenset()  # the invitees

    def __post_init__(self) -> None:
        object.__setattr__(self, "cadence", getattr(self.cadence, "value", self.cadence))
        object.__setattr__(self, "person_ids", frozenset(self.person_ids))


@dataclass(frozen=True)
class ExistingMeeting:
    """A meeting of the term already stored: planned before, moved, added or cancelled by hand."""
    series_key: str
    starts_at: datetime
    ends_at: datetime
    is_cancelled: bool = False
    person_ids: frozenset[int] = frozenset()
    meeting_id: int | None = None  # the stored meeting's id, handed back in warnings

    def __post_init__(self) -> None:
        object.__setattr__(self, "person_ids", frozenset(self.person_ids))


@dataclass(frozen=True)
class PlannedMeeting:
    """A new meeting the plan adds, in the planner's time zone."""
    series_key: str
    form_id: int
    starts_at: datetime
    ends_at: datetime
    person_ids: frozenset[int]


@dataclass(frozen=True)
class PlanWarning:
    """Something the director should see before publishing: a code, a Swedish template and its values."""
    code: str
    message_template: str
    params: Mapping[str, object] = field(default_factory=dict)

    def message(self) -> str:
        """The untranslated (Swedish) sentence; the UI translates the template and fills in `params`."""
        return self.message_template % self.params


@dataclass(frozen=True)
class Plan:
    meetings: tuple[PlannedMeeting, ...]  # ordered by start, then series key
    warnings: tuple[PlanWarning, ...]     # in the order of the series' keys


class MeetingTimes(Protocol):
    """What the checks read of a meeting; `is_cancelled` and `meeting_id` are read when present."""
    series_key: str
    starts_at: datetime
    ends_at: datetime
    person_ids: frozenset[int]


def wanted_count(calendar: TermCalendar, spec: SeriesSpec) -> int:
    """How many meetings the series' cadence asks for in this term, before the term's limits."""
    if spec.cadence == PER_TERM:
        return spec.cadence_count
    if spec.cadence == PER_YEAR:
        # the autumn term takes the odd one
        half, odd = divmod(spec.cadence_count, 2)
        return half + odd if calendar.season == AUTUMN else half
    if spec.cadence == MONTHLY:
        return len({(day.year, day.month) for day in calendar.teaching_days()})
    return 0


def plan_term(
    calendar: TermCalendar,
    series: Iterable[SeriesSpec],
    existing: Iterable[ExistingMeeting],
    *,
    timezone: str = DEFAULT_TIMEZONE,
    plan_from: date | None = None,
    max_per_day: int | None = DEFAULT_MAX_PER_DAY,
) -> Plan:
    """The meetings missing from the term for each series, and the warnings of planning them.

    `existing` holds the term's stored meetings of every series (their persons are busy
    unless cancelled); each counts toward its own series wherever it lies. `plan_from` is the
    first day a new meeting may fall on (None: the whole term); `max_per_day` the meetings a
    person is given in one day where the term leaves room (None: no limit).
    """
    ordered = sorted(series, key=lambda spec: spec.key)
    keys = [spec.key for spec in ordered]
    if len(set(keys)) != len(keys):
        raise ValueError("series keys must be unique")
    if max_per_day is not None and max_per_day < 1:
        raise ValueError("max_per_day must be at least 1")
    planner = _Planner(calendar, ZoneInfo(timezone), existing, plan_from, max_per_day)
    for spec in ordered:
        planner.plan_series(spec)
    meetings = sorted(planner.meetings, key=lambda m: (m.starts_at, m.series_key))
    return Plan(tuple(meetings), tuple(planner.warnings))


@dataclass(frozen=True)
class _Segment:
    """A stretch of the term that gets one meeting: from its first teaching day to the next segment's."""
    starts_on: date
    target_days: tuple[date, ...]  # the teaching days of the week the meeting aims at


class _Planner:
    def __init__(self, calendar: TermCalendar, zone: ZoneInfo, existing: Iterable[ExistingMeeting],
                 plan_from: date | None, max_per_day: int | None) -> None:
        self.calendar = calendar
        self.zone = zone
        self.plan_from = plan_from
        self.max_per_day = max_per_day
        self.term_weeks = len(calendar.teaching_weeks())
        # the days a new meeting may take: the term's, from `plan_from` on
        self.days = [day for day in calendar.teaching_days() if plan_from is None or day >= plan_from]
        self.day_index = {day: i for i, day in enumerate(self.days)}
        self.weeks = _by_week(self.days)
        # a monthly series aims at the middle of each month's own teaching weeks
        self.months = [_aim_at_middle(_by_week(days))
                       for _, days in groupby(self.days, key=lambda day: (day.year, day.month))]
        self.busy = _BusyIndex()
        self.existing: dict[str, list[ExistingMeeting]] = {}
        for meeting in existing:
            self.existing.setdefault(meeting.series_key, []).append(meeting)
            if not meeting.is_cancelled:
                self.busy.add(meeting.person_ids, _local_pieces(meeting.starts_at, meeting.ends_at, zone))
        self.meetings: list[PlannedMeeting] = []
        self.warnings: list[PlanWarning] = []

    def plan_series(self, spec: SeriesSpec) -> None:
        if spec.cadence == ON_DEMAND:
            return
        invalid = _invalid(spec)
        if invalid is not None:
            self.warnings.append(invalid)
            return
        wanted = wanted_count(self.calendar, spec)
        # at most one meeting a week: what the whole term can hold
        could = wanted if spec.cadence == MONTHLY else min(wanted, self.term_weeks)
        if could < wanted:
            self.warnings.append(_warning(
                CADENCE_IMPOSSIBLE, N_("%(form)s ska hållas %(wanted)d gånger under %(term)s, men terminen "
                                       "har bara %(possible)d undervisningsveckor; högst ett möte per vecka planeras."),
                spec, wanted=wanted, possible=could, term=self.calendar.name))
        own_days = [_local(m.starts_at, self.zone).date() for m in self.existing.get(spec.key, [])]
        past = [day for day in own_days if self.plan_from is not None and day < self.plan_from]
        ahead = [day for day in own_days if self.plan_from is None or day >= self.plan_from]
        still_wanted = max(could - len(past), 0)  # what the days from `plan_from` on should hold
        segments = self._segments(spec.cadence, still_wanted)
        starts = [segment.starts_on for segment in segments]
        covered = {_segment_of(starts, day) for day in ahead}
        if spec.cadence == MONTHLY and segments and any(_month(day) == _month(starts[0]) for day in past):
            covered.add(0)  # this month's meeting was held before `plan_from`
        # each existing meeting covers one segment at most, so enough uncovered ones remain
        room = max(min(len(segments), still_wanted) - len(ahead), 0)
        targets = [i for i in range(len(segments)) if i not in covered][:room]
        short = max(still_wanted - len(ahead), 0) - len(targets)
        if short > 0:
            self.warnings.append(_warning(
                REMAINING_WEEKS_SHORT, N_("%(form)s: %(missing)d av %(wanted)d möten får inte plats i terminens "
                                          "återstående veckor."),
                spec, missing=short, wanted=could, term=self.calendar.name))
        slots = _slots(spec)
        for planned, target in enumerate(targets):
            found = self._find_slot(spec, slots, segments[target])
            if found is None:
                # the search covered the whole term, so the remaining meetings cannot fit either
                self.warnings.append(_warning(
                    NO_FREE_SLOT, N_("Ingen ledig tid för %(form)s under %(term)s utan att någon blir "
                                     "dubbelbokad: %(missing)d av %(wanted)d möten saknas."),
                    spec, missing=len(targets) - planned, wanted=could, term=self.calendar.name))
                return
            day, start, end = found
            self.busy.add(spec.person_ids, [(day, start, end)])
            self.meetings.append(PlannedMeeting(
                spec.key, spec.form_id, self._at(day, start), self._at(day, end), spec.person_ids))

    def _segments(self, cadence: str, wanted: int) -> list[_Segment]:
        if cadence == MONTHLY:
            return self.months
        weeks = self.weeks
        count = min(wanted, len(weeks))  # at most one meeting a week
        return [_aim_at_middle(weeks[i * len(weeks) // count:(i + 1) * len(weeks) // count])
                for i in range(count)]

    def _find_slot(self, spec: SeriesSpec, slots: Sequence[tuple[int, int]],
                   segment: _Segment) -> tuple[date, int, int] | None:
        found = self._search(spec, slots, segment, self.max_per_day)
        if found is None and self.max_per_day is not None:
            # every day with room is taken: a clash-free slot on a fuller day beats no meeting
            found = self._search(spec, slots, segment, None)
        return found

    def _search(self, spec: SeriesSpec, slots: Sequence[tuple[int, int]], segment: _Segment,
                max_per_day: int | None) -> tuple[date, int, int] | None:
        days, count = self.days, len(self.days)
        first = self.day_index[_first_day(segment.target_days, spec.preferred_weekday)]
        # forward to the term's end; only when that is full, from `plan_from` (or the term's start)
        for offset in range(count):
            day = days[(first + offset) % count]
            if max_per_day is not None and not self.busy.has_room(spec.person_ids, day, max_per_day):
                continue
            latest_end = _HALF_DAY_END_MINUTE if self.calendar.is_half_day(day) else 24 * 60
            for start, end in slots:
                if end > latest_end:
                    break  # the slots only get later
                if self.busy.is_free(spec.person_ids, day, start, end):
                    return day, start, end
        return None

    def _at(self, day: date, minute: int) -> datetime:
        # built from the wall clock, so the offset is the one of that day (CEST or CET)
        return datetime.combine(day, time(minute // 60, minute % 60), tzinfo=self.zone)


class _BusyIndex:
    """Busy intervals per person and day, in minutes after local midnight: a clash check reads a few."""

    def __init__(self) -> None:
        self._intervals: dict[tuple[int, date], list[tuple[int, int]]] = {}

    def add(self, person_ids: Iterable[int], pieces: Iterable[tuple[date, int, int]]) -> None:
        pieces = list(pieces)
        for person_id in person_ids:
            for day, start, end in pieces:
                self._intervals.setdefault((person_id, day), []).append((start, end))

    def has_room(self, person_ids: Iterable[int], day: date, max_per_day: int) -> bool:
        """Whether each of the persons has fewer than `max_per_day` meetings that day."""
        intervals = self._intervals
        return all(len(intervals.get((person_id, day), ())) < max_per_day for person_id in person_ids)

    def is_free(self, person_ids: Iterable[int], day: date, start: int, end: int) -> bool:
        intervals = self._intervals
        for person_id in person_ids:
            for busy_start, busy_end in intervals.get((person_id, day), ()):
                if busy_start < end and start < busy_end:
                    return False
        return True


def _invalid(spec: SeriesSpec) -> PlanWarning | None:
    """Why the series cannot be planned at all, or None."""
    window_start, window_end = _window(spec)
    if spec.cadence not in CADENCES:
        return _warning(INVALID_CADENCE, N_("%(form)s har en okänd mötesfrekvens: %(cadence)s."),
                        spec, cadence=spec.cadence)
    if spec.cadence_count < 1:
        return _warning(INVALID_CADENCE, N_("%(form)s ska hållas minst en gång, men antalet är %(count)d."),
                        spec, count=spec.cadence_count)
    if spec.duration_minutes <= 0:
        return _warning(INVALID_CADENCE, N_("%(form)s har mötestiden %(minutes)d minuter; den måste vara "
                                            "längre än noll."), spec, minutes=spec.duration_minutes)
    if spec.preferred_weekday is not None and not 0 <= spec.preferred_weekday <= 6:
        return _warning(INVALID_CADENCE, N_("%(form)s har en okänd veckodag: %(weekday)s."),
                        spec, weekday=spec.preferred_weekday)
    if _minute(window_end) <= _minute(window_start):
        return _warning(INVALID_CADENCE, N_("Tidsfönstret för %(form)s slutar %(end)s, innan det börjar "
                                            "%(start)s."), spec, start=_clock(window_start), end=_clock(window_end))
    if _minute(window_end) - _minute(window_start) < spec.duration_minutes:
        return _warning(INVALID_CADENCE, N_("%(form)s tar %(minutes)d minuter, längre än tidsfönstret "
                                            "%(start)s–%(end)s."), spec, minutes=spec.duration_minutes,
                        start=_clock(window_start), end=_clock(window_end))
    return None


def _slots(spec: SeriesSpec) -> list[tuple[int, int]]:
    """The start and end minutes a meeting of the series may take in a day, earliest first."""
    first, last_end = (_minute(clock) for clock in _window(spec))
    duration = spec.duration_minutes
    step = -(-duration // _QUARTER_HOUR) * _QUARTER_HOUR  # the duration, rounded up to the quarter hour
    return [(start, start + duration) for start in range(first, last_end - duration + 1, step)]


def _window(spec: SeriesSpec) -> tuple[time, time]:
    return (DEFAULT_WINDOW_START if spec.window_start is None else spec.window_start,
            DEFAULT_WINDOW_END if spec.window_end is None else spec.window_end)


def _aim_at_middle(weeks: Sequence[Sequence[date]]) -> _Segment:
    return _Segment(weeks[0][0], tuple(weeks[(len(weeks) - 1) // 2]))


def _by_week(days: Iterable[date]) -> list[list[date]]:
    return [list(week) for _, week in groupby(days, key=lambda day: day.isocalendar()[:2])]


def _first_day(week: Sequence[date], preferred_weekday: int | None) -> date:
    """The preferred weekday of the week, else the nearest teaching day, later days first."""
    if preferred_weekday is None:
        return week[0]
    by_weekday = {day.weekday(): day for day in week}
    for distance in range(7):
        for weekday in (preferred_weekday + distance, preferred_weekday - distance):
            if weekday in by_weekday:
                return by_weekday[weekday]
    raise AssertionError("a target week has a teaching day")


def _month(day: date) -> tuple[int, int]:
    return day.year, day.month


def _segment_of(starts: Sequence[date], day: date) -> int:
    """The segment a day belongs to: days before the first segment belong to it."""
    return max(bisect_right(starts, day) - 1, 0)


def _local(moment: datetime, zone: ZoneInfo) -> datetime:
    """Naive local time: aware datetimes are converted, naive ones are taken as local already."""
    return moment if moment.tzinfo is None else moment.astimezone(zone).replace(tzinfo=None)


def _local_pieces(starts_at: datetime, ends_at: datetime, zone: ZoneInfo) -> list[tuple[date, int, int]]:
    """A meeting's time as (day, start minute, end minute) pieces, one per local day it touches."""
    start, end = _local(starts_at, zone), _local(ends_at, zone)
    pieces = []
    while start < end:
        midnight = datetime.combine(start.date() + timedelta(days=1), time(0, 0))
        piece_end = min(end, midnight)
        end_minute = 24 * 60 if piece_end == midnight else _minute(piece_end.time())
        pieces.append((start.date(), _minute(start.time()), end_minute))
        start = piece_end
    return pieces


def _minute(clock: time) -> int:
    return clock.hour * 60 + clock.minute


def _clock(clock: time) -> str:
    return clock.strftime("%H:%M")


def _warning(code: str, template: str, spec: SeriesSpec, **params: object) -> PlanWarning:
    return PlanWarning(code, template, {"form": spec.form_name, "form_id": spec.form_id,
                                        "series_key": spec.key, **params})


# -- checks of a reviewed plan: meetings the director moved, added or that clash ---------------

def hand_made_warnings(
    calendar: TermCalendar,
    meetings: Iterable[MeetingTimes],
    *,
    timezone: str = DEFAULT_TIMEZONE,
    series_names: Mapping[str, str] | None = None,
) -> list[PlanWarning]:
    """A warning for each meeting (not cancelled) that lies outside school time: weekend, holiday, break ...

    Each warning's params carry `index` (the meeting's position in `meetings`) and
    `meeting_id` (when the meeting has one), so the caller can point at it.
    """
    zone = ZoneInfo(timezone)
    warnings = []
    for index, meeting in enumerate(meetings):
        if getattr(meeting, "is_cancelled", False):
            continue
        reason = calendar.free_reason(meeting.starts_at, meeting.ends_at, timezone=timezone)
        if reason is not None:
            warnings.append(PlanWarning(
                MOVED_ONTO_FREE_DAY, N_("%(form)s %(start)s ligger inte på skoltid: %(reason)s."),
                {"form": _name(meeting, series_names), "start": _shown(meeting.starts_at, zone),
                 "reason": reason, "series_key": meeting.series_key, "index": index,
                 "meeting_id": getattr(meeting, "meeting_id", None)}))
    return warnings


def double_bookings(
    meetings: Sequence[MeetingTimes],
    *,
    timezone: str = DEFAULT_TIMEZONE,
    series_names: Mapping[str, str] | None = None,
) -> list[PlanWarning]:
    """A warning for each person and each pair of their meetings (not cancelled) that overlap.

    `person` in the params is the person's id as text; the caller puts in the name. The
    meetings are named by `series_names` (series key -> name), else by their keys.
    """
    zone = ZoneInfo(timezone)
    meetings_of: dict[int, list[int]] = {}
    for index, meeting in enumerate(meetings):
        if not getattr(meeting, "is_cancelled", False):
            for person_id in meeting.person_ids:
                meetings_of.setdefault(person_id, []).append(index)
    warnings = []
    for person_id in sorted(meetings_of):
        ordered = sorted(meetings_of[person_id], key=lambda i: (meetings[i].starts_at, meetings[i].ends_at, i))
        running: list[int] = []  # the person's meetings still going on at the current one's start
        for index in ordered:
            starts_at = meetings[index].starts_at
            running = [earlier for earlier in running if meetings[earlier].ends_at > starts_at]
            for earlier in running:
                warnings.append(_double_booked(person_id, meetings, earlier, index, zone, series_names))
            running.append(index)
    return warnings


def crowded_days(
    meetings: Sequence[MeetingTimes],
    max_per_day: int,
    *,
    timezone: str = DEFAULT_TIMEZONE,
) -> list[PlanWarning]:
    """A warning for each person and local day with more than `max_per_day` meetings (not cancelled).

    `person` in the params is the person's id as text (the caller puts in the name); `indexes`
    are the positions in `meetings` of that day's meetings, by start.
    """
    zone = ZoneInfo(timezone)
    on_day: dict[tuple[int, date], list[int]] = {}
    for index, meeting in enumerate(meetings):
        if getattr(meeting, "is_cancelled", False):
            continue
        day = _local(meeting.starts_at, zone).date()
        for person_id in meeting.person_ids:
            on_day.setdefault((person_id, day), []).append(index)
    warnings = []
    for (person_id, day), indexes in sorted(on_day.items()):
        if len(indexes) > max_per_day:
            ordered = sorted(indexes, key=lambda i: (meetings[i].starts_at, i))
            warnings.append(PlanWarning(
                CROWDED_DAY, N_("%(person)s har %(count)d möten %(day)s; högst %(limit)d om dagen planeras."),
                {"person": str(person_id), "person_id": person_id, "day": day.isoformat(), "count": len(indexes),
                 "limit": max_per_day, "indexes": tuple(ordered)}))
    return warnings


def _double_booked(person_id: int, meetings: Sequence[MeetingTimes], first: int, second: int,
                   zone: ZoneInfo, series_names: Mapping[str, str] | None) -> PlanWarning:
    params: dict[str, object] = {"person": str(person_id), "person_id": person_id}
    for label, index in (("first", first), ("second", second)):
        meeting = meetings[index]
        params.update({label: _name(meeting, series_names), f"{label}_start": _shown(meeting.starts_at, zone),
                       f"{label}_series_key": meeting.series_key, f"{label}_index": index,
                       f"{label}_meeting_id": getattr(meeting, "meeting_id", None)})
    return PlanWarning(DOUBLE_BOOKED, N_("%(person)s är dubbelbokad: %(first)s %(first_start)s och "
                                         "%(second)s %(second_start)s."), params)


def _name(meeting: MeetingTimes, series_names: Mapping[str, str] | None) -> str:
    return (series_names or {}).get(meeting.series_key, meeting.series_key)


def _shown(moment: datetime, zone: ZoneInfo) -> str:
    return _local(moment, zone).strftime("%Y-%m-%d %H:%M")
