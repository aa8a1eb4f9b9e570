"""Fixtures: every database test runs on SQLite and on PostgreSQL, each test on a clean database.

PostgreSQL comes from COORDINATOR_TEST_POSTGRES_URL or the server on 127.0.0.1:5432; each
test run (each xdist worker) migrates a database of its own. With CI=true a missing
PostgreSQL fails the run instead of skipping it.
"""
from __future__ import annotations

import dataclasses
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session

from coordinator import create_app
from coordinator.config import Settings
from coordinator.db import make_engine, make_session_factory
from coordinator.models import all_models
from coordinator.migrate import upgrade

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BACKENDS = ["sqlite", "postgresql"]


def postgres_admin_url() -> str:
    return os.environ.get("COORDINATOR_TEST_POSTGRES_URL") or DEFAULT_POSTGRES


def postgres_available() -> bool:
    engine = sa.create_engine(postgres_admin_url())
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
        return True
    except sa.exc.OperationalError:
        return False
    finally:
        engine.dispose()


def require_postgres() -> None:
    """Skip without PostgreSQL, except under CI where its absence is a failure."""
    if postgres_available():
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"PostgreSQL is required under CI=true and does not answer at {postgres_admin_url()}")
    pytest.skip("PostgreSQL is not running (set COORDINATOR_TEST_POSTGRES_URL)")


def create_postgres_database() -> str:
    """A new empty database on the test server; its URL."""
    admin = make_url(postgres_admin_url())
    name = f"coordinator_test_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return admin.set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(url: str) -> None:
    admin = make_url(postgres_admin_url())
    name = make_url(url).database
    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture(scope="session")
def migrated_urls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Database URLs per backend, migrated once per run; PostgreSQL's only when asked for."""
    sqlite_url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    upgrade(sqlite_url)
    urls = {"sqlite": sqlite_url}
    yield urls
    if "postgresql" in urls:
        drop_postgres_database(urls["postgresql"])


def _postgres_url(urls: dict[str, str]) -> str:
    if "postgresql" not in urls:
        require_postgres()
        url = create_postgres_database()
        upgrade(url)
        urls["postgresql"] = url
    return urls["postgresql"]


_engines: dict[str, Engine] = {}


@pytest.fixture(scope="session", autouse=True)
def compiled_translations() -> None:
    """The English catalogue compiled, as `make` does, so pytest alone also sees English pages."""
    from coordinator.translations.compile import compile_catalogues

    compile_catalogues()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, migrated_urls: dict[str, str]) -> Iterator[str]:
    """A migrated, empty database on each backend; emptied again after the test."""
    backend = request.param
    url = migrated_urls["sqlite"] if backend == "sqlite" else _postgres_url(migrated_urls)
    yield url
    engine = _engines.get(url) or _engines.setdefault(url, make_engine(url))
    _empty(engine)


def _empty(engine: Engine) -> None:
    tables = list(reversed(all_models().sorted_tables))
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            connection.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(table.delete())


@pytest.fixture
def engine(database_url: str) -> Engine:
    return _engines.get(database_url) or _engines.setdefault(database_url, make_engine(database_url))


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session on a clean database (both backends)."""
    with make_session_factory(engine)() as session:
        yield session


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    base = Settings.from_env({"COORDINATOR_INSTANCE_PATH": str(tmp_path / "instance"),
                              "COORDINATOR_SECRET_KEY": "test-secret",
                              "COORDINATOR_BASE_URL": "http://127.0.0.1:5000"})
    return dataclasses.replace(base, database_url=database_url)


@pytest.fixture
def app(settings: Settings):  # type: ignore[no-untyped-def]
    app = create_app(settings)
    app.config.update(TESTING=True)
    yield app
    app.extensions["coordinator.engine"].dispose()


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    return app.test_client()


@pytest.fixture
def runner(app):  # type: ignore[no-untyped-def]
    return app.test_cli_runner()


@pytest.fixture(params=BACKENDS)
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no tables at all, on each backend (for migrations from empty)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    require_postgres()
    url = create_postgres_database()
    yield url
    drop_postgres_database(url)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The figures tests record with `record_property("figure", text)` (the guard's false-alarm rate, the
    reliability tests' counts and times, the backup's), printed at the end of the run so CI logs show them —
    with or without xdist (a report carries its user_properties to the controller)."""
    lines = [f"{report.nodeid}: {value}" for outcome in ("passed", "failed")
             for report in terminalreporter.stats.get(outcome, [])
             for name, value in getattr(report, "user_properties", []) if name in ("figure", "figures")]
    if lines:
        terminalreporter.write_sep("-", "figures")
        for line in lines:
            terminalreporter.write_line(line)
