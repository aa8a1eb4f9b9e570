"""Writing the benchmark's organisation, terms and agreements into an empty database (and the history, if asked).

The organisation rows are Core `insert()`s in bulk (the ORM would take seconds per ten thousand
people and adds nothing for sample data, which, like the demo's, has no audit events); the
agreements are built through the agreement services, as the demo builds its own, so they obey
the same rules and are audited with the actor "bench". The caller commits.
"""
from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
import sqlalchemy as sa
from sqlalchemy.orm import Session

from coordinator.agreements.services import (
    activate_version, add_party, create_agreement, meeting_form_from_defaults, new_version,
)
from coordinator.bench import history
from coordinator.bench.rows import insert_returning_ids
from coordinator.bench.organisation import CityPlan, MunicipalityPlan, build
from coordinator.bench.scales import ACTOR, TERMS, DatabaseNotEmpty, Scale, scale_named
from coordinator.models import all_models
from coordinator.org.models import District, Municipality, OrganiserType, Person, PersonFunction, School, Unit
from coordinator.terms.models import Term, TermBreak

# without history: every agreement is in force for both terms, signed before, its revision not yet due when planned
_VALID_FROM, _VALID_TO, _SIGNED_ON = date(2026, 7, 1), date(2028, 6, 30), date(2026, 6, 10)
_REVISION_DUE = date(2028, 3, 31)


def generate(session: Session, *, scale: str, now: datetime, seed: int = 1, history_years: int = 0) -> Counter[str]:
    """Write the organisation of `scale` into an empty database; how many of each kind. The caller commits.

    With `history_years`, each municipality also gets that many school years of held meetings up to `now`
    (the scale may keep less outside its first municipality): see `history.py`.
    Raises `DatabaseNotEmpty` (nothing written) when any table of the application has a row.
    """
    shape = scale_named(scale)
    plan = build(shape, seed)
    _refuse_data(session)
    created: Counter[str] = Counter()
    ids: dict[str, int] = {}  # person email -> id, for deputies and contacts
    written = [(municipality, _write_organisation(session, municipality, ids, created))
               for municipality in plan.municipalities]
    _write_deputies(session, plan.deputies, ids)
    created["ersättare"] = len(plan.deputies)
    for n, (municipality, municipality_id) in enumerate(written):
        years = _years(shape, n, history_years)
        terms = _write_terms(session, municipality_id, history.history_terms(now, years) if years else [], created)
        rng = random.Random(f"{seed}:{municipality.code}:history")
        diligence = {code: history.diligence(rng) for code, _ in municipality.districts}

        def revisions(code: str) -> list[history.Revision]:
            return history.revisions(terms, now, diligence[code], rng) if years else []

        _write_agreements(session, municipality, municipality_id, ids, now, created, revisions=revisions)
        if years:
            history.write(session, municipality_id, terms, diligence, _deputies_by_id(plan, ids), now, rng, created)
    session.flush()
    return created


def _years(scale: Scale, index: int, wanted: int) -> int:
    """The history of the scale's `index`-th municipality: the first keeps all, the others at most the cap."""
    if index == 0 or scale.history_years_elsewhere is None:
        return wanted
    return min(wanted, scale.history_years_elsewhere)


def _refuse_data(session: Session) -> None:
    for table in all_models().sorted_tables:
        if session.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first() is not None:
            raise DatabaseNotEmpty(
                f"Databasen har redan data (tabellen {table.name} har rader). Testdata skapas bara i en tom "
                "databas: peka COORDINATOR_DATABASE_URL på en ny och kör `coordinator db upgrade` först.")


def _write_organisation(session: Session, municipality: MunicipalityPlan, ids: dict[str, int],
                        created: Counter[str]) -> int:
    [municipality_id] = insert_returning_ids(session, Municipality,
                                             [{"code": municipality.code, "name": municipality.name}])
    district_ids = dict(zip((code for code, _ in municipality.districts), insert_returning_ids(session, District, [
        {"municipality_id": municipality_id, "code": code, "name": name, "is_active": True}
        for code, name in municipality.districts])))
    unit_ids = dict(zip((u.key for u in municipality.units), insert_returning_ids(session, Unit, [
        {"municipality_id": municipality_id, "district_id": district_ids.get(u.district) if u.district else None,
         "kind": u.kind, "name": u.name, "is_active": True} for u in municipality.units])))
    schools = municipality.schools
    school_ids = dict(zip((s.unit_code for s in schools), insert_returning_ids(session, School, [
        {"unit_code": s.unit_code, "name": s.name, "district_id": district_ids[s.district],
         "organiser_type": s.organiser_type, "organiser_name": s.organiser_name,
         "school_forms": list(s.school_forms), "email": s.email, "phone": None, "address": s.address,
         "is_active": True} for s in schools])))
    district_of_school = {s.unit_code: district_ids[s.district] for s in schools}
    district_of_unit = {u.key: district_ids[u.district] if u.district else None for u in municipality.units}
    people = municipality.people
    person_ids = insert_returning_ids(session, Person, [
        {"municipality_id": municipality_id,
         "district_id": district_of_school[p.school] if p.school else district_of_unit[p.unit or ""],
         "school_id": school_ids[p.school] if p.school else None,
         "unit_id": unit_ids[p.unit] if p.unit else None,
         "name": p.name, "email": p.email, "phone": None, "language": p.language, "deputy_id": None,
         "is_active": True, "deactivated_at": None} for p in people])
    ids.update(zip((p.email or "" for p in people), person_ids))
    session.execute(sa.insert(PersonFunction.__table__), [
        {"person_id": person_id, "function": function}
        for person, person_id in zip(people, person_ids) for function in person.functions])
    created["kommuner"] += 1
    created["stadsdelar"] += len(district_ids)
    created["enheter"] += len(unit_ids)
    created["skolor"] += len(school_ids)
    created["fristående skolor"] += sum(s.organiser_type is OrganiserType.INDEPENDENT for s in schools)
    created["personer"] += len(person_ids)
    return municipality_id


