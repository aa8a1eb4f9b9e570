"""Browser journeys: the app served on a loopback port, Debian's Chromium driven by Playwright.

Chromium comes from Debian's package (`make test` installs it when missing). Without it the
journeys are skipped on a developer's machine and fail under CI=true.
"""
from __future__ import annotations

import dataclasses
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from coordinator import create_app
from coordinator.cli import cli
from coordinator.config import Settings
from coordinator.migrate import upgrade
from tests.smtp_server import free_port

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@dataclasses.dataclass
class LiveServer:
    url: str
    app: object


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    """The app with the demo loaded (without its history, which depends on the day), on SQLite, served by
    werkzeug in a thread."""
    port = free_port()
    base = Settings.from_env({"COORDINATOR_INSTANCE_PATH": str(tmp_path / "instance"),
                              "COORDINATOR_SECRET_KEY": "e2e-secret",
                              "COORDINATOR_BASE_URL": f"http://127.0.0.1:{port}"})
    settings = dataclasses.replace(base, database_url=f"sqlite:///{tmp_path / 'e2e.sqlite3'}")
    upgrade(settings.database_url)
    app = create_app(settings)
    result = app.test_cli_runner().invoke(cli, ["demo", "--without-history"])
    assert result.exit_code == 0, result.output
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(f"http://127.0.0.1:{port}", app)
    server.shutdown()
    app.extensions["coordinator.engine"].dispose()


@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"Chromium is required under CI=true and is not at {CHROMIUM} (apt-get install -y chromium)")
        pytest.skip("Chromium is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(locale="sv-SE", timezone_id="Europe/Stockholm")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()
