"""Use cases of a district's organisation: its schools, units and people, kept by its administrators.

Plain Python over a session: the caller passes the actor and the time, and commits. Every change
writes an audit event with the record before and after, in the same keys the imports use, so a
record's history reads the same whichever way it was changed. Nothing is deleted: schools, units
and people are deactivated, and whatever names them (deputies, agreement contacts, invitations)
keeps pointing at them. Broken rules raise `Invalid`, a `DomainError` carrying one problem per
form field (Swedish templates marked with N_), so the page can put each message on its field.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from coordinator import audit
from coordinator.audit import AuditEvent
from coordinator.auth.models import User
from coordinator.i18n import N_, DomainError
from coordinator.org.functions import Function
from coordinator.org.rows import PersonRow, SchoolRow, parse_email, parse_unit_code
from coordinator.org.imports import ImportFailed, ImportResult, import_people, import_schools
from coordinator.org.models import (
    District, Language, OrganiserType, Person, PersonFunction, School, SchoolForm, Unit, UnitKind,
)
from coordinator.org.tables import ImportFile, ImportProblem
from coordinator.pagination import PAGE_SIZE, Page, paginate

# Column sizes of the models, checked here so a long value is a message, not a database error.
NAME_LENGTH = 200
EMAIL_LENGTH = 254
PHONE_LENGTH = 40
ADDRESS_LENGTH = 300

# The kinds of unit a district keeps; the city's own administrations are not a district's.
DISTRICT_UNIT_KINDS = tuple(kind for kind in UnitKind if kind is not UnitKind.CITY_ADMINISTRATION)


# ---------------------------------------------------------------------------------------------
# Problems


@dataclass(frozen=True)
class Problem:
    """A broken rule, on the form field it is about (None: the record as a whole)."""

    field: str | None
    template: str
    params: dict[str, Any] = field(default_factory=dict)


class Invalid(DomainError):
    """One or more broken rules; nothing was changed."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        assert problems
        self.problems = list(problems)
        super().__init__(problems[0].template, **problems[0].params)


@dataclass(frozen=True)
class Notice:
    """Something the user should know after (or before) a change that is nevertheless allowed."""

    template: str
    params: dict[str, Any] = field(default_factory=dict)


class _Checks:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, field_name: str | None, template: str, **params: Any) -> None:
        self.problems.append(Problem(field_name, template, params))

    def text(self, field_name: str, value: str | None, max_length: int, *, required_message: str | None = None
             ) -> str | None:
        """The value with its spaces tidied, None when empty; a problem when required or too long."""
        tidy = " ".join((value or "").split()) or None
        if tidy is None and required_message:
            self.add(field_name, required_message)
        elif tidy is not None and len(tidy) > max_length:
            self.add(field_name, N_("Högst %(max)d tecken."), max=max_length)
        return tidy

    def email(self, field_name: str, value: str | None, *, required: bool) -> str | None:
        tidy = (value or "").strip()
        if not tidy:
            if required:
                self.add(field_name, N_("Ange en e-postadress."))
            return None
        if len(tidy) > EMAIL_LENGTH:
            self.add(field_name, N_("Högst %(max)d tecken."), max=EMAIL_LENGTH)
            return None
        try:
            return parse_email(tidy)
        except DomainError as bad:
            self.add(field_name, bad.template, **bad.params)
            return None

    def raise_if_any(self) -> None:
        if self.problems:
            raise Invalid(self.problems)


# ---------------------------------------------------------------------------------------------
# Finding a district's records (a record of another district is "not found")


def find_district(session: Session, code: str) -> District | None:
    return session.scalars(sa.select(District).where(District.code == code)).one_or_none()


def find_school(session: Session, district: District, school_id: int) -> School | None:
    school = session.get(School, school_id)
    return school if school is not None and school.district_id == district.id else None


def find_unit(session: Session, district: District, unit_id: int) -> Unit | None:
    unit = session.get(Unit, unit_id)
    return unit if unit is not None and unit.district_id == district.id else None


def find_person(session: Session, district: District, person_id: int) -> Person | None:
    person = session.get(Person, person_id)
    return person if person is not None and belongs_to(person, district) else None


def belongs_to(person: Person, district: District) -> bool:
    """Whether `person` is one of the district's people: by their district, school or unit."""
    if person.district_id is not None:
        return person.district_id == district.id
    if person.school is not None:
        return person.school.district_id == district.id
    return person.unit is not None and person.unit.district_id == district.id


