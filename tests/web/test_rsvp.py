"""Answering from the mail without logging in: opening a link changes nothing, the button records; links
that are tampered with, replaced, for a cancelled or a past meeting get a clear page; send my deputy."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from coordinator.audit import AuditEvent
from coordinator.invitations.services import add_invitee, remove_invitee
from coordinator.invitations.tokens import make_token
from coordinator.outbox.models import MessageKind, OutboxMessage
from coordinator.planning.models import Answer, Invitation
from coordinator.planning.services import cancel_meeting
from coordinator.web import db
from tests.invitation_helpers import (
    DIRECTOR, MAIL, OVERARCHING, PUBLISHED, SECRET, meeting_of, outbox, person, published_demo,
)
from tests.web.helpers import page, text

LATER = PUBLISHED + timedelta(days=1)


@pytest.fixture
def forum(app):
    """The published forum (id); the app's secret key is the one its links were signed with."""
    with app.app_context():
        published_demo(db())
        return meeting_of(db(), OVERARCHING).id


def link(app, meeting_id: int, name: str, answer: str | None = None) -> str:
    with app.app_context():
        invited = db().get_one(Invitation, (meeting_id, person(db(), name).id))
        token = make_token(SECRET, meeting_id, invited.person_id, invited.rsvp_key)
    return f"/rsvp/{token}" + (f"?answer={answer}" if answer else "")


def snapshot(app) -> tuple:
    with app.app_context():
        session = db()
        rows = sorted((i.meeting_id, i.person_id, i.answer, i.answered_at, i.answer_sequence, i.delegated_to_id,
                       i.rsvp_key, i.removed_at) for i in session.scalars(sa.select(Invitation)))
        return (tuple(rows), session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)),
                session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)))


def answer_of(app, meeting_id: int, name: str) -> Invitation:
    with app.app_context():
        found = db().get_one(Invitation, (meeting_id, person(db(), name).id))
        db().expunge(found)
        return found


def checked_answer(response) -> str | None:
    found = re.search(r'<input checked [^>]*name="answer"[^>]*value="(\w+)"', text(response))
    return found.group(1) if found else None


def post(client, url: str, **data: object):
    """The page's button, from a browser that never opened the page: the link alone answers (no cookie, no
    CSRF token; decision 69)."""
    return client.post(url.split("?")[0], data=data)


def deputy_step(url: str) -> str:
    return url.split("?")[0] + "/ersattare"


def test_opening_a_link_shows_the_meeting_with_the_answer_chosen_and_changes_nothing(app, client, forum):
    before = snapshot(app)

    response = client.get(link(app, forum, "Annika Berg", "declined"))

    assert response.status_code == 200
    shown = page(response)
    assert "Övergripande samverkansforum" in shown and "Inbjudan till Annika Berg." in shown
    assert "tisdag 12 oktober 2027 13:00–15:00" in shown  # local time, the forum's slot
    assert "Eva Lindqvist" in shown  # who convenes
    assert checked_answer(response) == "declined"
    assert text(response).count('type="submit"') == 1  # one button
    assert snapshot(app) == before


def test_the_button_records_the_answer_and_the_page_then_shows_it(app, client, forum):
    response = post(client, link(app, forum, "Annika Berg", "declined"), answer="declined")

    assert response.status_code == 302
    recorded = answer_of(app, forum, "Annika Berg")
    assert (recorded.answer, recorded.answered_via, recorded.answer_sequence) == (Answer.DECLINED, "link", 0)
    shown = page(client.get(response.headers["Location"]))
    assert "Tack! Ditt svar är sparat: Kommer inte." in shown
    assert "Ditt svar: Kommer inte" in shown

    post(client, link(app, forum, "Annika Berg"), answer="accepted")  # changing one's mind
    assert answer_of(app, forum, "Annika Berg").answer is Answer.ACCEPTED
    with app.app_context():
        events = db().scalars(sa.select(AuditEvent).where(AuditEvent.action == "invitation.answered")).all()
    assert [e.after["answer"] for e in events] == ["declined", "accepted"]
    assert {e.actor for e in events} == {"annika.berg@edu.stockholm.example"}


