"""The scheduler's job list, its leader lock, and the `coordinator jobs` commands, on both databases."""
from __future__ import annotations

import dataclasses
import json
import logging
from datetime import datetime

import pytest
import sqlalchemy as sa
from apscheduler.schedulers.background import BackgroundScheduler

from coordinator import create_app
from coordinator.cli import cli
from coordinator.config import Settings
from coordinator.invitations.services import record_answer
from coordinator.jobruns import JobRun
from coordinator.outbox.models import MessageKind, OutboxMessage, OutboxState
from coordinator.planning.models import Answer
from jobs import ELECTION, Election, job_list, start_background_scheduler
from jobs.leader import AdvisoryLock, FileLock, leader_lock
from jobs.tasks import JobContext, run_job
from tests.reminder_world import build, local
from tests.smtp_server import SMTPServer, free_port

PERIODIC = ["meeting_reminders", "follow_ups", "agreement_revisions", "term_planning", "digest", "report_reminders",
            "external_contacts", "consultation_erasure"]


@pytest.fixture
def paused():  # type: ignore[no-untyped-def]
    """Schedulers that hold jobs but never run them, shut down after the test."""
    made: list[BackgroundScheduler] = []

    def make() -> BackgroundScheduler:
        scheduler = BackgroundScheduler(timezone="Europe/Stockholm")
        scheduler.start(paused=True)
        made.append(scheduler)
        return scheduler

    yield make
    for scheduler in made:
        if scheduler.running:
            scheduler.shutdown(wait=False)


def election(app, scheduler) -> Election:  # type: ignore[no-untyped-def]
    return Election(scheduler, JobContext.from_app(app), leader_lock(app.extensions["coordinator.engine"]))


def test_the_leader_has_every_job_once_with_coalescing(app, paused):
    leader = election(app, paused())
    try:
        leader.start()
        leader.start()  # starting again replaces, never doubles
        jobs = leader.scheduler.get_jobs()
    finally:
        leader.shutdown(wait=False)
    assert leader.is_leader
    assert sorted(job.id for job in jobs) == sorted([*PERIODIC, "outbox_delivery", ELECTION])
    assert all(job.coalesce and job.max_instances == 1 for job in jobs)


def test_the_scheduler_settings_come_from_the_environment_and_a_wrong_one_is_named(tmp_path):
    base = {"COORDINATOR_INSTANCE_PATH": str(tmp_path), "COORDINATOR_SECRET_KEY": "k"}
    default = Settings.from_env(base)
    assert (default.delivery_seconds, default.reminder_seconds, default.standby_seconds) == (15.0, 60.0, 5.0)
    assert (default.reminder_hour, default.reminder_horizon_days, default.term_plan_weeks) == (7, 120, 6)
    tuned = Settings.from_env({**base, "COORDINATOR_JOBS_DELIVERY_SECONDS": "0.5", "COORDINATOR_TERM_PLAN_WEEKS": "8",
                               "COORDINATOR_REMINDER_HOUR": "8"})
    assert (tuned.delivery_seconds, tuned.term_plan_weeks, tuned.reminder_hour) == (0.5, 8, 8)
    for name, value in (("COORDINATOR_REMINDER_HOUR", "24"), ("COORDINATOR_JOBS_STANDBY_SECONDS", "soon")):
        with pytest.raises(ValueError, match=name):
            Settings.from_env({**base, name: value})


