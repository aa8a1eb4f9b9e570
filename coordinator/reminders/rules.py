"""Which reminders are due at a moment: pure rules over plain facts about meetings, no database, no clock.

Each meeting form carries a reminder policy (days or hours; None = that reminder is off). The
rules turn a meeting's facts and `now` into the reminders that are due *and still wanted* at
that moment: the sweep queues those it has not queued yet (the dedupe key makes a second
sweep a no-op), and withdraws queued ones that are no longer among them (a moved, cancelled or
answered meeting). So the rules answer one question, "what should be in the outbox now?", and
both directions of the sweep follow from it.

Timing:
- before a meeting, to the hour: the RSVP reminder `rsvp_reminder_days` before the start, the
  pre-meeting reminder `pre_meeting_reminder_hours` before. The pre-meeting reminder is worth
  sending until the start; the RSVP reminder only in the first half of its lead (a week ahead:
  until three and a half days before), since one that arrives as the meeting is about to start
  is a stale nag, not a reminder. Each expires then. The convener is not asked to answer their
  own meeting;
- after a meeting, by the day: follow-ups (minutes, escalation, approval, report, action items)
  fall due at the local `reminder_hour` of their day, so nobody gets a nag at 23.40; they do not
  expire (a late minutes reminder is still useful) but stop `horizon` after the meeting, and a
  repeated reminder is wanted only at its latest step;
- the escalation follows the keeper's reminder, never together with it: it is due
  `minutes_escalation_days` after the meeting, but no earlier than the keeper's first minutes
  reminder was queued plus the days the policy gives the keeper (escalation days less reminder
  days, at least one), so a sweep after an outage reminds the keeper first and tells the
  convener only after the keeper has had that time.

After an outage (or a late publish) one sweep may find several overdue reminders for one
person: `catch_ups` says which to merge into one message per person (services.py).
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from coordinator.minutes.models import MinutesState
from coordinator.org.functions import Function
from coordinator.outbox.models import MessageKind
from coordinator.planning.models import Answer

ACTION_ITEM_LEAD_DAYS = 3   # the first action-item reminder, before its due day
REPORT_REPEAT_DAYS = 7      # a committee meets about monthly: a weekly nudge is enough
# a reminder queued this much after its moment was missed (a stopped scheduler, a late publish):
# a sweep that finds two or more of them for one person sends that person one catch-up message
CATCH_UP_GRACE = timedelta(hours=1)

# the kinds these rules produce, all bound to a meeting (and withdrawn when no longer wanted)
MEETING_KINDS = frozenset({
    MessageKind.RSVP_REMINDER, MessageKind.PRE_MEETING_REMINDER, MessageKind.MINUTES_REMINDER,
    MessageKind.MINUTES_ESCALATION, MessageKind.APPROVAL_REMINDER, MessageKind.REPORT_REMINDER,
    MessageKind.ACTION_ITEM_REMINDER,
})
BEFORE_MEETING = frozenset({MessageKind.RSVP_REMINDER, MessageKind.PRE_MEETING_REMINDER})
FOLLOW_UP = MEETING_KINDS - BEFORE_MEETING


@dataclass(frozen=True)
class Policy:
    """A meeting form's reminder and minutes policy (agreements/models.py MeetingForm)."""
    minutes_keeper_function: Function | None = None
    rsvp_reminder_days: int | None = None
    pre_meeting_reminder_hours: int | None = None
    minutes_reminder_days: int | None = None
    minutes_reminder_repeat_days: int | None = None
    minutes_escalation_days: int | None = None
    requires_minutes: bool = False
    requires_approval: bool = False
    reports_to_committee: bool = False


@dataclass(frozen=True)
class Invitee:
    person_id: int
    function: Function | None
    answer: Answer = Answer.NEEDS_ACTION
    is_removed: bool = False
    invited_at: datetime | None = None  # when their (latest) invitation was queued; None: at publishing

    @property
    def is_active(self) -> bool:
        """Still expected at the meeting: not removed and not handed over to a deputy."""
        return not self.is_removed and self.answer is not Answer.DELEGATED


