"""Real `coordinator jobs` processes for the reliability tests: started, watched, killed.

Each process gets its settings from the environment only, as in production:
COORDINATOR_DATABASE_URL, COORDINATOR_MAIL_URL (the test's SMTP server on loopback),
COORDINATOR_INSTANCE_PATH, COORDINATOR_SECRET_KEY, and short job intervals so nothing waits
15 seconds. Its log (stdout and stderr) goes to a file the test reads.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from coordinator.db import make_engine
from coordinator.invitations.ics import Party
from coordinator.outbox import compose
from coordinator.outbox.models import MessageKind, OutboxMessage, OutboxState

COORDINATOR = Path(sys.executable).parent / "coordinator"
STOCKHOLM = ZoneInfo("Europe/Stockholm")
FAST = {
    "COORDINATOR_JOBS_DELIVERY_SECONDS": "0.5",
    "COORDINATOR_JOBS_REMINDER_SECONDS": "2",
    "COORDINATOR_JOBS_STANDBY_SECONDS": "1",
}


def environment(database_url: str, mail_url: str, instance: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COORDINATOR_")}
    return {**env, **FAST, "PYTHONUNBUFFERED": "1", "COORDINATOR_DATABASE_URL": database_url,
            "COORDINATOR_MAIL_URL": mail_url, "COORDINATOR_INSTANCE_PATH": str(instance),
            "COORDINATOR_SECRET_KEY": "reliability-secret-long-enough-for-production-9f3K", "COORDINATOR_BASE_URL": "https://samverkan.lillby.example"}


class JobsProcess:
    """One `coordinator jobs ...` process with its log file."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        self.output = open(log, "wb")
        self.process = subprocess.Popen([str(COORDINATOR), "jobs", *args], env=env, stdout=self.output,
                                        stderr=subprocess.STDOUT)

    @property
    def pid(self) -> int:
        return self.process.pid

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for(self, predicate: Callable[[], bool], what: str, timeout: float = 30.0) -> float:
        """Poll until `predicate()`; the seconds it took. Fails with the log if the process died first."""
        started = time.monotonic()
        while not predicate():
            if self.process.poll() is not None:
                raise AssertionError(f"{what}: the process ended ({self.process.returncode}):\n{self.text()}")
            if time.monotonic() - started > timeout:
                raise AssertionError(f"{what}: not within {timeout} s:\n{self.text()}")
            time.sleep(0.1)
        return time.monotonic() - started

    def kill(self) -> None:
        """SIGKILL: no goodbye, no cleanup, as when a machine or container dies."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> int:
        """SIGTERM, as an orchestrator stops it; the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.output.close()
        return self.process.returncode


@contextmanager
def processes(env: dict[str, str], folder: Path) -> Iterator[Callable[..., JobsProcess]]:
    """Start processes with `start(*args)`; every one still running is stopped at the end."""
    started: list[JobsProcess] = []

    def start(*args: str) -> JobsProcess:
        process = JobsProcess(list(args), env, folder / f"jobs-{len(started) + 1}.log")
        started.append(process)
        return process

    try:
        yield start
    finally:
        for process in started:
            process.stop()


def run_once(env: dict[str, str], folder: Path, at: datetime | None = None,
             name: str = "run-once") -> subprocess.Popen[bytes]:
    """`jobs run-once [--at local time]` started (not waited for)."""
    args = [str(COORDINATOR), "jobs", "run-once"]
    if at is not None:
        args += ["--at", at.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M")]
    log = open(folder / f"{name}-{time.monotonic_ns()}.log", "wb")
    return subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT)


def queue_fanout(database_url: str, count: int, now: datetime) -> None:
    """`count` invitation-sized messages, each to its own recipient and with its own Message-ID, queued.

    One message is composed and the others are made from its bytes (composing thousands takes
    longer than sending them); rows are written with one bulk insert, as publishing writes them.
    """
    sender = Party("Samverkan skola–socialtjänst", "samverkan@lillby.example")
    text = "Du är inbjuden till ett möte.\n\n" + "Dagordning: lägesbild, uppföljning, övrigt.\n" * 40
    model = compose.compose(sender=sender, to=Party("Deltagare NNNNN", "pNNNNN@fanout.example"),
                            subject="Inbjudan: Övergripande samverkansforum NNNNN", text=text,
                            message_id="<MMMMM@lillby.example>", date=now).as_bytes()
    rows = []
    for i in range(count):
        message_id = compose.new_message_id("lillby.example")
        rows.append({
            "dedupe_key": f"invitation:fanout-{i}@lillby.example:{i}:0", "message_id": message_id,
            "kind": MessageKind.INVITATION, "recipient": f"Deltagare {i} <p{i}@fanout.example>",
            "subject": f"Inbjudan: Övergripande samverkansforum {i}",
            "content": model.replace(b"NNNNN", str(i).encode()).replace(b"<MMMMM@lillby.example>", message_id.encode()),
            "state": OutboxState.PENDING, "attempts": 0, "next_attempt_at": now, "created_at": now,
        })
    with _engine(database_url).begin() as connection:
        connection.execute(sa.insert(OutboxMessage), rows)


_engines: dict[str, sa.Engine] = {}


def _engine(database_url: str) -> sa.Engine:
    """One engine per database for the test's own looks at it (polling opens no new connections)."""
    if database_url not in _engines:
        _engines[database_url] = make_engine(database_url, poolclass=sa.pool.NullPool) \
            if database_url.startswith("sqlite") else make_engine(database_url, pool_size=1)
    return _engines[database_url]


def release(database_url: str) -> None:
    """Close the test's connections (before the database is dropped)."""
    engine = _engines.pop(database_url, None)
    if engine is not None:
        engine.dispose()


def outbox(database_url: str) -> list[OutboxMessage]:
    with Session(_engine(database_url)) as session:
        return list(session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def count_in(database_url: str, *states: OutboxState) -> int:
    with _engine(database_url).connect() as connection:
        return connection.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)
                                 .where(OutboxMessage.state.in_(states))) or 0
