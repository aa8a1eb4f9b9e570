"""Each route's permission, declared once on the route (`@permission(...)`), and the check every request passes.

A declaration names who may use the route (roles) and over what (its scope): anyone; the user's own
things; the city's data; one district's data (another district's is out of scope for a district's
roles); one meeting's minutes (the district's roles, and the meeting's own people). The check before
every request sends the anonymous to the login page and answers 404 to a role the route is not for; the
view still checks the object it loads (a district, a meeting, a person) against the user's scope, so
another district's record answers the same 404 as one that never existed. A route without a declaration
is nobody's: 404 for everyone (and `tests/web/test_routes_roles.py` fails).
"""
from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from coordinator.auth.models import Role

F = TypeVar("F", bound=Callable[..., Any])


class Scope(enum.Enum):
    ANYONE = "anyone"      # no login: sign-in and password pages, answer and booking links, feeds, health
    OWN = "own"            # the user's own things: their calendar, their work, their front page
    CITY = "city"          # the municipality's data, no district: terms, the city's follow-up, the logins' list
    DISTRICT = "district"  # one district's data: a district's roles their own district, the city's roles all
    MEETING = "meeting"    # one meeting's minutes: as DISTRICT, and the meeting's own people (`People`)


class People(enum.Enum):
    """Who, besides the roles, may use a route because of their part in the meeting (or as a person)."""
    NONE = "none"
    INVITEES = "invitees"        # anyone invited to the meeting, its minutes keeper and adjusters
    KEEPERS = "keepers"          # the meeting's minutes keeper
    ITEM_OWNERS = "item_owners"  # the owner of the action item
    PERSON = "person"            # any user who is a person in the register (their own calendar)


CITY_WIDE = frozenset({Role.CITY_ADMIN, Role.AUDITOR})  # every district, no district of their own
EVERY_ROLE = frozenset(Role)
READERS = frozenset({Role.CITY_ADMIN, Role.AUDITOR, Role.DISTRICT_DIRECTOR, Role.DISTRICT_ADMIN,
                     Role.INTAKE_OFFICER})      # Action.VIEW
KEEPERS = frozenset({Role.CITY_ADMIN, Role.DISTRICT_DIRECTOR, Role.DISTRICT_ADMIN})  # Action.EDIT
DIRECTORS = frozenset({Role.CITY_ADMIN, Role.DISTRICT_DIRECTOR})  # Action.EDIT_AGREEMENT, organising meetings
INTAKE = frozenset({Role.CITY_ADMIN, Role.INTAKE_OFFICER})  # Action.HANDLE_CASES


@dataclass(frozen=True)
class Rule:
    """Who may use a route: `roles` within `scope`, and `people` by their part in the meeting."""
    roles: frozenset[Role]
    scope: Scope
    people: People = People.NONE

    def admits(self, role: Role | None, *, own_district: bool = True, concerned: bool = False) -> bool:
        """Whether a user of `role` may use the route on a target in their own district (or not), being (or
        not) one of the people the rule names. None: not signed in."""
        if self.scope is Scope.ANYONE:
            return True
        if role is None:
            return False
        if concerned and self.people is not People.NONE:
            return True
        if role not in self.roles:
            return False
        return own_district or role in CITY_WIDE or self.scope not in (Scope.DISTRICT, Scope.MEETING)

    def admits_role(self, role: Role, *, is_person: bool) -> bool:
        """The check before the view, which knows the user but not yet the object: whether the role (or, for
        rules naming people, possibly the person) can be admitted at all."""
        if self.scope is Scope.ANYONE or role in self.roles:
            return True
        if self.people is People.NONE:
            return False
        return is_person


@dataclass(frozen=True)
class Access:
    """A route's declaration: the rule for reading (GET, HEAD) and for changing (POST)."""
    read: Rule
    change: Rule

    def rule_for(self, method: str) -> Rule:
        return self.read if method in ("GET", "HEAD", "OPTIONS") else self.change


def permission(rule: Rule, *, post: Rule | None = None) -> Callable[[F], F]:
    """Declare a view's permission: `rule` for every method, or for GET only when `post` is given."""
    def declare(view: F) -> F:
        view.access = Access(read=rule, change=post or rule)  # type: ignore[attr-defined]
        return view
    return declare


def access_of(view: Callable[..., Any] | None) -> Access | None:
    return getattr(view, "access", None)


# The rules the routes use, named for what they let a user do.
ANYONE = Rule(frozenset(), Scope.ANYONE)
SIGNED_IN = Rule(EVERY_ROLE, Scope.OWN)
OWN_CALENDAR = Rule(DIRECTORS, Scope.OWN, People.PERSON)   # their own meetings; the district's for organisers
READ_CITY = Rule(READERS, Scope.CITY)                      # the municipality's terms, the outbox of one's districts
KEEP_CITY = Rule(frozenset({Role.CITY_ADMIN}), Scope.CITY)  # terms, city-level agreements
CITY_FOLLOWUP = Rule(CITY_WIDE, Scope.CITY)                # every district side by side
MANAGE_LOGINS = Rule(KEEPERS, Scope.CITY)                  # the list of the logins in one's scope
MANAGE_LOGIN = Rule(KEEPERS, Scope.DISTRICT)               # one login, of one's district
READ_DISTRICT = Rule(READERS, Scope.DISTRICT)
KEEP_DISTRICT = Rule(KEEPERS, Scope.DISTRICT)
DECIDE_AGREEMENT = Rule(DIRECTORS, Scope.DISTRICT)
ORGANISE = Rule(DIRECTORS, Scope.DISTRICT)                 # who is invited to a meeting
HANDLE_CASES = Rule(INTAKE, Scope.DISTRICT)                # reports of concern, consultations
READ_MINUTES = Rule(READERS, Scope.MEETING, People.INVITEES)
WRITE_MINUTES = Rule(KEEPERS, Scope.MEETING, People.KEEPERS)
ADMINISTER_MINUTES = Rule(KEEPERS, Scope.MEETING)
CLOSE_ITEM = Rule(KEEPERS, Scope.MEETING, People.ITEM_OWNERS)
SCHOOL_VISIT = Rule(READERS, Scope.DISTRICT, People.PERSON)  # a school's APT visit: its principal proposes
