"""`coordinator jobs run|run-once|status|preview`: the scheduler as a process of its own, and its operations."""
from __future__ import annotations

import json
import logging
import signal
from datetime import datetime
from types import FrameType
from typing import Any
from zoneinfo import ZoneInfo

import click
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import current_app

from coordinator.clock import fixed, utcnow
from coordinator.config import Settings, base_url_warning
from coordinator.jobruns import last_runs
from coordinator.outbox.delivery import oldest_pending, outbox_counts
from coordinator.reminders.preview import Preview, PreviewMessage, preview
from coordinator.web import db, settings
from jobs import Election, job_list
from jobs.leader import FileLock, LeaderLock, leader_lock
from jobs.tasks import JobContext, run_job, timing_of

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
AT_FORMAT = "%Y-%m-%d %H:%M"


def _logging() -> None:
    """One structured line per job run and per mail (coordinator.jobs, coordinator.outbox ...); APScheduler's
    own "Running job" lines only when something goes wrong."""
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


@click.group("jobs")
def jobs() -> None:
    """The job scheduler."""


def _at_option(help_text: str) -> Any:
    return click.option("--at", "at_text", metavar='"YYYY-MM-DD HH:MM"', help=help_text)


def _local_moment(text: str) -> datetime:
    """A local time typed by an operator, as an aware moment in the site's zone."""
    try:
        naive = datetime.strptime(text.strip(), AT_FORMAT)
    except ValueError:
        example = datetime(2027, 9, 1, 8, 0).strftime(AT_FORMAT)
        raise click.BadParameter(f"skriv tiden som {example}", param_hint="--at") from None
    return naive.replace(tzinfo=ZoneInfo(settings().timezone))


def _check_base_url(config: Settings) -> None:
    """The jobs queue mail with links: without COORDINATOR_BASE_URL say so in the log, or refuse when mail
    leaves by SMTP."""
    try:
        warning = base_url_warning(config)
    except ValueError as error:
        click.echo(f"Schemaläggaren startas inte: {error}", err=True)
        raise click.exceptions.Exit(1) from None
    if warning is not None:
        logging.getLogger("coordinator.jobs").warning(warning)


def _lock_or_exit(lock: LeaderLock) -> None:
    """On SQLite, one process runs the jobs: say so clearly and stop if another already does."""
    if lock.waits or lock.try_acquire():
        return
    holder = lock.holder() if isinstance(lock, FileLock) else ""
    click.echo(f"En schemaläggare kör redan mot den här databasen{f' (process {holder})' if holder else ''}. "
               f"På SQLite får bara en process köra jobben och skicka e-post; stoppa den andra först, "
               f"eller använd PostgreSQL för flera processer. Låset: {lock.describe()}", err=True)
    raise click.exceptions.Exit(1)


@jobs.command("run")
def jobs_run() -> None:
    """Run the scheduler in the foreground until stopped.

    Outbox delivery runs in every `jobs run` process; the periodic jobs only in the one holding
    the leader lock. On PostgreSQL the others wait as standbys and take over when it stops; on
    SQLite a second process is refused.
    """
    _logging()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    context = JobContext.from_app(app)
    _check_base_url(context.settings)
    lock = leader_lock(app.extensions["coordinator.engine"])
    _lock_or_exit(lock)
    election = Election(BlockingScheduler(timezone=context.settings.timezone), context, lock)
    election.start()

    def stop(_signal: int, _frame: FrameType | None) -> None:
        election.scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    click.echo(f"scheduler started ({'leader' if election.is_leader else 'standby'}, {context.host}); stop with Ctrl-C")
    try:
        election.scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        election.shutdown(wait=False)


@jobs.command("run-once")
@_at_option("Run as if it were this local time (to catch up after an outage, or to rehearse a day).")
def jobs_run_once(at_text: str | None) -> None:
    """Run every job once now (sweeps first, then delivery) and exit; exit 1 if one failed.

    Safe beside a running scheduler on PostgreSQL (every sweep is idempotent, senders skip each
    other's rows); on SQLite it needs the scheduler lock like `jobs run`.
    """
    _logging()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    context = JobContext.from_app(app, clock=fixed(_local_moment(at_text)) if at_text else utcnow)
    _check_base_url(context.settings)
    lock = leader_lock(app.extensions["coordinator.engine"])
    _lock_or_exit(lock)
    try:
        failed = [job.id for job in job_list(context.settings) if not run_job(job.id, job.task, context)]
    finally:
        lock.release()
    if failed:
        click.echo(f"Misslyckades: {', '.join(failed)}", err=True)
        raise click.exceptions.Exit(1)


