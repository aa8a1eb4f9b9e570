"""The counted facts of a district's term, as the follow-up's queries return them. Pure values.

One `TermFacts` per district and term; its meeting and minutes counts exist for the whole term
and per meeting form (`forms`), so every indicator can be shown for the district and for each
forum. Counts are plain integers; medians are days (None when nothing was counted).

The rules the counts follow, stated once:
- A meeting is **held** when it was published, has begun, and attendance or minutes were
  recorded for it. It is **not held** when it was not cancelled, has ended, and nothing was
  recorded. Cancelled meetings count apart; drafts in the future are planned but not published.
- **Agreed** meetings are the agreement's cadence for the term (the planner's count: per term,
  per school year split over HT/VT, or one per month with teaching days) times the form's scope
  (each party school, each group, or once for the district); on-demand forms agree none.
- A **report of concern** counts in the term its district received it (the last term begun on its
  receipt day, so a report in a summer or Christmas break counts with the term before); withdrawn
  reports do not count. It was **offered** a meeting when one was booked or it was declined, **held**
  when that is its outcome, **in time** when held within the 14 days. Their meetings are case-level
  and stay out of every forum count above (queries.forum_meeting).
- A school is a **party** for a term when it had signed the agreement in force by the term's end
  (or today, for the current term), and it is counted for meetings from its signing date.
- A school's **staff-meeting visit** (APT) is **done** when a meeting of the agreement's APT form for the
  school was published, is not cancelled and has begun by the term's moment; it counts for the school
  year (HT and the VT after it), so the spring shows the whole year and the autumn its first half.
  One visit is **due** per party school and school year (`VisitCounts`).
- **Consultations** are counted by the school that booked them and the term of their day, apart
  from the meetings: they are booked on demand, not agreed (`ConsultationCounts`).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from datetime import date

from coordinator.org.functions import Function


@dataclass(frozen=True)
class MeetingCounts:
    agreed: int = 0
    planned: int = 0     # not cancelled (drafts and published)
    published: int = 0   # published, not cancelled
    held: int = 0
    cancelled: int = 0
    not_held: int = 0    # ended, not cancelled, nothing recorded
    upcoming: int = 0    # not cancelled, not begun

    def __add__(self, other: MeetingCounts) -> MeetingCounts:
        return MeetingCounts(*(a + b for a, b in zip(_values(self), _values(other))))


@dataclass(frozen=True)
class CoverageCounts:
    """Held meetings with attendance recorded, of forms with required functions."""
    counted: int = 0
    complete: int = 0    # every required function represented (per school for school functions)
    missing: Mapping[Function, int] = field(default_factory=dict)  # how often each function was missing

    def __add__(self, other: CoverageCounts) -> CoverageCounts:
        missing = dict(self.missing)
        for function, count in other.missing.items():
            missing[function] = missing.get(function, 0) + count
        return CoverageCounts(self.counted + other.counted, self.complete + other.complete, missing)

    @property
    def most_missing(self) -> tuple[Function, int] | None:
        if not any(self.missing.values()):
            return None
        return max(self.missing.items(), key=lambda item: (item[1], -list(Function).index(item[0])))


@dataclass(frozen=True)
class MinutesCounts:
    """Held meetings of forms that keep minutes, and what became of their minutes."""
    held: int = 0
    due: int = 0              # registered, or past their deadline without
    kept: int = 0             # registered (diarieförda) at some point
    on_time: int = 0          # first registered by the deadline
    to_approve: int = 0       # registered, of forms that ask approval
    approved: int = 0
    to_report: int = 0        # final, of forms that report to the committee
    reported: int = 0
    approved_not_reported: int = 0

    def __add__(self, other: MinutesCounts) -> MinutesCounts:
        return MinutesCounts(*(a + b for a, b in zip(_values(self), _values(other))))


@dataclass(frozen=True)
class SchoolCounts:
    """Party schools of one organiser type and which of them were invited, answered and attended."""
    parties: frozenset[int] = frozenset()
    invited: frozenset[int] = frozenset()
    answered: frozenset[int] = frozenset()
    attended: frozenset[int] = frozenset()


@dataclass(frozen=True)
class AnswerCounts:
    invitations: int = 0
    answered: int = 0
    by_link: int = 0
    by_calendar: int = 0
    by_organiser: int = 0
    deputies: int = 0
    median_days: float | None = None  # from publishing to the answer


@dataclass(frozen=True)
class ActionCounts:
    total: int = 0
    open: int = 0
    overdue: int = 0       # open, past the due day
    closed: int = 0        # done
    closed_on_time: int = 0


@dataclass(frozen=True)
class ReportCounts:
    """Reports of concern from schools (of one organiser type, or all) and their report meetings."""
    received: int = 0
    offered: int = 0        # a meeting booked, or offered and declined
    held: int = 0
    held_in_time: int = 0   # held within the 14 days
    booked_late: int = 0    # booked on a time after the deadline, with a stated reason
    median_days: float | None = None  # from receipt to the day the meeting was held

    def __add__(self, other: ReportCounts) -> ReportCounts:
        """The counts added; a median cannot be added, so the sum has none."""
        return ReportCounts(*(a + b for a, b in zip(_values(self)[:-1], _values(other)[:-1])))


@dataclass(frozen=True)
class ConsultationCounts:
    """Consultations the district's schools booked for the term's days (consultations/), by organiser type.

    Booked means not cancelled, held or still to come; the schools are those that booked at least one.
    """
    municipal: int = 0
    independent: int = 0
    cancelled: int = 0
    schools_municipal: frozenset[int] = frozenset()
    schools_independent: frozenset[int] = frozenset()

    @property
    def booked(self) -> int:
        return self.municipal + self.independent


@dataclass(frozen=True)
class VisitCounts:
    """The schools social services visited at their staff meeting (APT) in the term's school year, up to the
    term's moment, by organiser type (visits/). One visit is due per party school and school year."""
    school_year: int | None = None
    schools_municipal: frozenset[int] = frozenset()
    schools_independent: frozenset[int] = frozenset()


