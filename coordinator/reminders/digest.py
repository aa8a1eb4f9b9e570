"""The weekly digest to each district director: what is open in their district.

Four lists, each from a windowed query on the district's meetings or outbox: invitations not
answered for meetings in the coming four weeks, minutes missing for meetings held within the
reminder horizon (with the days past their deadline), minutes registered late in the past week
(lateness stays a fact after registration), and messages that could not be delivered (dead). A digest with nothing open is not
sent. One per director and ISO week (the dedupe key names the week): due from the digest
weekday's reminder hour, so a scheduler that was down on Monday sends it when it comes back
that week, and never twice.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from coordinator.agreements.models import MeetingForm
from coordinator.invitations.events import meeting_title
from coordinator.invitations.ics import Party
from coordinator.invitations.messages import MailContext
from coordinator.minutes import deadlines
from coordinator.minutes.models import Minutes, MinutesState
from coordinator.org.functions import Function
from coordinator.org.models import District, Person
from coordinator.outbox import compose
from coordinator.outbox.models import MessageKind, OutboxMessage, OutboxState
from coordinator.outbox.queue import Outgoing, enqueue
from coordinator.planning.models import Answer, Invitation, Meeting, MeetingStatus, forum_meeting
from coordinator.reminders.facts import district_people
from coordinator.reminders.messages import AUTOMATIC
from coordinator.reminders.rules import Timing
from coordinator.reminders.services import SUPERSEDED

log = logging.getLogger("coordinator.reminders")

DIGEST_WEEKDAY = 0     # Monday
AHEAD = timedelta(weeks=4)  # unanswered invitations of the meetings in the coming four weeks
DEAD_LISTED = 20       # dead messages named in a digest; the rest are counted

SUBJECTS = {"sv": "Veckans sammanfattning för %(district)s, vecka %(week)d",
            "en": "Weekly summary for %(district)s, week %(week)d"}


@dataclass(frozen=True)
class Unanswered:
    meeting: Meeting
    title: str
    people: tuple[str, ...]


@dataclass(frozen=True)
class MissingMinutes:
    meeting: Meeting
    title: str
    days: int       # calendar days since the meeting
    days_late: int  # days past the deadline (0: not late yet)


@dataclass(frozen=True)
class LateMinutes:
    """Minutes registered in the past week, after their deadline."""
    meeting: Meeting
    title: str
    days_late: int


@dataclass
class Digest:
    district: District
    unanswered: list[Unanswered] = field(default_factory=list)
    missing_minutes: list[MissingMinutes] = field(default_factory=list)
    late_minutes: list[LateMinutes] = field(default_factory=list)
    dead: list[OutboxMessage] = field(default_factory=list)
    dead_count: int = 0

    @property
    def is_empty(self) -> bool:
        return not (self.unanswered or self.missing_minutes or self.late_minutes or self.dead_count)


def digest_week(now: datetime, timing: Timing) -> tuple[int, int] | None:
    """The ISO (year, week) whose digest is due at `now`; None before the digest weekday's hour."""
    today = timing.local_day(now)
    monday = today - timedelta(days=today.weekday())
    if now < timing.morning(monday + timedelta(days=DIGEST_WEEKDAY)):
        return None
    year, week, _ = today.isocalendar()
    return year, week


def queue_digests(session: Session, now: datetime, mail: MailContext, timing: Timing = Timing()) -> int:
    """Queue this week's digest to every director with something open in their district; how many queued."""
    week = digest_week(now, timing)
    if week is None:
        return 0
    districts = list(session.scalars(sa.select(District).where(District.is_active).order_by(District.name)))
    directors = district_people(session, (d.id for d in districts), Function.DISTRICT_DIRECTOR)
    keys = {(d.id, p.id): f"digest:{d.id}:{p.id}:{week[0]}-W{week[1]:02d}"
            for d in districts for p in directors.get(d.id, [])}
    sent = set(session.scalars(sa.select(OutboxMessage.dedupe_key)
                               .where(OutboxMessage.dedupe_key.in_(keys.values())))) if keys else set()
    queued = 0
    for district in districts:
        owed = [p for p in directors.get(district.id, []) if keys[(district.id, p.id)] not in sent]
        if not owed:
            continue
        digest = open_items(session, district, now, timing)
        if digest.is_empty:
            continue
        queued += enqueue(session, [_message(digest, person, keys[(district.id, person.id)], week[1], mail, now)
                                    for person in owed], now=now)
    log.info("digests_queued count=%d week=%d-W%02d", queued, *week)
    return queued


