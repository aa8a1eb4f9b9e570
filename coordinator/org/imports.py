"""Importing schools and people: checked rows from importers.py checked again against the database, then written.

All or nothing: every row is resolved (districts, schools, units, deputies) before anything is
added to the session, so a problem leaves the session as it was; the caller commits.
Idempotent: a row that matches its record changes nothing and writes no audit event.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from coordinator import audit
from coordinator.i18n import N_
from coordinator.org.functions import Function
from coordinator.org.rows import PersonRow, SchoolRow
from coordinator.org.models import District, Person, PersonFunction, School, Unit
from coordinator.org.tables import ImportFile, ImportProblem


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0        # Skolverket units with no school form of ours
    units_created: int = 0  # units a people import created from `enhetstyp`


class ImportFailed(Exception):
    """The file (or its rows against the database) had problems; nothing was written."""

    def __init__(self, problems: list[ImportProblem]) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in the import")


Entity = TypeVar("Entity")


# ---------------------------------------------------------------------------------------------
# Schools


def import_schools(session: Session, file: ImportFile[SchoolRow], *, actor: str, now: datetime) -> ImportResult:
    """Create or update the file's schools, keyed by school-unit code."""
    _raise_if_problems(file)
    districts = _districts(session)
    placed: list[tuple[SchoolRow, District]] = []
    for row in file.rows:
        district = districts.get(row.district_code.casefold())
        if district is None:
            file.problem(row.line, "district", N_("Okänd stadsdel \"%(value)s\"."), value=row.district_code)
        elif row.municipality_code and row.municipality_code != district.municipality.code:
            file.problem(row.line, "municipality",
                         N_("Skolan ligger i kommun %(value)s men stadsdelen %(district)s i kommun %(expected)s."),
                         value=row.municipality_code, district=district.code, expected=district.municipality.code)
        else:
            placed.append((row, district))
    _raise_if_problems(file)

    schools = _by_key(session, School, School.unit_code, [row.unit_code for row in file.rows],
                      options=[selectinload(School.district)])
    changes = _Changes(actor=actor, now=now)
    for row, district in placed:
        school = schools.get(row.unit_code)
        before = _school_snapshot(school) if school is not None else None
        if school is None:
            school = School(unit_code=row.unit_code)
            session.add(school)
        _set(school, _school_values(row, district, is_new=before is None))
        changes.note(school, before, _school_snapshot(school), district_id=district.id)
    result = changes.write(session)
    result.skipped = file.skipped
    return result


def _school_values(row: SchoolRow, district: District, *, is_new: bool) -> dict[str, Any]:
    """The model's attributes: a new school gets them all, a known one those the file carries."""
    values = {
        "name": row.name, "district": district, "organiser_type": row.organiser_type,
        "organiser_name": row.organiser_name, "school_forms": [form.value for form in row.school_forms],
        "email": row.email, "phone": row.phone, "address": row.address, "is_active": row.is_active,
    }
    column_of = {"is_active": "active"}  # the rest are named alike
    return {attribute: value for attribute, value in values.items()
            if is_new or column_of.get(attribute, attribute) in row.given}


def _school_snapshot(school: School) -> dict[str, Any]:
    return {
        "unit_code": school.unit_code, "name": school.name,
        "district": school.district.code if school.district else None,
        "organiser_type": school.organiser_type.value if school.organiser_type else None,
        "organiser_name": school.organiser_name, "school_forms": list(school.school_forms or []),
        "email": school.email, "phone": school.phone, "address": school.address,
        "is_active": school.is_active,
    }


# ---------------------------------------------------------------------------------------------
# People


@dataclass
class _Placement:
    """Where a row's person works, resolved against the database."""
    row: PersonRow
    district: District | None
    school: School | None = None
    unit: Unit | None = None
    new_unit_key: tuple[int | None, str] | None = None  # a unit this import creates

    @property
    def municipality_id(self) -> int:
        if self.school is not None:
            return self.school.district.municipality_id
        if self.district is not None:
            return self.district.municipality_id
        assert self.unit is not None
        return self.unit.municipality_id