# ---------------------------------------------------------------------------------------------
# Lists with search and filters
#
# Searching is done in Python over the district's records (tens of schools, a few hundred
# people): SQLite's lower() and LIKE fold ASCII only, so "öberg" would not find "Öberg" there.


def _matches(query: str, *texts: str | None) -> bool:
    wanted = query.casefold().strip()
    return not wanted or any(wanted in (text or "").casefold() for text in texts)


def schools_of(session: Session, district: District, *, query: str = "",
               organiser_type: OrganiserType | None = None, is_active: bool | None = None) -> list[School]:
    """The district's schools by name; `query` matches the name or the school-unit code."""
    statement = sa.select(School).where(School.district_id == district.id).order_by(School.name, School.id)
    if organiser_type is not None:
        statement = statement.where(School.organiser_type == organiser_type)
    if is_active is not None:
        statement = statement.where(School.is_active.is_(is_active))
    code_query = query.replace(" ", "")
    return [school for school in session.scalars(statement)
            if _matches(query, school.name) or (code_query and code_query in school.unit_code)]


def units_of(session: Session, district: District, *, is_active: bool | None = None) -> list[Unit]:
    statement = sa.select(Unit).where(Unit.district_id == district.id).order_by(Unit.name, Unit.id)
    if is_active is not None:
        statement = statement.where(Unit.is_active.is_(is_active))
    return list(session.scalars(statement))


def _of_district(district: District, is_active: bool | None) -> list[sa.ColumnElement[bool]]:
    """Who are the district's people: working in its administration, at one of its schools or units."""
    school_ids = sa.select(School.id).where(School.district_id == district.id)
    unit_ids = sa.select(Unit.id).where(Unit.district_id == district.id)
    where = [sa.or_(Person.district_id == district.id,
                    Person.district_id.is_(None) & (Person.school_id.in_(school_ids) | Person.unit_id.in_(unit_ids)))]
    if is_active is not None:
        where.append(Person.is_active.is_(is_active))
    return where


def _found(query: str, function: Function | None, name: str, email: str | None, held: Iterable[Function]) -> bool:
    """`people_of`'s filter: the function held, and the query in the name, the email or a function's name."""
    held = list(held)
    if function is not None and function not in held:
        return False
    return not query.strip() or _matches(query, name, email, *(f.label(language) for f in held
                                                                 for language in ("sv", "en")))


def people_of(session: Session, district: District, *, query: str = "", function: Function | None = None,
              is_active: bool | None = None) -> list[Person]:
    """The district's people by name; `query` matches the name, the email or a function's name."""
    statement = (
        sa.select(Person).where(*_of_district(district, is_active))
        .options(selectinload(Person.functions), selectinload(Person.school), selectinload(Person.unit),
                 selectinload(Person.deputy))
        .order_by(Person.name, Person.id)
    )
    return [p for p in session.scalars(statement)
            if _found(query, function, p.name, p.email, (held.function for held in p.functions))]


def people_page(session: Session, district: District, number: int, *, query: str = "",
                function: Function | None = None, is_active: bool | None = None, size: int = PAGE_SIZE) -> Page[Person]:
    """One page of `people_of`'s list: everyone filtered as plain rows (id, name, email, the functions held), and
    only the page's people loaded with their functions, workplace and deputy (a city district has 350; loading
    them all to show 50 was most of the people page's time)."""
    rows = session.execute(sa.select(Person.id, Person.name, Person.email).where(*_of_district(district, is_active))
                           .order_by(Person.name, Person.id)).all()
    if function is not None or query.strip():
        held: dict[int, list[Function]] = defaultdict(list)
        for person_id, function_held in session.execute(
                sa.select(PersonFunction.person_id, PersonFunction.function)
                .join(Person, Person.id == PersonFunction.person_id).where(*_of_district(district, is_active))):
            held[person_id].append(function_held)
        rows = [r for r in rows if _found(query, function, r.name, r.email, held.get(r.id, ()))]
    page = paginate(rows, number, size)
    loaded = {p.id: p for p in session.scalars(
        sa.select(Person).where(Person.id.in_([r.id for r in page.items]))
        .options(selectinload(Person.functions), selectinload(Person.school), selectinload(Person.unit),
                 selectinload(Person.deputy)))} if page.items else {}
    return Page(items=[loaded[r.id] for r in page.items], number=page.number, size=page.size, total=page.total)


# ---------------------------------------------------------------------------------------------
# Schools


