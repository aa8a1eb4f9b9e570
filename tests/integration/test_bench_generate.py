"""The benchmark data generator on both databases: its shape, its staffing, its seed, its history, and its
refusal of data."""
from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import aliased
from tests.conftest import _empty

from coordinator.agreements.models import Agreement, AgreementVersion, FormKind, Party, VersionStatus
from coordinator.agreements.services import staffing_warnings
from coordinator.bench import SCALES, DatabaseNotEmpty, build, generate
from coordinator.cli import cli
from coordinator.db import make_session_factory
from coordinator.demo.data import AGREEMENTS
from coordinator.followup.services import district_followup
from coordinator.minutes.models import ActionItem, Attendance, Minutes
from coordinator.org.functions import Function
from coordinator.org.models import District, Municipality, OrganiserType, Person, PersonFunction, School
from coordinator.planning.models import Invitation, Meeting, MeetingStatus
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
    assert len(plan.municipalities) == wanted.municipality_count
    # a third independent in each municipality, rounded there
    assert abs(sum(s.organiser_type is OrganiserType.INDEPENDENT for s in schools) - wanted.schools / 3) \
        <= wanted.municipality_count / 2
    assert sum(("GY" in s.school_forms or "GYAN" in s.school_forms) for s in schools) == \
        wanted.upper_secondary_schools
    per_district = Counter(s.district for s in schools)
    assert len(per_district) == wanted.districts  # no district left without schools
    capital, shape = plan.municipalities[0], wanted.municipalities[0]
    in_capital = Counter(s.district for s in capital.schools)
    assert min(in_capital.values()) >= 0.5 * len(capital.schools) / shape.districts  # its districts differ, within reason
    emails = [p.email for m in plan.municipalities for p in m.people]
    assert len(set(emails)) == len(emails) and all(e.endswith(".example") for e in emails)


def test_the_country_has_290_municipalities_and_its_capital_is_drawn_as_the_city_alone():
    city, national = build("city"), build("national")

    assert len(national.municipalities) == 290
    assert national.municipalities[0] == city.municipalities[0]  # the district compared has one shape in both
    codes = [code for m in national.municipalities for code, _ in m.districts]
    assert len(set(codes)) == len(codes) == SCALES["national"].districts


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
    assert "stadsdelar: 11, " in result.output and "skolor: 420, fristående skolor: 140," in result.output
    assert (count(session, District), count(session, School)) == (11, 420)

    again = runner.invoke(cli, ["bench", "generate", "--scale", "city"])

    assert again.exit_code == 1 and "redan data" in again.output
    session.rollback()
    assert count(session, School) == 420


# -- history -------------------------------------------------------------------------------------

HISTORY_NOW = datetime(2027, 5, 3, 8, 0, tzinfo=UTC)  # in VT2027: two school years back are HT2025 – VT2027


@pytest.fixture
def with_history(session):
    generate(session, scale="tiny", now=HISTORY_NOW, seed=3, history_years=2)
    session.commit()
    return session


def test_history_has_its_terms_and_a_yearly_version_activated_before_the_first(with_history):
    session = with_history
    terms = {t.name: t for t in session.scalars(sa.select(Term))}
    assert sorted(terms) == sorted(["HT2025", "VT2026", "HT2026", "VT2027", "HT2027", "VT2028"])
    for district in session.scalars(sa.select(District)):
        [agreement] = session.scalars(sa.select(Agreement).where(Agreement.district_id == district.id)).all()
        activated = [v.activated_at for v in agreement.versions]
        assert len(activated) == 2 and activated[0] < datetime(2025, 8, 1, tzinfo=UTC) < activated[1] < HISTORY_NOW
        assert [v.status for v in agreement.versions] == [VersionStatus.SUPERSEDED, VersionStatus.ACTIVE]
        for term in ("HT2025", "VT2026", "HT2026", "VT2027"):
            assert session.scalar(sa.select(sa.func.count()).select_from(Meeting).where(
                Meeting.district_id == district.id, Meeting.term_id == terms[term].id)) > 0, (district.code, term)
        for term in ("HT2027", "VT2028"):  # left for the planning benchmarks
            assert session.scalar(sa.select(sa.func.count()).select_from(Meeting).where(
                Meeting.term_id == terms[term].id)) == 0


def test_history_is_what_the_follow_up_counts_and_the_same_for_the_same_seed(with_history, engine):
    session = with_history
    district = session.scalars(sa.select(District).order_by(District.id)).first()
    term = session.scalars(sa.select(Term).where(Term.name == "HT2026")).one()

    follow_up = district_followup(session, district, term, HISTORY_NOW)
    figures = {r.indicator.id: r.figure.value for r in follow_up.readings}

    assert follow_up.has_agreement and follow_up.facts.meetings.agreed > 0
    assert 0.5 <= figures["meetings.held"] <= 1.0
    assert 0 < figures["answers.rate"] < 1 and figures["answers.by_link"] > figures["answers.by_organiser"] > 0
    assert 0 < figures["minutes.kept"] <= 1 and figures["schools.attended.municipal"] > 0
    assert follow_up.facts.actions.total > 0 and len(follow_up.trend) == 3  # HT2025, VT2026, HT2026
    # nothing held before it began, nothing recorded for a meeting in the future
    assert session.scalar(sa.select(sa.func.count()).select_from(Attendance)
                          .join(Meeting, Meeting.id == Attendance.meeting_id).where(Meeting.ends_at > HISTORY_NOW)) == 0
    assert session.scalar(sa.select(sa.func.count()).select_from(Meeting).where(
        Meeting.status == MeetingStatus.DRAFT, Meeting.published_at.is_not(None))) == 0
    counts = {model.__tablename__: count(session, model) for model in (Meeting, Invitation, Attendance, Minutes,
                                                                       ActionItem)}
    assert all(counts.values()), counts
    session.rollback()

    _empty(engine)  # a fresh database again, its ids from 1 (the planner breaks ties by them)
    with make_session_factory(engine)() as again:
        generate(again, scale="tiny", now=HISTORY_NOW, seed=3, history_years=2)
        again.commit()
        assert {model.__tablename__: count(again, model) for model in (Meeting, Invitation, Attendance, Minutes,
                                                                       ActionItem)} == counts
