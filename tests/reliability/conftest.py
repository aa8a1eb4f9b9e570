"""Fixtures of the reliability tests: a database of each test's own, and a slow SMTP server."""
from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from coordinator.migrate import upgrade
from tests.conftest import create_postgres_database, drop_postgres_database, require_postgres
from tests.reliability.processes import release
from tests.smtp_server import RecordingHandler, SMTPServer


@pytest.fixture(params=["sqlite", "postgresql"])
def own_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated database for this test alone: real processes connect to it by URL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'jobs.sqlite3'}"
        upgrade(url)
        yield url
        release(url)
        return
    require_postgres()
    url = create_postgres_database()
    upgrade(url)
    yield url
    release(url)
    drop_postgres_database(url)


@dataclass
class SlowHandler(RecordingHandler):
    """Takes `delay` seconds per message, so a test can act while a delivery is under way."""
    delay: float = 0.0

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        await asyncio.sleep(self.delay)
        return await super().handle_DATA(server, session, envelope)


class SlowSMTPServer(SMTPServer):
    def __init__(self, delay: float) -> None:
        super().__init__()
        self.handler = SlowHandler(delay=delay)
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
