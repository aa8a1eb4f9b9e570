"""Subscription feeds: a person's meetings, or a district's, at a secret `webcal://` address.

The token is shown once, when it is made; only its SHA-256 is stored, so a stolen database
does not hand out anyone's calendar. Making a new link revokes the owner's old one.

A feed holds the published meetings, scheduled and cancelled (never drafts), of terms not yet over. Its
ETag is the hash of its content, so an unchanged feed answers 304. DTSTAMP and Last-Modified
are derived from the data, never from the clock, so the same data gives the same bytes:
DTSTAMP is the latest publishing or cancelling among its meetings, Last-Modified the latest
audited change to a meeting or a term of the districts concerned (audit events are written with
every such change, so it never claims an older time than the content has).
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from coordinator import audit
from coordinator.audit import AuditEvent
from coordinator.invitations import ics
from coordinator.invitations.events import (
    agenda_of, calendar_event, convener_of, district_directors, load_meetings,
)
from coordinator.invitations.ics import Party
from coordinator.invitations.models import FeedToken
from coordinator.org.models import District, Person
from coordinator.planning.models import Invitation, Meeting, MeetingStatus, forum_meeting
from coordinator.terms.models import Term

# published: scheduled, or cancelled after publishing (a draft cancelled before was never in a calendar)
PUBLISHED = sa.or_(Meeting.status == MeetingStatus.SCHEDULED,
                   sa.and_(Meeting.status == MeetingStatus.CANCELLED, Meeting.published_at.is_not(None)))
FEED_NAME = "Samverkan – %(owner)s"


@dataclass(frozen=True)
class Feed:
    content: bytes
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

def feed_for_token(session: Session, token: str, *, sender_email: str, timezone: str,
                   now: datetime) -> Feed | None:
    """The feed a token opens; None for an unknown or revoked token."""
    row = session.scalars(sa.select(FeedToken).where(FeedToken.token_hash == hash_token(token),
                                                     FeedToken.revoked_at.is_(None))).one_or_none()
    if row is None:
        return None
    today = now.astimezone(ZoneInfo(timezone)).date()
    current = (PUBLISHED, Term.ends_on >= today)
    if row.person_id is not None:
        owner_name = session.get_one(Person, row.person_id).name
        ids = session.scalars(
            sa.select(Meeting.id).join(Invitation, Invitation.meeting_id == Meeting.id)
            .join(Term, Meeting.term_id == Term.id)
            .where(Invitation.person_id == row.person_id, Invitation.removed_at.is_(None), *current))
    else:
        owner_name = session.get_one(District, row.district_id).name
        ids = session.scalars(sa.select(Meeting.id).join(Term, Meeting.term_id == Term.id)
                              .where(Meeting.district_id == row.district_id, forum_meeting(), *current))
    meetings = load_meetings(session, ids)
    directors = district_directors(session, [m.district_id for m in meetings])
    events = []
    for meeting in meetings:
        convener = convener_of(meeting, directors.get(meeting.district_id))
        organizer = Party(convener.name, convener.person.email if convener.person else sender_email)
        events.append(calendar_event(meeting, organizer, cancelled=meeting.is_cancelled,
                                     description=agenda_of(meeting)))
    dtstamp = max((_stamp(m) for m in meetings), default=row.created_at)
    content = ics.feed(events, name=FEED_NAME % {"owner": owner_name}, dtstamp=dtstamp, timezone=timezone)
    district_ids = {m.district_id for m in meetings if m.district_id is not None} | (
        {row.district_id} if row.district_id is not None else set())
    changed = _last_change(session, district_ids)
    last_modified = max(d for d in (dtstamp, changed, row.created_at) if d is not None)
    return Feed(content, hashlib.sha256(content).hexdigest()[:32], last_modified.replace(microsecond=0))


def _stamp(meeting: Meeting) -> datetime:
    return max(d for d in (meeting.created_at, meeting.published_at, meeting.cancelled_at) if d is not None)


def _last_change(session: Session, district_ids: set[int]) -> datetime | None:
    if not district_ids:
        return None
    return session.scalar(sa.select(sa.func.max(AuditEvent.at)).where(
        AuditEvent.district_id.in_(sorted(district_ids)), AuditEvent.entity_type.in_(("Meeting", "Term"))))
