"""The benchmark's history: school years of meetings as they went, for the follow-up to count.

For each district and term of the history: the meetings the agreement version in force at the
term's start asks for, placed by the pure planner (`planning.planner.plan_term`) with the
invitees the real planner gives each series (`planning.invitees`); then what became of each,
drawn from a `random.Random`: published (or a draft still, in the future), cancelled, held (attendance
or minutes recorded) or not held; answers (by link, calendar or the organiser, some sending their
deputy, who gets an invitation of their own); attendance per invitee with the school they stood for;
minutes with their deadlines and first registration, approval and report; action items closed on
time, late or not at all. Each district has a *diligence* between 0.55 and 0.98 that tilts all of
it, and independent schools answer and come less often: the follow-up shows districts that differ.
Every agreement is revised once a year, on 1 June, or in September by the less diligent districts.

Rows are written in bulk (COPY on PostgreSQL): per district the meetings, with ids taken beforehand, and the
rest in batches.
"""
from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from coordinator.demo import data as demo_data
from coordinator.agreements.models import Agreement, AgreementVersion
from coordinator.bench.rows import insert_many, new_ids
from coordinator.minutes.models import ActionItem, ActionItemStatus, Attendance, AttendanceStatus, Minutes, MinutesState
from coordinator.org.models import District, OrganiserType, School
from coordinator.planning.invitees import Series, load_organisation, series_of_version
from coordinator.planning.models import Answer, Invitation, Meeting, MeetingStatus
from coordinator.planning.planner import plan_term
from coordinator.terms.calendar import AUTUMN
from coordinator.terms.models import BreakKind, Term
from coordinator.terms.services import calendar_for

TermData = demo_data.TermData
DEMO_TERMS = demo_data.TERMS
ZONE = ZoneInfo("Europe/Stockholm")
ACTOR = "bench"
BATCH = 20_000  # rows per bulk insert


@dataclass(frozen=True)
class Revision:
    """One version of a district's agreement: when it was activated and what it says of its own validity."""
    activated_at: datetime
    valid_from_on: date
    valid_to_on: date
    revision_due_on: date


# -- the calendar -------------------------------------------------------------------------------

def history_terms(now: datetime, years: int) -> list[TermData]:
    """The 2 × `years` terms ending with the one under way at `now` (or the last one begun)."""
    today = now.astimezone(ZONE).date()
    candidates = [term for year in range(today.year - years - 1, today.year + 1)
                  for term in (_term(AUTUMN, year), _term("VT", year + 1))]
    return [t for t in candidates if t.starts_on <= today][-2 * years:]


def _term(season: str, year: int) -> TermData:
    """The demo's term of that name, or a typical Stockholm-county one: HT from about 20 August to 21 December
    with höstlov in week 44, VT from about 10 January to 12 June with sportlov in week 9 and påsklov in week 15."""
    name = f"{season}{year}"
    known = next((t for t in DEMO_TERMS if t.name == name), None)
    if known is not None:
        return known

    def week(number: int, kind: BreakKind, label: str) -> tuple[BreakKind, str, date, date]:
        return kind, label, date.fromisocalendar(year, number, 1), date.fromisocalendar(year, number, 5)

    if season == AUTUMN:
        return TermData(name, _weekday(date(year, 8, 20), 1), _weekday(date(year, 12, 21), -1),
                        (week(44, BreakKind.HOSTLOV, "Höstlov"),))
    return TermData(name, _weekday(date(year, 1, 10), 1), _weekday(date(year, 6, 12), -1),
                    (week(9, BreakKind.SPORTLOV, "Sportlov"), week(15, BreakKind.PASKLOV, "Påsklov")))


def _weekday(day: date, step: int) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=step)
    return day


def diligence(rng: random.Random) -> float:
    """How well a district keeps its agreement, from 0.55 (lags) to 0.98 (keeps it well)."""
    return rng.uniform(0.55, 0.98)


def revisions(terms: Sequence[Term], now: datetime, diligence: float, rng: random.Random) -> list[Revision]:
    """A version a year from the June before the first term: on 1 June, or in September when the district lags."""
    first = terms[0].starts_on
    found = []
    for year in range(first.year if first.month >= 7 else first.year - 1, now.year + 1):
        late = bool(found) and rng.random() > diligence
        activated_at = datetime(year, 9, 20, 10, 0, tzinfo=ZONE) if late else datetime(year, 6, 1, 10, 0, tzinfo=ZONE)
        if activated_at > now:
            break
        found.append(Revision(activated_at, date(year, 7, 1), date(year + 1, 6, 30), date(year + 1, 6, 1)))
    return found