def test_a_tampered_or_foreign_link_cannot_answer_though_the_form_carries_no_csrf_token(app, client, forum):
    """The form has no CSRF token (decision 69): the link's signature is what allows an answer, so a link that is
    not ours, or signed with another key, answers nothing on either step."""
    good = link(app, forum, "Annika Berg")
    tampered = good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB")
    with app.app_context():
        annika = person(db(), "Annika Berg")
        invited = db().get_one(Invitation, (forum, annika.id))
        foreign = "/rsvp/" + make_token("another-secret-key-of-someone-else", forum, annika.id, invited.rsvp_key)
    before = snapshot(app)

    response = client.get(tampered)
    tampered_post = client.post(tampered, data={"answer": "accepted"})
    foreign_post = client.post(foreign, data={"answer": "accepted"})
    deputy_posts = [client.post(deputy_step(u), data={"deputy_id": 1}) for u in (tampered, foreign)]

    assert response.status_code == 404 and "Länken fungerar inte" in page(response)
    assert tampered_post.status_code == 404 and foreign_post.status_code == 404
    assert [r.status_code for r in deputy_posts] == [404, 404]
    assert "csrf_token" not in text(client.get(good))  # nothing to steal but the link itself
    assert snapshot(app) == before


def test_a_link_for_a_meeting_that_is_over_says_so_and_records_nothing(app, client, forum):
    url = link(app, forum, "Annika Berg", "accepted")
    with app.app_context():
        meeting = meeting_of(db(), OVERARCHING)
        meeting.starts_at = datetime(2020, 10, 12, 11, tzinfo=timezone.utc)
        meeting.ends_at = datetime(2020, 10, 12, 13, tzinfo=timezone.utc)
        db().commit()
    before = snapshot(app)

    response = client.get(url)
    posted = client.post(url.split("?")[0], data={"answer": "accepted"})

    assert response.status_code == 410 and "Mötet har redan varit" in page(response)
    assert posted.status_code == 410
    assert snapshot(app) == before


def test_a_link_whose_invitation_was_renewed_or_removed_says_so_and_records_nothing(app, client, forum):
    annika_url, james_url = link(app, forum, "Annika Berg"), link(app, forum, "James Whitfield")
    with app.app_context():
        meeting = meeting_of(db(), OVERARCHING)
        annika = person(db(), "Annika Berg")
        remove_invitee(db(), meeting, annika, actor=DIRECTOR, now=LATER, mail=MAIL)
        add_invitee(db(), meeting, annika, actor=DIRECTOR, now=LATER, mail=MAIL)  # invited again: new links
        remove_invitee(db(), meeting, person(db(), "James Whitfield"), actor=DIRECTOR, now=LATER, mail=MAIL)
        db().commit()
    before = snapshot(app)

    renewed = client.get(annika_url)
    posted = client.post(annika_url, data={"answer": "accepted"})
    removed = client.get(james_url, headers={"Accept-Language": "sv"})  # James reads English: his page is

    assert renewed.status_code == 410 and "Länken har ersatts" in page(renewed)
    assert posted.status_code == 410
    assert removed.status_code == 410 and "You are no longer invited" in page(removed)
    assert snapshot(app) == before
    assert client.get(link(app, forum, "Annika Berg")).status_code == 200  # the new link works


def test_a_cancelled_meeting_says_so_and_records_nothing(app, client, forum):
    url = link(app, forum, "Annika Berg", "accepted")
    with app.app_context():
        cancel_meeting(db(), meeting_of(db(), OVERARCHING), actor=DIRECTOR, now=LATER, mail=MAIL)
        db().commit()
    before = snapshot(app)

    response = client.get(url)
    posted = client.post(url.split("?")[0], data={"answer": "accepted"})

    assert response.status_code == 200 and "Mötet är inställt" in page(response)
    assert "Inget har sparats." in page(posted)
    assert snapshot(app) == before


def test_choosing_to_send_a_deputy_leads_to_the_second_step_and_records_nothing(app, client, forum):
    url = link(app, forum, "Annika Berg")
    opened = client.get(url)
    assert checked_answer(opened) is None and 'value="delegated"' in text(opened)  # offered, no list yet
    assert "<select" not in text(opened)
    before = snapshot(app)

    chosen = post(client, url, answer="delegated")

    assert chosen.status_code == 303 and chosen.headers["Location"].endswith(deputy_step(url))
    step = client.get(chosen.headers["Location"])
    assert step.status_code == 200 and "Skicka en ersättare" in page(step)
    assert re.search(r'<option selected value="\d+">Per Olsson</option>', text(step))  # her named deputy
    assert "Övergripande samverkansforum" in page(step) and "Eva Lindqvist" in page(step)
    assert f'href="{url}"' in text(step)  # back to the answer, by a plain link
    assert snapshot(app) == before
    # the mail's "send a deputy" link goes straight to the step
    from_mail = client.get(link(app, forum, "Annika Berg", "delegated"))
    assert from_mail.status_code == 302 and from_mail.headers["Location"].endswith(deputy_step(url))


