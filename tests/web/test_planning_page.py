"""The planning page on the demo: a director plans, moves, cancels, adds and publishes with CSRF; who may see what."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from tests.web.helpers import csrf_token, log_in_as, page

from coordinator.auth.models import Role
from coordinator.clock import utcnow
from coordinator.org.models import Person
from coordinator.outbox.models import MessageKind, OutboxMessage
from coordinator.planning.models import Meeting, MeetingStatus
from coordinator.planning.services import cancel_meeting, move_meeting, plan_district_term
from coordinator.web import db

STOCKHOLM = ZoneInfo("Europe/Stockholm")
PLAN = "/districts/NORRVIKEN/terms/HT2027/plan"
PUBLISH = "/districts/NORRVIKEN/terms/HT2027/publish"
NOW = datetime(2027, 5, 3, 8, 0, tzinfo=timezone.utc)





def meetings(app) -> list[Meeting]:
    with app.app_context():
        session = db()
        found = session.scalars(sa.select(Meeting).order_by(Meeting.starts_at, Meeting.id)).all()
        for meeting in found:
            meeting.meeting_form  # noqa: B018  (loaded before the session closes)
        session.expunge_all()
        return list(found)


def forum(app) -> Meeting:
    return next(m for m in meetings(app) if m.meeting_form.name == "Övergripande samverkansforum")


def confirmation(html: str) -> dict[str, str]:
    """The confirmation form's fields as the browser would post them."""
    fields = dict(re.findall(r'<input[^>]*name="(\w+)"[^>]*value="([^"]*)"', html))
    return {name: fields[name] for name in ("csrf_token", "meetings", "invitations")}


def outbox_count(app) -> int:
    with app.app_context():
        return db().scalar(sa.select(sa.func.count()).select_from(OutboxMessage))


def plan_with_service(app) -> None:
    with app.app_context():
        plan_district_term(db(), "NORRVIKEN", "HT2027", actor="test", now=NOW)
        db().commit()


def post(client, url: str, data: dict[str, str] | None = None, token_from: str = PLAN):
    token = csrf_token(page(client.get(token_from)))
    return client.post(url, data={"csrf_token": token, **(data or {})})


def test_a_director_plans_moves_cancels_and_publishes_through_the_page(client, demo):
    log_in_as(client, demo, Role.DISTRICT_DIRECTOR, "NORRVIKEN")
    html = page(client.get(PLAN))
    assert "Planera terminen" in html and "Inga möten ännu." in html and "35 möten saknas i planen." in html

    response = post(client, PLAN)

    assert response.status_code == 302 and response.headers["Location"].endswith(PLAN)
    html = page(client.get(PLAN))
    assert "35 nya möten planerades som utkast." in html
    assert "35 möten i terminen, 35 utkast." in html
    assert len(meetings(demo)) == 35

    # move the forum a week later
    meeting = forum(demo)
    move_url = f"/districts/NORRVIKEN/terms/HT2027/meetings/{meeting.id}/move"
    move_page = page(client.get(move_url))
    assert 'value="2027-10-12"' in move_page and 'value="13:00"' in move_page
    response = post(client, move_url, {"day": "2027-10-19", "starts": "13:30", "ends": "15:30"}, token_from=move_url)
    # back to the meeting in its week of the plan
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"{PLAN}/weeks/2027-W42#meeting-{meeting.id}")
    moved = forum(demo)
    assert (moved.starts_at.astimezone(STOCKHOLM).isoformat(), moved.is_moved_by_hand) == (
        "2027-10-19T13:30:00+02:00", True)

    # cancel the first operative forum, after the confirmation page
    operative = next(m for m in meetings(demo) if m.meeting_form.name == "Lokalt operativt samverkansforum")
    cancel_url = f"/districts/NORRVIKEN/terms/HT2027/meetings/{operative.id}/cancel"
    assert "Ställa in mötet?" in page(client.get(cancel_url))
    assert post(client, cancel_url, token_from=cancel_url).status_code == 302
    assert next(m for m in meetings(demo) if m.id == operative.id).status is MeetingStatus.CANCELLED

    confirm = page(client.get(PUBLISH))
    assert "Publicera 34 möten?" in confirm
    assert re.search(r"\d+ inbjudningar till \d+ personer skickas när du publicerar\.", confirm)

    response = client.post(PUBLISH, data=confirmation(confirm))

    assert response.status_code == 302
    html = page(client.get(PLAN))
    assert re.search(r"34 möten publicerades; \d+ inbjudningar till \d+ personer skickas\.", html)
    assert "35 möten i terminen, 0 utkast." in html
    assert "Inställt" in page(client.get(f"{PLAN}/forms/{operative.meeting_form_id}"))
    assert "flyttat för hand" in page(client.get(f"{PLAN}/weeks/2027-W42"))
    assert {m.status for m in meetings(demo)} == {MeetingStatus.SCHEDULED, MeetingStatus.CANCELLED}
    assert {m.published_by for m in meetings(demo) if m.status is MeetingStatus.SCHEDULED} == {
        "eva.lindqvist@stockholm.example"}
    assert ">Publicera</button>" not in html  # nothing left to publish


