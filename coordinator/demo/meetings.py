"""One meeting of the demo's history, from the invitees' answers to its archived minutes.

Each step is drawn from the district's habits, then done through its service at its own moment,
if that moment has come by `now`: a meeting of the current term may have answers but no
attendance yet, draft minutes, or action items still open. A step's draws come before its check
against `now`, so a later `now` continues the same story instead of telling another one.
"""
from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from coordinator.agreements.models import FormKind
from coordinator.demo.data import THURSDAY
from coordinator.demo.habits import INDEPENDENT, MUNICIPAL, RARELY, STAFF, Habits
from coordinator.demo.texts import ACTIONS, DECISIONS
from coordinator.invitations.services import send_deputy
from coordinator.minutes.action_items import add_action_item, set_item_status
from coordinator.minutes.models import ActionItemStatus, Attendance, AttendanceStatus, Minutes
from coordinator.minutes.services import (
    archive_minutes, choose_adjusters, confirm_minutes, is_final, is_reportable, minutes_keepers,
    register_minutes, report_to_committee, save_text, start_minutes,
)
from coordinator.minutes.template import TYPED_SECTIONS
from coordinator.org.models import District, OrganiserType, Person
from coordinator.planning.models import Answer, Invitation, Meeting
from coordinator.planning.services import cancel_meeting
from coordinator.terms.calendar import DEFAULT_TIMEZONE
from coordinator.terms.models import Term

STOCKHOLM = ZoneInfo(DEFAULT_TIMEZONE)
TENTATIVE = 0.08  # of the invitees who answer that they come, the share who answer "maybe"
ITEMS_PER_MEETING = {FormKind.OVERARCHING_FORUM: (2, 3), FormKind.OPERATIVE_FORUM: (0, 2), FormKind.BUS_GROUP: (1, 1)}


def local(day: date, hour: int, minute: int = 0) -> datetime:
    """A moment of a day in Stockholm, where the demo's meetings are held."""
    return datetime.combine(day, time(hour, minute), STOCKHOLM)


def school_year(day: date) -> int:
    """The year a school year begins: an autumn term begins it, a spring term ends it."""
    return day.year if day.month >= 7 else day.year - 1


def committee_day(on_or_after: date) -> date:
    """The district committee's first meeting on or after a day: the third Thursday of each month but July."""
    month = on_or_after.replace(day=1)
    while True:
        third_thursday = month + timedelta(days=(THURSDAY - month.weekday()) % 7 + 14)
        if month.month != 7 and third_thursday >= on_or_after:
            return third_thursday
        month = (month + timedelta(days=32)).replace(day=1)


@dataclass(frozen=True)
class TermStory:
    """What every meeting of a district's term shares: its habits, who runs it, when it was published, `now`."""
    district: District
    term: Term
    habits: Habits
    published_at: datetime
    now: datetime
    director: Person
    secretary: Person
    organiser_types: dict[int, OrganiserType]  # the district's schools, by id
    rarely: frozenset[int]                     # ids of the schools that seldom come
    created: Counter[str]

    def whom(self, invitation: Invitation) -> str:
        """Whom the invitee stands for: the district or the city, or a school of one kind (habits.STAFF …)."""
        school = invitation.school_id
        if school is None:
            return STAFF
        if school in self.rarely:
            return RARELY
        return INDEPENDENT if self.organiser_types.get(school) is OrganiserType.INDEPENDENT else MUNICIPAL


@dataclass(frozen=True)
class Seat:
    """An invitee's part in the meeting, as drawn: whether they (or the deputy they send) come, and their answer."""
    invitation: Invitation
    deputy: Person | None
    comes: bool
    answered_at: datetime | None  # a deputy sent is always an answer
    via: str
    tentative: bool

    @property
    def answer(self) -> Answer:
        return (Answer.TENTATIVE if self.tentative else Answer.ACCEPTED) if self.comes else Answer.DECLINED


@dataclass(frozen=True)
class Held:
    """A meeting held by `now`, its attendance recorded: who keeps its minutes, who was there, its story's dice."""
    meeting: Meeting
    keeper: Person
    present: list[Person]
    rng: random.Random


def meet(session: Session, story: TermStory, meeting: Meeting, rng: random.Random) -> Held | None:
    """The meeting's story up to its attendance: cancelled, or answered, then held or let pass; held, if it was."""
    habits, now = story.habits, story.now
    cancels = rng.random() < habits.cancelled_rate
    cancelled_at = meeting.starts_at - timedelta(days=rng.randint(2, 10))
    if cancels and story.published_at < cancelled_at <= now:
        cancel_meeting(session, meeting, actor=story.director.email, now=cancelled_at)
        return None
    held = rng.random() >= _chance_not_held(story, meeting)
    seats = [_seat(story, meeting, invitation, rng) for invitation in list(meeting.invitations)]
    for seat in seats:
        _answer(session, meeting, seat, story, deadline=min(now, meeting.starts_at))
    recorded_at = meeting.ends_at + timedelta(hours=1)
    if not held or recorded_at > now:
        return None
    keeper = _keeper(meeting, story)
    return Held(meeting, keeper, _attend(session, meeting, seats, keeper, recorded_at), rng)


