"""Who sees and manages whose login, and which roles they may give (the pure rule)."""
from __future__ import annotations

import pytest

from coordinator.auth.models import Role, User
from coordinator.auth.user_rules import grantable_roles, manages_users, may_manage, scope_of, sees

NORRMALM, SODERMALM = 1, 2
R = Role


def user(role: Role, district_id: int | None = None, is_active: bool = True) -> User:
    return User(role=role, district_id=district_id, is_active=is_active)


CITY = user(R.CITY_ADMIN)
DIRECTOR = user(R.DISTRICT_DIRECTOR, NORRMALM)
ADMIN = user(R.DISTRICT_ADMIN, NORRMALM)


@pytest.mark.parametrize(("actor", "expected"), [
    (CITY, True), (DIRECTOR, True), (ADMIN, True),
    (user(R.PARTICIPANT, NORRMALM), False), (user(R.AUDITOR), False),
    (user(R.DISTRICT_ADMIN, NORRMALM, is_active=False), False),
    (user(R.DISTRICT_ADMIN, None), False),  # a district role without its district manages nothing
    (None, False),
])
def test_who_has_the_users_pages(actor, expected):
    assert manages_users(actor) is expected


def test_nobody_gives_more_than_they_have():
    assert set(grantable_roles(CITY)) == set(Role)
    assert set(grantable_roles(DIRECTOR)) == {R.DISTRICT_DIRECTOR, R.DISTRICT_ADMIN, R.INTAKE_OFFICER, R.PARTICIPANT}
    assert set(grantable_roles(ADMIN)) == {R.DISTRICT_ADMIN, R.PARTICIPANT}
    assert grantable_roles(user(R.PARTICIPANT)) == () and grantable_roles(user(R.AUDITOR)) == ()


def test_a_login_belongs_to_its_district_its_persons_or_the_city():
    assert scope_of(R.DISTRICT_ADMIN, NORRMALM, SODERMALM) == NORRMALM
    assert scope_of(R.PARTICIPANT, None, SODERMALM) == SODERMALM
    assert scope_of(R.PARTICIPANT, NORRMALM, SODERMALM) == NORRMALM
    assert scope_of(R.CITY_ADMIN, None, NORRMALM) is None and scope_of(R.AUDITOR, None, NORRMALM) is None


@pytest.mark.parametrize(("role", "scope", "director_sees", "director_manages", "admin_manages"), [
    (R.DISTRICT_DIRECTOR, NORRMALM, True, True, False),   # an administrator cannot touch a director
    (R.DISTRICT_ADMIN, NORRMALM, True, True, True),
    (R.INTAKE_OFFICER, NORRMALM, True, True, False),      # the director appoints the intake group
    (R.PARTICIPANT, NORRMALM, True, True, True),
    (R.PARTICIPANT, SODERMALM, False, False, False),       # another district: not even seen (404)
    (R.DISTRICT_ADMIN, SODERMALM, False, False, False),
    (R.PARTICIPANT, None, False, False, False),            # a person of no district: the city's
    (R.CITY_ADMIN, None, False, False, False),
    (R.AUDITOR, None, False, False, False),
])
def test_a_districts_managers_see_and_manage_their_district_only(role, scope, director_sees, director_manages,
                                                                  admin_manages):
    assert sees(DIRECTOR, role, scope) is director_sees
    assert sees(ADMIN, role, scope) is director_sees
    assert may_manage(DIRECTOR, role, scope) is director_manages
    assert may_manage(ADMIN, role, scope) is admin_manages


def test_the_city_administrator_sees_and_manages_every_login():
    for role in Role:
        for scope in (None, NORRMALM, SODERMALM):
            assert sees(CITY, role, scope) and may_manage(CITY, role, scope)


def test_those_who_manage_nobody_see_nobody():
    for actor in (user(R.PARTICIPANT, NORRMALM), user(R.AUDITOR), None):
        assert not sees(actor, R.PARTICIPANT, NORRMALM)
        assert not may_manage(actor, R.PARTICIPANT, NORRMALM)
