"""Browser journeys: the app served on a loopback port, Debian's Chromium driven by Playwright.

Chromium comes from Debian's package (`make test` installs it when missing). Without it the
journeys are skipped on a developer's machine and fail under CI=true.

The demo (without its history) is loaded once per test session into a template SQLite file; each
test's server serves its own copy of it, so the journeys cannot see each other's changes and no test
pays for a demo load. One Chromium serves the whole session. Journeys save screenshots of their
steps under `test-artifacts/e2e/<test>/` (git-ignored), for a person to look at after a run.
"""
from __future__ import annotations

import contextlib
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


ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"


def _settings(folder: Path, database: Path, port: int, env: dict[str, str] | None = None) -> Settings:
    base = Settings.from_env({"COORDINATOR_INSTANCE_PATH": str(folder / "instance"),
                              "COORDINATOR_SECRET_KEY": "e2e-secret",
                              "COORDINATOR_BASE_URL": f"http://127.0.0.1:{port}", **(env or {})})
    return dataclasses.replace(base, database_url=f"sqlite:///{database}")


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file with the demo loaded (without its history, which depends on the day): loaded once."""
    folder = tmp_path_factory.mktemp("demo")
    database = folder / "demo.sqlite3"
    settings = _settings(folder, database, 0)
    upgrade(settings.database_url)
    app = create_app(settings)
    result = app.test_cli_runner().invoke(cli, ["demo", "--without-history"])
    assert result.exit_code == 0, result.output
    app.extensions["coordinator.engine"].dispose()
    return database


@contextlib.contextmanager
def serve(demo_database: Path, folder: Path, env: dict[str, str] | None = None) -> Iterator[LiveServer]:
    """The app over a fresh copy of the demo, served by werkzeug in a thread on a loopback port."""
    database = folder / "e2e.sqlite3"
    for suffix in ("", "-wal"):  # the engine was disposed, so there is normally no write-ahead log left
        if demo_database.with_name(demo_database.name + suffix).exists():
            shutil.copyfile(demo_database.with_name(demo_database.name + suffix), database.with_name(database.name + suffix))
    port = free_port()
    app = create_app(_settings(folder, database, port, env))
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", app)
    finally:
        server.shutdown()
        app.extensions["coordinator.engine"].dispose()


@pytest.fixture
def live_server(demo_database: Path, tmp_path: Path) -> Iterator[LiveServer]:
    """The app with the demo, this test's own copy."""
    with serve(demo_database, tmp_path) as server:
        yield server


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


class Screenshots:
    """Numbered screenshots of a journey's steps, in test-artifacts/e2e/<test>/ (emptied when the test starts)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)

    def take(self, page, step: str) -> Path:  # type: ignore[no-untyped-def]
        self.count += 1
        path = self.folder / f"{self.count:02d}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def screenshots(request: pytest.FixtureRequest) -> Screenshots:
    return Screenshots(ARTIFACTS / request.node.name)
