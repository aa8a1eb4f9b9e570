"""The scheduler: a short list of sweeps kept in code, run by APScheduler 3 as a clock.

The database is the ledger; each job is an idempotent sweep, so a late, doubled or missed run
does no harm. No persistent APScheduler job store is used.

Misfire policy, per job (every job coalesces: after a stall, one run makes up for all missed):
- outbox_delivery — every `delivery_seconds`, in every jobs process (senders claim rows with
  SKIP LOCKED); late runs always run and send everything due since. Rows whose `expires_at` has
  passed are dropped as dead "expired" instead of sent.
- meeting_reminders — every `reminder_seconds`; late runs always run. The rules look at a
  window, not at an instant, so a run after a stall queues what the missed ones would have. A
  pre-meeting or RSVP reminder expires at the meeting's start: queued late, it is still sent
  before the meeting; if the meeting has begun it is no longer due (and a queued one expires).
- follow_ups — daily at the reminder hour: minutes overdue (keeper, repeated; escalation to the
  convener), approval, report to the committee, action items. No expiry: a scheduler that was
  down sends them when it is back (due moments are kept in the rows).
- agreement_revisions, term_planning — daily; state sweeps keyed by their occasion, so a run at
  any hour, late or twice, sends each notice once.
- digest — Mondays at the reminder hour; due all that ISO week, one per director and week.
- report_reminders — daily: a report of concern without a meeting `report_reminder_days` after
  receipt (once per report and intake person), and each working day's list of open reports and
  their deadlines (keyed by the day), so a late or doubled run sends each once.
- external_contacts — daily: erases external reporters `external_contact_days` after their
  report meetings are done with; a state sweep, so a missed day is caught up the next.
- consultation_erasure — daily; erases consultation bookers' names and emails
  `consultation_erase_days` after their consultation (a state sweep: late or twice is harmless).
- mailbox — every `mailbox_seconds` when COORDINATOR_IMAP_URL is set; a missed poll is harmless.
Only the elected scheduler (jobs/leader.py) runs the periodic jobs; when it becomes leader —
at start or on taking over — it runs each of them at once, catching up whatever the old
leader or a stopped scheduler left.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timezone

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask

from coordinator.config import Settings
from jobs import tasks
from jobs.leader import LeaderLock, leader_lock
from jobs.tasks import JobContext, Task, run_job

log = logging.getLogger("coordinator.jobs")

ELECTION = "leader_election"


@dataclass(frozen=True)
class Job:
    id: str
    task: Task
    trigger: BaseTrigger
    every_process: bool = False  # runs in every jobs process, not only the elected one


def job_list(settings: Settings) -> list[Job]:
    """The project's jobs, in the order `jobs run-once` runs them (sweeps first, delivery last)."""
    zone, hour = settings.timezone, settings.reminder_hour
    jobs = [
        Job("meeting_reminders", tasks.meeting_reminders, IntervalTrigger(seconds=settings.reminder_seconds)),
        Job("follow_ups", tasks.follow_ups, CronTrigger(hour=hour, minute=0, timezone=zone)),
        Job("agreement_revisions", tasks.agreement_revisions, CronTrigger(hour=hour, minute=5, timezone=zone)),
        Job("term_planning", tasks.term_planning, CronTrigger(hour=hour, minute=10, timezone=zone)),
        Job("digest", tasks.digest, CronTrigger(day_of_week="mon", hour=hour, minute=15, timezone=zone)),
        Job("report_reminders", tasks.report_reminders, CronTrigger(hour=hour, minute=20, timezone=zone)),
        Job("external_contacts", tasks.external_contacts, CronTrigger(hour=hour, minute=25, timezone=zone)),
        Job("consultation_erasure", tasks.consultation_erasure, CronTrigger(hour=hour, minute=30, timezone=zone)),
    ]
    if settings.imap_url:
        jobs.append(Job("mailbox", tasks.mailbox, IntervalTrigger(seconds=settings.mailbox_seconds)))
    jobs.append(Job("outbox_delivery", tasks.deliver, IntervalTrigger(seconds=settings.delivery_seconds),
                    every_process=True))
    return jobs


def add_jobs(scheduler: BaseScheduler, context: JobContext, jobs: list[Job], *, now: bool = False) -> None:
    """Put the jobs on the scheduler (again: replaced, never doubled); `now`: each runs at once first."""
    for job in jobs:
        scheduler.add_job(
            run_job, job.trigger, args=[job.id, job.task, context], id=job.id, name=job.id, replace_existing=True,
            # every job is a sweep of what is due now: a late run is always worth running (policy above)
            coalesce=True, max_instances=1, misfire_grace_time=None,
            **({"next_run_time": datetime.now(timezone.utc)} if now else {}),
        )


class Election:
    """One jobs process: delivery always; the periodic jobs while it holds the leader lock.

    A process that does not hold the lock stands by and tries it again every `standby_seconds`;
    the leader checks on the same beat that its lock is still its own and steps down if not.
    """

    def __init__(self, scheduler: BaseScheduler, context: JobContext, lock: LeaderLock) -> None:
        self.scheduler, self.context, self.lock = scheduler, context, lock
        jobs = job_list(context.settings)
        self.everywhere = [j for j in jobs if j.every_process]
        self.periodic = [j for j in jobs if not j.every_process]
        self.is_leader = False

    def start(self) -> None:
        """Add the jobs; lead if the lock is free, else stand by. Call before the scheduler starts."""
        add_jobs(self.scheduler, self.context, self.everywhere, now=True)
        if self.lock.try_acquire():
            self._lead()
        else:
            log.info("scheduler_standby host=%s lock=%r", self.context.host, self.lock.describe())
        self.scheduler.add_job(self.check, IntervalTrigger(seconds=self.context.settings.standby_seconds),
                               id=ELECTION, name=ELECTION, replace_existing=True, coalesce=True, max_instances=1)

    def check(self) -> None:
        """The beat: a leader keeps or loses its lock, a standby tries to take it."""
        if self.is_leader:
            if not self.lock.still_held():
                self.is_leader = False
                for job in self.periodic:
                    self.scheduler.remove_job(job.id)
                log.error("scheduler_lost_lock host=%s: periodic jobs stopped, standing by", self.context.host)
        elif self.lock.try_acquire():
            self._lead()

    def _lead(self) -> None:
        self.is_leader = True
        add_jobs(self.scheduler, self.context, self.periodic, now=True)
        log.info("scheduler_leader host=%s lock=%r jobs=%s", self.context.host, self.lock.describe(),
                 ",".join(j.id for j in self.periodic))

    def shutdown(self, wait: bool = True) -> None:
        """Stop the scheduler (running jobs finish when `wait`) and give the lock back."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=wait)
        self.lock.release()


def start_background_scheduler(app: Flask) -> Election | None:
    """The scheduler inside the web process (`make run`, the embedded default); None when another
    process already runs the jobs on this SQLite database."""
    context = JobContext.from_app(app)
    lock = leader_lock(app.extensions["coordinator.engine"])
    if not lock.waits and not lock.try_acquire():
        log.warning("scheduler_not_started: another process runs the jobs on %s", lock.describe())
        return None
    election = Election(BackgroundScheduler(timezone=context.settings.timezone), context, lock)
    election.start()
    election.scheduler.start()
    return election
