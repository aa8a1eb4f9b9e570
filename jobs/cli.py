"""`coordinator jobs run`: the scheduler as a process of its own (the same image as the web app)."""
from __future__ import annotations

import logging

import click
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import current_app


@click.group("jobs")
def jobs() -> None:
    """The job scheduler."""


@jobs.command("run")
def jobs_run() -> None:
    """Run the scheduler in the foreground until stopped."""
    from jobs import configure

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    scheduler = BlockingScheduler(timezone=app.extensions["coordinator.settings"].timezone)
    configure(scheduler, app)
    click.echo("scheduler started; stop with Ctrl-C")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