def test_the_mailbox_is_polled_only_when_configured(settings):
    assert "mailbox" not in [job.id for job in job_list(settings)]
    with_imap = dataclasses.replace(settings, imap_url="imaps://user:pw@mail.example/INBOX")
    assert [job.id for job in job_list(with_imap)] == [*PERIODIC, "mailbox", "outbox_delivery"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_web_process_runs_the_scheduler_unless_another_process_already_does(app):
    first = start_background_scheduler(app)
    try:
        assert first is not None and first.is_leader and first.scheduler.running
        assert start_background_scheduler(app) is None  # `make run` twice on one SQLite database
    finally:
        assert first is not None
        first.shutdown(wait=False)
    second = start_background_scheduler(app)
    assert second is not None
    second.shutdown(wait=False)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_standby_delivers_and_takes_over_when_the_leader_goes(app, paused, engine):
    first, second = election(app, paused()), election(app, paused())
    try:
        first.start()
        second.start()
        assert (first.is_leader, second.is_leader) == (True, False)
        assert sorted(j.id for j in second.scheduler.get_jobs()) == ["leader_election", "outbox_delivery"]
        second.check()
        assert not second.is_leader  # the lock is still taken
        # the leader's database session dies (a network cut, a restarted server): it must step down
        assert isinstance(first.lock, AdvisoryLock) and first.lock.connection is not None
        pid = first.lock.connection.scalar(sa.text("SELECT pg_backend_pid()"))
        with engine.connect() as other:
            other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        first.check()
        assert not first.is_leader
        assert sorted(j.id for j in first.scheduler.get_jobs()) == ["leader_election", "outbox_delivery"]
        second.check()
        assert second.is_leader
        assert set(PERIODIC) <= {j.id for j in second.scheduler.get_jobs()}
    finally:
        first.shutdown(wait=False)
        second.shutdown(wait=False)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_second_scheduler_on_sqlite_is_refused_with_a_clear_message(app, runner):
    lock = leader_lock(app.extensions["coordinator.engine"])
    assert isinstance(lock, FileLock) and lock.try_acquire()
    try:
        for command in (["jobs", "run"], ["jobs", "run-once"]):
            result = runner.invoke(cli, command)
            assert result.exit_code == 1, result.output
            assert "En schemaläggare kör redan mot den här databasen" in result.output
            assert "På SQLite får bara en process köra jobben" in result.output
    finally:
        lock.release()
    assert runner.invoke(cli, ["jobs", "run-once"]).exit_code == 0  # free again


def test_a_job_run_is_recorded_and_logged_and_a_failure_too(app, session, caplog):
    context = JobContext.from_app(app, clock=lambda: local(2027, 9, 1, 8, 0))

    def broken(_context: JobContext, _now: datetime) -> str:
        raise RuntimeError("the mail server's certificate expired")

    with caplog.at_level(logging.INFO, logger="coordinator.jobs"):
        assert run_job("fine", lambda _c, now: f"looked at {now:%H:%M}", context)
        assert not run_job("broken", broken, context)
    runs = {r.job_id: r for r in session.scalars(sa.select(JobRun))}
    assert (runs["fine"].succeeded, runs["fine"].result) == (True, "looked at 08:00")
    assert runs["fine"].started_at == local(2027, 9, 1, 8, 0) and runs["fine"].duration_ms is not None
    assert (runs["broken"].succeeded, runs["broken"].result) == (
        False, "RuntimeError: the mail server's certificate expired")
    assert runs["broken"].host == context.host
    assert "job_run job=fine" in caplog.text and "job_failed job=broken" in caplog.text


def test_run_once_at_a_moment_queues_and_delivers_what_is_due_then(settings, session):
    world = build(session)
    with SMTPServer() as smtp:
        app = create_app(dataclasses.replace(settings, mail_url=smtp.url))
        runner = app.test_cli_runner()
        result = runner.invoke(cli, ["jobs", "run-once", "--at", "2027-10-05 13:05"])
        assert result.exit_code == 0, result.output
        received = [(r.envelope_to[0], r.message["Subject"]) for r in smtp.received]
        again = runner.invoke(cli, ["jobs", "run-once", "--at", "2027-10-05 13:06"])
        assert again.exit_code == 0 and len(smtp.received) == len(received)  # nothing twice
        app.extensions["coordinator.engine"].dispose()
    reminded = sorted(to for to, subject in received if subject.startswith(("Påminnelse", "Reminder")))
    # the principal convenes the conference: not asked to answer their own meeting
    assert reminded == ["contact@lillby.example", "kurator@lillby.example", "nurse@lillby.example",
                        "teacher@lillby.example"]
    assert sum(subject.startswith(("Inbjudan", "Invitation")) for _, subject in received) == 9
    assert ("director@lillby.example", "Veckans sammanfattning för Lillby, vecka 40") in received
    states = set(session.scalars(sa.select(OutboxMessage.state)))
    assert states == {OutboxState.SENT}
    runs = {r.job_id: r for r in session.scalars(sa.select(JobRun))}
    assert sorted(runs) == sorted([*PERIODIC, "outbox_delivery"]) and all(r.succeeded for r in runs.values())
    assert runs["meeting_reminders"].result == "queued=0"  # the second run's
    assert world.conference.uid


def test_run_once_says_which_job_failed_and_still_runs_the_others(settings, session):
    build(session)
    closed = free_port()
    app = create_app(dataclasses.replace(settings, imap_url=f"imap://user:pw@127.0.0.1:{closed}/INBOX"))
    try:
        result = app.test_cli_runner().invoke(cli, ["jobs", "run-once", "--at", "2027-10-05 13:05"])
    finally:
        app.extensions["coordinator.engine"].dispose()
    assert result.exit_code == 1
    assert "Misslyckades: mailbox" in result.output
    runs = {r.job_id: r for r in session.scalars(sa.select(JobRun))}
    assert runs["mailbox"].succeeded is False and "Connection" in (runs["mailbox"].result or "")
    assert runs["outbox_delivery"].succeeded


def test_status_shows_each_jobs_last_run_the_outbox_and_the_oldest_waiting_message(runner, session):
    build(session)
    assert runner.invoke(cli, ["jobs", "status"]).output.startswith("Jobb:\n  inget jobb har körts ännu")
    session.execute(sa.update(OutboxMessage).where(OutboxMessage.recipient.contains("teacher@"))
                    .values(state=OutboxState.FAILED, attempts=2, last_error="451 try again later",
                            next_attempt_at=local(2027, 8, 20, 10, 4)))
    session.commit()
    runner.invoke(cli, ["jobs", "run-once", "--at", "2027-08-20 10:00"])  # delivers the invitations (to files)
    text = runner.invoke(cli, ["jobs", "status"]).output
    assert "meeting_reminders" in text and "ok" in text and "sent=8" in text
    data = json.loads(runner.invoke(cli, ["jobs", "status", "--json"]).output)
    assert data["outbox"]["sent"] == 8 and data["outbox"]["failed"] == 1
    assert data["oldest_pending"]["recipient"] == "Pia Pedagog <teacher@lillby.example>"
    assert data["oldest_pending"]["last_error"] == "451 try again later"
    assert {j["job"] for j in data["jobs"]} == {*PERIODIC, "outbox_delivery"}


def test_preview_shows_what_would_be_queued_and_sent_and_writes_nothing(runner, session):
    build(session)
    count = sa.select(sa.func.count()).select_from(OutboxMessage)
    before = session.scalar(count)
    result = runner.invoke(cli, ["jobs", "preview", "--at", "2027-10-06 13:30", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    queued = sorted((m["kind"], m["recipient"].split("<")[1].rstrip(">")) for m in data["queued"])
    assert ("rsvp_reminder", "kurator@lillby.example") in queued
    assert ("rsvp_reminder", "director@lillby.example") not in queued  # the forum's RSVP reminder is due on the 12th
    assert len(data["sent"]) == len(data["queued"]) + before  # the invitations were never delivered
    assert data["at"] == "2027-10-06T13:30:00+02:00"
    session.rollback()
    assert session.scalar(count) == before
    text = runner.invoke(cli, ["jobs", "preview", "--at", "2027-10-06 13:30"]).output
    assert text.startswith("Förhandsvisning 2027-10-06 13:30 (inget sparas eller skickas)")
    assert runner.invoke(cli, ["jobs", "preview", "--at", "11/10 13.30"]).exit_code == 2
    assert session.scalar(count) == before
    assert MessageKind.RSVP_REMINDER.value in text


def test_after_an_outage_a_passed_pre_meeting_reminder_is_dropped_and_a_minutes_reminder_still_sent(settings, session):
    world = build(session)
    record_answer(session, world.invitation(world.forum, "director"), Answer.ACCEPTED, via="link", sequence=0,
                  actor="director", now=local(2027, 9, 1, 9, 0))
    session.commit()
    now = [local(2027, 10, 18, 13, 5)]
    with SMTPServer() as smtp:
        app = create_app(dataclasses.replace(settings, mail_url=smtp.url))
        context = JobContext.from_app(app, clock=lambda: now[0])
        jobs = {job.id: job for job in job_list(context.settings)}
        # the sweep queues the forum's pre-meeting reminder at its moment, then the scheduler goes down
        assert run_job("meeting_reminders", jobs["meeting_reminders"].task, context)
        now[0] = local(2027, 10, 22, 7, 30)  # back four days later, after the forum (19 October)
        for job in jobs.values():
            assert run_job(job.id, job.task, context)
        received = {(m.envelope_to[0], m.message["Subject"]) for m in smtp.received}
        app.extensions["coordinator.engine"].dispose()
    rows = session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind.in_(
        [MessageKind.PRE_MEETING_REMINDER, MessageKind.MINUTES_REMINDER]))).all()
    pre = [r for r in rows if r.kind is MessageKind.PRE_MEETING_REMINDER]
    assert [(r.state, r.last_error) for r in pre] == [(OutboxState.DEAD, "expired")]
    assert not any(subject.startswith("Påminnelse: Övergripande") for _, subject in received)
    minutes = sorted((r.recipient.split("<")[1].rstrip(">"), r.state)
                     for r in rows if r.kind is MessageKind.MINUTES_REMINDER)
    assert minutes == [("kurator@lillby.example", OutboxState.SENT), ("secretary@lillby.example", OutboxState.SENT)]
    assert ("kurator@lillby.example",
            "Protokollet saknas: Elevhälsokonferens (Lillby skola) tisdag 12 oktober 2027") in received