@dataclass(frozen=True)
class SchoolValues:
    unit_code: str
    name: str
    organiser_type: OrganiserType | None
    organiser_name: str | None = None
    school_forms: tuple[SchoolForm, ...] = ()
    email: str | None = None
    phone: str | None = None
    address: str | None = None


def school_snapshot(school: School) -> dict[str, Any]:
    """The school as the audit log shows it (the same keys as the school import)."""
    return {
        "unit_code": school.unit_code, "name": school.name,
        "district": school.district.code if school.district else None,
        "organiser_type": school.organiser_type.value if school.organiser_type else None,
        "organiser_name": school.organiser_name, "school_forms": list(school.school_forms or []),
        "email": school.email, "phone": school.phone, "address": school.address,
        "is_active": school.is_active,
    }


def _checked_school(session: Session, district: District, values: SchoolValues, school: School | None
                    ) -> dict[str, Any]:
    checks = _Checks()
    unit_code: str | None = None
    raw_code = (values.unit_code or "").strip()
    if not raw_code:
        checks.add("unit_code", N_("Ange skolenhetskoden."))
    else:
        try:
            unit_code = parse_unit_code(raw_code)
        except DomainError as bad:
            checks.add("unit_code", bad.template, **bad.params)
    name = checks.text("name", values.name, NAME_LENGTH, required_message=N_("Ange skolans namn."))
    if not isinstance(values.organiser_type, OrganiserType):
        checks.add("organiser_type", N_("Välj om skolan är kommunal eller fristående."))
    organiser_name = checks.text("organiser_name", values.organiser_name, NAME_LENGTH)
    email = checks.email("email", values.email, required=False)
    phone = checks.text("phone", values.phone, PHONE_LENGTH)
    address = checks.text("address", values.address, ADDRESS_LENGTH)
    if unit_code is not None:
        other = session.scalars(sa.select(School).where(School.unit_code == unit_code)).one_or_none()
        if other is not None and other is not school:
            if other.district_id == district.id:  # the user may see it: name it
                checks.add("unit_code", N_("Skolenhetskoden %(value)s används redan av %(school)s."),
                           value=unit_code, school=other.name)
            else:
                checks.add("unit_code", N_("Skolenhetskoden %(value)s används redan av en skola i en annan "
                                           "stadsdel."), value=unit_code)
    checks.raise_if_any()
    forms = [form.value for form in SchoolForm if form in values.school_forms]  # Skolverket's order
    return {"unit_code": unit_code, "name": name, "organiser_type": values.organiser_type,
            "organiser_name": organiser_name, "school_forms": forms, "email": email, "phone": phone,
            "address": address}


def add_school(session: Session, district: District, values: SchoolValues, *, actor: str, now: datetime
               ) -> School:
    """A new active school of `district`."""
    checked = _checked_school(session, district, values, None)
    school = School(district=district, is_active=True, **checked)
    session.add(school)
    session.flush()
    audit.record(session, at=now, actor=actor, action="school.created", entity=school,
                 district_id=district.id, after=school_snapshot(school))
    return school


def update_school(session: Session, school: School, values: SchoolValues, *, actor: str, now: datetime) -> bool:
    """Change the school's details; whether anything changed (no change, no audit event)."""
    checked = _checked_school(session, school.district, values, school)
    return _changed(session, school, checked, school_snapshot, action="school.updated", actor=actor, now=now,
                    district_id=school.district_id)


def set_school_active(session: Session, school: School, is_active: bool, *, actor: str, now: datetime) -> bool:
    """Deactivate (a school closed or left the district) or reactivate a school; never deleted."""
    return _changed(session, school, {"is_active": is_active}, school_snapshot, actor=actor, now=now,
                    action="school.reactivated" if is_active else "school.deactivated",
                    district_id=school.district_id)


# ---------------------------------------------------------------------------------------------
# Units (the district's own, and outside organisations such as the police)


@dataclass(frozen=True)
class UnitValues:
    name: str
    kind: UnitKind | None


def unit_snapshot(unit: Unit) -> dict[str, Any]:
    return {"name": unit.name, "kind": unit.kind.value if unit.kind else None,
            "district": unit.district.code if unit.district else None, "is_active": unit.is_active}


