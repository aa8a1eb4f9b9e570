"""A principal answers the invitation the director's publishing sent, from the link in the mail."""
from __future__ import annotations

import re
from email import message_from_bytes, policy

import sqlalchemy as sa
from playwright.sync_api import expect

from coordinator.db import make_session_factory
from coordinator.invitations.deferred import composers
from coordinator.invitations.messages import MailContext
from coordinator.outbox.delivery import compose_waiting
from coordinator.outbox.models import MessageKind, OutboxMessage
from coordinator.planning.models import Answer, Invitation
from tests.e2e.test_director_journey import director_email, log_in, publish


def test_a_principal_accepts_from_the_mail_and_the_director_sees_it(live_server, page, browser) -> None:  # type: ignore[no-untyped-def]
    log_in(page, live_server.url, director_email())
    page.goto(f"{live_server.url}/districts/NORRVIKEN/terms/HT2027/plan")
    page.get_by_role("button", name="Planera terminen").click()
    publish(page)

    sessions = make_session_factory(live_server.app.extensions["coordinator.engine"])
    with sessions() as session:  # the sender composes what publishing queued, as the jobs process would
        compose_waiting(session, composers(MailContext.from_settings(live_server.app.extensions["coordinator.settings"])))
        session.commit()
        invitation = session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.kind == MessageKind.INVITATION)
            .order_by(OutboxMessage.id)).first()
        assert invitation is not None
        mail = message_from_bytes(invitation.content, policy=policy.default)
        body = mail.get_body(preferencelist=("plain",)).get_content()
        meeting_id, person_id = invitation.meeting_id, invitation.person_id
    accept = re.search(r"(http://127\.0\.0\.1:\d+/rsvp/\S+\?answer=accepted)", body)
    assert accept, body

    principal = browser.new_context(locale="sv-SE").new_page()  # no login: the link is enough
    principal.goto(accept.group(1))
    expect(principal.get_by_role("heading", name="Svara på inbjudan")).to_be_visible()
    expect(principal.get_by_label("Jag kommer", exact=True)).to_be_checked()
    with sessions() as session:  # opening the link (as a mail scanner does) changed nothing
        assert session.get_one(Invitation, (meeting_id, person_id)).answer is Answer.NEEDS_ACTION

    principal.get_by_role("button", name="Skicka svaret").click()
    expect(principal.get_by_text(re.compile("Tack! Ditt svar är sparat"))).to_be_visible()
    with sessions() as session:
        assert session.get_one(Invitation, (meeting_id, person_id)).answer is Answer.ACCEPTED
    principal.context.close()

    page.goto(f"{live_server.url}/districts/NORRVIKEN/terms/HT2027/plan")
    page.locator(f"a[href$='/meetings/{meeting_id}']").first.click()
    expect(page.get_by_text("Kommer", exact=True).first).to_be_visible()
    expect(page.get_by_text("via länken").first).to_be_visible()
