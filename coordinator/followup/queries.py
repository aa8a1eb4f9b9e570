"""The facts behind the indicators, as set-based SQL aggregates grouped by district, term and meeting form.

`term_facts(session, district_ids, terms, now)` answers for any number of districts and terms
with a fixed number of queries (no query per meeting, no loop over meetings in Python): one
GROUP BY each for meetings, required functions, minutes, answers, action items, the schools
invited / answered / attended (distinct school ids), reports of concern by organiser type, and
four medians by window functions. Meetings booked for a case (a report meeting) are left out of
the forums' figures (`forum_meeting`): they are counted with their reports.
The agreement versions in force in the terms asked about, or whose forms their meetings were
planned with, are read with their forms and parties to know what was agreed (not a district's
every revision: ten years of history would load a hundred versions and their parties). The same
figures come out of SQLite and PostgreSQL (`sql.py`).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from math import floor
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from coordinator.agreements.models import (
    Agreement, AgreementVersion, Cadence, FormKind, MeetingForm, MeetingFormFunction, Scope, VersionStatus,
)
from coordinator.cases.models import Outcome, ReportOfConcern
from coordinator.consultations.models import ConsultationBooking
from coordinator.followup.facts import (
    ActionCounts, AgreementFacts, AnswerCounts, ConsultationCounts, CoverageCounts, FormFacts, MeetingCounts,
    MinutesCounts, ReportCounts, SchoolCounts, TermFacts, VisitCounts,
)
from coordinator.followup.sql import days_since_epoch, epoch_days, median
from coordinator.minutes.models import ActionItem, ActionItemStatus, Attendance, AttendanceStatus, Minutes
from coordinator.org.functions import Function
from coordinator.org.models import OrganiserType, School, SchoolGroup
from coordinator.planning.models import Answer, Invitation, Meeting, MeetingStatus, forum_meeting
from coordinator.planning.planner import SeriesSpec, wanted_count
from coordinator.terms.calendar import DEFAULT_TIMEZONE, TermCalendar, parse_term_name
from coordinator.terms.models import Term
from coordinator.terms.services import calendar_for

ATTENDED = (AttendanceStatus.PRESENT, AttendanceStatus.REPRESENTED)
Key = tuple[int, int]              # (district id, term id)
FactsFunction = Callable[[Session, Sequence[int], Sequence[Term], datetime, str], dict[Key, TermFacts]]
FormKey = tuple[int, int, int]     # (district id, term id, meeting form id)


@dataclass(frozen=True)
class Slot:
    """A meeting form's place in a district's agreement, the same across versions: a<agreement>:<kind>:<n>."""
    key: str
    form: MeetingForm


def term_moment(term: Term, now: datetime, timezone: str = DEFAULT_TIMEZONE) -> datetime:
    """The moment a term is judged at: its last day's end, or now while it is not over."""
    end = datetime.combine(term.ends_on, time(23, 59, 59), ZoneInfo(timezone))
    return min(end, now)


