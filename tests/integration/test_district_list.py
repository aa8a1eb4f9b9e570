"""`coordinator district list [--json]`: each district with its municipal and independent schools."""
from __future__ import annotations

import json

from coordinator.cli import cli
from coordinator.org.models import District, Municipality, OrganiserType, School


def add_schools(session) -> None:  # type: ignore[no-untyped-def]
    city = Municipality(code="0180", name="Stockholms stad")
    north = District(municipality=city, code="NORRVIKEN", name="Norrviken")
    south = District(municipality=city, code="SODERBY", name="Söderby")
    session.add_all([
        School(unit_code="10000001", name="Ängsskolan", district=north, organiser_type=OrganiserType.MUNICIPAL),
        School(unit_code="10000002", name="Friskolan Norr", district=north,
               organiser_type=OrganiserType.INDEPENDENT),
        School(unit_code="10000003", name="Nedlagda skolan", district=north,
               organiser_type=OrganiserType.MUNICIPAL, is_active=False),
        south,
    ])
    session.commit()


def test_json_lists_every_district_with_active_schools_by_organiser(session, runner):
    add_schools(session)
    result = runner.invoke(cli, ["district", "list", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == [
        {"code": "NORRVIKEN", "name": "Norrviken", "municipal_schools": 1, "independent_schools": 1},
        {"code": "SODERBY", "name": "Söderby", "municipal_schools": 0, "independent_schools": 0},
    ]


def test_table_names_each_district(session, runner):
    add_schools(session)
    result = runner.invoke(cli, ["district", "list"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].split()[:2] == ["NORRVIKEN", "Norrviken"] and "1 fristående" in lines[0]
    assert lines[1].startswith("SODERBY")


def test_empty_database_says_how_to_load_districts(runner):
    result = runner.invoke(cli, ["district", "list"])
    assert result.exit_code == 0
    assert "coordinator demo" in result.output
