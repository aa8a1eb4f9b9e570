"""School groups and BUS groups, on both databases: a district adds a BUS group of its schools (audited), bad
input is refused with nothing written, and a meeting form held for a BUS group takes up individual cases only
with consent; the planner gives the group its own series with its schools' principals."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from coordinator.agreements.defaults import default_form
from coordinator.agreements.models import Agreement, FormKind, IndividualCases, Scope
from coordinator.agreements.rules import RulesBroken
from coordinator.agreements.services import activate_version, add_meeting_form, new_version
from coordinator.audit import AuditEvent
from coordinator.demo import load_demo
from coordinator.org.groups import GroupValues, save_group
from coordinator.org.models import District, GroupKind, School, SchoolGroup
from coordinator.org.services import Invalid
from coordinator.planning.services import plan_district_term

NOW = datetime(2027, 5, 3, 8, 0, tzinfo=UTC)
DIRECTOR = "eva.lindqvist@stockholm.example"


@pytest.fixture
def world(session: Session) -> Session:
    load_demo(session, now=NOW)
    session.commit()
    return session


def district(session: Session, code: str = "NORRVIKEN") -> District:
    return session.scalars(sa.select(District).where(District.code == code)).one()


def school_ids(session: Session, *names: str) -> tuple[int, ...]:
    return tuple(session.scalars(sa.select(School.id).where(School.name.in_(names)).order_by(School.name)))


def bus_group(session: Session) -> SchoolGroup:
    group = save_group(session, district(session), GroupValues(
        "BUS Norrviken norra", GroupKind.BUS, school_ids(session, "Norrvikens skola", "Sjöängsskolan")),
        actor=DIRECTOR, now=NOW)
    session.commit()
    return group


def counts(session: Session) -> tuple[int, int]:
    session.expire_all()
    return (session.scalar(sa.select(sa.func.count()).select_from(SchoolGroup)),
            session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)))


def test_a_bus_group_is_a_named_group_of_the_districts_schools_and_its_creation_audited(world):
    before = counts(world)
    group = bus_group(world)

    assert group.is_bus and [s.name for s in group.schools] == ["Norrvikens skola", "Sjöängsskolan"]
    assert counts(world) == (before[0] + 1, before[1] + 1)
    event = world.scalars(sa.select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (event.action, event.after["kind"]) == ("school_group.created", "bus")


BAD_INPUT = [  # name, schools, the field and the message
    ("  ", ("Norrvikens skola",), "name", "Ange gruppens namn."),
    ("BUS Norrviken norra", ("Norrvikens skola",), "name", "Stadsdelen har redan en grupp som heter BUS Norrviken norra."),
    ("Ny", (), "school_ids", "Välj minst en skola till gruppen."),
    ("Blandad", ("Söderbyskolan",), "school_ids", "Välj bara skolor i stadsdelen som är verksamma."),
]


def test_bad_input_is_refused_and_nothing_written(world):
    bus_group(world)
    before = counts(world)
    for name, schools, field, message in BAD_INPUT:  # one demo for all: each refusal writes nothing
        with pytest.raises(Invalid) as refused:
            save_group(world, district(world), GroupValues(name, GroupKind.BUS, school_ids(world, *schools)),
                       actor=DIRECTOR, now=NOW)
        world.rollback()
        assert [(p.field, p.template % p.params if p.params else p.template) for p in refused.value.problems] \
            == [(field, message)], name
        assert counts(world) == before


def test_a_form_for_a_bus_group_takes_up_cases_only_with_consent_and_is_planned_for_the_group(world):
    group = bus_group(world)
    agreement = world.scalars(sa.select(Agreement).where(Agreement.district_id == district(world).id)).one()
    draft = new_version(world, agreement, revision_due_on=date(2028, 12, 1), actor=DIRECTOR, now=NOW)
    values = {**default_form(FormKind.BUS_GROUP), "name": "BUS individforum", "scope": Scope.GROUP,
              "group_id": group.id}

    with pytest.raises(RulesBroken) as refused:
        add_meeting_form(world, draft, {**values, "individual_cases": IndividualCases.NONE}, actor=DIRECTOR, now=NOW)
    assert list(refused.value.problems) == ["individual_cases"]
    assert "med vårdnadshavarnas samtycke" in refused.value.problems["individual_cases"].template

    add_meeting_form(world, draft, {**values, "individual_cases": IndividualCases.WITH_CONSENT}, actor=DIRECTOR,
                     now=NOW)
    activate_version(world, draft, actor=DIRECTOR, now=NOW)
    world.commit()
    result = plan_district_term(world, "NORRVIKEN", "HT2027", actor=DIRECTOR, now=NOW)

    [forum] = [m for m in result.meetings if m.form_name == "BUS individforum"]
    assert forum.group_name == "BUS Norrviken norra"
    principals = {i.name for i in forum.invitees if i.function is not None and i.function.value == "principal"}
    assert principals == {"Annika Berg", "Fredrik Sundin"}  # the two schools' principals, no other school's
