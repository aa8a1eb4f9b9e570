"""The users' pages in the browser: who sees them, inviting by mail, roles within one's rights, closing a login."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from functools import cache

import pytest
import sqlalchemy as sa
from flask import Flask

from coordinator.auth import services
from coordinator.auth.models import Role, User
from coordinator.auth.passwords import hash_password
from coordinator.db import make_session_factory
from coordinator.org.models import District, Language, Person
from coordinator.outbox.delivery import deliver_due
from coordinator.outbox.models import MessageKind, OutboxMessage
from coordinator.outbox.transports import transport_from_url
from coordinator.web import db
from tests.smtp_server import SMTPServer
from tests.web.helpers import NOW, PASSWORD, add_district, csrf_token, get_user, log_in, log_out, page, text

NEW_PASSWORD = "ett helt nytt lösenord"


def add_person(app: Flask, name: str, email: str, district_code: str, language: str = "sv") -> int:
    with app.app_context():
        session = db()
        district = session.scalars(sa.select(District).where(District.code == district_code)).one()
        person = Person(municipality_id=district.municipality_id, district_id=district.id, name=name, email=email,
                        language=Language(language))
        session.add(person)
        session.commit()
        return person.id


@cache
def password_hash() -> str:
    return hash_password(PASSWORD)  # argon2 is slow by design: one hash for every login of these tests


def login(app: Flask, email: str, role: str, district: str | None = None, *, name: str | None = None,
          language: str = "sv") -> int:
    """A login with PASSWORD, made through the service the CLI uses."""
    with app.app_context():
        user = services.create_user(db(), email, role, district, None, NOW, name=name, language=language)
        user.password_hash = password_hash()
        db().commit()
        return user.id


@pytest.fixture
def org(app):  # type: ignore[no-untyped-def]
    add_district(app, "norrmalm", "Norrmalm")
    add_district(app, "sodermalm", "Södermalm")
    add_person(app, "Kurt Kurator", "kurator@norr.example", "norrmalm")
    add_person(app, "Sara Söder", "sara@soder.example", "sodermalm")
    return {
        "city": login(app, "admin@stad.example", "city_admin"),
        "director": login(app, "direktor@norr.example", "district_director", "norrmalm", name="Dora Direktör"),
        "admin": login(app, "admin@norr.example", "district_admin", "norrmalm", name="Karin Admin"),
        "soder": login(app, "admin@soder.example", "district_admin", "sodermalm", name="Sune Admin"),
        "rektor": login(app, "rektor@norr.example", "participant", "norrmalm", name="Rita Rektor", language="en"),
    }


def post(client, path: str, data: dict[str, object] | None = None, form_page: str | None = None):  # type: ignore[no-untyped-def]
    token = csrf_token(text(client.get(form_page or path)))
    return client.post(path, data={"csrf_token": token, **(data or {})})


def role_of(app: Flask, user_id: int) -> Role:
    return get_user(app, user_id).role


# -- who sees the pages ----------------------------------------------------------------------------------

def test_the_menu_has_users_for_those_who_manage_logins_only(app, client, org):
    log_in(client, "admin@norr.example")
    assert '<a href="/users">Användare</a>' in text(client.get("/"))
    log_out(client)
    log_in(client, "rektor@norr.example")
    assert 'href="/users"' not in text(client.get("/"))
    assert client.get("/users").status_code == 404
    assert client.get(f"/users/{org['admin']}").status_code == 404


def test_the_users_page_asks_for_a_login_first_and_comes_back(app, client, org):
    response = client.get("/users")
    assert response.headers["Location"] == "/login?next=/users"
    assert log_in(client, "admin@norr.example", next_url="/users").headers["Location"] == "/users"


def test_a_district_administrator_sees_the_logins_of_their_district_only(app, client, org):
    log_in(client, "admin@norr.example")
    listing = page(client.get("/users"))
    for shown in ("Dora Direktör", "Karin Admin", "Rita Rektor"):
        assert shown in listing
    for hidden in ("Sune Admin", "admin@stad.example"):
        assert hidden not in listing
    assert client.get(f"/users/{org['soder']}").status_code == 404  # another district: not found
    assert client.get(f"/users/{org['city']}").status_code == 404
    assert post(client, f"/users/{org['soder']}/close", form_page="/users").status_code == 404
    assert get_user(app, org["soder"]).is_active


def test_the_city_administrator_sees_every_login(app, client, org):
    log_in(client, "admin@stad.example")
    listing = page(client.get("/users"))
    assert all(name in listing for name in ("Sune Admin", "Karin Admin", "Rita Rektor", "admin@stad.example"))


# -- inviting ---------------------------------------------------------------------------------------------

def test_an_invited_person_chooses_a_password_from_the_delivered_mail_and_signs_in(app, client, org):
    log_in(client, "admin@norr.example")
    form = page(client.get("/users/invite"))
    assert 'name="csrf_token"' in form and "Deltagare" in form and "Stadsdelsdirektör" not in form
    response = post(client, "/users/invite", {"email": "kurator@norr.example", "role": "participant"})
    assert response.status_code == 302
    shown = page(client.get(response.headers["Location"], follow_redirects=True))
    assert "En inbjudan med en länk för att välja lösenord skickas till kurator@norr.example." in shown
    assert "Inbjuden, inget lösenord ännu" in shown
    with SMTPServer() as smtp:
        deliver_due(make_session_factory(app.extensions["coordinator.engine"]), transport_from_url(smtp.url),
                    now=datetime.now(timezone.utc))
    [received] = smtp.received
    assert received.envelope_to == ["kurator@norr.example"]
    body = received.message.get_body(("plain",)).get_content()
    assert "Karin Admin har bjudit in dig" in body and "som deltagare." in body
    link = re.search(r"http://127\.0\.0\.1:5000(/password/\S+)", body).group(1)
    browser = app.test_client()
    form_page = text(browser.get(link))
    assert 'value="kurator@norr.example"' in form_page and "Välj ett lösenord" in form_page
    done = browser.post(link, data={"csrf_token": csrf_token(form_page), "password": NEW_PASSWORD,
                                    "repeat": NEW_PASSWORD})
    assert done.headers["Location"] == "/"
    assert "Kurt Kurator" in page(browser.get("/"))
    log_out(browser)
    assert log_in(browser, "kurator@norr.example", NEW_PASSWORD).status_code == 302
    again = browser.get(link)
    assert again.status_code == 410 and "Länken är redan använd" in page(again)


def test_an_invitation_beyond_the_district_is_refused_with_the_reason(app, client, org):
    log_in(client, "admin@norr.example")
    response = post(client, "/users/invite", {"email": "sara@soder.example", "role": "participant"})
    assert response.status_code == 200
    assert "sara@soder.example hör inte till din stadsdel." in page(response)
    with app.app_context():
        assert db().scalars(sa.select(User).where(User.email == "sara@soder.example")).first() is None
        assert db().scalars(sa.select(OutboxMessage)).first() is None


def test_a_new_invitation_can_be_sent_while_no_password_is_chosen(app, client, org):
    log_in(client, "admin@norr.example")
    user_page = post(client, "/users/invite", {"email": "kurator@norr.example", "role": "participant"}).headers["Location"]
    response = post(client, f"{user_page}/invitation", form_page=user_page)
    assert "En ny inbjudan skickas till kurator@norr.example." in page(client.get(response.headers["Location"]))
    with app.app_context():
        kinds = db().scalars(sa.select(OutboxMessage.kind)).all()
    assert kinds == [MessageKind.LOGIN_INVITATION] * 2


# -- roles --------------------------------------------------------------------------------------------------

def test_a_director_changes_a_role_within_their_rights(app, client, org):
    log_in(client, "direktor@norr.example")
    response = post(client, f"/users/{org['admin']}", {"role": "district_director"})
    assert response.status_code == 302
    assert "Rollen är ändrad." in page(client.get(response.headers["Location"]))
    assert role_of(app, org["admin"]) is Role.DISTRICT_DIRECTOR


def test_role_escalation_is_refused_and_nothing_changes(app, client, org):
    log_in(client, "admin@norr.example")
    form = page(client.get(f"/users/{org['rektor']}"))
    assert "Stadsdelsdirektör</option>" not in form  # not offered
    response = post(client, f"/users/{org['rektor']}", {"role": "district_director"})  # sent anyway
    assert response.status_code == 200
    assert "Du kan inte ge rollen stadsdelsdirektör: den har mer behörighet än din egen." in page(response)
    assert role_of(app, org["rektor"]) is Role.PARTICIPANT
    # a login with more rights than one's own is shown without the form, and a change to it refused
    director_page = page(client.get(f"/users/{org['director']}"))
    assert "har mer behörighet än din egen" in director_page and "Spara roll" not in director_page
    refused = post(client, f"/users/{org['director']}", {"role": "district_admin"}, form_page="/users/invite")
    assert "Du kan inte ändra direktor@norr.example" in page(refused)
    assert role_of(app, org["director"]) is Role.DISTRICT_DIRECTOR


def test_an_administrator_cannot_lock_themselves_out(app, client, org):
    log_in(client, "admin@norr.example")
    own = page(client.get(f"/users/{org['admin']}"))
    assert "Stäng inloggningen" not in own
    response = post(client, f"/users/{org['admin']}", {"role": "participant"})
    assert "Du kan inte ta ifrån dig själv rätten att hantera inloggningar." in page(response)
    refused = post(client, f"/users/{org['admin']}/close", form_page=f"/users/{org['admin']}")
    assert "Du kan inte stänga din egen inloggning." in page(client.get(refused.headers["Location"]))
    assert get_user(app, org["admin"]).is_active and role_of(app, org["admin"]) is Role.DISTRICT_ADMIN


# -- closing ------------------------------------------------------------------------------------------------

def test_a_closed_login_is_refused_at_its_next_request_and_reopened_needs_a_new_sign_in(app, client, org):
    rektor = app.test_client()
    log_in(rektor, "rektor@norr.example")
    assert "Rita Rektor" in page(rektor.get("/"))
    log_in(client, "admin@norr.example")
    response = post(client, f"/users/{org['rektor']}/close", form_page=f"/users/{org['rektor']}")
    assert "Inloggningen är stängd." in page(client.get(response.headers["Location"]))
    assert "Rita Rektor" not in page(rektor.get("/"))  # the very next request
    assert log_in(rektor, "rektor@norr.example").status_code == 200  # refused
    post(client, f"/users/{org['rektor']}/reopen", form_page=f"/users/{org['rektor']}")
    assert get_user(app, org["rektor"]).is_active
    assert log_in(rektor, "rektor@norr.example").status_code == 302


def test_a_session_from_before_the_login_was_closed_stays_ended_after_it_is_reopened(app, client, org):
    rektor = app.test_client()
    log_in(rektor, "rektor@norr.example")
    with rektor.session_transaction() as cookie:
        old_session = dict(cookie)
    log_in(client, "admin@norr.example")
    post(client, f"/users/{org['rektor']}/close", form_page=f"/users/{org['rektor']}")
    post(client, f"/users/{org['rektor']}/reopen", form_page=f"/users/{org['rektor']}")
    with rektor.session_transaction() as cookie:
        cookie.update(old_session)  # the cookie someone kept
    assert "Rita Rektor" not in page(rektor.get("/"))


def test_a_button_without_its_csrf_token_is_refused(app, client, org):
    log_in(client, "admin@norr.example")
    assert client.post(f"/users/{org['rektor']}/close").status_code == 400
    assert get_user(app, org["rektor"]).is_active


def test_the_users_pages_speak_english(app, client, org):
    login(app, "english@norr.example", "district_admin", "norrmalm", language="en")
    log_in(client, "english@norr.example")
    listing = page(client.get("/users"))
    assert "<h1>Users</h1>" in listing and "Invite a person" in listing and "District director" in listing
    user_page = page(client.get(f"/users/{org['rektor']}"))
    assert "Change role" in user_page and "Close the login" in user_page
    response = post(client, f"/users/{org['rektor']}", {"role": "district_director"})
    assert "You cannot give the role district director" in page(response)
