"""A stored meeting as calendars see it: its title, its convener, its attendees, its CalendarEvent.

Shared by the invitations, the updates and cancellations, and the subscription feeds, so a
meeting reads the same in a mail's calendar part and in a feed. Loading is done here too, in
a fixed handful of queries however many meetings are asked for.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from coordinator.invitations.ics import Attendee, CalendarEvent, Party
from coordinator.org.functions import Function
from coordinator.org.models import Person, PersonFunction, School, Unit
from coordinator.planning.models import Answer, Invitation, Meeting


@dataclass(frozen=True)
class Convener:
    """Who calls the meeting: a person (CHAIR, and the mail's Reply-To), or only the district's name."""
    name: str
    person: Person | None

    @property
    def reply_to(self) -> Party | None:
        return Party(self.person.name, self.person.email) if self.person is not None else None


def meeting_title(meeting: Meeting) -> str:
    """The form's name, with the school or group of its series: the calendar's SUMMARY."""
    where = meeting.school.name if meeting.school else meeting.group.name if meeting.group else None
    name = meeting.meeting_form.name
    return f"{name} ({where})" if where else name


def agenda_of(meeting: Meeting) -> str:
    """The meeting's own agenda, else what its form is for."""
    return (meeting.agenda or meeting.meeting_form.purpose or "").strip()


def convener_of(meeting: Meeting, director: Person | None) -> Convener:
    """The invitee holding the form's convener function (one still coming first), else the district
    director, else the district itself."""
    wanted = meeting.meeting_form.convener_function
    holders = sorted((i for i in meeting.invitations if i.function is wanted and i.removed_at is None),
                     key=lambda i: (not i.is_active, i.person.name, i.person_id))
    if holders:
        return Convener(holders[0].person.name, holders[0].person)
    if director is not None:
        return Convener(director.name, director)
    return Convener(meeting.district.name if meeting.district else "", None)


def attendees_of(invitation: Invitation, convener: Convener) -> tuple[Attendee, ...]:
    """The ATTENDEEs of one invitee's own message: themselves, and for a deputy also whom they stand in for
    (RFC 5546 delegation: the delegator with PARTSTAT=DELEGATED and DELEGATED-TO)."""
    person = invitation.person
    role = "CHAIR" if convener.person is not None and convener.person.id == person.id else "REQ-PARTICIPANT"
    own = Attendee(person.name, person.email, role=role,
                   delegated_from=invitation.delegated_from.email if invitation.delegated_from else None)
    if invitation.delegated_from is None:
        return (own,)
    delegator = invitation.delegated_from
    return (Attendee(delegator.name, delegator.email, partstat=Answer.DELEGATED.partstat, rsvp=False,
                     delegated_to=person.email), own)


def calendar_event(meeting: Meeting, organizer: Party, *, attendees: tuple[Attendee, ...] = (),
                   cancelled: bool = False, description: str = "", url: str | None = None) -> CalendarEvent:
    return CalendarEvent(
        uid=meeting.uid, sequence=meeting.sequence, starts_at=meeting.starts_at, ends_at=meeting.ends_at,
        summary=meeting_title(meeting), organizer=organizer, attendees=attendees, location=meeting.place,
        video_url=meeting.video_url, description=description, url=url, cancelled=cancelled,
    )


# -- loading ----------------------------------------------------------------------------------------

def load_meetings(session: Session, meeting_ids: Iterable[int]) -> list[Meeting]:
    """The meetings with everything a message or a feed shows, by start: a fixed number of queries.

    Meetings already in the session are refreshed (publishing changes their status with a Core
    UPDATE, which the session's copies would not see).
    """
    ids = sorted(set(meeting_ids))
    if not ids:
        return []
    return list(session.scalars(
        sa.select(Meeting).where(Meeting.id.in_(ids)).execution_options(populate_existing=True)
        .options(
            selectinload(Meeting.meeting_form), selectinload(Meeting.school), selectinload(Meeting.group),
            selectinload(Meeting.district),
            selectinload(Meeting.invitations).selectinload(Invitation.person),
            selectinload(Meeting.invitations).selectinload(Invitation.delegated_from),
            selectinload(Meeting.invitations).selectinload(Invitation.delegated_to),
        )
        .order_by(Meeting.starts_at, Meeting.id)
    ))


def load_meeting(session: Session, meeting: Meeting) -> tuple[Meeting, Person | None]:
    """One meeting loaded as `load_meetings` does, with its district's director (for `convener_of`)."""
    [loaded] = load_meetings(session, [meeting.id])
    return loaded, district_directors(session, [loaded.district_id]).get(loaded.district_id)


def district_directors(session: Session, district_ids: Iterable[int | None]) -> Mapping[int, Person]:
    """Each district's (first, by name) active district director: the convener when no invitee convenes."""
    ids = sorted({d for d in district_ids if d is not None})
    if not ids:
        return {}
    district_of = sa.func.coalesce(Person.district_id, School.district_id, Unit.district_id)
    rows = session.execute(
        sa.select(district_of, Person)
        .join(PersonFunction, PersonFunction.person_id == Person.id)
        .outerjoin(School, Person.school_id == School.id).outerjoin(Unit, Person.unit_id == Unit.id)
        .where(PersonFunction.function == Function.DISTRICT_DIRECTOR, Person.is_active, district_of.in_(ids))
        .order_by(Person.name, Person.id)
    )
    directors: dict[int, Person] = {}
    for district_id, person in rows:
        directors.setdefault(district_id, person)
    return directors