@dataclass(frozen=True)
class MinutesFacts:
    state: MinutesState
    registered_at: datetime | None = None
    approved_at: datetime | None = None
    unconfirmed_adjusters: tuple[int, ...] = ()  # person ids of adjusters who have not confirmed


@dataclass(frozen=True)
class ActionItemFacts:
    id: int
    owner_id: int | None
    due_on: date | None
    is_open: bool = True


@dataclass(frozen=True)
class MeetingFacts:
    """What the rules need to know about one meeting, loaded by the sweep."""
    meeting_id: int
    uid: str
    sequence: int
    starts_at: datetime
    ends_at: datetime
    is_scheduled: bool              # published and not cancelled (drafts and cancelled meetings get nothing)
    policy: Policy
    published_at: datetime | None = None
    invitees: tuple[Invitee, ...] = ()
    minutes: MinutesFacts | None = None  # None: the minutes are missing
    action_items: tuple[ActionItemFacts, ...] = ()
    convener_id: int | None = None   # who calls the meeting, as its invitations name them (invitations/events.py)
    directors: tuple[int, ...] = ()  # the district's directors: told when the convener is the one late
    committee_secretaries: tuple[int, ...] = ()  # who reports minutes to the committee (secretary, else admins)
    minutes_reminded_at: datetime | None = None  # when the first minutes reminder was queued (None: not yet)


@dataclass(frozen=True)
class Timing:
    """How follow-ups are placed in the local day, and how long after a meeting they go on."""
    timezone: str = "Europe/Stockholm"
    reminder_hour: int = 7
    horizon: timedelta = timedelta(days=120)

    def morning(self, day: date) -> datetime:
        """The moment a follow-up of `day` falls due: the reminder hour there, as an aware time."""
        return datetime.combine(day, time(self.reminder_hour), ZoneInfo(self.timezone))

    def local_day(self, moment: datetime) -> date:
        return moment.astimezone(ZoneInfo(self.timezone)).date()


@dataclass(frozen=True)
class DueReminder:
    """One reminder that should be in the outbox at the moment asked about."""
    kind: MessageKind
    meeting_id: int
    uid: str
    sequence: int
    person_id: int
    step: str                      # which one of the series: "0", "1", ... or "<item id>:before|due"
    due_at: datetime
    expires_at: datetime | None = None
    action_item_id: int | None = None
    keeper_id: int | None = None   # an escalation names the minutes keeper who is late

    @property
    def dedupe_key(self) -> str:
        """kind:meeting uid:person:sequence:step — a moved meeting (new SEQUENCE) is a new reminder."""
        return f"{self.kind.value}:{self.uid}:{self.person_id}:{self.sequence}:{self.step}"


@dataclass(frozen=True)
class _Series:
    """A repeated follow-up by the local calendar: first on `first_day`, then every `every_days` (None: once).

    Counted in local days, not in hours, so a step stays at the reminder hour across a DST change.
    """
    first_day: date
    every_days: int | None
    timing: Timing

    def latest(self, now: datetime) -> tuple[int, datetime] | None:
        """The step due most recently at `now` and its moment; None before the first."""
        if now < self.timing.morning(self.first_day):
            return None
        if not self.every_days:
            return 0, self.timing.morning(self.first_day)
        step = (self.timing.local_day(now) - self.first_day).days // self.every_days
        if now < self.timing.morning(self.first_day + timedelta(days=step * self.every_days)):
            step -= 1  # a step's day, before its hour
        return step, self.timing.morning(self.first_day + timedelta(days=step * self.every_days))


