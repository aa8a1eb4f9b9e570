"""Sign-in through the municipality's identity provider: a real OpenID Connect provider (panva's oidc-provider,
tests/oidc/) on loopback, the app signing people in through it as the municipality's staff would.

The provider runs once for the module (about 1 s to start); each test walks its sign-in form with `requests`
as a browser would and hands the provider's redirect back to the app's test client.
"""
from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from datetime import timedelta
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
import requests
import sqlalchemy as sa

from coordinator import create_app
from coordinator.auth.models import User
from coordinator.auth.oidc import CALLBACK_PATH, OidcSettings, id_token_checks, provider
from coordinator.clock import fixed, utcnow
from coordinator.config import Settings
from tests.smtp_server import free_port
from tests.web.helpers import add_user, text

PROVIDER_DIR = Path(__file__).resolve().parent.parent / "oidc"
APP_URL = "http://127.0.0.1:5000"  # the app's base URL in the tests' settings (tests/conftest.py)
CLIENT = {"client_id": "samverkan", "client_secret": "samverkan-secret-at-the-provider",
          "redirect_uris": [APP_URL + CALLBACK_PATH]}
# another service of the municipality, registered at the same provider
ELSEWHERE = {"client_id": "elsewhere", "client_secret": "elsewhere-secret-at-the-provider",
             "redirect_uris": [APP_URL + CALLBACK_PATH]}