def import_people(session: Session, file: ImportFile[PersonRow], *, actor: str, now: datetime) -> ImportResult:
    """Create or update the file's people, keyed by lower-cased email; units named with a kind are created."""
    _raise_if_problems(file)
    districts = _districts(session)
    schools = _by_key(session, School, School.unit_code,
                      [row.school_code for row in file.rows if row.school_code],
                      options=[selectinload(School.district)])
    units = _units(session)
    emails = {row.email for row in file.rows}
    people = _by_key(session, Person, Person.email,
                     emails | {row.deputy_email for row in file.rows if row.deputy_email},
                     options=[selectinload(Person.functions), selectinload(Person.deputy),
                              selectinload(Person.school), selectinload(Person.unit)])
    placements = [_place(file, row, districts, schools, units) for row in file.rows]
    for row in file.rows:
        if row.deputy_email and row.deputy_email not in emails and row.deputy_email not in people:
            file.problem(row.line, "deputy_email",
                         N_("Ersättaren %(value)s finns varken i filen eller bland personerna."),
                         value=row.deputy_email)
    _raise_if_problems(file)

    new_units = _create_units(session, placements, actor=actor, now=now)
    codes = {district.id: district.code for district in districts.values()}
    pending: list[tuple[Person, PersonRow, dict[str, Any] | None]] = []
    for placement in placements:
        assert placement is not None  # every row was placed, or we raised above
        row = placement.row
        person = people.get(row.email)
        before = None
        if person is not None:
            before = _person_snapshot(person, codes, person.deputy.email if person.deputy else None)
        if person is None:
            person = people[row.email] = Person(email=row.email, is_active=True)
            session.add(person)
        unit = placement.unit or (new_units[placement.new_unit_key] if placement.new_unit_key else None)
        _set(person, _person_values(placement, unit, is_new=before is None))
        if "functions" in row.given or before is None:
            _set_functions(person, row.functions)
        _set_active(person, row, now)
        pending.append((person, row, before))

    # Deputies last, by id once every person has one: a deputy may come further down the file,
    # and two people are often each other's deputy, a cycle the unit of work cannot order.
    session.flush()
    changes = _Changes(actor=actor, now=now)
    for person, row, before in pending:
        deputy_email = (before or {}).get("deputy")
        if "deputy_email" in row.given:
            deputy_email = row.deputy_email
            deputy_id = people[deputy_email].id if deputy_email else None
            if person.deputy_id != deputy_id:
                person.deputy_id = deputy_id
                session.expire(person, ["deputy"])  # the relationship reloads from the new id
        changes.note(person, before, _person_snapshot(person, codes, deputy_email),
                     district_id=person.district_id)
    result = changes.write(session)
    result.units_created = len(new_units)
    return result


def _place(file: ImportFile[PersonRow], row: PersonRow, districts: dict[str, District],
           schools: dict[str, School], units: dict[tuple[int | None, str], Unit]) -> _Placement | None:
    """The row's school or unit and district, or None after noting the problem."""
    district = districts.get(row.district_code.casefold()) if row.district_code else None
    if row.district_code and district is None:
        file.problem(row.line, "district", N_("Okänd stadsdel \"%(value)s\"."), value=row.district_code)
        return None
    if row.school_code:
        school = schools.get(row.school_code)
        if school is None:
            file.problem(row.line, "organisation", N_("Ingen skola har skolenhetskoden %(value)s. Importera "
                                                      "skolorna först."), value=row.school_code)
            return None
        if district is not None and district is not school.district:
            file.problem(row.line, "district",
                         N_("Skolan %(school)s hör till stadsdelen %(expected)s, inte %(value)s."),
                         school=school.name, expected=school.district.code, value=row.district_code)
            return None
        return _Placement(row, school.district, school=school)

    name = (row.unit_name or "").casefold()
    if district is None:
        # City-level units (the social administration ...) have no district; find them by name.
        unit = units.get((None, name))
        if unit is None:
            file.problem(row.line, "district",
                         N_("Ange stadsdel för enheten \"%(value)s\"."), value=row.unit_name)
            return None
        return _Placement(row, None, unit=unit)
    unit = units.get((district.id, name))
    if unit is not None:
        return _Placement(row, district, unit=unit)
    if row.unit_kind is None:
        file.problem(row.line, "organisation",
                     N_("Stadsdelen %(district)s har ingen enhet \"%(value)s\". Ange enhetstyp för att skapa den."),
                     district=district.code, value=row.unit_name)
        return None
    return _Placement(row, district, new_unit_key=(district.id, name))


def _create_units(session: Session, placements: list[_Placement | None], *,
                  actor: str, now: datetime) -> dict[tuple[int | None, str], Unit]:
    """The units rows ask for by kind, created once each (several people may name the same one)."""
    created: dict[tuple[int | None, str], Unit] = {}
    for placement in placements:
        if placement is None or placement.new_unit_key is None or placement.new_unit_key in created:
            continue
        row, district = placement.row, placement.district
        assert district is not None and row.unit_kind is not None and row.unit_name
        unit = Unit(municipality_id=district.municipality_id, district_id=district.id,
                    kind=row.unit_kind, name=row.unit_name, is_active=True)
        session.add(unit)
        session.flush()
        audit.record(session, at=now, actor=actor, action="import.create", entity=unit,
                     district_id=district.id,
                     after={"name": unit.name, "kind": unit.kind.value, "district": district.code})
        created[placement.new_unit_key] = unit
    return created


