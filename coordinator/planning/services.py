"""Planning a district's term: series from its agreement, the pure planner, drafts in bulk, review and publish.

Plain Python over a session; the actor, the time and the settings (time zone, calendar-UID
domain) are passed in. Services flush and write audit events; the caller commits, so a plan
and its audit trail land together or not at all. Broken rules raise `DomainError` with a
Swedish template before anything is written.

A district's plan covers the district's own agreement. City-level agreements (the steering
group) belong to the city and are not planned per district; their meetings, like every other
district's, still make their invitees busy, so a district plan never double-books anyone.

Series keys are `a<agreement>:<form kind>:<n>` (the n-th form of that kind in the version),
with `:s<school>` or `:g<group>` for per-school and group forms. A new version of the
agreement copies its forms under new ids, so keys name the form by its place in the agreement
rather than by id: planning again after a revision keeps the meetings already planned.

Warnings are computed whenever the plan is shown (`review`), not stored, so they always
describe the plan and the organisation as they are now.
"""
from __future__ import annotations

import secrets
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from coordinator import audit
from coordinator.agreements.models import (
    Agreement, AgreementVersion, Cadence, FormKind, MeetingForm, Party, Scope, VersionStatus,
)
from coordinator.agreements.services import revision_overdue
from coordinator.agreements.staffing import FormNeeds, Holding, unstaffed_functions
from coordinator.i18n import N_, DomainError
from coordinator.org.functions import Function, Level
from coordinator.org.models import District, Person, PersonFunction, School, SchoolGroup, Unit, UnitKind
from coordinator.planning.models import Invitation, Meeting, MeetingStatus
from coordinator.planning.planner import (
    CADENCE_IMPOSSIBLE, DOUBLE_BOOKED, INVALID_CADENCE, ExistingMeeting, Plan,
    PlanWarning, SeriesSpec, double_bookings, hand_made_warnings, plan_term,
)
from coordinator.terms.calendar import DEFAULT_TIMEZONE, TermCalendar
from coordinator.terms.services import calendar_for, get_term
from coordinator.terms.models import Term

# the calendar UID's domain when the caller passes none (the web and the CLI pass the site's host)
UID_DOMAIN = "samverkan.invalid"

# warning codes besides the planner's and the staffing rule's (imported above, so that every code a
# caller compares against comes from this module)
REVISION_OVERDUE = "revision_overdue"
NO_PRINCIPAL = "no_principal"
NO_ACTIVE_AGREEMENT = "no_active_agreement"


# -- what the services hand back ---------------------------------------------------------------

@dataclass(frozen=True)
class Invitee:
    person_id: int
    name: str
    email: str
    function: Function | None


@dataclass(frozen=True)
class MeetingEntry:
    """A stored meeting of the term, as the plan shows it."""
    id: int
    uid: str
    series_key: str
    form_id: int
    form_name: str
    form_position: int
    kind: FormKind
    scope: Scope
    school_name: str | None
    group_name: str | None
    starts_at: datetime  # UTC, as stored
    ends_at: datetime
    status: MeetingStatus
    is_moved_by_hand: bool
    is_added_by_hand: bool
    sequence: int
    published_at: datetime | None
    published_by: str | None
    invitees: tuple[Invitee, ...]  # by name
    person_ids: frozenset[int]

    @property
    def meeting_id(self) -> int:
        return self.id

    @property
    def is_cancelled(self) -> bool:
        return self.status is MeetingStatus.CANCELLED

    @property
    def title(self) -> str:
        """The form's name, with the school or group of its series."""
        where = self.school_name or self.group_name
        return f"{self.form_name} ({where})" if where else self.form_name


@dataclass(frozen=True)
class PlanningWarning:
    """Something the director should see before publishing: a code, a Swedish template, its values.

    A `Function` among the params is shown by its name in the reader's language.
    """
    code: str
    template: str
    params: Mapping[str, object]
    form_id: int | None = None
    meeting_id: int | None = None

    def params_in(self, language: str = "sv") -> dict[str, object]:
        return {key: value.label(language) if isinstance(value, Function) else value
                for key, value in self.params.items()}

    def message(self, language: str = "sv") -> str:
        """The untranslated (Swedish) sentence; the UI translates `template` and fills in `params_in`."""
        return self.template % self.params_in(language)


