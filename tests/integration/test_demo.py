"""`coordinator demo` on both databases: what it loads, that it is fully staffed, and that it loads once.

Most tests load the demo without its history (test_demo_history.py has that), which depends on the day
they run; loading twice and `--if-empty` load it as `make run` does, with the history of today.
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from coordinator.agreements.models import Agreement, AgreementVersion, FormKind, VersionStatus
from coordinator.agreements.services import staffing_warnings
from coordinator.auth.models import Role, User
from coordinator.auth.passwords import verify_password
from coordinator.cli import cli
from coordinator.models import all_models
from coordinator.org.functions import Function
from coordinator.org.models import (
    District, Language, OrganiserType, Person, PersonFunction, School, SchoolForm, Unit, UnitKind,
)
from coordinator.outbox.models import OutboxMessage, OutboxState
from coordinator.terms.models import BreakKind, Term
from coordinator.terms.services import breaks_of, calendar_for, check_term


def load(runner, *args: str) -> str:
    """`coordinator demo` with the arguments given: with the history as of now, unless told otherwise."""
    result = runner.invoke(cli, ["demo", *args])
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.output


def row_counts(session) -> dict[str, int]:
    session.expire_all()
    return {table.name: session.scalar(sa.select(sa.func.count()).select_from(table))
            for table in all_models().sorted_tables}


def test_the_demo_has_two_districts_and_enough_schools_a_third_of_them_independent(runner, session):
    load(runner, "--without-history")

    assert sorted(session.scalars(sa.select(District.code))) == ["NORRVIKEN", "SODERBY"]
    schools = session.scalars(sa.select(School)).all()
    assert len(schools) >= 14
    assert 3 * sum(s.organiser_type is OrganiserType.INDEPENDENT for s in schools) >= len(schools)
    assert all(len(s.unit_code) == 8 and s.unit_code.isdigit() for s in schools)
    forms = {form for s in schools for form in s.school_forms}
    assert {SchoolForm.GY.value, SchoolForm.GRAN.value, SchoolForm.GR.value} <= forms


def test_the_demo_has_the_districts_units_and_the_police(runner, session):
    load(runner, "--without-history")

    for district in session.scalars(sa.select(District)):
        kinds = set(session.scalars(sa.select(Unit.kind).where(Unit.district_id == district.id)))
        assert {UnitKind.SOCIAL_SERVICES, UnitKind.LEISURE, UnitKind.PRESCHOOL, UnitKind.FIELD_WORKERS,
                UnitKind.ADMINISTRATION, UnitKind.POLICE} <= kinds


def test_the_demo_people_hold_every_function_and_every_school_has_a_principal(runner, session):
    load(runner, "--without-history")

    held = set(session.scalars(sa.select(PersonFunction.function)))
    assert held == set(Function)
    principal_schools = set(session.scalars(
        sa.select(Person.school_id).join(PersonFunction).where(PersonFunction.function == Function.PRINCIPAL)))
    assert principal_schools == set(session.scalars(sa.select(School.id)))
    people = session.scalars(sa.select(Person)).all()
    assert len(people) >= 50
    assert sum(p.language is Language.EN for p in people) >= 2
    assert any(p.deputy_id is not None for p in people)
    assert any(p.name.startswith("Mottagningsgruppen") for p in people)  # the intake group's mailbox


def test_each_district_has_one_active_agreement_signed_by_all_its_schools_and_the_city_one(runner, session):
    load(runner, "--without-history")

    for district in session.scalars(sa.select(District)):
        [agreement] = session.scalars(sa.select(Agreement).where(Agreement.district_id == district.id)).all()
        version = agreement.active_version
        assert version is not None and version.contact_person is not None
        assert {p.school_id for p in version.parties} == {s.id for s in district.schools}
        assert all(p.signed_on and p.signed_by for p in version.parties)
        assert {f.kind for f in version.meeting_forms} >= {
            FormKind.OVERARCHING_FORUM, FormKind.OPERATIVE_FORUM, FormKind.STUDENT_HEALTH_CONFERENCE,
            FormKind.REPORT_MEETING, FormKind.CONSULTATION, FormKind.STAFF_MEETING_VISIT}
    [city] = session.scalars(sa.select(Agreement).where(Agreement.district_id.is_(None))).all()
    assert [f.kind for f in city.active_version.meeting_forms] == [FormKind.STEERING_GROUP]
    assert session.scalar(sa.select(sa.func.count()).where(AgreementVersion.status == VersionStatus.ACTIVE)) == 3


def test_the_demo_is_fully_staffed(runner, session):
    load(runner, "--without-history")

    for version in session.scalars(sa.select(AgreementVersion)):
        assert staffing_warnings(session, version) == [], version.agreement.title


def test_loading_twice_changes_nothing(runner, session):
    load(runner)
    before = row_counts(session)

    output = load(runner)

    assert row_counts(session) == before
    assert "redan inläst" in output


def test_without_history_the_demo_has_no_meetings_and_one_version_of_each_agreement(runner, session):
    load(runner, "--without-history")

    counts = row_counts(session)
    assert (counts["meeting"], counts["minutes"], counts["outbox_message"]) == (0, 0, 0)
    assert counts["agreement_version"] == counts["agreement"] == 3


def test_the_mail_of_the_history_is_recorded_as_sent_not_left_for_the_scheduler(runner, session):
    load(runner)

    states = set(session.scalars(sa.select(OutboxMessage.state)))
    assert states <= {OutboxState.SENT}  # as of today: nothing old for the scheduler to send at once


def test_if_empty_does_nothing_on_a_loaded_database_and_loads_an_empty_one(runner, session):
    assert "Demon är inläst" in load(runner, "--if-empty")
    before = row_counts(session)

    output = load(runner, "--if-empty")

    assert row_counts(session) == before
    assert "lästes inte in" in output


def test_the_demo_logins_work_with_the_password_demo_and_are_printed(runner, session):
    output = load(runner, "--without-history")

    users = session.scalars(sa.select(User)).all()
    assert all(verify_password(password_hash, "demo") for password_hash in {u.password_hash for u in users})
    assert not verify_password(users[0].password_hash, "Demo")
    roles = [u.role for u in users]
    assert roles.count(Role.DISTRICT_DIRECTOR) == 2 and roles.count(Role.DISTRICT_ADMIN) == 2
    assert {Role.CITY_ADMIN, Role.PARTICIPANT, Role.AUDITOR} <= set(roles)
    directors = [u for u in users if u.role is Role.DISTRICT_DIRECTOR]
    assert {u.district.code for u in directors} == {"NORRVIKEN", "SODERBY"}
    assert all(u.email in output for u in users)


def test_the_demo_has_three_school_years_of_terms_with_breaks_and_enough_teaching_days(runner, session):
    load(runner, "--without-history")

    terms = session.scalars(sa.select(Term).order_by(Term.starts_on)).all()
    assert [t.name for t in terms] == ["HT2025", "VT2026", "HT2026", "VT2027", "HT2027", "VT2028"]
    expected_breaks = {
        "HT2025": [BreakKind.STUDY_DAY, BreakKind.HOSTLOV],
        "VT2026": [BreakKind.SPORTLOV, BreakKind.PASKLOV, BreakKind.STUDY_DAY],
        "HT2026": [BreakKind.STUDY_DAY, BreakKind.HOSTLOV],
        "VT2027": [BreakKind.SPORTLOV, BreakKind.PASKLOV, BreakKind.STUDY_DAY],
        "HT2027": [BreakKind.STUDY_DAY, BreakKind.HOSTLOV],
        "VT2028": [BreakKind.SPORTLOV, BreakKind.PASKLOV, BreakKind.STUDY_DAY],
    }
    for term in terms:
        assert [b.kind for b in term.breaks] == expected_breaks[term.name]
        others = [t for t in terms if t is not term]
        assert check_term(term.name, term.starts_on, term.ends_on, breaks_of(term), others=others) == []
        assert len(calendar_for(session, term).teaching_days()) > 80, term.name
    hostlov = next(b for b in terms[4].breaks if b.kind is BreakKind.HOSTLOV)
    assert (hostlov.starts_on, hostlov.ends_on) == (date(2027, 11, 1), date(2027, 11, 5))  # week 44
