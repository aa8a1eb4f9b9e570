"""Several jobs processes on one PostgreSQL database: one leads, all deliver, nothing is sent twice.

Real `coordinator jobs run` processes: the leader runs the periodic jobs (JobRun.host and the
logs say which), the standby delivers beside it (SKIP LOCKED) and, when the leader is SIGKILLed
in the middle of a fan-out, takes over within seconds and sends the dead leader's claimed group
at once: at most that group twice. A stretch of a term is then simulated by two `jobs run-once --at`
processes started together at each moment: every reminder is queued once and arrives once.
"""
from __future__ import annotations

import re
import socket
import time
from collections import Counter
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from coordinator.db import make_engine, make_session_factory
from coordinator.jobruns import JobRun
from coordinator.outbox.delivery import CLAIM_SIZE
from coordinator.outbox.models import OutboxState
from tests.reliability.conftest import SlowSMTPServer
from tests.reliability.processes import (
    JobsProcess,
    count_in,
    environment,
    outbox,
    processes,
    queue_fanout,
    run_once,
)
from tests.reminder_world import build, local
from tests.smtp_server import SMTPServer

PERIODIC = {"meeting_reminders", "follow_ups", "agreement_revisions", "term_planning", "digest",
            "consultation_erasure"}
TAKEOVER_LIMIT = 30.0  # seconds, the promise
FANOUT = 2000


def hosts(database_url: str) -> dict[str, str]:
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            return {r.job_id: r.host or "" for r in session.scalars(sa.select(JobRun))}
    finally:
        engine.dispose()


def host_of(process: JobsProcess) -> str:
    return f"{socket.gethostname()}:{process.pid}"


@pytest.mark.parametrize("own_database", ["postgresql"], indirect=True)
def test_one_leader_many_senders_and_a_takeover_mid_fanout_within_seconds(own_database, tmp_path, record_property):
    queue_fanout(own_database, FANOUT, datetime.now(UTC))
    with SlowSMTPServer(delay=0.001) as smtp:
        env = environment(own_database, smtp.url, tmp_path / "instance")
        with processes(env, tmp_path) as start:
            one, two = start("run"), start("run")
            one.wait_for(lambda: "scheduler_leader" in one.text() + two.text(), "a leader")
            leader, standby = (one, two) if "scheduler_leader" in one.text() else (two, one)
            standby.wait_for(lambda: "scheduler_standby" in standby.text(), "a standby")
            leader.wait_for(lambda: re.search(r"outbox_sent id=\d+", leader.text()) is not None
                            and re.search(r"outbox_sent id=\d+", standby.text()) is not None
                            and len(smtp.received) >= 600, "both sending")
            assert set(hosts(own_database)) >= PERIODIC
            assert {hosts(own_database)[job] for job in PERIODIC} == {host_of(leader)}
            assert "scheduler_leader" not in standby.text() and "job=meeting_reminders" not in standby.text()
            leader.kill()  # in the middle of the fan-out, with a group claimed
            killed = time.monotonic()
            received_at_kill = len(smtp.received)
            in_flight = {r.message_id for r in outbox(own_database) if r.state is OutboxState.SENDING}
            took = standby.wait_for(lambda: "scheduler_leader" in standby.text(), "the takeover",
                                    timeout=TAKEOVER_LIMIT)
            claims_out = standby.wait_for(
                lambda: not in_flight & {r.message_id for r in outbox(own_database) if r.state is not OutboxState.SENT},
                "the killed leader's claims sent", timeout=TAKEOVER_LIMIT)
            standby.wait_for(lambda: count_in(own_database, OutboxState.PENDING, OutboxState.SENDING) == 0,
                             "the fan-out delivered", timeout=90)
            all_out = time.monotonic() - killed
            standby.wait_for(lambda: {hosts(own_database).get(job) for job in PERIODIC} == {host_of(standby)},
                             "the new leader's periodic runs")
    arrived = Counter(m.message["Message-ID"] for m in smtp.received)
    rows = outbox(own_database)
    assert {r.state for r in rows} == {OutboxState.SENT}
    assert set(arrived) == {r.message_id for r in rows}  # nothing lost
    twice = {message_id for message_id, n in arrived.items() if n > 1}
    assert max(arrived.values()) <= 2 and twice <= in_flight and len(twice) <= CLAIM_SIZE
    record_property("figures", f"{FANOUT} queued, two senders; leader killed after {received_at_kill} received "
                               f"with {len(in_flight)} of its own and the standby's claimed; lost 0, sent twice "
                               f"{len(twice)} (bound {CLAIM_SIZE}); takeover {took:.1f} s, the dead leader's claims "
                               f"out {took + claims_out:.1f} s, all {all_out:.1f} s after the kill "
                               f"(promise {TAKEOVER_LIMIT:.0f} s)")
    assert took + claims_out < TAKEOVER_LIMIT


@pytest.mark.parametrize("own_database", ["postgresql"], indirect=True)
def test_two_processes_through_a_stretch_of_term_send_every_reminder_once(own_database, tmp_path):
    engine = make_engine(own_database)
    with make_session_factory(engine)() as session:
        build(session)
    engine.dispose()
    queue_fanout(own_database, 300, local(2027, 8, 20, 10, 0))  # the term's first invitations, and many more
    moments = [local(2027, 8, 21, 7, 30), local(2027, 10, 5, 13, 5), local(2027, 10, 15, 7, 35),
               local(2027, 10, 26, 7, 35)]
    with SMTPServer() as smtp:
        env = environment(own_database, smtp.url, tmp_path / "instance")
        for moment in moments:
            pair = [run_once(env, tmp_path, at=moment, name=f"a-{moment:%m%d}"),
                    run_once(env, tmp_path, at=moment, name=f"b-{moment:%m%d}")]
            assert [p.wait(120) for p in pair] == [0, 0], moment
        received = Counter(m.message["Message-ID"] for m in smtp.received)
    rows = outbox(own_database)
    assert {r.state for r in rows} == {OutboxState.SENT}
    assert received == Counter({r.message_id: 1 for r in rows})  # each message once, none lost
    kinds = Counter(r.kind.value for r in rows)
    # RSVP reminders: the conference's four invitees and the forum's three, not their conveners
    assert (kinds["invitation"], kinds["rsvp_reminder"], kinds["pre_meeting_reminder"]) == (309, 7, 0)
    assert (kinds["minutes_reminder"], kinds["minutes_escalation"], kinds["digest"]) == (3, 1, 3)
