"""What stands behind a follow-up figure: the meetings, schools, people or action items it counts, and a
district's schools over a school year ("which schools are we not reaching").

Each drill-down lists the rows of one district's term for one indicator part, with the same rules
as the aggregates (`queries.is_held`, the first-fulfilment times, the per-school quorum). The lists
are as long as the district's term, so they are read row by row.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased, selectinload

from coordinator.agreements.models import Agreement, AgreementVersion, MeetingForm
from coordinator.cases.models import ReportOfConcern
from coordinator.followup.queries import ATTENDED, FactsFunction, _slots, is_held, is_not_held, term_facts
from coordinator.followup.sql import days_since_epoch, epoch_days
from coordinator.i18n import N_, DomainError
from coordinator.invitations.events import meeting_title
from coordinator.minutes.attendance import Seat, coverage
from coordinator.minutes.models import ActionItem, ActionItemStatus, Attendance, Minutes
from coordinator.org.functions import Function
from coordinator.org.models import District, OrganiserType, Person, School
from coordinator.planning.models import Answer, Invitation, Meeting, MeetingStatus, forum_meeting
from coordinator.terms.calendar import DEFAULT_TIMEZONE
from coordinator.terms.models import Term


@dataclass(frozen=True)
class Drill:
    """The rows behind a figure: a title, column headings (Swedish message ids) and rows of plain values.

    `links` gives, per row, the meeting whose page the row opens (or None)."""
    key: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    links: tuple[int | None, ...] = field(default_factory=tuple)


MEETING_DRILLS = {
    "meetings.in_plan": N_("Planerade möten (inte inställda)"),
    "meetings.published": N_("Publicerade möten (inte inställda)"),
    "meetings.held": N_("Hållna möten"),
    "meetings.planned": N_("Hållna och kommande möten"),
    "meetings.not_held": N_("Möten som inte hölls"),
    "meetings.cancelled": N_("Inställda möten"),
    "meetings.incomplete": N_("Hållna möten där en krävd funktion saknades"),
    "meetings.minutes_missing": N_("Möten vars protokoll saknas efter sista dag"),
    "meetings.minutes_late": N_("Möten vars protokoll inte registrerades i tid"),
    "meetings.not_approved": N_("Registrerade protokoll som inte är justerade"),
    "meetings.not_reported": N_("Färdiga protokoll som inte är anmälda till nämnden"),
}
SCHOOL_DRILLS = {
    "schools.not_joined": N_("Skolor som inte är parter i överenskommelsen"),
    "schools.invited": N_("Partsskolor och om de bjöds in"),
    "schools.answered": N_("Partsskolor och om någon svarade"),
    "schools.attended": N_("Partsskolor och om de deltog"),
}
OTHER_DRILLS = {
    "people.unanswered": N_("Inbjudna som inte har svarat"),
    "people.deputies": N_("Inbjudna som skickade en ersättare"),
    "actions.open": N_("Öppna åtgärdspunkter"),
    "actions.overdue": N_("Försenade åtgärdspunkter"),
    "actions.closed": N_("Klara åtgärdspunkter"),
    "reports.late": N_("Anmälningsmöten bokade efter sista dagen, med skälen"),
}
KINDS = {"municipal": OrganiserType.MUNICIPAL, "independent": OrganiserType.INDEPENDENT}


def drill_keys() -> list[str]:
    return [*MEETING_DRILLS, *(f"{k}.{kind}" for k in SCHOOL_DRILLS for kind in KINDS), *OTHER_DRILLS]


def drill(session: Session, district: District, term: Term, key: str, now: datetime, *,
          form_key: str | None = None, timezone: str = DEFAULT_TIMEZONE) -> Drill:
    """The rows behind the figure `key` (see `drill_keys`), for one meeting form when `form_key` is given."""
    if key in MEETING_DRILLS:
        return _meetings(session, district, term, key, now, form_key, timezone)
    base, _, kind = key.rpartition(".")
    if base in SCHOOL_DRILLS and kind in KINDS:
        return _schools(session, district, term, base, KINDS[kind], key, now, timezone)
    if key in ("people.unanswered", "people.deputies"):
        return _people(session, district, term, key, timezone)
    if key in ("actions.open", "actions.overdue", "actions.closed"):
        return _actions(session, district, term, key, now, timezone)
    if key == "reports.late":
        return _late_reports(session, district, term, timezone)
    raise DomainError(N_("Det finns ingen uppföljning som heter %(key)s."), key=key)


def form_name(session: Session, district: District, form_key: str) -> str:
    """The name of the meeting form behind a form key (a<agreement>:<kind>:<n>) of the district's agreements, as
    the newest activated version that has it calls it; DomainError for a key that is none of the district's."""
    agreement = form_key.split(":", 1)[0]
    versions = () if not (agreement.startswith("a") and agreement[1:].isdigit()) else session.scalars(
        sa.select(AgreementVersion).join(Agreement, Agreement.id == AgreementVersion.agreement_id)
        .where(Agreement.district_id == district.id, AgreementVersion.activated_at.is_not(None),
               Agreement.id == int(agreement[1:]))
        .options(selectinload(AgreementVersion.meeting_forms), selectinload(AgreementVersion.agreement))
        .order_by(AgreementVersion.activated_at.desc()))
    for version in versions:
        name = next((slot.form.name for _, slot in _slots(version) if slot.key == form_key), None)
        if name is not None:
            return name
    raise DomainError(N_("Stadsdelen har ingen mötesform %(form)s."), form=form_key)


