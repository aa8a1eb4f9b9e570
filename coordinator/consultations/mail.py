"""The mails of a consultation: each side's calendar invitation, the CANCEL to both, the pre-meeting reminder.

Built from the invitations' pieces — the iCalendar builder (`ics.request`, `ics.cancel`, with the
hand-written Stockholm VTIMEZONE), the message composer and the outbox's `enqueue` — with texts of
their own (templates/emails/consultation_*.txt and .html): the booker's mail carries the
link that cancels the booking, the officers' mail the booker, the school and the matter.

Each recipient gets their own message with only themselves as ATTENDEE. The ORGANIZER is the first
officer by name at the service's address, as for any meeting (docs/decisions.md §17); the Reply-To of
the booker's mail is that officer, of the officers' mail the booker, so a typed answer reaches a person.
Subjects never name the booker: their name and email are erased later, from the stored mail too.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from zoneinfo import ZoneInfo

from coordinator.consultations.models import ConsultationBooking
from coordinator.consultations.tokens import cancel_token
from coordinator.invitations import ics
from coordinator.invitations.ics import Attendee, CalendarEvent, Party
from coordinator.invitations.messages import MailContext
from coordinator.org.models import Person
from coordinator.outbox import compose
from coordinator.outbox.models import MessageKind
from coordinator.outbox.queue import Outgoing
from coordinator.reminders.messages import AUTOMATIC

SUMMARIES = {"sv": "Konsultation (%(school)s)", "en": "Consultation (%(school)s)"}
SUBJECTS = {
    "sv": {"booked": "Konsultation bokad: %(summary)s %(when)s", "cancelled": "Avbokad: %(summary)s %(when)s",
           "reminder": "Påminnelse: %(summary)s %(when)s"},
    "en": {"booked": "Consultation booked: %(summary)s %(when)s", "cancelled": "Cancelled: %(summary)s %(when)s",
           "reminder": "Reminder: %(summary)s %(when)s"},
}
BOOKER = "booker"


def cancel_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/consultations/cancel/{token}"


def day_url(base_url: str, district_code: str, day: date) -> str:
    return f"{base_url.rstrip('/')}/districts/{district_code}/consultations?day={day.isoformat()}"


def dedupe_prefix(booking: ConsultationBooking) -> str:
    """What every outbox row of the booking's mail begins its dedupe key with (erasure finds them by it)."""
    return f"consultation:{booking.uid}:"


@dataclass(frozen=True)
class Recipient:
    key: str                 # "booker", or the officer's person id
    party: Party
    language: str
    person_id: int | None    # an officer's; the booker has no Person row

    @property
    def is_officer(self) -> bool:
        return self.key != BOOKER


