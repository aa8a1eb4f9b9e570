"""`coordinator run`: the web app and the job scheduler together, for the embedded default."""
from __future__ import annotations

import dataclasses

import click
from flask import Flask, current_app
from werkzeug.serving import run_simple

from coordinator.config import Settings, base_url_warning


@click.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-scheduler", is_flag=True, help="Serve the web app only.")
def run(host: str, port: int, no_scheduler: bool) -> None:
    """Serve the web app (development server) with the scheduler in the same process."""
    from jobs import start_background_scheduler

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    _development_base_url(app, host, port)
    scheduler = None if no_scheduler else start_background_scheduler(app)
    if not no_scheduler and scheduler is None:
        click.echo("Schemaläggaren startades inte: en annan process kör redan jobben mot den här databasen.")
    click.echo(f"Samverkan coordinator at http://{host}:{port}/")
    try:
        # run_simple, not app.run(): Flask ignores app.run() inside its own CLI
        run_simple(host, port, app, use_reloader=False, threaded=True)
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)


def _development_base_url(app: Flask, host: str, port: int) -> None:
    """Without COORDINATOR_BASE_URL, links in mail lead to this server (its port, not a fixed one), said aloud."""
    settings: Settings = app.extensions["coordinator.settings"]
    try:
        base_url_warning(settings)  # refuses a start that would mail such links over SMTP
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    if settings.base_url_is_set:
        return
    reachable = "127.0.0.1" if host in ("", "0.0.0.0", "::") else host
    settings = dataclasses.replace(settings, base_url=f"http://{reachable}:{port}")
    app.extensions["coordinator.settings"] = settings
    click.echo(base_url_warning(settings), err=True)