@dataclass(frozen=True)
class PlanResult:
    district: District
    term: Term
    calendar: TermCalendar
    meetings: tuple[MeetingEntry, ...]  # every stored meeting of the district's term, by start
    warnings: tuple[PlanningWarning, ...]
    added: int = 0      # meetings this call planned
    missing: int = 0    # meetings planning would add now (review)
    published: int = 0  # meetings this call published

    @property
    def drafts(self) -> int:
        return sum(m.status is MeetingStatus.DRAFT for m in self.meetings)


# -- finding things by what the user typed -------------------------------------------------------

def find_district(session: Session, district: District | str, *, lock: bool = False) -> District:
    """The district of a code (any case); `lock` serialises planning and publishing per district."""
    if isinstance(district, District):
        found: District | None = district
        if lock:
            session.execute(sa.select(District.id).where(District.id == district.id).with_for_update())
    else:
        query = sa.select(District).where(sa.func.upper(District.code) == district.strip().upper())
        found = session.scalars(query.with_for_update() if lock else query).one_or_none()
    if found is None:
        raise DomainError(N_("Stadsdelen %(code)s finns inte."), code=district)
    if not found.is_active:
        raise DomainError(N_("Stadsdelen %(district)s är nedlagd."), district=found.name)
    return found


def district_term(session: Session, district: District, term: Term | str) -> Term:
    """The term of a name (HT2027, VT2028) in the district's municipality."""
    if isinstance(term, Term):
        if term.municipality_id != district.municipality_id:
            raise DomainError(N_("Terminen %(term)s hör till en annan kommun än %(district)s."),
                              term=term.name, district=district.name)
        return term
    return get_term(session, district.municipality, term)


def find_meeting(session: Session, district: District, meeting_id: int) -> Meeting:
    """A meeting of the district; unknown ones and other districts' are errors alike."""
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise DomainError(N_("Mötet finns inte."))
    _check_owner(meeting, district)
    return meeting


# -- plan, review, publish -----------------------------------------------------------------------

def plan_district_term(
    session: Session, district: District | str, term: Term | str, *, actor: str, now: datetime,
    timezone: str = DEFAULT_TIMEZONE, uid_domain: str = UID_DOMAIN,
) -> PlanResult:
    """Write the draft meetings missing from the district's term; keep what is there, moved and cancelled ones too."""
    context = _load(session, district, term, timezone, lock=True)
    plan = _run_planner(context)
    added = _write(session, context, plan, now, uid_domain)
    if added:
        audit.record(session, at=now, actor=actor, action="meetings.planned", entity=context.term,
                     district_id=context.district.id,
                     after={"term": context.term.name, "added": len(added), "meeting_ids": [m.id for m in added]})
    # what is stored now, without reading it back: what was there and what was just written
    stored = sorted([*context.stored, *added], key=_in_order)
    return PlanResult(context.district, context.term, context.calendar, tuple(stored),
                      _warnings(context, plan, stored, now), added=len(added))


def review(
    session: Session, district: District | str, term: Term | str, now: datetime, *,
    timezone: str = DEFAULT_TIMEZONE,
) -> PlanResult:
    """The term's meetings and warnings as they stand, and how many meetings planning would add; writes nothing."""
    context = _load(session, district, term, timezone)
    plan = _run_planner(context)
    return PlanResult(context.district, context.term, context.calendar, tuple(context.stored),
                      _warnings(context, plan, context.stored, now), missing=len(plan.meetings))


def publish(
    session: Session, district: District | str, term: Term | str, *, actor: str, now: datetime,
    timezone: str = DEFAULT_TIMEZONE,
) -> PlanResult:
    """Make the term's draft meetings scheduled, recording who published them and when."""
    district = find_district(session, district, lock=True)
    term = district_term(session, district, term)
    drafts = (Meeting.district_id == district.id, Meeting.term_id == term.id, Meeting.status == MeetingStatus.DRAFT)
    ids = list(session.scalars(sa.select(Meeting.id).where(*drafts).order_by(Meeting.starts_at, Meeting.id)))
    if ids:
        session.execute(sa.update(Meeting).where(*drafts).values(
            status=MeetingStatus.SCHEDULED, published_at=now, published_by=actor))
        # The invitations issue queues each invitee's calendar REQUEST in the outbox here, for
        # the meetings `ids`, in this transaction: the mail leaves only if publishing commits.
        audit.record(session, at=now, actor=actor, action="meetings.published", entity=term,
                     district_id=district.id, after={"term": term.name, "published": len(ids), "meeting_ids": ids})
        session.flush()
    return replace(review(session, district, term, now, timezone=timezone), published=len(ids))


