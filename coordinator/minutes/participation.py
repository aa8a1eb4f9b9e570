"""Who came to a meeting: attendance per invitee (present, absent, represented by a deputy) and,
from it, whether every required function of the form was represented.

The invitees listed are the meeting's invitations that were not removed, less the deputies'
own invitations: a principal who sent their deputy is one line, "represented by" the deputy.
Attendance is recorded for any held meeting (the follow-up counts it even where the form keeps
no minutes); once the minutes are final it is part of them and changes only by a correction.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from coordinator import audit
from coordinator.i18n import N_, DomainError
from coordinator.minutes.attendance import Coverage, Seat, coverage
from coordinator.minutes.models import Attendance, AttendanceStatus
from coordinator.minutes.services import check_held, check_open_for_changes, refresh_attendance_text
from coordinator.org.functions import Function
from coordinator.org.models import Person, School
from coordinator.planning.models import Answer, Invitation, Meeting


@dataclass(frozen=True)
class AttendanceEntry:
    """One invitee's attendance as the keeper records it."""
    person_id: int
    status: AttendanceStatus
    represented_by_id: int | None = None


@dataclass(frozen=True)
class InviteeRow:
    """An invitee as the attendance form shows them: their answer, and what is recorded or suggested."""
    person: Person
    function: Function | None
    answer: Answer
    status: AttendanceStatus | None      # recorded, else suggested by the answer, else None
    represented_by_id: int | None
    is_recorded: bool


def invitee_rows(session: Session, meeting: Meeting) -> list[InviteeRow]:
    """The invitees to record attendance for, with the recorded attendance or a suggestion from their answer."""
    recorded = _recorded(session, meeting)
    rows = []
    for invitation in _invitations(session, meeting):
        found = recorded.get(invitation.person_id)
        if found is not None:
            status, deputy = found.status, found.represented_by_id
        else:
            status, deputy = _suggested(invitation)
        rows.append(InviteeRow(invitation.person, invitation.function, invitation.answer, status, deputy,
                               found is not None))
    return sorted(rows, key=lambda r: (list(Function).index(r.function) if r.function else len(Function),
                                       r.person.name))


def deputy_choices(session: Session, meeting: Meeting) -> list[Person]:
    """Who may be picked as someone's deputy: the district's active people and each invitee's own deputy."""
    invited = [i.person for i in _invitations(session, meeting)]
    own_deputies = {p.deputy_id for p in invited if p.deputy_id}
    query = sa.select(Person).where(sa.or_(
        sa.and_(Person.is_active, Person.district_id == meeting.district_id), Person.id.in_(own_deputies)))
    return list(session.scalars(query.order_by(Person.name)))


def record_attendance(session: Session, meeting: Meeting, entries: Sequence[AttendanceEntry], *, actor: str,
                      now: datetime) -> bool:
    """Record every listed invitee's attendance at once; whether anything changed."""
    check_held(meeting, now)
    invitations = {i.person_id: i for i in _invitations(session, meeting)}
    given = {e.person_id: e for e in entries}
    unknown = given.keys() - invitations.keys()
    if unknown:
        raise DomainError(N_("Närvaro kan bara registreras för mötets inbjudna."))
    missing = [invitations[p].person.name for p in invitations if p not in given]
    if missing:
        raise DomainError(N_("Ange närvaro för %(names)s."), names=", ".join(sorted(missing)))
    recorded = _recorded(session, meeting)
    deputies = _deputies(session, [e.represented_by_id for e in entries if e.represented_by_id]
                         + [a.represented_by_id for a in recorded.values() if a.represented_by_id])
    for entry in entries:
        name = invitations[entry.person_id].person.name
        if entry.status is AttendanceStatus.REPRESENTED:
            deputy = deputies.get(entry.represented_by_id or 0)
            if deputy is None:
                raise DomainError(N_("Välj vem som ersatte %(name)s."), name=name)
            if deputy.id == entry.person_id:
                raise DomainError(N_("%(name)s kan inte ersätta sig själv."), name=name)
    before = {p: _snapshot(a.status, a.represented_by_id) for p, a in recorded.items()}
    after = {e.person_id: _snapshot(e.status, e.represented_by_id if e.status is AttendanceStatus.REPRESENTED else None)
             for e in entries}
    if before == after:
        return False
    check_open_for_changes(session, meeting, actor=actor, now=now)
    for entry in entries:
        deputy_id = entry.represented_by_id if entry.status is AttendanceStatus.REPRESENTED else None
        row = recorded.get(entry.person_id)
        if row is None:
            row = Attendance(meeting_id=meeting.id, person_id=entry.person_id)
            session.add(row)
        elif (row.status, row.represented_by_id) == (entry.status, deputy_id):
            continue
        row.function = invitations[entry.person_id].function
        row.school_id = invitations[entry.person_id].school_id
        row.status, row.represented_by_id = entry.status, deputy_id
        row.recorded_at, row.recorded_by = now, actor
    session.flush()
    names = {p: i.person.name for p, i in invitations.items()} | {d.id: d.name for d in deputies.values()}
    audit.record(session, at=now, actor=actor, action="attendance.recorded", entity=meeting,
                 district_id=meeting.district_id, before=_named(before, names) if before else None,
                 after=_named(after, names))
    refresh_attendance_text(session, meeting, actor, now)
    session.flush()
    return True


