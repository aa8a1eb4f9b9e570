"""`coordinator db backup FILE` and `coordinator db restore FILE` on SQLite: a backup taken while a
writer commits row after row holds every row committed before it began and no half of anything;
restoring it brings them all back. A file that is not this product's backup, a damaged one, or one of
a newer schema is refused and the database is left as it was. PostgreSQL is refused with a pointer to
pg_dump and pg_restore."""
from __future__ import annotations

import shutil
import sqlite3
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from coordinator.audit import AuditEvent
from coordinator.backup import APPLICATION_ID
from coordinator.cli import cli
from coordinator.db import make_engine
from coordinator.migrate import current_revision, head_revision, upgrade
from tests.integration.test_cli_database import app_on


@pytest.fixture(scope="module")
def migrated(tmp_path_factory) -> Path:
    """A SQLite database at the newest schema, made once; each test works on a copy."""
    path = tmp_path_factory.mktemp("backup") / "migrated.sqlite3"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def database(migrated: Path, tmp_path: Path) -> str:
    path = tmp_path / "live" / "coordinator.sqlite3"
    path.parent.mkdir()
    shutil.copy(migrated, path)
    return f"sqlite:///{path}"


def invoke(database_url: str, tmp_path: Path, *args: str):  # type: ignore[no-untyped-def]
    return app_on(database_url, tmp_path).test_cli_runner().invoke(cli, ["db", *args])


def rows(path_or_url: str | Path) -> list[int]:
    path = str(path_or_url).removeprefix("sqlite:///")
    with sqlite3.connect(path) as connection:
        return [int(entity_id) for (entity_id,) in connection.execute(
            "SELECT entity_id FROM audit_event WHERE actor = 'writer' ORDER BY id")]


class Writer(threading.Thread):
    """Commits one audit event at a time, as fast as SQLite lets it, and counts what was committed."""

    def __init__(self, database_url: str) -> None:
        super().__init__(daemon=True)
        self.engine = make_engine(database_url)
        self.committed = 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            with self.engine.begin() as connection:
                connection.execute(sa.insert(AuditEvent), dict(
                    at=datetime.now(timezone.utc), actor="writer", action="load", entity_type="test",
                    entity_id=str(self.committed)))
            self.committed += 1
        self.engine.dispose()

    def until(self, count: int) -> None:
        deadline = time.monotonic() + 30
        while self.committed < count and time.monotonic() < deadline:
            time.sleep(0.005)


def test_a_backup_under_write_load_restores_every_committed_row(database, tmp_path, record_property):
    writer = Writer(database)
    writer.start()
    writer.until(200)
    committed_before = writer.committed
    started = time.perf_counter()
    result = invoke(database, tmp_path, "backup", str(tmp_path / "backup.sqlite3"))
    took = time.perf_counter() - started
    committed_after = writer.committed
    writer.until(committed_after + 100)  # the writer goes on after the backup
    writer.stop.set()
    writer.join()

    assert result.exit_code == 0, result.output
    backed_up = rows(tmp_path / "backup.sqlite3")
    # a snapshot of one moment: every row committed before the backup began, then none missing
    assert backed_up == list(range(len(backed_up)))
    assert committed_before <= len(backed_up) <= committed_after
    assert committed_after > committed_before  # the writer really wrote while the backup ran
    assert len(rows(database)) > len(backed_up)

    restored = invoke(database, tmp_path, "restore", str(tmp_path / "backup.sqlite3"))

    assert restored.exit_code == 0, restored.output
    assert rows(database) == backed_up
    assert current_revision(database) == head_revision()
    with sqlite3.connect(database.removeprefix("sqlite:///")) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    record_property("figure", f"backup: SQLite under a writer committing one row at a time: {took * 1000:.0f} ms "
                              f"(command included), {committed_after - committed_before} rows committed meanwhile, "
                              f"{len(backed_up)} in the backup, all {committed_before} committed before it began "
                              f"restored")