def _write_deputies(session: Session, deputies: dict[str, str], ids: dict[str, int]) -> None:
    if not deputies:
        return
    table = Person.__table__
    session.execute(
        sa.update(table).where(table.c.id == sa.bindparam("b_person")).values(deputy_id=sa.bindparam("b_deputy")),
        [{"b_person": ids[person], "b_deputy": ids[deputy]} for person, deputy in deputies.items()])


def _deputies_by_id(plan: CityPlan, ids: dict[str, int]) -> dict[int, int]:
    return {ids[person]: ids[deputy] for person, deputy in plan.deputies.items()}


def _write_terms(session: Session, municipality_id: int, past: Sequence[history.TermData],
                 created: Counter[str]) -> list[Term]:
    """The history's terms and the demo's HT2027 and VT2028, with their breaks; the history's, in order."""
    names = {t.name for t in past}
    future = [t for t in history.DEMO_TERMS if t.name in TERMS and t.name not in names]
    written = []
    for term in [*past, *future]:
        row = Term(municipality_id=municipality_id, name=term.name, starts_on=term.starts_on, ends_on=term.ends_on,
                   breaks=[TermBreak(kind=kind, name=name, starts_on=start, ends_on=end)
                           for kind, name, start, end in term.breaks])
        session.add(row)
        written.append(row)
        created["terminer"] += 1
    session.flush()
    return [t for t in written if t.name in names]


def _write_agreements(session: Session, municipality: MunicipalityPlan, municipality_id: int,
                      ids: dict[str, int], now: datetime, created: Counter[str], *,
                      revisions: Callable[[str], list[history.Revision]]) -> None:
    """Each agreement through the agreement services, as the demo builds its own: audited, rules checked.

    Without history, one version activated `now`. With history, `revisions(district code)` gives each yearly
    version's activation and its validity; the first is activated before the history begins.
    """
    owner = session.get_one(Municipality, municipality_id)
    districts = {d.code: d
                 for d in session.scalars(sa.select(District).where(District.municipality_id == municipality_id))}
    schools: dict[int, list[School]] = {}
    for school in session.scalars(sa.select(School).where(School.district_id.in_([d.id for d in districts.values()]))
                                  .order_by(School.name, School.id)):
        schools.setdefault(school.district_id, []).append(school)
    for plan in municipality.agreements:
        district = districts[plan.district] if plan.district else None
        versions = (revisions(plan.district) if district is not None else []) or [
            history.Revision(now, _VALID_FROM, _VALID_TO, _REVISION_DUE)]
        first = versions[0].activated_at
        agreement = create_agreement(session, municipality=owner, district=district, title=plan.title,
                                     actor=ACTOR, now=first - timedelta(days=30))
        version = new_version(session, agreement, actor=ACTOR, now=first - timedelta(days=30))
        version.contact_person_id = ids[plan.contact_email]
        version.meeting_forms = [meeting_form_from_defaults(kind, position=i, **changes)
                                 for i, (kind, changes) in enumerate(plan.forms)]
        parties = schools.get(district.id, []) if district is not None else []  # the steering group has none
        signed_on = min(_SIGNED_ON, first.date() - timedelta(days=20))
        for school in parties:
            add_party(session, version, school, signed_on=signed_on,
                      signed_by=municipality.principals[school.unit_code], actor=ACTOR, now=first)
            created["parter"] += 1
        for n, revision in enumerate(versions):
            if n:  # each revision copies the forms and parties of the one before, under new ids
                version = new_version(session, agreement, revision_due_on=revision.revision_due_on, actor=ACTOR,
                                      now=revision.activated_at)
            version.valid_from_on, version.valid_to_on = revision.valid_from_on, revision.valid_to_on
            version.revision_due_on = revision.revision_due_on
            activate_version(session, version, actor=ACTOR, now=revision.activated_at)
            created["avtalsversioner"] += 1
        created["överenskommelser"] += 1