@jobs.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def jobs_status(as_json: bool) -> None:
    """Each job's last run, duration and result; the outbox by state; the oldest unsent message."""
    session = db()
    zone = ZoneInfo(settings().timezone)
    runs = last_runs(session)
    counts = outbox_counts(session)
    oldest = oldest_pending(session)
    if as_json:
        click.echo(json.dumps({
            "jobs": [{"job": r.job_id, "started_at": _iso(r.started_at, zone), "finished_at": _iso(r.finished_at, zone),
                      "duration_ms": r.duration_ms, "succeeded": r.succeeded, "result": r.result, "host": r.host}
                     for r in runs],
            "outbox": {state.value: count for state, count in counts.items()},
            "oldest_pending": None if oldest is None else {
                "id": oldest.id, "kind": oldest.kind.value, "recipient": oldest.recipient, "state": oldest.state.value,
                "next_attempt_at": _iso(oldest.next_attempt_at, zone), "attempts": oldest.attempts,
                "last_error": oldest.last_error},
        }, ensure_ascii=False, indent=2))
        return
    click.echo("Jobb:")
    if not runs:
        click.echo("  inget jobb har körts ännu")
    for run in runs:
        outcome = "pågår" if run.succeeded is None else "ok" if run.succeeded else "FEL"
        duration = f"{run.duration_ms} ms" if run.duration_ms is not None else "–"
        click.echo(f"  {run.job_id:<20} {run.started_at.astimezone(zone):%Y-%m-%d %H:%M:%S}  {duration:>9}  "
                   f"{outcome:<4} {run.result or ''}  [{run.host or '?'}]")
    click.echo("Utkorgen: " + ", ".join(f"{state.value} {count}" for state, count in counts.items()))
    if oldest is None:
        click.echo("Inget väntar på att skickas.")
    else:
        click.echo(f"Äldsta ej skickade: #{oldest.id} {oldest.kind.value} till {oldest.recipient}, "
                   f"{oldest.state.value}, skulle skickas {oldest.next_attempt_at.astimezone(zone):%Y-%m-%d %H:%M}"
                   f"{f', försök {oldest.attempts}: {oldest.last_error}' if oldest.attempts else ''}")


@jobs.command("preview")
@_at_option("The local time to look at.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def jobs_preview(at_text: str | None, as_json: bool) -> None:
    """What the jobs would queue and send at a moment (a dry run: nothing is written or sent)."""
    if not at_text:
        raise click.UsageError('ange tiden med --at "YYYY-MM-DD HH:MM"')
    config = settings()
    at = _local_moment(at_text)
    result = preview(db(), at, JobContext.from_app(current_app).mail, timing_of(config),
                     term_plan_weeks=config.term_plan_weeks, report_reminder_days=config.report_reminder_days)
    zone = ZoneInfo(config.timezone)
    if as_json:
        click.echo(json.dumps(_preview_data(result, zone), ensure_ascii=False, indent=2))
        return
    click.echo(f"Förhandsvisning {at:%Y-%m-%d %H:%M} (inget sparas eller skickas)")
    for title, messages in (("Köas", result.queued), ("Dras tillbaka (inaktuella)", result.withdrawn),
                            ("Skickas", result.sent)):
        click.echo(f"\n{title}: {len(messages)}")
        for m in messages:
            click.echo(f"  {m.due_at.astimezone(zone):%Y-%m-%d %H:%M}  {m.kind:<22} {m.recipient:<40} {m.subject}")


def _preview_data(result: Preview, zone: ZoneInfo) -> dict[str, Any]:
    def line(m: PreviewMessage) -> dict[str, Any]:
        return {"kind": m.kind, "recipient": m.recipient, "subject": m.subject, "due_at": _iso(m.due_at, zone),
                "expires_at": _iso(m.expires_at, zone), "meeting_id": m.meeting_id, "dedupe_key": m.dedupe_key}
    return {"at": _iso(result.at, zone), "queued": [line(m) for m in result.queued],
            "withdrawn": [line(m) for m in result.withdrawn], "sent": [line(m) for m in result.sent]}


def _iso(moment: datetime | None, zone: ZoneInfo) -> str | None:
    return moment.astimezone(zone).isoformat() if moment is not None else None
