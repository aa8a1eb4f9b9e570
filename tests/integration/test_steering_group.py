"""The city-level steering group (styrande samverkansgrupp för skolsociala team), on both databases: planned from
the city's agreement with the district's planner and the city as the owner (`City`, code STAD), four a school
year; its invitees are the heads of the social and education administrations and every district's director;
publishing sends the invitations the forums' calendar checks accept; the districts' plans leave its meetings out
but plan around them."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from coordinator.demo import load_demo
from coordinator.org.models import District
from coordinator.outbox.models import MessageKind
from coordinator.planning.models import Meeting, MeetingStatus
from coordinator.planning.services import CITY_CODE, City, plan_district_term, publish, review
from tests.invitation_helpers import MAIL, calendar_of, deliver, outbox
from tests.smtp_server import SMTPServer
from tests.unit.test_ics_interop import assert_vtimezone_as_outlook_reads_it

PLANNED = datetime(2027, 5, 3, 8, 0, tzinfo=UTC)
PUBLISHED = datetime(2027, 5, 4, 9, 30, tzinfo=UTC)
ADMIN = "admin@stockholm.example"
STEERING = "Styrande samverkansgrupp för skolsociala team"


@pytest.fixture
def world(session: Session) -> Session:
    """The demo: its city-level agreement has the steering group (four a year, the defaults of DOMAIN.md)."""
    load_demo(session, now=PLANNED)
    session.commit()
    return session


def test_the_city_plans_its_steering_group_twice_a_term_and_the_districts_plan_around_it(world):
    result = plan_district_term(world, CITY_CODE, "HT2027", actor=ADMIN, now=PLANNED)
    world.commit()

    assert isinstance(result.district, City) and result.added == 2  # four a year: two in the autumn
    assert {m.form_name for m in result.meetings} == {STEERING}
    directors = list(world.scalars(sa.select(District).where(District.is_active)))
    for meeting in result.meetings:
        invited = {i.name for i in meeting.invitees}
        assert {"Helena Forsberg", "Mikael Strand", "Eva Lindqvist", "Thomas Ekström"} <= invited  # the chiefs,
        # Norrviken's and Söderby's directors
        assert len(invited) == 2 + len(directors) + 2  # each district's director, the deputy chiefs invited
    stored = list(world.scalars(sa.select(Meeting)))
    assert [m.district_id for m in stored] == [None, None]
    # planning again adds nothing; a district's plan does not show the city's meetings
    assert plan_district_term(world, CITY_CODE, "HT2027", actor=ADMIN, now=PLANNED).added == 0
    assert STEERING not in {m.form_name for m in review(world, "NORRVIKEN", "HT2027", PLANNED).meetings}
    # the district's plan keeps its director out of the steering group's time
    norrviken = plan_district_term(world, "NORRVIKEN", "HT2027", actor=ADMIN, now=PLANNED)
    director = next(i.person_id for m in result.meetings for i in m.invitees if i.name == "Eva Lindqvist")
    theirs = [m for m in norrviken.meetings if director in m.person_ids]
    assert theirs and all(m.ends_at <= steering.starts_at or m.starts_at >= steering.ends_at
                          for m in theirs for steering in result.meetings)


def test_publishing_the_city_term_sends_each_invitee_a_request_both_parsers_read(world, engine):
    plan_district_term(world, CITY_CODE, "HT2027", actor=ADMIN, now=PLANNED)
    result = publish(world, CITY_CODE, "HT2027", actor=ADMIN, now=PUBLISHED, mail=MAIL)
    world.commit()

    assert result.published == 2
    meetings = {m.uid: m for m in world.scalars(sa.select(Meeting))}
    assert {m.status for m in meetings.values()} == {MeetingStatus.SCHEDULED}
    rows = outbox(world)
    assert {r.kind for r in rows} == {MessageKind.INVITATION}
    assert len(rows) == sum(len(m.invitations) for m in meetings.values())
    with SMTPServer() as smtp:
        deliver(engine, smtp.url, now=PUBLISHED)
    assert len(smtp.received) == len(rows)
    for received in smtp.received:
        calendar = calendar_of(received.message)
        event, vevent = calendar.event, calendar.vobject.vevent
        meeting = meetings[str(event["UID"])]
        assert calendar.part_method == "REQUEST" == str(calendar.icalendar["METHOD"]) == calendar.vobject.method.value
        assert vevent.uid.value == meeting.uid and int(event["SEQUENCE"]) == 0 == int(vevent.sequence.value)
        assert event.decoded("DTSTART") == meeting.starts_at
        assert vevent.dtstart.value.astimezone(UTC) == meeting.starts_at
        assert str(event["SUMMARY"]) == STEERING
        assert event["ORGANIZER"].params["CN"] == "Helena Forsberg"  # the social administration convenes
        [(address, params)] = calendar.attendees()
        assert [address] == received.envelope_to and params["PARTSTAT"] == "NEEDS-ACTION"
        assert_vtimezone_as_outlook_reads_it(calendar.vobject)
