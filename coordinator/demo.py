"""`coordinator demo`: load the fictional demo municipality of `demo_data.py` (Stockholms stad, 0180).

Idempotent: every record is looked up by its natural key (municipality and district code,
school-unit code, unit name, email, agreement title) and skipped when it exists, so a second
run changes nothing. Agreements are built through the agreement services, so the demo obeys
the same rules as real data and their audit events carry the actor "demo"; the organisation
rows, logins, consultation hours and booking links are plain inserts without audit events (they
are sample data, not changes).
"""
from __future__ import annotations

from collections import Counter
from datetime import datetime

import click
import sqlalchemy as sa
from flask.cli import with_appcontext
from sqlalchemy.orm import Session

from coordinator import demo_data as data
from coordinator.agreements.models import Agreement
from coordinator.agreements.services import (
    activate_version, add_party, create_agreement, meeting_form_from_defaults, new_version,
)
from coordinator.auth.models import Role, User
from coordinator.auth.passwords import hash_password
from coordinator.clock import utcnow
from coordinator.consultations.models import BookingLink, ConsultationHours
from coordinator.consultations.tokens import new_key
from coordinator.i18n import DomainError
from coordinator.org.functions import Function
from coordinator.org.models import District, Language, Municipality, Person, PersonFunction, School, Unit
from coordinator.terms.models import Term, TermBreak
from coordinator.web import db

ACTOR = "demo"


def load_demo(session: Session, *, now: datetime) -> Counter[str]:
    """Add whatever of the demo is missing; how many of each kind were created. The caller commits."""
    created: Counter[str] = Counter()
    municipality = _municipality(session, created)
    districts = _districts(session, municipality, created)
    units = _units(session, municipality, districts, created)
    schools = _schools(session, districts, created)
    people = _people(session, municipality, schools, units, created)
    for agreement in data.AGREEMENTS:
        _agreement(session, agreement, municipality, districts, schools, people, now, created)
    _terms(session, municipality, created)
    _logins(session, districts, people, now, created)
    _consultations(session, districts, people, now, created)
    return created


def _consultations(session: Session, districts: dict[str, District], people: dict[str, Person], now: datetime,
                   created: Counter[str]) -> None:
    """Consultation hours over the demo's terms and a booking link for each of the district's schools."""
    first, last = data.TERMS[0].starts_on, data.TERMS[-1].ends_on
    for hours in data.CONSULTATION_HOURS:
        district = districts[hours.district]
        if session.scalars(sa.select(ConsultationHours.id).where(ConsultationHours.district_id == district.id)).first():
            continue
        session.add(ConsultationHours(
            district_id=district.id, weekday=hours.weekday, window_start=hours.window_start,
            window_end=hours.window_end, slot_minutes=hours.slot_minutes, video_url=hours.video_url,
            starts_on=first, ends_on=last, created_at=now, created_by=ACTOR, officers=[people[hours.officer]]))
        created["konsultationstider"] += 1
        linked = set(session.scalars(sa.select(BookingLink.school_id).where(BookingLink.revoked_at.is_(None))))
        for school in session.scalars(sa.select(School).where(School.district_id == district.id, School.is_active)):
            if school.id not in linked:
                session.add(BookingLink(school_id=school.id, key=new_key(), created_at=now, created_by=ACTOR))
                created["bokningslänkar"] += 1


def _terms(session: Session, municipality: Municipality, created: Counter[str]) -> None:
    existing = set(session.scalars(sa.select(Term.name).where(Term.municipality_id == municipality.id)))
    for term in data.TERMS:
        if term.name in existing:
            continue
        session.add(Term(
            municipality=municipality, name=term.name, starts_on=term.starts_on, ends_on=term.ends_on,
            breaks=[TermBreak(kind=kind, name=name, starts_on=start, ends_on=end)
                    for kind, name, start, end in term.breaks],
        ))
        created["terminer"] += 1


