"""The protocol register and the committee bundle on the demo: overdue minutes first, filters, CSV and
XLSX read back, the bundle reported in one action (or refused, with nothing changed), action items
carried to the next meeting of the series, corrections with the earlier text readable, and who sees
the history."""
from __future__ import annotations

import csv
import io
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from tests.minutes_helpers import CONFERENCE, FORUM, meetings_of
from tests.web.helpers import log_in_as, page
from tests.web.test_minutes_pages import hold, minutes_row, post, snapshot, start_and_fill, url

from coordinator.auth.models import Role
from coordinator.clock import utcnow
from coordinator.minutes.models import Minutes, MinutesState
from coordinator.org.models import Person
from coordinator.planning.models import Meeting
from coordinator.web import db

REGISTER = "/districts/NORRVIKEN/minutes"


def approve(app, meeting_id: int) -> None:
    """Let the adjusters' confirmations be recorded as the service does, without logins of their own."""
    from coordinator.minutes.services import confirm_minutes

    with app.app_context():
        session = db()
        minutes = session.scalars(sa.select(Minutes).where(Minutes.meeting_id == meeting_id)).one()
        for adjuster in list(minutes.adjusters):
            confirm_minutes(session, minutes, person_id=adjuster.person_id, actor=adjuster.person.email, now=utcnow())
        session.commit()


@pytest.fixture
def admin(client, demo):
    log_in_as(client, demo, Role.DISTRICT_ADMIN, "NORRVIKEN")
    return client


def test_the_register_lists_overdue_minutes_first_and_filters(admin, demo):
    forum = hold(demo, ended_days_ago=30)  # due 14 days after: overdue
    with demo.app_context():
        conference = meetings_of(db(), CONFERENCE)[0]
        ends = utcnow() - timedelta(days=2)
        conference.starts_at, conference.ends_at = ends - timedelta(hours=1), ends
        db().commit()
        conference_id = conference.id

    html = page(admin.get(REGISTER, query_string={"term": "HT2027"}))

    assert "1 protokoll är försenat." in html
    rows = html.split("<tbody>")[1].split("</tr>")
    assert f"/meetings/{forum}/minutes" in rows[0] and "Försenat:" in rows[0] and "Saknas" in rows[0]
    assert "Kommande möte" in html
    filtered = page(admin.get(REGISTER, query_string={"term": "HT2027", "state": "missing"}))
    assert f"/meetings/{forum}/minutes" in filtered and f"/meetings/{conference_id}/minutes" in filtered
    assert "Kommande möte</td>" not in filtered
    only_forum = page(admin.get(REGISTER, query_string={"term": "HT2027", "form": FORUM}))
    assert only_forum.count("/minutes\">") == 1


def test_the_register_as_csv_and_xlsx(admin, demo):
    forum = hold(demo, ended_days_ago=30)
    start_and_fill(demo, admin, forum)

    response = admin.get(f"{REGISTER}/register.csv", query_string={"term": "HT2027", "form": FORUM})
    assert response.mimetype == "text/csv" and response.data.startswith(b"\xef\xbb\xbf")
    assert "attachment" in response.headers["Content-Disposition"]
    table = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert table[0][:4] == ["Möte", "Mötesform", "Börjar", "Protokoll"]
    assert table[1][0] == FORUM and table[1][3] == "Utkast" and table[1][5] == "Ja"
    assert table[1][-1] == "Ja"  # every required function was there

    response = admin.get(f"{REGISTER}/register.xlsx", query_string={"term": "HT2027", "form": FORUM})
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = list(sheet.values)
    assert values[0][0] == "Möte" and values[1][0] == FORUM and values[1][3] == "Utkast"
    with demo.app_context():
        starts = db().get(Meeting, forum).starts_at.astimezone(ZoneInfo("Europe/Stockholm"))
    assert values[1][2] == starts.replace(tzinfo=None, second=0, microsecond=0)  # a date cell, in local time


