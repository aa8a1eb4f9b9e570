"""A jobs process killed mid-delivery, and a mail server that refuses or is away: nothing is lost.

Real `coordinator jobs` processes against a real SMTP server on loopback, on SQLite and on
PostgreSQL. A killed sender is restarted as it would be: at once, nothing waits out a timeout.
Where time must pass (a retry's backoff) the next process is `jobs run-once --at` a later
moment: the operations command, not a hook for tests. The figures (copies, seconds) are printed
at the end of the run.
"""
from __future__ import annotations

import os
import signal
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from coordinator.outbox.delivery import CLAIM_SIZE, STALE_CLAIM
from coordinator.outbox.models import OutboxMessage, OutboxState
from tests.reliability.conftest import SlowSMTPServer
from tests.reliability.processes import count_in, environment, outbox, processes, queue_fanout, run_once
from tests.smtp_server import Received, SMTPServer, free_port

FANOUT = 2000
PROMISE = 30.0  # seconds: a dead sender's claims are delivered this soon after a sender starts (docs/scheduler.md)


def address(recipient: str) -> str:
    return recipient.split("<")[-1].rstrip(">").lower()


def delivered(received: list[Received], rows: list[OutboxMessage]) -> Counter[str]:
    """How many times each message arrived, by Message-ID; fails if one arrived under another id or not at all."""
    arrived = Counter(mail.message["Message-ID"] for mail in received)
    assert set(arrived) == {r.message_id for r in rows}, "every message arrives, under its own Message-ID"
    assert all(mail.message["Message-ID"] == message_id for mail in received
               for message_id in [{address(r.recipient): r.message_id for r in rows}[mail.envelope_to[0].lower()]])
    return arrived


def test_killed_while_delivering_its_claims_go_out_at_once_on_restart_and_at_most_a_group_twice(
        own_database, tmp_path: Path, record_property):
    queue_fanout(own_database, FANOUT, datetime.now(UTC))
    with SlowSMTPServer(delay=0.001) as smtp:
        env = environment(own_database, smtp.url, tmp_path / "instance")
        with processes(env, tmp_path) as start:
            first = start("run")
            first.wait_for(lambda: len(smtp.received) >= 300, "delivery under way")
            first.kill()
            received_at_kill = len(smtp.received)
            in_flight = {r.message_id for r in outbox(own_database) if r.state is OutboxState.SENDING}
            assert 0 < len(in_flight) <= CLAIM_SIZE  # a group, not a batch of 200
            assert count_in(own_database, OutboxState.PENDING) > 0
            restarted = time.monotonic()
            second = start("run")  # a plain restart, now: no waiting out a timeout
            claims_out = second.wait_for(lambda: not in_flight & {r.message_id for r in outbox(own_database)
                                                                  if r.state is not OutboxState.SENT},
                                         "the killed sender's claims sent", timeout=PROMISE)
            all_out = second.wait_for(lambda: count_in(own_database, OutboxState.PENDING, OutboxState.SENDING) == 0,
                                      "everything sent", timeout=PROMISE + 30)
            took = time.monotonic() - restarted
        received = list(smtp.received)

    rows = outbox(own_database)
    assert {r.state for r in rows} == {OutboxState.SENT}
    arrived = delivered(received, rows)
    twice = {message_id for message_id, n in arrived.items() if n > 1}
    assert max(arrived.values()) <= 2
    assert twice <= in_flight and len(twice) <= CLAIM_SIZE  # only what was truly in flight at the kill
    record_property("figures", f"{FANOUT} queued, killed after {received_at_kill} received with {len(in_flight)} "
                               f"claimed; lost 0, sent twice {len(twice)} (bound {CLAIM_SIZE}); the claims out "
                               f"{claims_out:.1f} s and all {took:.1f} s after the restart (promise {PROMISE:.0f} s "
                               f"for the claims)")
    assert claims_out < PROMISE


