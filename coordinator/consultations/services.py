"""Booking consultation hours: opening a school's link, the free slots, booking, cancelling, the officer's days.

Plain Python over a session with `now`, the time zone and a `MailContext` passed in. A booking and
its mail (each side's invitation, the reminders) are written in the caller's transaction, so they
commit together or not at all. Broken rules raise `DomainError` (Swedish) before anything is
written; a slot someone else took first raises `SlotUnavailable`, after the database refused the
second booking by its unique index (the only arbiter that holds when two press at once).
"""
from __future__ import annotations

import enum
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from coordinator import audit
from coordinator.agreements.defaults import default_form
from coordinator.agreements.models import Agreement, AgreementVersion, FormKind, MeetingForm, VersionStatus
from coordinator.consultations.hours import spec_of
from coordinator.consultations.mail import ConsultationMail, dedupe_prefix
from coordinator.consultations.models import BookingLink, ConsultationBooking, ConsultationHours
from coordinator.consultations.slots import Slot, parse_key, slots
from coordinator.consultations.tokens import InvalidToken, new_key, read_booking_token, read_cancel_token
from coordinator.i18n import N_, DomainError
from coordinator.invitations.messages import MailContext
from coordinator.minutes.guard import Passage, check
from coordinator.org.models import District, Language
from coordinator.outbox.models import MessageKind, OutboxMessage, OutboxState
from coordinator.outbox.queue import enqueue
from coordinator.terms.calendar import DEFAULT_TIMEZONE, TermCalendar
from coordinator.terms.models import Term
from coordinator.terms.services import calendar_for

BOOKING_WEEKS = 6      # how far ahead the booking page offers slots
MATTER_LENGTH = 1000   # characters: the matter in general terms, not a case file
NEXT_SLOTS = 3         # free slots named when the chosen one is gone
WITHDRAWN = "superseded"  # as the reminder sweep marks a reminder no longer wanted


class LinkState(enum.Enum):
    OPEN = "open"
    TAMPERED = "tampered"    # not signed by us
    GONE = "gone"            # no such link or booking
    REVOKED = "revoked"      # the district revoked the link or issued a new one; the school was closed
    CANCELLED = "cancelled"  # a cancel link of a booking already cancelled
    PASSED = "passed"        # a cancel link of a consultation that has begun


@dataclass(frozen=True)
class OpenedLink:
    state: LinkState
    link: BookingLink | None = None
    booking: ConsultationBooking | None = None

    @property
    def is_open(self) -> bool:
        return self.state is LinkState.OPEN


class SlotUnavailable(DomainError):
    """The chosen slot cannot be booked: `reason` is "taken", "passed" or "unknown"."""

    MESSAGES = {
        "taken": N_("Någon hann boka %(when)s just före dig. Välj en annan tid; ingenting bokades."),
        "passed": N_("Tiden %(when)s har redan passerat. Välj en annan tid; ingenting bokades."),
        "unknown": N_("Den tiden finns inte bland konsultationstiderna. Välj en av de lediga tiderna; "
                      "ingenting bokades."),
    }

    def __init__(self, reason: str, when: str = "") -> None:
        super().__init__(self.MESSAGES[reason], when=when)
        self.reason = reason


# -- opening links (reads only: mail scanners open them) ---------------------------------------------

def open_booking_link(session: Session, secret_key: str, token: str) -> OpenedLink:
    """The booking link's state and, when it is ours, its row (with the school)."""
    try:
        link_id, key = read_booking_token(secret_key, token)
    except InvalidToken:
        return OpenedLink(LinkState.TAMPERED)
    link = session.get(BookingLink, link_id)
    if link is None:
        return OpenedLink(LinkState.GONE)
    if link.is_revoked or link.key != key or not link.school.is_active:
        return OpenedLink(LinkState.REVOKED, link)
    return OpenedLink(LinkState.OPEN, link)