def due_reminders(meetings: Iterable[MeetingFacts], now: datetime, timing: Timing = Timing()) -> list[DueReminder]:
    """Every reminder due and still wanted at `now`, for the given meetings."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return [reminder for meeting in meetings for reminder in _for_meeting(meeting, now, timing)]


def _for_meeting(meeting: MeetingFacts, now: datetime, timing: Timing) -> Iterator[DueReminder]:
    if not meeting.is_scheduled:
        return
    if now < meeting.starts_at:
        yield from _rsvp(meeting, now)
        yield from _pre_meeting(meeting, now)
        return
    yield from _action_items(meeting, now, timing)  # dated by themselves, however old the meeting
    if meeting.ends_at <= now < meeting.starts_at + timing.horizon:
        yield from _minutes(meeting, now, timing)
        yield from _approval(meeting, now, timing)
        yield from _report(meeting, now, timing)


def _reminder(meeting: MeetingFacts, kind: MessageKind, person_id: int, step: object, due_at: datetime,
              **extra: object) -> DueReminder:
    return DueReminder(kind=kind, meeting_id=meeting.meeting_id, uid=meeting.uid, sequence=meeting.sequence,
                       person_id=person_id, step=str(step), due_at=due_at, **extra)  # type: ignore[arg-type]


# -- before the meeting -------------------------------------------------------------------------

def _rsvp(meeting: MeetingFacts, now: datetime) -> Iterator[DueReminder]:
    """To active invitees who have not answered, X days before, while the first half of that lead lasts;
    not to one whose invitation came later (a deputy sent in, someone added: the invitation itself is
    fresh), nor to the convener, whose meeting it is."""
    days = meeting.policy.rsvp_reminder_days
    if days is None:
        return
    due_at = meeting.starts_at - timedelta(days=days)
    expires_at = due_at + (meeting.starts_at - due_at) / 2
    if not due_at <= now < expires_at:
        return
    for invitee in meeting.invitees:
        invited_at = invitee.invited_at or meeting.published_at
        if invited_at is not None and invited_at >= due_at:
            continue
        if invitee.person_id == meeting.convener_id:
            continue
        if invitee.is_active and invitee.answer is Answer.NEEDS_ACTION:
            yield _reminder(meeting, MessageKind.RSVP_REMINDER, invitee.person_id, 0, due_at,
                            expires_at=expires_at)


def _pre_meeting(meeting: MeetingFacts, now: datetime) -> Iterator[DueReminder]:
    """To those who accepted or answered tentatively, Y hours before, with the agenda."""
    hours = meeting.policy.pre_meeting_reminder_hours
    if hours is None:
        return
    due_at = meeting.starts_at - timedelta(hours=hours)
    if now < due_at:
        return
    for invitee in meeting.invitees:
        if invitee.is_active and invitee.answer in (Answer.ACCEPTED, Answer.TENTATIVE):
            yield _reminder(meeting, MessageKind.PRE_MEETING_REMINDER, invitee.person_id, 0, due_at,
                            expires_at=meeting.starts_at)


# -- after the meeting --------------------------------------------------------------------------

def minutes_keeper(meeting: MeetingFacts) -> int | None:
    """The active invitee holding the minutes keeper's function (one who did not decline first); else the convener."""
    function = meeting.policy.minutes_keeper_function
    holders = _holders(meeting, function) if function is not None else []
    return holders[0] if holders else meeting.convener_id


def _holders(meeting: MeetingFacts, function: Function) -> list[int]:
    """Active invitees with the function, those who did not decline first, then by person."""
    found = [i for i in meeting.invitees if i.is_active and i.function is function]
    found.sort(key=lambda i: (i.answer is Answer.DECLINED, i.person_id))
    return [i.person_id for i in found]


def _minutes(meeting: MeetingFacts, now: datetime, timing: Timing) -> Iterator[DueReminder]:
    """While minutes are missing or a draft: the keeper D days after, every R days; the convener at E days."""
    policy = meeting.policy
    if not policy.requires_minutes or (meeting.minutes is not None and meeting.minutes.state is not MinutesState.DRAFT):
        return
    keeper = minutes_keeper(meeting)
    meeting_day = timing.local_day(meeting.ends_at)
    if policy.minutes_reminder_days is not None and keeper is not None:
        series = _Series(meeting_day + timedelta(days=policy.minutes_reminder_days),
                         policy.minutes_reminder_repeat_days, timing)
        if (latest := series.latest(now)) is not None:
            yield _reminder(meeting, MessageKind.MINUTES_REMINDER, keeper, latest[0], latest[1])
    if policy.minutes_escalation_days is not None:
        escalate_at = _escalation_moment(meeting, keeper, meeting_day, timing)
        boss = meeting.convener_id
        if boss == keeper:  # the convener keeps the minutes: tell the director instead
            boss = next((d for d in meeting.directors if d != keeper), None)
        if escalate_at is not None and now >= escalate_at and boss is not None:
            yield _reminder(meeting, MessageKind.MINUTES_ESCALATION, boss, 0, escalate_at, keeper_id=keeper)


