"""What the intake group keeps: its consultation hours and each school's booking link.

Plain Python over a session with the actor and `now` passed in; services flush and audit, the caller
commits. Broken rules raise `DomainError` (Swedish) before anything is written.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from coordinator import audit
from coordinator.consultations.models import BookingLink, ConsultationHours
from coordinator.consultations.slots import WEEKDAY_NAMES, HoursSpec, check_hours, overlaps
from coordinator.consultations.tokens import booking_token, new_key
from coordinator.i18n import N_, DomainError
from coordinator.org.functions import Function
from coordinator.org.models import District, Person, PersonFunction, School, Unit
from coordinator.terms.calendar import DEFAULT_TIMEZONE


def spec_of(hours: ConsultationHours) -> HoursSpec:
    return HoursSpec(hours.weekday, hours.window_start, hours.window_end, hours.slot_minutes,
                     hours.starts_on, hours.ends_on)


# -- the hours ------------------------------------------------------------------------------------

def intake_officers(session: Session, district: District) -> list[Person]:
    """Who may answer the district's consultations: its active people in the intake group, by name."""
    district_of = sa.func.coalesce(Person.district_id, Unit.district_id)
    return list(session.scalars(
        sa.select(Person).join(PersonFunction, PersonFunction.person_id == Person.id)
        .outerjoin(Unit, Person.unit_id == Unit.id)
        .where(PersonFunction.function == Function.INTAKE_GROUP, Person.is_active, district_of == district.id)
        .order_by(Person.name, Person.id)))


def hours_of(session: Session, district: District) -> list[ConsultationHours]:
    """The district's hours: open ones first, each group by weekday and time."""
    found = session.scalars(sa.select(ConsultationHours).where(ConsultationHours.district_id == district.id)
                            .options(selectinload(ConsultationHours.officers)))
    return sorted(found, key=lambda h: (h.is_closed, h.weekday, h.window_start, h.starts_on, h.id))


@dataclass(frozen=True)
class HoursInput:
    spec: HoursSpec
    officer_ids: Sequence[int]
    place: str | None
    video_url: str | None


def publish_hours(session: Session, district: District, given: HoursInput, *, actor: str, now: datetime,
                  timezone: str = DEFAULT_TIMEZONE) -> ConsultationHours:
    """New recurring hours of the district; refused when they could give no slot or would double-book an officer."""
    spec = given.spec
    check_hours(spec)
    if spec.ends_on < now.astimezone(ZoneInfo(timezone)).date():
        raise DomainError(N_("Sista dagen %(ends_on)s har redan passerat."), ends_on=spec.ends_on)
    place, video_url = (given.place or "").strip() or None, (given.video_url or "").strip() or None
    if place is None and video_url is None:
        raise DomainError(N_("Ange en plats, en videolänk eller båda."))
    allowed = {p.id: p for p in intake_officers(session, district)}
    if not given.officer_ids:
        raise DomainError(N_("Välj minst en i mottagningsgruppen som svarar."))
    if any(i not in allowed for i in given.officer_ids):
        raise DomainError(N_("Den som svarar ska höra till stadsdelens mottagningsgrupp."))
    officers = [allowed[i] for i in sorted(set(given.officer_ids), key=lambda i: (allowed[i].name, i))]
    for other in hours_of(session, district):
        shared = [p.name for p in other.officers if p.id in set(given.officer_ids)]
        if not other.is_closed and shared and overlaps(spec, spec_of(other)):
            raise DomainError(
                N_("%(name)s svarar redan %(weekday)s %(start)s–%(end)s (%(starts_on)s–%(ends_on)s); "
                   "tiderna får inte överlappa."),
                name=shared[0], weekday=WEEKDAY_NAMES[other.weekday], start=other.window_start.strftime("%H.%M"),
                end=other.window_end.strftime("%H.%M"), starts_on=other.starts_on, ends_on=other.ends_on)
    hours = ConsultationHours(
        district_id=district.id, weekday=spec.weekday, window_start=spec.window_start, window_end=spec.window_end,
        slot_minutes=spec.slot_minutes, place=place, video_url=video_url, starts_on=spec.starts_on,
        ends_on=spec.ends_on, created_at=now, created_by=actor, officers=officers)
    session.add(hours)
    session.flush()
    audit.record(session, at=now, actor=actor, action="consultation_hours.published", entity=hours,
                 district_id=district.id, after=_described(hours))
    return hours