def open_cancel_link(session: Session, secret_key: str, token: str, *, now: datetime) -> OpenedLink:
    """A booker's cancel link: its state and the booking."""
    try:
        booking_id, key = read_cancel_token(secret_key, token)
    except InvalidToken:
        return OpenedLink(LinkState.TAMPERED)
    booking = session.get(ConsultationBooking, booking_id)
    if booking is None or not secrets.compare_digest(booking.cancel_key, key):
        return OpenedLink(LinkState.GONE)
    if booking.is_cancelled:
        return OpenedLink(LinkState.CANCELLED, booking=booking)
    if booking.starts_at <= now:
        return OpenedLink(LinkState.PASSED, booking=booking)
    return OpenedLink(LinkState.OPEN, booking=booking)


# -- the free slots ----------------------------------------------------------------------------------

def free_slots(session: Session, district: District, *, now: datetime, timezone: str = DEFAULT_TIMEZONE,
               weeks: int = BOOKING_WEEKS) -> list[Slot]:
    """The district's slots from now to `weeks` ahead that have not begun and nobody has booked, in order."""
    today = _local_day(now, timezone)
    last = today + timedelta(weeks=weeks)
    open_hours = list(session.scalars(sa.select(ConsultationHours).where(
        ConsultationHours.district_id == district.id, ConsultationHours.closed_at.is_(None),
        ConsultationHours.ends_on >= today, ConsultationHours.starts_on <= last)))
    if not open_hours:
        return []
    calendars = _calendars(session, district, today, last)
    offered = [s for h in open_hours
               for s in slots(spec_of(h), calendars, today, last, hours_id=h.id, timezone=timezone)
               if s.starts_at > now]
    taken = {(hours_id, starts_at) for hours_id, starts_at in session.execute(
        sa.select(ConsultationBooking.hours_id, ConsultationBooking.starts_at).where(
            ConsultationBooking.hours_id.in_([h.id for h in open_hours]), ConsultationBooking.cancelled_at.is_(None),
            ConsultationBooking.starts_at > now))}
    return sorted((s for s in offered if (s.hours_id, s.starts_at) not in taken),
                  key=lambda s: (s.starts_at, s.hours_id))


def _calendars(session: Session, district: District, first: date, last: date) -> list[TermCalendar]:
    return [calendar_for(session, term) for term in _terms(session, district, first, last)]


def _terms(session: Session, district: District, first: date, last: date) -> list[Term]:
    return list(session.scalars(
        sa.select(Term).where(Term.municipality_id == district.municipality_id, Term.starts_on <= last,
                              Term.ends_on >= first).options(selectinload(Term.breaks)).order_by(Term.starts_on)))


def chosen_slot(session: Session, district: District, key: str, *, now: datetime,
                timezone: str = DEFAULT_TIMEZONE) -> tuple[ConsultationHours, Slot, Term]:
    """The slot a form names, checked to be one the district's open hours offer and not yet begun."""
    parsed = parse_key(key)
    hours = session.get(ConsultationHours, parsed[0]) if parsed is not None else None
    if parsed is None or hours is None or hours.district_id != district.id or hours.is_closed:
        raise SlotUnavailable("unknown")
    day = _local_day(parsed[1], timezone)
    terms = _terms(session, district, day, day)
    offered = slots(spec_of(hours), [calendar_for(session, t) for t in terms], day, day, hours_id=hours.id,
                    timezone=timezone)
    slot = next((s for s in offered if s.starts_at == parsed[1]), None)
    if slot is None or not terms:
        raise SlotUnavailable("unknown")
    if slot.starts_at <= now:
        raise SlotUnavailable("passed", shown(slot.starts_at, timezone))
    return hours, slot, terms[0]


# -- booking -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class BookingRequest:
    """What the booker typed: their name and email, the matter in general terms, the slot's key."""
    name: str
    email: str
    matter: str
    slot: str
    language: str = "sv"


