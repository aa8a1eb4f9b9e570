"""Who may see and manage whose login, and which roles they may give. Pure, no Flask, no database.

The city's administrators manage every login; a district's director and administrators the
logins of their district: its directors and administrators, and participants whose login or
person belongs to it. Nobody gives a role with more rights than their own: a district
administrator cannot make a director (the agreement is the director's decision), a director
cannot make a city administrator or an auditor (who read every district). The director, who
heads the district's administration, gives its intake officers their logins. A manager cannot
touch a login with more rights than theirs either.
"""
from __future__ import annotations

from coordinator.auth.models import Role, User

MANAGERS = frozenset({Role.CITY_ADMIN, Role.DISTRICT_DIRECTOR, Role.DISTRICT_ADMIN})
CITY_ROLES = frozenset({Role.CITY_ADMIN, Role.AUDITOR})  # the whole city: no district
GRANTABLE: dict[Role, tuple[Role, ...]] = {
    Role.CITY_ADMIN: (Role.CITY_ADMIN, Role.DISTRICT_DIRECTOR, Role.DISTRICT_ADMIN, Role.INTAKE_OFFICER,
                      Role.PARTICIPANT, Role.AUDITOR),
    Role.DISTRICT_DIRECTOR: (Role.DISTRICT_DIRECTOR, Role.DISTRICT_ADMIN, Role.INTAKE_OFFICER, Role.PARTICIPANT),
    Role.DISTRICT_ADMIN: (Role.DISTRICT_ADMIN, Role.PARTICIPANT),
}


def manages_users(actor: User | None) -> bool:
    """Whether `actor` has the users' pages at all."""
    if actor is None or not actor.is_active or actor.role not in MANAGERS:
        return False
    return actor.role is Role.CITY_ADMIN or actor.district_id is not None


def grantable_roles(actor: User | None) -> tuple[Role, ...]:
    return GRANTABLE.get(actor.role, ()) if manages_users(actor) else ()  # type: ignore[union-attr]


def scope_of(role: Role, district_id: int | None, person_district_id: int | None) -> int | None:
    """The district a login belongs to: a district role's own, a participant's (else their person's); None: the city."""
    if role in CITY_ROLES:
        return None
    return district_id if district_id is not None else person_district_id


def sees(actor: User | None, role: Role, scope: int | None) -> bool:
    """Whether `actor` sees a login with `role` belonging to `scope` (outside it: 404, as everywhere)."""
    if not manages_users(actor):
        return False
    assert actor is not None
    if actor.role is Role.CITY_ADMIN:
        return True
    return role not in CITY_ROLES and scope is not None and scope == actor.district_id


def may_manage(actor: User | None, role: Role, scope: int | None) -> bool:
    """Whether `actor` may change, close or invite a login with `role` in `scope`."""
    return sees(actor, role, scope) and role in grantable_roles(actor)
