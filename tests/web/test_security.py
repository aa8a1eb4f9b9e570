"""What every response carries (coordinator/security.py), the session ended on the server, the secret key
refused in production, oversized and forged requests, and the abuse limits with their 429 page."""
from __future__ import annotations

import dataclasses
from collections.abc import Iterator
import re
import threading
import time
from pathlib import Path

import pytest
from limits.storage import MemoryStorage

from coordinator import create_app
from coordinator.config import PROJECT_ROOT, Settings
from coordinator.security import InProcessLimits, secret_key_problem
from tests.web.helpers import add_user, csrf_token, get_user, log_in, log_out, text

STRONG_KEY = "p3Rk8vQz2LmN7xYtW4sJ9aBcD6eFgH1iKoU5rTyE"


@pytest.fixture
def database_url(migrated_urls: dict[str, str]) -> Iterator[str]:
    """SQLite only: nothing here differs between the engines (the session version's migration is tested on
    both with the others), and the suite's time is counted."""
    from tests.conftest import _empty, _engines, make_engine

    url = migrated_urls["sqlite"]
    yield url
    _empty(_engines.get(url) or _engines.setdefault(url, make_engine(url)))


def logged_in(client) -> bool:  # type: ignore[no-untyped-def]
    """Whether the start page is shown to a signed-in user (with the sign-out button)."""
    return 'action="/logout"' in text(client.get("/"))


# --- headers -------------------------------------------------------------------------------------------

def test_every_page_carries_the_security_headers_and_is_not_stored(client):
    for path in ("/login", "/tillganglighet", "/no-such-page"):
        headers = client.get(path).headers
        policy = headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in policy
        assert "script-src 'self'" in policy and "style-src 'self'" in policy
        assert "unsafe-inline" not in policy
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert headers["Cache-Control"] == "no-store"
        assert "Strict-Transport-Security" not in headers  # served over http here
    static = client.get("/static/app.css")
    assert static.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" not in static.headers.get("Cache-Control", "")  # the stylesheet may be cached


def test_over_https_hsts_is_sent_and_the_session_cookie_is_secure(settings):
    app = create_app(dataclasses.replace(settings, base_url="https://samverkan.example.se", secret_key=STRONG_KEY))
    client = app.test_client()
    response = client.get("/login", base_url="https://samverkan.example.se")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    app.extensions["coordinator.engine"].dispose()


_INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=\"|\son[a-z]+=\"", re.IGNORECASE)


def test_no_page_template_has_inline_script_or_style():
    """The policy allows no inline script or style: a template with one would break in the browser."""
    offenders = [f"{path.relative_to(PROJECT_ROOT)}: {match.group(0)}"
                 for path in (PROJECT_ROOT / "templates").rglob("*.html") if "emails" not in path.parts
                 for match in _INLINE.finditer(path.read_text())]
    assert offenders == []


# --- the secret key ------------------------------------------------------------------------------------

@pytest.mark.parametrize("key", ["test-secret", "changeme", "short-but-not-default", "a" * 40])
def test_a_weak_or_default_secret_key_is_refused_in_production(tmp_path: Path, key):
    settings = Settings.from_env({"COORDINATOR_INSTANCE_PATH": str(tmp_path), "COORDINATOR_SECRET_KEY": key,
                                  "COORDINATOR_BASE_URL": "https://samverkan.example.se"})
    assert "COORDINATOR_SECRET_KEY" in (secret_key_problem(settings) or "")
    with pytest.raises(ValueError, match="COORDINATOR_SECRET_KEY is weak"):
        create_app(settings)


def test_a_strong_or_generated_secret_key_starts_in_production_and_any_key_in_development(tmp_path: Path):
    https = {"COORDINATOR_INSTANCE_PATH": str(tmp_path), "COORDINATOR_BASE_URL": "https://samverkan.example.se"}
    assert secret_key_problem(Settings.from_env({**https, "COORDINATOR_SECRET_KEY": STRONG_KEY})) is None
    assert secret_key_problem(Settings.from_env(https)) is None  # generated into the instance folder
    assert secret_key_problem(Settings.from_env({"COORDINATOR_INSTANCE_PATH": str(tmp_path),
                                                 "COORDINATOR_SECRET_KEY": "dev"})) is None