def check_matter(matter: str, today: date) -> str:
    """The matter, stripped; DomainError when it is empty, too long or holds something like an identity number."""
    text = matter.strip()
    if not text:
        raise DomainError(N_("Beskriv kort vad du vill ta upp."))
    if len(text) > MATTER_LENGTH:
        raise DomainError(N_("Beskriv ärendet med högst %(max)d tecken."), max=MATTER_LENGTH)
    found = check([Passage(N_("Ärendet"), {}, text)], today)
    if not found.is_clean:
        # a booker cannot be asked to vouch for a look-alike: any number shaped as an identity number is refused
        numbers = ", ".join(f.masked for f in (*found.refused, *found.suspects))
        raise DomainError(N_("Ärendet får inte innehålla personnummer eller samordningsnummer (%(numbers)s). "
                             "Beskriv det utan namn och personnummer; ingenting bokades."), numbers=numbers)
    return text


def book(session: Session, link: BookingLink, request: BookingRequest, *, now: datetime, mail: MailContext,
         timezone: str = DEFAULT_TIMEZONE) -> ConsultationBooking:
    """Book a slot for the link's school: the booking, each side's invitation and the reminders, in one go."""
    school = link.school
    district = school.district
    name, email = request.name.strip(), request.email.strip().lower()
    if not name or not email:
        raise DomainError(N_("Skriv ditt namn och din e-postadress."))
    if not check([Passage(N_("Namnet"), {}, name)], _local_day(now, timezone)).is_clean:
        raise DomainError(N_("Skriv bara ditt eget namn, utan personnummer eller samordningsnummer; ingenting bokades."))
    matter = check_matter(request.matter, _local_day(now, timezone))
    hours, slot, term = chosen_slot(session, district, request.slot, now=now, timezone=timezone)
    booking = ConsultationBooking(
        uid=f"consultation-{secrets.token_hex(16)}@{mail.message_domain}", hours=hours, district_id=district.id,
        term_id=term.id, school=school, link_id=link.id, starts_at=slot.starts_at, ends_at=slot.ends_at,
        booker_name=name, booker_email=email, language=_language(request.language), matter=matter,
        cancel_key=new_key(), sequence=0, booked_at=now)
    session.add(booking)
    try:
        session.flush()  # first write of the transaction: on PostgreSQL it waits for a rival's commit, then fails
    except IntegrityError:
        session.rollback()
        if _is_taken(session, slot.hours_id, slot.starts_at):
            raise SlotUnavailable("taken", shown(slot.starts_at, timezone)) from None
        raise
    builder = ConsultationMail(booking, mail, now)
    recipients = builder.recipients()
    outgoing = [builder.request(r) for r in recipients]
    lead = reminder_hours(session, district)
    if lead is not None and booking.starts_at - timedelta(hours=lead) > now:  # else the invitation itself is fresh
        outgoing += [builder.reminder(r, lead) for r in recipients]
    enqueue(session, outgoing, now=now)
    audit.record(session, at=now, actor=f"booking-link:{link.id}", action="consultation.booked", entity=booking,
                 district_id=district.id, after={"school_id": school.id, "hours_id": hours.id,
                                                 "starts_at": booking.starts_at.isoformat()})
    return booking


def _is_taken(session: Session, hours_id: int, starts_at: datetime) -> bool:
    return session.scalar(sa.select(sa.func.count()).select_from(ConsultationBooking).where(
        ConsultationBooking.hours_id == hours_id, ConsultationBooking.starts_at == starts_at,
        ConsultationBooking.cancelled_at.is_(None))) > 0


