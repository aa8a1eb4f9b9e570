"""Loading what the reminder rules need, through time-windowed queries on indexed columns.

The sweep never scans every meeting: before-meeting reminders look at meetings starting in
(now, now + the longest lead any meeting form asks for], follow-ups at meetings that started
within the horizon and whose minutes still wait for someone — both ranges on the indexed
`meeting.starts_at`, so a database with a hundred times more meetings in other weeks costs the
sweep about the same — and action items at the open ones due within a few days (by their due
date: the action-item table is far smaller than the meetings').
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from coordinator.agreements.models import MeetingForm
from coordinator.auth.models import Role, User
from coordinator.invitations.events import convener_of, load_meetings
from coordinator.minutes.models import ActionItem, ActionItemStatus, Minutes, MinutesState
from coordinator.org.functions import Function
from coordinator.org.models import Person, PersonFunction, School, Unit
from coordinator.outbox.models import MessageKind, OutboxMessage, OutboxState
from coordinator.planning.models import Meeting, MeetingStatus
from coordinator.reminders.rules import (
    ACTION_ITEM_LEAD_DAYS,
    BEFORE_MEETING,
    FOLLOW_UP,
    ActionItemFacts,
    Invitee,
    MeetingFacts,
    MinutesFacts,
    Policy,
    Timing,
)

CHUNK = 500  # ids per IN list, well under every engine's limit on bound parameters
SUPERSEDED = "superseded"  # last_error of a waiting reminder withdrawn because the rules no longer want it


@dataclass(frozen=True)
class Loaded:
    """The meetings (ORM rows, for composing the mail) and their facts (for the rules)."""
    meetings: Mapping[int, Meeting]
    facts: list[MeetingFacts]
    action_items: Mapping[int, ActionItem]
    directors: Mapping[int, Person]  # each district's first director, the convener when no invitee convenes


def candidate_meetings(session: Session, now: datetime, kinds: Collection[MessageKind], timing: Timing) -> set[int]:
    """Ids of the meetings that may owe one of `kinds` at `now`, from the windows above."""
    found: set[int] = set()
    if BEFORE_MEETING & set(kinds):
        found |= _upcoming(session, now)
    if FOLLOW_UP & set(kinds):
        found |= _awaiting_minutes(session, now, timing)
        found |= _with_due_action_items(session, now, timing)
    return found


def _upcoming(session: Session, now: datetime) -> set[int]:
    days, hours = session.execute(
        sa.select(sa.func.max(MeetingForm.rsvp_reminder_days), sa.func.max(MeetingForm.pre_meeting_reminder_hours))
    ).one()
    lead = max(timedelta(days=days or 0), timedelta(hours=hours or 0))
    if not lead:
        return set()
    return set(session.scalars(
        sa.select(Meeting.id).join(Meeting.meeting_form)
        .where(Meeting.status == MeetingStatus.SCHEDULED, Meeting.starts_at > now, Meeting.starts_at <= now + lead,
               sa.or_(MeetingForm.rsvp_reminder_days.is_not(None), MeetingForm.pre_meeting_reminder_hours.is_not(None)))
    ))


def _awaiting_minutes(session: Session, now: datetime, timing: Timing) -> set[int]:
    """Held meetings within the horizon whose minutes are missing, a draft, unapproved or unreported."""
    state = Minutes.state
    return set(session.scalars(
        sa.select(Meeting.id).join(Meeting.meeting_form).outerjoin(Minutes, Minutes.meeting_id == Meeting.id)
        .where(
            Meeting.status == MeetingStatus.SCHEDULED, Meeting.starts_at > now - timing.horizon,
            Meeting.starts_at <= now, Meeting.ends_at <= now,
            sa.or_(
                sa.and_(MeetingForm.requires_minutes, sa.or_(Minutes.id.is_(None), state == MinutesState.DRAFT)),
                sa.and_(MeetingForm.requires_approval, state == MinutesState.REGISTERED),
                sa.and_(MeetingForm.reports_to_committee, state == MinutesState.APPROVED),
            ),
        )
    ))


def _with_due_action_items(session: Session, now: datetime, timing: Timing) -> set[int]:
    today = timing.local_day(now)
    return set(session.scalars(
        sa.select(ActionItem.meeting_id).distinct()
        .where(ActionItem.status == ActionItemStatus.OPEN, ActionItem.owner_id.is_not(None),
               ActionItem.due_on >= today, ActionItem.due_on <= today + timedelta(days=ACTION_ITEM_LEAD_DAYS))
    ))


def load(session: Session, meeting_ids: Iterable[int]) -> Loaded:
    """The meetings and their facts: a fixed handful of queries per chunk of meetings."""
    meetings: dict[int, Meeting] = {}
    minutes: dict[int, Minutes] = {}
    items: dict[int, list[ActionItem]] = defaultdict(list)
    invited: dict[tuple[int, int], datetime] = {}
    reminded: dict[int, datetime] = {}
    ids = sorted(set(meeting_ids))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        meetings.update((m.id, m) for m in load_meetings(session, chunk))
        invited.update(((meeting_id, person_id), at) for meeting_id, person_id, at in session.execute(
            sa.select(OutboxMessage.meeting_id, OutboxMessage.person_id, sa.func.max(OutboxMessage.created_at))
            .where(OutboxMessage.meeting_id.in_(chunk), OutboxMessage.kind == MessageKind.INVITATION)
            .group_by(OutboxMessage.meeting_id, OutboxMessage.person_id)))
        # the keeper's first minutes reminder, sent or waiting (one withdrawn unsent reminded nobody)
        reminded.update((meeting_id, at) for meeting_id, at in session.execute(
            sa.select(OutboxMessage.meeting_id, sa.func.min(OutboxMessage.created_at))
            .where(OutboxMessage.meeting_id.in_(chunk), OutboxMessage.kind == MessageKind.MINUTES_REMINDER,
                   sa.or_(OutboxMessage.state != OutboxState.DEAD, OutboxMessage.last_error.is_(None),
                          OutboxMessage.last_error != SUPERSEDED))
            .group_by(OutboxMessage.meeting_id)))
        minutes.update((m.meeting_id, m) for m in session.scalars(
            sa.select(Minutes).where(Minutes.meeting_id.in_(chunk)).options(selectinload(Minutes.adjusters))))
        for item in session.scalars(sa.select(ActionItem).where(
                ActionItem.meeting_id.in_(chunk), ActionItem.status == ActionItemStatus.OPEN).order_by(ActionItem.id)):
            items[item.meeting_id].append(item)
    districts = {m.district_id for m in meetings.values()}
    directors = district_people(session, districts, Function.DISTRICT_DIRECTOR)
    first_director = {district: people[0] for district, people in directors.items()}  # as district_directors
    secretaries = committee_secretaries(session, districts)
    facts = []
    for meeting in meetings.values():
        district = meeting.district_id
        convener = convener_of(meeting, first_director.get(district) if district is not None else None)
        facts.append(_facts(meeting, minutes.get(meeting.id), items.get(meeting.id, []), invited,
                            minutes_reminded_at=reminded.get(meeting.id),
                            convener_id=convener.person.id if convener.person is not None else None,
                            directors=tuple(p.id for p in directors.get(district, [])) if district else (),
                            secretaries=tuple(p.id for p in secretaries.get(district, [])) if district else ()))
    return Loaded(meetings, facts, {i.id: i for found in items.values() for i in found}, first_director)


def _facts(meeting: Meeting, minutes: Minutes | None, items: list[ActionItem],
           invited: Mapping[tuple[int, int], datetime], *, minutes_reminded_at: datetime | None,
           convener_id: int | None, directors: tuple[int, ...], secretaries: tuple[int, ...]) -> MeetingFacts:
    form = meeting.meeting_form
    return MeetingFacts(
        meeting_id=meeting.id, uid=meeting.uid, sequence=meeting.sequence,
        starts_at=meeting.starts_at, ends_at=meeting.ends_at,
        is_scheduled=meeting.status is MeetingStatus.SCHEDULED, published_at=meeting.published_at,
        policy=Policy(
            minutes_keeper_function=form.minutes_keeper_function,
            rsvp_reminder_days=form.rsvp_reminder_days, pre_meeting_reminder_hours=form.pre_meeting_reminder_hours,
            minutes_reminder_days=form.minutes_reminder_days,
            minutes_reminder_repeat_days=form.minutes_reminder_repeat_days,
            minutes_escalation_days=form.minutes_escalation_days, requires_minutes=form.requires_minutes,
            requires_approval=form.requires_approval, reports_to_committee=form.reports_to_committee,
        ),
        invitees=tuple(Invitee(i.person_id, i.function, i.answer, i.removed_at is not None,
                               invited.get((meeting.id, i.person_id))) for i in meeting.invitations),
        minutes=None if minutes is None else MinutesFacts(
            state=minutes.state, registered_at=minutes.registered_at, approved_at=minutes.approved_at,
            unconfirmed_adjusters=tuple(a.person_id for a in minutes.adjusters if a.confirmed_at is None)),
        action_items=tuple(ActionItemFacts(i.id, i.owner_id, i.due_on, i.status is ActionItemStatus.OPEN)
                           for i in items),
        convener_id=convener_id, directors=directors, committee_secretaries=secretaries,
        minutes_reminded_at=minutes_reminded_at,
    )


# -- who stands for a district --------------------------------------------------------------------

def _district_of() -> sa.ColumnElement[int]:
    """A person's district: their own, their school's or their unit's."""
    return sa.func.coalesce(Person.district_id, School.district_id, Unit.district_id)


