"""The permission rule, role by role: what each may do with its own, another and the city's data."""
from __future__ import annotations

import pytest

from coordinator.auth.models import Role, User
from coordinator.auth.permissions import Action, allows, sees_city_followup, visible_district_ids

OWN, OTHER = 1, 2
CITY = None  # the city's own data, e.g. the city-level steering group's agreement

# role -> {(action, target): allowed}; written out, not derived, so the table is the spec
MATRIX: dict[Role, dict[tuple[Action, int | None], bool]] = {
    Role.CITY_ADMIN: {
        (Action.VIEW, OWN): True, (Action.VIEW, OTHER): True, (Action.VIEW, CITY): True,
        (Action.EDIT, OWN): True, (Action.EDIT, OTHER): True, (Action.EDIT, CITY): True,
        (Action.EDIT_AGREEMENT, OWN): True, (Action.EDIT_AGREEMENT, OTHER): True, (Action.EDIT_AGREEMENT, CITY): True,
        (Action.HANDLE_CASES, OWN): True, (Action.HANDLE_CASES, OTHER): True, (Action.HANDLE_CASES, CITY): True,
    },
    Role.DISTRICT_DIRECTOR: {
        (Action.VIEW, OWN): True, (Action.VIEW, OTHER): False, (Action.VIEW, CITY): True,
        (Action.EDIT, OWN): True, (Action.EDIT, OTHER): False, (Action.EDIT, CITY): False,
        (Action.EDIT_AGREEMENT, OWN): True, (Action.EDIT_AGREEMENT, OTHER): False, (Action.EDIT_AGREEMENT, CITY): False,
        (Action.HANDLE_CASES, OWN): False, (Action.HANDLE_CASES, OTHER): False, (Action.HANDLE_CASES, CITY): False,
    },
    Role.DISTRICT_ADMIN: {
        (Action.VIEW, OWN): True, (Action.VIEW, OTHER): False, (Action.VIEW, CITY): True,
        (Action.EDIT, OWN): True, (Action.EDIT, OTHER): False, (Action.EDIT, CITY): False,
        (Action.EDIT_AGREEMENT, OWN): False, (Action.EDIT_AGREEMENT, OTHER): False, (Action.EDIT_AGREEMENT, CITY): False,
        (Action.HANDLE_CASES, OWN): False, (Action.HANDLE_CASES, OTHER): False, (Action.HANDLE_CASES, CITY): False,
    },
    Role.PARTICIPANT: {
        (Action.VIEW, OWN): False, (Action.VIEW, OTHER): False, (Action.VIEW, CITY): False,
        (Action.EDIT, OWN): False, (Action.EDIT, OTHER): False, (Action.EDIT, CITY): False,
        (Action.EDIT_AGREEMENT, OWN): False, (Action.EDIT_AGREEMENT, OTHER): False, (Action.EDIT_AGREEMENT, CITY): False,
        (Action.HANDLE_CASES, OWN): False, (Action.HANDLE_CASES, OTHER): False, (Action.HANDLE_CASES, CITY): False,
    },
    Role.AUDITOR: {
        (Action.VIEW, OWN): True, (Action.VIEW, OTHER): True, (Action.VIEW, CITY): True,
        (Action.EDIT, OWN): False, (Action.EDIT, OTHER): False, (Action.EDIT, CITY): False,
        (Action.EDIT_AGREEMENT, OWN): False, (Action.EDIT_AGREEMENT, OTHER): False, (Action.EDIT_AGREEMENT, CITY): False,
        (Action.HANDLE_CASES, OWN): False, (Action.HANDLE_CASES, OTHER): False, (Action.HANDLE_CASES, CITY): False,
    },
    Role.INTAKE_OFFICER: {
        (Action.VIEW, OWN): True, (Action.VIEW, OTHER): False, (Action.VIEW, CITY): True,
        (Action.EDIT, OWN): False, (Action.EDIT, OTHER): False, (Action.EDIT, CITY): False,
        (Action.EDIT_AGREEMENT, OWN): False, (Action.EDIT_AGREEMENT, OTHER): False, (Action.EDIT_AGREEMENT, CITY): False,
        (Action.HANDLE_CASES, OWN): True, (Action.HANDLE_CASES, OTHER): False, (Action.HANDLE_CASES, CITY): False,
    },
}
TARGET_NAMES = {OWN: "own district", OTHER: "other district", CITY: "city"}


def user(role: Role, *, is_active: bool = True) -> User:
    """A user of district OWN (the city roles ignore the district)."""
    return User(email="x@example.se", role=role, district_id=OWN, is_active=is_active)


def test_the_matrix_covers_every_role_action_and_target():
    assert set(MATRIX) == set(Role)
    for cases in MATRIX.values():
        assert set(cases) == {(a, t) for a in Action for t in (OWN, OTHER, CITY)}


@pytest.mark.parametrize(
    ("role", "action", "target", "allowed"),
    [(role, action, target, allowed)
     for role, cases in MATRIX.items() for (action, target), allowed in cases.items()],
    ids=lambda v: v.value if isinstance(v, (Role, Action)) else None,
)
def test_allows(role, action, target, allowed):
    assert allows(user(role), action, target) is allowed, f"{role.value} {action.value} {TARGET_NAMES[target]}"


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
@pytest.mark.parametrize("action", list(Action), ids=lambda a: a.value)
def test_an_inactive_user_may_do_nothing(role, action):
    for target in (OWN, OTHER, CITY):
        assert allows(user(role, is_active=False), action, target) is False


@pytest.mark.parametrize("action", list(Action), ids=lambda a: a.value)
def test_nobody_logged_in_may_do_nothing(action):
    for target in (OWN, OTHER, CITY):
        assert allows(None, action, target) is False


@pytest.mark.parametrize("role", [Role.DISTRICT_DIRECTOR, Role.DISTRICT_ADMIN, Role.INTAKE_OFFICER],
                         ids=lambda r: r.value)
def test_a_district_role_without_a_district_reaches_no_district(role):
    orphan = User(email="x@example.se", role=role, district_id=None, is_active=True)
    assert allows(orphan, Action.VIEW, OWN) is False
    assert allows(orphan, Action.EDIT, OWN) is False
    assert visible_district_ids(orphan) == set()


@pytest.mark.parametrize(("role", "visible"), [
    (Role.CITY_ADMIN, None),  # None: every district
    (Role.AUDITOR, None),
    (Role.DISTRICT_DIRECTOR, {OWN}),
    (Role.DISTRICT_ADMIN, {OWN}),
    (Role.PARTICIPANT, set()),
    (Role.INTAKE_OFFICER, {OWN}),
], ids=lambda v: v.value if isinstance(v, Role) else None)
def test_visible_districts_agree_with_the_matrix(role, visible):
    assert visible_district_ids(user(role)) == visible
    assert visible_district_ids(user(role, is_active=False)) == set()
    assert visible_district_ids(None) == set()


@pytest.mark.parametrize(("role", "sees"), [
    (Role.CITY_ADMIN, True),
    (Role.AUDITOR, True),
    (Role.DISTRICT_DIRECTOR, False),  # their own district's follow-up only
    (Role.DISTRICT_ADMIN, False),
    (Role.PARTICIPANT, False),
], ids=lambda v: v.value if isinstance(v, Role) else None)
def test_only_the_city_administrator_and_auditors_see_the_city_followup(role, sees):
    assert sees_city_followup(user(role)) is sees
    assert sees_city_followup(user(role, is_active=False)) is False
    assert sees_city_followup(None) is False