# --- the session, ended on the server ------------------------------------------------------------------

def _copy_of_cookie(client) -> str:  # type: ignore[no-untyped-def]
    return client.get_cookie("session").value


def test_signing_out_ends_every_copy_of_the_session_cookie(app, client):
    add_user(app, "anna@example.se")
    log_in(client, "anna@example.se")
    copied = _copy_of_cookie(client)  # e.g. taken from a shared computer before signing out
    other_device = app.test_client()
    log_in(other_device, "anna@example.se")
    log_out(client)
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert not logged_in(thief)
    assert not logged_in(other_device)  # signing out ends the login's sessions everywhere
    log_in(client, "anna@example.se")
    assert logged_in(client)  # a new sign-in works


def test_a_closed_login_and_a_new_password_end_a_copied_cookie(app, client):
    from coordinator.auth import services
    from coordinator.web import db

    user_id = add_user(app, "anna@example.se")
    log_in(client, "anna@example.se")
    version = get_user(app, user_id).session_version
    with app.app_context():  # what the password link and "Stäng inloggningen" do (auth/accounts.py)
        services.end_sessions(db().get(type(get_user(app, user_id)), user_id))
        db().commit()
    assert get_user(app, user_id).session_version == version + 1
    assert not logged_in(client)


def test_a_tampered_session_cookie_is_anonymous_and_its_form_is_refused(app, client):
    user_id = add_user(app, "anna@example.se")
    log_in(client, "anna@example.se")
    token = csrf_token(text(client.get("/")))
    forged = _copy_of_cookie(client)
    client.set_cookie("session", forged[:-3] + ("AAA" if not forged.endswith("AAA") else "BBB"))
    response = client.post("/sprak", data={"csrf_token": token, "language": "en"})
    assert response.status_code == 400
    assert get_user(app, user_id).language.value == "sv"  # nothing changed


# --- oversized requests --------------------------------------------------------------------------------

def test_an_oversized_request_gets_413_with_a_page(client):
    response = client.post("/login", data={"email": "x" * (21 * 1024 * 1024)})
    assert response.status_code == 413
    assert "<h1>" in text(response)


# --- abuse limits --------------------------------------------------------------------------------------

@pytest.fixture
def limited(settings):  # type: ignore[no-untyped-def]
    """The app with small limits, so a test reaches them in a few requests (the setting each limit has)."""
    app = create_app(dataclasses.replace(settings, rate_limits={
        "sign_in": "3 per minute", "password": "2 per minute", "answer": "2 per minute", "feed": "2 per minute"}))
    app.config.update(TESTING=True)
    yield app
    app.extensions["coordinator.engine"].dispose()


def test_too_many_sign_ins_get_429_with_a_page_in_the_visitors_language(limited):
    add_user(limited, "anna@example.se")
    client = limited.test_client()
    client.get("/login?lang=en")
    for _attempt in range(3):
        assert log_in(client, "anna@example.se", password="wrong").status_code == 200
    response = log_in(client, "anna@example.se")  # even the right password waits now
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 61  # the minute, rounded up to a whole second
    assert "Too many attempts" in text(response)
    assert "Try again in 1 minute" in text(response)
    assert not logged_in(client)
    assert client.get("/login").status_code == 200  # the form itself is still shown


@pytest.mark.parametrize("path", ["/rsvp/not-a-token", "/consultations/book/not-a-token",
                                  "/consultations/cancel/not-a-token", "/feeds/not-a-token.ics"])
def test_answer_booking_and_feed_links_are_limited(limited, path):
    client = limited.test_client()
    assert [client.get(path).status_code for _n in range(3)][-1] == 429
    response = client.get(path)
    assert response.status_code == 429
    assert "För många försök" in text(response)