def _chance_not_held(story: TermStory, meeting: Meeting) -> float:
    habits = story.habits
    kind = meeting.meeting_form.kind
    if kind is FormKind.OVERARCHING_FORUM and habits.forum_skipped_in_spring and story.term.starts_on.month < 7:
        return 1.0
    chance = habits.not_held.get(kind, 0.0)
    if meeting.school_id in story.rarely:
        chance = max(chance, habits.rarely_hosting)
    return chance


# -- answers and attendance -------------------------------------------------------------------------

def _seat(story: TermStory, meeting: Meeting, invitation: Invitation, rng: random.Random) -> Seat:
    habits, who = story.habits, story.whom(invitation)
    required = invitation.function in meeting.meeting_form.required_functions
    sends_deputy = rng.random() < habits.deputy_rate
    chance = habits.attend_required[who]
    comes = rng.random() < (chance if required else min(chance, habits.attend_optional))
    answers = rng.random() < habits.answer_rate[who]
    day = story.published_at.date() + timedelta(days=rng.randint(*habits.answer_days))
    answered_at = max(local(day, rng.randint(8, 16), rng.randint(0, 59)), story.published_at + timedelta(minutes=30))
    via = rng.choices(list(habits.answer_via), weights=list(habits.answer_via.values()))[0]
    tentative = rng.random() < TENTATIVE
    deputy = invitation.person.deputy if sends_deputy else None
    return Seat(invitation, deputy, comes, answered_at if answers or deputy else None, via, tentative)


def _answer(session: Session, meeting: Meeting, seat: Seat, story: TermStory, *, deadline: datetime) -> None:
    """The invitee's answer, or the deputy they send (who answers for themselves a day later)."""
    at = seat.answered_at
    if at is None or at > deadline:
        return
    invitation = seat.invitation
    if seat.deputy is not None and _may_stand_in(meeting, seat.deputy):
        actor = story.director.email if seat.via == "organiser" else invitation.person.email
        stand_in = send_deputy(session, invitation, seat.deputy, via=seat.via, actor=actor, now=at, mail=None)
        if at + timedelta(days=1) <= deadline:
            _answered(stand_in, Answer.ACCEPTED if seat.comes else Answer.DECLINED, "link", at + timedelta(days=1))
    elif seat.deputy is None or seat.comes:
        _answered(invitation, seat.answer, seat.via, at)


def _answered(invitation: Invitation, answer: Answer, via: str, at: datetime) -> None:
    """What `record_answer` stores, set on the row itself: through the service, a flush and an audit event
    each, the history's thousand answers took a fifth of its time."""
    invitation.answer, invitation.answered_at, invitation.answered_via = answer, at, via
    invitation.answer_sequence = invitation.meeting.sequence


def _may_stand_in(meeting: Meeting, deputy: Person) -> bool:
    return deputy.is_active and all(i.person_id != deputy.id for i in meeting.invitations)


def _attend(session: Session, meeting: Meeting, seats: list[Seat], keeper: Person, at: datetime) -> list[Person]:
    """The attendance `record_attendance` would store, added as rows (through the service, a dozen queries
    per meeting took another fifth of the history's time); who was there, deputies in someone's place included."""
    present = []
    for seat in seats:
        invitation = seat.invitation
        delegated = invitation.answer is Answer.DELEGATED
        status = (AttendanceStatus.ABSENT if not seat.comes else
                  AttendanceStatus.REPRESENTED if delegated else AttendanceStatus.PRESENT)
        session.add(Attendance(meeting_id=meeting.id, person_id=invitation.person_id, function=invitation.function,
                               school_id=invitation.school_id, status=status,
                               represented_by_id=invitation.delegated_to_id if delegated and seat.comes else None,
                               recorded_at=at, recorded_by=keeper.email))
        if seat.comes:
            present.append(invitation.delegated_to if delegated else invitation.person)
    return sorted((p for p in present if p is not None), key=lambda p: (p.name, p.id))


def _keeper(meeting: Meeting, story: TermStory) -> Person:
    """Who keeps the minutes: the invitee holding the form's keeper function, else the director."""
    keepers = minutes_keepers(meeting)
    return next((i.person for i in meeting.invitations if i.person_id in keepers), story.director)


# -- minutes and action items -----------------------------------------------------------------------