# -- meetings ---------------------------------------------------------------------------------------------

def _meetings(session: Session, district: District, term: Term, key: str, now: datetime, form_key: str | None,
              timezone: str) -> Drill:
    query = (sa.select(Meeting, Minutes).outerjoin(Minutes, Minutes.meeting_id == Meeting.id)
             .join(MeetingForm, MeetingForm.id == Meeting.meeting_form_id)
             .where(Meeting.district_id == district.id, Meeting.term_id == term.id, forum_meeting())
             .options(selectinload(Meeting.meeting_form).selectinload(MeetingForm.functions),
                      selectinload(Meeting.school), selectinload(Meeting.group))
             .order_by(Meeting.starts_at, Meeting.id))
    if form_key is not None:
        query = query.where(sa.or_(Meeting.series_key == form_key, Meeting.series_key.startswith(f"{form_key}:")))
    due_passed = epoch_days(Meeting.ends_at) + MeetingForm.minutes_due_days < days_since_epoch(now)
    registered = Minutes.first_registered_at.is_not(None)
    final = sa.or_(Minutes.first_approved_at.is_not(None), sa.and_(registered, ~MeetingForm.requires_approval))
    held_minutes = sa.and_(is_held(now), MeetingForm.requires_minutes)
    condition = {
        "meetings.in_plan": Meeting.status != MeetingStatus.CANCELLED,
        "meetings.published": Meeting.status == MeetingStatus.SCHEDULED,
        "meetings.held": is_held(now),
        "meetings.planned": sa.or_(is_held(now), sa.and_(Meeting.status != MeetingStatus.CANCELLED,
                                                         Meeting.starts_at > now)),
        "meetings.not_held": is_not_held(now),
        "meetings.cancelled": Meeting.status == MeetingStatus.CANCELLED,
        "meetings.incomplete": sa.and_(is_held(now), sa.exists().where(Attendance.meeting_id == Meeting.id)),
        "meetings.minutes_missing": sa.and_(held_minutes, ~registered, due_passed),
        "meetings.minutes_late": sa.and_(held_minutes, sa.or_(registered, due_passed),
                                         sa.or_(Minutes.first_registered_at.is_(None),
                                                Minutes.first_registered_at > Minutes.due_at)),
        "meetings.not_approved": sa.and_(held_minutes, registered, MeetingForm.requires_approval,
                                         Minutes.first_approved_at.is_(None)),
        "meetings.not_reported": sa.and_(held_minutes, MeetingForm.reports_to_committee, final,
                                         Minutes.first_reported_at.is_(None)),
    }[key]
    found = session.execute(query.where(condition)).all()
    missing: dict[int, str] = {}
    if key == "meetings.incomplete":
        missing = _missing_functions(session, [m for m, _ in found])
        found = [(m, minutes) for m, minutes in found if m.id in missing]
    zone = ZoneInfo(timezone)
    rows = tuple((m.starts_at.astimezone(zone).replace(tzinfo=None, second=0, microsecond=0), meeting_title(m),
                  _status(m, now), _minutes_state(minutes), missing.get(m.id, "")) for m, minutes in found)
    return Drill(key, MEETING_DRILLS[key],
                 (N_("Börjar"), N_("Möte"), N_("Mötet"), N_("Protokoll"), N_("Saknade funktioner")),
                 rows, tuple(m.id for m, _ in found))


