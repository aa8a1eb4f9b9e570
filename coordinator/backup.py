"""Backup and restore of a SQLite database through SQLite's online backup API. Plain Python.

`backup` copies the database as it stands at one moment, while the web app and the scheduler keep
writing (WAL: the copy reads a snapshot, writers are not stopped), into a single self-contained
file marked as this product's (`PRAGMA application_id`), checked and then moved into place, so a
file at the given path is always a whole backup.

`restore` first checks the file — a SQLite database, marked as this product's backup, undamaged,
of a schema this version knows — and then writes it into the database with the same API in one
write transaction: another process sees the old database or the restored one, never a mix, and a
failure leaves the old one. PostgreSQL is backed up and restored with its own tools (`pg_dump`,
`pg_restore`; README, Operations); both functions refuse it with a pointer to them.
"""
from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from coordinator.i18n import N_, DomainError
from coordinator.migrate import known_revisions

APPLICATION_ID = 0x53564B43  # "SVKC": Samverkan coordinator, in the backup file's header


class BackupRefused(DomainError):
    """A backup or restore that was not done, and why; nothing was changed."""


@dataclass(frozen=True)
class BackupFile:
    path: Path
    revision: str
    size: int


def sqlite_path(database_url: str) -> Path:
    """The file of a SQLite database URL; PostgreSQL (or anything else) is refused with a pointer to its tools."""
    if not database_url.startswith("sqlite:///") or database_url in ("sqlite:///", "sqlite:///:memory:"):
        raise BackupRefused(N_("Databasen är inte en SQLite-fil. Säkerhetskopiera PostgreSQL med pg_dump och "
                               "återställ med pg_restore (se README, Operations); ingenting gjordes."))
    return Path(database_url.removeprefix("sqlite:///"))


def backup(database_url: str, target: Path) -> BackupFile:
    """Copy the database at `database_url` into the new file `target`, consistent as of one moment."""
    source_path = sqlite_path(database_url)
    if not source_path.exists():
        raise BackupRefused(N_("Databasen %(path)s finns inte; ingenting gjordes."), path=str(source_path))
    if target.exists():
        raise BackupRefused(N_("%(path)s finns redan; välj ett nytt filnamn. Ingenting gjordes."), path=str(target))
    partial = target.with_name(f".{target.name}.partial")
    try:
        source = sqlite3.connect(_read_only(source_path), uri=True, timeout=30)
        copy = sqlite3.connect(partial)
        try:
            source.backup(copy)  # every page in one step: a snapshot of one moment, writers go on (WAL)
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
            copy.execute(f"PRAGMA application_id={APPLICATION_ID}")
            copy.commit()
            revision = _revision(copy)
            if revision is None:
                raise BackupRefused(N_("Databasen %(path)s har inget schema från denna produkt (kör coordinator "
                                       "db upgrade); ingenting gjordes."), path=str(source_path))
        finally:
            copy.close()
            source.close()
        with open(partial, "rb") as written:
            os.fsync(written.fileno())
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return BackupFile(target, revision, target.stat().st_size)


def restore(database_url: str, source: Path) -> BackupFile:
    """Replace the database at `database_url` by the backup `source`, after checking it is one of ours."""
    target_path = sqlite_path(database_url)
    checked = check_backup(source)
    target_path.parent.mkdir(parents=True, exist_ok=True)
    backup_file = sqlite3.connect(_read_only(source), uri=True)
    target = sqlite3.connect(target_path, timeout=30)
    try:
        # one write transaction on the target: rolled back unless every page was written
        backup_file.backup(target)
    finally:
        target.close()
        backup_file.close()
    return checked


def check_backup(path: Path) -> BackupFile:
    """The backup at `path` if it is a whole backup of this product of a schema this version knows;
    otherwise `BackupRefused` saying what it is."""
    if not path.is_file():
        raise BackupRefused(N_("%(path)s finns inte; ingenting återställdes."), path=str(path))
    try:
        connection = sqlite3.connect(_read_only(path), uri=True)
    except sqlite3.Error:
        raise BackupRefused(N_("%(path)s går inte att öppna; ingenting återställdes."), path=str(path)) from None
    try:
        with open(path, "rb") as file:
            is_sqlite = file.read(16) == b"SQLite format 3\x00"
        if not is_sqlite:
            raise BackupRefused(N_("%(path)s är ingen SQLite-databas och alltså ingen säkerhetskopia från "
                                   "coordinator db backup; ingenting återställdes."), path=str(path))
        if connection.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
            raise BackupRefused(N_("%(path)s är ingen säkerhetskopia av Samverkan coordinator (den görs med "
                                   "coordinator db backup); ingenting återställdes."), path=str(path))
        if connection.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise BackupRefused(N_("Säkerhetskopian %(path)s är skadad; ingenting återställdes."), path=str(path))
        revision = _revision(connection)
    except sqlite3.DatabaseError:
        raise BackupRefused(N_("Säkerhetskopian %(path)s är skadad; ingenting återställdes."), path=str(path)) from None
    finally:
        connection.close()
    if revision not in known_revisions():
        raise BackupRefused(N_("Säkerhetskopian %(path)s har schemaversion %(revision)s, som denna version av "
                               "programmet inte känner (den är gjord av en nyare version); uppgradera programmet "
                               "först; ingenting återställdes."), path=str(path), revision=str(revision))
    return BackupFile(path, revision, path.stat().st_size)


def _read_only(path: Path) -> str:
    return f"{path.resolve().as_uri()}?mode=ro"


def _revision(connection: sqlite3.Connection) -> str | None:
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError:  # no such table
        return None
    return row[0] if row else None