# -- the director's changes by hand ------------------------------------------------------------

def move_meeting(
    session: Session, meeting: Meeting, starts_at: datetime, ends_at: datetime, *, actor: str, now: datetime,
    district: District | None = None, timezone: str = DEFAULT_TIMEZONE,
) -> Meeting:
    """Move a meeting; planning keeps it where it was put. A published one's SEQUENCE goes up."""
    _check_owner(meeting, district)
    if meeting.is_cancelled:
        raise DomainError(N_("Mötet är inställt och kan inte flyttas."))
    _check_times(starts_at, ends_at, timezone)
    if (meeting.starts_at, meeting.ends_at) == (starts_at, ends_at):
        return meeting
    before = _times(meeting)
    meeting.starts_at, meeting.ends_at = starts_at, ends_at
    meeting.is_moved_by_hand = True
    if meeting.status is MeetingStatus.SCHEDULED:
        meeting.sequence += 1  # the invitees' calendars take the change by a higher SEQUENCE
    session.flush()
    audit.record(session, at=now, actor=actor, action="meeting.moved", entity=meeting,
                 district_id=meeting.district_id, before=before, after={**_times(meeting), "sequence": meeting.sequence})
    return meeting


def cancel_meeting(
    session: Session, meeting: Meeting, *, actor: str, now: datetime, district: District | None = None,
) -> Meeting:
    """Cancel a meeting; it stays stored, so planning again does not replace it."""
    _check_owner(meeting, district)
    if meeting.is_cancelled:
        raise DomainError(N_("Mötet är redan inställt."))
    before = meeting.status
    meeting.status = MeetingStatus.CANCELLED
    meeting.cancelled_at = now
    if before is MeetingStatus.SCHEDULED:
        meeting.sequence += 1  # the CANCEL must outrank the REQUEST the invitees have
    session.flush()
    audit.record(session, at=now, actor=actor, action="meeting.cancelled", entity=meeting,
                 district_id=meeting.district_id, before={"status": before.value},
                 after={"status": "cancelled", "sequence": meeting.sequence})
    return meeting


def add_meeting(
    session: Session, form: MeetingForm, term: Term | str, starts_at: datetime, ends_at: datetime | None = None,
    *, school: School | None = None, group: SchoolGroup | None = None, actor: str, now: datetime,
    timezone: str = DEFAULT_TIMEZONE, uid_domain: str = UID_DOMAIN,
) -> Meeting:
    """A draft meeting of a form added by hand, with the invitees the planner would give its series.

    It joins its series (the school's, for a per-school form), so it counts toward the cadence.
    `ends_at` defaults to the form's duration.
    """
    version = form.version
    if version.status is not VersionStatus.ACTIVE or version.agreement.district_id is None:
        raise DomainError(N_("%(form)s hör inte till en stadsdels gällande överenskommelse."), form=form.name)
    district = find_district(session, version.agreement.district)
    term = district_term(session, district, term)
    if ends_at is None:
        if form.duration_minutes <= 0:
            raise DomainError(N_("%(form)s har mötestiden %(minutes)d minuter; den måste vara längre än noll."),
                              form=form.name, minutes=form.duration_minutes)
        ends_at = starts_at + timedelta(minutes=form.duration_minutes)
    _check_times(starts_at, ends_at, timezone)
    org = _organisation(session, district, [version])
    series = _series_of_form(form, org, _ordinal(form), school=school, group=group)
    meeting = Meeting(
        uid=_uid(uid_domain), meeting_form_id=form.id, term_id=term.id, series_key=series.spec.key,
        district_id=district.id, school_id=series.school_id, group_id=series.group_id,
        starts_at=starts_at, ends_at=ends_at, place=form.place, video_url=form.video_url,
        status=MeetingStatus.DRAFT, is_moved_by_hand=False, is_added_by_hand=True, sequence=0, created_at=now,
        invitations=[Invitation(person_id=p, function=f) for p, f in sorted(series.invitees.items())],
    )
    session.add(meeting)
    session.flush()
    audit.record(session, at=now, actor=actor, action="meeting.added", entity=meeting, district_id=district.id,
                 after={"form": form.name, "term": term.name, "series_key": meeting.series_key,
                        **_times(meeting), "invitees": len(meeting.invitations)})
    return meeting


def _check_owner(meeting: Meeting, district: District | None) -> None:
    if district is not None and meeting.district_id != district.id:
        raise DomainError(N_("Mötet hör inte till %(district)s."), district=district.name)