def test_send_my_deputy_then_the_same_link_shows_the_deputy_and_takes_the_meeting_back(app, client, forum):
    url = link(app, forum, "Annika Berg", "delegated")
    opened = client.get(url, follow_redirects=True)
    assert re.search(r'<option selected value="\d+">Per Olsson</option>', text(opened))  # her named deputy
    with app.app_context():
        per_id = person(db(), "Per Olsson").id

    response = client.post(deputy_step(url), data={"deputy_id": per_id})

    assert response.status_code == 302
    annika, per = answer_of(app, forum, "Annika Berg"), answer_of(app, forum, "Per Olsson")
    assert annika.answer is Answer.DELEGATED and annika.delegated_to_id == per_id
    assert per.delegated_from_id == annika.person_id and per.is_active
    with app.app_context():
        assert [r.kind for r in outbox(db(), person_id=per_id)] == [MessageKind.INVITATION]
        assert [r.dedupe_key.split(":")[0] for r in outbox(db(), person_id=annika.person_id)] == [
            "invitation", "delegation"]
    after = client.get(response.headers["Location"])  # the same link, still hers
    assert after.status_code == 200
    assert "Per Olsson får en egen inbjudan och går i ditt ställe." in page(after)
    assert "Du har skickat Per Olsson i ditt ställe" in page(after) and checked_answer(after) == "delegated"
    step = client.get(deputy_step(url))  # the step says whom she sent, and has him chosen
    assert "Nu går Per Olsson i ditt ställe." in page(step)
    assert re.search(r'<option selected value="\d+">Per Olsson</option>', text(step))
    per_url = link(app, forum, "Per Olsson")
    assert "Du ersätter Annika Berg, rektor på Norrvikens skola." in page(client.get(per_url))

    # a second click of the same choice changes nothing
    before = snapshot(app)
    again = client.post(deputy_step(url), data={"deputy_id": per_id})
    assert "Per Olsson går redan i ditt ställe." in page(client.get(again.headers["Location"]))
    assert snapshot(app) == before

    # she goes herself after all: Per is told, his link closes, her answer is recorded
    back = client.post(url.split("?")[0], data={"answer": "accepted"})
    assert back.status_code == 302
    assert "Du har tagit tillbaka mötet och Per Olsson har fått besked. Ditt svar: Kommer." in page(
        client.get(back.headers["Location"]))
    annika, per = answer_of(app, forum, "Annika Berg"), answer_of(app, forum, "Per Olsson")
    assert (annika.answer, annika.delegated_to_id, annika.answered_via) == (Answer.ACCEPTED, None, "link")
    assert per.removed_at is not None
    with app.app_context():
        assert [r.kind for r in outbox(db(), person_id=per_id)] == [MessageKind.INVITATION, MessageKind.CANCELLATION]
    assert "Du är inte längre inbjuden" in page(client.get(per_url))


def test_changing_the_deputy_through_the_same_link(app, client, forum):
    url = link(app, forum, "Annika Berg")
    with app.app_context():
        per_id, sofia_id = person(db(), "Per Olsson").id, person(db(), "Sofia Lindberg").id
    post(client, deputy_step(url), deputy_id=per_id)

    changed = post(client, deputy_step(url), deputy_id=sofia_id)

    assert changed.status_code == 302
    shown = page(client.get(changed.headers["Location"]))
    assert "Sofia Lindberg får en egen inbjudan och går i ditt ställe. Per Olsson har fått besked om att inte gå." in shown
    assert answer_of(app, forum, "Annika Berg").delegated_to_id == sofia_id
    assert answer_of(app, forum, "Per Olsson").removed_at is not None
    assert answer_of(app, forum, "Sofia Lindberg").delegated_from_id == answer_of(app, forum, "Annika Berg").person_id


def test_once_the_meeting_has_started_the_link_says_it_is_too_late(app, client, forum):
    url = link(app, forum, "Annika Berg")
    with app.app_context():
        per_id = person(db(), "Per Olsson").id
    post(client, deputy_step(url), deputy_id=per_id)
    with app.app_context():
        meeting = meeting_of(db(), OVERARCHING)
        now = datetime.now(timezone.utc)
        meeting.starts_at, meeting.ends_at = now - timedelta(minutes=10), now + timedelta(hours=1)
        db().commit()
    before = snapshot(app)

    shown = client.get(url)
    posted = client.post(url, data={"answer": "accepted"})
    step, sent = client.get(deputy_step(url)), client.post(deputy_step(url), data={"deputy_id": per_id})

    assert shown.status_code == 410 and "Det är för sent att ändra" in page(shown)
    assert "Per Olsson går i ditt ställe." in page(shown)
    assert posted.status_code == 410 and step.status_code == 410 and sent.status_code == 410
    assert snapshot(app) == before
    # someone who did not send a deputy may still answer, but is no longer offered to send one
    james = client.get(link(app, forum, "James Whitfield", "delegated"))
    assert james.status_code == 200 and 'value="delegated"' not in text(james)
    assert "The meeting has started, so a deputy can no longer be sent." in page(james)  # James reads English