def test_the_in_process_limits_start_no_thread_per_request_and_still_forget_old_addresses(limited, monkeypatch):
    storage = limited.extensions["coordinator.limiter"].storage
    assert isinstance(storage, InProcessLimits)
    # the library's private hook that InProcessLimits replaces: renamed, the timer thread would come back
    assert callable(getattr(MemoryStorage, "_MemoryStorage__schedule_expiry", None))
    started: list[object] = []
    monkeypatch.setattr(threading.Thread, "start", lambda thread: started.append(thread))
    client = limited.test_client()

    statuses = []
    for _n in range(3):
        statuses.append(client.get("/feeds/not-a-token.ics").status_code)
        time.sleep(0.02)  # past the library's 10 ms timer, which would have been started again for each

    assert statuses == [404, 404, 429] and started == []
    assert storage.events  # the address's entries, until a sweep finds them expired
    storage._next_sweep = 0.0
    monkeypatch.setattr(time, "time", lambda: 10 ** 10)  # long after the minute
    storage._MemoryStorage__schedule_expiry()
    assert not any(storage.events.values())  # (the library keeps the emptied key)


def test_the_429_page_leads_the_signed_out_to_the_sign_in_and_the_signed_in_to_the_front_page(limited):
    signed_out = limited.test_client()
    add_user(limited, "anna@example.se")
    signed_in = limited.test_client()
    assert log_in(signed_in, "anna@example.se").status_code == 302
    for client, href, label in ((signed_out, "/login", "Till inloggningen"), (signed_in, "/", "Till startsidan")):
        pages = [client.get("/feeds/not-a-token.ics") for _n in range(3)]
        assert pages[-1].status_code == 429
        assert f'<p><a href="{href}">{label}</a></p>' in text(pages[-1])


def test_password_reset_is_limited(limited):
    client = limited.test_client()
    for _n in range(2):
        token = csrf_token(text(client.get("/password/forgot")))
        assert client.post("/password/forgot", data={"csrf_token": token, "email": "x@example.se"}).status_code == 200
    token = csrf_token(text(client.get("/password/forgot")))
    assert client.post("/password/forgot", data={"csrf_token": token, "email": "x@example.se"}).status_code == 429


def test_limits_can_be_turned_off_for_load_tests(settings):
    app = create_app(dataclasses.replace(settings, rate_limits_enabled=False, rate_limits={"feed": "1 per minute"}))
    client = app.test_client()
    assert {client.get("/feeds/not-a-token.ics").status_code for _n in range(3)} == {404}
    app.extensions["coordinator.engine"].dispose()


def test_a_wrong_limit_setting_stops_the_start(tmp_path: Path):
    with pytest.raises(ValueError, match="COORDINATOR_RATE_LIMIT_SIGN_IN"):
        Settings.from_env({"COORDINATOR_INSTANCE_PATH": str(tmp_path), "COORDINATOR_RATE_LIMIT_SIGN_IN": "often"})
    with pytest.raises(ValueError, match="COORDINATOR_RATE_LIMITS"):
        Settings.from_env({"COORDINATOR_INSTANCE_PATH": str(tmp_path), "COORDINATOR_RATE_LIMITS": "perhaps"})


def test_behind_a_trusted_proxy_each_client_is_counted_by_its_own_address(settings):
    app = create_app(dataclasses.replace(settings, trusted_proxies=1, rate_limits={"feed": "2 per minute"}))
    client = app.test_client()
    for _n in range(2):
        assert client.get("/feeds/x.ics", headers={"X-Forwarded-For": "10.0.0.1"}).status_code == 404
    assert client.get("/feeds/x.ics", headers={"X-Forwarded-For": "10.0.0.1"}).status_code == 429
    assert client.get("/feeds/x.ics", headers={"X-Forwarded-For": "10.0.0.2"}).status_code == 404
    app.extensions["coordinator.engine"].dispose()
