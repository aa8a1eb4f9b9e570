"""Social services' visit to a school's staff meeting (APT), on both databases: the school's principal proposes
a day, social services of the district confirms, both get the calendar invitation (the same checks as the
forums'); refusals write nothing; the district's planner leaves a proposed visit's school alone."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from coordinator.agreements.models import FormKind, MeetingForm
from coordinator.audit import AuditEvent
from coordinator.auth.models import User
from coordinator.demo import load_demo
from coordinator.i18n import DomainError
from coordinator.org.models import School
from coordinator.outbox.models import MessageKind, OutboxMessage
from coordinator.planning.models import Meeting, MeetingStatus
from coordinator.planning.services import cancel_meeting, plan_district_term
from coordinator.visits.models import StaffMeetingVisit
from coordinator.visits.services import confirm_visit, propose_visit, visit_of_year
from tests.invitation_helpers import MAIL, calendar_of, deliver, outbox, person
from tests.smtp_server import SMTPServer
from tests.unit.test_ics_interop import assert_vtimezone_as_outlook_reads_it

ZONE = ZoneInfo("Europe/Stockholm")
NOW = datetime(2027, 9, 1, 8, 0, tzinfo=UTC)  # Wednesday 1 September 2027, early in HT2027
PRINCIPAL = "Annika Berg"                      # rektor of Norrvikens skola
SCHOOL = "Norrvikens skola"
DIRECTOR = "eva.lindqvist@stockholm.example"   # Norrviken
INTAKE = "mottagningsgruppen.norrviken@stockholm.example"
OTHER_DIRECTOR = "thomas.ekstrom@stockholm.example"  # Söderby


def local(year: int, month: int, day: int, hour: int = 15) -> datetime:
    return datetime(year, month, day, hour, 0, tzinfo=ZONE)


THURSDAY = local(2027, 9, 23)  # a school day of HT2027, 15.00


@pytest.fixture
def world(session: Session) -> Session:
    load_demo(session, now=NOW)
    session.commit()
    return session


def school(session: Session, name: str = SCHOOL) -> School:
    return session.scalars(sa.select(School).where(School.name == name)).one()


def user(session: Session, email: str) -> User:
    return session.scalars(sa.select(User).where(User.email == email)).one()


def propose(session: Session, starts_at: datetime = THURSDAY, *, now: datetime = NOW) -> StaffMeetingVisit:
    visit = propose_visit(session, school(session), starts_at, proposer=person(session, PRINCIPAL), now=now)
    session.commit()
    return visit


def counts(session: Session) -> tuple[int, int, int, int]:
    session.expire_all()
    return tuple(session.scalar(sa.select(sa.func.count()).select_from(table))  # type: ignore[return-value]
                 for table in (StaffMeetingVisit, Meeting, OutboxMessage, AuditEvent))


def test_the_principal_proposes_social_services_confirms_and_both_get_the_invitation(world, engine):
    visit = propose(world)
    meeting = visit.meeting
    assert meeting.status is MeetingStatus.DRAFT and not outbox(world)  # nothing is mailed before confirming
    assert (meeting.starts_at, meeting.ends_at - meeting.starts_at) == (THURSDAY, timedelta(minutes=60))
    assert visit.school_year == 2027 and visit_of_year(world, school(world), 2027).is_proposed
    invited = {i.person.name for i in meeting.invitations}
    assert PRINCIPAL in invited and len(invited) == 2  # the principal and social services' contact

    before = counts(world)
    with pytest.raises(DomainError, match="Bara socialtjänsten i skolans stadsdel"):  # another district's
        confirm_visit(world, visit, user=user(world, OTHER_DIRECTOR), now=NOW, mail=MAIL)
    world.rollback()
    assert counts(world) == before and visit.meeting.status is MeetingStatus.DRAFT

    confirm_visit(world, visit, user=user(world, INTAKE), now=NOW + timedelta(hours=2), mail=MAIL)
    world.commit()

    assert meeting.status is MeetingStatus.SCHEDULED and visit.confirmed_by == INTAKE
    assert visit_of_year(world, school(world), 2027).is_confirmed
    rows = outbox(world)
    assert {(r.kind, r.person_id) for r in rows} == {(MessageKind.INVITATION, i.person_id) for i in meeting.invitations}
    with SMTPServer() as smtp:
        deliver(engine, smtp.url, now=NOW + timedelta(hours=2))
    assert sorted(r.envelope_to[0] for r in smtp.received) == sorted(i.person.email for i in meeting.invitations)
    for received in smtp.received:
        calendar = calendar_of(received.message)
        event, vevent = calendar.event, calendar.vobject.vevent
        assert calendar.part_method == "REQUEST" == str(calendar.icalendar["METHOD"]) == calendar.vobject.method.value
        assert str(event["UID"]) == meeting.uid == vevent.uid.value and int(event["SEQUENCE"]) == 0
        assert event.decoded("DTSTART") == THURSDAY == vevent.dtstart.value
        assert vevent.dtstart.value.astimezone(UTC) == datetime(2027, 9, 23, 13, 0, tzinfo=UTC)  # summer time
        assert str(event["SUMMARY"]) == f"Socialtjänsten besöker skolans APT ({SCHOOL})"
        [(address, params)] = calendar.attendees()
        assert [address] == received.envelope_to and params["PARTSTAT"] == "NEEDS-ACTION"
        assert [a.value.lower() for a in vevent.attendee_list] == [f"mailto:{address}"]
        assert_vtimezone_as_outlook_reads_it(calendar.vobject)


REFUSED_DAYS = [
    (local(2027, 8, 31), "har redan varit"),                   # before now
    (local(2027, 9, 25), "är ingen skoldag (helg)"),           # a Saturday
    (local(2027, 11, 3), "är ingen skoldag (Höstlov)"),        # the autumn break
    (local(2027, 10, 8), "är ingen skoldag (Studiedag)"),      # a study day
    (local(2028, 5, 25), "är ingen skoldag (Kristi himmelsfärdsdag)"),  # a public holiday
    (local(2028, 7, 10), "ligger utanför terminerna"),         # the summer
]


def test_a_day_that_is_no_school_day_or_has_passed_is_refused_and_nothing_is_written(world):
    before = counts(world)
    for starts_at, message in REFUSED_DAYS:  # one demo for all: each refusal writes nothing
        with pytest.raises(DomainError) as refused:
            propose_visit(world, school(world), starts_at, proposer=person(world, PRINCIPAL), now=NOW)
        world.rollback()
        assert message in str(refused.value), starts_at
        assert counts(world) == before
    with pytest.raises(DomainError, match="Bara skolans rektor"):  # a principal of another school
        propose_visit(world, school(world, "Sjöängsskolan"), THURSDAY, proposer=person(world, PRINCIPAL), now=NOW)
    world.rollback()
    assert counts(world) == before


def test_one_visit_a_school_year_even_in_the_spring_and_a_cancelled_one_may_be_proposed_again(world):
    propose(world)
    before = counts(world)

    with pytest.raises(DomainError, match="har redan ett besök på APT läsåret 2027/28, 2027-09-23"):
        propose_visit(world, school(world), local(2028, 2, 3), proposer=person(world, PRINCIPAL), now=NOW)
    world.rollback()

    assert counts(world) == before
    # another school of the district has its own visit that year
    other = propose_visit(world, school(world, "Sjöängsskolan"), local(2028, 2, 3),
                          proposer=person(world, "Fredrik Sundin"), now=NOW)
    assert other.school_year == 2027
    world.commit()
    # the database keeps one row a school and year, should two proposals pass the check at once
    other.school_id = school(world).id
    with pytest.raises(sa.exc.IntegrityError):
        world.flush()
    world.rollback()
    # a visit called off may be proposed again: the same row takes the new meeting
    visit = visit_of_year(world, school(world), 2027).visit
    cancel_meeting(world, visit.meeting, actor=DIRECTOR, now=NOW)
    world.commit()
    again = propose(world, local(2027, 10, 14))
    assert again.id == visit.id and again.meeting.starts_at == local(2027, 10, 14)


def test_the_planner_leaves_the_proposing_school_alone_and_plans_the_others(world):
    propose(world)

    result = plan_district_term(world, "NORRVIKEN", "HT2027", actor=DIRECTOR, now=NOW)
    world.commit()

    visits = [m for m in result.meetings if m.form_name == "Socialtjänsten besöker skolans APT"]
    assert len(visits) == 7  # the seven party schools, the proposed one among them once
    assert sum(m.school_name == SCHOOL for m in visits) == 1
    assert [m.starts_at for m in visits if m.school_name == SCHOOL] == [THURSDAY]


def test_the_planners_draft_is_moved_to_the_proposed_day(world):
    plan_district_term(world, "NORRVIKEN", "VT2028", actor=DIRECTOR, now=NOW)  # per year: the autumn takes it
    plan_district_term(world, "NORRVIKEN", "HT2027", actor=DIRECTOR, now=NOW)
    world.commit()
    [draft] = [m for m in visit_meetings(world) if m.school_id == school(world).id]

    visit = propose(world, local(2028, 2, 3))

    assert visit.meeting_id == draft.id and visit.meeting.term.name == "VT2028"
    assert len([m for m in visit_meetings(world) if m.school_id == school(world).id]) == 1
    # planning the autumn again does not put a second visit back
    plan_district_term(world, "NORRVIKEN", "HT2027", actor=DIRECTOR, now=NOW)
    world.commit()
    assert len([m for m in visit_meetings(world) if m.school_id == school(world).id]) == 1


def visit_meetings(session: Session) -> list[Meeting]:
    session.expire_all()
    return list(session.scalars(sa.select(Meeting).join(Meeting.meeting_form)
                                .where(MeetingForm.kind == FormKind.STAFF_MEETING_VISIT)))
