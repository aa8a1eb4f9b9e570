"""Shared by the report-meeting tests: the demo's Norrviken on Monday 18 October 2027, its intake officer
(the intake group's shared mailbox) and a report of concern from Norrvikens skola recorded through the service."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from coordinator.cases.models import ReportOfConcern
from coordinator.cases.services import Booking, ExternalReporter, book_meeting, record_report
from coordinator.demo import load_demo
from coordinator.invitations.messages import MailContext
from coordinator.org.models import District, Person, School
from coordinator.planning.models import Meeting
from tests.invitation_helpers import MAIL

ZONE = "Europe/Stockholm"
STOCKHOLM = ZoneInfo(ZONE)
NOW = datetime(2027, 10, 18, 10, 0, tzinfo=STOCKHOLM)  # a Monday in HT2027, before höstlov (1–5 November)
OFFICER = "Mottagningsgruppen Norrviken"
OFFICER_EMAIL = "mottagningsgruppen.norrviken@stockholm.example"
REPORTER = "Sofia Lindberg"  # kurator, Norrvikens skola
SCHOOL = "Norrvikens skola"
ACTOR = OFFICER_EMAIL
UID_DOMAIN = "samverkan.example.se"


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2027, month, day, hour, minute, tzinfo=STOCKHOLM)


def demo(session: Session) -> None:
    load_demo(session, now=NOW - timedelta(days=200))
    session.commit()


def person(session: Session, name: str) -> Person:
    return session.scalars(sa.select(Person).where(Person.name == name)).one()


def school(session: Session, name: str = SCHOOL) -> School:
    return session.scalars(sa.select(School).where(School.name == name)).one()


def norrviken(session: Session) -> District:
    return session.scalars(sa.select(District).where(District.code == "NORRVIKEN")).one()


def report(session: Session, received_on: date = date(2027, 10, 15), *, reporter: str | ExternalReporter = REPORTER,
           case_reference: str = "IFO Norrviken 2027-0815", school_name: str = SCHOOL,
           now: datetime = NOW) -> ReportOfConcern:
    """A report recorded through the service and committed."""
    found = record_report(
        session, norrviken(session), received_on=received_on, school_id=school(session, school_name).id,
        reporter=reporter if isinstance(reporter, ExternalReporter) else person(session, reporter),
        case_reference=case_reference, actor=ACTOR, now=now, timezone=ZONE)
    session.commit()
    return found


def book(session: Session, found: ReportOfConcern, starts_at: datetime, *, mail: MailContext = MAIL,
         now: datetime = NOW, **booking: str) -> Meeting:
    """The report's meeting booked through the service (at the IFO's office unless told) and committed."""
    meeting = book_meeting(session, found, Booking(starts_at, place=booking.pop("place", "IFO Norrviken, rum 2"),
                                                   **booking),
                           officer=person(session, OFFICER), actor=ACTOR, now=now, mail=mail, timezone=ZONE,
                           uid_domain=UID_DOMAIN)
    session.commit()
    return meeting
