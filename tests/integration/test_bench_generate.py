"""The benchmark data generator on both databases: its shape, its staffing, its seed, and its refusal of data."""
from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import aliased

from coordinator.agreements.models import Agreement, AgreementVersion, FormKind, Party, VersionStatus
from coordinator.agreements.services import staffing_warnings
from coordinator.bench import SCALES, DatabaseNotEmpty, build, generate
from coordinator.cli import cli
from coordinator.demo.data import AGREEMENTS
from coordinator.org.functions import Function
from coordinator.org.models import District, Municipality, OrganiserType, Person, PersonFunction, School
from coordinator.planning.services import plan_district_term
from coordinator.terms.models import Term

NOW = datetime(2027, 5, 3, 8, 0, tzinfo=UTC)
DEMO_DISTRICT_FORMS = [kind for kind, _ in AGREEMENTS[0].forms]


def count(session, model) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.fixture
def tiny(session):
    generate(session, scale="tiny", now=NOW, seed=3)
    session.commit()
    return session


# -- the data as plain values (no database) ------------------------------------------------------

def test_the_same_seed_builds_the_same_organisation_and_another_seed_another():
    assert build("tiny", seed=7) == build("tiny", seed=7)
    assert build("tiny", seed=7) != build("tiny", seed=8)


@pytest.mark.parametrize("scale", ["city", "national"])
def test_the_scales_have_their_districts_and_schools_a_third_of_them_independent(scale):
    plan, wanted = build(scale), SCALES[scale]

    districts = [d for m in plan.municipalities for d in m.districts]
    schools = [s for m in plan.municipalities for s in m.schools]
    assert len(districts) == wanted.districts and len({code for code, _ in districts}) == wanted.districts
    assert len(schools) == wanted.schools and len({s.unit_code for s in schools}) == wanted.schools
    assert sum(s.organiser_type is OrganiserType.INDEPENDENT for s in schools) == round(wanted.schools / 3)
    assert sum(("GY" in s.school_forms or "GYAN" in s.school_forms) for s in schools) == \
        wanted.upper_secondary_schools
    per_district = Counter(s.district for s in schools)
    assert min(per_district.values()) >= 0.5 * wanted.schools / wanted.districts  # no district left empty
    emails = [p.email for m in plan.municipalities for p in m.people]
    assert len(set(emails)) == len(emails) and all(e.endswith(".example") for e in emails)


def test_an_unknown_scale_is_an_error(session):
    with pytest.raises(ValueError, match="unknown scale"):
        generate(session, scale="galaxy", now=NOW)


# -- written into the database -------------------------------------------------------------------

def test_the_database_holds_what_was_built(tiny):
    plan = build("tiny", seed=3)
    [municipality] = plan.municipalities

    assert set(tiny.scalars(sa.select(District.code))) == {code for code, _ in municipality.districts}
    assert set(tiny.execute(sa.select(School.unit_code, School.name, School.organiser_type))) == {
        (s.unit_code, s.name, s.organiser_type) for s in municipality.schools}
    assert set(tiny.execute(sa.select(Person.email, PersonFunction.function).join(PersonFunction))) == {
        (p.email, f) for p in municipality.people for f in p.functions}
    deputy = aliased(Person)
    stands_in = tiny.execute(sa.select(Person.email, deputy.email).join(deputy, Person.deputy_id == deputy.id))
    assert {person: their_deputy for person, their_deputy in stands_in} == plan.deputies


def test_every_function_is_held_and_every_school_has_a_principal(tiny):
    assert set(tiny.scalars(sa.select(PersonFunction.function))) == set(Function)
    principals = set(tiny.scalars(sa.select(Person.school_id).join(PersonFunction)
                                  .where(PersonFunction.function == Function.PRINCIPAL)))
    assert principals == set(tiny.scalars(sa.select(School.id)))


def test_each_district_has_one_active_agreement_with_the_demos_forms_and_all_its_schools(tiny):
    for district in tiny.scalars(sa.select(District)):
        [agreement] = tiny.scalars(sa.select(Agreement).where(Agreement.district_id == district.id)).all()
        version = agreement.active_version
        assert [f.kind for f in version.meeting_forms] == DEMO_DISTRICT_FORMS
        assert {p.school_id for p in version.parties} == {s.id for s in district.schools}
        assert all(p.signed_on and p.signed_by for p in version.parties)
    [city] = tiny.scalars(sa.select(Agreement).where(Agreement.district_id.is_(None))).all()
    assert [f.kind for f in city.active_version.meeting_forms] == [FormKind.STEERING_GROUP]
    assert count(tiny, Party) == count(tiny, School)
    assert sorted(tiny.scalars(sa.select(Term.name))) == ["HT2027", "VT2028"]


def test_every_agreement_is_fully_staffed_and_the_term_plans_without_warnings(tiny):
    for version in tiny.scalars(sa.select(AgreementVersion).where(AgreementVersion.status == VersionStatus.ACTIVE)):
        assert staffing_warnings(tiny, version) == [], version.agreement.title

    for code in tiny.scalars(sa.select(District.code)).all():
        result = plan_district_term(tiny, code, "HT2027", actor="test", now=NOW)
        assert result.added > 0 and result.warnings == (), [w.message() for w in result.warnings]


def test_a_database_with_data_is_refused_and_nothing_is_written(session):
    session.add(Municipality(code="0180", name="Stockholms stad"))
    session.commit()

    with pytest.raises(DatabaseNotEmpty, match="redan data"):
        generate(session, scale="tiny", now=NOW)
    session.rollback()

    assert (count(session, Municipality), count(session, District), count(session, Person)) == (1, 0, 0)


def test_the_command_generates_the_city_and_then_refuses_to_run_again(runner, session):
    result = runner.invoke(cli, ["bench", "generate", "--scale", "city", "--seed", "2"])

    assert result.exit_code == 0, result.output + repr(result.exception)
    assert "stadsdelar: 14, " in result.output and "skolor: 420, fristående skolor: 140," in result.output
    assert (count(session, District), count(session, School)) == (14, 420)

    again = runner.invoke(cli, ["bench", "generate", "--scale", "city"])

    assert again.exit_code == 1 and "redan data" in again.output
    session.rollback()
    assert count(session, School) == 420
