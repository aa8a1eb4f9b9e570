"""The mails about a meeting, ready for the outbox: each invitee's REQUEST or CANCEL in a message of their own.

Services take a `MailContext` of plain values (built from Settings by the web view, the CLI or
a job), so they stay free of Flask. `MeetingMail` builds once per meeting what its messages
share — the convener, the agenda, the event — and then one message per invitee, which is what
keeps publishing a district's term quick.

The ORGANIZER is the convener by name with the service's own address (`mail_from`), so the
calendars' REPLYs come back to the mailbox that is ingested; the convener's own address is the
message's Reply-To, so a typed answer reaches the person.

Each message carries the SEQUENCE of the recipient's own copy (`Invitation.next_sequence`) and
records it (`sent_sequence`): a removal, an invitation again or a delegation changes one
person's copy without changing the meeting, and still reaches their calendar.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from email.message import EmailMessage
from urllib.parse import urlsplit

from sqlalchemy.orm.attributes import set_committed_value

from coordinator.config import Settings
from coordinator.invitations.events import (
    Convener, agenda_of, attendees_of, calendar_event, convener_of, delegated_copy, delegators_of, organizer_of,
    stands_in_for,
)
from coordinator.invitations.ics import Party
from coordinator.invitations.tokens import RsvpLinks, make_token, rsvp_links
from coordinator.links import Links
from coordinator.org.models import Person
from coordinator.outbox import compose
from coordinator.outbox.models import MessageKind
from coordinator.outbox.queue import Later, Outgoing
from coordinator.planning.models import Answer, Invitation, Meeting

SENDER_NAME = "Samverkan skola–socialtjänst"
COMPOSE = "invitation"  # OutboxMessage.compose of a first invitation waiting for the sender (deferred.py)


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


# -- dedupe keys: one message per act, named by the SEQUENCE it carries to that person -----------------

KeyOf = Callable[[Meeting, Invitation, int], str]  # (meeting, invitation, the message's SEQUENCE) -> key


def invitation_key(meeting: Meeting, invitation: Invitation, sequence: int) -> str:
    return f"invitation:{meeting.uid}:{invitation.person_id}:{sequence}:{invitation.rsvp_key}"


def update_key(meeting: Meeting, invitation: Invitation, sequence: int) -> str:
    return f"update:{meeting.uid}:{invitation.person_id}:{sequence}:{invitation.rsvp_key}"


def delegation_key(meeting: Meeting, invitation: Invitation, sequence: int) -> str:
    """The delegator's own copy after they sent, changed or took back their deputy."""
    return f"delegation:{meeting.uid}:{invitation.person_id}:{sequence}"


def cancellation_key(meeting: Meeting, invitation: Invitation, sequence: int) -> str:
    return f"cancellation:{meeting.uid}:{invitation.person_id}:{sequence}"


def removal_key(meeting: Meeting, invitation: Invitation, sequence: int) -> str:
    """Taken before the removed invitation's rsvp_key is renewed."""
    return f"removal:{meeting.uid}:{invitation.person_id}:{sequence}:{invitation.rsvp_key}"


def resend_prefix(meeting: Meeting, invitation: Invitation) -> str:
    return f"resend:{meeting.uid}:{invitation.person_id}:{invitation.calendar_sequence}:"