def test_minutes_registered_late_stay_late_on_the_page_and_in_the_export(admin, demo):
    forum = hold(demo, ended_days_ago=30)  # due 14 days after the meeting: 16 days late today
    start_and_fill(demo, admin, forum)
    post(admin, url(forum, "/register"), token_from=url(forum))
    approve(demo, forum)

    rows = page(admin.get(REGISTER, query_string={"term": "HT2027", "form": FORUM})).split("<tbody>")[1]
    assert "Justerat" in rows and "Försenat:" not in rows
    assert "Registrerades 16 dagar för sent" in rows

    response = admin.get(f"{REGISTER}/register.csv", query_string={"term": "HT2027", "form": FORUM})
    header, row = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))[:2]
    assert row[header.index("Försenat")] == "Ja" and row[header.index("Dagar för sent")] == "16"


def test_the_committee_bundle_is_reported_in_one_action(admin, demo):
    forum = hold(demo, ended_days_ago=2)
    start_and_fill(demo, admin, forum)
    post(admin, url(forum, "/register"), token_from=url(forum))
    bundle = "/districts/NORRVIKEN/minutes/committee"
    assert "Inga protokoll väntar på att anmälas." in page(admin.get(bundle))
    approve(demo, forum)
    minutes_id = minutes_row(demo, forum).id
    assert FORUM in page(admin.get(bundle))
    day = (utcnow() + timedelta(days=10)).date().isoformat()

    response = post(admin, bundle, {"minutes": [minutes_id], "committee_date": day, "reference": "SDN 2027/123"})

    assert response.status_code == 302
    assert "1 protokoll anmäldes till nämnden (SDN 2027/123)." in page(admin.get(bundle))
    minutes = minutes_row(demo, forum)
    assert (minutes.state, minutes.committee_reference, minutes.committee_date.isoformat()) == (
        MinutesState.REPORTED, "SDN 2027/123", day)


def test_a_diarienummer_holding_an_identity_number_is_refused_and_nothing_changes(admin, demo):
    forum = hold(demo, ended_days_ago=2)
    start_and_fill(demo, admin, forum)
    post(admin, url(forum, "/register"), token_from=url(forum))
    approve(demo, forum)
    before = snapshot(demo)
    day = (utcnow() + timedelta(days=10)).date().isoformat()

    response = post(admin, "/districts/NORRVIKEN/minutes/committee",
                    {"minutes": [minutes_row(demo, forum).id], "committee_date": day, "reference": "SDN 871125-9823"})

    assert response.status_code == 200
    assert ("Nämndens diarienummer får inte innehålla personnummer eller samordningsnummer (här står 871125-****)."
            in page(response))
    assert snapshot(demo) == before and minutes_row(demo, forum).committee_reference is None


def test_reporting_unapproved_minutes_is_refused_and_nothing_changes(admin, demo):
    forum = hold(demo, ended_days_ago=2)
    start_and_fill(demo, admin, forum)
    minutes_id = minutes_row(demo, forum).id
    before = snapshot(demo)
    day = utcnow().date().isoformat()

    response = post(admin, "/districts/NORRVIKEN/minutes/committee",
                    {"minutes": [minutes_id], "committee_date": day, "reference": "SDN 2027/123"})

    assert response.status_code == 200
    assert "Inget anmäldes: Övergripande samverkansforum" in page(response)
    assert "är inte justerade eller redan anmälda." in page(response)
    assert snapshot(demo) == before