def _check_times(starts_at: datetime, ends_at: datetime, timezone: str) -> None:
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise ValueError("a meeting's times must be timezone-aware")
    if ends_at <= starts_at:
        zone = ZoneInfo(timezone)
        raise DomainError(N_("Mötet kan inte sluta %(end)s, före eller samtidigt som det börjar %(start)s."),
                          start=_shown(starts_at, zone), end=_shown(ends_at, zone))


def _times(meeting: Meeting) -> dict[str, str]:
    return {"starts_at": meeting.starts_at.isoformat(), "ends_at": meeting.ends_at.isoformat()}


def _shown(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _uid(domain: str) -> str:
    return f"{secrets.token_hex(16)}@{domain}"


# -- loading: a few queries per district, whatever its size --------------------------------------

@dataclass(frozen=True)
class _Series:
    spec: SeriesSpec
    form: MeetingForm
    school_id: int | None
    group_id: int | None
    invitees: Mapping[int, Function]  # person -> the function they are invited for
    group_name: str | None = None


@dataclass
class _Organisation:
    """The district's active agreement versions and who holds which function where."""
    district: District
    versions: list[AgreementVersion]
    party_schools: dict[int, School]           # active party schools by id
    people: dict[int, tuple[str, str]]         # person id -> name and email
    holdings: list[Holding]                    # for the staffing rule
    at_school: dict[tuple[Function, int], list[int]]
    in_district: dict[Function, list[int]]
    police: dict[Function, list[int]]
    in_city: dict[Function, list[int]]
    groups: list[SchoolGroup] | None = None    # the district's groups, loaded when a form needs them


@dataclass
class _Context:
    district: District
    term: Term
    calendar: TermCalendar
    timezone: str
    org: _Organisation
    series: list[_Series]
    stored: list[MeetingEntry]
    elsewhere: list[ExistingMeeting]  # other districts' and the city's meetings of the term sharing a person
    elsewhere_names: dict[str, str]


def _load(session: Session, district: District | str, term: Term | str, timezone: str, *,
          lock: bool = False) -> _Context:
    district = find_district(session, district, lock=lock)
    term = district_term(session, district, term)
    calendar = calendar_for(session, term)
    versions = list(session.scalars(
        sa.select(AgreementVersion).join(AgreementVersion.agreement)
        .where(Agreement.district_id == district.id, AgreementVersion.status == VersionStatus.ACTIVE)
        .options(
            selectinload(AgreementVersion.agreement),
            selectinload(AgreementVersion.contact_person),
            selectinload(AgreementVersion.parties).selectinload(Party.school),
            selectinload(AgreementVersion.meeting_forms).selectinload(MeetingForm.functions),
            selectinload(AgreementVersion.meeting_forms).selectinload(MeetingForm.group)
            .selectinload(SchoolGroup.schools),
        )
        .order_by(Agreement.id)
    ))
    org = _organisation(session, district, versions)
    series = [s for version in versions for s in _series_of_version(session, version, org)]
    stored = _stored(session, district, term)
    person_ids = {p for s in series for p in s.invitees} | {p for m in stored for p in m.person_ids}
    elsewhere, elsewhere_names = _elsewhere(session, district, term, person_ids)
    return _Context(district, term, calendar, timezone, org, series, stored, elsewhere, elsewhere_names)


def _organisation(session: Session, district: District, versions: list[AgreementVersion]) -> _Organisation:
    """Who may be invited: one query for every function held at a party school, in the district or the city."""
    party_schools = {p.school_id: p.school for v in versions for p in v.parties if p.school.is_active}
    district_of = sa.func.coalesce(Person.district_id, School.district_id, Unit.district_id)
    city_functions = [f for f in Function if f.level is Level.CITY]
    rows = session.execute(
        sa.select(Person.id, Person.name, Person.email, PersonFunction.function, district_of, Person.school_id,
                  Unit.kind == UnitKind.POLICE)
        .join(PersonFunction, PersonFunction.person_id == Person.id)
        .outerjoin(School, Person.school_id == School.id)
        .outerjoin(Unit, Person.unit_id == Unit.id)
        .where(
            Person.municipality_id == district.municipality_id,
            Person.is_active,
            # someone at a closed school or unit no longer serves there
            sa.or_(School.id.is_(None), School.is_active),
            sa.or_(Unit.id.is_(None), Unit.is_active),
            sa.or_(Person.school_id.in_(list(party_schools)), district_of == district.id, district_of.is_(None),
                   PersonFunction.function.in_(city_functions)),
        )
    )
    org = _Organisation(district, versions, party_schools, {}, [], defaultdict(list), defaultdict(list),
                        defaultdict(list), defaultdict(list))
    for person_id, name, email, function, district_id, school_id, is_police in rows:
        org.people[person_id] = (name, email)
        holding = Holding(function, district_id, school_id, bool(is_police))
        org.holdings.append(holding)
        _file(org, person_id, holding)
    for version in versions:  # the agreement's named contact is read even if they hold no function
        contact = version.contact_person
        if contact is not None and contact.is_active:
            org.people[contact.id] = (contact.name, contact.email)
    return org


def _file(org: _Organisation, person_id: int, holding: Holding) -> None:
    """Index who holds what by where it serves, the way the staffing rule counts it."""
    function, level = holding.function, holding.function.level
    if level is Level.SCHOOL:
        if holding.school_id in org.party_schools:
            org.at_school[(function, holding.school_id)].append(person_id)  # type: ignore[index]
    elif level is Level.DISTRICT:
        if holding.district_id == org.district.id:
            org.in_district[function].append(person_id)
    elif level is Level.EXTERNAL:
        # a police unit serves its own district, or every district when linked to the municipality
        if holding.is_police and holding.district_id in (None, org.district.id):
            org.police[function].append(person_id)
    else:
        org.in_city[function].append(person_id)


def _ordinal(form: MeetingForm) -> int:
    """The form's place among the forms of its kind in its version, from 1."""
    same_kind = [f for f in form.version.meeting_forms if f.kind is form.kind]
    return next(n for n, f in enumerate(same_kind, 1) if f is form)


def _series_of_version(session: Session, version: AgreementVersion, org: _Organisation) -> list[_Series]:
    """One series per planned form of the version: per party school, per group, or one for the district."""
    ordinals: Counter[FormKind] = Counter()
    series: list[_Series] = []
    for form in version.meeting_forms:
        ordinals[form.kind] += 1
        if form.cadence is Cadence.ON_DEMAND:
            continue  # held when asked for; added by hand
        if form.scope is Scope.PER_SCHOOL:
            schools = sorted((s for s in org.party_schools.values() if _is_party(version, s)), key=lambda s: s.name)
            series += [_series_of_form(form, org, ordinals[form.kind], school=school) for school in schools]
        elif form.scope is Scope.GROUP:
            groups = [form.group] if form.group is not None else _district_groups(session, org)
            series += [_series_of_form(form, org, ordinals[form.kind], group=group) for group in groups]
        else:
            series.append(_series_of_form(form, org, ordinals[form.kind]))
    return series


def _is_party(version: AgreementVersion, school: School) -> bool:
    return any(p.school_id == school.id for p in version.parties)


def _district_groups(session: Session, org: _Organisation) -> list[SchoolGroup]:
    if org.groups is None:
        org.groups = list(session.scalars(
            sa.select(SchoolGroup).where(SchoolGroup.district_id == org.district.id)
            .options(selectinload(SchoolGroup.schools)).order_by(SchoolGroup.name)))
    return org.groups


def _series_of_form(form: MeetingForm, org: _Organisation, ordinal: int, *, school: School | None = None,
                    group: SchoolGroup | None = None) -> _Series:
    """The series of `form` for a school or group (as its scope asks) and its invitees."""
    version = form.version
    key = f"a{version.agreement_id}:{form.kind.value}:{ordinal}"
    label = form.name
    if form.scope is Scope.PER_SCHOOL:
        if school is None:
            raise DomainError(N_("%(form)s hålls för varje skola: välj en skola som är part."), form=form.name)
        if school.id not in org.party_schools or not _is_party(version, school):
            raise DomainError(N_("%(school)s är inte part i överenskommelsen."), school=school.name)
        key, label, schools = f"{key}:s{school.id}", f"{form.name} ({school.name})", {school.id}
    elif school is not None:
        raise DomainError(N_("%(form)s hålls inte per skola; välj ingen skola."), form=form.name)
    elif form.scope is Scope.GROUP:
        group = group or form.group
        if group is None:
            raise DomainError(N_("%(form)s hålls för en grupp av skolor; välj en grupp."), form=form.name)
        key, label = f"{key}:g{group.id}", f"{form.name} ({group.name})"
        schools = {s.id for s in group.schools} & set(org.party_schools)
    else:
        schools = {p.school_id for p in version.parties} & set(org.party_schools)
    invitees: dict[int, Function] = {}
    for function in form.invited_functions:
        for person_id in _holders_of(function, schools, version, org):
            invitees.setdefault(person_id, function)
    spec = SeriesSpec(key, form.id, label, form.cadence, form.cadence_count, form.duration_minutes,
                      form.preferred_weekday, form.window_start, form.window_end, frozenset(invitees))
    return _Series(spec, form, school.id if school else None, group.id if group else None, invitees,
                   group.name if group else None)


def _holders_of(function: Function, schools: Iterable[int], version: AgreementVersion,
                org: _Organisation) -> list[int]:
    level = function.level
    if level is Level.SCHOOL:
        return [p for school_id in sorted(schools) for p in org.at_school.get((function, school_id), ())]
    if level is Level.DISTRICT:
        contact = version.contact_person
        # the contact the agreement names stands for social services, not everyone with the title
        if function is Function.SOCIAL_SERVICES_CONTACT and contact is not None and contact.is_active:
            return [contact.id]
        return list(org.in_district.get(function, ()))
    if level is Level.EXTERNAL:
        return list(org.police.get(function, ()))
    return list(org.in_city.get(function, ()))


_ENTRY_COLUMNS = (
    Meeting.id, Meeting.uid, Meeting.series_key, Meeting.meeting_form_id, MeetingForm.name, MeetingForm.position,
    MeetingForm.kind, MeetingForm.scope, School.name, SchoolGroup.name, Meeting.starts_at, Meeting.ends_at,
    Meeting.status, Meeting.is_moved_by_hand, Meeting.is_added_by_hand, Meeting.sequence, Meeting.published_at,
    Meeting.published_by,
)


def _stored(session: Session, district: District, term: Term) -> list[MeetingEntry]:
    """The district's meetings of the term with their invitees: two queries."""
    of_term = (Meeting.district_id == district.id, Meeting.term_id == term.id)
    invitees: dict[int, list[Invitee]] = defaultdict(list)
    for meeting_id, person_id, function, name, email in session.execute(
        sa.select(Invitation.meeting_id, Invitation.person_id, Invitation.function, Person.name, Person.email)
        .join(Meeting, Invitation.meeting_id == Meeting.id).join(Person, Invitation.person_id == Person.id)
        .where(*of_term)
    ):
        invitees[meeting_id].append(Invitee(person_id, name, email, function))
    for people in invitees.values():
        people.sort(key=lambda i: (i.name, i.person_id))
    rows = session.execute(
        sa.select(*_ENTRY_COLUMNS)
        .join(MeetingForm, Meeting.meeting_form_id == MeetingForm.id)
        .outerjoin(School, Meeting.school_id == School.id)
        .outerjoin(SchoolGroup, Meeting.group_id == SchoolGroup.id)
        .where(*of_term)
    )
    entries = []
    for row in rows:
        people = tuple(invitees.get(row[0], ()))
        entries.append(MeetingEntry(*row, invitees=people, person_ids=frozenset(p.person_id for p in people)))
    return sorted(entries, key=_in_order)


def _in_order(meeting: MeetingEntry) -> tuple[datetime, str, int]:
    """By start, then series: sorted here, since the databases' collations order text differently."""
    return meeting.starts_at, meeting.series_key, meeting.id


def _elsewhere(session: Session, district: District, term: Term,
               person_ids: set[int]) -> tuple[list[ExistingMeeting], dict[str, str]]:
    """The term's meetings outside the district (not cancelled) that one of `person_ids` is invited to."""
    if not person_ids:
        return [], {}
    people = sorted(person_ids)
    # driven from the people's invitations: SQLite would otherwise probe every meeting of the term
    their_meetings = sa.select(Invitation.meeting_id).where(Invitation.person_id.in_(people))
    rows = session.execute(
        sa.select(Meeting.id, Meeting.series_key, Meeting.starts_at, Meeting.ends_at, MeetingForm.name,
                  District.name, Invitation.person_id)
        .join(Invitation, Invitation.meeting_id == Meeting.id)
        .join(MeetingForm, Meeting.meeting_form_id == MeetingForm.id)
        .outerjoin(District, Meeting.district_id == District.id)
        .where(Meeting.id.in_(their_meetings), Meeting.term_id == term.id,
               Meeting.status != MeetingStatus.CANCELLED,
               sa.or_(Meeting.district_id != district.id, Meeting.district_id.is_(None)),
               Invitation.person_id.in_(people))
        .order_by(Meeting.id)
    )
    meetings: dict[int, tuple[str, datetime, datetime]] = {}
    invited: dict[int, set[int]] = defaultdict(set)
    names: dict[str, str] = {}
    for meeting_id, key, starts_at, ends_at, form_name, district_name, person_id in rows:
        meetings[meeting_id] = (key, starts_at, ends_at)
        invited[meeting_id].add(person_id)
        names[key] = f"{form_name} ({district_name})" if district_name else form_name
    return [ExistingMeeting(key, starts_at, ends_at, False, frozenset(invited[meeting_id]), meeting_id)
            for meeting_id, (key, starts_at, ends_at) in meetings.items()], names


# -- planning and writing ------------------------------------------------------------------------

def _run_planner(context: _Context) -> Plan:
    existing = [ExistingMeeting(m.series_key, m.starts_at, m.ends_at, m.is_cancelled, m.person_ids, m.id)
                for m in context.stored]
    return plan_term(context.calendar, [s.spec for s in context.series], [*existing, *context.elsewhere],
                     timezone=context.timezone)


def _write(session: Session, context: _Context, plan: Plan, now: datetime, uid_domain: str) -> list[MeetingEntry]:
    """Insert the plan's meetings and their invitations, one statement each; the new meetings as stored."""
    if not plan.meetings:
        return []
    by_key = {s.spec.key: s for s in context.series}
    rows = []
    for planned in plan.meetings:
        series = by_key[planned.series_key]
        rows.append({
            "uid": _uid(uid_domain), "meeting_form_id": planned.form_id, "term_id": context.term.id,
            "series_key": planned.series_key, "district_id": context.district.id,
            "school_id": series.school_id, "group_id": series.group_id,
            "starts_at": planned.starts_at.astimezone(UTC), "ends_at": planned.ends_at.astimezone(UTC),
            "place": series.form.place, "video_url": series.form.video_url, "status": MeetingStatus.DRAFT,
            "is_moved_by_hand": False, "is_added_by_hand": False, "sequence": 0, "created_at": now,
        })
    # Core statements on the tables: the ORM's bulk path costs more than the database here
    ids = list(session.scalars(
        sa.insert(Meeting.__table__).returning(Meeting.__table__.c.id, sort_by_parameter_order=True), rows))
    invited = [{"meeting_id": meeting_id, "person_id": person_id, "function": function}
               for meeting_id, planned in zip(ids, plan.meetings)
               for person_id, function in by_key[planned.series_key].invitees.items()]
    if invited:  # an empty list would be one INSERT of nothing but defaults
        session.execute(sa.insert(Invitation.__table__), invited)
    return [_entry(meeting_id, row, by_key[row["series_key"]], context.org) for meeting_id, row in zip(ids, rows)]


def _entry(meeting_id: int, row: Mapping[str, Any], series: _Series, org: _Organisation) -> MeetingEntry:
    """A just-written meeting as `_stored` would read it back."""
    form, school = series.form, org.party_schools.get(series.school_id) if series.school_id else None
    invitees = sorted((Invitee(p, *org.people[p], function) for p, function in series.invitees.items()),
                      key=lambda i: (i.name, i.person_id))
    return MeetingEntry(
        meeting_id, row["uid"], row["series_key"], form.id, form.name, form.position, form.kind, form.scope,
        school.name if school else None, series.group_name, row["starts_at"], row["ends_at"], MeetingStatus.DRAFT,
        False, False, 0, None, None, tuple(invitees), series.spec.person_ids)


# -- warnings ------------------------------------------------------------------------------------

def _warnings(context: _Context, plan: Plan, stored: Sequence[MeetingEntry], now: datetime) -> tuple[PlanningWarning, ...]:
    """Everything the director should see before publishing, the agreement's first, then the meetings'."""
    org, zone = context.org, ZoneInfo(context.timezone)
    warnings: list[PlanningWarning] = []
    if not org.versions:
        warnings.append(PlanningWarning(
            NO_ACTIVE_AGREEMENT, N_("%(district)s har ingen gällande samverkansöverenskommelse; inga möten "
                                    "kan planeras."), {"district": context.district.name}))
    today = now.astimezone(zone).date()
    for version in org.versions:
        if revision_overdue(version, today):
            warnings.append(PlanningWarning(
                REVISION_OVERDUE, N_("%(agreement)s skulle ha reviderats senast %(date)s."),
                {"agreement": version.agreement.title, "date": _iso(version.revision_due_on)}))
    without_principal = {school_id for school_id in org.party_schools
                         if not org.at_school.get((Function.PRINCIPAL, school_id))}
    for school in sorted((org.party_schools[s] for s in without_principal), key=lambda s: s.name):
        warnings.append(PlanningWarning(
            NO_PRINCIPAL, N_("%(school)s har ingen rektor registrerad; skolan får inga kallelser till rektorn."),
            {"school": school.name}))
    warnings += _unstaffed(org, without_principal)
    warnings += _from_planner(plan.warnings, {s.form.id: s.form.name for s in context.series})
    names = {**context.elsewhere_names, **{m.series_key: m.title for m in stored}}
    for warning in hand_made_warnings(context.calendar, stored, timezone=context.timezone, series_names=names):
        meeting = stored[warning.params["index"]]  # type: ignore[index]
        warnings.append(PlanningWarning(warning.code, warning.message_template, dict(warning.params),
                                        form_id=meeting.form_id, meeting_id=meeting.id))
    warnings += _double_booked(stored, context, names)
    return tuple(warnings)


def _iso(day: date | None) -> str:
    return day.isoformat() if day else ""


def _unstaffed(org: _Organisation, without_principal: set[int]) -> list[PlanningWarning]:
    """The staffing rule's warnings, less the per-school principal ones a no-principal warning already says.

    The rule is `staffing.unstaffed_functions`, as `agreements.services.staffing_warnings` applies
    it, fed with the holdings loaded for the invitees: they are the ones the rule reads for a
    district's agreement, and reading the municipality's again per district costs more than the plan.
    """
    warnings = []
    for version in org.versions:
        needs = [FormNeeds(name=form.name, scope=form.scope, required=tuple(form.required_functions),
                           group_school_ids=frozenset(s.id for s in form.group.schools)
                           if form.scope is Scope.GROUP and form.group is not None else None)
                 for form in version.meeting_forms]
        form_ids: dict[str, int] = {}
        for form in version.meeting_forms:
            form_ids.setdefault(form.name, form.id)
        party_schools = {p.school_id: p.school.name for p in version.parties}
        for staffing in unstaffed_functions(needs, district_id=version.agreement.district_id,
                                            party_schools=party_schools, holdings=org.holdings):
            if staffing.function is Function.PRINCIPAL and staffing.school_id in without_principal:
                continue
            params: dict[str, object] = {"function": staffing.function, "form": staffing.form_name}
            if staffing.school is not None:
                params["school"] = staffing.school
            warnings.append(PlanningWarning(staffing.code, staffing.template, params,
                                            form_id=form_ids.get(staffing.form_name)))
    return warnings


def _from_planner(warnings: Iterable[PlanWarning], form_names: Mapping[int, str]) -> list[PlanningWarning]:
    """The planner's warnings; a form's cadence warnings once, not once per school of it."""
    seen: set[tuple[str, object]] = set()
    result = []
    for warning in warnings:
        form_id = warning.params.get("form_id")
        params = dict(warning.params)
        if warning.code in (CADENCE_IMPOSSIBLE, INVALID_CADENCE):
            if (warning.code, form_id) in seen:
                continue
            seen.add((warning.code, form_id))
            # the series' name carries its school; the cadence is the form's
            params["form"] = form_names.get(form_id, params["form"])  # type: ignore[arg-type]
        result.append(PlanningWarning(warning.code, warning.message_template, params,
                                      form_id=form_id if isinstance(form_id, int) else None))
    return result


def _double_booked(stored: Sequence[MeetingEntry], context: _Context,
                   names: Mapping[str, str]) -> list[PlanningWarning]:
    """Each person in two of the term's meetings at once, where one of them is the district's."""
    meetings = [*stored, *context.elsewhere]
    people = {person_id: name for person_id, (name, _) in context.org.people.items()}
    people.update({i.person_id: i.name for m in stored for i in m.invitees})
    warnings = []
    for warning in double_bookings(meetings, timezone=context.timezone, series_names=names):
        first, second = int(warning.params["first_index"]), int(warning.params["second_index"])  # type: ignore[call-overload]
        ours = first if first < len(stored) else second
        if ours >= len(stored):
            continue  # two meetings of other districts: theirs to see
        params = dict(warning.params)
        person_id = int(params["person_id"])  # type: ignore[call-overload]
        params["person"] = people.get(person_id, str(person_id))
        meeting = stored[ours]
        warnings.append(PlanningWarning(DOUBLE_BOOKED, warning.message_template, params,
                                        form_id=meeting.form_id, meeting_id=meeting.id))
    return warnings