def _municipality(session: Session, created: Counter[str]) -> Municipality:
    code, name = data.MUNICIPALITY
    municipality = session.scalars(sa.select(Municipality).where(Municipality.code == code)).one_or_none()
    if municipality is None:
        municipality = Municipality(code=code, name=name)
        session.add(municipality)
        session.flush()
        created["kommun"] += 1
    return municipality


def _districts(session: Session, municipality: Municipality, created: Counter[str]) -> dict[str, District]:
    codes = [code for code, _ in data.DISTRICTS]
    districts = {d.code: d for d in session.scalars(sa.select(District).where(District.code.in_(codes)))}
    for code, name in data.DISTRICTS:
        if code not in districts:
            districts[code] = District(municipality=municipality, code=code, name=name)
            session.add(districts[code])
            created["stadsdelar"] += 1
    session.flush()
    return districts


def _units(
    session: Session, municipality: Municipality, districts: dict[str, District], created: Counter[str]
) -> dict[str, Unit]:
    existing = {(u.district_id, u.name): u
                for u in session.scalars(sa.select(Unit).where(Unit.municipality_id == municipality.id))}
    units = {}
    for unit in data.UNITS:
        district_id = districts[unit.district].id if unit.district else None
        found = existing.get((district_id, unit.name))
        if found is None:
            found = Unit(municipality_id=municipality.id, district_id=district_id, kind=unit.kind, name=unit.name)
            session.add(found)
            created["enheter"] += 1
        units[unit.key] = found
    session.flush()
    return units


def _schools(session: Session, districts: dict[str, District], created: Counter[str]) -> dict[str, School]:
    codes = [s.unit_code for s in data.SCHOOLS]
    schools = {s.unit_code: s for s in session.scalars(sa.select(School).where(School.unit_code.in_(codes)))}
    for school in data.SCHOOLS:
        if school.unit_code in schools:
            continue
        schools[school.unit_code] = School(
            unit_code=school.unit_code, name=school.name, district=districts[school.district],
            organiser_type=school.organiser_type, organiser_name=school.organiser_name,
            school_forms=list(school.school_forms), email=school.email, address=school.address,
        )
        session.add(schools[school.unit_code])
        created["skolor"] += 1
    session.flush()
    return schools


def _people(
    session: Session, municipality: Municipality, schools: dict[str, School], units: dict[str, Unit],
    created: Counter[str],
) -> dict[str, Person]:
    """The demo's people by name; deputies are set on the ones created now."""
    emails = {p.name: data.person_email(p) for p in data.PEOPLE}
    existing = {p.email: p for p in session.scalars(sa.select(Person).where(Person.email.in_(emails.values())))}
    people, new = {}, set()
    for person in data.PEOPLE:
        found = existing.get(emails[person.name])
        if found is None:
            school = schools[person.school] if person.school else None
            unit = units[person.unit] if person.unit else None
            found = Person(
                municipality_id=municipality.id, name=person.name, email=emails[person.name],
                language=person.language, school=school, unit=unit,
                district_id=school.district_id if school else unit.district_id if unit else None,
            )
            found.functions = [PersonFunction(function=f) for f in person.functions]
            session.add(found)
            new.add(person.name)
            created["personer"] += 1
        people[person.name] = found
    session.flush()
    # by id after the flush: two people who stand in for each other are a cycle to the ORM
    for name, deputy in data.DEPUTIES.items():
        if name in new:
            people[name].deputy_id = people[deputy].id
    session.flush()
    return people