def _escalation_moment(meeting: MeetingFacts, keeper: int | None, meeting_day: date, timing: Timing) -> datetime | None:
    """When the convener is told: E days after the meeting, but not before the keeper has been reminded
    and has had the E − D days (at least one) the policy gives them; None while the keeper waits."""
    policy = meeting.policy
    assert policy.minutes_escalation_days is not None
    escalate_at = timing.morning(meeting_day + timedelta(days=policy.minutes_escalation_days))
    if policy.minutes_reminder_days is None or keeper is None:
        return escalate_at  # nobody is reminded first
    if meeting.minutes_reminded_at is None:
        return None
    keepers_time = timedelta(days=max(policy.minutes_escalation_days - policy.minutes_reminder_days, 1))
    return max(escalate_at, timing.morning(timing.local_day(meeting.minutes_reminded_at) + keepers_time))


def _approval(meeting: MeetingFacts, now: datetime, timing: Timing) -> Iterator[DueReminder]:
    """Registered minutes: each adjuster who has not confirmed, D days after registering, every R days."""
    policy, minutes = meeting.policy, meeting.minutes
    if (not policy.requires_approval or policy.minutes_reminder_days is None or minutes is None
            or minutes.state is not MinutesState.REGISTERED or minutes.registered_at is None):
        return
    series = _Series(timing.local_day(minutes.registered_at) + timedelta(days=policy.minutes_reminder_days),
                     policy.minutes_reminder_repeat_days, timing)
    if (latest := series.latest(now)) is not None:
        for person_id in sorted(minutes.unconfirmed_adjusters):
            yield _reminder(meeting, MessageKind.APPROVAL_REMINDER, person_id, latest[0], latest[1])


def _report(meeting: MeetingFacts, now: datetime, timing: Timing) -> Iterator[DueReminder]:
    """Approved, not yet reported minutes of a form that reports to the committee: its secretary, weekly."""
    policy, minutes = meeting.policy, meeting.minutes
    if (not policy.reports_to_committee or policy.minutes_reminder_days is None or minutes is None
            or minutes.state is not MinutesState.APPROVED or minutes.approved_at is None):
        return
    series = _Series(timing.local_day(minutes.approved_at) + timedelta(days=policy.minutes_reminder_days),
                     REPORT_REPEAT_DAYS, timing)
    if (latest := series.latest(now)) is not None:
        for person_id in sorted(set(meeting.committee_secretaries)):
            yield _reminder(meeting, MessageKind.REPORT_REMINDER, person_id, latest[0], latest[1])


def _action_items(meeting: MeetingFacts, now: datetime, timing: Timing) -> Iterator[DueReminder]:
    """An open item's owner: three days before its due day and on the day itself (not after)."""
    today = timing.local_day(now)
    for item in meeting.action_items:
        if not item.is_open or item.owner_id is None or item.due_on is None or today > item.due_on:
            continue
        before_at = timing.morning(item.due_on - timedelta(days=ACTION_ITEM_LEAD_DAYS))
        due_at = timing.morning(item.due_on)
        step, at = ("due", due_at) if now >= due_at else ("before", before_at)
        if now >= at:
            yield _reminder(meeting, MessageKind.ACTION_ITEM_REMINDER, item.owner_id, f"{item.id}:{step}", at,
                            action_item_id=item.id)


# -- after an outage ---------------------------------------------------------------------------------

def catch_ups(reminders: Iterable[DueReminder], now: datetime) -> dict[int, list[DueReminder]]:
    """The reminders of one sweep to merge into one message per person: for each person with at least
    two reminders overdue by more than `CATCH_UP_GRACE`, all of that person's reminders, by due time.

    Reminders simply due now, and a single late one, are sent one by one as usual.
    """
    by_person: dict[int, list[DueReminder]] = {}
    for reminder in reminders:
        by_person.setdefault(reminder.person_id, []).append(reminder)
    return {person_id: sorted(found, key=lambda r: (r.due_at, r.dedupe_key))
            for person_id, found in sorted(by_person.items())
            if sum(now - r.due_at > CATCH_UP_GRACE for r in found) >= 2}