def _person_values(placement: _Placement, unit: Unit | None, *, is_new: bool) -> dict[str, Any]:
    """The model's attributes: a new person gets them all, a known one those the file carries."""
    row = placement.row
    values: dict[str, Any] = {
        "name": row.name, "municipality_id": placement.municipality_id,
        "district_id": placement.district.id if placement.district else None,
        "school": placement.school, "unit": unit,
    }
    if "language" in row.given or is_new:
        values["language"] = row.language
    if "phone" in row.given or is_new:
        values["phone"] = row.phone
    return values


def _set_functions(person: Person, functions: Iterable[Function]) -> None:
    wanted = set(functions)
    held = {held.function for held in person.functions}
    if wanted == held:
        return  # touching the collection would delete and re-insert the same rows
    person.functions = [held for held in person.functions if held.function in wanted] + [
        PersonFunction(function=function) for function in sorted(wanted - held, key=lambda f: f.value)]


def _set_active(person: Person, row: PersonRow, now: datetime) -> None:
    if "active" not in row.given or person.is_active == row.is_active:
        return
    person.is_active = row.is_active
    # People are deactivated, never deleted: minutes and invitations keep pointing at them.
    person.deactivated_at = None if row.is_active else now


def _person_snapshot(person: Person, district_codes: dict[int, str], deputy_email: str | None
                     ) -> dict[str, Any]:
    """The person as the audit log shows them (the deputy by email, which the caller knows)."""
    return {
        "name": person.name, "email": person.email, "phone": person.phone,
        "language": person.language.value,
        "school": person.school.unit_code if person.school else None,
        "unit": person.unit.name if person.unit else None,
        "district": district_codes.get(person.district_id) if person.district_id else None,
        "functions": sorted(held.function.value for held in person.functions),
        "deputy": deputy_email,
        "is_active": person.is_active,
    }


# ---------------------------------------------------------------------------------------------
# Shared


def _raise_if_problems(file: ImportFile[Any]) -> None:
    if file.problems:
        raise ImportFailed(sorted(file.problems, key=lambda p: p.line or 0))


def _districts(session: Session) -> dict[str, District]:
    """Districts by code, any case (people type "norrmalm" as often as "NORRMALM")."""
    found = session.scalars(sa.select(District).options(selectinload(District.municipality)))
    return {district.code.casefold(): district for district in found}


def _units(session: Session) -> dict[tuple[int | None, str], Unit]:
    return {(unit.district_id, unit.name.casefold()): unit for unit in session.scalars(sa.select(Unit))}


def _by_key(session: Session, model: type[Entity], column: Any, keys: Iterable[str],
            options: list[Any] | None = None) -> dict[str, Entity]:
    """Rows whose `column` is one of `keys`, in chunks that stay under SQLite's parameter limit."""
    found: dict[str, Entity] = {}
    for chunk in _chunks(sorted(set(keys)), 500):
        query = sa.select(model).where(column.in_(chunk)).options(*(options or []))
        for entity in session.scalars(query):
            found[getattr(entity, column.key)] = entity
    return found


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _set(entity: object, values: dict[str, Any]) -> None:
    for attribute, value in values.items():
        if getattr(entity, attribute) != value:
            setattr(entity, attribute, value)


class _Changes:
    """What an import did to each record; written as audit events once the records have ids."""

    def __init__(self, *, actor: str, now: datetime) -> None:
        self.actor, self.now = actor, now
        self.unchanged = 0
        self.changed: list[tuple[Any, dict[str, Any] | None, dict[str, Any], int | None]] = []

    def note(self, entity: Any, before: dict[str, Any] | None, after: dict[str, Any], *,
             district_id: int | None) -> None:
        if before == after:
            self.unchanged += 1
        else:
            self.changed.append((entity, before, after, district_id))

    def write(self, session: Session) -> ImportResult:
        session.flush()  # one flush for the whole file; audit events name the records' ids
        for entity, before, after, district_id in self.changed:
            audit.record(session, at=self.now, actor=self.actor, entity=entity, district_id=district_id,
                         action="import.create" if before is None else "import.update",
                         before=before, after=after)
        created = sum(1 for _, before, _, _ in self.changed if before is None)
        return ImportResult(created=created, updated=len(self.changed) - created, unchanged=self.unchanged)
