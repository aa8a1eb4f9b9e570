"""The `coordinator` command group; each capability adds its commands here."""
from __future__ import annotations

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
