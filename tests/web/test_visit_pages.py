"""The staff-meeting visit (APT) pages in the browser (test client, on the demo): the principal proposes a day
from the school's page, a refused day keeps what was typed with the message in the reader's language and
writes nothing, social services confirms from the district's page, and other districts see nothing."""
from __future__ import annotations

import sqlalchemy as sa

from coordinator.audit import AuditEvent
from coordinator.auth.models import Role
from coordinator.org.models import School
from coordinator.outbox.models import OutboxMessage
from coordinator.planning.models import Meeting, MeetingStatus
from coordinator.visits.models import StaffMeetingVisit
from coordinator.web import db
from tests.consultation_helpers import NOW
from tests.web.helpers import csrf_token, log_in_as, page, text

import pytest


@pytest.fixture
def app_at_now(demo, monkeypatch):
    """The demo, with the APT pages' clock at Wednesday 1 September 2027 (HT2027, school year 2027/28)."""
    monkeypatch.setattr("coordinator.visits.views.utcnow", lambda: NOW)
    return demo


def school_url(app, name: str = "Norrvikens skola") -> str:
    with app.app_context():
        return f"/schools/{db().scalars(sa.select(School.id).where(School.name == name)).one()}/apt"


def snapshot(app) -> tuple[int, ...]:
    with app.app_context():
        return tuple(db().scalar(sa.select(sa.func.count()).select_from(table))
                     for table in (StaffMeetingVisit, Meeting, OutboxMessage, AuditEvent))


def propose(client, url: str, day: str, clock: str = "15:00"):
    html = page(client.get(url))
    return client.post(url, data={"csrf_token": csrf_token(html), "day": day, "starts_at": clock})


def test_the_principal_proposes_and_social_services_confirms(client, app_at_now):
    log_in_as(client, app_at_now, Role.PARTICIPANT)  # Annika Berg, rektor of Norrvikens skola
    url = school_url(app_at_now)
    assert "2027/28" in text(client.get(url))

    response = propose(client, url, "2027-09-23")

    assert response.status_code == 302
    assert "Ni har föreslagit 2027-09-23 15:00" in text(client.get(url))

    log_in_as(client, app_at_now, Role.INTAKE_OFFICER, "NORRVIKEN")
    listing = page(client.get("/districts/NORRVIKEN/apt"))
    assert "Föreslaget 2027-09-23 15:00" in listing
    with app_at_now.app_context():
        visit_id = db().scalars(sa.select(StaffMeetingVisit.id)).one()
    confirmed = client.post(f"/districts/NORRVIKEN/apt/{visit_id}/confirm", data={"csrf_token": csrf_token(listing)},
                            follow_redirects=True)
    assert "Bekräftat 2027-09-23 15:00" in text(confirmed)
    with app_at_now.app_context():
        assert db().scalars(sa.select(Meeting.status).join(StaffMeetingVisit)).one() is MeetingStatus.SCHEDULED
        assert db().scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 2  # the principal and the contact


def test_a_refused_day_keeps_what_was_typed_says_why_in_the_readers_language_and_writes_nothing(client, app_at_now):
    log_in_as(client, app_at_now, Role.PARTICIPANT)
    url = school_url(app_at_now)
    before = snapshot(app_at_now)

    swedish = page(propose(client, url, "2027-11-03"))
    client.post("/sprak", data={"csrf_token": csrf_token(swedish), "language": "en", "next": url})
    english = page(propose(client, url, "2027-09-25"))

    assert "2027-11-03 är ingen skoldag (Höstlov)" in swedish and 'value="2027-11-03"' in swedish
    assert "2027-09-25 is not a school day (weekend)" in english and 'value="2027-09-25"' in english
    assert snapshot(app_at_now) == before  # the language is the user's setting, not written with the visit


def test_another_districts_director_sees_neither_the_list_nor_can_confirm(client, app_at_now):
    log_in_as(client, app_at_now, Role.PARTICIPANT)
    propose(client, school_url(app_at_now), "2027-09-23")
    with app_at_now.app_context():
        visit_id = db().scalars(sa.select(StaffMeetingVisit.id)).one()
    log_in_as(client, app_at_now, Role.DISTRICT_DIRECTOR, "SODERBY")
    before = snapshot(app_at_now)

    assert client.get("/districts/NORRVIKEN/apt").status_code == 404
    assert client.post(f"/districts/NORRVIKEN/apt/{visit_id}/confirm").status_code in (400, 404)
    assert client.get(school_url(app_at_now)).status_code == 404
    assert snapshot(app_at_now) == before


def test_the_district_view_and_the_committee_report_show_the_visits(client, app, followup_world):
    log_in_as(client, app, Role.DISTRICT_DIRECTOR, "EKDAL")

    view = text(client.get("/districts/EKDAL/followup", query_string={"term": "HT2027"}))
    report = client.get("/districts/EKDAL/followup/report.csv", query_string={"term": "HT2027"}).get_data(as_text=True)

    assert "Socialtjänstens besök på APT" in view and "APT-besök gjorda på fristående skolor" in view
    assert "APT-besök gjorda på kommunala skolor" in report