def test_open_action_items_are_shown_and_closed_at_the_next_meeting(admin, demo):
    hold(demo)
    with demo.app_context():
        session = db()
        first, second = meetings_of(session, "Lokalt operativt samverkansforum")[:2]
        now = utcnow()
        first.starts_at, first.ends_at = now - timedelta(days=40), now - timedelta(days=40) + timedelta(hours=1)
        second.starts_at, second.ends_at = now - timedelta(days=3), now - timedelta(days=3) + timedelta(hours=1)
        owner = session.scalars(sa.select(Person.id).where(Person.name == "Omar Haddad")).one()
        session.commit()
        first_id, second_id = first.id, second.id
    post(admin, url(first_id))
    due = (utcnow() + timedelta(days=7)).date().isoformat()
    response = post(admin, url(first_id, "/items/new"), {"text": "Kartlägga kvällsaktiviteter", "owner": owner,
                                                          "due_on": due})
    assert response.status_code == 302

    html = page(admin.get(url(second_id)))
    assert "Öppna punkter från tidigare möten" in html and "Kartlägga kvällsaktiviteter" in html
    item_id = int(html.split(f"/meetings/{second_id}/minutes/items/")[1].split("/")[0])

    response = post(admin, url(second_id, f"/items/{item_id}/status"), {"status": "done"}, token_from=url(second_id))

    assert response.status_code == 302
    assert "Kartlägga kvällsaktiviteter" not in page(admin.get(url(second_id)))
    assert "Klar" in page(admin.get(url(first_id)))


def test_a_correction_keeps_the_approved_text_readable(admin, demo):
    forum = hold(demo, ended_days_ago=2)
    start_and_fill(demo, admin, forum)
    post(admin, url(forum, "/register"), token_from=url(forum))
    approve(demo, forum)
    assert admin.get(url(forum, "/text")).status_code == 302  # final: to the correction page

    response = post(admin, url(forum, "/correction"), {"reason": "Fel månad"})
    assert response.status_code == 302 and response.headers["Location"].endswith(url(forum, "/text"))
    post(admin, url(forum, "/text"), {"decisions": "Nästa möte i februari."})

    html = page(admin.get(url(forum)))
    assert "Version 2" in html and "rättelse – Fel månad" in html and "Rättelse påbörjad" in html
    assert "Nästa möte i februari." in html
    old = page(admin.get(url(forum, "/revisions/1")))
    assert "Nästa möte i januari – åäö." in old and "Ersatt version" in old


def test_the_history_is_for_administrators_and_auditors(admin, demo, client):
    forum = hold(demo, ended_days_ago=2)
    start_and_fill(demo, admin, forum)
    html = page(admin.get(url(forum)))
    assert "Historik" in html and "Närvaro registrerad" in html and "Ändrade avsnitt: Beslut" in html

    auditor = demo.test_client()
    log_in_as(auditor, demo, Role.AUDITOR)
    html = page(auditor.get(url(forum)))
    assert "Historik" in html and "Skriv texten" not in html and "Registrera protokollet" not in html
    assert post(auditor, url(forum, "/register"), token_from=url(forum)).status_code == 404

    principal = demo.test_client()
    log_in_as(principal, demo, Role.PARTICIPANT)  # Annika Berg, invited
    html = page(principal.get(url(forum)))
    assert "Nästa möte i januari – åäö." in html and "Historik" not in html


def test_the_meeting_page_partial_shows_the_state_and_the_functions(admin, demo):
    forum = hold(demo, ended_days_ago=2)
    start_and_fill(demo, admin, forum)
    with demo.test_request_context():
        from flask import g, render_template_string

        from coordinator.auth.models import User
        g.user = db().scalars(sa.select(User).where(User.role == Role.DISTRICT_ADMIN)).first()
        html = render_template_string('{% include "minutes/_on_meeting.html" %}', meeting=db().get(Meeting, forum))
    assert "Protokoll: Utkast." in html and "Alla krävda funktioner var företrädda." in html
    assert f"/meetings/{forum}/minutes" in html


def test_another_districts_meetings_are_neither_in_the_register_nor_reachable(admin, demo):
    hold(demo, district="SODERBY", form=FORUM)
    html = page(admin.get(REGISTER, query_string={"term": "HT2027"}))
    assert "Inga möten motsvarar urvalet." in html
    assert admin.get("/districts/SODERBY/minutes").status_code == 404