def term_facts(session: Session, district_ids: Sequence[int], terms: Sequence[Term], now: datetime,
               timezone: str = DEFAULT_TIMEZONE) -> dict[Key, TermFacts]:
    """The facts of every (district, term) asked for."""
    if not district_ids or not terms:
        return {}
    term_ids = [t.id for t in terms]
    scope = (Meeting.district_id.in_(district_ids), Meeting.term_id.in_(term_ids), forum_meeting())
    _plan_for_these_values(session)
    moments = [term_moment(t, now, timezone) for t in terms]
    versions = _versions(session, district_ids, scope, min(moments), max(moments))
    slots = {form_id: slot for district in versions.values() for v in district for form_id, slot in _slots(v)}
    schools = _schools(session, district_ids)
    groups = _group_counts(session, district_ids)
    meetings = _meetings(session, scope, now)
    coverage = _coverage(session, scope, now)
    minutes = _minutes(session, scope, now)
    medians = _minutes_medians(session, scope)
    answers = _answers(session, scope)
    answer_medians = _answer_median(session, scope)
    actions = _actions(session, scope, now, timezone)
    invited, answered, attended = _schools_taking_part(session, scope, now)
    reports = _reports(session, district_ids, term_ids)
    consultations = _consultations(session, district_ids, term_ids)
    visits = _visits(session, district_ids, terms, now, timezone)
    facts = {}
    for term in terms:
        moment = term_moment(term, now, timezone)
        calendar = calendar_for(session, term)
        for district_id in district_ids:
            key = (district_id, term.id)
            version = _in_force(versions.get(district_id, []), moment)
            parties = _parties(version, moment)
            agreement = _agreement_facts(version, parties, schools.get(district_id, {}), moment)
            forms = _forms(key, version, slots, parties, schools.get(district_id, {}), calendar,
                           groups.get(district_id, 0), meetings, coverage, minutes)
            by_type = {kind: frozenset(s for s, t in schools.get(district_id, {}).items() if t is kind and s in parties)
                       for kind in OrganiserType}

            def counts(kind: OrganiserType) -> SchoolCounts:
                party = by_type[kind]
                return SchoolCounts(party, invited[key] & party, answered[key] & party, attended[key] & party)

            approval, report = medians.get(key, (None, None))
            facts[key] = TermFacts(
                district_id, term.id, agreement, forms, counts(OrganiserType.MUNICIPAL),
                counts(OrganiserType.INDEPENDENT),
                replace(answers.get(key, AnswerCounts()), median_days=answer_medians.get(key)),
                actions.get(key, ActionCounts()), approval, report, *reports.get(key, _NO_REPORTS),
                consultations.get(key, ConsultationCounts()), visits.get(key, VisitCounts()))
    return facts


