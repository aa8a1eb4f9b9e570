"""Load the fictional demo municipality of `data.py` (Stockholms stad, 0180), with or without its history.

Idempotent: every record is looked up by its natural key (municipality and district code,
school-unit code, unit name, email, agreement title, term name) and skipped when it exists, so
a second run changes nothing; a district's history is written with its agreement, so it is
never written twice. Agreements are built through the agreement services and the history
through the planning, invitation and minutes services, so the demo obeys the same rules as real
data and is audited; the organisation rows and logins, consultation hours and booking links are plain
inserts without audit events (they are sample data, not changes).
"""
from __future__ import annotations

from collections import Counter
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from coordinator.agreements.models import Agreement
from coordinator.auth.models import User
from coordinator.auth.passwords import hash_password
from coordinator.demo import data
from coordinator.demo.agreements import ACTOR, Organisation, found_agreement
from coordinator.demo.history import history_terms, live
from coordinator.consultations.models import BookingLink, ConsultationHours
from coordinator.consultations.tokens import new_key
from coordinator.org.models import District, Language, Municipality, Person, PersonFunction, School, Unit
from coordinator.terms.models import Term, TermBreak


def load_demo(session: Session, *, now: datetime, history: bool = False) -> Counter[str]:
    """Add whatever of the demo is missing; how many of each kind were created. The caller commits.

    With `history`, a district whose agreement is added now also gets the meetings of the previous
    school year and of the current term so far (history.py), as of `now`; outside the demo's terms
    there is no history to give and the demo loads as without it.
    """
    created: Counter[str] = Counter()
    municipality = _municipality(session, created)
    districts = _districts(session, municipality, created)
    units = _units(session, municipality, districts, created)
    schools = _schools(session, districts, created)
    people = _people(session, municipality, schools, units, created)
    org = Organisation(municipality, districts, schools, people)
    terms = _terms(session, municipality, created)
    past = [terms[t.name] for t in history_terms(data.TERMS, now)] if history else []
    for agreement in data.AGREEMENTS:
        if _exists(session, agreement, org):
            continue
        if not past:
            found_agreement(session, agreement, agreement.version, org, now)
        elif not live(session, agreement, org, past, now, created):
            continue
        created["överenskommelser"] += 1
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


def _exists(session: Session, agreement: data.AgreementData, org: Organisation) -> bool:
    district = org.districts[agreement.district] if agreement.district else None
    return session.scalars(sa.select(Agreement.id).where(
        Agreement.municipality_id == org.municipality.id,
        Agreement.district_id == (district.id if district else None),
        Agreement.title == agreement.title,
    )).first() is not None


def _terms(session: Session, municipality: Municipality, created: Counter[str]) -> dict[str, Term]:
    terms = {t.name: t for t in session.scalars(sa.select(Term).where(Term.municipality_id == municipality.id))}
    for term in data.TERMS:
        if term.name in terms:
            continue
        terms[term.name] = Term(
            municipality=municipality, name=term.name, starts_on=term.starts_on, ends_on=term.ends_on,
            breaks=[TermBreak(kind=kind, name=name, starts_on=start, ends_on=end)
                    for kind, name, start, end in term.breaks],
        )
        session.add(terms[term.name])
        created["terminer"] += 1
    session.flush()
    return terms


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


