"""A stored meeting as calendars see it: its title, its convener, its attendees, its CalendarEvent.

Shared by the invitations, the updates and cancellations, and the subscription feeds, so a
meeting reads the same in a mail's calendar part and in a feed — the same ORGANIZER too
(docs/decisions.md §17). Loading is done here too, in a fixed handful of queries however many
meetings are asked for.

Delegation (RFC 5546 §3.2.2.3) is read from the loaded invitations: a deputy's invitation names
whom it stands in for (`delegated_from`), a delegator's whom they sent (`delegated_to`); a deputy
may send someone on in turn, so both directions are chains.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload, selectinload

from coordinator.agreements.models import MeetingForm
from coordinator.invitations.ics import Attendee, CalendarEvent, Party
from coordinator.org.functions import Function
from coordinator.org.models import Person, PersonFunction, School, Unit
from coordinator.planning.models import Answer, Invitation, Meeting

# a delegator's own copy of the meeting, in their language: the calendar's title and its first line
DELEGATED_WORDS = {
    "sv": {"summary": "%(summary)s – ersättare: %(deputy)s", "line": "Du har skickat %(deputy)s i ditt ställe.",
           "at": "på"},
    "en": {"summary": "%(summary)s – deputy: %(deputy)s", "line": "You have sent %(deputy)s in your place.",
           "at": "at"},
}


@dataclass(frozen=True)
class Convener:
    """Who calls the meeting: a person (CHAIR, and the mail's Reply-To), or only the district's name."""
    name: str
    person: Person | None

    @property
    def email(self) -> str | None:
        return self.person.email if self.person is not None else None

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
    holder = _first_holder(i for i in meeting.invitations if i.function is wanted and i.removed_at is None)
    if holder is not None:
        return Convener(holder.person.name, holder.person)
    return convener_without_holder(meeting, director)


def _first_holder(holders: Iterable[Invitation]) -> Invitation | None:
    """The convener among the invitations holding the form's convener function: one still coming first, by name."""
    return min(holders, key=lambda i: (not i.is_active, i.person.name, i.person_id), default=None)


def convener_without_holder(meeting: Meeting, director: Person | None) -> Convener:
    if director is not None:
        return Convener(director.name, director)
    return Convener(meeting.district.name if meeting.district else "", None)


def load_convener(session: Session, meeting: Meeting) -> Convener:
    """`convener_of` for one meeting without loading its invitees: only the invitations of its form's convener
    function are read, and the district's director only when none holds it (the answer page: one or two
    statements instead of every invitee with their person)."""
    wanted = meeting.meeting_form.convener_function
    holder = _first_holder(session.scalars(
        sa.select(Invitation).where(Invitation.meeting_id == meeting.id, Invitation.function == wanted,
                                    Invitation.removed_at.is_(None))
        .options(joinedload(Invitation.person))))
    if holder is not None:
        return Convener(holder.person.name, holder.person)
    director = district_directors(session, [meeting.district_id]).get(meeting.district_id) \
        if meeting.district_id is not None else None
    return convener_without_holder(meeting, director)


def organizer_of(convener: Convener, sender_email: str) -> Party:
    """The ORGANIZER of every calendar the product writes, mail or feed: the convener's name at the product's
    own address, where the calendars' REPLYs are read (docs/decisions.md §17)."""
    return Party(convener.name, sender_email)


def attendees_of(invitation: Invitation, convener: Convener, sequence: int) -> tuple[Attendee, ...]:
    """The ATTENDEEs of one invitee's own message, as RFC 5546 delegation writes them: themselves, for a deputy
    also whom they stand in for (PARTSTAT=DELEGATED, DELEGATED-TO them), and for someone who sent a deputy
    that deputy (DELEGATED-FROM them) — the sender then a NON-PARTICIPANT with nothing to answer.

    The invitee's own PARTSTAT is their answer when it was given to the version they are sent,
    `sequence` (a meeting taken back is sent with the answer just given); after a change they are
    asked again.
    """
    person = invitation.person
    deputy = invitation.delegated_to if invitation.answer is Answer.DELEGATED else None
    if deputy is not None:
        own = Attendee(person.name, person.email, role="NON-PARTICIPANT", partstat=Answer.DELEGATED.partstat,
                       rsvp=False, delegated_to=deputy.email,
                       delegated_from=invitation.delegated_from.email if invitation.delegated_from else None)
    else:
        current = invitation.answer_sequence is not None and invitation.answer_sequence >= sequence
        role = "CHAIR" if convener.person is not None and convener.person.id == person.id else "REQ-PARTICIPANT"
        own = Attendee(person.name, person.email, role=role,
                       partstat=invitation.answer.partstat if current else Answer.NEEDS_ACTION.partstat,
                       delegated_from=invitation.delegated_from.email if invitation.delegated_from else None)
    attendees = [own]
    if invitation.delegated_from is not None:
        delegator = invitation.delegated_from
        attendees.insert(0, Attendee(delegator.name, delegator.email, role="NON-PARTICIPANT",
                                     partstat=Answer.DELEGATED.partstat, rsvp=False, delegated_to=person.email))
    if deputy is not None:
        theirs = deputy_invitation(invitation)
        attendees.append(Attendee(deputy.name, deputy.email, delegated_from=person.email,
                                  partstat=theirs.answer.partstat if theirs is not None else Answer.NEEDS_ACTION.partstat))
    return tuple(attendees)


# -- delegation chains --------------------------------------------------------------------------------

def deputy_invitation(invitation: Invitation) -> Invitation | None:
    """The invitation of the deputy this invitee sent (in the loaded meeting), if they sent one who is still invited."""
    if invitation.answer is not Answer.DELEGATED or invitation.delegated_to_id is None:
        return None
    return next((i for i in invitation.meeting.invitations
                 if i.person_id == invitation.delegated_to_id and i.removed_at is None
                 and i.delegated_from_id == invitation.person_id), None)


def deputies_of(invitation: Invitation) -> list[Invitation]:
    """Whom the invitee sent, whom that deputy sent in turn, and so on: nearest first."""
    chain: list[Invitation] = []
    deputy = deputy_invitation(invitation)
    while deputy is not None and deputy not in chain:
        chain.append(deputy)
        deputy = deputy_invitation(deputy)
    return chain


def delegators_of(invitation: Invitation) -> list[Invitation]:
    """Who sent this deputy, who sent them, and so on: nearest first (empty for someone invited in their own right)."""
    chain: list[Invitation] = []
    current = invitation
    while current.delegated_from_id is not None:
        sender = next((i for i in current.meeting.invitations if i.person_id == current.delegated_from_id), None)
        if sender is None or sender in chain:
            break
        chain.append(sender)
        current = sender
    return chain


def stands_in_for(invitation: Invitation, language: str) -> str | None:
    """For a deputy's invitation, whom they replace, as the mail and the calendar say it: the invitee whose
    place it was at first, with their function and school or unit ("Anna Berg, rektor på Ekbackens skola")."""
    chain = delegators_of(invitation)
    if not chain:
        return None
    first = chain[-1]
    return describe_stand_in(first.person.name, first.function, first.person.organisation_name, language)


def describe_stand_in(name: str, function: Function | None, place: str, language: str) -> str:
    """Whom a deputy replaces, in words: "Anna Berg, rektor på Ekbackens skola"."""
    words = DELEGATED_WORDS.get(language, DELEGATED_WORDS["sv"])
    role = function.label(language) if function is not None else ""
    if role and place:
        role = f"{role} {words['at']} {place}"
    return ", ".join(part for part in (name, role or place) if part)


def delegated_copy(event: CalendarEvent, deputy: Person, language: str) -> CalendarEvent:
    """A delegator's own copy of the meeting: free time (what frees the slot in Outlook, Google and Apple;
    PARTSTAT=DELEGATED alone leaves it busy), titled with their deputy's name."""
    words = DELEGATED_WORDS.get(language, DELEGATED_WORDS["sv"])
    return replace(event, transparent=True,
                   summary=words["summary"] % {"summary": event.summary, "deputy": deputy.name})


def delegated_line(deputy: Person, language: str) -> str:
    """What a delegator's feed says first about a meeting they sent their deputy to."""
    return DELEGATED_WORDS.get(language, DELEGATED_WORDS["sv"])["line"] % {"deputy": deputy.name}


def calendar_event(meeting: Meeting, organizer: Party, *, attendees: tuple[Attendee, ...] = (),
                   cancelled: bool = False, description: str = "", url: str | None = None) -> CalendarEvent:
    return CalendarEvent(
        uid=meeting.uid, sequence=meeting.sequence, starts_at=meeting.starts_at, ends_at=meeting.ends_at,
        summary=meeting_title(meeting), organizer=organizer, attendees=attendees, location=meeting.place,
        video_url=meeting.video_url, description=description, url=url, cancelled=cancelled,
    )


# -- loading ----------------------------------------------------------------------------------------

def load_meetings(session: Session, meeting_ids: Iterable[int], *, conveners_and: int | None = None) -> list[Meeting]:
    """The meetings with everything a message or a feed shows, by start: a fixed number of queries.

    Meetings already in the session are refreshed (publishing changes their status with a Core
    UPDATE, which the session's copies would not see). With `conveners_and` (a person's id), each
    meeting's `invitations` hold only those of its form's convener function and that person's own:
    what a feed needs (`convener_of`, the owner's answer), a tenth of the rows; such meetings are for
    reading in that request only.
    """
    ids = sorted(set(meeting_ids))
    if not ids:
        return []
    invitations = Meeting.invitations
    if conveners_and is not None:
        convener = (sa.select(MeetingForm.convener_function).join(Meeting, Meeting.meeting_form_id == MeetingForm.id)
                    .where(Meeting.id == Invitation.meeting_id).scalar_subquery())
        invitations = Meeting.invitations.and_(sa.or_(Invitation.person_id == conveners_and,
                                                      Invitation.function == convener))
    return list(session.scalars(
        sa.select(Meeting).where(Meeting.id.in_(ids)).execution_options(populate_existing=True)
        .options(
            # the one-to-one sides joined into their query: two round trips, not eight (docs/PERFORMANCE.md)
            joinedload(Meeting.meeting_form), joinedload(Meeting.school), joinedload(Meeting.group),
            joinedload(Meeting.district),
            selectinload(invitations).options(joinedload(Invitation.person), joinedload(Invitation.delegated_from),
                                              joinedload(Invitation.delegated_to)),
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