def _agreement(
    session: Session, agreement: data.AgreementData, municipality: Municipality,
    districts: dict[str, District], schools: dict[str, School], people: dict[str, Person],
    now: datetime, created: Counter[str],
) -> None:
    district = districts[agreement.district] if agreement.district else None
    exists = session.scalars(sa.select(Agreement.id).where(
        Agreement.municipality_id == municipality.id,
        Agreement.district_id == (district.id if district else None),
        Agreement.title == agreement.title,
    )).first()
    if exists is not None:
        return
    new = create_agreement(session, municipality=municipality, district=district, title=agreement.title,
                           actor=ACTOR, now=now)
    version = new_version(session, new, actor=ACTOR, now=now)
    version.valid_from_on = agreement.valid_from_on
    version.valid_to_on = agreement.valid_to_on
    version.revision_due_on = agreement.revision_due_on
    version.contact_person = people[agreement.contact]
    version.meeting_forms = [meeting_form_from_defaults(kind, position=i, **changes)
                             for i, (kind, changes) in enumerate(agreement.forms)]
    if district is not None:
        principals = {p.school: p.name for p in data.PEOPLE if Function.PRINCIPAL in p.functions}
        for school in sorted((s for s in schools.values() if s.district_id == district.id), key=lambda s: s.name):
            add_party(session, version, school, signed_on=agreement.signed_on,
                      signed_by=principals.get(school.unit_code), actor=ACTOR, now=now)
    activate_version(session, version, actor=ACTOR, now=now)
    created["överenskommelser"] += 1


def _logins(
    session: Session, districts: dict[str, District], people: dict[str, Person], now: datetime,
    created: Counter[str],
) -> None:
    emails = [data.login_email(login) for login in data.LOGINS]
    existing = set(session.scalars(sa.select(User.email).where(User.email.in_(emails))))
    missing = [(login, email) for login, email in zip(data.LOGINS, emails) if email not in existing]
    # One hash for all: the demo password is public, so a salt per login protects nothing,
    # and argon2id takes a noticeable fraction of a second per hash by design.
    password_hash = hash_password(data.PASSWORD) if missing else None
    for login, email in missing:
        person = people[login.person] if login.person else None
        session.add(User(
            email=email, password_hash=password_hash, role=login.role,
            district_id=districts[login.district].id if login.district else None,
            person=person, language=person.language if person else Language.SV, created_at=now,
        ))
        created["användare"] += 1
    session.flush()


ROLE_NAMES = {
    Role.CITY_ADMIN: "stadens administratör",
    Role.DISTRICT_DIRECTOR: "stadsdelsdirektör",
    Role.DISTRICT_ADMIN: "stadsdelsadministratör",
    Role.PARTICIPANT: "deltagare (rektor)",
    Role.AUDITOR: "revisor",
    Role.INTAKE_OFFICER: "mottagningsgruppen",
}


def login_table(session: Session) -> list[str]:
    """The demo logins present in the database, as lines of a table (empty when there are none)."""
    emails = [data.login_email(login) for login in data.LOGINS]
    users = {u.email: u for u in session.scalars(sa.select(User).where(User.email.in_(emails)))}
    rows = [(u.email, data.PASSWORD, ROLE_NAMES[u.role], u.district.name if u.district else "")
            for u in (users.get(email) for email in emails) if u is not None]
    if not rows:
        return []
    header = ("E-post", "Lösenord", "Roll", "Stadsdel")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in [header, *rows]]
    return [lines[0], "  ".join("-" * width for width in widths), *lines[1:]]


@click.command("demo")
@click.option("--if-empty", is_flag=True,
              help="Läs bara in demon när databasen saknar stadsdelar (för `make run`).")
@with_appcontext
def demo(if_empty: bool) -> None:
    """Load the demo municipality (loading it twice changes nothing)."""
    session = db()
    if if_empty and session.scalars(sa.select(District.id).limit(1)).first() is not None:
        click.echo("Databasen har redan stadsdelar; demon lästes inte in.")
    else:
        try:
            created = load_demo(session, now=utcnow())
        except DomainError as error:  # data in the way of the demo, e.g. a school moved to another district
            session.rollback()
            raise click.ClickException(str(error)) from None
        session.commit()
        if created:
            click.echo("Demon är inläst: " + ", ".join(f"{n} {what}" for what, n in created.items()) + ".")
        else:
            click.echo("Demon är redan inläst; inget ändrades.")
    table = login_table(session)
    if table:
        click.echo("\nInloggningar i demon:")
        for line in table:
            click.echo(line)
