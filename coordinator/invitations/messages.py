"""The mails about a meeting, ready for the outbox: each invitee's REQUEST or CANCEL in a message of their own.

Services take a `MailContext` of plain values (built from Settings by the web view, the CLI or
a job), so they stay free of Flask. `MeetingMail` builds once per meeting what its messages
share — the convener, the agenda, the event — and then one message per invitee, which is what
keeps publishing a district's term quick.

The ORGANIZER is the convener by name with the service's own address (`mail_from`), so the
calendars' REPLYs come back to the mailbox that is ingested; the convener's own address is the
message's Reply-To, so a typed answer reaches the person.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from email.message import EmailMessage
from urllib.parse import urlsplit

from coordinator.config import Settings
from coordinator.invitations.events import Convener, agenda_of, attendees_of, calendar_event, convener_of
from coordinator.invitations.ics import Party
from coordinator.invitations.tokens import RsvpLinks, make_token, rsvp_links
from coordinator.links import Links
from coordinator.org.models import Person
from coordinator.outbox import compose
from coordinator.outbox.models import MessageKind
from coordinator.outbox.queue import Outgoing
from coordinator.planning.models import Invitation, Meeting

SENDER_NAME = "Samverkan skola–socialtjänst"


@dataclass(frozen=True)
class MailContext:
    """What every mail needs from the settings: who sends, where links point, how they are signed."""
    sender: Party
    base_url: str
    secret_key: str
    timezone: str
    message_domain: str  # the right-hand side of Message-IDs: the site's host

    @classmethod
    def from_settings(cls, settings: Settings) -> MailContext:
        return cls(sender=Party(SENDER_NAME, settings.mail_from), base_url=settings.base_url,
                   secret_key=settings.secret_key, timezone=settings.timezone,
                   message_domain=urlsplit(settings.base_url).hostname or "localhost")

    @property
    def links(self) -> Links:
        return Links(self.base_url)

    def rsvp_links(self, invitation: Invitation) -> RsvpLinks:
        token = make_token(self.secret_key, invitation.meeting_id, invitation.person_id, invitation.rsvp_key)
        return rsvp_links(self.base_url, token)


# -- dedupe keys: one message per act; a renewed rsvp_key (re-added, delegated) makes a new act --------

def invitation_key(meeting: Meeting, invitation: Invitation) -> str:
    return f"invitation:{meeting.uid}:{invitation.person_id}:{meeting.sequence}:{invitation.rsvp_key}"


def update_key(meeting: Meeting, invitation: Invitation) -> str:
    return f"update:{meeting.uid}:{invitation.person_id}:{meeting.sequence}:{invitation.rsvp_key}"


def cancellation_key(meeting: Meeting, invitation: Invitation) -> str:
    return f"cancellation:{meeting.uid}:{invitation.person_id}:{meeting.sequence}"


def removal_key(meeting: Meeting, invitation: Invitation) -> str:
    """Taken before the removed invitation's rsvp_key is renewed."""
    return f"removal:{meeting.uid}:{invitation.person_id}:{meeting.sequence}:{invitation.rsvp_key}"


def resend_prefix(meeting: Meeting, person_id: int) -> str:
    return f"resend:{meeting.uid}:{person_id}:{meeting.sequence}:"


class MeetingMail:
    """One meeting's messages; built once per meeting, asked for one message per invitee."""

    def __init__(self, meeting: Meeting, director: Person | None, mail: MailContext, now: datetime) -> None:
        self.meeting, self.mail, self.now = meeting, mail, now
        self.convener: Convener = convener_of(meeting, director)
        self.agenda = agenda_of(meeting) or None
        self.event = calendar_event(meeting, Party(self.convener.name, mail.sender.email))

    def request(self, invitation: Invitation, *, kind: MessageKind, dedupe_key: str) -> Outgoing:
        """The invitee's METHOD:REQUEST: the first invitation, an update, or the same again."""
        person = invitation.person
        event = replace(self.event, attendees=attendees_of(invitation, self.convener))
        message = compose.invitation_message(
            event, Party(person.name, person.email), language=person.language.value, sender=self.mail.sender,
            message_id=compose.new_message_id(self.mail.message_domain), dtstamp=self.now,
            timezone=self.mail.timezone, agenda=self.agenda, rsvp=self.mail.rsvp_links(invitation),
            reply_to=self.convener.reply_to, is_update=kind is MessageKind.UPDATE)
        return self._outgoing(invitation, kind, dedupe_key, message)

    def cancellation(self, invitation: Invitation, *, removed: bool, dedupe_key: str) -> Outgoing:
        """The invitee's METHOD:CANCEL: the meeting is off, or (`removed`) they are no longer invited."""
        person = invitation.person
        event = replace(self.event, attendees=attendees_of(invitation, self.convener), cancelled=True)
        message = compose.cancellation_message(
            event, Party(person.name, person.email), language=person.language.value, sender=self.mail.sender,
            message_id=compose.new_message_id(self.mail.message_domain), dtstamp=self.now,
            timezone=self.mail.timezone, reply_to=self.convener.reply_to, removed=removed)
        return self._outgoing(invitation, MessageKind.CANCELLATION, dedupe_key, message)

    def _outgoing(self, invitation: Invitation, kind: MessageKind, dedupe_key: str,
                  message: EmailMessage) -> Outgoing:
        return Outgoing(dedupe_key=dedupe_key, kind=kind, message=message, due_at=self.now,
                        meeting_id=self.meeting.id, person_id=invitation.person_id,
                        district_id=self.meeting.district_id)