def test_publishing_without_the_confirmation_publishes_nothing(client, demo):
    plan_with_service(demo)
    log_in_as(client, demo, Role.DISTRICT_DIRECTOR, "NORRVIKEN")

    response = post(client, PUBLISH)  # the old button's POST: a CSRF token and nothing else

    assert response.status_code == 302 and response.headers["Location"].endswith(PUBLISH)
    assert {m.status for m in meetings(demo)} == {MeetingStatus.DRAFT} and outbox_count(demo) == 0
    assert "Publicera 35 möten?" in page(client.get(response.headers["Location"]))


def test_a_plan_changed_after_the_confirmation_was_shown_is_not_published(client, demo):
    plan_with_service(demo)
    log_in_as(client, demo, Role.DISTRICT_DIRECTOR, "NORRVIKEN")
    shown = confirmation(page(client.get(PUBLISH)))
    # meanwhile another director cancels a meeting: one meeting and its invitations fewer
    with demo.app_context():
        cancel_meeting(db(), db().get(Meeting, forum(demo).id), actor="test", now=utcnow())
        db().commit()

    response = client.post(PUBLISH, data=shown)

    assert response.status_code == 200
    html = page(response)
    assert "Planen har ändrats sedan sidan visades; inget publicerades." in html and "Publicera 34 möten?" in html
    assert MeetingStatus.SCHEDULED not in {m.status for m in meetings(demo)} and outbox_count(demo) == 0


def test_a_draft_whose_time_has_passed_is_flagged_and_left_unpublished(client, demo):
    plan_with_service(demo)
    past = forum(demo)
    yesterday = utcnow().replace(microsecond=0) - timedelta(days=1)
    with demo.app_context():
        meeting = db().get(Meeting, past.id)
        meeting.starts_at, meeting.ends_at = yesterday, yesterday + timedelta(hours=2)
        db().commit()
    log_in_as(client, demo, Role.DISTRICT_DIRECTOR, "NORRVIKEN")

    html = page(client.get(PLAN))
    assert "Utkast i det förflutna: 1. De publiceras inte; flytta dem till en kommande dag eller ställ in dem." in html
    html = page(client.get(f"{PLAN}/forms/{past.meeting_form_id}"))
    row = re.search(rf'<tr id="meeting-{past.id}".*?</tr>', html, re.S).group(0)
    assert "Utkast, <strong>i det förflutna</strong>" in row
    confirm = page(client.get(PUBLISH))
    assert "Publicera 34 möten?" in confirm
    assert "1 utkast ligger i det förflutna och publiceras inte; det finns kvar som utkast" in confirm

    client.post(PUBLISH, data=confirmation(confirm))

    assert next(m for m in meetings(demo) if m.id == past.id).status is MeetingStatus.DRAFT
    with demo.app_context():
        invited = set(db().scalars(sa.select(OutboxMessage.meeting_id).where(
            OutboxMessage.kind == MessageKind.INVITATION)))
    assert past.id not in invited and len(invited) == 34
    assert "1 utkast ligger i det förflutna och publiceras inte" in page(client.get(PLAN))


