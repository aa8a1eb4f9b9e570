"""The intake officer's pages on the demo, through the test client: the list with deadlines and days left, a new
report, proposals and booking, a late time with its reason, the outcome, withdrawal; every refusal in words with
nothing written; and who may see the pages at all (the district's intake officer yes, everyone else 404)."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
import sqlalchemy as sa

from coordinator.demo import data as demo_data
from coordinator.cases.models import Outcome, ReportOfConcern
from coordinator.org.models import Person, School
from coordinator.outbox.models import MessageKind, OutboxMessage
from coordinator.planning.models import Meeting
from coordinator.web import db
from tests.consultation_helpers import BOOKER, book_one
from tests.report_helpers import NOW, OFFICER_EMAIL
from tests.web.helpers import add_user, csrf_token, log_in, page, text

BASE = "/districts/NORRVIKEN/reports"
TUESDAY_19_13 = datetime(2027, 10, 19, 11, 0, tzinfo=UTC)  # 13.00 in Stockholm, the demo's consultation hours
INTAKE = demo_data.login_email(demo_data.LOGINS[7])
DIRECTOR = demo_data.login_email(demo_data.LOGINS[1])
SODERBY_DIRECTOR = demo_data.login_email(demo_data.LOGINS[3])
AUDITOR = demo_data.login_email(demo_data.LOGINS[6])
ADMIN = demo_data.login_email(demo_data.LOGINS[0])


@pytest.fixture
def intake(demo, client, monkeypatch):
    """Norrviken's intake officer logged in through the form, on Monday 18 October 2027."""
    monkeypatch.setattr("coordinator.cases.views.utcnow", lambda: NOW)
    assert INTAKE == OFFICER_EMAIL
    assert log_in(client, INTAKE, demo_data.PASSWORD).status_code == 302
    return client


def ids(app, model, name: str) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        return db().scalars(sa.select(model.id).where(model.name == name)).one()


def reports(app) -> list[ReportOfConcern]:  # type: ignore[no-untyped-def]
    with app.app_context():
        found = list(db().scalars(sa.select(ReportOfConcern).order_by(ReportOfConcern.id)))
        for report in found:
            db().expunge(report)
        return found


def post(client, url: str, fields: dict, form_url: str | None = None):  # type: ignore[no-untyped-def]
    return client.post(url, data={"csrf_token": csrf_token(text(client.get(form_url or url))), **fields})


def errors(html: str) -> list[str]:
    summary = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    return [unescape(m) for m in re.findall(r"<li><a [^>]*>(.*?)</a></li>", summary.group(0))] if summary else []


def new_report(client, app, **changes: str):  # type: ignore[no-untyped-def]
    fields = {"received_on": "2027-10-15", "school_id": str(ids(app, School, "Norrvikens skola")),
              "reporter_id": str(ids(app, Person, "Sofia Lindberg")), "case_reference": "IFO 2027-0815",
              **changes}
    return post(client, f"{BASE}/new", fields)


def test_the_intake_officer_finds_the_reports_from_the_menu_and_records_one(app, intake):
    home = page(intake.get("/"))
    assert f'href="{BASE}"' in home and "Orosanmälningar" in home

    form = page(intake.get(f"{BASE}/new"))
    assert "aldrig vem barnet är: inget namn och inget personnummer" in form
    assert "Skriv aldrig barnets namn eller personnummer." in form  # the field's own hint, up front
    response = new_report(intake, app)
    [report] = reports(app)
    assert response.status_code == 302 and response.location.endswith(f"{BASE}/{report.id}")

    shown = page(intake.get(response.location))
    assert "Anmälan är registrerad. Sista dagen för beslutet är fredag 29 oktober 2027." in shown
    assert "14 dagar enligt socialtjänstlagen" in shown and "11 dagar kvar" in shown
    listing = page(intake.get(BASE))
    assert "Norrvikens skola" in listing and "fredag 29 oktober 2027" in listing and "Inget möte bokat" in listing


def test_the_intake_officers_front_page_shows_open_reports_by_deadline_and_todays_consultations(
        app, intake, monkeypatch):
    new_report(intake, app)                                  # deadline Friday 29 October
    new_report(intake, app, received_on="2027-10-01")        # deadline Friday 15 October: passed
    with app.app_context():
        book_one(db(), TUESDAY_19_13, now=NOW)
        book_one(db(), TUESDAY_19_13 + timedelta(days=7), school="Norrvikens skola", now=NOW,
                 email="next.week@norrviken.example")      # not today: not on the page
    monkeypatch.setattr("coordinator.org.views.utcnow", lambda: TUESDAY_19_13 - timedelta(hours=3))

    html = text(intake.get("/"))

    assert "<h1>Mottagningsgruppen i Norrviken</h1>" in html
    rows = re.findall(r'<tr id="report-\d+"( class="is-overdue")?>.*?</tr>', html, re.S)
    assert rows == [' class="is-overdue"', ""]  # the passed deadline first, marked
    deadlines = re.findall(r"<td>(\w+dag \d+ oktober 2027)</td>", html)
    assert deadlines == ["fredag 1 oktober 2027", "fredag 15 oktober 2027", "fredag 15 oktober 2027",
                         "fredag 29 oktober 2027"]
    assert "Försenad: sista dagen har passerat" in html and "10 dagar kvar" in html
    assert "13:00–13:20" in html and BOOKER[1] in html and "next.week@norrviken.example" not in html
    for href in (BASE, "/districts/NORRVIKEN/consultations", "/districts/NORRVIKEN/consultations/hours",
                 "/districts/NORRVIKEN/consultations/links"):
        assert f'href="{href}"' in html


