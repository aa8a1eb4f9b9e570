"""The one permission rule: what a user may do with a district's data. Pure, no Flask."""
from __future__ import annotations

import enum

from coordinator.auth.models import Role, User


class Action(enum.Enum):
    VIEW = "view"
    EDIT = "edit"
    EDIT_AGREEMENT = "edit_agreement"  # the agreement is the director's decision, not the registrar's
    HANDLE_CASES = "handle_cases"      # reports of concern and consultations: the intake group's work


def allows(user: User | None, action: Action, district_id: int | None) -> bool:
    """Whether `user` may `action` data owned by `district_id` (None: the city's own data)."""
    if user is None or not user.is_active:
        return False
    if user.role is Role.CITY_ADMIN:
        return True
    if action is Action.HANDLE_CASES:
        return user.role is Role.INTAKE_OFFICER and district_id is not None and district_id == user.district_id
    if user.role is Role.INTAKE_OFFICER:  # reads its district (schools, people, meetings), changes only cases
        return action is Action.VIEW and (district_id is None or district_id == user.district_id)
    if action is Action.EDIT_AGREEMENT:
        return user.role is Role.DISTRICT_DIRECTOR and district_id is not None and district_id == user.district_id
    if user.role is Role.AUDITOR:
        return action is Action.VIEW
    if user.role in (Role.DISTRICT_DIRECTOR, Role.DISTRICT_ADMIN):
        if district_id is None:  # city-level agreements are read by every district
            return action is Action.VIEW
        return district_id == user.district_id
    return False


def visible_district_ids(user: User | None) -> set[int] | None:
    """The districts whose data `user` may see; None means every district."""
    if user is None or not user.is_active:
        return set()
    if user.role in (Role.CITY_ADMIN, Role.AUDITOR):
        return None
    if user.role.needs_district and user.district_id is not None:
        return {user.district_id}
    return set()


def sees_city_followup(user: User | None) -> bool:
    """Whether `user` may see the follow-up of every district side by side: the city's administrator and
    the auditors; a district's own people see only their district's follow-up (through `allows`)."""
    return user is not None and user.is_active and user.role in (Role.CITY_ADMIN, Role.AUDITOR)