def test_moving_a_meeting_into_the_past_is_refused_with_the_reason(client, demo):
    plan_with_service(demo)
    log_in_as(client, demo, Role.DISTRICT_DIRECTOR, "NORRVIKEN")
    meeting = forum(demo)
    move_url = f"/districts/NORRVIKEN/terms/HT2027/meetings/{meeting.id}/move"
    yesterday = (utcnow() - timedelta(days=1)).astimezone(STOCKHOLM).date()

    response = post(client, move_url, {"day": yesterday.isoformat(), "starts": "09:00", "ends": "10:00"},
                    token_from=move_url)

    assert response.status_code == 200
    assert f"Mötet kan inte läggas {yesterday.isoformat()} 09:00: den tiden har redan varit." in page(response)
    assert forum(demo).starts_at == meeting.starts_at


def test_a_director_adds_a_meeting_through_the_page(client, demo):
    log_in_as(client, demo, Role.DISTRICT_DIRECTOR, "NORRVIKEN")
    add_url = "/districts/NORRVIKEN/terms/HT2027/meetings/new"
    html = page(client.get(add_url))
    form_id = re.search(r'<option value="(\d+)">Anmälningsmöte</option>', html).group(1)
    school_id = re.search(r'<option value="(\d+)">Sjöängsskolan</option>', html).group(1)

    response = post(client, add_url, {"form_id": form_id, "school_id": school_id, "day": "2027-09-07",
                                      "starts": "10:00", "ends": ""}, token_from=add_url)

    assert response.status_code == 302
    [added] = meetings(demo)
    assert (added.is_added_by_hand, added.ends_at.astimezone(STOCKHOLM).isoformat()) == (
        True, "2027-09-07T11:00:00+02:00")
    # back in the meeting's week, where it shows as added
    assert response.headers["Location"].endswith(f"{PLAN}/weeks/2027-W36#meeting-{added.id}")
    assert "tillagt för hand" in page(client.get(response.headers["Location"]))


def test_an_added_per_school_meeting_without_a_school_is_sent_back_with_the_error(client, demo):
    log_in_as(client, demo, Role.DISTRICT_DIRECTOR, "NORRVIKEN")
    add_url = "/districts/NORRVIKEN/terms/HT2027/meetings/new"
    form_id = re.search(r'<option value="(\d+)">Elevhälsokonferens</option>', page(client.get(add_url))).group(1)

    response = post(client, add_url, {"form_id": form_id, "school_id": "", "day": "2027-09-07", "starts": "10:00"},
                    token_from=add_url)

    assert response.status_code == 200
    html = page(response)
    assert "Något behöver rättas" in html and "Elevhälsokonferens hålls för varje skola" in html
    assert meetings(demo) == []


def test_a_move_that_ends_before_it_starts_shows_the_error_summary(client, demo):
    plan_with_service(demo)
    log_in_as(client, demo, Role.DISTRICT_DIRECTOR, "NORRVIKEN")
    meeting = forum(demo)
    move_url = f"/districts/NORRVIKEN/terms/HT2027/meetings/{meeting.id}/move"

    response = post(client, move_url, {"day": "2027-10-19", "starts": "15:00", "ends": "13:00"}, token_from=move_url)

    assert response.status_code == 200
    html = page(response)
    assert "Något behöver rättas" in html and 'href="#ends"' in html
    assert "Mötet måste sluta efter att det börjar." in html
    assert forum(demo).starts_at == meeting.starts_at


def test_posting_without_a_csrf_token_plans_nothing(client, demo):
    log_in_as(client, demo, Role.DISTRICT_DIRECTOR, "NORRVIKEN")

    response = client.post(PLAN)

    assert response.status_code == 400
    assert meetings(demo) == []


