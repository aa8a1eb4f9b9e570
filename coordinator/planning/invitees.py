"""Who a district's plan invites: the series of its agreement's forms and the people holding the functions they invite.

Series keys are `a<agreement>:<form kind>:<n>` (the n-th form of that kind in the version),
with `:s<school>` or `:g<group>` for per-school and group forms. A new version of the
agreement copies its forms under new ids, so keys name the form by its place in the agreement
rather than by id: planning again after a revision keeps the meetings already planned.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from coordinator.agreements.models import AgreementVersion, Cadence, FormKind, MeetingForm, Scope
from coordinator.agreements.staffing import Holding
from coordinator.i18n import N_, DomainError
from coordinator.org.functions import Function, Level
from coordinator.org.models import Person, PersonFunction, School, SchoolGroup, Unit, UnitKind
from coordinator.planning.planner import SeriesSpec


@dataclass(frozen=True)
class Series:
    """One series of meetings of a form: what the planner is given, and whom it invites for which function."""
    spec: SeriesSpec
    form: MeetingForm
    school_id: int | None
    group_id: int | None
    invitees: Mapping[int, Function]  # person -> the function they are invited for
    group_name: str | None = None
    schools: Mapping[int, int] = field(default_factory=dict)  # person -> the party school they stand for


@dataclass
class Organisation:
    """The district's active agreement versions and who holds which function where; for the city's own
    agreements (`district.id` None) a district function is held in every district (the directors of all)."""
    district: Any
    versions: list[AgreementVersion]
    party_schools: dict[int, School]           # active party schools by id
    people: dict[int, tuple[str, str]]         # person id -> name and email
    holdings: list[Holding]                    # for the staffing rule
    at_school: dict[tuple[Function, int], list[int]]
    in_district: dict[Function, list[int]]
    police: dict[Function, list[int]]
    in_city: dict[Function, list[int]]
    groups: list[SchoolGroup] | None = None    # the district's groups, loaded when a form needs them


def load_organisation(session: Session, district: Any, versions: list[AgreementVersion]) -> Organisation:
    """Who may be invited: one query for every function held at a party school, in the district or the city."""
    party_schools = {p.school_id: p.school for v in versions for p in v.parties if p.school.is_active}
    district_of = sa.func.coalesce(Person.district_id, School.district_id, Unit.district_id)
    city_functions = [f for f in Function if f.level is Level.CITY]
    school_functions = [f for f in Function if f.level is Level.SCHOOL]
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
                   PersonFunction.function.in_(city_functions))
            if district.id is not None else sa.or_(Person.school_id.in_(list(party_schools)),
                                                  PersonFunction.function.notin_(school_functions)),
        )
    )
    org = Organisation(district, versions, party_schools, {}, [], defaultdict(list), defaultdict(list),
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


def _file(org: Organisation, person_id: int, holding: Holding) -> None:
    """Index who holds what by where it serves, the way the staffing rule counts it."""
    function, level = holding.function, holding.function.level
    if level is Level.SCHOOL:
        if holding.school_id in org.party_schools:
            org.at_school[(function, holding.school_id)].append(person_id)  # type: ignore[index]
    elif level is Level.DISTRICT:
        if holding.district_id == org.district.id or (org.district.id is None and holding.district_id is not None):
            org.in_district[function].append(person_id)
    elif level is Level.EXTERNAL:
        # a police unit serves its own district, or every district when linked to the municipality
        if holding.is_police and holding.district_id in (None, org.district.id):
            org.police[function].append(person_id)
    else:
        org.in_city[function].append(person_id)


def ordinal_of(form: MeetingForm) -> int:
    """The form's place among the forms of its kind in its version, from 1."""
    same_kind = [f for f in form.version.meeting_forms if f.kind is form.kind]
    return next(n for n, f in enumerate(same_kind, 1) if f is form)


def series_of_version(session: Session, version: AgreementVersion, org: Organisation) -> list[Series]:
    """One series per planned form of the version: per party school, per group, or one for the district."""
    ordinals: Counter[FormKind] = Counter()
    series: list[Series] = []
    for form in version.meeting_forms:
        ordinals[form.kind] += 1
        if form.cadence is Cadence.ON_DEMAND:
            continue  # held when asked for; added by hand
        if form.scope is Scope.PER_SCHOOL:
            schools = sorted((s for s in org.party_schools.values() if _is_party(version, s)), key=lambda s: s.name)
            series += [series_of_form(form, org, ordinals[form.kind], school=school) for school in schools]
        elif form.scope is Scope.GROUP:
            groups = [form.group] if form.group is not None else _district_groups(session, org)
            series += [series_of_form(form, org, ordinals[form.kind], group=group) for group in groups]
        else:
            series.append(series_of_form(form, org, ordinals[form.kind]))
    return series


def _is_party(version: AgreementVersion, school: School) -> bool:
    return any(p.school_id == school.id for p in version.parties)


def _district_groups(session: Session, org: Organisation) -> list[SchoolGroup]:
    if org.groups is None and org.district.id is None:
        org.groups = []  # the city has no groups of its own: a city form names its group
    if org.groups is None:
        org.groups = list(session.scalars(
            sa.select(SchoolGroup).where(SchoolGroup.district_id == org.district.id)
            .options(selectinload(SchoolGroup.schools)).order_by(SchoolGroup.name)))
    return org.groups


def series_of_form(form: MeetingForm, org: Organisation, ordinal: int, *, school: School | None = None,
                   group: SchoolGroup | None = None) -> Series:
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
    stands_for: dict[int, int] = {}
    for function in form.invited_functions:
        for person_id, school_id in _holders_of(function, schools, version, org):
            if person_id not in invitees:
                invitees[person_id] = function
                if school_id is not None:
                    stands_for[person_id] = school_id
    spec = SeriesSpec(key, form.id, label, form.cadence, form.cadence_count, form.duration_minutes,
                      form.preferred_weekday, form.window_start, form.window_end, frozenset(invitees))
    return Series(spec, form, school.id if school else None, group.id if group else None, invitees,
                  group.name if group else None, stands_for)


def _holders_of(function: Function, schools: Iterable[int], version: AgreementVersion,
                org: Organisation) -> list[tuple[int, int | None]]:
    """Who holds `function` for the series, each with the school they stand for (school functions only)."""
    level = function.level
    if level is Level.SCHOOL:
        return [(p, school_id) for school_id in sorted(schools) for p in org.at_school.get((function, school_id), ())]
    if level is Level.DISTRICT:
        contact = version.contact_person
        # the contact the agreement names stands for social services, not everyone with the title
        if function is Function.SOCIAL_SERVICES_CONTACT and contact is not None and contact.is_active:
            return [(contact.id, None)]
        return [(p, None) for p in org.in_district.get(function, ())]
    if level is Level.EXTERNAL:
        return [(p, None) for p in org.police.get(function, ())]
    return [(p, None) for p in org.in_city.get(function, ())]
