"""The organiser's page of one meeting: who answered what, when and how, who has not (first); resend, add
and remove for directors and city administrators; district administrators and auditors only read."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from coordinator.audit import AuditEvent
from coordinator.auth.models import Role
from coordinator.invitations.services import record_answer, send_deputy
from coordinator.outbox.models import MessageKind
from coordinator.org.models import District, Person
from coordinator.planning.models import Answer
from coordinator.planning.services import move_meeting
from coordinator.web import db
from tests.invitation_helpers import (
    DIRECTOR, MAIL, OVERARCHING, PUBLISHED, invitation, meeting_of, outbox, person, published_demo,
)
from tests.web.helpers import csrf_token, get_counting_statements, log_in_as, page, text

ANSWERED = PUBLISHED + timedelta(days=1)


@pytest.fixture
def forum(app):
    """The published forum, answered by three of its invitees; its page's address."""
    with app.app_context():
        session = db()
        published_demo(session)
        meeting = meeting_of(session, OVERARCHING)
        record_answer(session, invitation(session, meeting, "Annika Berg"), Answer.ACCEPTED, via="link",
                      sequence=0, actor="annika", now=ANSWERED)
        record_answer(session, invitation(session, meeting, "James Whitfield"), Answer.DECLINED, via="calendar",
                      sequence=0, actor="james", now=ANSWERED)
        send_deputy(session, invitation(session, meeting, "Katarina Öberg"), person(session, "Daniel Wikström"),
                    via="link", actor="katarina", now=ANSWERED, mail=MAIL)
        session.commit()
        return f"/districts/NORRVIKEN/terms/HT2027/meetings/{meeting.id}"


def rows(response) -> list[str]:
    """The invitee rows as a reader sees them, in order."""
    return [re.sub(r"<[^>]+>|\s+", " ", row).strip()
            for row in re.findall(r'<tr id="invitee-\d+".*?</tr>', text(response), re.S)]


def test_the_organiser_sees_who_has_not_answered_first_then_the_answers(app, client, forum):
    log_in_as(client, app, Role.DISTRICT_DIRECTOR, "NORRVIKEN")

    response = client.get(forum)

    assert response.status_code == 200
    shown = page(response)
    assert "<h1>Övergripande samverkansforum</h1>" in shown and "Sammankallande" in shown
    listed = rows(response)
    waiting = [r for r in listed if "Inte svarat" in r]
    assert len(waiting) >= 10 and listed[:len(waiting)] == waiting  # those who have not answered come first
    assert f"{len(waiting)} inbjudna har inte svarat." in shown
    annika = next(r for r in listed if r.startswith("Annika Berg"))
    assert "rektor" in annika and "Kommer" in annika and "via länken" in annika
    assert "via kalendern" in next(r for r in listed if r.startswith("James Whitfield"))
    katarina = next(r for r in listed if r.startswith("Katarina Öberg"))
    assert "Skickar ersättare → ersatt av Daniel Wikström (svar: inte svarat)" in katarina
    assert "Ersätter Katarina Öberg" in next(r for r in listed if r.startswith("Daniel Wikström"))
    assert listed.index(katarina) > listed.index(annika)
    counts = re.sub(r"<[^>]+>", "", re.search(r'<ul class="answer-counts">(.*?)</ul>', text(response), re.S).group(1))
    assert "Kommer: 1" in counts and "Kommer inte: 1" in counts and "Skickar ersättare: 1" in counts
    assert "Skicka igen" in shown and "Bjud in" in shown


def test_a_delegation_reads_as_replaced_by_the_deputy_with_the_deputys_answer(app, client, forum):
    with app.app_context():
        meeting = meeting_of(db(), OVERARCHING)
        record_answer(db(), invitation(db(), meeting, "Daniel Wikström"), Answer.ACCEPTED, via="calendar",
                      sequence=0, actor="daniel", now=ANSWERED)
        db().commit()
    log_in_as(client, app, Role.DISTRICT_DIRECTOR, "NORRVIKEN")

    listed = rows(client.get(forum))

    katarina = next(r for r in listed if r.startswith("Katarina Öberg"))
    assert "Skickar ersättare → ersatt av Daniel Wikström (svar: kommer)" in katarina
    daniel = next(r for r in listed if r.startswith("Daniel Wikström"))
    assert "Kommer" in daniel and "Ersätter Katarina Öberg" in daniel