def test_a_mail_server_away_or_refusing_loses_nothing_and_a_rejected_address_holds_up_nobody(
        own_database, tmp_path: Path):
    start = datetime.now(UTC).replace(second=0, microsecond=0)
    queue_fanout(own_database, 30, start)
    port = free_port()
    env = environment(own_database, f"smtp://127.0.0.1:{port}", tmp_path / "instance")

    def run_at(minutes: int) -> None:
        assert run_once(env, tmp_path, at=start + timedelta(minutes=minutes)).wait(60) == 0

    run_at(0)  # nothing listens on the port: the server is down
    assert {(r.state, r.attempts) for r in outbox(own_database)} == {(OutboxState.FAILED, 1)}
    with SMTPServer(port=port) as smtp:  # back, but answering "try again later" for a while
        smtp.failing = "451 4.3.0 Try again later"
        run_at(2)  # the backoff after a first failure is one minute
        rows = outbox(own_database)
        assert {(r.state, r.attempts) for r in rows} == {(OutboxState.FAILED, 2)}
        assert all("451" in (r.last_error or "") for r in rows)
        smtp.failing = None
        smtp.refuse["p7@fanout.example"] = "550 5.1.1 No such user here"
        run_at(5)  # two minutes after a second failure
        received = [address(m.envelope_to[0]) for m in smtp.received]

    rows = {address(r.recipient): r for r in outbox(own_database)}
    assert rows["p7@fanout.example"].state is OutboxState.DEAD
    assert "550" in (rows["p7@fanout.example"].last_error or "")
    assert {r.state for to, r in rows.items() if to != "p7@fanout.example"} == {OutboxState.SENT}
    assert sorted(received) == sorted(to for to in rows if to != "p7@fanout.example")  # each once
    logs = "".join(p.read_text() for p in tmp_path.glob("run-once-*.log"))
    assert "outbox_retry" in logs and "outbox_dead" in logs and "outbox_sent" in logs


@pytest.mark.parametrize("own_database", ["postgresql"], indirect=True)  # on SQLite a stalled sender keeps the lock
def test_a_stalled_sender_whose_claims_were_taken_over_sends_at_most_its_group_twice(own_database, tmp_path: Path,
                                                                                       record_property):
    queue_fanout(own_database, 600, datetime.now(UTC))
    with SlowSMTPServer(delay=0.002) as smtp:
        env = environment(own_database, smtp.url, tmp_path / "instance")
        with processes(env, tmp_path) as start:
            stalled = start("run")
            stalled.wait_for(lambda: len(smtp.received) >= 100, "delivery under way")
            os.kill(stalled.pid, signal.SIGSTOP)  # alive, its advisory lock held, but doing nothing
            try:
                held = {r.message_id for r in outbox(own_database) if r.state is OutboxState.SENDING}
                assert 0 < len(held) <= CLAIM_SIZE
                # another sender, past the stale-claim timeout, sends everything — the stalled claims too, but
                # for rows the stalled one may hold locked inside a transaction it had not committed (skipped)
                assert run_once(env, tmp_path, at=datetime.now(UTC) + STALE_CLAIM + timedelta(minutes=1)).wait(120) == 0
                assert count_in(own_database, OutboxState.PENDING, OutboxState.SENDING) <= 2 * CLAIM_SIZE
            finally:
                os.kill(stalled.pid, signal.SIGCONT)
            # it wakes, finishes what it had begun, and sends whatever is left
            stalled.wait_for(lambda: count_in(own_database, OutboxState.PENDING, OutboxState.SENDING) == 0,
                             "everything sent")
            stalled.wait_for(lambda: "job=outbox_delivery" in stalled.text(), "the stalled run ended")
        received = list(smtp.received)
    rows = outbox(own_database)
    assert {r.state for r in rows} == {OutboxState.SENT}  # the stalled sender overwrote nothing
    arrived = delivered(received, rows)
    twice = {message_id for message_id, n in arrived.items() if n > 1}
    assert max(arrived.values()) <= 2 and twice <= held and len(twice) <= CLAIM_SIZE
    record_property("figures", f"600 queued, sender stalled (SIGSTOP) with {len(held)} claimed, taken over after "
                               f"the timeout, then woken: lost 0, sent twice {len(twice)} (bound {CLAIM_SIZE})")