def _plan_for_these_values(session: Session) -> None:
    """On PostgreSQL, plan this transaction's aggregates for the districts and terms asked about, every time.

    psycopg prepares a statement after its fifth run on a connection, and PostgreSQL may then switch to one
    generic plan for any districts and terms. For these aggregates that plan reads the invitations and the
    attendance whole: on the national data set the district view went from 0.5 s to 5–30 s after a few
    calls (docs/PERFORMANCE.md). Replanning costs a few milliseconds; SET LOCAL ends with the transaction."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SET LOCAL plan_cache_mode = force_custom_plan"))


# -- the agreement: a few rows per district, read once ---------------------------------------------------

def _versions(session: Session, district_ids: Sequence[int], scope: tuple, first: datetime,
              last: datetime) -> dict[int, list[AgreementVersion]]:
    """The districts' versions in force at some time from `first` to `last`, and those whose forms the meetings
    in `scope` were planned with (a term's meetings may be planned before a revision), with forms, functions
    and parties."""
    found: dict[int, list[AgreementVersion]] = defaultdict(list)
    in_force = sa.and_(AgreementVersion.activated_at <= last,
                       sa.or_(AgreementVersion.superseded_at.is_(None), AgreementVersion.superseded_at > first))
    planned_with = sa.select(MeetingForm.version_id).where(
        MeetingForm.id.in_(sa.select(Meeting.meeting_form_id).where(*scope).distinct()))
    rows = session.scalars(
        sa.select(AgreementVersion).join(AgreementVersion.agreement)
        .where(Agreement.district_id.in_(district_ids), AgreementVersion.activated_at.is_not(None),
               sa.or_(in_force, AgreementVersion.id.in_(planned_with)))
        .options(selectinload(AgreementVersion.meeting_forms).selectinload(MeetingForm.functions),
                 selectinload(AgreementVersion.meeting_forms).selectinload(MeetingForm.group)
                 .selectinload(SchoolGroup.schools),
                 selectinload(AgreementVersion.parties), selectinload(AgreementVersion.contact_person),
                 selectinload(AgreementVersion.agreement))
        .order_by(AgreementVersion.activated_at))
    for version in rows:
        found[version.agreement.district_id].append(version)  # type: ignore[index]
    return found


def _in_force(versions: Sequence[AgreementVersion], moment: datetime) -> AgreementVersion | None:
    """The version that was active at `moment`: activated by then and not yet superseded."""
    active = [v for v in versions if v.activated_at is not None and v.activated_at <= moment
              and (v.superseded_at is None or v.superseded_at > moment) and v.status is not VersionStatus.DRAFT]
    return active[-1] if active else None


def _slots(version: AgreementVersion) -> list[tuple[int, Slot]]:
    ordinals: dict[Any, int] = defaultdict(int)
    found = []
    for form in version.meeting_forms:
        ordinals[form.kind] += 1
        found.append((form.id, Slot(f"a{version.agreement_id}:{form.kind.value}:{ordinals[form.kind]}", form)))
    return found


def _parties(version: AgreementVersion | None, moment: datetime) -> dict[int, date | None]:
    """The party schools at `moment` (signed by then, or with no date), with their signing dates."""
    if version is None:
        return {}
    today = moment.date()
    return {p.school_id: p.signed_on for p in version.parties if p.signed_on is None or p.signed_on <= today}


def _schools(session: Session, district_ids: Sequence[int]) -> dict[int, dict[int, OrganiserType]]:
    """Each district's active schools and their organiser type."""
    found: dict[int, dict[int, OrganiserType]] = defaultdict(dict)
    for school_id, district_id, kind in session.execute(
            sa.select(School.id, School.district_id, School.organiser_type)
            .where(School.district_id.in_(district_ids), School.is_active)):
        found[district_id][school_id] = kind
    return found


def _agreement_facts(version: AgreementVersion | None, parties: Mapping[int, date | None],
                     schools: Mapping[int, OrganiserType], moment: datetime) -> AgreementFacts:
    municipal = sum(1 for t in schools.values() if t is OrganiserType.MUNICIPAL)
    independent = len(schools) - municipal
    not_joined = tuple(sorted(s for s in schools if s not in parties))
    if version is None:
        return AgreementFacts(schools_municipal=municipal, schools_independent=independent, not_joined=not_joined)
    contact = version.contact_person
    revised = None if version.revision_due_on is None else version.revision_due_on >= moment.date()
    return AgreementFacts(True, version.number, version.revision_due_on, revised,
                          contact.name if contact is not None and contact.is_active else None,
                          municipal, independent, not_joined)


# -- agreed meetings per form ---------------------------------------------------------------------------

def agreed_meetings(form: MeetingForm, parties: Mapping[int, date | None], calendar: TermCalendar,
                    school_ids: Iterable[int], group_count: int) -> int:
    """What the form's cadence asks for in the term, times its scope; a per-school series of a school
    that signed during the term is counted for the part of the term after its signing."""
    spec = SeriesSpec("agreed", form.id, form.name, form.cadence.value, form.cadence_count)
    if form.cadence is Cadence.ON_DEMAND:
        return 0
    wanted = wanted_count(calendar, spec)
    if form.scope is Scope.DISTRICT:
        return wanted
    if form.scope is Scope.GROUP:
        return wanted * group_count
    if form.scope is Scope.PER_SCHOOL:
        days = calendar.teaching_days()
        total = 0
        for school_id in school_ids:
            signed = parties.get(school_id)
            if signed is None or not days or signed <= days[0]:
                total += wanted
            else:
                remaining = sum(1 for d in days if d >= signed) / len(days)
                total += floor(wanted * remaining + 0.5)
        return total
    return 0  # city-level forms are not planned per district


def _forms(key: Key, version: AgreementVersion | None, slots: Mapping[int, Slot], parties: Mapping[int, date | None],
           schools: Mapping[int, OrganiserType], calendar: TermCalendar, group_count: int,
           meetings: Mapping[FormKey, MeetingCounts], coverage: Mapping[FormKey, CoverageCounts],
           minutes: Mapping[FormKey, MinutesCounts]) -> tuple[FormFacts, ...]:
    """One FormFacts per form slot: the version's forms in their order, then slots met only in older versions."""
    district_id, term_id = key
    by_slot: dict[str, list[int]] = defaultdict(list)
    for (d, t, form_id) in set(meetings) | set(coverage) | set(minutes):
        if (d, t) == key and form_id in slots:
            by_slot[slots[form_id].key].append(form_id)
    current = {slot.key: slot.form for _, slot in _slots(version)} if version is not None else {}
    order = list(current) + sorted(k for k in by_slot if k not in current)
    found = []
    for slot_key in order:
        form = current.get(slot_key) or slots[by_slot[slot_key][0]].form
        ids = by_slot.get(slot_key, [])
        agreed = 0
        if slot_key in current:
            party_schools = [s for s in parties if s in schools]
            groups = 1 if form.group is not None else group_count
            agreed = agreed_meetings(form, parties, calendar, party_schools, groups)
        counted = sum((meetings.get((district_id, term_id, i), MeetingCounts()) for i in ids), MeetingCounts())
        found.append(FormFacts(
            slot_key, form.name, form.reports_to_committee, form.requires_minutes,
            any(f.is_required for f in form.functions),
            replace(counted, agreed=agreed),
            sum((coverage.get((district_id, term_id, i), CoverageCounts()) for i in ids), CoverageCounts()),
            sum((minutes.get((district_id, term_id, i), MinutesCounts()) for i in ids), MinutesCounts())))
    return tuple(found)


def _group_counts(session: Session, district_ids: Sequence[int]) -> dict[int, int]:
    """Each district's number of school groups (a form held per group is agreed once per group), at once."""
    return {district_id: int(count) for district_id, count in session.execute(
        sa.select(SchoolGroup.district_id, sa.func.count()).where(SchoolGroup.district_id.in_(district_ids))
        .group_by(SchoolGroup.district_id))}


# -- the meetings -----------------------------------------------------------------------------------------

def _recorded() -> tuple[sa.ColumnElement[bool], sa.ColumnElement[bool]]:
    """Whether attendance, and whether minutes, were recorded for the meeting of the outer query (on aliases,
    so an outer query that joins the same tables does not swallow the subqueries' own)."""
    attendance, minutes = Attendance.__table__.alias("recorded_attendance"), Minutes.__table__.alias("recorded_minutes")
    return (sa.exists(sa.select(1).select_from(attendance).where(attendance.c.meeting_id == Meeting.id)),
            sa.exists(sa.select(1).select_from(minutes).where(minutes.c.meeting_id == Meeting.id)))


def is_held(now: datetime) -> sa.ColumnElement[bool]:
    """The rule for "held", in one place: published, begun, and attendance or minutes recorded."""
    attendance, minutes = _recorded()
    return sa.and_(Meeting.status == MeetingStatus.SCHEDULED, Meeting.starts_at <= now, sa.or_(attendance, minutes))


def is_not_held(now: datetime) -> sa.ColumnElement[bool]:
    """Ended, not cancelled, nothing recorded."""
    attendance, minutes = _recorded()
    return sa.and_(Meeting.status != MeetingStatus.CANCELLED, Meeting.ends_at < now, ~attendance, ~minutes)


def _sum(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def _meetings(session: Session, scope: tuple, now: datetime) -> dict[FormKey, MeetingCounts]:
    cancelled = Meeting.status == MeetingStatus.CANCELLED
    rows = session.execute(
        sa.select(Meeting.district_id, Meeting.term_id, Meeting.meeting_form_id,
                  _sum(~cancelled), _sum(Meeting.status == MeetingStatus.SCHEDULED), _sum(is_held(now)),
                  _sum(cancelled), _sum(is_not_held(now)), _sum(sa.and_(~cancelled, Meeting.starts_at > now)))
        .where(*scope).group_by(Meeting.district_id, Meeting.term_id, Meeting.meeting_form_id))
    return {(d, t, f): MeetingCounts(0, *map(int, values)) for d, t, f, *values in rows}


def _coverage(session: Session, scope: tuple, now: datetime) -> dict[FormKey, CoverageCounts]:
    """Held meetings with attendance: whether each required function was represented, per school where the
    function is held at schools (a missing school makes the function missing)."""
    held = sa.and_(Meeting.status == MeetingStatus.SCHEDULED, Meeting.starts_at <= now,
                   sa.exists().where(Attendance.meeting_id == Meeting.id), *scope)
    attended = sa.case((Attendance.status.in_(ATTENDED), 1), else_=0)
    buckets = (sa.select(Attendance.meeting_id, Attendance.function, sa.func.max(attended).label("ok"))
               .join(Meeting, Meeting.id == Attendance.meeting_id).where(*scope)
               .group_by(Attendance.meeting_id, Attendance.function, sa.func.coalesce(Attendance.school_id, 0))
               .subquery())
    functions = (sa.select(buckets.c.meeting_id, buckets.c.function, sa.func.min(buckets.c.ok).label("ok"))
                 .group_by(buckets.c.meeting_id, buckets.c.function).subquery())
    missing = sa.case((functions.c.ok == 1, 0), else_=1).label("missing")
    required = (sa.select(Meeting.id.label("meeting_id"), Meeting.district_id, Meeting.term_id,
                          Meeting.meeting_form_id, MeetingFormFunction.function, missing)
                .join(MeetingFormFunction, sa.and_(MeetingFormFunction.meeting_form_id == Meeting.meeting_form_id,
                                                   MeetingFormFunction.is_required))
                .outerjoin(functions, sa.and_(functions.c.meeting_id == Meeting.id,
                                              functions.c.function == MeetingFormFunction.function))
                .where(held).subquery())
    per_meeting = (sa.select(required.c.district_id, required.c.term_id, required.c.meeting_form_id,
                             sa.func.max(required.c.missing).label("incomplete"))
                   .group_by(required.c.meeting_id, required.c.district_id, required.c.term_id,
                             required.c.meeting_form_id).subquery())
    found: dict[FormKey, CoverageCounts] = {}
    for d, t, f, counted, complete in session.execute(
            sa.select(per_meeting.c.district_id, per_meeting.c.term_id, per_meeting.c.meeting_form_id,
                      sa.func.count(), sa.func.sum(1 - per_meeting.c.incomplete))
            .group_by(per_meeting.c.district_id, per_meeting.c.term_id, per_meeting.c.meeting_form_id)):
        found[(d, t, f)] = CoverageCounts(int(counted), int(complete or 0))
    missing_by_function: dict[FormKey, dict[Function, int]] = defaultdict(dict)
    for d, t, f, function, times in session.execute(
            sa.select(required.c.district_id, required.c.term_id, required.c.meeting_form_id, required.c.function,
                      sa.func.sum(required.c.missing))
            .group_by(required.c.district_id, required.c.term_id, required.c.meeting_form_id, required.c.function)):
        if times:
            missing_by_function[(d, t, f)][Function(function)] = int(times)
    return {key: replace(counts, missing=missing_by_function.get(key, {})) for key, counts in found.items()}


# -- minutes ----------------------------------------------------------------------------------------------

def _minutes(session: Session, scope: tuple, now: datetime) -> dict[FormKey, MinutesCounts]:
    """Held meetings of forms that keep minutes: registered, on time, approved, reported (first times, kept)."""
    due_passed = epoch_days(Meeting.ends_at) + MeetingForm.minutes_due_days < days_since_epoch(now)
    registered = Minutes.first_registered_at.is_not(None)
    final = sa.or_(Minutes.first_approved_at.is_not(None), sa.and_(registered, ~MeetingForm.requires_approval))
    rows = session.execute(
        sa.select(Meeting.district_id, Meeting.term_id, Meeting.meeting_form_id,
                  sa.func.count(), _sum(sa.or_(registered, due_passed)), _sum(registered),
                  _sum(Minutes.first_registered_at <= Minutes.due_at),
                  _sum(sa.and_(registered, MeetingForm.requires_approval)),
                  _sum(sa.and_(MeetingForm.requires_approval, Minutes.first_approved_at.is_not(None))),
                  _sum(sa.and_(MeetingForm.reports_to_committee, final)),
                  _sum(sa.and_(MeetingForm.reports_to_committee, Minutes.first_reported_at.is_not(None))),
                  _sum(sa.and_(MeetingForm.reports_to_committee, Minutes.first_approved_at.is_not(None),
                               Minutes.first_reported_at.is_(None))))
        .join(MeetingForm, MeetingForm.id == Meeting.meeting_form_id)
        .outerjoin(Minutes, Minutes.meeting_id == Meeting.id)
        .where(*scope, MeetingForm.requires_minutes, is_held(now))
        .group_by(Meeting.district_id, Meeting.term_id, Meeting.meeting_form_id))
    return {(d, t, f): MinutesCounts(*map(int, values)) for d, t, f, *values in rows}


def _minutes_medians(session: Session, scope: tuple) -> dict[Key, tuple[float | None, float | None]]:
    """Median days from the meeting's end to the first approval, and to the first report, per district and term."""
    base = sa.select(Meeting.district_id, Meeting.term_id,
                     (epoch_days(Minutes.first_approved_at) - epoch_days(Meeting.ends_at)).label("approval"),
                     (epoch_days(Minutes.first_reported_at) - epoch_days(Meeting.ends_at)).label("report")) \
        .join(Minutes, Minutes.meeting_id == Meeting.id).where(*scope)
    keys = ["district_id", "term_id"]
    approval = {(d, t): float(v) for d, t, v in session.execute(median(base, "approval", keys))}
    report = {(d, t): float(v) for d, t, v in session.execute(median(base, "report", keys))}
    return {key: (approval.get(key), report.get(key)) for key in approval.keys() | report.keys()}


# -- answers ----------------------------------------------------------------------------------------------

def _answers(session: Session, scope: tuple) -> dict[Key, AnswerCounts]:
    answered = Invitation.answer != Answer.NEEDS_ACTION
    rows = session.execute(
        sa.select(Meeting.district_id, Meeting.term_id, sa.func.count(), _sum(answered),
                  _sum(sa.and_(answered, Invitation.answered_via == "link")),
                  _sum(sa.and_(answered, Invitation.answered_via == "calendar")),
                  _sum(sa.and_(answered, Invitation.answered_via == "organiser")),
                  _sum(Invitation.answer == Answer.DELEGATED))
        .join(Meeting, Meeting.id == Invitation.meeting_id)
        .where(*scope, Meeting.status == MeetingStatus.SCHEDULED, Invitation.removed_at.is_(None))
        .group_by(Meeting.district_id, Meeting.term_id))
    return {(d, t): AnswerCounts(*map(int, values)) for d, t, *values in rows}


def _answer_median(session: Session, scope: tuple) -> dict[Key, float]:
    """Median days from publishing to the answer (the deputies' own invitations left out: they came later)."""
    base = (sa.select(Meeting.district_id, Meeting.term_id,
                      (epoch_days(Invitation.answered_at) - epoch_days(Meeting.published_at)).label("days"))
            .join(Meeting, Meeting.id == Invitation.meeting_id)
            .where(*scope, Meeting.status == MeetingStatus.SCHEDULED, Invitation.removed_at.is_(None),
                   Invitation.delegated_from_id.is_(None), Invitation.answer != Answer.NEEDS_ACTION,
                   Meeting.published_at.is_not(None)))
    return {(d, t): max(0.0, float(v)) for d, t, v in session.execute(median(base, "days", ["district_id", "term_id"]))}


# -- schools taking part ----------------------------------------------------------------------------------

def _schools_taking_part(session: Session, scope: tuple, now: datetime) -> tuple[dict[Key, frozenset[int]], ...]:
    """Per district and term, the schools invited to a published meeting, those where someone invited answered,
    and those represented at a held meeting (distinct school ids)."""
    invitations = (sa.select(Meeting.district_id, Meeting.term_id, Invitation.school_id).distinct()
                   .join(Meeting, Meeting.id == Invitation.meeting_id)
                   .where(*scope, Meeting.status == MeetingStatus.SCHEDULED, Invitation.removed_at.is_(None),
                          Invitation.school_id.is_not(None)))
    answered = invitations.where(Invitation.answer != Answer.NEEDS_ACTION)
    attended = (sa.select(Meeting.district_id, Meeting.term_id, Attendance.school_id).distinct()
                .join(Meeting, Meeting.id == Attendance.meeting_id)
                .where(*scope, Attendance.status.in_(ATTENDED), Attendance.school_id.is_not(None), is_held(now)))
    return tuple(_grouped(session.execute(query)) for query in (invitations, answered, attended))


def _grouped(rows: Iterable[tuple[int, int, int]]) -> dict[Key, frozenset[int]]:
    found: dict[Key, set[int]] = defaultdict(set)
    for district_id, term_id, school_id in rows:
        found[(district_id, term_id)].add(school_id)
    return defaultdict(frozenset, {key: frozenset(ids) for key, ids in found.items()})


# -- reports of concern -----------------------------------------------------------------------------------

_NO_REPORTS = (ReportCounts(), ReportCounts(), ReportCounts())


def _reports(session: Session, district_ids: Sequence[int],
             term_ids: Sequence[int]) -> dict[Key, tuple[ReportCounts, ReportCounts, ReportCounts]]:
    """Per district and term: the reports of concern from every school, from municipal and from independent
    ones, with their medians (one GROUP BY by organiser type and two medians)."""
    held = ReportOfConcern.outcome == Outcome.HELD
    offered = sa.or_(ReportOfConcern.first_booked_at.is_not(None),
                     ReportOfConcern.outcome.in_([Outcome.HELD, Outcome.DECLINED]))
    in_time = sa.and_(held, ReportOfConcern.held_on <= ReportOfConcern.deadline_on)
    counted = (ReportOfConcern.district_id.in_(district_ids), ReportOfConcern.term_id.in_(term_ids),
               ReportOfConcern.withdrawn_at.is_(None))
    by_type: dict[tuple[int, int, OrganiserType], ReportCounts] = {}
    for d, t, kind, *values in session.execute(
            sa.select(ReportOfConcern.district_id, ReportOfConcern.term_id, School.organiser_type, sa.func.count(),
                      _sum(offered), _sum(held), _sum(in_time), _sum(ReportOfConcern.late_reason.is_not(None)))
            .join(School, School.id == ReportOfConcern.school_id).where(*counted)
            .group_by(ReportOfConcern.district_id, ReportOfConcern.term_id, School.organiser_type)):
        by_type[(d, t, kind)] = ReportCounts(*map(int, values))
    days = (sa.select(ReportOfConcern.district_id, ReportOfConcern.term_id, School.organiser_type,
                      (epoch_days(ReportOfConcern.held_on) - epoch_days(ReportOfConcern.received_on)).label("days"))
            .join(School, School.id == ReportOfConcern.school_id).where(*counted, held))
    keys = ["district_id", "term_id"]
    typed_medians = {(d, t, kind): float(v) for d, t, kind, v in session.execute(
        median(days, "days", [*keys, "organiser_type"]))}
    medians = {(d, t): float(v) for d, t, v in session.execute(median(days, "days", keys))}
    found = {}
    for key in {(d, t) for d, t, _ in by_type}:
        municipal, independent = (replace(by_type.get((*key, kind), ReportCounts()),
                                          median_days=typed_medians.get((*key, kind)))
                                  for kind in (OrganiserType.MUNICIPAL, OrganiserType.INDEPENDENT))
        found[key] = (replace(municipal + independent, median_days=medians.get(key)), municipal, independent)
    return found


# -- action items -----------------------------------------------------------------------------------------

def _actions(session: Session, scope: tuple, now: datetime, timezone: str) -> dict[Key, ActionCounts]:
    today = now.astimezone(ZoneInfo(timezone)).date()
    is_open = ActionItem.status == ActionItemStatus.OPEN
    done = ActionItem.status == ActionItemStatus.DONE
    rows = session.execute(
        sa.select(Meeting.district_id, Meeting.term_id, sa.func.count(), _sum(is_open),
                  _sum(sa.and_(is_open, ActionItem.due_on < today)), _sum(done),
                  _sum(sa.and_(done, ActionItem.closed_on <= ActionItem.due_on)))
        .join(Meeting, Meeting.id == ActionItem.meeting_id).where(*scope)
        .group_by(Meeting.district_id, Meeting.term_id))
    return {(d, t): ActionCounts(*map(int, values)) for d, t, *values in rows}


# -- consultations ----------------------------------------------------------------------------------------

def _consultations(session: Session, district_ids: Sequence[int],
                   term_ids: Sequence[int]) -> dict[Key, ConsultationCounts]:
    """Bookings per district, term, organiser type and school: one GROUP BY, summed up per district and term."""
    cancelled = ConsultationBooking.cancelled_at.is_not(None)
    rows = session.execute(
        sa.select(ConsultationBooking.district_id, ConsultationBooking.term_id, School.organiser_type,
                  ConsultationBooking.school_id, _sum(~cancelled), _sum(cancelled))
        .join(School, School.id == ConsultationBooking.school_id)
        .where(ConsultationBooking.district_id.in_(district_ids), ConsultationBooking.term_id.in_(term_ids))
        .group_by(ConsultationBooking.district_id, ConsultationBooking.term_id, School.organiser_type,
                  ConsultationBooking.school_id))
    booked: dict[tuple[int, int, OrganiserType], int] = defaultdict(int)
    schools: dict[tuple[int, int, OrganiserType], set[int]] = defaultdict(set)
    cancelled_in: dict[Key, int] = defaultdict(int)
    for district_id, term_id, kind, school_id, booked_count, cancelled_count in rows:
        booked[(district_id, term_id, kind)] += int(booked_count)
        cancelled_in[(district_id, term_id)] += int(cancelled_count)
        if booked_count:
            schools[(district_id, term_id, kind)].add(school_id)
    municipal, independent = OrganiserType.MUNICIPAL, OrganiserType.INDEPENDENT
    return {(d, t): ConsultationCounts(booked[(d, t, municipal)], booked[(d, t, independent)], cancelled_in[(d, t)],
                                       frozenset(schools[(d, t, municipal)]), frozenset(schools[(d, t, independent)]))
            for d, t in cancelled_in}


# -- staff-meeting visits (APT) ------------------------------------------------------------------------------

def _visits(session: Session, district_ids: Sequence[int], terms: Sequence[Term], now: datetime,
            timezone: str) -> dict[Key, VisitCounts]:
    """Per district and term: the schools whose APT visit of the term's school year was done by the term's
    moment, by organiser type. One grouped query per term asked (a school year spans two terms)."""
    found: dict[Key, VisitCounts] = {}
    for term in terms:
        season, year = parse_term_name(term.name)
        school_year = year if season == "HT" else year - 1
        of_year = sa.select(Term.id).where(Term.municipality_id == term.municipality_id,
                                           Term.name.in_((f"HT{school_year}", f"VT{school_year + 1}")))
        schools: dict[tuple[int, OrganiserType], set[int]] = defaultdict(set)
        for district_id, kind, school_id in session.execute(
                sa.select(Meeting.district_id, School.organiser_type, Meeting.school_id)
                .join(MeetingForm, Meeting.meeting_form_id == MeetingForm.id)
                .join(School, Meeting.school_id == School.id)
                .where(Meeting.district_id.in_(district_ids), Meeting.term_id.in_(of_year),
                       MeetingForm.kind == FormKind.STAFF_MEETING_VISIT, Meeting.status == MeetingStatus.SCHEDULED,
                       Meeting.starts_at <= term_moment(term, now, timezone))
                .group_by(Meeting.district_id, School.organiser_type, Meeting.school_id)):
            schools[(district_id, kind)].add(school_id)
        for district_id in district_ids:
            found[(district_id, term.id)] = VisitCounts(
                school_year, frozenset(schools[(district_id, OrganiserType.MUNICIPAL)]),
                frozenset(schools[(district_id, OrganiserType.INDEPENDENT)]))
    return found