def open_items(session: Session, district: District, now: datetime, timing: Timing) -> Digest:
    """What is open in the district at `now`, within the horizon before and after."""
    digest = Digest(district)
    upcoming = list(session.scalars(
        sa.select(Meeting).where(Meeting.district_id == district.id, Meeting.status == MeetingStatus.SCHEDULED,
                                 Meeting.starts_at > now, Meeting.starts_at <= now + AHEAD, forum_meeting())
        .options(selectinload(Meeting.meeting_form), selectinload(Meeting.school), selectinload(Meeting.group),
                 selectinload(Meeting.invitations).selectinload(Invitation.person))
        .order_by(Meeting.starts_at, Meeting.id)))
    for meeting in upcoming:
        names = tuple(i.person.name for i in meeting.invitations if i.is_active and i.answer is Answer.NEEDS_ACTION)
        if names:
            digest.unanswered.append(Unanswered(meeting, meeting_title(meeting), tuple(sorted(names))))
    missing = session.execute(
        sa.select(Meeting, Minutes.due_at).join(Meeting.meeting_form).outerjoin(Minutes, Minutes.meeting_id == Meeting.id)
        .where(Meeting.district_id == district.id, Meeting.status == MeetingStatus.SCHEDULED, forum_meeting(),
               Meeting.starts_at > now - timing.horizon, Meeting.ends_at <= now, MeetingForm.requires_minutes,
               sa.or_(Minutes.id.is_(None), Minutes.state == MinutesState.DRAFT))
        .options(selectinload(Meeting.meeting_form), selectinload(Meeting.school), selectinload(Meeting.group))
        .order_by(Meeting.starts_at, Meeting.id))
    for meeting, due_at in missing:
        days = (timing.local_day(now) - timing.local_day(meeting.ends_at)).days
        due_at = due_at or deadlines.minutes_due_at(meeting.ends_at, meeting.meeting_form.minutes_due_days)
        digest.missing_minutes.append(
            MissingMinutes(meeting, meeting_title(meeting), days, deadlines.days_late(due_at, None, now)))
    late = session.execute(
        sa.select(Meeting, Minutes.due_at, Minutes.first_registered_at).join(Minutes, Minutes.meeting_id == Meeting.id)
        .where(Meeting.district_id == district.id, Minutes.first_registered_at > now - timedelta(weeks=1),
               Minutes.first_registered_at > Minutes.due_at)
        .options(selectinload(Meeting.meeting_form), selectinload(Meeting.school), selectinload(Meeting.group))
        .order_by(Meeting.starts_at, Meeting.id))
    for meeting, due_at, registered_at in late:
        digest.late_minutes.append(
            LateMinutes(meeting, meeting_title(meeting), deadlines.days_late(due_at, registered_at, now)))
    dead = (OutboxMessage.district_id == district.id, OutboxMessage.state == OutboxState.DEAD,
            sa.or_(OutboxMessage.last_error.is_(None), OutboxMessage.last_error != SUPERSEDED),
            OutboxMessage.created_at > now - timing.horizon)
    digest.dead_count = session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(*dead)) or 0
    digest.dead = list(session.scalars(sa.select(OutboxMessage).where(*dead)
                                       .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
                                       .limit(DEAD_LISTED)))
    return digest


def _message(digest: Digest, person: Person, key: str, week: int, mail: MailContext, now: datetime) -> Outgoing:
    language = compose.language_of(person.language)
    text, html = compose.render(MessageKind.DIGEST.value, language, recipient=person, digest=digest, week=week,
                                links=mail.links, timezone=mail.timezone)
    message = compose.compose(
        sender=mail.sender, to=Party(person.name, person.email),
        subject=SUBJECTS[language] % {"district": digest.district.name, "week": week},
        text=text, html=html, message_id=compose.new_message_id(mail.message_domain), date=now,
        headers={"Content-Language": language, **AUTOMATIC})
    return Outgoing(dedupe_key=key, kind=MessageKind.DIGEST, message=message, due_at=now, person_id=person.id,
                    district_id=digest.district.id)