def test_resend_add_and_remove_through_the_page(app, client, forum):
    log_in_as(client, app, Role.DISTRICT_DIRECTOR, "NORRVIKEN")
    with app.app_context():
        annika, lina = person(db(), "Annika Berg").id, person(db(), "Lina Sjöberg").id
    token = csrf_token(text(client.get(forum)))

    resent = client.post(f"{forum}/invitees/action", data={"csrf_token": token, "resend": annika})
    added = client.post(f"{forum}/invitees", data={"csrf_token": token, "person_id": lina})
    removed = client.post(f"{forum}/invitees/action", data={"csrf_token": token, "remove": annika})

    assert [r.status_code for r in (resent, added, removed)] == [302, 302, 302]
    after = client.get(forum)
    shown = page(after)
    assert "Inbjudan skickas igen till Annika Berg." in shown and "Lina Sjöberg är inbjuden." in shown
    assert "Annika Berg är borttagen från mötet." in shown
    listed = rows(after)
    assert "Borttagen" in listed[-1] and listed[-1].startswith("Annika Berg")  # greyed, last
    assert re.search(r'<tr id="invitee-%d" class="help">' % annika, text(after))
    assert any(r.startswith("Lina Sjöberg") and "Inte svarat" in r for r in listed)
    with app.app_context():
        kinds = [r.kind for r in outbox(db(), person_id=annika)]
        assert kinds == [MessageKind.INVITATION, MessageKind.INVITATION, MessageKind.CANCELLATION]
        assert [r.kind for r in outbox(db(), person_id=lina)] == [MessageKind.INVITATION]
        actions = set(db().scalars(sa.select(AuditEvent.action)))
        assert {"invitation.resent", "invitee.added", "invitee.removed"} <= actions
        assert {e.actor for e in db().scalars(sa.select(AuditEvent).where(
            AuditEvent.action.in_(("invitation.resent", "invitee.added", "invitee.removed"))))} == {DIRECTOR}


def test_inviting_someone_already_invited_is_refused_on_the_page(app, client, forum):
    log_in_as(client, app, Role.DISTRICT_DIRECTOR, "NORRVIKEN")
    with app.app_context():
        annika = person(db(), "Annika Berg").id
    token = csrf_token(text(client.get(forum)))

    response = client.post(f"{forum}/invitees", data={"csrf_token": token, "person_id": annika})

    assert response.status_code == 200  # the search page again, with the problem
    assert "Annika Berg är redan inbjuden till mötet." in page(response)
    assert 'role="alert"' in text(response)
    with app.app_context():
        assert len(outbox(db(), person_id=annika)) == 1


def test_an_answer_given_before_the_meeting_moved_is_marked(app, client, forum):
    with app.app_context():
        meeting = meeting_of(db(), OVERARCHING)
        move_meeting(db(), meeting, meeting.starts_at + timedelta(days=1), meeting.ends_at + timedelta(days=1),
                     actor=DIRECTOR, now=ANSWERED, mail=MAIL)
        db().commit()
    log_in_as(client, app, Role.DISTRICT_DIRECTOR, "NORRVIKEN")

    listed = rows(client.get(forum))

    assert "Svaret gavs före senaste ändringen." in next(r for r in listed if r.startswith("Annika Berg"))
    assert re.search(r"\(SEQUENCE\)</dt>\s*<dd>1</dd>", text(client.get(forum)))


@pytest.mark.parametrize("role, district", [(Role.DISTRICT_ADMIN, "NORRVIKEN"), (Role.AUDITOR, None)])
def test_administrators_and_auditors_read_the_page_but_cannot_change_it(app, client, forum, role, district):
    log_in_as(client, app, role, district)
    with app.app_context():
        annika = person(db(), "Annika Berg").id
        before = len(outbox(db()))

    response = client.get(forum)
    token = csrf_token(text(client.get("/")))
    resent = client.post(f"{forum}/invitees/action", data={"csrf_token": token, "resend": annika})
    removed = client.post(f"{forum}/invitees/action", data={"csrf_token": token, "remove": annika})
    search = client.get(f"{forum}/invitees/new?q=Lina")

    assert response.status_code == 200 and "Kommer inte" in page(response)
    assert search.status_code == 404
    assert "Skicka igen" not in page(response) and "Bjud in" not in page(response)
    assert (resent.status_code, removed.status_code) == (404, 404)
    with app.app_context():
        assert len(outbox(db())) == before and invitation(db(), meeting_of(db(), OVERARCHING),
                                                          "Annika Berg").removed_at is None


def test_another_districts_director_and_a_participant_get_404(app, client, forum):
    log_in_as(client, app, Role.DISTRICT_DIRECTOR, "SODERBY")
    assert client.get(forum).status_code == 404
    log_in_as(client, app, Role.PARTICIPANT)
    assert client.get(forum).status_code == 404


def test_the_plan_links_each_meeting_to_its_page(app, client, forum):
    log_in_as(client, app, Role.DISTRICT_DIRECTOR, "NORRVIKEN")

    plan = text(client.get("/districts/NORRVIKEN/terms/HT2027/plan"))
    # the overview counts the meetings per form; each form's page lists its meetings
    form = re.search(r'<a href="([^"]+/plan/forms/\d+)">Övergripande samverkansforum</a>', plan).group(1)

    assert f'href="{forum}"' in text(client.get(form))


