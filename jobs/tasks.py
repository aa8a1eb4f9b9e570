"""Thin job bodies: each opens a session, calls one coordinator service with `now`, commits, says what it did.

`run_job` wraps every body the same way: it takes `now` from the context's clock (injectable:
tests and `jobs run-once --at` fix it), records the run in `job_run` (started, finished,
duration, outcome or error, host) and writes one structured log line. Each sweep is one
transaction, so a body that raises leaves nothing half-written and the next run redoes it.
"""
from __future__ import annotations

import functools
import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from time import perf_counter

from flask import Flask
from sqlalchemy.orm import Session, sessionmaker

from coordinator import jobruns
from coordinator.cases.erasure import erase_external_contacts
from coordinator.cases.sweeps import queue_report_reminders
from coordinator.clock import Clock, utcnow
from coordinator.config import Settings
from coordinator.consultations.erasure import erase_bookers
from coordinator.invitations.deferred import composers
from coordinator.invitations.imap import poll_mailbox
from coordinator.invitations.messages import MailContext
from coordinator.outbox.delivery import Composer, deliver_due
from coordinator.outbox.transports import Transport
from coordinator.reminders.digest import queue_digests
from coordinator.reminders.notices import queue_revision_notices, queue_term_notices
from coordinator.reminders.rules import BEFORE_MEETING, FOLLOW_UP, Timing
from coordinator.reminders.services import queue_due, withdraw_superseded

log = logging.getLogger("coordinator.jobs")


def this_host() -> str:
    """hostname:pid — which process ran a job (JobRun.host and the log lines)."""
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class JobContext:
    """What every job needs, built once per process from the app."""
    sessions: sessionmaker[Session]
    settings: Settings
    transport: Transport
    clock: Clock = utcnow
    host: str = field(default_factory=this_host)

    @classmethod
    def from_app(cls, app: Flask, clock: Clock = utcnow) -> JobContext:
        return cls(sessions=app.extensions["coordinator.sessions"], settings=app.extensions["coordinator.settings"],
                   transport=app.extensions["coordinator.mail"], clock=clock)

    @property
    def mail(self) -> MailContext:
        return MailContext.from_settings(self.settings)

    @functools.cached_property
    def composers(self) -> dict[str, Composer]:
        """Composers of the rows queued to be composed by the sender, one set per process (they cache meetings)."""
        return composers(self.mail)

    @property
    def timing(self) -> Timing:
        return timing_of(self.settings)


def timing_of(settings: Settings) -> Timing:
    return Timing(timezone=settings.timezone, reminder_hour=settings.reminder_hour,
                  horizon=timedelta(days=settings.reminder_horizon_days))


Task = Callable[[JobContext, datetime], str]


def run_job(job_id: str, task: Task, context: JobContext) -> bool:
    """Run one job at the clock's `now`, record and log the run; whether it succeeded (errors are not raised)."""
    now = context.clock()
    started = perf_counter()
    try:
        with context.sessions() as session:
            jobruns.record_start(session, job_id, at=now, host=context.host)
            session.commit()
        result = task(context, now)
    except Exception as error:  # a job's failure is recorded and logged; the scheduler goes on
        duration_ms = int((perf_counter() - started) * 1000)
        log.exception("job_failed job=%s duration_ms=%d host=%s error=%r", job_id, duration_ms, context.host,
                      str(error))
        _record_finish(context, job_id, now, duration_ms, False, f"{type(error).__name__}: {error}")
        return False
    duration_ms = int((perf_counter() - started) * 1000)
    log.info("job_run job=%s duration_ms=%d host=%s result=%r", job_id, duration_ms, context.host, result)
    _record_finish(context, job_id, now, duration_ms, True, result)
    return True


def _record_finish(context: JobContext, job_id: str, now: datetime, duration_ms: int, succeeded: bool,
                   result: str) -> None:
    try:
        with context.sessions() as session:
            jobruns.record_finish(session, job_id, started_at=now,
                                  finished_at=now + timedelta(milliseconds=duration_ms), duration_ms=duration_ms,
                                  succeeded=succeeded, result=result, host=context.host)
            session.commit()
    except Exception:  # the database is away: the log line above already tells what happened
        log.exception("job_run_not_recorded job=%s", job_id)


def _sweep(context: JobContext, work: Callable[[Session], int]) -> int:
    """One transaction: the work is committed whole, or not at all."""
    with context.sessions() as session:
        count = work(session)
        session.commit()
    return count


# -- the job bodies -------------------------------------------------------------------------------

def deliver(context: JobContext, now: datetime) -> str:
    """Withdraw reminders no longer wanted, then send everything due."""
    withdrawn = _sweep(context, lambda session: len(withdraw_superseded(session, now, context.timing)))
    report = deliver_due(context.sessions, context.transport, now=now, sender=context.settings.mail_from,
                         composers=context.composers)
    return (f"sent={report.sent} retried={report.retried} dead={report.dead} expired={report.expired} "
            f"superseded={withdrawn}")


def meeting_reminders(context: JobContext, now: datetime) -> str:
    """RSVP and pre-meeting reminders."""
    queued = _sweep(context, lambda session: queue_due(session, now, context.mail, kinds=BEFORE_MEETING,
                                                       timing=context.timing))
    return f"queued={queued}"


def follow_ups(context: JobContext, now: datetime) -> str:
    """Minutes overdue (reminder, escalation), approval, report to the committee, action items."""
    queued = _sweep(context, lambda session: queue_due(session, now, context.mail, kinds=FOLLOW_UP,
                                                       timing=context.timing))
    return f"queued={queued}"


def agreement_revisions(context: JobContext, now: datetime) -> str:
    queued = _sweep(context, lambda session: queue_revision_notices(session, now, context.mail, context.timing))
    return f"queued={queued}"


def term_planning(context: JobContext, now: datetime) -> str:
    queued = _sweep(context, lambda session: queue_term_notices(session, now, context.mail, context.timing,
                                                                weeks=context.settings.term_plan_weeks))
    return f"queued={queued}"


def consultation_erasure(context: JobContext, now: datetime) -> str:
    """Consultation bookers' names and emails, erased a set time after their consultation."""
    erased = _sweep(context, lambda session: erase_bookers(session, now, context.settings.consultation_erase_days))
    return f"erased={erased}"


def digest(context: JobContext, now: datetime) -> str:
    queued = _sweep(context, lambda session: queue_digests(session, now, context.mail, context.timing))
    return f"queued={queued}"


def report_reminders(context: JobContext, now: datetime) -> str:
    """The intake group: reports without a meeting after N days, and the working day's list of deadlines."""
    queued = _sweep(context, lambda session: queue_report_reminders(
        session, now, context.mail, reminder_days=context.settings.report_reminder_days, timing=context.timing))
    return f"queued={queued}"


def external_contacts(context: JobContext, now: datetime) -> str:
    """Erase external reporters whose report meetings are done with."""
    erased = _sweep(context, lambda session: len(erase_external_contacts(
        session, now, contact_days=context.settings.external_contact_days, timezone=context.settings.timezone)))
    return f"erased={erased}"


def mailbox(context: JobContext, now: datetime) -> str:
    """Calendar replies from COORDINATOR_IMAP_URL."""
    assert context.settings.imap_url is not None
    report = poll_mailbox(context.sessions, context.settings.imap_url, mail=context.mail, now=now)
    return f"messages={len(report.results)} failed={report.failed}"
