"""Login, logout, CSRF, redirects, the permission check in views, language and the page frame."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Blueprint

from coordinator.auth.access import require
from coordinator.auth.permissions import Action
from coordinator.auth.routes import READ_DISTRICT, permission
from tests.web.helpers import (PASSWORD, add_district, add_user, csrf_token, get_user, log_in, log_out, set_active,
                     text)

FAILED = "Fel e-postadress eller lösenord."


def logged_in_user_id(client) -> int | None:
    with client.session_transaction() as cookie:
        return cookie.get("user_id")


def html_lang(html: str) -> str:
    match = re.search(r'<html lang="([^"]+)"', html)
    assert match is not None
    return match.group(1)


def email_input(html: str) -> str:
    match = re.search(r'<input\b[^>]*\bid="email"[^>]*>', html)
    assert match is not None
    return match.group(0)


# --- logging in ---------------------------------------------------------------------------

def test_login_page_has_a_labelled_form_with_a_csrf_token(client):
    page = text(client.get("/login"))
    assert '<label class="label" for="email">E-postadress</label>' in page
    assert '<label class="label" for="password">Lösenord</label>' in page
    assert 'autocomplete="current-password"' in page
    assert csrf_token(page)


def test_login_shows_the_users_name_and_a_logout_button(app, client):
    add_user(app, "Anna.Andersson@Example.se", name="Anna Andersson")
    response = log_in(client, "anna.andersson@example.se")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    page = text(client.get("/"))
    assert "Anna Andersson" in page
    assert "Logga ut" in page
    assert "Logga in" not in page


def test_a_user_without_a_person_is_shown_by_email(app, client):
    add_user(app, "registrator@example.se")
    log_in(client, "registrator@example.se")
    assert "registrator@example.se" in text(client.get("/"))


def test_email_is_matched_whatever_the_case_and_spaces(app, client):
    add_user(app, "rektor@example.se")
    assert log_in(client, "  Rektor@Example.SE ").status_code == 302


def test_login_records_the_time(app, client):
    user_id = add_user(app, "anna@example.se")
    assert get_user(app, user_id).last_login_at is None
    log_in(client, "anna@example.se")
    assert get_user(app, user_id).last_login_at is not None


def test_wrong_password_and_unknown_email_get_the_same_answer(app, client):
    add_user(app, "anna@example.se")
    wrong_password = log_in(client, "anna@example.se", "fel lösenord")
    unknown_email = log_in(client, "okand@example.se", PASSWORD)
    for response, typed in ((wrong_password, "anna@example.se"), (unknown_email, "okand@example.se")):
        page = text(response)
        assert response.status_code == 200
        assert page.count(FAILED) == 1
        assert f'value="{typed}"' in email_input(page)  # what was typed is kept
        assert "<title>Fel: Logga in" in page
        assert logged_in_user_id(client) is None
    summary = re.compile(r'<div class="error-summary".*?</div>', re.S)
    assert summary.search(text(wrong_password)).group(0) == summary.search(text(unknown_email)).group(0)


def test_an_inactive_user_cannot_log_in(app, client):
    add_user(app, "slutat@example.se", is_active=False)
    response = log_in(client, "slutat@example.se")
    assert FAILED in text(response)
    assert logged_in_user_id(client) is None


def test_a_user_deactivated_after_login_is_logged_out(app, client):
    user_id = add_user(app, "anna@example.se", name="Anna Andersson")
    log_in(client, "anna@example.se")
    set_active(app, user_id, False)
    page = text(client.get("/tillganglighet"))
    assert "Anna Andersson" not in page
    assert "Logga in" in page
    assert logged_in_user_id(client) is None


def test_empty_fields_are_named_in_the_summary_and_at_each_field(client):
    page = text(client.post("/login", data={"csrf_token": csrf_token(text(client.get("/login")))}))
    assert '<a href="#email">Ange din e-postadress.</a>' in page
    assert '<a href="#password">Ange ditt lösenord.</a>' in page
    assert 'aria-invalid="true"' in email_input(page)
    assert 'aria-describedby="email-error"' in email_input(page)
    assert 'id="email-error"' in page


def test_login_starts_a_new_session(app, client):
    add_user(app, "anna@example.se")
    client.get("/login")
    with client.session_transaction() as cookie:
        cookie["planted"] = "by someone else"
    log_in(client, "anna@example.se")
    with client.session_transaction() as cookie:
        assert "planted" not in cookie
        assert set(cookie) == {"user_id", "version"}  # who, and the login's session version (auth/views.py load_user)


def test_the_login_page_sends_a_logged_in_user_on(app, client):
    add_user(app, "anna@example.se")
    log_in(client, "anna@example.se")
    response = client.get("/login")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


# --- CSRF and logging out ----------------------------------------------------------------

def test_a_post_without_csrf_token_is_refused(app, client):
    add_user(app, "anna@example.se")
    response = client.post("/login", data={"email": "anna@example.se", "password": PASSWORD})
    assert response.status_code == 400
    assert "Formuläret kunde inte skickas" in text(response)
    assert logged_in_user_id(client) is None


def test_a_post_with_a_forged_csrf_token_is_refused(app, client):
    add_user(app, "anna@example.se")
    client.get("/login")
    response = client.post("/login", data={"csrf_token": "forged", "email": "anna@example.se",
                                           "password": PASSWORD})
    assert response.status_code == 400
    assert logged_in_user_id(client) is None


def test_logout_is_not_possible_with_get(app, client):
    add_user(app, "anna@example.se")
    log_in(client, "anna@example.se")
    assert client.get("/logout").status_code == 405
    assert logged_in_user_id(client) is not None


def test_logout_without_csrf_token_is_refused(app, client):
    add_user(app, "anna@example.se", name="Anna Andersson")
    log_in(client, "anna@example.se")
    response = client.post("/logout")
    assert response.status_code == 400
    assert "Anna Andersson" in text(response)  # the error page is shown to the still logged-in user
    assert logged_in_user_id(client) is not None


def test_logout_ends_the_session(app, client):
    add_user(app, "anna@example.se", name="Anna Andersson")
    log_in(client, "anna@example.se")
    response = log_out(client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert logged_in_user_id(client) is None
    page = text(client.get("/login"))
    assert "Du är utloggad." in page
    assert "Anna Andersson" not in page


# --- where the login leads -----------------------------------------------------------------

@pytest.mark.parametrize("target", ["/tillganglighet", "/?termin=HT2027"])
def test_login_follows_a_relative_next(app, client, target):
    add_user(app, "anna@example.se")
    response = log_in(client, "anna@example.se", next_url=target)
    assert response.headers["Location"] == target


@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example/", "/\\evil.example", "\\\\evil.example",
    "javascript:alert(1)", "/\t/evil.example", "evil.example", "http:/evil.example",
])
def test_login_ignores_a_next_that_leaves_the_site(app, client, target):
    add_user(app, "anna@example.se")
    form_page = text(client.get("/login", query_string={"next": target}))
    assert 'name="next" type="hidden" value=""' in form_page
    response = log_in(client, "anna@example.se", next_url=target)
    assert response.headers["Location"] == "/"


# --- the permission check in views --------------------------------------------------------

@pytest.fixture
def probe(app):
    """A test-only page per district that demands VIEW or EDIT of its data."""
    bp = Blueprint("probe", __name__)

    @bp.get("/probe/<int:district_id>/<action>")
    @permission(READ_DISTRICT)
    def district_page(district_id: int, action: str) -> str:
        require(Action(action), district_id)
        return "district data"

    app.register_blueprint(bp)
    return app


@pytest.fixture
def districts(app):
    return {"norrmalm": add_district(app, "norrmalm", "Norrmalm"),
            "sodermalm": add_district(app, "sodermalm", "Södermalm")}


def test_login_required_sends_to_login_and_back(probe, client, districts):
    add_user(probe, "director@example.se", "district_director", "norrmalm")
    target = f"/probe/{districts['norrmalm']}/view"
    response = client.get(target)
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert (location.path, parse_qs(location.query)) == ("/login", {"next": [target]})
    login = log_in(client, "director@example.se", next_url=target)
    assert login.headers["Location"] == target
    assert text(client.get(target)) == "district data"


def test_another_districts_data_is_not_found(probe, client, districts):
    add_user(probe, "director@example.se", "district_director", "norrmalm")
    log_in(client, "director@example.se")
    assert client.get(f"/probe/{districts['norrmalm']}/edit").status_code == 200
    for action in ("view", "edit"):
        response = client.get(f"/probe/{districts['sodermalm']}/{action}")
        assert response.status_code == 404
        assert "Sidan finns inte" in text(response)


def test_an_auditor_reads_every_district_and_changes_none(probe, client, districts):
    add_user(probe, "revisor@example.se", "auditor")
    log_in(client, "revisor@example.se")
    for district_id in districts.values():
        assert client.get(f"/probe/{district_id}/view").status_code == 200
        assert client.get(f"/probe/{district_id}/edit").status_code == 404


# --- language --------------------------------------------------------------------------------

def test_pages_are_swedish_by_default(client):
    assert html_lang(text(client.get("/login"))) == "sv"


def test_an_english_user_gets_english_pages(app, client):
    add_user(app, "guest@example.se", language="en")
    log_in(client, "guest@example.se")
    assert html_lang(text(client.get("/"))) == "en"


def test_an_anonymous_language_choice_persists(client):
    page = text(client.get("/login?lang=en"))
    assert html_lang(page) == "en"
    assert html_lang(text(client.get("/login"))) == "en"
    assert html_lang(text(client.get("/tillganglighet"))) == "en"
    assert html_lang(text(client.get("/login?lang=sv"))) == "sv"
    assert html_lang(text(client.get("/login"))) == "sv"


def test_the_language_link_keeps_the_rest_of_the_address(client):
    page = text(client.get("/login?next=/tillganglighet"))
    assert 'href="/login?next=%2Ftillganglighet&amp;lang=en" lang="en" hreflang="en">English</a>' in page


def test_a_user_changes_their_own_language(app, client):
    user_id = add_user(app, "anna@example.se")
    log_in(client, "anna@example.se")
    token = csrf_token(text(client.get("/")))
    response = client.post("/sprak", data={"csrf_token": token, "language": "en", "next": "/tillganglighet"})
    assert response.headers["Location"] == "/tillganglighet"
    assert get_user(app, user_id).language.value == "en"
    assert html_lang(text(client.get("/"))) == "en"
    log_out(client)
    assert html_lang(text(client.get("/login"))) == "en"  # still their language after logging out


def test_the_language_chosen_on_the_login_page_stays_after_signing_in_and_out(app, client):
    user_id = add_user(app, "anna@example.se")  # Swedish by her setting
    assert html_lang(text(client.get("/login?lang=en"))) == "en"
    log_in(client, "anna@example.se")
    assert html_lang(text(client.get("/"))) == "en"
    assert html_lang(text(client.get("/tillganglighet"))) == "en"
    assert get_user(app, user_id).language.value == "en"  # her choice, kept for the next time
    log_out(client)
    assert html_lang(text(client.get("/login"))) == "en"


def test_a_language_left_by_someone_who_logged_out_is_not_given_to_the_next_user(app, client):
    add_user(app, "guest@example.se", language="en")
    swedish_id = add_user(app, "anna@example.se")
    log_in(client, "guest@example.se")
    log_out(client)
    assert html_lang(text(client.get("/login"))) == "en"  # the guest's language, not chosen by Anna
    log_in(client, "anna@example.se")
    assert html_lang(text(client.get("/"))) == "sv"
    assert get_user(app, swedish_id).language.value == "sv"


def test_a_choice_made_with_the_switch_on_the_login_form_counts_too(app, client):
    user_id = add_user(app, "anna@example.se")
    token = csrf_token(text(client.get("/login")))
    client.post("/sprak", data={"csrf_token": token, "language": "en", "next": "/login"})
    log_in(client, "anna@example.se")
    assert html_lang(text(client.get("/"))) == "en" and get_user(app, user_id).language.value == "en"


# --- the page frame -----------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/tillganglighet", "/login"])
def test_every_page_has_skip_link_navigation_and_accessibility_link(client, path):
    page = text(client.get(path))
    assert '<a class="skip-link" href="#content">Till huvudinnehållet</a>' in page
    assert '<main id="content"' in page
    assert '<nav class="site-nav" aria-label="Huvudmeny">' in page
    assert '<a href="/">Start</a>' in page
    assert 'href="/tillganglighet">Tillgänglighet</a>' in page
    assert 'href="/static/app.css"' in page


def test_the_menu_marks_the_current_page(app, client):
    add_user(app, "anna@example.se")
    log_in(client, "anna@example.se")
    assert 'href="/" aria-current="page">Start</a>' in text(client.get("/"))


def test_the_stylesheet_is_served(client):
    response = client.get("/static/app.css")
    assert response.status_code == 200
    assert ":focus-visible" in text(response)
    response.close()


def test_the_accessibility_statement_tells_how_to_report_problems(client):
    response = client.get("/tillganglighet")
    page = text(response)
    assert response.status_code == 200
    assert "delvis förenlig" in page
    assert 'href="mailto:samverkan@example.se?subject=' in page
    assert 'href="https://www.digg.se/tdosanmalan"' in page


def test_an_unknown_page_is_answered_in_the_layout(client):
    response = client.get("/finns-inte")
    assert response.status_code == 404
    assert "Sidan finns inte" in text(response)
    assert 'class="skip-link"' in text(response)


def test_a_hash_with_the_old_64_mib_parameters_still_signs_in_and_is_replaced_by_owasps(app, client):
    """Passwords are hashed at 19 MiB, t=2, p=1 (decision 85); one hashed with argon2-cffi's 64 MiB default
    before that still works, and its owner's sign-in rehashes it."""
    from argon2 import PasswordHasher
    from argon2.profiles import RFC_9106_LOW_MEMORY

    from coordinator.auth.models import User
    from coordinator.auth.passwords import hash_password
    from coordinator.web import db

    assert hash_password("a long enough password").startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    user_id = add_user(app, "old.hash@stockholm.example", "city_admin")
    with app.app_context():
        user = db().get_one(User, user_id)
        user.password_hash = PasswordHasher.from_parameters(RFC_9106_LOW_MEMORY).hash(PASSWORD)
        db().commit()

    log_in(client, "old.hash@stockholm.example")

    assert logged_in_user_id(client) == user_id
    assert get_user(app, user_id).password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