def test_the_meeting_page_takes_a_fixed_handful_of_statements(app, client, forum):
    """The signed-in user, the meeting with its district, term, form and school, its invitees as columns, the
    user's person for the menu, the minutes and the attendance: however many are invited or addable (a forum has
    150 invitees and 350 people who could be added; docs/PERFORMANCE.md, issue 16)."""
    log_in_as(client, app, Role.DISTRICT_DIRECTOR, "NORRVIKEN")
    client.get(forum)

    response, statements = get_counting_statements(app, client, forum)

    assert response.status_code == 200 and "Annika Berg" in page(response)
    assert len(statements) <= 6, "\n".join(statements)
    assert "<select" not in text(response)  # the district's people are a search away, not a select of them all


def test_the_invitees_come_a_page_at_a_time_those_who_have_not_answered_first(app, client, forum, monkeypatch):
    from coordinator.planning import views

    monkeypatch.setattr(views, "INVITEES_PER_PAGE", 4)
    log_in_as(client, app, Role.DISTRICT_DIRECTOR, "NORRVIKEN")
    first = client.get(forum)
    shown = page(first)
    total = int(re.search(r"Visar 1–4 av (\d+)", shown).group(1))
    pages = -(-total // 4)

    listed = [rows(client.get(f"{forum}?sida={n}")) for n in range(1, pages + 1)]

    assert total > 8 and [len(r) for r in listed[:-1]] == [4] * (pages - 1)
    everyone = [row for rows_of_page in listed for row in rows_of_page]
    assert len(everyone) == total and len({r.split(" ")[0] + r.split(" ")[1] for r in everyone}) == total
    assert all("Inte svarat" in r for r in listed[0])  # the waiting first, on the first page
    assert f"Sida 1 av {pages}" in shown and f'href="{forum}?sida=2"' in text(first) and 'rel="next"' in text(first)
    # the counts are the meeting's, the same on every page
    counts = re.compile(r'<ul class="answer-counts">(.*?)</ul>', re.S)
    assert counts.search(text(first)).group(1) == counts.search(text(client.get(f"{forum}?sida={pages}"))).group(1)
    assert "Kommer: 1" in re.sub(r"<[^>]+>", "", counts.search(text(first)).group(1))


def test_a_button_on_a_later_page_returns_to_that_page(app, client, forum, monkeypatch):
    from coordinator.planning import views

    monkeypatch.setattr(views, "INVITEES_PER_PAGE", 4)
    log_in_as(client, app, Role.DISTRICT_DIRECTOR, "NORRVIKEN")
    second = text(client.get(f"{forum}?sida=2"))
    assert '<input type="hidden" name="sida" value="2">' in second
    table = second.split('id="answers-title"')[1].split("</section>")[0]
    # one form for the table, one token, a button for each action
    assert table.count("<form") == table.count('name="csrf_token"') == 1 and table.count('name="remove"') == 4
    person_id = re.search(r'name="resend" value="(\d+)"', second).group(1)

    response = client.post(f"{forum}/invitees/action",
                           data={"csrf_token": csrf_token(second), "resend": person_id, "sida": "2"})

    assert response.status_code == 302 and response.headers["Location"].endswith(f"{forum}?sida=2")


def test_the_search_finds_the_districts_people_not_yet_invited(app, client, forum, monkeypatch):
    log_in_as(client, app, Role.DISTRICT_DIRECTOR, "NORRVIKEN")
    with app.app_context():
        lina = person(db(), "Lina Sjöberg").id
        district = db().scalars(sa.select(District).where(District.code == "SODERBY")).one()
        other = db().scalars(sa.select(Person).where(Person.district_id == district.id, Person.is_active)).first()

    found = client.get(f"{forum}/invitees/new?q=lina+sjö")
    invited = text(client.get(f"{forum}/invitees/new?q=Annika+Berg"))
    elsewhere = text(client.get(f"{forum}/invitees/new?q={other.email}"))

    assert found.status_code == 200 and "Lina Sjöberg" in page(found)
    assert f'name="person_id" value="{lina}"' in text(found)
    assert "<tbody>\n        <tr><td colspan=\"3\">Ingen som inte redan är inbjuden matchar sökningen." in invited
    assert 'name="person_id"' not in elsewhere  # another district's people are not offered
    # the search's button invites, and back on the meeting's page
    added = client.post(f"{forum}/invitees", data={"csrf_token": csrf_token(text(found)), "person_id": lina})
    assert added.status_code == 302 and added.headers["Location"].endswith(forum)

    from coordinator.planning import views
    monkeypatch.setattr(views, "FOUND_PER_SEARCH", 2)
    some = text(client.get(f"{forum}/invitees/new"))
    assert some.count('name="person_id"') == 2 and "Fler än 2 matchar" in page(client.get(f"{forum}/invitees/new"))