def coverage_of(session: Session, meeting: Meeting) -> Coverage:
    """Which of the meeting form's required functions were represented at the meeting (per school where
    a school function is required of every school)."""
    rows = session.execute(sa.select(Attendance.function, Attendance.status, Attendance.school_id)
                           .where(Attendance.meeting_id == meeting.id)).all()
    return coverage(meeting.meeting_form.required_functions, [Seat(*row) for row in rows])


@dataclass(frozen=True)
class SchoolAttendance:
    """A party school invited to the meeting, whether it was represented, and the required functions it lacked."""
    school: School
    is_represented: bool
    missing: tuple[Function, ...]


def school_attendance(session: Session, found: Coverage) -> list[SchoolAttendance]:
    """Per invited school, by name: represented or not (a deputy counts), from the meeting's coverage."""
    ids = [school_id for school_id, _ in found.schools]
    if not ids:
        return []
    schools = {s.id: s for s in session.scalars(sa.select(School).where(School.id.in_(ids)))}
    rows = [SchoolAttendance(schools[school_id], represented,
                             tuple(f for f, missing_at in found.missing_at if missing_at == school_id))
            for school_id, represented in found.schools]
    return sorted(rows, key=lambda r: (r.is_represented, r.school.name))


def required_functions_represented(session: Session, meeting: Meeting) -> bool | None:
    """For the follow-up: whether every required function was represented; None while attendance is not recorded."""
    return coverage_of(session, meeting).is_complete


def _recorded(session: Session, meeting: Meeting) -> dict[int, Attendance]:
    return {a.person_id: a for a in session.scalars(sa.select(Attendance).where(Attendance.meeting_id == meeting.id))}


def _invitations(session: Session, meeting: Meeting) -> list[Invitation]:
    """The meeting's invitations not removed, without the deputies' own (they show as "represented by")."""
    return list(session.scalars(
        sa.select(Invitation).where(Invitation.meeting_id == meeting.id, Invitation.removed_at.is_(None),
                                    Invitation.delegated_from_id.is_(None))
        .options(selectinload(Invitation.person))))


def _suggested(invitation: Invitation) -> tuple[AttendanceStatus | None, int | None]:
    if invitation.answer is Answer.DELEGATED and invitation.delegated_to_id:
        return AttendanceStatus.REPRESENTED, invitation.delegated_to_id
    if invitation.answer in (Answer.ACCEPTED, Answer.TENTATIVE):
        return AttendanceStatus.PRESENT, None
    if invitation.answer is Answer.DECLINED:
        return AttendanceStatus.ABSENT, None
    return None, None


def _deputies(session: Session, ids: Sequence[int]) -> dict[int, Person]:
    if not ids:
        return {}
    return {p.id: p for p in session.scalars(sa.select(Person).where(Person.id.in_(set(ids))))}


def _snapshot(status: AttendanceStatus, deputy_id: int | None) -> tuple[str, int | None]:
    return status.value, deputy_id


def _named(snapshot: dict[int, tuple[str, int | None]], names: dict[int, str]) -> dict[str, str]:
    """Attendance for the audit trail, by name: "present", "absent" or "represented by <name>"."""
    return {names.get(person, str(person)): status if deputy is None else f"{status}:{names.get(deputy, deputy)}"
            for person, (status, deputy) in sorted(snapshot.items(), key=lambda item: names.get(item[0], ""))}