@dataclass(frozen=True)
class AgreementFacts:
    """The agreement in force for the term (as of its end, or today for the current term)."""
    has_agreement: bool = False
    version_number: int | None = None
    revision_due_on: date | None = None
    is_revised_on_time: bool | None = None
    contact_name: str | None = None
    schools_municipal: int = 0
    schools_independent: int = 0
    not_joined: tuple[int, ...] = ()   # the district's active schools that are not parties


@dataclass(frozen=True)
class FormFacts:
    """One meeting form of the agreement (its series across versions) in the term."""
    key: str                   # a<agreement>:<kind>:<n>, as the meetings' series keys begin
    name: str
    reports_to_committee: bool
    requires_minutes: bool
    has_required_functions: bool
    meetings: MeetingCounts
    coverage: CoverageCounts
    minutes: MinutesCounts


@dataclass(frozen=True)
class TermFacts:
    district_id: int
    term_id: int
    agreement: AgreementFacts
    forms: tuple[FormFacts, ...]
    municipal: SchoolCounts
    independent: SchoolCounts
    answers: AnswerCounts
    actions: ActionCounts
    median_days_to_approval: float | None = None
    median_days_to_report: float | None = None
    reports: ReportCounts = field(default_factory=ReportCounts)              # from every school
    reports_municipal: ReportCounts = field(default_factory=ReportCounts)
    reports_independent: ReportCounts = field(default_factory=ReportCounts)
    consultations: ConsultationCounts = ConsultationCounts()
    visits: VisitCounts = VisitCounts()

    @cached_property  # summed once: every indicator of every reading asks (a frozen value, so it stays right)
    def meetings(self) -> MeetingCounts:
        return sum((f.meetings for f in self.forms), MeetingCounts())

    @cached_property  # summed once: every indicator of every reading asks (a frozen value, so it stays right)
    def coverage(self) -> CoverageCounts:
        return sum((f.coverage for f in self.forms), CoverageCounts())

    @cached_property  # summed once: every indicator of every reading asks (a frozen value, so it stays right)
    def minutes(self) -> MinutesCounts:
        return sum((f.minutes for f in self.forms), MinutesCounts())


def _values(counts: object) -> tuple[int, ...]:
    return tuple(getattr(counts, name) for name in counts.__dataclass_fields__)  # type: ignore[attr-defined]
