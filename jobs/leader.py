"""One active scheduler per database: the leader lock.

PostgreSQL: a session-level advisory lock (`pg_try_advisory_lock`) held on a connection of its
own, outside any pool. The server releases it when that session ends — the process exiting,
being killed, or losing the network — so a standby that keeps trying takes over within its
polling interval. Advisory locks belong to one database, so schedulers of different databases
on one server never see each other.

SQLite: an exclusive `flock` on a file next to the database file. The kernel releases it when
the process dies. SQLite has no SKIP LOCKED, so here the lock means "the one process that sends
mail and runs jobs on this database", and a second one is refused rather than kept waiting.
"""
from __future__ import annotations

import fcntl
import os
import threading
from pathlib import Path
from typing import IO, Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool

# pg_try_advisory_lock's bigint key: "samverka" read as a number, so it is recognisable in pg_locks
ADVISORY_KEY = int.from_bytes(b"samverka", "big") & 0x7FFF_FFFF_FFFF_FFFF


class LeaderLock(Protocol):
    waits: bool  # whether a process that did not get it should wait as a standby (else it is refused)

    def try_acquire(self) -> bool:
        """Take the lock if free; True when this process holds it afterwards."""

    def still_held(self) -> bool:
        """Whether the lock held is still ours (its connection alive)."""

    def release(self) -> None: ...

    def describe(self) -> str:
        """Where the lock lives, for messages."""


class AdvisoryLock:
    waits = True

    def __init__(self, url: sa.URL) -> None:
        self.engine = sa.create_engine(url, poolclass=NullPool)
        self.connection: Connection | None = None
        self.held = False
        self._mutex = threading.Lock()  # the election job and shutdown may run on different threads

    def try_acquire(self) -> bool:
        with self._mutex:
            if self.held:
                return self._alive()
            try:
                if self.connection is None:
                    self.connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
                self.held = bool(self.connection.scalar(sa.text("SELECT pg_try_advisory_lock(:key)"),
                                                        {"key": ADVISORY_KEY}))
            except sa.exc.DBAPIError:
                self._drop()
            return self.held

    def still_held(self) -> bool:
        with self._mutex:
            return self.held and self._alive()

    def _alive(self) -> bool:
        try:
            assert self.connection is not None
            self.connection.scalar(sa.text("SELECT 1"))
            return True
        except sa.exc.DBAPIError:
            self._drop()
            return False

    def _drop(self) -> None:
        self.held = False
        if self.connection is not None:
            try:
                self.connection.invalidate()
                self.connection.close()
            except sa.exc.DBAPIError:
                pass
            self.connection = None

    def release(self) -> None:
        with self._mutex:
            if self.connection is not None:
                try:
                    if self.held:
                        self.connection.scalar(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_KEY})
                    self.connection.close()
                except sa.exc.DBAPIError:
                    pass
            self.connection, self.held = None, False
            self.engine.dispose()

    def describe(self) -> str:
        return f"PostgreSQL advisory lock {ADVISORY_KEY} on {self.engine.url.render_as_string()}"


class FileLock:
    waits = False

    def __init__(self, path: Path) -> None:
        self.path = path
        self.file: IO[str] | None = None

    def try_acquire(self) -> bool:
        if self.file is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        file = open(self.path, "a+")
        try:
            fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            file.close()
            return False
        file.seek(0)
        file.truncate()
        file.write(f"{os.getpid()}\n")
        file.flush()
        self.file = file
        return True

    def still_held(self) -> bool:
        return self.file is not None

    def release(self) -> None:
        if self.file is not None:
            fcntl.flock(self.file.fileno(), fcntl.LOCK_UN)
            self.file.close()
            self.file = None

    def holder(self) -> str:
        """The pid written by the process holding the lock, if it can be read."""
        try:
            return self.path.read_text().strip()
        except OSError:
            return ""

    def describe(self) -> str:
        return str(self.path)


def leader_lock(engine: Engine) -> LeaderLock:
    """The lock for the engine's database: advisory on PostgreSQL, a file next to an SQLite database."""
    if engine.dialect.name == "postgresql":
        return AdvisoryLock(engine.url)
    database = engine.url.database
    if not database or database == ":memory:":
        raise ValueError("the scheduler needs a database file or PostgreSQL, not an in-memory SQLite database")
    return FileLock(Path(f"{database}.scheduler.lock"))
