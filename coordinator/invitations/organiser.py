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

import sqlalchemy as sa
from sqlalchemy.orm import Session

from coordinator.invitations.events import Convener, convener_of, deputy_invitation, load_meeting
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
    meeting: Meeting
    convener: Convener
    rows: tuple[InviteeRow, ...]
    counts: dict[Answer, int]  # over the invitees not removed

    @property
    def waiting(self) -> int:
        return sum(r.is_waiting for r in self.rows)


def meeting_overview(session: Session, meeting: Meeting) -> MeetingOverview:
    loaded, director = load_meeting(session, meeting)
    convener = convener_of(loaded, director)
    rows = sorted((_row(i) for i in loaded.invitations), key=_order)
    counts = Counter(r.answer for r in rows if r.removed_at is None)
    return MeetingOverview(loaded, convener, tuple(rows), {a: counts.get(a, 0) for a in Answer})


def addable_people(session: Session, meeting: Meeting) -> list[Person]:
    """The district's active people not already on the meeting's list (removed ones may come back)."""
    district_of = sa.func.coalesce(Person.district_id, School.district_id, Unit.district_id)
    invited = sa.select(Invitation.person_id).where(Invitation.meeting_id == meeting.id,
                                                    Invitation.removed_at.is_(None))
    return list(session.scalars(
        sa.select(Person).outerjoin(School, Person.school_id == School.id)
        .outerjoin(Unit, Person.unit_id == Unit.id)
        .where(district_of == meeting.district_id, Person.is_active, Person.id.not_in(invited))
        .order_by(Person.name, Person.id)))


def _row(invitation: Invitation) -> InviteeRow:
    person = invitation.person
    answered = invitation.answer not in (Answer.NEEDS_ACTION, Answer.DELEGATED)
    deputy = deputy_invitation(invitation)
    return InviteeRow(
        person_id=person.id, name=person.name, email=person.email, person_is_active=person.is_active,
        function=invitation.function, answer=invitation.answer, answered_at=invitation.answered_at,
        answered_via=invitation.answered_via,
        # the version of their own copy: each person's SEQUENCE is their own (sent_sequence)
        answered_earlier_version=answered and (invitation.answer_sequence or 0) < invitation.calendar_sequence,
        delegated_to=invitation.delegated_to.name if invitation.delegated_to else None,
        deputy_answer=deputy.answer if deputy is not None else None,
        delegated_from=invitation.delegated_from.name if invitation.delegated_from else None,
        removed_at=invitation.removed_at,
    )


def _order(row: InviteeRow) -> tuple[int, str, int]:
    if row.removed_at is not None:
        group = 3
    elif row.answer is Answer.DELEGATED:
        group = 2
    else:
        group = 0 if row.is_waiting else 1
    return group, row.name, row.person_id