def _checked_unit(session: Session, district: District, values: UnitValues, unit: Unit | None) -> dict[str, Any]:
    checks = _Checks()
    name = checks.text("name", values.name, NAME_LENGTH, required_message=N_("Ange enhetens namn."))
    if values.kind not in DISTRICT_UNIT_KINDS:
        checks.add("kind", N_("Välj vad det är för enhet."))
    if name is not None:
        same = [u for u in units_of(session, district) if u.name.casefold() == name.casefold() and u is not unit]
        if same:
            checks.add("name", N_("Stadsdelen har redan en enhet som heter %(value)s."), value=same[0].name)
    checks.raise_if_any()
    return {"name": name, "kind": values.kind}


def add_unit(session: Session, district: District, values: UnitValues, *, actor: str, now: datetime) -> Unit:
    checked = _checked_unit(session, district, values, None)
    unit = Unit(municipality_id=district.municipality_id, district=district, is_active=True, **checked)
    session.add(unit)
    session.flush()
    audit.record(session, at=now, actor=actor, action="unit.created", entity=unit, district_id=district.id,
                 after=unit_snapshot(unit))
    return unit


def update_unit(session: Session, unit: Unit, values: UnitValues, *, actor: str, now: datetime) -> bool:
    assert unit.district is not None
    checked = _checked_unit(session, unit.district, values, unit)
    return _changed(session, unit, checked, unit_snapshot, action="unit.updated", actor=actor, now=now,
                    district_id=unit.district_id)


def set_unit_active(session: Session, unit: Unit, is_active: bool, *, actor: str, now: datetime) -> bool:
    return _changed(session, unit, {"is_active": is_active}, unit_snapshot, actor=actor, now=now,
                    action="unit.reactivated" if is_active else "unit.deactivated", district_id=unit.district_id)


# ---------------------------------------------------------------------------------------------
# People


@dataclass(frozen=True)
class PersonValues:
    name: str
    email: str
    phone: str | None = None
    language: Language | None = Language.SV
    school_id: int | None = None     # where the person works: a school of the district ...
    unit_id: int | None = None       # ... or one of its units
    functions: tuple[Function, ...] = ()
    deputy_id: int | None = None


def person_snapshot(person: Person) -> dict[str, Any]:
    """The person as the audit log shows them (the same keys as the people import)."""
    district = person.school.district if person.school else person.unit.district if person.unit else None
    return {
        "name": person.name, "email": person.email, "phone": person.phone,
        "language": person.language.value if person.language else None,
        "school": person.school.unit_code if person.school else None,
        "unit": person.unit.name if person.unit else None,
        "district": district.code if district else None,
        "functions": sorted(held.function.value for held in person.functions),
        "deputy": person.deputy.email if person.deputy else None,
        "is_active": person.is_active,
    }


def _checked_person(session: Session, district: District, values: PersonValues, person: Person | None
                    ) -> dict[str, Any]:
    checks = _Checks()
    name = checks.text("name", values.name, NAME_LENGTH, required_message=N_("Ange personens namn."))
    email = checks.email("email", values.email, required=True)
    phone = checks.text("phone", values.phone, PHONE_LENGTH)
    if not isinstance(values.language, Language):
        checks.add("language", N_("Välj svenska eller engelska."))
    if email is not None:
        other = session.scalars(sa.select(Person).where(sa.func.lower(Person.email) == email)).first()
        if other is not None and other is not person:
            if belongs_to(other, district):
                checks.add("email", N_("E-postadressen %(value)s används redan av %(name)s."),
                           value=email, name=other.name)
            else:
                checks.add("email", N_("E-postadressen %(value)s används redan av en person i en annan "
                                       "stadsdel eller i stadens förvaltning."), value=email)

    school = unit = None
    if (values.school_id is None) == (values.unit_id is None):
        checks.add("organisation", N_("Välj den skola eller enhet där personen arbetar."))
    elif values.school_id is not None:
        school = session.get(School, values.school_id)
        if school is None or school.district_id != district.id:
            checks.add("organisation", N_("Skolan hör inte till stadsdelen %(district)s. Välj en av "
                                          "stadsdelens skolor."), district=district.name)
        elif not school.is_active and (person is None or person.school_id != school.id):
            checks.add("organisation", N_("%(name)s är nedlagd. Välj en aktiv skola eller enhet."),
                       name=school.name)
    else:
        unit = session.get(Unit, values.unit_id)
        if unit is None or unit.district_id != district.id:
            checks.add("organisation", N_("Enheten hör inte till stadsdelen %(district)s. Välj en av "
                                          "stadsdelens enheter."), district=district.name)
        elif not unit.is_active and (person is None or person.unit_id != unit.id):
            checks.add("organisation", N_("%(name)s är nedlagd. Välj en aktiv skola eller enhet."),
                       name=unit.name)

    functions = tuple(f for f in Function if f in values.functions)  # the catalogue's order, no repeats
    deputy = None
    if values.deputy_id is not None:
        deputy = session.get(Person, values.deputy_id)
        if person is not None and values.deputy_id == person.id:
            checks.add("deputy", N_("En person kan inte vara sin egen ersättare."))
        elif deputy is None or not belongs_to(deputy, district):
            checks.add("deputy", N_("Ersättaren ska vara en person i stadsdelen %(district)s."),
                       district=district.name)
        elif not deputy.is_active and (person is None or person.deputy_id != deputy.id):
            checks.add("deputy", N_("%(name)s är avslutad och kan inte bli ersättare. Välj en aktiv person."),
                       name=deputy.name)
    checks.raise_if_any()
    return {"name": name, "email": email, "phone": phone, "language": values.language,
            "school": school, "unit": unit, "district_id": district.id,
            "municipality_id": district.municipality_id, "deputy": deputy, "functions": functions}