@pytest.mark.parametrize("changes, message", [
    ({"received_on": "2027-10-19"}, "Anmälan kan inte ha kommit in 2027-10-19, ett datum som inte har varit än."),
    ({"case_reference": "Elev 19871125-9823"},
     "Socialtjänstens ärendereferens får inte innehålla personnummer eller samordningsnummer (här står "
     "19871125-****). Ta bort numret; ingenting sparades."),
    ({"reporter_id": "", "reporter_name": "Annika", "reporter_email": "annika.berg@edu.stockholm.example"},
     "annika.berg@edu.stockholm.example tillhör Annika Berg, som finns i registret. Välj personen som anmälare i "
     "stället."),
    ({"reporter_id": ""}, "Välj vem på skolan som gjorde anmälan"),
    ({"case_reference": ""}, "Skriv socialtjänstens egen ärendereferens."),
])
def test_bad_input_on_the_form_is_refused_in_words_and_nothing_is_written(app, intake, changes, message):
    response = new_report(intake, app, **changes)

    assert response.status_code == 200
    assert any(message in e for e in errors(page(response))), errors(page(response))
    assert reports(app) == []


def test_an_english_reader_gets_the_refusal_in_english(app, demo, client, monkeypatch):
    monkeypatch.setattr("coordinator.cases.views.utcnow", lambda: NOW)
    add_user(app, "intake.en@example.se", "intake_officer", "NORRVIKEN", name="Ida Intake", language="en")
    log_in(client, "intake.en@example.se")

    response = new_report(client, app, case_reference="Pupil 871125-9823")
    assert ("Social services' case reference must not contain a personal identity number or coordination number "
            "(it says 871125-****). Remove the number; nothing was saved.") in errors(page(response))


def test_booking_a_proposed_time_sends_the_invitations(app, intake):
    report_url = new_report(intake, app).location
    shown = page(intake.get(report_url))
    slots = re.findall(r'name="slot"[^>]*value="([^"]+)"', shown)
    assert slots[0] == "2027-10-19T08:00" and slots[-1] == "other"
    assert "Tider före sista dagen då anmälaren och du är lediga" in shown

    response = post(intake, f"{report_url}/book", {"slot": slots[0], "place": "IFO Norrviken, rum 2"}, report_url)
    assert response.status_code == 302
    shown = page(intake.get(report_url))
    assert "Mötet är bokat tisdag 19 oktober 2027 08:00" in shown
    assert "Sofia Lindberg: Inte svarat" in shown and "Boka om mötet" in shown
    with app.app_context():
        kinds = db().scalars(sa.select(OutboxMessage.kind)).all()
    assert kinds == [MessageKind.INVITATION, MessageKind.INVITATION]


def test_a_later_time_is_refused_without_a_reason_and_shown_with_it(app, intake):
    report_url = new_report(intake, app).location
    late = {"slot": "other", "day": "2027-11-01", "starts": "13:00", "place": "IFO Norrviken"}

    response = post(intake, f"{report_url}/book", late, report_url)
    assert response.status_code == 422
    assert ("Tiden ligger efter sista dagen 2027-10-29. Skriv skälet till den senare tiden; ingenting bokades."
            in errors(page(response)))
    with app.app_context():
        assert db().scalars(sa.select(Meeting)).all() == []

    response = post(intake, f"{report_url}/book", {**late, "late_reason": "Vårdnadshavarna kan först efter lovet"},
                    report_url)
    assert response.status_code == 302
    shown = page(intake.get(report_url))
    assert "Efter sista dagen, skäl" in shown and "Vårdnadshavarna kan först efter lovet" in shown
    assert "(efter sista dagen)" in page(intake.get(BASE))


def test_other_time_needs_a_day_and_a_start(app, intake):
    report_url = new_report(intake, app).location
    response = post(intake, f"{report_url}/book", {"slot": "other", "place": "IFO"}, report_url)
    assert response.status_code == 422 and "Ange datum och starttid för den andra tiden." in errors(page(response))