def test_the_page_shows_the_warnings_on_top_and_the_term_week_by_week(client, demo):
    with demo.app_context():
        session = db()
        session.scalars(sa.select(Person).where(Person.email == "sofia.lindberg@edu.stockholm.example")).one() \
            .is_active = False
        session.commit()
    plan_with_service(demo)
    meeting = forum(demo)
    with demo.app_context():
        move_meeting(db(), db().get(Meeting, meeting.id), datetime(2027, 11, 3, 13, tzinfo=STOCKHOLM),
                     datetime(2027, 11, 3, 15, tzinfo=STOCKHOLM), actor="test", now=NOW)
        db().commit()
    log_in_as(client, demo, Role.DISTRICT_DIRECTOR, "NORRVIKEN")

    html = page(client.get(PLAN))

    warning = "Ingen aktiv person vid Norrvikens skola har funktionen kurator för Elevhälsokonferens."
    assert warning in html
    assert (f'<a href="{PLAN}/weeks/2027-W44#meeting-{meeting.id}">Övergripande samverkansforum 2027-11-03 13:00 '
            "ligger inte på skoltid: Höstlov.</a>") in html
    assert html.index(warning) < html.index("Möten per mötesform") < html.index("Terminen vecka för vecka")
    weeks = html[html.index("Terminen vecka för vecka"):]
    assert re.findall(r'href="[^"]*/plan/weeks/2027-W(\d+)">v\. (\d+)</a>', weeks) == [
        (f"{n}", f"{n}") for n in range(33, 52)]  # 33-51, the höstlov week 44 too

    def grid(week: int) -> str:
        html = page(client.get(f"{PLAN}/weeks/2027-W{week}"))
        grid = html[html.index('<table class="plan-grid">'):]
        assert [re.sub(r"<[^>]+>", "", h) for h in re.findall(r'<th scope="col">.*?</th>', grid)[:6]] == [
            "Vecka", "Måndag", "Tisdag", "Onsdag", "Torsdag", "Fredag"]
        rows = re.findall(r"<tr>\s*<th scope=\"row\">v\. (\d+)</th>(.*?)</tr>", grid, re.S)
        assert [int(number) for number, _ in rows] == [week]
        return rows[0][1]

    week_44 = grid(44)
    assert week_44.count('class="plan-grid__free"') == 5 and "Höstlov" in week_44
    assert "13:00 Övergripande samverkansforum" in week_44  # moved into the höstlov
    week_40 = grid(40)
    assert week_40.count('class="plan-grid__free"') == 1 and "Studiedag" in week_40
    assert "09:00 Lokalt operativt samverkansforum" in grid(41)
    assert "utanför terminen" in grid(33)  # Monday-Wednesday before the start
    # the meeting's week shows its warning too, and says that the others are on the overview
    week = page(client.get(f"{PLAN}/weeks/2027-W44"))
    assert "ligger inte på skoltid: Höstlov." in week and warning not in week
    assert re.search(r"Översikten har \d+ varning(ar)? till\.", week)


def test_the_district_page_links_the_planning_of_each_term(client, demo):
    log_in_as(client, demo, Role.DISTRICT_DIRECTOR, "NORRVIKEN")

    html = page(client.get("/districts/NORRVIKEN"))

    for term in ("HT2026", "VT2027", "HT2027", "VT2028"):
        assert f'href="/districts/NORRVIKEN/terms/{term}/plan"' in html


def test_another_districts_director_gets_404(client, demo):
    plan_with_service(demo)
    meeting = forum(demo)
    log_in_as(client, demo, Role.DISTRICT_DIRECTOR, "SODERBY")

    assert client.get(PLAN).status_code == 404
    assert post(client, PLAN, token_from="/districts/SODERBY/terms/HT2027/plan").status_code == 404
    # nor through their own district's address
    assert client.get(f"/districts/SODERBY/terms/HT2027/meetings/{meeting.id}/move").status_code == 404
    assert client.get(f"/districts/SODERBY/terms/HT2027/meetings/{meeting.id}/cancel").status_code == 404
    assert client.get("/districts/SODERBY/terms/HT2035/plan").status_code == 404
    assert len(meetings(demo)) == 35


def test_a_participant_may_neither_see_nor_plan(client, demo):
    log_in_as(client, demo, Role.PARTICIPANT)

    assert client.get(PLAN).status_code == 404
    assert post(client, PLAN, token_from="/").status_code == 404
    assert meetings(demo) == []


def test_an_auditor_sees_the_plan_but_cannot_change_it(client, demo):
    plan_with_service(demo)
    log_in_as(client, demo, Role.AUDITOR)

    html = page(client.get(PLAN))

    assert "Övergripande samverkansforum" in html
    assert "Planera terminen</button>" not in html and "/move" not in html
    assert post(client, "/districts/NORRVIKEN/terms/HT2027/publish", token_from="/").status_code == 404
    assert {m.status for m in meetings(demo)} == {MeetingStatus.DRAFT}


def test_anonymous_visitors_are_sent_to_the_login(client, demo):
    response = client.get(PLAN)

    assert response.status_code == 302 and "/login" in response.headers["Location"]
