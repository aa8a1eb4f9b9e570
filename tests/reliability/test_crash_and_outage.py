"""A jobs process killed mid-delivery, and a mail server that refuses or is away: nothing is lost.

Real `coordinator jobs` processes against a real SMTP server on loopback, on SQLite and on
PostgreSQL. Where time must pass (a stale claim, a retry's backoff) the next process is
`jobs run-once --at` a later moment: the operations command, not a hook for tests.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

from coordinator.outbox.models import OutboxState
from tests.reliability.conftest import SlowSMTPServer
from tests.reliability.processes import count_in, environment, outbox, processes, queue_fanout, run_once
from tests.smtp_server import SMTPServer, free_port

FANOUT = 2000
BATCH = 200  # coordinator.outbox.delivery.BATCH_SIZE: at most one batch is in flight per sender


def address(recipient: str) -> str:
    return recipient.split("<")[-1].rstrip(">").lower()


def test_killed_while_delivering_every_invitation_arrives_and_only_those_in_flight_twice(own_database, tmp_path: Path):
    queue_fanout(own_database, FANOUT, datetime.now(UTC))
    with SlowSMTPServer(delay=0.001) as smtp:
        env = environment(own_database, smtp.url, tmp_path / "instance")
        with processes(env, tmp_path) as start:
            first = start("run")
            first.wait_for(lambda: len(smtp.received) >= 300, "delivery under way")
            first.kill()
        in_flight = {r.message_id for r in outbox(own_database) if r.state is OutboxState.SENDING}
        assert 0 < len(in_flight) <= BATCH
        assert count_in(own_database, OutboxState.PENDING) > 0
        # the restart, run as of six minutes later: what was never claimed goes out, and the killed
        # sender's claims (stale after five minutes) are sent again with their Message-IDs
        restart = run_once(env, tmp_path, at=datetime.now(UTC) + timedelta(minutes=6))
        assert restart.wait(120) == 0
        received = list(smtp.received)

    rows = outbox(own_database)
    assert {r.state for r in rows} == {OutboxState.SENT}
    message_id = {address(r.recipient): r.message_id for r in rows}
    arrived: dict[str, list[str]] = defaultdict(list)
    for mail in received:
        arrived[mail.envelope_to[0].lower()].append(mail.message["Message-ID"])
    assert set(arrived) == set(message_id)  # every one arrived
    twice = {to: ids for to, ids in arrived.items() if len(ids) > 1}
    for to, ids in twice.items():
        assert ids == [message_id[to]] * 2, to  # the same message again, never a new one
        assert message_id[to] in in_flight  # and only one that was in flight at the kill
    assert all(ids == [message_id[to]] for to, ids in arrived.items() if to not in twice)


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