def keep_minutes(session: Session, story: TermStory, held: Held) -> None:
    """The held meeting's minutes (where its form keeps them), started after the meeting, then registered,
    confirmed, reported and archived, and its action items, as the habits have it."""
    habits, now = story.habits, story.now
    meeting, keeper, present, rng = held.meeting, held.keeper, held.present, held.rng
    form = meeting.meeting_form
    if not form.requires_minutes or rng.random() < habits.minutes_missing:
        return
    started_at = meeting.ends_at + timedelta(hours=2, days=rng.randint(0, 2))
    if started_at > now:
        return
    minutes = start_minutes(session, meeting, actor=keeper.email, now=started_at)
    decisions = rng.choice(DECISIONS[form.kind])
    save_text(session, minutes, {**{s: minutes.content.get(s, "") for s in TYPED_SECTIONS}, "decisions": decisions},
              actor=keeper.email, now=started_at)
    story.created["protokoll"] += 1
    _action_items(session, story, meeting, present, keeper, started_at, rng)
    if rng.random() < habits.minutes_left_draft:
        return
    registered_at = _registered_at(minutes, meeting, habits, rng, after=started_at)
    if form.requires_approval:
        others = [p for p in present if p.id != keeper.id]
        adjusters = rng.sample(others, min(2, len(others)))
        if not adjusters:
            return
        choose_adjusters(session, minutes, [p.id for p in adjusters], actor=keeper.email, now=started_at)
    if registered_at > now:
        return
    register_minutes(session, minutes, actor=keeper.email, now=registered_at)
    if form.requires_approval and not _confirmations(session, minutes, habits, rng, now):
        return
    final_at = minutes.first_approved_at or registered_at
    if is_reportable(minutes):
        committee = committee_day(final_at.astimezone(STOCKHOLM).date() + timedelta(days=habits.report_after_days))
        reported_at = local(committee + timedelta(days=1), 9)
        if reported_at > now:
            return
        report_to_committee(session, story.district.id, [minutes.id], committee,
                            f"SDN {committee.year}/{rng.randint(100, 999)}", actor=story.secretary.email,
                            now=reported_at)
    archived_at = local(date(school_year(meeting.starts_at.astimezone(STOCKHOLM).date()) + 1, 6, 30), 10)
    if habits.archives and is_final(minutes) and archived_at <= now:
        archive_minutes(session, minutes, actor=story.secretary.email, now=archived_at)


def _registered_at(minutes: Minutes, meeting: Meeting, habits: Habits, rng: random.Random, *,
                   after: datetime) -> datetime:
    """On time: some days after the meeting, before the deadline; late: some days after the deadline."""
    late = rng.random() < habits.minutes_late
    on_time = local(meeting.ends_at.astimezone(STOCKHOLM).date() + timedelta(days=rng.randint(*habits.minutes_days)),
                    rng.randint(9, 15))
    overdue = local(minutes.due_at.astimezone(STOCKHOLM).date() + timedelta(days=rng.randint(*habits.late_days)),
                    rng.randint(9, 15)) if minutes.due_at else on_time
    moment = overdue if late else min(on_time, (minutes.due_at or on_time) - timedelta(hours=1))
    return max(moment, after + timedelta(hours=1))


def _confirmations(session: Session, minutes: Minutes, habits: Habits, rng: random.Random, now: datetime) -> bool:
    """Each adjuster confirms some days after registration (one may never); whether the minutes are approved."""
    never = rng.random() < habits.left_unconfirmed
    registered = minutes.registered_at or now
    for n, adjuster in enumerate(sorted(minutes.adjusters, key=lambda a: a.person_id)):
        at = local(registered.astimezone(STOCKHOLM).date() + timedelta(days=rng.randint(*habits.confirm_days)),
                   rng.randint(8, 16))
        if (never and n == len(minutes.adjusters) - 1) or at > now:
            return False
        confirm_minutes(session, minutes, person_id=adjuster.person_id, actor=adjuster.person.email,
                        now=max(at, registered + timedelta(hours=1)))
    return is_final(minutes)


def _action_items(session: Session, story: TermStory, meeting: Meeting, present: list[Person], keeper: Person,
                  at: datetime, rng: random.Random) -> None:
    """The meeting's action items, owned by someone of the district who was there, and what became of each."""
    kind = meeting.meeting_form.kind
    low, high = ITEMS_PER_MEETING.get(kind, (0, 0))
    owners = [p for p in present if p.school_id is None and p.district_id == story.district.id] or present
    if not owners or not high:
        return
    meeting_day = meeting.starts_at.astimezone(STOCKHOLM).date()
    outcomes = story.habits.action_items
    for text in rng.sample(ACTIONS[kind], min(rng.randint(low, high), len(ACTIONS[kind]))):
        owner = rng.choice(owners)
        due_on = meeting_day + timedelta(days=rng.randint(14, 42))
        outcome = rng.choices(list(outcomes), weights=list(outcomes.values()))[0]
        closed_on = {"on_time": due_on - timedelta(days=rng.randint(0, 10)),
                     "late": due_on + timedelta(days=rng.randint(1, 21)),
                     "dropped": due_on + timedelta(days=rng.randint(-10, 10))}.get(outcome)
        item = add_action_item(session, meeting, text, owner.id, due_on, actor=keeper.email, now=at)
        story.created["åtgärdspunkter"] += 1
        if closed_on is None:
            continue
        closed_at = max(local(closed_on, 15), at + timedelta(days=1))
        if closed_at <= story.now:
            status = ActionItemStatus.DROPPED if outcome == "dropped" else ActionItemStatus.DONE
            set_item_status(session, item, status, actor=owner.email, now=closed_at)