def close_hours(session: Session, hours: ConsultationHours, *, actor: str, now: datetime) -> None:
    """No more slots from these hours; consultations already booked stay booked."""
    if hours.is_closed:
        raise DomainError(N_("Tiderna är redan stängda."))
    hours.closed_at, hours.closed_by = now, actor
    session.flush()
    audit.record(session, at=now, actor=actor, action="consultation_hours.closed", entity=hours,
                 district_id=hours.district_id, before=_described(hours))


def _described(hours: ConsultationHours) -> dict[str, object]:
    return {"weekday": hours.weekday, "window": f"{hours.window_start:%H:%M}-{hours.window_end:%H:%M}",
            "slot_minutes": hours.slot_minutes, "starts_on": hours.starts_on.isoformat(),
            "ends_on": hours.ends_on.isoformat(), "place": hours.place, "video_url": hours.video_url,
            "officers": [p.id for p in hours.officers]}


# -- the schools' booking links -----------------------------------------------------------------------

def booking_url(base_url: str, secret_key: str, link: BookingLink) -> str:
    return f"{base_url.rstrip('/')}/consultations/book/{booking_token(secret_key, link.id, link.key)}"


def school_links(session: Session, district: District) -> list[tuple[School, BookingLink | None]]:
    """The district's active schools by name, each with its link in use (None when it has none)."""
    schools = list(session.scalars(sa.select(School).where(School.district_id == district.id, School.is_active)
                                   .order_by(School.name, School.id)))
    links = {link.school_id: link for link in session.scalars(sa.select(BookingLink).where(
        BookingLink.school_id.in_([s.id for s in schools]), BookingLink.revoked_at.is_(None)))}
    return [(school, links.get(school.id)) for school in schools]


def district_school(session: Session, district: District, school_id: int) -> School:
    """One of the district's active schools; DomainError for any other."""
    school = session.get(School, school_id)
    if school is None or school.district_id != district.id or not school.is_active:
        raise DomainError(N_("Skolan finns inte i %(district)s."), district=district.name)
    return school


def issue_link(session: Session, school: School, *, actor: str, now: datetime) -> BookingLink:
    """A new booking link for the school; the one it had stops working."""
    current = _current_link(session, school)
    if current is not None:
        _revoke(current, actor, now)
        session.flush()  # the old link leaves the "one in use" index before the new one enters it
    link = BookingLink(school_id=school.id, key=new_key(), created_at=now, created_by=actor)
    session.add(link)
    session.flush()
    audit.record(session, at=now, actor=actor, action="consultation_link.issued", entity=link,
                 district_id=school.district_id,
                 after={"school_id": school.id, "replaces": current.id if current is not None else None})
    return link


def revoke_link(session: Session, school: School, *, actor: str, now: datetime) -> BookingLink:
    """The school's link stops working; the school has none until a new one is issued."""
    current = _current_link(session, school)
    if current is None:
        raise DomainError(N_("%(school)s har ingen bokningslänk."), school=school.name)
    _revoke(current, actor, now)
    session.flush()
    audit.record(session, at=now, actor=actor, action="consultation_link.revoked", entity=current,
                 district_id=school.district_id, before={"school_id": school.id})
    return current


def _current_link(session: Session, school: School) -> BookingLink | None:
    return session.scalars(sa.select(BookingLink).where(BookingLink.school_id == school.id,
                                                        BookingLink.revoked_at.is_(None))).one_or_none()


def _revoke(link: BookingLink, actor: str, now: datetime) -> None:
    link.revoked_at, link.revoked_by = now, actor
