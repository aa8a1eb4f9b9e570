"""A term's plan as its planning pages read it: the meetings as a few plain values each (no invitees), the
warnings, a summary per meeting form, week and month; kept per process while the data stays the same.

Reviewing a city-sized district's term (`services.review`: the organisation, the series, the planner,
every invitee of every meeting and the other districts' meetings sharing a person) costs tens of ms
and a dozen statements; the planning pages show its outcome, read over and over between changes. So
a digest of it is kept, like the follow-up's facts (`followup.cache`), keyed on the district, the term,
the settings the planner reads and the local day, and valid while the data's version — the newest
audit event's id — is the same: every change of the plan, the organisation, the agreements and the
terms the product makes is audited, so it shows on the next request. `ttl` bounds the rest: a change
written without an audit event, one that commits after a newer one, and the passing of time within a
day (a draft whose start passes joins the "in the past" warning) are seen at most `ttl` seconds late.
Plain Python: the digest holds frozen values, no ORM objects, so it outlives the session that made it.
"""
from __future__ import annotations

import threading
import time
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from coordinator.audit import AuditEvent
from coordinator.planning.context import MeetingEntry
from coordinator.planning.models import MeetingStatus
from coordinator.planning.warnings import PlanningWarning
from coordinator.terms.calendar import TermCalendar

ANSWERED = "invitation.answered"  # the audit action of an invitee's answer (invitations.services.answer)


@dataclass(frozen=True)
class PlannedMeeting:
    """A meeting of the plan as a row of its pages shows it: who is invited is the meeting page's."""
    id: int
    form_id: int
    form_name: str
    title: str
    where: str | None      # the school or group of its series
    starts_at: datetime    # UTC, as stored
    ends_at: datetime
    day: date              # the local day it falls on
    clock: str             # its local start and end, 13:00 and 15:00: the same in every language
    clock_end: str
    status: MeetingStatus
    is_moved_by_hand: bool
    is_added_by_hand: bool
    invitees: int

    @property
    def is_cancelled(self) -> bool:
        return self.status is MeetingStatus.CANCELLED


@dataclass(frozen=True)
class FormSummary:
    """One meeting form of the plan: how many meetings, in which state, from when to when, how many warnings."""
    form_id: int
    name: str
    meetings: int
    drafts: int
    scheduled: int
    cancelled: int
    first: date
    last: date
    warnings: int


@dataclass(frozen=True)
class Period:
    """A week (its Monday) or a month (its first day) of the plan, and how many meetings fall in it."""
    starts_on: date
    meetings: int


