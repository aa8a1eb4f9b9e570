"""What an RSVP link may do, decided before anything is shown or changed.

A link (`/rsvp/<token>`) is the signed invitation (meeting, person, rsvp_key). Opening it shows
the meeting and changes nothing; only the page's button records an answer, and only while the
link is still the invitation's current one, the meeting is published and not over.

Sending a deputy keeps the link: the same page then takes the meeting back or changes the
deputy, until the meeting starts; after that it says it is too late.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, joinedload

from coordinator.invitations.tokens import InvalidToken, read_token
from coordinator.planning.models import Answer, Invitation, Meeting


class LinkState(enum.Enum):
    OPEN = "open"            # the invitee may answer
    TAMPERED = "tampered"    # not signed by us
    GONE = "gone"            # no such invitation, or its meeting was never published
    REPLACED = "replaced"    # the invitation's rsvp_key was renewed: removed, sent a deputy, or invited again
    CANCELLED = "cancelled"  # the meeting is cancelled
    STARTED = "started"      # the invitee sent a deputy and the meeting has started: too late to change that
    ENDED = "ended"          # the meeting is over


@dataclass(frozen=True)
class RsvpLink:
    state: LinkState
    invitation: Invitation | None = None

    @property
    def meeting(self) -> Meeting | None:
        return self.invitation.meeting if self.invitation is not None else None

    @property
    def is_open(self) -> bool:
        return self.state is LinkState.OPEN

    @property
    def delegated(self) -> bool:
        """The invitee handed the meeting to a deputy (the reason their link was replaced)."""
        return self.invitation is not None and self.invitation.answer is Answer.DELEGATED

    @property
    def removed(self) -> bool:
        return self.invitation is not None and self.invitation.removed_at is not None


def open_link(session: Session, secret_key: str, token: str, *, now: datetime, for_answer: bool = False) -> RsvpLink:
    """The link's state and its invitation (when it is ours); reads only. `for_answer`: only what recording
    an answer needs (the invitation, its meeting and person); else also what the meeting's facts show."""
    try:
        signed = read_token(secret_key, token)
    except InvalidToken:
        return RsvpLink(LinkState.TAMPERED)
    # its meeting (with the form, school, group and district its title and convener need) and person in one
    # round trip
    meeting = joinedload(Invitation.meeting)
    shown = [] if for_answer else [meeting.joinedload(Meeting.meeting_form), meeting.joinedload(Meeting.school),
                                   meeting.joinedload(Meeting.group), meeting.joinedload(Meeting.district)]
    invitation = session.get(Invitation, (signed.meeting_id, signed.person_id),
                             options=[meeting, *shown, joinedload(Invitation.person)])
    if invitation is None:
        return RsvpLink(LinkState.GONE)
    meeting = invitation.meeting
    state = link_state(published=meeting.published_at is not None, current=invitation.rsvp_key == signed.rsvp_key,
                       cancelled=meeting.is_cancelled, starts_at=meeting.starts_at, ends_at=meeting.ends_at,
                       delegated=invitation.answer is Answer.DELEGATED, now=now)
    return RsvpLink(state, invitation if state is not LinkState.GONE else None)


def link_state(*, published: bool, current: bool, cancelled: bool, starts_at: datetime, ends_at: datetime,
               delegated: bool, now: datetime) -> LinkState:
    """The state of a link to an existing invitation (signed by us), from its meeting and invitation."""
    if not published:  # a draft, or cancelled before publishing
        return LinkState.GONE
    if not current:
        return LinkState.REPLACED
    if cancelled:
        return LinkState.CANCELLED
    if ends_at <= now:
        return LinkState.ENDED
    if delegated and starts_at <= now:
        return LinkState.STARTED
    return LinkState.OPEN