def _missing_functions(session: Session, meetings: Sequence[Meeting]) -> dict[int, str]:
    """Per held meeting with a required function missing: which, and at which schools."""
    seats: dict[int, list[Seat]] = defaultdict(list)
    ids = [m.id for m in meetings]
    for meeting_id, function, status, school_id in session.execute(
            sa.select(Attendance.meeting_id, Attendance.function, Attendance.status, Attendance.school_id)
            .where(Attendance.meeting_id.in_(ids))) if ids else ():
        seats[meeting_id].append(Seat(function, status, school_id))
    # not dict(result): a Result has keys() (its columns), so dict() would take it for a mapping and fail
    names = {school_id: name for school_id, name in session.execute(sa.select(School.id, School.name).where(
        School.district_id.in_(sorted({m.district_id for m in meetings}))))} if meetings else {}
    found = {}
    for meeting in meetings:
        result = coverage(meeting.meeting_form.required_functions, seats[meeting.id])
        if result.missing:
            found[meeting.id] = "; ".join(_missing_text(f, result.missing_schools(f), names) for f in result.missing)
    return found


def _missing_text(function: Function, schools: Sequence[int], names: dict[int, str]) -> str:
    label = function.label("sv")
    return f"{label} ({', '.join(names.get(s, str(s)) for s in schools)})" if schools else label


def _status(meeting: Meeting, now: datetime) -> str:
    if meeting.status is MeetingStatus.CANCELLED:
        return N_("inställt")
    if meeting.status is MeetingStatus.DRAFT:
        return N_("utkast")
    return N_("kommande") if meeting.starts_at > now else N_("publicerat")


def _minutes_state(minutes: Minutes | None) -> str:
    if minutes is None:
        return N_("saknas")
    return {"draft": N_("utkast"), "registered": N_("registrerat"), "approved": N_("justerat"),
            "reported": N_("anmält"), "archived": N_("arkiverat")}[minutes.state.value]


# -- schools ----------------------------------------------------------------------------------------------

def _schools(session: Session, district: District, term: Term, base: str, kind: OrganiserType, key: str,
             now: datetime, timezone: str) -> Drill:
    facts = term_facts(session, [district.id], [term], now, timezone)[(district.id, term.id)]
    schools = {s.id: s for s in session.scalars(sa.select(School).where(School.district_id == district.id,
                                                                        School.organiser_type == kind))}
    if base == "schools.not_joined":
        ids = [s for s in facts.agreement.not_joined if s in schools]
        rows = tuple((schools[s].name, schools[s].unit_code) for s in sorted(ids, key=lambda s: schools[s].name))
        return Drill(key, SCHOOL_DRILLS[base], (N_("Skola"), N_("Skolenhetskod")), rows, (None,) * len(rows))
    counts = facts.municipal if kind is OrganiserType.MUNICIPAL else facts.independent
    reached = {"schools.invited": counts.invited, "schools.answered": counts.answered,
               "schools.attended": counts.attended}[base]
    party = sorted(counts.parties, key=lambda s: (s in reached, schools[s].name if s in schools else ""))
    rows = tuple((schools[s].name, schools[s].unit_code, N_("ja") if s in reached else N_("nej"))
                 for s in party if s in schools)
    return Drill(key, SCHOOL_DRILLS[base], (N_("Skola"), N_("Skolenhetskod"), N_("Nådd")), rows, (None,) * len(rows))