@pytest.fixture
def database_url(migrated_urls: dict[str, str]) -> Iterator[str]:
    """SQLite only: signing in reads one login by email, the same on both engines, and the suite's time is counted."""
    from tests.conftest import _empty, _engines, make_engine

    url = migrated_urls["sqlite"]
    yield url
    _empty(_engines.get(url) or _engines.setdefault(url, make_engine(url)))


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (under CI=true the identity provider's tests must run)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def issuer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The provider's issuer URL while it runs."""
    node = shutil.which("node")
    if node is None:
        _unavailable("Node.js is not installed")
    if not (PROVIDER_DIR / "node_modules" / "oidc-provider").exists():
        _unavailable("oidc-provider is not installed: npm ci --prefix tests/oidc (make install-test does it)")
    port = free_port()
    log = tmp_path_factory.mktemp("oidc") / "provider.log"
    with log.open("wb") as output:
        process = subprocess.Popen([node, str(PROVIDER_DIR / "provider.mjs"), str(port)], stdout=output,
                                   stderr=subprocess.STDOUT, cwd=PROVIDER_DIR,
                                   env={**os.environ, "OIDC_CLIENTS": json.dumps([CLIENT, ELSEWHERE])})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while "listening" not in log.read_text():
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def app(settings: Settings, issuer: str):  # type: ignore[no-untyped-def]
    """The app with the provider configured as the environment would (COORDINATOR_OIDC_*)."""
    oidc = {"issuer": issuer, "client_id": CLIENT["client_id"], "client_secret": CLIENT["client_secret"]}
    app = create_app(dataclasses.replace(settings, oidc=oidc))
    app.config.update(TESTING=True)
    yield app
    app.extensions["coordinator.engine"].dispose()


def sign_in_at_provider(authorize_url: str, login: str) -> str:
    """What a browser does at the provider: open the authorization URL, fill in its sign-in form, follow its
    redirects; the URL it finally sends the browser to (the app's callback)."""
    browser = requests.Session()
    response = browser.get(authorize_url, allow_redirects=True)
    form = re.search(r'<form[^>]*action="([^"]+)"', response.text)
    assert form is not None, response.text
    response = browser.post(requests.compat.urljoin(response.url, unescape(form.group(1))),
                            data={"prompt": "login", "login": login, "password": "anything"}, allow_redirects=False)
    while not response.headers["Location"].startswith(APP_URL):
        response = browser.get(requests.compat.urljoin(response.url, response.headers["Location"]),
                               allow_redirects=False)
        assert response.status_code in (302, 303), response.text
    return response.headers["Location"]


def start(client, next_path: str | None = None) -> str:  # type: ignore[no-untyped-def]
    """Press "Logga in med kommunens konto": the provider's authorization URL."""
    response = client.get("/login/oidc", query_string={"next": next_path} if next_path else None)
    assert response.status_code == 302
    return response.headers["Location"]


def come_back(client, callback_url: str):  # type: ignore[no-untyped-def]
    parts = urlsplit(callback_url)
    return client.get(f"{parts.path}?{parts.query}")


def signed_in_user(client) -> int | None:  # type: ignore[no-untyped-def]
    with client.session_transaction() as cookie:
        return cookie.get("user_id")


def test_a_person_with_a_login_signs_in_through_the_provider_and_lands_where_they_were_going(app, client):
    user_id = add_user(app, "anna.andersson@ekdal.example", name="Anna Andersson")
    page = text(client.get("/login"))
    assert "Logga in med kommunens konto" in page and 'name="password"' in page  # passwords stay
    callback = sign_in_at_provider(start(client, next_path="/tillganglighet"), "Anna.Andersson@ekdal.example")
    response = come_back(client, callback)
    assert response.status_code == 302
    assert response.headers["Location"] == "/tillganglighet"
    assert signed_in_user(client) == user_id
    assert "Anna Andersson" in text(client.get("/"))


def test_an_unknown_person_is_refused_with_a_page_and_no_login_is_made(app, client, session):
    add_user(app, "anna.andersson@ekdal.example")
    response = come_back(client, sign_in_at_provider(start(client), "okand@ekdal.example"))
    assert response.status_code == 403
    assert "Det finns ingen inloggning i Samverkan för okand@ekdal.example" in text(response)
    assert signed_in_user(client) is None
    assert session.scalar(sa.select(sa.func.count(User.id))) == 1


def test_a_closed_login_is_refused(app, client):
    add_user(app, "anna.andersson@ekdal.example", is_active=False)
    response = come_back(client, sign_in_at_provider(start(client), "anna.andersson@ekdal.example"))
    assert response.status_code == 403
    assert signed_in_user(client) is None


def test_the_email_may_come_in_another_claim(settings, issuer):
    oidc = {"issuer": issuer, "client_id": CLIENT["client_id"], "client_secret": CLIENT["client_secret"],
            "email_claim": "upn"}  # the provider sends it upper-case there
    app = create_app(dataclasses.replace(settings, oidc=oidc))
    user_id = add_user(app, "anna.andersson@ekdal.example")
    client = app.test_client()
    assert come_back(client, sign_in_at_provider(start(client), "anna.andersson@ekdal.example")).status_code == 302
    assert signed_in_user(client) == user_id
    app.extensions["coordinator.engine"].dispose()


def test_a_tampered_state_is_refused_and_nothing_changes(app, client):
    add_user(app, "anna.andersson@ekdal.example")
    callback = urlsplit(sign_in_at_provider(start(client), "anna.andersson@ekdal.example"))
    query = parse_qs(callback.query)
    query["state"] = [query["state"][0][:-2] + "xx"]
    response = client.get(f"{callback.path}?{urlencode(query, doseq=True)}")
    assert response.status_code == 400
    assert "kunde inte slutföras" in text(response)
    assert signed_in_user(client) is None


def test_an_expired_id_token_is_refused(app, client):
    add_user(app, "anna.andersson@ekdal.example")
    callback = sign_in_at_provider(start(client), "anna.andersson@ekdal.example")
    # the provider's ID tokens live an hour: judged two hours later by the app's clock, this one has expired
    app.extensions["coordinator.clock"] = fixed(utcnow() + timedelta(hours=2))
    response = come_back(client, callback)
    assert response.status_code == 400
    assert signed_in_user(client) is None


def test_a_code_given_to_another_service_is_refused(app, client):
    """The app's state, but the code the provider gave another client (its ID token is for that audience)."""
    add_user(app, "anna.andersson@ekdal.example")
    authorize = urlsplit(start(client))
    query = parse_qs(authorize.query)
    query["client_id"] = [ELSEWHERE["client_id"]]
    callback = sign_in_at_provider(urlunsplit(authorize._replace(query=urlencode(query, doseq=True))),
                                   "anna.andersson@ekdal.example")
    response = come_back(client, callback)
    assert response.status_code == 400
    assert signed_in_user(client) is None


def test_an_id_token_for_another_audience_is_refused(app, issuer):
    """A real ID token the provider signed for another service: the app's check refuses its audience."""
    from joserfc.errors import InvalidClaimError

    browser = requests.Session()
    authorize = f"{issuer}/auth?" + urlencode({"client_id": ELSEWHERE["client_id"], "response_type": "code",
                                               "scope": "openid email", "nonce": "n-0S6_WzA2Mj",
                                               "redirect_uri": ELSEWHERE["redirect_uris"][0]})
    code = parse_qs(urlsplit(sign_in_at_provider(authorize, "anna.andersson@ekdal.example")).query)["code"][0]
    token = browser.post(f"{issuer}/token", data={"grant_type": "authorization_code", "code": code,
                                                  "redirect_uri": ELSEWHERE["redirect_uris"][0]},
                         auth=(ELSEWHERE["client_id"], ELSEWHERE["client_secret"])).json()
    assert "id_token" in token
    with app.app_context():
        config, client = provider()  # the Authlib client, made on first use
        with pytest.raises(InvalidClaimError, match="aud"):
            client.parse_id_token(token, nonce="n-0S6_WzA2Mj", **id_token_checks(config, utcnow()))


def test_a_partial_or_unknown_provider_setting_stops_the_start(tmp_path: Path):
    base = {"COORDINATOR_INSTANCE_PATH": str(tmp_path), "COORDINATOR_OIDC_ISSUER": "https://login.example.se"}
    with pytest.raises(ValueError, match="COORDINATOR_OIDC_CLIENT_ID is not set"):
        OidcSettings.from_settings(Settings.from_env(base))
    with pytest.raises(ValueError, match="COORDINATOR_OIDC_TENANT"):
        OidcSettings.from_settings(Settings.from_env({**base, "COORDINATOR_OIDC_TENANT": "x"}))
    assert OidcSettings.from_settings(Settings.from_env({"COORDINATOR_INSTANCE_PATH": str(tmp_path)})) is None