# -- the meetings -------------------------------------------------------------------------------

def write(session: Session, municipality_id: int, terms: Sequence[Term], diligence: Mapping[str, float],
          deputy_of: Mapping[int, int], now: datetime, rng: random.Random, created: Counter[str]) -> None:
    """Every district's meetings of `terms`, and what became of them by `now`."""
    batches = _Batches(session, created)
    for district in session.scalars(sa.select(District).where(District.municipality_id == municipality_id)
                                    .order_by(District.id)).all():
        versions = list(session.scalars(
            sa.select(AgreementVersion).join(Agreement).where(Agreement.district_id == district.id)
            .order_by(AgreementVersion.number)))
        if not versions:
            continue
        independent = set(session.scalars(sa.select(School.id).where(
            School.district_id == district.id, School.organiser_type == OrganiserType.INDEPENDENT)))
        org = load_organisation(session, district, versions)
        series = {v.id: {s.spec.key: s for s in series_of_version(session, v, org)} for v in versions}
        history = _District(district, diligence[district.code], independent, deputy_of, now, rng)
        for term in terms:
            begins = datetime.combine(term.starts_on, time(0, 0), ZONE)
            version = [v for v in versions if v.activated_at is not None and v.activated_at <= begins][-1]
            of_version = series[version.id]
            plan = plan_term(calendar_for(session, term), [s.spec for s in of_version.values()], [])
            for n, planned in enumerate(plan.meetings):
                history.meeting(term, n, of_version[planned.series_key], planned.starts_at, planned.ends_at)
        ids = new_ids(session, Meeting, len(history.meetings))
        insert_many(session, Meeting, [{"id": id_, **row} for id_, row in zip(ids, history.meetings)])
        created["möten"] += len(ids)
        for table, rows in history.children.items():
            batches.add(table, [{**row, "meeting_id": ids[row["meeting_id"]]} for row in rows])
    batches.flush()