def add_person(session: Session, district: District, values: PersonValues, *, actor: str, now: datetime
               ) -> Person:
    """A new active person of `district`, at one of its schools or units."""
    checked = _checked_person(session, district, values, None)
    functions = checked.pop("functions")
    person = Person(is_active=True, **checked)
    person.functions = [PersonFunction(function=f) for f in functions]
    session.add(person)
    session.flush()
    audit.record(session, at=now, actor=actor, action="person.created", entity=person, district_id=district.id,
                 after=person_snapshot(person))
    return person


def update_person(session: Session, person: Person, district: District, values: PersonValues, *,
                  actor: str, now: datetime) -> bool:
    """Change the person's details, functions and deputy; whether anything changed."""
    checked = _checked_person(session, district, values, person)
    functions = checked.pop("functions")
    before = person_snapshot(person)
    _set(person, checked)
    _set_functions(person, functions)
    return _audit_change(session, person, before, person_snapshot(person), action="person.updated",
                         actor=actor, now=now, district_id=district.id)


def deactivation_notices(session: Session, person: Person) -> list[Notice]:
    """What names `person` and should be seen to: agreements where they are the contact, people they stand in for."""
    from coordinator.agreements.models import Agreement, AgreementVersion, VersionStatus

    notices: list[Notice] = []
    versions = session.scalars(
        sa.select(AgreementVersion).join(AgreementVersion.agreement)
        .where(AgreementVersion.contact_person_id == person.id,
               AgreementVersion.status.in_([VersionStatus.ACTIVE, VersionStatus.DRAFT]))
        .options(selectinload(AgreementVersion.agreement))
        .order_by(Agreement.title, AgreementVersion.number))
    for version in versions:
        template = (N_("%(name)s är kontaktperson i den gällande överenskommelsen \"%(agreement)s\". Ange en ny "
                       "kontakt i överenskommelsen.") if version.status is VersionStatus.ACTIVE else
                    N_("%(name)s är kontaktperson i utkastet till \"%(agreement)s\" (version %(number)s)."))
        notices.append(Notice(template, {"name": person.name, "agreement": version.agreement.title,
                                         "number": version.number}))
    stood_in_for = session.scalars(
        sa.select(Person).where(Person.deputy_id == person.id, Person.is_active).order_by(Person.name)).all()
    if stood_in_for:
        notices.append(Notice(N_("%(name)s är ersättare för %(people)s. Välj en ny ersättare för dem."),
                              {"name": person.name, "people": ", ".join(p.name for p in stood_in_for)}))
    return notices


def deactivate_person(session: Session, person: Person, *, actor: str, now: datetime) -> list[Notice]:
    """A person who leaves: inactive from `now`, never deleted; what still names them.

    References stay as they are (deputy of others, agreement contact, invitations, minutes), so
    records about the past keep showing who it was; the notices say what to hand over. Their
    logins stop working with them (a reactivation does not reopen a login: that is deliberate).
    """
    notices = deactivation_notices(session, person)
    if person.is_active:
        before = person_snapshot(person)
        person.is_active = False
        person.deactivated_at = now
        _audit_change(session, person, before, person_snapshot(person), action="person.deactivated",
                      actor=actor, now=now, district_id=person.district_id)
        logins = session.scalars(sa.select(User).where(User.person_id == person.id, User.is_active)).all()
        for login in logins:
            login.is_active = False
            audit.record(session, at=now, actor=actor, action="user.deactivated", entity=login,
                         district_id=login.district_id, before={"is_active": True}, after={"is_active": False})
    return notices


