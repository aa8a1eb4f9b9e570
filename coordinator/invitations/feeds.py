"""Subscription feeds: a person's meetings, or a district's, at a secret `webcal://` address.

The token is shown once, when it is made; only its SHA-256 is stored, so a stolen database
does not hand out anyone's calendar. Making a new link revokes the owner's old one.

A feed holds the published meetings, scheduled and cancelled (never drafts), of terms not yet over,
with the same ORGANIZER as the invitations' mail. In a person's own feed a meeting they sent their
deputy to is free time, titled with the deputy's name, as in the copy their mail calendar got.

Calendars poll a feed hourly, so an unchanged one must be cheap: `feed_version` answers, in one
query after the token's, whether anything it shows can have changed — the counters of changes of the
districts concerned (every change a feed shows is audited: meetings, their invitees and deputies,
terms, people's, schools' and forms' names; the audit trail counts them per district as they commit,
`audit.FeedChanges`), the terms that have ended, the settings — and its ETag and Last-Modified come
from that, so a 304 is answered without building the feed. Answers are not counted: a feed shows none. The content is derived from the data, never from the clock
(DTSTAMP is the latest publishing or cancelling among its meetings), so the same data gives the
same bytes. FEED_FORMAT is part of the ETag: raise it when the feed's content changes shape, so
calendars holding the old one fetch the new.
"""
from __future__ import annotations

import hashlib
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from coordinator import audit
from coordinator.audit import TERMS, FeedChanges
from coordinator.invitations import ics
from coordinator.invitations.events import (
    agenda_of, calendar_event, convener_of, delegated_copy, delegated_line, district_directors, load_meetings,
    organizer_of,
)
from coordinator.invitations.ics import CalendarEvent
from coordinator.invitations.models import FeedToken
from coordinator.org.models import District, Person, School, Unit
from coordinator.planning.models import Answer, Invitation, Meeting, MeetingStatus, forum_meeting
from coordinator.terms.models import Term

# published: scheduled, or cancelled after publishing (a draft cancelled before was never in a calendar)
PUBLISHED = sa.or_(Meeting.status == MeetingStatus.SCHEDULED,
                   sa.and_(Meeting.status == MeetingStatus.CANCELLED, Meeting.published_at.is_not(None)))
FEED_NAME = "Samverkan – %(owner)s"
FEED_FORMAT = "2"  # raise when the content changes shape (2: delegated meetings free, ORGANIZER as in the mail)


class FeedTokenRow(NamedTuple):
    """Of a feed's token, what its version and its content need."""
    id: int
    person_id: int | None
    district_id: int | None
    created_at: datetime


@dataclass(frozen=True)
class FeedVersion:
    """Which version of a feed its data give, known without building it."""
    token: FeedTokenRow
    etag: str
    last_modified: datetime


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# -- tokens ---------------------------------------------------------------------------------------

def create_feed(session: Session, owner: Person | District, *, actor: str, now: datetime) -> str:
    """A new secret link for the owner's feed (the old one stops working); the token, shown only now."""
    revoke_feeds(session, owner, actor=actor, now=now)
    token = secrets.token_urlsafe(32)
    row = FeedToken(token_hash=hash_token(token), created_at=now, created_by=actor, **_owner(owner))
    session.add(row)
    session.flush()
    audit.record(session, at=now, actor=actor, action="feed.created", entity=row, district_id=_district_id(owner),
                 after=_owner(owner))
    return token


def revoke_feeds(session: Session, owner: Person | District, *, actor: str, now: datetime) -> int:
    """Stop the owner's links; how many were still working."""
    rows = list(session.scalars(sa.select(FeedToken).where(
        *_owned_by(owner), FeedToken.revoked_at.is_(None))))
    for row in rows:
        row.revoked_at = now
        audit.record(session, at=now, actor=actor, action="feed.revoked", entity=row,
                     district_id=_district_id(owner), after=_owner(owner))
    session.flush()
    return len(rows)


