"""A forgotten password in the browser: the same answer for every address, a delivered link that works once,
and every way a link is refused (expired, used, tampered, a login closed)."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from flask import Flask

from coordinator.auth import services
from coordinator.auth.models import User
from coordinator.auth.tokens import Purpose, credentials_stamp, issue
from coordinator.db import make_session_factory
from coordinator.outbox.delivery import deliver_due
from coordinator.outbox.models import MessageKind, OutboxMessage
from coordinator.outbox.transports import transport_from_url
from coordinator.web import db
from tests.smtp_server import SMTPServer
from tests.web.helpers import PASSWORD, add_user, csrf_token, get_user, log_in, page, set_active, text

NEW_PASSWORD = "ett helt nytt lösenord"
SENT = "Om adressen hör till en inloggning har vi skickat ett mejl"


def ask_for_a_link(client, email: str):  # type: ignore[no-untyped-def]
    form = text(client.get("/password/forgot"))
    return client.post("/password/forgot", data={"csrf_token": csrf_token(form), "email": email})


def delivered_link(app: Flask) -> str:
    """Deliver the queued mail to a real SMTP server; the password link (its path) in the one received."""
    with SMTPServer() as smtp:
        deliver_due(make_session_factory(app.extensions["coordinator.engine"]), transport_from_url(smtp.url),
                    now=datetime.now(timezone.utc))
    [received] = smtp.received
    body = received.message.get_body(("plain",)).get_content()
    return re.search(r"http://127\.0\.0\.1:5000(/password/\S+)", body).group(1)


def choose(client, link: str, password: str = NEW_PASSWORD, repeat: str | None = None):  # type: ignore[no-untyped-def]
    form = text(client.get(link))
    return client.post(link, data={"csrf_token": csrf_token(form), "password": password,
                                   "repeat": password if repeat is None else repeat})


def link_for(app: Flask, user_id: int, purpose: Purpose, issued_at: datetime, stamp: str | None = None) -> str:
    """A link issued by the site at `issued_at` (as a mail sent then would carry)."""
    user = get_user(app, user_id)
    stamp = stamp if stamp is not None else credentials_stamp(user.password_hash, user.credentials_changed_at)
    return f"/password/{issue('test-secret', purpose, user_id, stamp, issued_at)[0]}"


@pytest.fixture
def anna(app) -> int:  # type: ignore[no-untyped-def]
    return add_user(app, "anna@example.se", name="Anna Andersson")


def test_the_login_page_leads_to_the_forgotten_password_page(client):
    login_page = text(client.get("/login"))
    assert '<a href="/password/forgot">Glömt lösenordet?</a>' in login_page
    assert "Skicka länken" in text(client.get("/password/forgot"))


def test_the_answer_is_the_same_whether_the_address_has_a_login_or_not(app, client, anna):
    def answer(email: str) -> str:
        html = text(ask_for_a_link(app.test_client(), email))
        return re.sub(r'name="csrf_token"[^>]*>', "", html)

    known, unknown = answer("anna@example.se"), answer("ingen@example.se")
    assert SENT in known and known == unknown
    with app.app_context():
        assert db().scalars(sa.select(OutboxMessage.recipient)).all() == ["Anna Andersson <anna@example.se>"]


def test_the_delivered_link_sets_a_new_password_signs_in_and_ends_older_sessions(app, client, anna):
    elsewhere = app.test_client()
    log_in(elsewhere, "anna@example.se")  # still signed in on another computer
    ask_for_a_link(client, "anna@example.se")
    link = delivered_link(app)
    assert client.get(link).status_code == 200 and client.get(link).status_code == 200  # opening changes nothing
    response = choose(client, link)
    assert response.headers["Location"] == "/"
    assert "Lösenordet är sparat och du är inloggad." in page(client.get("/"))
    assert "Anna Andersson" in page(client.get("/"))
    assert "Anna Andersson" not in page(elsewhere.get("/"))  # the older session ended with the old password
    other = app.test_client()
    assert log_in(other, "anna@example.se", PASSWORD).status_code == 200  # the old password is refused
    assert log_in(other, "anna@example.se", NEW_PASSWORD).status_code == 302
    used = app.test_client().get(link)
    assert used.status_code == 410 and "Länken är redan använd" in page(used)


def test_a_too_short_or_mismatched_password_is_explained_and_nothing_changes(app, client, anna):
    ask_for_a_link(client, "anna@example.se")
    link = delivered_link(app)
    short = choose(client, link, "kort lösen")
    assert short.status_code == 200
    assert "Lösenordet måste vara minst 12 tecken långt. Ett par ord i rad går bra." in page(short)
    mismatch = choose(client, link, NEW_PASSWORD, "ett annat lösenord")
    assert "Lösenorden är inte likadana." in page(mismatch)
    assert log_in(app.test_client(), "anna@example.se", PASSWORD).status_code == 302  # unchanged
    assert choose(client, link).status_code == 302  # and the link still works


def test_an_expired_link_is_refused(app, client, anna):
    expired = link_for(app, anna, Purpose.RESET, datetime.now(timezone.utc) - timedelta(hours=2, seconds=1))
    response = client.get(expired)
    assert response.status_code == 410 and "Länken har gått ut" in page(response)
    assert 'href="/password/forgot"' in text(response)
    fresh = link_for(app, anna, Purpose.RESET, datetime.now(timezone.utc) - timedelta(hours=1, minutes=59))
    assert client.get(fresh).status_code == 200


def test_a_tampered_link_is_not_found(app, client, anna):
    link = link_for(app, anna, Purpose.RESET, datetime.now(timezone.utc))
    tampered = link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB")
    response = client.get(tampered)
    assert response.status_code == 404 and "Länken fungerar inte" in page(response)
    assert client.post(tampered, data={"password": NEW_PASSWORD, "repeat": NEW_PASSWORD}).status_code in (400, 404)
    assert log_in(app.test_client(), "anna@example.se", PASSWORD).status_code == 302


def test_a_link_of_a_closed_login_is_refused(app, client, anna):
    link = link_for(app, anna, Purpose.RESET, datetime.now(timezone.utc))
    set_active(app, anna, False)
    response = client.get(link)
    assert response.status_code == 410 and "Inloggningen är stängd" in page(response)


def test_a_closed_login_gets_no_reset_mail(app, client, anna):
    set_active(app, anna, False)
    assert SENT in page(ask_for_a_link(client, "anna@example.se"))
    with app.app_context():
        assert db().scalars(sa.select(OutboxMessage)).first() is None


def test_the_password_form_needs_its_csrf_token(app, client, anna):
    link = link_for(app, anna, Purpose.RESET, datetime.now(timezone.utc))
    response = client.post(link, data={"password": NEW_PASSWORD, "repeat": NEW_PASSWORD})
    assert response.status_code == 400
    assert get_user(app, anna).credentials_changed_at is None


def test_the_link_speaks_the_users_language_and_the_mail_too(app, client):
    add_user(app, "guest@example.se", name="Guest User", language="en")
    ask_for_a_link(client, "guest@example.se")
    with app.app_context():
        row = db().scalars(sa.select(OutboxMessage)).one()
    assert row.kind is MessageKind.PASSWORD_RESET
    assert row.subject == "Choose a new password for Samverkan skola–socialtjänst"
    link = delivered_link(app)
    english = page(app.test_client().get(link))
    assert '<html lang="en">' in english and "Choose a new password" in english and "Repeat the password" in english
    short = choose(app.test_client(), link, "short")
    assert "The password must be at least 12 characters long." in page(short)


def test_an_invited_login_without_a_password_can_also_ask_for_a_link(app, client):
    with app.app_context():
        services.create_user(db(), "ny@example.se", "auditor", None, None, datetime.now(timezone.utc))
        db().commit()
    ask_for_a_link(client, "ny@example.se")
    assert choose(client, delivered_link(app)).headers["Location"] == "/"
    with app.app_context():
        assert db().scalars(sa.select(User).where(User.email == "ny@example.se")).one().password_hash is not None