class MeetingMail:
    """One meeting's messages; built once per meeting, asked for one message per invitee."""

    def __init__(self, meeting: Meeting, director: Person | None, mail: MailContext, now: datetime) -> None:
        self.meeting, self.mail, self.now = meeting, mail, now
        self.convener: Convener = convener_of(meeting, director)
        self.agenda = agenda_of(meeting) or None
        self.event = calendar_event(meeting, organizer_of(self.convener, mail.sender.email))
        self._subjects: dict[str, str] = {}

    def request(self, invitation: Invitation, *, kind: MessageKind, key: KeyOf, same_version: bool = False,
                is_update: bool | None = None) -> Outgoing:
        """The invitee's METHOD:REQUEST: a change to their copy (a newer SEQUENCE), or (`same_version`) the
        version they have — a first invitation, or the same again.

        Someone who sent a deputy gets their own copy as a delegator: free time, naming the deputy.
        `is_update` (default: an UPDATE) makes the mail say the meeting changed.
        """
        sequence = invitation.calendar_sequence if same_version else invitation.next_sequence
        is_update = kind is MessageKind.UPDATE if is_update is None else is_update
        message = self.request_message(invitation, sequence=sequence, is_update=is_update,
                                       message_id=compose.new_message_id(self.mail.message_domain))
        invitation.sent_sequence = sequence
        return self._outgoing(invitation, kind, key(self.meeting, invitation, sequence), message)

    def first_invitation_later(self, invitation: Invitation, *, key: KeyOf) -> Outgoing:
        """The invitee's first REQUEST queued to be composed by the sender (`deferred.COMPOSE`): its SEQUENCE,
        Message-ID, recipient and subject fixed now — publishing a city's term writes rows, not 1,900 mails."""

        sequence, person, language = invitation.calendar_sequence, invitation.person, invitation.person.language.value
        if language not in self._subjects:  # one per meeting and language, not per invitee
            self._subjects[language] = compose.invitation_subject(self.event, language, self.mail.timezone)
        later = Later(compose=COMPOSE, message_id=compose.new_message_id(self.mail.message_domain),
                      recipient=compose.recipient_header(Party(person.name, person.email)),
                      subject=self._subjects[language], sequence=sequence)
        # recorded without the unit of work: queue_invitations writes them in one statement (publishing a city)
        set_committed_value(invitation, "sent_sequence", sequence)
        return self._outgoing(invitation, MessageKind.INVITATION, key(self.meeting, invitation, sequence), later)

    def request_message(self, invitation: Invitation, *, sequence: int, is_update: bool,
                        message_id: str) -> EmailMessage:
        """The REQUEST carrying `sequence` to the invitee, as `request` queues it (or the sender composes it)."""
        language = invitation.person.language.value
        event = replace(self.event, sequence=sequence, attendees=attendees_of(invitation, self.convener, sequence))
        deputy = invitation.delegated_to if invitation.answer is Answer.DELEGATED else None
        common = {**self._common(invitation), "message_id": message_id}
        if deputy is not None:
            return compose.delegation_message(delegated_copy(event, deputy, language), **common,
                                              title=event.summary, deputy=deputy.name, is_update=is_update)
        return compose.invitation_message(event, **common, is_update=is_update,
                                          stands_in_for=stands_in_for(invitation, language))

    def taken_back(self, invitation: Invitation, *, key: KeyOf) -> Outgoing:
        """The REQUEST to someone who took the meeting back from their deputy: theirs again, with their answer."""
        sequence = invitation.next_sequence
        event = replace(self.event, sequence=sequence, attendees=attendees_of(invitation, self.convener, sequence))
        message = compose.delegation_message(event, **self._common(invitation), title=event.summary, deputy=None,
                                             answer=invitation.answer.value)
        invitation.sent_sequence = sequence
        return self._outgoing(invitation, MessageKind.UPDATE, key(self.meeting, invitation, sequence), message)

    def cancellation(self, invitation: Invitation, *, removed: bool, key: KeyOf, released: bool = False) -> Outgoing:
        """The invitee's METHOD:CANCEL: the meeting is off, or (`removed`) they are no longer invited — a
        deputy (`released`) because whoever sent them took the meeting back or sent someone else."""
        sequence = invitation.next_sequence
        person, language = invitation.person, invitation.person.language.value
        event = replace(self.event, sequence=sequence, attendees=attendees_of(invitation, self.convener, sequence),
                        cancelled=True)
        chain = delegators_of(invitation) if released else []
        first = chain[-1].person.name if chain else None
        message = compose.cancellation_message(
            event, Party(person.name, person.email), language=language, sender=self.mail.sender,
            message_id=compose.new_message_id(self.mail.message_domain), dtstamp=self.now,
            timezone=self.mail.timezone, reply_to=self.convener.reply_to, removed=removed, released_from=first)
        invitation.sent_sequence = sequence
        return self._outgoing(invitation, MessageKind.CANCELLATION, key(self.meeting, invitation, sequence), message)

    def _common(self, invitation: Invitation) -> dict[str, object]:
        """What every REQUEST to the invitee is composed with."""
        person = invitation.person
        return {"recipient": Party(person.name, person.email), "language": person.language.value,
                "sender": self.mail.sender, "message_id": compose.new_message_id(self.mail.message_domain),
                "dtstamp": self.now, "timezone": self.mail.timezone, "agenda": self.agenda,
                "rsvp": self.mail.rsvp_links(invitation), "reply_to": self.convener.reply_to}

    def _outgoing(self, invitation: Invitation, kind: MessageKind, dedupe_key: str,
                  message: EmailMessage | Later) -> Outgoing:
        return Outgoing(dedupe_key=dedupe_key, kind=kind, message=message, due_at=self.now,
                        meeting_id=self.meeting.id, person_id=invitation.person_id,
                        district_id=self.meeting.district_id)
