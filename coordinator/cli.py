"""The `coordinator` command group; each capability adds its commands here."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, ScriptInfo

from coordinator import create_app


def _create_app() -> "object":
    return create_app()


class CoordinatorGroup(FlaskGroup):
    """Flask's CLI group that runs every command, nested ones too, inside the app context."""

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        command = super().get_command(ctx, name)
        if command is not None and not current_app:
            app = ctx.ensure_object(ScriptInfo).load_app()
            ctx.with_resource(app.app_context())
        return command


@click.group(cls=CoordinatorGroup, create_app=_create_app, add_default_commands=False,
             add_version_option=False, load_dotenv=False)
def cli() -> None:
    """Samverkan coordinator: districts, agreements, meetings and minutes."""


@cli.group()
def db() -> None:
    """The database schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Migrate the database to the newest schema (creates it when empty)."""
    from coordinator.migrate import current_revision, upgrade

    url = current_app.extensions["coordinator.settings"].database_url
    upgrade(url, revision)
    click.echo(f"database at revision {current_revision(url)}")


@db.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def db_backup(path: Path) -> None:
    """Copy the SQLite database into a new file PATH while the app runs (PostgreSQL: pg_dump)."""
    from coordinator.backup import BackupRefused, backup

    try:
        done = backup(current_app.extensions["coordinator.settings"].database_url, path)
    except BackupRefused as refused:
        raise click.ClickException(str(refused)) from None
    click.echo(f"Säkerhetskopia {done.path} ({done.size} byte, schemaversion {done.revision}).")


@db.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def db_restore(path: Path) -> None:
    """Replace the SQLite database by the backup PATH, all or nothing (PostgreSQL: pg_restore)."""
    from coordinator.backup import BackupRefused, restore
    from coordinator.migrate import head_revision

    try:
        done = restore(current_app.extensions["coordinator.settings"].database_url, path)
    except BackupRefused as refused:
        raise click.ClickException(str(refused)) from None
    click.echo(f"Databasen återställd från {done.path} (schemaversion {done.revision}).")
    if done.revision != head_revision():
        click.echo("Kör coordinator db upgrade innan programmet startas: säkerhetskopian har ett äldre schema.")


def _register() -> None:
    from coordinator.auth.cli import user
    from coordinator.bench import bench
    from coordinator.demo.cli import demo
    from coordinator.followup.cli import report
    from coordinator.invitations.cli import mail
    from coordinator.org.cli import district, import_group
    from coordinator.outbox.cli import outbox
    from coordinator.planning import cli as _planning_cli  # noqa: F401  (adds `term plan|publish`)
    from coordinator.runner import run
    from coordinator.terms.cli import term
    from jobs.cli import jobs

    for command in (run, demo, district, import_group, user, term, jobs, bench, outbox, mail, report):
        cli.add_command(command)


_register()
