"""The district's groups of schools in the register (test client, on the demo): the director adds a BUS group;
a missing name keeps what was ticked and says why; a registrar of another district sees nothing."""
from __future__ import annotations

import re

import sqlalchemy as sa

from coordinator.auth.models import Role
from coordinator.org.models import School, SchoolGroup
from coordinator.web import db
from tests.web.helpers import csrf_token, log_in_as, page, text

NEW = "/districts/NORRVIKEN/groups/new"


def school_id(app, name: str) -> int:
    with app.app_context():
        return db().scalars(sa.select(School.id).where(School.name == name)).one()


def test_the_director_adds_a_bus_group_and_a_missing_name_is_refused(client, demo):
    log_in_as(client, demo, Role.DISTRICT_DIRECTOR, "NORRVIKEN")
    html = page(client.get(NEW))
    chosen = [school_id(demo, "Norrvikens skola"), school_id(demo, "Sjöängsskolan")]

    refused = client.post(NEW, data={"csrf_token": csrf_token(html), "name": "", "is_bus": "y", "school_ids": chosen})
    assert refused.status_code == 200 and "Ange gruppens namn." in text(refused)
    ticked = re.findall(r'<input checked[^>]*name="school_ids"[^>]*value="(\d+)"', text(refused))
    assert sorted(map(int, ticked)) == sorted(chosen)  # what was ticked is kept
    with demo.app_context():
        assert db().scalar(sa.select(sa.func.count()).select_from(SchoolGroup)) == 0

    saved = client.post(NEW, data={"csrf_token": csrf_token(html), "name": "BUS norra", "is_bus": "y",
                                   "school_ids": chosen}, follow_redirects=True)
    assert "BUS-grupp, enskilda ärenden med samtycke" in text(saved)
    assert "Norrvikens skola, Sjöängsskolan" in text(saved)


def test_another_districts_registrar_sees_no_groups(client, demo):
    log_in_as(client, demo, Role.DISTRICT_ADMIN, "SODERBY")
    assert client.get("/districts/NORRVIKEN/groups").status_code == 404
    assert client.post(NEW, data={"name": "X"}).status_code in (400, 404)