# -- people -----------------------------------------------------------------------------------------------

def _people(session: Session, district: District, term: Term, key: str, timezone: str) -> Drill:
    deputy = aliased(Person)
    query = (sa.select(Invitation, Person, Meeting, deputy).join(Person, Person.id == Invitation.person_id)
             .join(Meeting, Meeting.id == Invitation.meeting_id)
             .outerjoin(deputy, deputy.id == Invitation.delegated_to_id)
             .where(Meeting.district_id == district.id, Meeting.term_id == term.id, forum_meeting(),
                    Meeting.status == MeetingStatus.SCHEDULED, Invitation.removed_at.is_(None))
             .options(selectinload(Meeting.meeting_form), selectinload(Meeting.school), selectinload(Meeting.group))
             .order_by(Person.name, Meeting.starts_at))
    wanted = Answer.NEEDS_ACTION if key == "people.unanswered" else Answer.DELEGATED
    found = session.execute(query.where(Invitation.answer == wanted)).all()
    zone = ZoneInfo(timezone)
    rows = tuple((person.name, person.organisation_name, meeting_title(meeting),
                  meeting.starts_at.astimezone(zone).replace(tzinfo=None, second=0, microsecond=0),
                  sent.name if sent is not None else "") for _, person, meeting, sent in found)
    columns = (N_("Namn"), N_("Skola eller enhet"), N_("Möte"), N_("Börjar"), N_("Ersättare"))
    return Drill(key, OTHER_DRILLS[key], columns, rows, tuple(m.id for _, _, m, _ in found))


# -- action items -----------------------------------------------------------------------------------------

def _actions(session: Session, district: District, term: Term, key: str, now: datetime, timezone: str) -> Drill:
    today = now.astimezone(ZoneInfo(timezone)).date()
    condition = {
        "actions.open": ActionItem.status == ActionItemStatus.OPEN,
        "actions.overdue": sa.and_(ActionItem.status == ActionItemStatus.OPEN, ActionItem.due_on < today),
        "actions.closed": ActionItem.status == ActionItemStatus.DONE,
    }[key]
    found = session.execute(
        sa.select(ActionItem, Meeting, Person).join(Meeting, Meeting.id == ActionItem.meeting_id)
        .outerjoin(Person, Person.id == ActionItem.owner_id)
        .where(Meeting.district_id == district.id, Meeting.term_id == term.id, condition)
        .options(selectinload(Meeting.meeting_form), selectinload(Meeting.school), selectinload(Meeting.group))
        .order_by(ActionItem.due_on, ActionItem.id)).all()
    rows = tuple((item.text, owner.name if owner else "", item.due_on, item.closed_on, meeting_title(meeting))
                 for item, meeting, owner in found)
    columns = (N_("Åtgärd"), N_("Ansvarig"), N_("Klar senast"), N_("Klar"), N_("Möte"))
    return Drill(key, OTHER_DRILLS[key], columns, rows, tuple(m.id for _, m, _ in found))


# -- reports of concern ----------------------------------------------------------------------------------

def _late_reports(session: Session, district: District, term: Term, timezone: str) -> Drill:
    """The term's reports whose meeting was booked after the deadline, with the reason the officer gave."""
    found = list(session.scalars(
        sa.select(ReportOfConcern)
        .where(ReportOfConcern.district_id == district.id, ReportOfConcern.term_id == term.id,
               ReportOfConcern.withdrawn_at.is_(None), ReportOfConcern.late_reason.is_not(None))
        .options(selectinload(ReportOfConcern.school), selectinload(ReportOfConcern.meeting))
        .order_by(ReportOfConcern.received_on, ReportOfConcern.id)))
    zone = ZoneInfo(timezone)
    rows = tuple((r.school.name, r.received_on, r.deadline_on,
                  r.meeting.starts_at.astimezone(zone).replace(tzinfo=None, second=0, microsecond=0) if r.meeting
                  else None, r.late_reason) for r in found)
    columns = (N_("Skola"), N_("Kom in"), N_("Sista dag"), N_("Mötet"), N_("Skäl"))
    return Drill("reports.late", OTHER_DRILLS["reports.late"], columns, rows, (None,) * len(rows))