def reactivate_person(session: Session, person: Person, *, actor: str, now: datetime) -> bool:
    if person.is_active:
        return False
    before = person_snapshot(person)
    person.is_active = True
    person.deactivated_at = None
    return _audit_change(session, person, before, person_snapshot(person), action="person.reactivated",
                         actor=actor, now=now, district_id=person.district_id)


def _set_functions(person: Person, functions: Iterable[Function]) -> None:
    wanted = set(functions)
    held = {h.function for h in person.functions}
    if wanted != held:  # touching the collection would delete and re-insert the same rows
        person.functions = [h for h in person.functions if h.function in wanted] + [
            PersonFunction(function=f) for f in Function if f in wanted - held]


# ---------------------------------------------------------------------------------------------
# Imports from the browser: the CLI's import services, kept inside one district


def import_schools_into(session: Session, district: District, file: ImportFile[SchoolRow], *,
                        actor: str, now: datetime) -> ImportResult:
    """The school import for one district's page: as the CLI's, and a school of another district is refused.

    The file's rows were read with the district fixed to `district`; without this check a row
    naming another district's school-unit code would move that school here.
    """
    codes = {row.unit_code for row in file.rows}
    if codes:
        elsewhere = session.scalars(sa.select(School).where(School.unit_code.in_(codes),
                                                            School.district_id != district.id))
        owners = {school.unit_code for school in elsewhere}
        for row in file.rows:
            if row.unit_code in owners:
                file.problem(row.line, "unit_code", N_("Skolenhetskoden %(value)s tillhör en skola i en annan "
                                                       "stadsdel."), value=row.unit_code)
        _raise_if_problems(file.problems)
    return import_schools(session, file, actor=actor, now=now)


def import_people_into(session: Session, district: District, file: ImportFile[PersonRow], *,
                       actor: str, now: datetime) -> ImportResult:
    """The people import for one district's page: as the CLI's, and people of other districts are left alone.

    A row whose email belongs to someone outside the district would move them here, and a
    deputy outside it would cross the district's boundary, so both are problems.
    """
    emails = {row.email for row in file.rows} | {row.deputy_email for row in file.rows if row.deputy_email}
    if emails:
        known = session.scalars(sa.select(Person).where(Person.email.in_(emails))
                                .options(selectinload(Person.school), selectinload(Person.unit)))
        outside = {person.email for person in known if not belongs_to(person, district)}
        for row in file.rows:
            if row.email in outside:
                file.problem(row.line, "email", N_("%(value)s är en person i en annan stadsdel eller i stadens "
                                                   "förvaltning och kan inte ändras härifrån."), value=row.email)
            if row.deputy_email in outside:
                file.problem(row.line, "deputy_email", N_("Ersättaren %(value)s hör inte till stadsdelen "
                                                          "%(district)s."), value=row.deputy_email,
                             district=district.name)
        _raise_if_problems(file.problems)
    return import_people(session, file, actor=actor, now=now)


def _raise_if_problems(problems: list[ImportProblem]) -> None:
    if problems:
        raise ImportFailed(sorted(problems, key=lambda p: p.line or 0))


# ---------------------------------------------------------------------------------------------
# History


def history(session: Session, entity: School | Unit | Person, limit: int = 50) -> list[AuditEvent]:
    """The record's audit events, newest first (changes made here and by imports alike)."""
    return list(session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.entity_type == type(entity).__name__, AuditEvent.entity_id == str(entity.id))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(limit)))


# ---------------------------------------------------------------------------------------------
# Shared

Record = TypeVar("Record", School, Unit, Person)


def _set(entity: object, values: dict[str, Any]) -> None:
    for attribute, value in values.items():
        if getattr(entity, attribute) != value:
            setattr(entity, attribute, value)


def _changed(session: Session, entity: Record, values: dict[str, Any], snapshot: Any, *, action: str,
             actor: str, now: datetime, district_id: int | None) -> bool:
    before = snapshot(entity)
    _set(entity, values)
    return _audit_change(session, entity, before, snapshot(entity), action=action, actor=actor, now=now,
                         district_id=district_id)


def _audit_change(session: Session, entity: Any, before: dict[str, Any], after: dict[str, Any], *,
                  action: str, actor: str, now: datetime, district_id: int | None) -> bool:
    if before == after:
        return False
    session.flush()
    audit.record(session, at=now, actor=actor, action=action, entity=entity, district_id=district_id,
                 before=before, after=after)
    return True
