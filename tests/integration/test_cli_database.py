"""`coordinator db upgrade` builds the schema from empty on both databases; /healthz tells."""
from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from coordinator import create_app
from coordinator.cli import cli
from coordinator.config import Settings
from coordinator.models import all_models
from coordinator.migrate import current_revision


def app_on(url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    settings = Settings.from_env({"COORDINATOR_INSTANCE_PATH": str(tmp_path / "instance"),
                                  "COORDINATOR_SECRET_KEY": "x"})
    return create_app(dataclasses.replace(settings, database_url=url))


def test_db_upgrade_from_empty_creates_every_table(empty_database_url: str, tmp_path: Path):
    app = app_on(empty_database_url, tmp_path)
    result = app.test_cli_runner().invoke(cli, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "database at revision" in result.output
    engine = sa.create_engine(empty_database_url)
    tables = set(sa.inspect(engine).get_table_names())
    engine.dispose()
    assert set(all_models().tables) <= tables
    assert current_revision(empty_database_url) is not None


def test_db_upgrade_twice_changes_nothing(empty_database_url: str, tmp_path: Path):
    runner = app_on(empty_database_url, tmp_path).test_cli_runner()
    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    first = current_revision(empty_database_url)
    again = runner.invoke(cli, ["db", "upgrade"])
    assert again.exit_code == 0, again.output
    assert current_revision(empty_database_url) == first


def test_the_console_script_migrates_the_embedded_default(tmp_path: Path):
    env = {**os.environ, "COORDINATOR_INSTANCE_PATH": str(tmp_path / "instance")}
    env.pop("COORDINATOR_DATABASE_URL", None)
    script = Path(sys.executable).parent / "coordinator"
    done = subprocess.run([str(script), "db", "upgrade"], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "instance" / "coordinator.sqlite3").exists()
    assert (tmp_path / "instance" / "secret_key").exists()


def test_healthz_answers_200_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_healthz_answers_503_when_the_database_is_unreachable(tmp_path: Path):
    app = app_on("postgresql+psycopg://postgres@127.0.0.1:1/nowhere", tmp_path)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "unreachable"
