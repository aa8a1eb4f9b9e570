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


def open_link(session: Session, secret_key: str, token: str, *, now: datetime) -> RsvpLink:
    """The link's state and its invitation (when it is ours); reads only."""
    try:
        signed = read_token(secret_key, token)
    except InvalidToken:
        return RsvpLink(LinkState.TAMPERED)
    # its meeting (with the form, school, group and district its title and convener need) and person in one
    # round trip: every answer page shows them
    meeting = joinedload(Invitation.meeting)
    invitation = session.get(Invitation, (signed.meeting_id, signed.person_id), options=[
        meeting.joinedload(Meeting.meeting_form), meeting.joinedload(Meeting.school),
        meeting.joinedload(Meeting.group), meeting.joinedload(Meeting.district), joinedload(Invitation.person)])
    if invitation is None or invitation.meeting.published_at is None:  # a draft, or cancelled before publishing
        return RsvpLink(LinkState.GONE)
    if invitation.rsvp_key != signed.rsvp_key:
        return RsvpLink(LinkState.REPLACED, invitation)
    if invitation.meeting.is_cancelled:
        return RsvpLink(LinkState.CANCELLED, invitation)
    if invitation.meeting.ends_at <= now:
        return RsvpLink(LinkState.ENDED, invitation)
    if invitation.answer is Answer.DELEGATED and invitation.meeting.starts_at <= now:
        return RsvpLink(LinkState.STARTED, invitation)
    return RsvpLink(LinkState.OPEN, invitation)