def district_people(session: Session, district_ids: Iterable[int | None],
                    function: Function) -> dict[int, list[Person]]:
    """Each district's active people holding `function`, by name."""
    ids = sorted({d for d in district_ids if d is not None})
    if not ids:
        return {}
    district_of = _district_of()
    rows = session.execute(
        sa.select(district_of, Person)
        .join(PersonFunction, PersonFunction.person_id == Person.id)
        .outerjoin(School, Person.school_id == School.id).outerjoin(Unit, Person.unit_id == Unit.id)
        .where(PersonFunction.function == function, Person.is_active, district_of.in_(ids))
        .order_by(Person.name, Person.id)
    )
    found: dict[int, list[Person]] = defaultdict(list)
    for district_id, person in rows:
        found[district_id].append(person)
    return dict(found)


def committee_secretaries(session: Session, district_ids: Iterable[int | None]) -> dict[int, list[Person]]:
    """Who reports a district's minutes to its committee: its committee secretaries, else the people
    behind its district administrators' logins."""
    ids = {d for d in district_ids if d is not None}
    found = district_people(session, ids, Function.COMMITTEE_SECRETARY)
    missing = sorted(ids - set(found))
    if missing:
        rows = session.execute(
            sa.select(User.district_id, Person).join(Person, User.person_id == Person.id)
            .where(User.role == Role.DISTRICT_ADMIN, User.is_active, Person.is_active, User.district_id.in_(missing))
            .order_by(Person.name, Person.id)
        )
        for district_id, person in rows:
            if person not in found.setdefault(district_id, []):
                found[district_id].append(person)
    return found
