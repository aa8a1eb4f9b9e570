"""The city's planning page (code STAD) on the demo: the city administrator plans and publishes the steering
group from the city-level agreement, a district's director reads it and changes nothing, the home page links it."""
from __future__ import annotations

import json
import re

import sqlalchemy as sa

from coordinator.auth.models import Role
from coordinator.cli import cli
from coordinator.outbox.models import OutboxMessage
from coordinator.planning.models import Meeting, MeetingStatus
from coordinator.web import db
from tests.web.helpers import csrf_token, log_in_as, page, text

PLAN = "/districts/STAD/terms/HT2027/plan"
STEERING = "Styrande samverkansgrupp för skolsociala team"


def stored(app) -> list[tuple[int | None, MeetingStatus]]:
    with app.app_context():
        return [tuple(row) for row in db().execute(sa.select(Meeting.district_id, Meeting.status))]


def test_the_city_administrator_plans_and_publishes_the_steering_group(client, demo):
    log_in_as(client, demo, Role.CITY_ADMIN)
    home = text(client.get("/"))
    assert 'href="/districts/STAD/terms/HT2027/plan"' in home

    html = page(client.get(PLAN))
    planned = client.post(PLAN, data={"csrf_token": csrf_token(html)}, follow_redirects=True)

    assert "2 nya möten planerades som utkast." in text(planned) and STEERING in text(planned)
    assert stored(demo) == [(None, MeetingStatus.DRAFT)] * 2
    confirm = page(client.get("/districts/STAD/terms/HT2027/publish"))
    fields = dict(re.findall(r'<input[^>]*name="(\w+)"[^>]*value="([^"]*)"', confirm))
    client.post("/districts/STAD/terms/HT2027/publish",
                data={name: fields[name] for name in ("csrf_token", "meetings", "invitations")})
    assert stored(demo) == [(None, MeetingStatus.SCHEDULED)] * 2
    with demo.app_context():
        assert db().scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 12  # six invitees each
        first = db().scalars(sa.select(Meeting.id).order_by(Meeting.starts_at)).first()
    # its minutes are kept like any forum's, on the meeting's minutes page
    minutes = client.get(f"/meetings/{first}/minutes")
    assert minutes.status_code == 200 and STEERING in text(minutes)


def test_a_districts_director_reads_the_citys_plan_and_cannot_change_it(client, demo):
    log_in_as(client, demo, Role.DISTRICT_DIRECTOR, "NORRVIKEN")

    html = page(client.get(PLAN))

    assert "Planera terminen" not in html
    assert client.post(PLAN, data={"csrf_token": csrf_token(html)}).status_code == 404
    assert stored(demo) == []


def test_term_plan_plans_the_city_with_its_code(demo, runner):
    result = runner.invoke(cli, ["term", "plan", "--district", "stad", "--term", "HT2027", "--json"])

    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["district"], [m["form"] for m in data["meetings"]]) == ("STAD", [STEERING, STEERING])
    assert {m["scope"] for m in data["meetings"]} == {"city"}