def test_a_backup_restores_into_a_new_database(database, tmp_path):
    with sqlite3.connect(database.removeprefix("sqlite:///")) as connection:
        connection.execute("INSERT INTO municipality (code, name) VALUES ('0180', 'Stockholm')")
    assert invoke(database, tmp_path, "backup", str(tmp_path / "b.sqlite3")).exit_code == 0
    new = f"sqlite:///{tmp_path / 'elsewhere' / 'new.sqlite3'}"

    result = invoke(new, tmp_path, "restore", str(tmp_path / "b.sqlite3"))

    assert result.exit_code == 0, result.output
    with sqlite3.connect(new.removeprefix("sqlite:///")) as connection:
        assert connection.execute("SELECT code, name FROM municipality").fetchall() == [("0180", "Stockholm")]


def test_a_backup_never_overwrites_a_file(database, tmp_path):
    (tmp_path / "taken").write_text("keep me")

    result = invoke(database, tmp_path, "backup", str(tmp_path / "taken"))

    assert result.exit_code != 0
    assert "finns redan" in result.output
    assert (tmp_path / "taken").read_text() == "keep me"


def _other_product(path: Path) -> None:
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")


def _plain_copy(path: Path, database: str) -> None:  # our database, but not made by `db backup`
    shutil.copy(database.removeprefix("sqlite:///"), path)


def _newer_schema(path: Path, database: str) -> None:
    shutil.copy(database.removeprefix("sqlite:///"), path)
    with sqlite3.connect(path) as connection:
        connection.execute(f"PRAGMA application_id={APPLICATION_ID}")
        connection.execute("UPDATE alembic_version SET version_num = '9999'")


def _truncated(path: Path, database: str, tmp_path: Path) -> None:
    assert invoke(database, tmp_path, "backup", str(tmp_path / "whole.sqlite3")).exit_code == 0
    whole = (tmp_path / "whole.sqlite3").read_bytes()
    path.write_bytes(whole[:len(whole) // 2])


@pytest.mark.parametrize(("make", "says"), [
    (lambda path, database, tmp: path.write_text("id;namn\n1;Anna\n"), "ingen SQLite-databas"),
    (lambda path, database, tmp: _other_product(path), "ingen säkerhetskopia av Samverkan coordinator"),
    (lambda path, database, tmp: _plain_copy(path, database), "ingen säkerhetskopia av Samverkan coordinator"),
    (lambda path, database, tmp: _newer_schema(path, database), "schemaversion 9999"),
    (lambda path, database, tmp: _truncated(path, database, tmp), "skadad"),
    (lambda path, database, tmp: None, "finns inte"),
], ids=["text file", "another product", "a plain copy", "newer schema", "truncated", "missing"])
def test_restore_refuses_what_is_not_a_whole_backup_of_this_product(database, tmp_path, make, says):
    with sqlite3.connect(database.removeprefix("sqlite:///")) as connection:
        connection.execute("INSERT INTO municipality (code, name) VALUES ('0180', 'Stockholm')")
    make(tmp_path / "file", database, tmp_path)
    before = Path(database.removeprefix("sqlite:///")).read_bytes()

    result = invoke(database, tmp_path, "restore", str(tmp_path / "file"))

    assert result.exit_code != 0
    assert says in result.output and "ingenting återställdes" in result.output, result.output
    assert Path(database.removeprefix("sqlite:///")).read_bytes() == before


@pytest.mark.parametrize(("verb", "tool"), [("backup", "pg_dump"), ("restore", "pg_restore")])
def test_postgresql_is_refused_with_a_pointer_to_its_tools(tmp_path, verb, tool):
    (tmp_path / "file").write_bytes(b"")

    result = invoke("postgresql+psycopg://postgres@127.0.0.1:5432/test", tmp_path, verb, str(tmp_path / "file"))

    assert result.exit_code != 0
    assert tool in result.output and "README" in result.output
