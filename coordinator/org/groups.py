"""Named groups of a district's schools, for meeting forms held per group; a BUS group (barn och unga i
samverkan) is one whose meetings take up individual cases only with the guardians' consent (the agreement's
rules hold a form for it to that: agreements/rules.py). Groups are changed, never deleted: a meeting form may
name one."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from coordinator import audit
from coordinator.i18n import N_
from coordinator.org.models import District, GroupKind, School, SchoolGroup
from coordinator.org.services import _Checks

GROUP_NAME_LENGTH = 120


@dataclass(frozen=True)
class GroupValues:
    name: str
    kind: GroupKind
    school_ids: tuple[int, ...]


def groups_of(session: Session, district: District) -> list[SchoolGroup]:
    return list(session.scalars(sa.select(SchoolGroup).where(SchoolGroup.district_id == district.id)
                                .options(selectinload(SchoolGroup.schools)).order_by(SchoolGroup.name)))


def find_group(session: Session, district: District, group_id: int) -> SchoolGroup | None:
    group = session.get(SchoolGroup, group_id)
    return group if group is not None and group.district_id == district.id else None


def group_snapshot(group: SchoolGroup) -> dict[str, Any]:
    return {"name": group.name, "kind": group.kind.value, "schools": sorted(s.name for s in group.schools)}


def save_group(session: Session, district: District, values: GroupValues, *, group: SchoolGroup | None = None,
               actor: str, now: datetime) -> SchoolGroup:
    """Add a group of the district's schools, or change one (`group`); the change is audited."""
    checks = _Checks()
    name = checks.text("name", values.name, GROUP_NAME_LENGTH, required_message=N_("Ange gruppens namn."))
    if name is not None:
        same = [g for g in groups_of(session, district) if g.name.casefold() == name.casefold() and g is not group]
        if same:
            checks.add("name", N_("Stadsdelen har redan en grupp som heter %(value)s."), value=same[0].name)
    schools = _schools(session, district, values.school_ids)
    if not values.school_ids:
        checks.add("school_ids", N_("Välj minst en skola till gruppen."))
    elif len(schools) != len(set(values.school_ids)):
        checks.add("school_ids", N_("Välj bara skolor i stadsdelen som är verksamma."))
    checks.raise_if_any()
    before = group_snapshot(group) if group is not None else None
    if group is None:
        group = SchoolGroup(district_id=district.id)
        session.add(group)
    group.name, group.kind, group.schools = name, values.kind, schools  # type: ignore[assignment]
    session.flush()
    after = group_snapshot(group)
    if before != after:
        audit.record(session, at=now, actor=actor, action="school_group.created" if before is None
                     else "school_group.updated", entity=group, district_id=district.id, before=before, after=after)
    return group


def _schools(session: Session, district: District, ids: Iterable[int]) -> list[School]:
    wanted = set(ids)
    if not wanted:
        return []
    return list(session.scalars(sa.select(School).where(School.id.in_(wanted), School.district_id == district.id,
                                                        School.is_active).order_by(School.name)))