class _District:
    """Draws one district's meetings and their outcome; children name their meeting by its index in `meetings`."""

    def __init__(self, district: District, diligence: float, independent: set[int], deputy_of: Mapping[int, int],
                 now: datetime, rng: random.Random) -> None:
        self.district, self.diligence, self.independent = district, diligence, independent
        self.deputy_of, self.now, self.rng = deputy_of, now, rng
        self.today = now.astimezone(ZONE).date()
        self.meetings: list[dict[str, Any]] = []
        self.children: dict[Any, list[dict[str, Any]]] = {
            Invitation: [], Attendance: [], Minutes: [], ActionItem: []}

    def chance(self, base: float, spread: float) -> bool:
        """True with a probability of `base` plus `spread` times the district's diligence."""
        return self.rng.random() < base + spread * self.diligence

    def meeting(self, term: Term, n: int, series: Series, starts_at: datetime, ends_at: datetime) -> None:
        form, now, rng = series.form, self.now, self.rng
        published_at = starts_at - timedelta(days=form.invite_lead_days)
        is_published = published_at <= now
        cancelled = is_published and ends_at < now and not self.chance(0.93, 0.05)
        status = MeetingStatus.CANCELLED if cancelled else (
            MeetingStatus.SCHEDULED if is_published else MeetingStatus.DRAFT)
        index = len(self.meetings)
        self.meetings.append({
            "uid": f"h{self.district.id}-{term.id}-{n}@bench.samverkan.example", "meeting_form_id": form.id,
            "term_id": term.id, "series_key": series.spec.key, "district_id": self.district.id,
            "school_id": series.school_id, "group_id": series.group_id, "starts_at": starts_at, "ends_at": ends_at,
            "place": form.place, "video_url": form.video_url, "agenda": None, "status": status,
            "is_moved_by_hand": False, "is_added_by_hand": False, "sequence": 0,
            "created_at": published_at - timedelta(days=7),
            "published_at": published_at if is_published else None,
            "published_by": ACTOR if is_published else None,
            "cancelled_at": starts_at - timedelta(days=rng.randint(1, 5)) if cancelled else None})
        invitations = list(self._invitations(index, series, published_at if is_published else None, starts_at))
        self.children[Invitation] += invitations
        if status is not MeetingStatus.SCHEDULED or ends_at >= now or not self.chance(0.8, 0.18):
            return  # not held: nothing recorded (or not yet)
        has_minutes = form.requires_minutes and self.chance(0.82, 0.15)
        if has_minutes or not form.requires_minutes or self.chance(0.6, 0.3):
            self._attendance(index, invitations, ends_at)
        elif form.requires_minutes:
            has_minutes = True  # held, so something was recorded: the minutes
        if has_minutes:
            self._minutes(index, series, ends_at, [i["person_id"] for i in invitations])

    def _invitations(self, index: int, series: Series, published_at: datetime | None,
                     starts_at: datetime) -> Iterator[dict[str, Any]]:
        rng, invited = self.rng, set(series.invitees)
        for person_id, function in sorted(series.invitees.items(), key=lambda item: item[0]):
            school_id = series.schools.get(person_id)
            row = {"meeting_id": index, "person_id": person_id, "function": function, "school_id": school_id,
                   "answer": Answer.NEEDS_ACTION, "answered_at": None, "answered_via": None, "answer_sequence": None,
                   "delegated_to_id": None, "delegated_from_id": None, "removed_at": None,
                   "rsvp_key": f"{rng.getrandbits(64):016x}"}
            answered_at = None if published_at is None else min(
                published_at + timedelta(days=rng.expovariate(1 / 3)), starts_at - timedelta(hours=1))
            less = 0.25 if school_id in self.independent else 0.0
            if answered_at is None or answered_at > self.now or not self.chance(0.55 - less, 0.4):
                yield row
                continue
            draw, deputy = rng.random(), self.deputy_of.get(person_id)
            answer = (Answer.DELEGATED if draw < 0.06 and deputy is not None and deputy not in invited else
                      Answer.DECLINED if draw < 0.14 else Answer.TENTATIVE if draw < 0.19 else Answer.ACCEPTED)
            via = rng.choices(("link", "calendar", "organiser"), weights=(70, 20, 10))[0]
            row.update(answer=answer, answered_at=answered_at, answered_via=via, answer_sequence=0)
            if answer is Answer.DELEGATED:
                row["delegated_to_id"] = deputy
                stand_in = answered_at + timedelta(hours=rng.randint(2, 48))
                yield row
                yield {**row, "person_id": deputy, "answer": Answer.ACCEPTED, "answered_via": "link",
                       "answered_at": stand_in if stand_in <= self.now else None, "delegated_to_id": None,
                       "delegated_from_id": person_id, "rsvp_key": f"{rng.getrandbits(64):016x}"}
                invited.add(deputy)  # type: ignore[arg-type]
                continue
            yield row

    def _attendance(self, index: int, invitations: Sequence[dict[str, Any]], ends_at: datetime) -> None:
        came = {Answer.ACCEPTED: 0.93, Answer.TENTATIVE: 0.6, Answer.NEEDS_ACTION: 0.45, Answer.DECLINED: 0.05,
                Answer.DELEGATED: 0.9}
        recorded_at = min(ends_at + timedelta(hours=self.rng.randint(1, 48)), self.now)
        for invitation in invitations:
            if invitation["delegated_from_id"] is not None:
                continue  # a deputy shows as "represented by" on the invitee they stood in for
            answer = invitation["answer"]
            odds = came[answer] * (0.8 if invitation["school_id"] in self.independent else 1.0)
            status, deputy = AttendanceStatus.ABSENT, None
            if self.rng.random() < odds:
                status = AttendanceStatus.REPRESENTED if answer is Answer.DELEGATED else AttendanceStatus.PRESENT
                deputy = invitation["delegated_to_id"] if answer is Answer.DELEGATED else None
            self.children[Attendance].append({
                "meeting_id": index, "person_id": invitation["person_id"], "function": invitation["function"],
                "school_id": invitation["school_id"], "status": status, "represented_by_id": deputy,
                "recorded_at": recorded_at, "recorded_by": ACTOR})

    def _minutes(self, index: int, series: Series, ends_at: datetime, invitees: Sequence[int]) -> None:
        form, rng, now = series.form, self.rng, self.now

        def after(start: datetime | None, on_time: bool, within: float, late: tuple[float, float]) -> datetime | None:
            if start is None:
                return None
            days = rng.uniform(0.2, within) if on_time else within + rng.uniform(*late)
            moment = start + timedelta(days=days)
            return moment if moment <= now else None

        due_at = ends_at + timedelta(days=form.minutes_due_days)
        registered = after(ends_at, self.chance(0.45, 0.5), form.minutes_due_days, (1, 25))
        approval_due = registered + timedelta(days=7) if registered and form.requires_approval else None
        approved = after(registered, self.chance(0.5, 0.45), 7, (1, 20)) if form.requires_approval else None
        final = approved if form.requires_approval else registered
        report_due = final + timedelta(days=60) if final and form.reports_to_committee else None
        reported = after(final, self.chance(0.4, 0.55), 60, (5, 60)) if form.reports_to_committee else None
        state = (MinutesState.REPORTED if reported else MinutesState.APPROVED if approved
                 else MinutesState.REGISTERED if registered else MinutesState.DRAFT)
        created_at = ends_at + timedelta(hours=2)
        self.children[Minutes].append({
            "meeting_id": index, "state": state, "revision": 1, "content": {}, "created_at": created_at,
            "created_by": ACTOR, "updated_at": reported or approved or registered or created_at, "updated_by": ACTOR,
            "registered_at": registered, "registered_by": ACTOR if registered else None,
            "approved_at": approved, "reported_at": reported, "due_at": due_at, "first_registered_at": registered,
            "approval_due_at": approval_due, "first_approved_at": approved, "report_due_at": report_due,
            "first_reported_at": reported, "reported_by": ACTOR if reported else None,
            "committee_date": reported.astimezone(ZONE).date() if reported else None,
            "committee_reference": f"SDN {reported.year}/{rng.randint(100, 999)}" if reported else None,
            "archived_at": None, "archived_by": None})
        for n in range(rng.choice((0, 1, 1, 2, 3))):
            self._action_item(index, series, ends_at, rng.choice(invitees) if invitees else None, n, created_at)

    def _action_item(self, index: int, series: Series, ends_at: datetime, owner: int | None, n: int,
                     created_at: datetime) -> None:
        rng = self.rng
        due_on = ends_at.astimezone(ZONE).date() + timedelta(days=rng.randint(14, 60))
        status, closed_on = ActionItemStatus.OPEN, None
        if rng.random() < 0.05:
            status, closed_on = ActionItemStatus.DROPPED, min(due_on, self.today)
        elif self.chance(0.55, 0.4) if due_on < self.today else rng.random() < 0.3:
            slack = rng.randint(-12, 2) if self.chance(0.35, 0.6) else rng.randint(1, 40)
            status, closed_on = ActionItemStatus.DONE, min(due_on + timedelta(days=slack), self.today)
        closed_at = datetime.combine(closed_on, time(10, 0), ZONE) if closed_on else None
        self.children[ActionItem].append({
            "meeting_id": index, "series_key": series.spec.key, "text": f"Åtgärd {n + 1} från {series.form.name}",
            "owner_id": owner, "due_on": due_on, "status": status,
            "created_at": created_at, "created_by": ACTOR, "closed_at": closed_at,
            "closed_by": ACTOR if closed_at else None, "closed_on": closed_on})


class _Batches:
    """Rows waiting to be written per table, written when a table has BATCH of them."""

    def __init__(self, session: Session, created: Counter[str]) -> None:
        self.session, self.created = session, created
        self.rows: dict[Any, list[dict[str, Any]]] = {}
        self.names = {Invitation: "inbjudningar", Attendance: "närvaro", Minutes: "protokoll", ActionItem: "åtgärder"}

    def add(self, model: Any, rows: list[dict[str, Any]]) -> None:
        waiting = self.rows.setdefault(model, [])
        waiting += rows
        if len(waiting) >= BATCH:
            self._write(model)

    def flush(self) -> None:
        for model in list(self.rows):
            self._write(model)

    def _write(self, model: Any) -> None:
        rows = self.rows.pop(model, [])
        if rows:
            insert_many(self.session, model, rows)
            self.created[self.names[model]] += len(rows)