def reminder_hours(session: Session, district: District) -> int | None:
    """Hours before a consultation its reminder is due: the district's consultation form's, as for any
    meeting; the default form's when the agreement has none; None when the form turns the reminder off."""
    form = session.scalars(
        sa.select(MeetingForm).join(AgreementVersion, MeetingForm.version_id == AgreementVersion.id)
        .join(Agreement, AgreementVersion.agreement_id == Agreement.id)
        .where(Agreement.district_id == district.id, AgreementVersion.status == VersionStatus.ACTIVE,
               MeetingForm.kind == FormKind.CONSULTATION)
        .order_by(Agreement.id, MeetingForm.position)).first()
    if form is None:
        return default_form(FormKind.CONSULTATION)["pre_meeting_reminder_hours"]
    return form.pre_meeting_reminder_hours


# -- cancelling --------------------------------------------------------------------------------------

def cancel(session: Session, booking: ConsultationBooking, *, by: str, actor: str, now: datetime,
           mail: MailContext) -> None:
    """Cancel a booking (`by` "booker" or the officer's login): the slot is free again, both sides get a
    CANCEL with the raised SEQUENCE, and the reminders still waiting are withdrawn."""
    if booking.is_cancelled:
        raise DomainError(N_("Konsultationen är redan avbokad."))
    if booking.starts_at <= now:
        raise DomainError(N_("Konsultationen har redan börjat och kan inte avbokas."))
    booking.cancelled_at, booking.cancelled_by = now, by
    booking.sequence += 1  # the CANCEL must outrank the REQUEST in the calendars
    session.flush()
    session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.dedupe_key.startswith(dedupe_prefix(booking), autoescape=True),
               OutboxMessage.kind == MessageKind.CONSULTATION_REMINDER,
               OutboxMessage.state.in_((OutboxState.PENDING, OutboxState.FAILED)))
        .values(state=OutboxState.DEAD, last_error=WITHDRAWN, claimed_at=None))
    builder = ConsultationMail(booking, mail, now)
    enqueue(session, [builder.cancellation(r) for r in builder.recipients()], now=now)
    audit.record(session, at=now, actor=actor, action="consultation.cancelled", entity=booking,
                 district_id=booking.district_id, after={"by": "booker" if by == "booker" else "officer",
                                                         "sequence": booking.sequence})


# -- the officer's day and week --------------------------------------------------------------------------

def bookings_between(session: Session, district: District, first_day: date, last_day: date, *,
                     timezone: str = DEFAULT_TIMEZONE) -> list[ConsultationBooking]:
    """The district's bookings (cancelled ones too) starting on the local days `first_day`–`last_day`, by time."""
    zone = ZoneInfo(timezone)
    start = datetime.combine(first_day, time(0), zone)
    end = datetime.combine(last_day + timedelta(days=1), time(0), zone)
    return list(session.scalars(
        sa.select(ConsultationBooking)
        .where(ConsultationBooking.district_id == district.id, ConsultationBooking.starts_at >= start,
               ConsultationBooking.starts_at < end)
        .options(selectinload(ConsultationBooking.school),
                 selectinload(ConsultationBooking.hours).selectinload(ConsultationHours.officers))
        .order_by(ConsultationBooking.starts_at, ConsultationBooking.id)))


def district_booking(session: Session, district: District, booking_id: int) -> ConsultationBooking:
    booking = session.get(ConsultationBooking, booking_id)
    if booking is None or booking.district_id != district.id:
        raise DomainError(N_("Bokningen finns inte i %(district)s."), district=district.name)
    return booking


def week_of(day: date) -> tuple[date, date]:
    """Monday and Friday of the day's ISO week."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=4)


# -- helpers -----------------------------------------------------------------------------------------

def shown(moment: datetime, timezone: str = DEFAULT_TIMEZONE) -> str:
    """A slot's start as messages name it, in the site's zone: "2027-09-14 13.00"."""
    return moment.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H.%M")


def _language(code: str) -> Language:
    """The booker's language: the page's, Swedish when it is none of ours."""
    return next((language for language in Language if language.value == code), Language.SV)


def _local_day(moment: datetime, timezone: str) -> date:
    return moment.astimezone(ZoneInfo(timezone)).date()