def test_the_outcome_with_its_reason_and_cancelling_the_booking(app, intake):
    report_url = new_report(intake, app).location
    post(intake, f"{report_url}/book", {"slot": "2027-10-19T08:00", "place": "IFO"}, report_url)

    response = post(intake, f"{report_url}/cancel-meeting", {}, report_url)
    assert response.status_code == 302
    assert "Mötet är avbokat" in page(intake.get(report_url))

    response = post(intake, f"{report_url}/outcome", {"outcome": "not_appropriate"}, report_url)
    assert response.status_code == 422 and "Välj varför ett anmälningsmöte inte är lämpligt." in errors(page(response))
    response = post(intake, f"{report_url}/outcome", {"outcome": "not_appropriate", "reason": "moved"}, report_url)
    assert response.status_code == 302
    shown = page(intake.get(report_url))
    assert "Inte lämpligt" in shown and "Familjen har flyttat" in shown
    assert reports(app)[0].outcome is Outcome.NOT_APPROPRIATE
    assert "Med utfall" in page(intake.get(BASE))


def test_a_report_is_withdrawn_with_a_reason_and_listed_as_withdrawn(app, intake):
    report_url = new_report(intake, app).location
    response = post(intake, f"{report_url}/withdraw", {"reason": ""})
    assert response.status_code == 422 and "Skriv varför anmälan återtas." in errors(page(response))
    response = post(intake, f"{report_url}/withdraw", {"reason": "Registrerad två gånger"})

    assert response.status_code == 302 and response.location.endswith(BASE)
    listing = page(intake.get(BASE))
    assert "Återtagna" in listing and "Registrerad två gånger" in listing
    assert reports(app)[0].is_withdrawn
    assert intake.get(f"{report_url}/withdraw").status_code == 404  # once withdrawn, there is nothing to withdraw


# -- who may --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("email, status", [
    (INTAKE, 200), (ADMIN, 200),                   # the district's intake officer; the city administrator
    (DIRECTOR, 404), (SODERBY_DIRECTOR, 404),      # directors see the figures in the follow-up, not the cases
    (AUDITOR, 404),
])
def test_only_those_who_handle_the_districts_cases_see_its_reports(demo, client, email, status):
    log_in(client, email, demo_data.PASSWORD)
    assert client.get(BASE).status_code == status
    assert client.get(f"{BASE}/new").status_code == status


def test_another_districts_intake_officer_gets_404_for_its_list_its_reports_and_its_posts(app, intake):
    report_url = new_report(intake, app).location
    add_user(app, "intake@soderby.example", "intake_officer", "SODERBY", name="Siv Söderby")
    client = app.test_client()
    log_in(client, "intake@soderby.example")

    assert client.get(report_url).status_code == 404
    assert client.get("/districts/SODERBY/reports").status_code == 200
    token = csrf_token(text(client.get("/districts/SODERBY/reports/new")))
    assert client.post(f"{report_url}/withdraw", data={"csrf_token": token, "reason": "x"}).status_code == 404
    assert not reports(app)[0].is_withdrawn
    # the report of Norrviken under Söderby's address is not found either
    assert client.get(f"/districts/SODERBY/reports/{reports(app)[0].id}").status_code == 404


def test_anonymous_visitors_are_sent_to_the_login(client, demo):
    response = client.get(BASE)
    assert response.status_code == 302 and "/login" in response.location


def test_the_director_finds_no_page_of_the_report_meeting_in_the_plan_or_the_minutes(app, intake):
    report_url = new_report(intake, app).location
    post(intake, f"{report_url}/book", {"slot": "2027-10-19T08:00", "place": "IFO"}, report_url)
    with app.app_context():
        meeting_id = db().scalars(sa.select(Meeting.id)).one()
    director = app.test_client()
    log_in(director, DIRECTOR, demo_data.PASSWORD)

    assert director.get(f"/districts/NORRVIKEN/terms/HT2027/meetings/{meeting_id}").status_code == 404
    assert director.get(f"/meetings/{meeting_id}/minutes").status_code == 404
    plan = page(director.get("/districts/NORRVIKEN/terms/HT2027/plan"))
    assert "Anmälningsmöte (Norrvikens skola)" not in plan


def test_the_reminder_and_the_deadline_list_lead_the_intake_officer_to_the_reports(app, intake):
    from datetime import timedelta
    from email import message_from_bytes, policy
    from urllib.parse import urlsplit

    from coordinator.cases.sweeps import queue_report_reminders
    from coordinator.invitations.messages import MailContext

    new_report(intake, app)
    [report] = reports(app)
    with app.app_context():
        mail = MailContext.from_settings(app.extensions["coordinator.settings"])
        assert queue_report_reminders(db(), NOW + timedelta(days=4), mail, reminder_days=3) >= 2
        db().commit()
        rows = db().scalars(sa.select(OutboxMessage).where(OutboxMessage.kind.in_(
            [MessageKind.CONCERN_UNBOOKED, MessageKind.CONCERN_DEADLINES]))).all()
        bodies = {row.kind: message_from_bytes(row.content, policy=policy.default).get_body(("plain",)).get_content()
                  for row in rows}
    assert set(bodies) == {MessageKind.CONCERN_UNBOOKED, MessageKind.CONCERN_DEADLINES}
    for kind, body in bodies.items():
        urls = re.findall(r"https?://\S+", body)
        assert urls, kind
        for url in urls:
            response = intake.get(urlsplit(url).path)
            assert response.status_code == 200, url
            assert "Norrvikens skola" in page(response), url
        assert f"{BASE}/{report.id}" in body
