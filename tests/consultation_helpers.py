"""Shared by the consultation tests: the demo (Norrviken's intake group answers Tuesdays 13–15 in 20-minute
slots, by video, and each Norrviken school has a booking link), a slot's key, and booking one."""
from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from coordinator.consultations.models import BookingLink, ConsultationBooking, ConsultationHours
from coordinator.consultations.services import BookingRequest, book
from coordinator.demo import load_demo
from coordinator.org.models import District, School
from tests.invitation_helpers import MAIL

# Wednesday 1 September 2027, early in HT2027; the next consultation hours are Tuesday 7 September
NOW = datetime(2027, 9, 1, 8, 0, tzinfo=UTC)
TUESDAY_13 = datetime(2027, 9, 7, 11, 0, tzinfo=UTC)   # 13.00 in Stockholm (summer time)
TUESDAY_1320 = datetime(2027, 9, 7, 11, 20, tzinfo=UTC)
INTAKE = "mottagningsgruppen.norrviken@stockholm.example"
LARKAN = "Friskolan Lärkan"
BOOKER = ("Anna Lärare", "anna.larare@larkan.example")
MATTER = "En elev i åk 8 är ofta borta och verkar orolig. Hur kan vi gå vidare?"


def demo(session: Session) -> None:
    load_demo(session, now=NOW)
    session.commit()


def norrviken(session: Session) -> District:
    return session.scalars(sa.select(District).where(District.code == "NORRVIKEN")).one()


def hours_of(session: Session, code: str = "NORRVIKEN") -> ConsultationHours:
    return session.scalars(sa.select(ConsultationHours).join(ConsultationHours.district)
                           .where(District.code == code)).one()


def link_of(session: Session, school: str = LARKAN) -> BookingLink:
    return session.scalars(sa.select(BookingLink).join(BookingLink.school)
                           .where(School.name == school, BookingLink.revoked_at.is_(None))).one()


def key(session: Session, starts_at: datetime = TUESDAY_13, code: str = "NORRVIKEN") -> str:
    return f"{hours_of(session, code).id}:{starts_at.strftime('%Y-%m-%dT%H:%MZ')}"


def request(session: Session, starts_at: datetime = TUESDAY_13, *, name: str = BOOKER[0], email: str = BOOKER[1],
            matter: str = MATTER, language: str = "sv") -> BookingRequest:
    return BookingRequest(name, email, matter, key(session, starts_at), language)


def book_one(session: Session, starts_at: datetime = TUESDAY_13, school: str = LARKAN, now: datetime = NOW,
             **changes: str) -> ConsultationBooking:
    """Book a slot from the school's link and commit."""
    booking = book(session, link_of(session, school), request(session, starts_at, **changes), now=now, mail=MAIL)
    session.commit()
    return booking