class ConsultationMail:
    """The messages of one booking, for its booker and its hours' officers."""

    def __init__(self, booking: ConsultationBooking, mail: MailContext, now: datetime) -> None:
        self.booking, self.mail, self.now = booking, mail, now
        self.officers: list[Person] = list(booking.hours.officers)
        first = self.officers[0]
        self.organizer = Party(first.name, mail.sender.email)
        self.intake = Party(first.name, first.email)

    def recipients(self) -> list[Recipient]:
        """The booker (until erased) and every active officer of the hours."""
        found = []
        if self.booking.booker_email:
            found.append(Recipient(BOOKER, Party(self.booking.booker_name or "", self.booking.booker_email),
                                   compose.language_of(self.booking.language), None))
        found += [Recipient(str(p.id), Party(p.name, p.email), compose.language_of(p.language), p.id)
                  for p in self.officers if p.is_active]
        return found

    def request(self, recipient: Recipient) -> Outgoing:
        """The invitation, METHOD:REQUEST, as the booking was made."""
        event = self._event(recipient)
        text, html = self._render("consultation_booked", recipient, event)
        message = self._compose(recipient, "booked", event, text, html,
                                calendar=ics.request(event, dtstamp=self.now, timezone=self.mail.timezone))
        return self._outgoing(recipient, MessageKind.INVITATION, "request", message, due_at=self.now)

    def cancellation(self, recipient: Recipient) -> Outgoing:
        """METHOD:CANCEL with the raised SEQUENCE, to each side whoever cancelled."""
        event = self._event(recipient, cancelled=True)
        text, html = self._render("consultation_cancelled", recipient, event)
        message = self._compose(recipient, "cancelled", event, text, html,
                                calendar=ics.cancel(event, dtstamp=self.now, timezone=self.mail.timezone))
        return self._outgoing(recipient, MessageKind.CANCELLATION, "cancel", message, due_at=self.now)

    def reminder(self, recipient: Recipient, hours: int) -> Outgoing:
        """The pre-meeting reminder, due `hours` before the start and worth nothing after it (it expires)."""
        event = self._event(recipient)
        text, html = self._render("consultation_reminder", recipient, event)
        message = self._compose(recipient, "reminder", event, text, html, headers=AUTOMATIC)
        return self._outgoing(recipient, MessageKind.CONSULTATION_REMINDER, "reminder", message,
                              due_at=self.booking.starts_at - timedelta(hours=hours),
                              expires_at=self.booking.starts_at)

    # -- the pieces ---------------------------------------------------------------------------------

    def _event(self, recipient: Recipient, *, cancelled: bool = False) -> CalendarEvent:
        booking, hours = self.booking, self.booking.hours
        # both sides chose the time (one booked it, the other published it): nobody is asked to answer
        attendee = Attendee(recipient.party.name, recipient.party.email,
                            role="CHAIR" if recipient.is_officer else "REQ-PARTICIPANT", partstat="ACCEPTED", rsvp=False)
        event = CalendarEvent(
            uid=booking.uid, sequence=booking.sequence, starts_at=booking.starts_at, ends_at=booking.ends_at,
            summary=SUMMARIES[recipient.language] % {"school": booking.school.name}, organizer=self.organizer,
            attendees=(attendee,), location=hours.place, video_url=hours.video_url, cancelled=cancelled,
        )
        description, _ = compose.render("consultation_description", recipient.language,
                                        **self._context(recipient, event))
        return replace(event, description=description.strip())

    def _context(self, recipient: Recipient, event: CalendarEvent) -> dict[str, object]:
        booking = self.booking
        links = {}
        if recipient.is_officer:
            local_day = booking.starts_at.astimezone(ZoneInfo(self.mail.timezone)).date()
            links["day_url"] = day_url(self.mail.base_url, booking.district.code, local_day)
        else:
            token = cancel_token(self.mail.secret_key, booking.id, booking.cancel_key)
            links["cancel_url"] = cancel_url(self.mail.base_url, token)
        return {"event": event, "recipient": recipient.party, "is_officer": recipient.is_officer,
                "booking": booking, "school": booking.school.name, "district": booking.district.name,
                "officers": [p.name for p in self.officers], "intake": self.intake,
                "timezone": self.mail.timezone, **links}

    def _render(self, name: str, recipient: Recipient, event: CalendarEvent) -> tuple[str, str | None]:
        return compose.render(name, recipient.language, **self._context(recipient, event))

    def _compose(self, recipient: Recipient, kind: str, event: CalendarEvent, text: str, html: str | None, *,
                 calendar: bytes | None = None, headers: dict[str, str] | None = None) -> EmailMessage:
        booking = self.booking
        reply_to: Party | None = self.intake
        if recipient.is_officer:
            reply_to = Party(booking.booker_name or "", booking.booker_email) if booking.booker_email else None
        subject = SUBJECTS[recipient.language][kind] % {
            "summary": event.summary, "when": compose.format_local(booking.starts_at, recipient.language,
                                                                   self.mail.timezone)}
        return compose.compose(
            sender=self.mail.sender, to=recipient.party, subject=subject, text=text, html=html,
            message_id=compose.new_message_id(self.mail.message_domain), reply_to=reply_to, calendar=calendar,
            date=self.now, headers={"Content-Language": recipient.language, **(headers or {})})

    def _outgoing(self, recipient: Recipient, kind: MessageKind, step: str, message: EmailMessage, *,
                  due_at: datetime, expires_at: datetime | None = None) -> Outgoing:
        booking = self.booking
        return Outgoing(dedupe_key=f"{dedupe_prefix(booking)}{recipient.key}:{booking.sequence}:{step}",
                        kind=kind, message=message, due_at=due_at, person_id=recipient.person_id,
                        district_id=booking.district_id, expires_at=expires_at)
