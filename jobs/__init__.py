"""The scheduler: a short list of sweeps kept in code, run by APScheduler 3 as a clock.

The database is the ledger; each job is an idempotent sweep, so a late, doubled or missed
run does no harm. No persistent APScheduler job store is used.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from flask import Flask

from jobs import tasks


@dataclass(frozen=True)
class Job:
    id: str
    func: Callable[[Flask], Any]
    trigger: BaseTrigger
    misfire_grace_time: int | None  # seconds a late run is still worth running; None: always run


def job_list(timezone: str) -> list[Job]:
    return [
        Job("agreement_revisions", tasks.flag_overdue_revisions,
            CronTrigger(hour=6, minute=0, timezone=timezone), misfire_grace_time=None),
    ]


def configure(scheduler: BaseScheduler, app: Flask) -> None:
    timezone = app.extensions["coordinator.settings"].timezone
    for job in job_list(timezone):
        scheduler.add_job(
            job.func, job.trigger, args=[app], id=job.id, name=job.id, replace_existing=True,
            coalesce=True, max_instances=1, misfire_grace_time=job.misfire_grace_time,
        )


def start_background_scheduler(app: Flask) -> BackgroundScheduler:
    """The scheduler inside the web process (`make run`, the embedded default)."""
    scheduler = BackgroundScheduler(timezone=app.extensions["coordinator.settings"].timezone)
    configure(scheduler, app)
    scheduler.start()
    return scheduler