def test_a_deputy_who_cannot_stand_in_is_refused_with_the_reason(app, client, forum):
    with app.app_context():
        sofia = person(db(), "Sofia Lindberg")
        add_invitee(db(), meeting_of(db(), OVERARCHING), sofia, actor=DIRECTOR, now=LATER, mail=MAIL)
        db().commit()
        sofia_id = sofia.id
    before = snapshot(app)
    url = link(app, forum, "Annika Berg", "delegated")
    assert "Sofia Lindberg</option>" not in text(client.get(url, follow_redirects=True))  # invited: not offered

    already = post(client, deputy_step(url), deputy_id=sofia_id)  # invited meanwhile
    nobody = post(client, deputy_step(url), deputy_id="")
    stranger = post(client, deputy_step(url), deputy_id=999999)

    assert already.status_code == 200
    assert "Sofia Lindberg är redan inbjuden till mötet och kan inte också gå i ditt ställe." in page(already)
    assert nobody.status_code == 200 and "Välj vem som går i ditt ställe." in page(nobody)
    assert stranger.status_code == 200 and "Välj en av personerna i listan." in page(stranger)
    assert snapshot(app) == before


def test_someone_with_nobody_to_send_is_told_so_and_not_offered_a_deputy(app, client, forum):
    with app.app_context():
        for name in ("Per Olsson", "Sofia Lindberg", "Elin Strömberg", "Henrik Dahl"):
            person(db(), name).is_active = False
        db().commit()

    opened = client.get(link(app, forum, "Annika Berg", "delegated"))

    assert opened.status_code == 200
    assert 'value="delegated"' not in text(opened) and checked_answer(opened) is None
    assert "Det finns ingen att skicka i ditt ställe" in page(opened)
    step = client.get(deputy_step(link(app, forum, "Annika Berg")))  # the step, reached anyway, says the same
    assert step.status_code == 200 and "<select" not in text(step)
    assert "Det finns ingen att skicka i ditt ställe" in page(step)


def test_an_english_speaking_invitee_sees_the_page_in_english(app, client, forum):
    response = client.get(link(app, forum, "James Whitfield", "accepted"))

    assert response.status_code == 200
    assert '<html lang="en">' in text(response) and "Tuesday 12 October 2027 13:00–15:00" in page(response)


def test_the_answer_page_and_its_button_take_a_fixed_handful_of_statements(app, client, forum):
    """Opening the link is one statement of plain columns: the invitation with its meeting, person, convener and
    whether anyone could be sent (however many are invited), and it writes no cookie; the button records with
    the invitation, its change and the audit event (3); the deputy step reads the link, the convener and the
    deputies (≤ 4) — the meeting's invitees are loaded for none of them (decision 69, issue 16)."""
    url = link(app, forum, "Annika Berg")
    engine = app.extensions["coordinator.engine"]
    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        shown = client.get(url)
        opened = len(statements)
        statements.clear()
        step = client.get(deputy_step(url))
        stepped = len(statements)
        statements.clear()
        answered = client.post(url, data={"answer": "accepted"})
        recorded = len(statements)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)

    assert shown.status_code == 200 and "Eva Lindqvist" in page(shown)  # the convener, from their invitation
    assert opened <= 1, opened
    assert "Set-Cookie" not in shown.headers  # no session, no CSRF token: nothing to write per visitor
    assert step.status_code == 200 and "Per Olsson</option>" in text(step)
    assert stepped <= 4, stepped
    assert answered.status_code == 302 and answer_of(app, forum, "Annika Berg").answer is Answer.ACCEPTED
    assert recorded <= 3, recorded


def test_the_button_without_a_choice_asks_for_one_and_records_nothing(app, client, forum):
    url = link(app, forum, "Annika Berg")
    before = snapshot(app)

    response = post(client, url)

    assert response.status_code == 200 and "Välj ett svar." in page(response)
    assert 'href="#answer-0"' in text(response) and 'aria-describedby="answer-error"' in text(response)
    assert snapshot(app) == before