def active_feed(session: Session, owner: Person | District) -> FeedToken | None:
    return session.scalars(sa.select(FeedToken).where(*_owned_by(owner), FeedToken.revoked_at.is_(None))
                           .order_by(FeedToken.created_at.desc(), FeedToken.id.desc()).limit(1)).first()


def _owner(owner: Person | District) -> dict[str, int]:
    return {"person_id": owner.id} if isinstance(owner, Person) else {"district_id": owner.id}


def _owned_by(owner: Person | District) -> tuple[sa.ColumnElement[bool], ...]:
    if isinstance(owner, Person):
        return (FeedToken.person_id == owner.id,)
    return (FeedToken.district_id == owner.id,)


def _district_id(owner: Person | District) -> int | None:
    return owner.id if isinstance(owner, District) else owner.district_id


# -- the feed -------------------------------------------------------------------------------------

def feed_version(session: Session, token: str, *, sender_email: str, timezone: str,
                 now: datetime) -> FeedVersion | None:
    """The version of the feed a token opens (one query, whatever the feed's size and the years kept); None
    for an unknown or revoked token.

    Its ETag changes with any change a feed shows that commits in the districts the feed draws on (for a
    person, those of their meetings and their own) or to the terms (a municipality's, audited without a
    district), with any term's end, and with the settings written into it. Those changes are counted per
    district as they commit (`audit.FeedChanges`), so the version is the token with a few counters' rows,
    read in one statement built once (`_VERSION`): a calendar's hourly poll costs its execution only.
    """
    rows = session.connection().execute(_VERSION, {"token_hash": hash_token(token),
                                                   "today": _today(now, timezone)}).all()
    if not rows:
        return None
    first = rows[0]
    row, ended = FeedTokenRow(first.id, first.person_id, first.district_id, first.created_at), first.ended
    counters = [(r.scope, r.count, r.last_at) for r in rows if r.scope is not None]
    changes = ",".join(f"{scope}:{count}" for scope, count, _ in counters)
    stamp = f"{FEED_FORMAT}|{row.id}|{changes}|{ended}|{timezone}|{sender_email}"
    moments = [row.created_at, *(at for *_, at in counters), _day_after(ended, timezone) if ended is not None else None]
    last_modified = max(m for m in moments if m is not None)
    return FeedVersion(row, hashlib.sha256(stamp.encode()).hexdigest()[:32], last_modified.replace(microsecond=0))


def _version_statement() -> sa.Select[Any]:
    """`feed_version`'s one statement, on the tables (no ORM entities to load): the token, the newest term's end
    that has passed, and a row per counter of the districts the feed draws on (none yet: one row, no counter)."""
    token, term, changes = FeedToken.__table__.c, Term.__table__.c, FeedChanges.__table__.c
    meeting, invitation = Meeting.__table__.c, Invitation.__table__.c
    person, school, unit = Person.__table__.c, School.__table__.c, Unit.__table__.c
    # the last day of the newest term that has ended: its end changes what every feed holds
    ended = sa.select(sa.func.max(term.ends_on)).where(term.ends_on < sa.bindparam("today")).scalar_subquery()
    # a person's feed draws on the districts of the meetings they are (or were) invited to, and their own
    invited_in = (sa.select(meeting.district_id).join(Invitation.__table__, invitation.meeting_id == meeting.id)
                  .where(invitation.person_id == token.person_id).correlate(FeedToken.__table__))
    own = (sa.select(sa.func.coalesce(person.district_id, school.district_id, unit.district_id))
           .select_from(Person.__table__)
           .outerjoin(School.__table__, person.school_id == school.id).outerjoin(Unit.__table__, person.unit_id == unit.id)
           .where(person.id == token.person_id).correlate(FeedToken.__table__).scalar_subquery())
    drawn_on = sa.or_(changes.scope == TERMS, changes.scope == token.district_id, changes.scope == own,
                      changes.scope.in_(invited_in))
    return (sa.select(token.id, token.person_id, token.district_id, token.created_at, ended.label("ended"),
                      changes.scope, changes.count, changes.last_at)
            .select_from(FeedToken.__table__).outerjoin(FeedChanges.__table__, drawn_on)
            .where(token.token_hash == sa.bindparam("token_hash"), token.revoked_at.is_(None))
            .order_by(changes.scope))


