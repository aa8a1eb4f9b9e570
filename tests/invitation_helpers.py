"""Shared by the invitation tests: the demo's Norrviken HT2027 published with mail, delivery to the real
SMTP server, and reading what arrived with both calendar parsers."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from email.message import EmailMessage

import icalendar
import sqlalchemy as sa
import vobject
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from coordinator.agreements.models import Agreement, AgreementVersion, MeetingForm, VersionStatus
from coordinator.db import make_session_factory
from coordinator.demo import load_demo
from coordinator.invitations.ics import Party
from coordinator.invitations.messages import MailContext
from coordinator.org.models import District, Person
from coordinator.invitations.deferred import composers
from coordinator.outbox.delivery import deliver_due
from coordinator.outbox.models import OutboxMessage
from coordinator.outbox.transports import transport_from_url
from coordinator.planning.models import Invitation, Meeting
from coordinator.planning.services import add_meeting, plan_district_term, publish

# Early May 2027: HT2027 is planned and published before the summer
PLANNED = datetime(2027, 5, 3, 8, 0, tzinfo=timezone.utc)
PUBLISHED = datetime(2027, 5, 4, 9, 30, tzinfo=timezone.utc)
DIRECTOR = "eva.lindqvist@stockholm.example"
SECRET = "test-secret"
MAIL = MailContext(sender=Party("Samverkan skola–socialtjänst", "samverkan@example.se"),
                   base_url="https://samverkan.example.se", secret_key=SECRET, timezone="Europe/Stockholm",
                   message_domain="samverkan.example.se")
OVERARCHING, OPERATIVE = "Övergripande samverkansforum", "Lokalt operativt samverkansforum"


# when the meetings published one by one are held (the planner's slots for them in HT2027)
SLOTS = {OVERARCHING: (datetime(2027, 10, 12, 11, 0, tzinfo=timezone.utc), datetime(2027, 10, 12, 13, 0, tzinfo=timezone.utc)),
         OPERATIVE: (datetime(2027, 10, 14, 7, 0, tzinfo=timezone.utc), datetime(2027, 10, 14, 8, 30, tzinfo=timezone.utc))}


def published_demo(session: Session, forms: tuple[str, ...] | None = (OVERARCHING,)) -> None:
    """The demo with Norrviken's HT2027 meetings of `forms` added and published, their invitations queued.

    One meeting per form, at its slot in `SLOTS`, keeps the tests to a score of mails; `forms=None`
    plans and publishes the whole term (238 mails).
    """
    load_demo(session, now=PLANNED)
    session.commit()
    if forms is None:
        plan_district_term(session, "NORRVIKEN", "HT2027", actor=DIRECTOR, now=PLANNED)
    for name in forms or ():
        add_form_meeting(session, name)
    publish(session, "NORRVIKEN", "HT2027", actor=DIRECTOR, now=PUBLISHED, mail=MAIL)
    session.commit()


def add_form_meeting(session: Session, name: str) -> Meeting:
    """A draft meeting of a Norrviken form at the form's slot, with the invitees of its series."""
    form = session.scalars(sa.select(MeetingForm).join(MeetingForm.version).join(AgreementVersion.agreement)
                           .join(Agreement.district).where(MeetingForm.name == name, District.code == "NORRVIKEN",
                                                           AgreementVersion.status == VersionStatus.ACTIVE)).one()
    starts_at, ends_at = SLOTS[name]
    return add_meeting(session, form, "HT2027", starts_at, ends_at, actor=DIRECTOR, now=PLANNED)


def meeting_of(session: Session, form_name: str, n: int = 0) -> Meeting:
    """The n-th meeting (by start) of a Norrviken form."""
    session.expire_all()
    return list(session.scalars(sa.select(Meeting).join(Meeting.meeting_form).where(MeetingForm.name == form_name)
                                .order_by(Meeting.starts_at)))[n]


def person(session: Session, name: str) -> Person:
    return session.scalars(sa.select(Person).where(Person.name == name)).one()


def invitation(session: Session, meeting: Meeting, name: str) -> Invitation:
    return session.get_one(Invitation, (meeting.id, person(session, name).id))


def outbox(session: Session, **where: object) -> list[OutboxMessage]:
    session.expire_all()
    query = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    for column, value in where.items():
        query = query.where(getattr(OutboxMessage, column) == value)
    return list(session.scalars(query))


def deliver(engine: Engine, mail_url: str, now: datetime = PUBLISHED) -> None:
    deliver_due(make_session_factory(engine), transport_from_url(mail_url), now=now, sender=MAIL.sender.email,
                composers=composers(MAIL))


@dataclass(frozen=True)
class Calendar:
    """One received message's calendar part, read by icalendar and by vobject."""
    part_method: str       # the MIME part's method parameter
    raw: bytes
    icalendar: icalendar.Calendar
    vobject: vobject.base.Component

    @property
    def event(self) -> icalendar.Event:
        [event] = self.icalendar.walk("VEVENT")
        return event

    def attendees(self) -> list[tuple[str, dict[str, str]]]:
        """(address, parameters) of each ATTENDEE, as icalendar reads them."""
        found = self.event.get("ATTENDEE")
        found = found if isinstance(found, list) else [found] if found is not None else []
        return [(str(a).removeprefix("mailto:"), dict(a.params)) for a in found]


def calendar_of(message: EmailMessage) -> Calendar:
    [part] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    raw = part.get_payload(decode=True)
    return Calendar(part.get_param("method"), raw, icalendar.Calendar.from_ical(raw),
                    vobject.readOne(raw.decode("utf-8")))
