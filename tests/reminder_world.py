"""A small district for the reminder and jobs tests: people whose names say their part, two meetings.

Lillby has one school and an agreement with two forms (defaults of agreements/defaults.py):
- a student-health conference at Lillby skola on Tuesday 12 October 2027, 13.00–14.00,
  convened by the principal, minutes kept by the kurator, no approval;
- the overarching forum on Tuesday 19 October 2027, 13.00–15.00, convened by the director,
  minutes kept by the committee secretary, approved by adjusters, reported to the committee.
Both are published on 20 August 2027 through `planning.services.publish` (so the invitations
are queued as in production). Reminder policy (the defaults): RSVP 7 days before, pre-meeting
24 hours before, minutes 3 days after and every 3 days, escalation after 14 days.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from coordinator.agreements.models import FormKind, MeetingForm
from coordinator.agreements.services import (
    activate_version,
    add_party,
    create_agreement,
    meeting_form_from_defaults,
    new_version,
)
from coordinator.invitations.ics import Party
from coordinator.invitations.messages import MailContext
from coordinator.org.functions import Function as F
from coordinator.org.models import (
    District,
    Language,
    Municipality,
    OrganiserType,
    Person,
    PersonFunction,
    School,
    Unit,
    UnitKind,
)
from coordinator.planning.models import Invitation, Meeting, MeetingStatus
from coordinator.planning.services import publish
from coordinator.terms.models import Term

STOCKHOLM = ZoneInfo("Europe/Stockholm")
ACTOR = "test"
MAIL = MailContext(sender=Party("Samverkan", "samverkan@lillby.example"), base_url="https://samverkan.lillby.example",
                   secret_key="test-secret", timezone="Europe/Stockholm", message_domain="samverkan.lillby.example")
PUBLISHED_AT = datetime(2027, 8, 20, 10, 0, tzinfo=STOCKHOLM)


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=STOCKHOLM)


# name, function, where ("school" or "unit"), language
PEOPLE = {
    "director": ("Dora Direktör", F.DISTRICT_DIRECTOR, "unit", Language.SV),
    "secretary": ("Sixten Sekreterare", F.COMMITTEE_SECRETARY, "unit", Language.SV),
    "contact": ("Sam Contact", F.SOCIAL_SERVICES_CONTACT, "unit", Language.EN),
    "principal": ("Rita Rektor", F.PRINCIPAL, "school", Language.SV),
    "kurator": ("Kurt Kurator", F.KURATOR, "school", Language.SV),
    "nurse": ("Siv Sköterska", F.SCHOOL_NURSE, "school", Language.SV),
    "teacher": ("Pia Pedagog", F.SPECIAL_NEEDS_TEACHER, "school", Language.SV),
    "deputy": ("Bo Biträdande", F.DEPUTY_PRINCIPAL, "school", Language.SV),
}


@dataclass
class World:
    district: District
    term: Term
    people: dict[str, Person]
    conference: Meeting
    forum: Meeting

    def person(self, role: str) -> Person:
        return self.people[role]

    def invitation(self, meeting: Meeting, role: str) -> Invitation:
        return next(i for i in meeting.invitations if i.person_id == self.people[role].id)


def build(session: Session, *, publish_meetings: bool = True) -> World:
    """The district, its people, agreement, term and two meetings; committed."""
    city = Municipality(code="0180", name="Stockholms stad")
    district = District(municipality=city, code="LILLBY", name="Lillby")
    school = School(unit_code="99900001", name="Lillby skola", district=district,
                    organiser_type=OrganiserType.MUNICIPAL)
    session.add_all([city, district, school])
    session.flush()
    unit = Unit(municipality_id=city.id, district=district, kind=UnitKind.ADMINISTRATION, name="Lillby kansli")
    session.add(unit)
    session.flush()
    people = {}
    for role, (name, function, where, language) in PEOPLE.items():
        people[role] = Person(municipality_id=city.id, district_id=district.id, name=name,
                              email=f"{role}@lillby.example", language=language,
                              school=school if where == "school" else None, unit=unit if where == "unit" else None,
                              functions=[PersonFunction(function=function)])
    session.add_all(people.values())
    session.flush()
    people["principal"].deputy_id = people["deputy"].id
    term = Term(municipality=city, name="HT2027", starts_on=date(2027, 8, 19), ends_on=date(2027, 12, 21))
    session.add(term)
    agreement = create_agreement(session, municipality=city, district=district, title="Samverkan i Lillby",
                                 actor=ACTOR, now=PUBLISHED_AT)
    version = new_version(session, agreement, actor=ACTOR, now=PUBLISHED_AT)
    version.revision_due_on = date(2028, 6, 15)
    version.contact_person = people["contact"]
    version.meeting_forms = [meeting_form_from_defaults(FormKind.STUDENT_HEALTH_CONFERENCE, position=0),
                             meeting_form_from_defaults(FormKind.OVERARCHING_FORUM, position=1)]
    add_party(session, version, school, signed_on=date(2027, 6, 1), signed_by="Rita Rektor", actor=ACTOR,
              now=PUBLISHED_AT)
    activate_version(session, version, actor=ACTOR, now=PUBLISHED_AT)
    conference_form, forum_form = version.meeting_forms
    conference = _meeting(conference_form, term, district, school,
                          local(2027, 10, 12, 13, 0), local(2027, 10, 12, 14, 0),
                          {people[r].id: PEOPLE[r][1] for r in ("principal", "kurator", "nurse", "teacher", "contact")})
    forum = _meeting(forum_form, term, district, None, local(2027, 10, 19, 13, 0), local(2027, 10, 19, 15, 0),
                     {people[r].id: PEOPLE[r][1] for r in ("director", "secretary", "contact", "principal")})
    forum.agenda = "1. Lägesbild i Lillby\n2. Uppföljning av överenskommelsen"
    session.add_all([conference, forum])
    session.flush()
    if publish_meetings:
        publish(session, district, term, actor=ACTOR, now=PUBLISHED_AT, mail=MAIL)
    session.commit()
    return World(district, term, people, conference, forum)


def _meeting(form: MeetingForm, term: Term, district: District, school: School | None, starts_at: datetime,
             ends_at: datetime, invitees: dict[int, F]) -> Meeting:
    return Meeting(uid=f"{secrets.token_hex(8)}@lillby.example", meeting_form=form, term=term,
                   series_key=f"test:{form.kind.value}", district=district, school=school, starts_at=starts_at,
                   ends_at=ends_at, place="Lillby skola, aulan", status=MeetingStatus.DRAFT, sequence=0,
                   created_at=PUBLISHED_AT,
                   invitations=[Invitation(person_id=p, function=f) for p, f in sorted(invitees.items())])


def form_of(session: Session, meeting: Meeting) -> MeetingForm:
    return session.scalars(sa.select(MeetingForm).where(MeetingForm.id == meeting.meeting_form_id)).one()