# -- a district's schools over a school year --------------------------------------------------------------

@dataclass(frozen=True)
class SchoolYearRow:
    school: School
    is_party: bool
    taken_part: tuple[tuple[int, int], ...]  # per forum: (held meetings it was invited to, of them attended)

    @property
    def is_reached(self) -> bool:
        return any(attended for _, attended in self.taken_part)


@dataclass(frozen=True)
class SchoolYear:
    district: District
    terms: tuple[Term, ...]
    forums: tuple[str, ...]          # the forms' names, as columns
    rows: tuple[SchoolYearRow, ...]  # schools not reached first, independent before municipal, then by name


def school_year_terms(session: Session, district: District, year: int) -> tuple[Term, ...]:
    """The autumn term of `year` and the spring term after it: one school year (läsår)."""
    names = (f"HT{year}", f"VT{year + 1}")
    terms = tuple(session.scalars(sa.select(Term).where(Term.municipality_id == district.municipality_id,
                                                        Term.name.in_(names)).order_by(Term.starts_on)))
    if not terms:
        raise DomainError(N_("Läsåret %(year)s/%(next)s har inga terminer."), year=year, next=str(year + 1)[-2:])
    return terms


def school_year(session: Session, district: District, year: int, now: datetime,
                timezone: str = DEFAULT_TIMEZONE, counted: FactsFunction = term_facts) -> SchoolYear:
    """Every active school of the district over a school year: which forums it was invited to and attended."""
    terms = school_year_terms(session, district, year)
    facts = counted(session, [district.id], list(terms), now, timezone)
    parties = set().union(*(f.municipal.parties | f.independent.parties for f in facts.values()))
    scope = (Meeting.district_id == district.id, Meeting.term_id.in_([t.id for t in terms]), forum_meeting(),
             is_held(now))
    forum = MeetingForm.name
    invited = session.execute(
        sa.select(Invitation.school_id, forum, sa.func.count(sa.distinct(Meeting.id)))
        .join(Meeting, Meeting.id == Invitation.meeting_id).join(MeetingForm, MeetingForm.id == Meeting.meeting_form_id)
        .where(*scope, Invitation.school_id.is_not(None), Invitation.removed_at.is_(None))
        .group_by(Invitation.school_id, forum)).all()
    attended = dict(((s, f), n) for s, f, n in session.execute(
        sa.select(Attendance.school_id, forum, sa.func.count(sa.distinct(Meeting.id)))
        .join(Meeting, Meeting.id == Attendance.meeting_id).join(MeetingForm, MeetingForm.id == Meeting.meeting_form_id)
        .where(*scope, Attendance.school_id.is_not(None), Attendance.status.in_(ATTENDED))
        .group_by(Attendance.school_id, forum)))
    forums = tuple(sorted({f for _, f, _ in invited}))
    by_school: dict[int, dict[str, int]] = defaultdict(dict)
    for school_id, name, count in invited:
        by_school[school_id][name] = count
    schools = session.scalars(sa.select(School).where(School.district_id == district.id, School.is_active))
    rows = [SchoolYearRow(s, s.id in parties, tuple((by_school[s.id].get(f, 0), attended.get((s.id, f), 0))
                                                    for f in forums)) for s in schools]
    rows.sort(key=lambda r: (r.is_reached, not r.school.is_independent, r.school.name))
    return SchoolYear(district, terms, forums, tuple(rows))


def school_year_of(term_name: str) -> int:
    """The school year (its autumn's year) a term belongs to: HT2027 → 2027, VT2028 → 2027."""
    return int(term_name[2:]) - (1 if term_name.upper().startswith("VT") else 0)


def today_in(now: datetime, timezone: str = DEFAULT_TIMEZONE) -> date:
    return now.astimezone(ZoneInfo(timezone)).date()
