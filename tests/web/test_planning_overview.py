"""The plan read as an overview with drill-down (issue 16): the overview counts each form's meetings and shows every
warning; a week, a month and a form show exactly their meetings and the warnings about them; the pages take a fixed
handful of statements however many meetings the term has, and a change shows on the next request."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from html import unescape
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from tests.web.helpers import log_in_as, page

from coordinator.auth.models import Role
from coordinator.invitations.messages import MailContext
from coordinator.invitations.services import add_invitee, record_answer
from coordinator.org.models import Person
from coordinator.planning.models import Answer, Invitation, Meeting
from coordinator.planning.services import move_meeting, plan_district_term, review
from coordinator.web import db, settings

STOCKHOLM = ZoneInfo("Europe/Stockholm")
PLAN = "/districts/NORRVIKEN/terms/HT2027/plan"
NOW = datetime(2027, 5, 3, 8, 0, tzinfo=timezone.utc)


def planned(app) -> list[tuple[int, int, datetime]]:
    """The district's planned meetings: (id, form id, local start)."""
    with app.app_context():
        plan_district_term(db(), "NORRVIKEN", "HT2027", actor="test", now=NOW)
        db().commit()
        return [(m.id, m.meeting_form_id, m.starts_at.astimezone(STOCKHOLM))
                for m in db().scalars(sa.select(Meeting).order_by(Meeting.starts_at, Meeting.id))]


def rows(html: str) -> set[int]:
    return {int(i) for i in re.findall(r'<tr id="meeting-(\d+)"', html)}