_VERSION = _version_statement()


class FeedBodies:
    """Built feeds by their ETag, the newest `limit` bytes of them, per process: a calendar that asks without
    If-None-Match (or a second device, or a new subscriber to a district feed) gets the body built for the
    same version, not a second build. The ETag names the token and every change the feed shows (see
    `feed_version`), so a body is right for as long as its ETag is: nothing expires but the oldest."""

    def __init__(self, limit: int = 16 * 1024 * 1024) -> None:
        self.limit, self.size = limit, 0
        self._bodies: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, etag: str) -> bytes | None:
        with self._lock:
            body = self._bodies.get(etag)
            if body is not None:
                self._bodies.move_to_end(etag)
            return body

    def put(self, etag: str, body: bytes) -> None:
        if len(body) > self.limit:
            return
        with self._lock:
            if etag not in self._bodies:
                self._bodies[etag] = body
                self.size += len(body)
            while self.size > self.limit:
                self.size -= len(self._bodies.popitem(last=False)[1])


def feed_content(session: Session, version: FeedVersion, *, sender_email: str, timezone: str,
                 now: datetime) -> bytes:
    """The feed itself: the calendar of its meetings."""
    row = version.token
    current = (PUBLISHED, Term.ends_on >= _today(now, timezone))
    owner: Person | None = None
    if row.person_id is not None:
        owner = session.get_one(Person, row.person_id)
        owner_name = owner.name
        ids = session.scalars(
            sa.select(Meeting.id).join(Invitation, Invitation.meeting_id == Meeting.id)
            .join(Term, Meeting.term_id == Term.id)
            .where(Invitation.person_id == row.person_id, Invitation.removed_at.is_(None), *current))
    else:
        owner_name = session.get_one(District, row.district_id).name
        ids = session.scalars(sa.select(Meeting.id).join(Term, Meeting.term_id == Term.id)
                              .where(Meeting.district_id == row.district_id, forum_meeting(), *current))
    # a feed shows no attendees: of the invitations only the convener's and the owner's own are read
    meetings = load_meetings(session, ids, conveners_and=owner.id if owner is not None else -1)
    directors = district_directors(session, [m.district_id for m in meetings])
    events = []
    for meeting in meetings:
        convener = convener_of(meeting, directors.get(meeting.district_id))
        event = calendar_event(meeting, organizer_of(convener, sender_email), cancelled=meeting.is_cancelled,
                               description=agenda_of(meeting))
        events.append(_as_owner_sees(event, meeting, owner))
    dtstamp = max((_stamp(m) for m in meetings), default=row.created_at)
    return ics.feed(events, name=FEED_NAME % {"owner": owner_name}, dtstamp=dtstamp, timezone=timezone)


def _as_owner_sees(event: CalendarEvent, meeting: Meeting, owner: Person | None) -> CalendarEvent:
    """In a person's own feed, a meeting they sent their deputy to is their delegated copy: free time."""
    if owner is None:
        return event
    mine = next((i for i in meeting.invitations if i.person_id == owner.id), None)
    if mine is None or mine.answer is not Answer.DELEGATED or mine.delegated_to is None:
        return event
    language = owner.language.value
    line = delegated_line(mine.delegated_to, language)
    copy = delegated_copy(event, mine.delegated_to, language)
    return replace(copy, description=f"{line}\n\n{copy.description}" if copy.description else line)


def _today(now: datetime, timezone: str) -> date:
    return now.astimezone(ZoneInfo(timezone)).date()


def _day_after(day: date, timezone: str) -> datetime:
    """The moment a term ending on `day` left the feeds: the next local midnight."""
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=ZoneInfo(timezone))


def _stamp(meeting: Meeting) -> datetime:
    return max(d for d in (meeting.created_at, meeting.published_at, meeting.cancelled_at) if d is not None)