@dataclass(frozen=True)
class PlanDigest:
    calendar: TermCalendar
    meetings: tuple[PlannedMeeting, ...]   # by start
    warnings: tuple[PlanningWarning, ...]
    missing: int                           # meetings planning would add now
    forms: tuple[FormSummary, ...]         # in the agreement's order
    weeks: tuple[Period, ...]              # every week from the term's first (or its first meeting's) to its last
    months: tuple[Period, ...]

    @property
    def drafts(self) -> int:
        return sum(m.status is MeetingStatus.DRAFT for m in self.meetings)

    def between(self, first: date, last: date) -> list[PlannedMeeting]:
        """The meetings of the local days `first` to `last`, both included."""
        return [m for m in self.meetings if first <= m.day <= last]

    def of_form(self, form_id: int) -> list[PlannedMeeting]:
        return [m for m in self.meetings if m.form_id == form_id]

    def warnings_of(self, meetings: list[PlannedMeeting], form_id: int | None = None) -> list[PlanningWarning]:
        """The warnings about these meetings (and, for a form's page, about the form)."""
        ids = {m.id for m in meetings}
        return [w for w in self.warnings
                if w.meeting_id in ids or (form_id is not None and w.form_id == form_id and w.meeting_id is None)]

    def day_of(self, meeting_id: int) -> date | None:
        return next((m.day for m in self.meetings if m.id == meeting_id), None)


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def digest(calendar: TermCalendar, stored: tuple[MeetingEntry, ...], warnings: tuple[PlanningWarning, ...],
           missing: int, zone: ZoneInfo) -> PlanDigest:
    """The digest of a review (`services.review`'s meetings, warnings and missing count)."""
    meetings = tuple(PlannedMeeting(
        m.id, m.form_id, m.form_name, m.title, m.school_name or m.group_name, m.starts_at, m.ends_at,
        m.starts_at.astimezone(zone).date(), f"{m.starts_at.astimezone(zone):%H:%M}", f"{m.ends_at.astimezone(zone):%H:%M}",
        m.status, m.is_moved_by_hand, m.is_added_by_hand, len(m.invitees))
        for m in sorted(stored, key=lambda m: (m.starts_at, m.id)))
    positions = {m.form_id: (m.form_position, m.form_name) for m in stored}
    by_form: dict[int, list[PlannedMeeting]] = defaultdict(list)
    for meeting in meetings:
        by_form[meeting.form_id].append(meeting)
    warned = Counter(w.form_id for w in warnings if w.form_id is not None)
    forms = tuple(FormSummary(
        form_id, rows[0].form_name, len(rows), sum(m.status is MeetingStatus.DRAFT for m in rows),
        sum(m.status is MeetingStatus.SCHEDULED for m in rows), sum(m.is_cancelled for m in rows),
        rows[0].day, rows[-1].day, warned[form_id])
        for form_id, rows in sorted(by_form.items(), key=lambda item: (positions[item[0]], item[0])))
    days = [m.day for m in meetings]
    first, last = min([calendar.starts_on, *days]), max([calendar.ends_on, *days])
    per_week = Counter(monday_of(day) for day in days)
    weeks, monday = [], monday_of(first)
    while monday <= last:
        weeks.append(Period(monday, per_week[monday]))
        monday += timedelta(days=7)
    per_month = Counter(day.replace(day=1) for day in days)
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(Period(month, per_month[month]))
        month = (month + timedelta(days=32)).replace(day=1)
    return PlanDigest(calendar, meetings, warnings, missing, forms, tuple(weeks), tuple(months))


class DigestCache:
    """Digests by key, each valid while the newest audit event's id is the one it was made at, and at most
    `ttl` seconds (0: none kept)."""

    @staticmethod
    def version() -> sa.ScalarSelect[int | None]:
        """The data's version as a subquery, to be read with what the page reads first."""
        return sa.select(sa.func.max(AuditEvent.id)).scalar_subquery()

    @staticmethod
    def changed_since(session: Session) -> Callable[[int], bool]:
        """Whether an audit event after a version may change a plan: any but an answer (accepted, declined,
        tentative), which arrive every second on a Monday morning and change neither a warning nor a count
        of the plan (sending a deputy is `invitation.delegated`, and does). Reads only the events since."""
        def changed(version: int) -> bool:
            return bool(session.scalar(sa.select(sa.exists().where(
                AuditEvent.id > version, AuditEvent.action != ANSWERED))))
        return changed

    def __init__(self, ttl: float = 60.0, size: int = 64, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl, self.size, self.clock = ttl, size, clock
        self._entries: OrderedDict[Hashable, tuple[float, int | None, PlanDigest]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, version: int | None, key: Hashable, make: Callable[[], PlanDigest],
            changed_since: Callable[[int], bool] | None = None) -> PlanDigest:
        """The digest of `key` at the data's `version` (read before `make` runs, so that a change committed
        while it runs makes the next request make it again). `changed_since(v)`: whether an audit event after
        `v` may change a plan; when none has (only answers came), the digest kept still holds."""
        if self.ttl <= 0:
            return make()
        moment = self.clock()
        with self._lock:
            found = self._entries.get(key)
        if found is not None and moment - found[0] < self.ttl:
            kept = found[1] == version or (
                found[1] is not None and version is not None and changed_since is not None
                and not changed_since(found[1]))
            if kept:
                with self._lock:
                    self._entries[key] = (found[0], version, found[2])
                    self._entries.move_to_end(key)
                    self.hits += 1
                return found[2]
        made = make()
        with self._lock:
            self.misses += 1
            self._entries[key] = (moment, version, made)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return made