def statements_of(app, client, url: str) -> tuple[str, int]:
    engine = app.extensions["coordinator.engine"]
    seen: list[str] = []

    def count(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        html = page(client.get(url))
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    return html, len(seen)


def test_a_week_a_month_and_a_form_show_exactly_their_meetings(client, demo):
    meetings = planned(demo)
    log_in_as(client, demo, Role.DISTRICT_DIRECTOR, "NORRVIKEN")

    week = page(client.get(f"{PLAN}/weeks/2027-W41"))
    month = page(client.get(f"{PLAN}/months/2027-10"))
    form_id = meetings[0][1]
    form = page(client.get(f"{PLAN}/forms/{form_id}"))

    assert rows(week) == {i for i, _, at in meetings if at.isocalendar()[:2] == (2027, 41)} != set()
    assert rows(month) == {i for i, _, at in meetings if (at.year, at.month) == (2027, 10)} != set()
    assert rows(form) == {i for i, f, _ in meetings if f == form_id} != set()
    # the overview lists no meeting, and counts them all by form, month and week
    overview = page(client.get(PLAN))
    assert rows(overview) == set() and "invitees" not in overview
    counts = [int(n) for n in re.findall(r"</a>: (\d+) möten?</li>", overview)]
    months = len(re.findall(r'/plan/months/\d{4}-\d\d"', overview))
    assert sum(counts[:months]) == sum(counts[months:]) == len(meetings)
    # the week's neighbours, and the way back to the overview
    assert f'rel="prev" href="{PLAN}/weeks/2027-W40"' in week and f'rel="next" href="{PLAN}/weeks/2027-W42"' in week
    assert f'href="{PLAN}"' in week


def test_every_warning_is_on_the_overview_and_a_meetings_warning_in_its_week(client, demo):
    meetings = planned(demo)
    forum = next(i for i, f, _ in meetings if f == meetings[-1][1])
    with demo.app_context():  # the last form's first meeting onto the first meeting's time: a collision
        other = db().scalars(sa.select(Meeting).where(Meeting.id != forum).order_by(Meeting.starts_at)).first()
        starts = other.starts_at
        move_meeting(db(), db().get(Meeting, forum), starts, starts + timedelta(hours=2), actor="test", now=NOW)
        db().commit()
        expected = review(db(), "NORRVIKEN", "HT2027", datetime.now(timezone.utc))
    log_in_as(client, demo, Role.DISTRICT_DIRECTOR, "NORRVIKEN")

    overview = unescape(page(client.get(PLAN)))

    assert expected.warnings
    for warning in expected.warnings:
        assert warning.message("sv") in overview
    year, week, _ = starts.astimezone(STOCKHOLM).isocalendar()
    week_page = unescape(page(client.get(f"{PLAN}/weeks/{year}-W{week:02d}")))
    about_the_week = [w for w in expected.warnings if w.meeting_id in rows(week_page)]
    assert about_the_week  # the collision at least
    for warning in about_the_week:
        assert warning.message("sv") in week_page
        assert f'/weeks/{year}-W{week:02d}#meeting-{warning.meeting_id}"' in week_page


def test_the_plans_pages_take_a_fixed_handful_of_statements(client, demo):
    """The overview and a week read the user, the district with the term and the data's version (and the
    user's person for the header); the term's review (the organisation, the planner, the meetings) is made once
    and kept while nothing audited changes (docs/PERFORMANCE.md, issue 16; decision 77)."""
    planned(demo)
    log_in_as(client, demo, Role.DISTRICT_DIRECTOR, "NORRVIKEN")
    first, reviewed = statements_of(demo, client, PLAN)

    overview, shown = statements_of(demo, client, PLAN)
    week, week_shown = statements_of(demo, client, f"{PLAN}/weeks/2027-W41")

    assert reviewed <= 25, reviewed  # the review itself: a fixed number too, however many meetings
    assert shown <= 4, shown
    assert week_shown <= 4, week_shown
    assert rows(week) and "35 möten i terminen" in overview


def test_a_change_shows_on_the_next_request(client, demo):
    meetings = planned(demo)
    log_in_as(client, demo, Role.DISTRICT_DIRECTOR, "NORRVIKEN")
    meeting_id, _, at = meetings[0]
    year, week, _ = at.isocalendar()
    assert meeting_id in rows(page(client.get(f"{PLAN}/weeks/{year}-W{week:02d}")))  # kept now

    with demo.app_context():
        meeting = db().get(Meeting, meeting_id)
        move_meeting(db(), meeting, meeting.starts_at + timedelta(days=7), meeting.ends_at + timedelta(days=7),
                     actor="test", now=NOW)
        db().commit()

    assert meeting_id not in rows(page(client.get(f"{PLAN}/weeks/{year}-W{week:02d}")))
    later = page(client.get(f"{PLAN}/weeks/{year}-W{week + 1:02d}"))
    assert meeting_id in rows(later) and "flyttat för hand" in later


def test_weeks_months_and_forms_outside_the_plan_are_not_found(client, demo):
    planned(demo)
    log_in_as(client, demo, Role.DISTRICT_DIRECTOR, "NORRVIKEN")

    for part in ("weeks/2027-W10", "weeks/2027-W99", "weeks/36", "months/2027-03", "months/2027-13",
                 "months/sept", "forms/999999"):
        assert client.get(f"{PLAN}/{part}").status_code == 404, part
    assert client.get("/districts/NORRVIKEN/terms/XX2027/plan").status_code == 404
    assert client.get("/districts/NOPE/terms/HT2027/plan/weeks/2027-W41").status_code == 404


def test_another_districts_director_gets_404_on_every_part(client, demo):
    meetings = planned(demo)
    log_in_as(client, demo, Role.DISTRICT_DIRECTOR, "SODERBY")

    for part in ("", "/weeks/2027-W41", "/months/2027-10", f"/forms/{meetings[0][1]}"):
        assert client.get(f"{PLAN}{part}").status_code == 404, part


def test_an_answer_keeps_the_plan_and_a_changed_invitation_does_not(client, demo):
    """Answers arrive every second on a Monday morning and change nothing the plan shows: the kept review
    holds; adding an invitee changes a count, and the plan is reviewed again (decision 78)."""
    meetings = planned(demo)
    log_in_as(client, demo, Role.DISTRICT_DIRECTOR, "NORRVIKEN")
    meeting_id, form_id, _ = meetings[0]
    form = f"{PLAN}/forms/{form_id}"

    def invited() -> int:
        row = re.search(rf'<tr id="meeting-{meeting_id}".*?</tr>', page(client.get(form)), re.S).group(0)
        return int(re.findall(r"<td>(\d+)</td>", row)[-1])

    before = invited()
    cache = demo.extensions["coordinator.planning_digests"]
    with demo.app_context():
        invitation = db().scalars(sa.select(Invitation).where(Invitation.meeting_id == meeting_id)).first()
        assert record_answer(db(), invitation, Answer.ACCEPTED, via="web", sequence=0, actor="test", now=NOW)
        db().commit()
    misses = cache.misses

    assert invited() == before and cache.misses == misses  # kept: only an answer came

    with demo.app_context():
        meeting = db().get(Meeting, meeting_id)
        invited_ids = set(db().scalars(sa.select(Invitation.person_id).where(Invitation.meeting_id == meeting_id)))
        person = db().scalars(sa.select(Person).where(Person.id.not_in(invited_ids), Person.is_active)).first()
        add_invitee(db(), meeting, person, actor="test", now=NOW, mail=MailContext.from_settings(settings()))
        db().commit()

    assert invited() == before + 1 and cache.misses == misses + 1
