"""The organiser's view of one meeting: who has answered what, when and how, and who has not.

Rows come in the order the organiser acts on them: those still expected who have not answered,
then the answers, then those who sent a deputy, then the removed (kept, greyed, for the record).
Someone who sent a deputy reads as RFC 5546 delegation does: "Anna Berg → ersatt av Bo Ek (svar:
kommer)", the deputy's own answer with it.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from coordinator.invitations.events import convener_without_holder, district_directors
from coordinator.org.functions import Function
from coordinator.org.models import Person, School, Unit
from coordinator.planning.models import Answer, Invitation, Meeting


@dataclass(frozen=True)
class InviteeRow:
    person_id: int
    name: str
    email: str
    person_is_active: bool
    function: Function | None
    answer: Answer
    answered_at: datetime | None
    answered_via: str | None
    answered_earlier_version: bool  # the answer was given before the meeting's last change
    delegated_to: str | None
    deputy_answer: Answer | None  # the answer of the deputy they sent, while that deputy is invited
    delegated_from: str | None
    removed_at: datetime | None

    @property
    def is_active(self) -> bool:
        return self.removed_at is None and self.answer is not Answer.DELEGATED

    @property
    def is_waiting(self) -> bool:
        return self.is_active and self.answer is Answer.NEEDS_ACTION


@dataclass(frozen=True)
class MeetingOverview:
    convener: str  # the convener's name (`convener_of`'s rule)
    rows: tuple[InviteeRow, ...]
    counts: dict[Answer, int]  # over the invitees not removed
    keeper_ids: frozenset[int]  # the active invitees who keep the minutes (`minutes_keepers`' rule)

    @property
    def waiting(self) -> int:
        return sum(r.is_waiting for r in self.rows)

    @property
    def invitee_ids(self) -> frozenset[int]:
        """The people invited and not removed (a deputy's sender too, as `meeting_people` counts them)."""
        return frozenset(r.person_id for r in self.rows if r.removed_at is None)


_TO = aliased(Person)
_FROM = aliased(Person)


def meeting_overview(session: Session, meeting: Meeting) -> MeetingOverview:
    """Every invitee of the meeting as a row, in the organiser's order, with the counts and the convener: one
    statement of columns (no ORM objects; a forum has 150 invitees), and the district's director only when no
    invitee holds the convener function (docs/PERFORMANCE.md, issue 16)."""
    found = session.execute(
        sa.select(Invitation.person_id, Person.name, Person.email, Person.is_active, Invitation.function,
                  Invitation.answer, Invitation.answered_at, Invitation.answered_via, Invitation.answer_sequence,
                  Invitation.sent_sequence, Invitation.delegated_to_id, Invitation.delegated_from_id,
                  Invitation.removed_at, _TO.name.label("delegated_to_name"),
                  _FROM.name.label("delegated_from_name"))
        .join(Person, Person.id == Invitation.person_id)
        .outerjoin(_TO, _TO.id == Invitation.delegated_to_id)
        .outerjoin(_FROM, _FROM.id == Invitation.delegated_from_id)
        .where(Invitation.meeting_id == meeting.id)).all()
    # a deputy's answer: the invitation of the person sent, still invited, standing in for the sender
    standing_in = {(r.person_id, r.delegated_from_id): r.answer for r in found if r.removed_at is None}
    rows = sorted((_row(r, meeting.sequence, standing_in) for r in found), key=_order)
    counts = Counter(r.answer for r in rows if r.removed_at is None)
    form = meeting.meeting_form
    keeper = form.minutes_keeper_function or form.convener_function
    return MeetingOverview(
        _convener_name(session, meeting, rows), tuple(rows), {a: counts.get(a, 0) for a in Answer},
        frozenset(r.person_id for r in rows if r.is_active and r.function is keeper))


def _convener_name(session: Session, meeting: Meeting, rows: list[InviteeRow]) -> str:
    """`convener_of`'s rule over the rows: the holder of the form's convener function (one still coming first, by
    name), else the district's director, else the district's name."""
    wanted = meeting.meeting_form.convener_function
    holder = min((r for r in rows if r.function is wanted and r.removed_at is None),
                 key=lambda r: (not r.is_active, r.name, r.person_id), default=None)
    if holder is not None:
        return holder.name
    director = district_directors(session, [meeting.district_id]).get(meeting.district_id) \
        if meeting.district_id is not None else None
    return convener_without_holder(meeting, director).name


def addable_people(session: Session, meeting: Meeting, query: str,
                   limit: int = 20) -> list[sa.Row[tuple[int, str, str]]]:
    """The district's active people not already on the meeting's list (removed ones may come back) whose name or
    email holds `query` (any case): id, name and email, by name, at most `limit` (the page says when there are
    more; one asks for more by typing more)."""
    district_of = sa.func.coalesce(Person.district_id, School.district_id, Unit.district_id)
    invited = sa.select(Invitation.person_id).where(Invitation.meeting_id == meeting.id,
                                                    Invitation.removed_at.is_(None))
    words = query.split()
    matches = [sa.or_(sa.func.lower(Person.name).contains(w.lower(), autoescape=True),
                      sa.func.lower(Person.email).contains(w.lower(), autoescape=True)) for w in words]
    return list(session.execute(
        sa.select(Person.id, Person.name, Person.email).outerjoin(School, Person.school_id == School.id)
        .outerjoin(Unit, Person.unit_id == Unit.id)
        .where(district_of == meeting.district_id, Person.is_active, Person.id.not_in(invited), *matches)
        .order_by(Person.name, Person.id).limit(limit)))


def _row(found: sa.Row[Any], meeting_sequence: int, standing_in: dict[tuple[int, int | None], Answer]) -> InviteeRow:
    answered = found.answer not in (Answer.NEEDS_ACTION, Answer.DELEGATED)
    calendar_sequence = found.sent_sequence if found.sent_sequence is not None else meeting_sequence
    deputy_answer = standing_in.get((found.delegated_to_id, found.person_id)) \
        if found.answer is Answer.DELEGATED and found.delegated_to_id is not None else None
    return InviteeRow(
        person_id=found.person_id, name=found.name, email=found.email, person_is_active=found.is_active,
        function=found.function, answer=found.answer, answered_at=found.answered_at,
        answered_via=found.answered_via,
        # the version of their own copy: each person's SEQUENCE is their own (sent_sequence)
        answered_earlier_version=answered and (found.answer_sequence or 0) < calendar_sequence,
        delegated_to=found.delegated_to_name, deputy_answer=deputy_answer,
        delegated_from=found.delegated_from_name,
        removed_at=found.removed_at,
    )


def _order(row: InviteeRow) -> tuple[int, str, int]:
    if row.removed_at is not None:
        group = 3
    elif row.answer is Answer.DELEGATED:
        group = 2
    else:
        group = 0 if row.is_waiting else 1
    return group, row.name, row.person_id
