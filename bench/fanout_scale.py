"""Benchmark: the outbox fanned out by 1, 2 and 4 sender processes at once on PostgreSQL (issue 16, scale-out).

Several jobs processes (or machines) may deliver the same outbox: each claims its batches with
`SELECT … FOR UPDATE SKIP LOCKED` (`outbox.delivery._claim`), so no message is claimed twice. Steps:

1. queue `--messages` invitation-shaped messages (`bench.fanout.invitation`, about 4 KB) into a
   migrated PostgreSQL database of its own (not timed);
2. an aiosmtpd sink in a process of its own counts what it accepts and the distinct Message-IDs;
3. for each of `--senders` (1 2 4), reset the outbox to pending and start that many processes,
   each running `deliver_due` until nothing is due; timed from the start of the first to the end
   of the last. Rounds (`--rounds`) repeat the sender counts in alternating order.

Reported per sender count: messages per second (min / median / max over rounds), the speed-up over
one sender in the same round, and **duplicates** (messages the sink received more than once: must be
0), plus anything not sent; and, per run, the CPU milliseconds a message cost the senders, their
PostgreSQL backends and the sink, with what the backends were doing (pg_stat_activity sampled every 20 ms:
lock waits show as Lock:…), so a speed-up that does not come can be told apart: the machine's cores, its
latency, or contention. Writes bench/results/fanout_scale.json.

    python -m bench.fanout_scale [--messages 4000] [--senders 1 2 4] [--rounds 2] [--batch-size 100]
"""
from __future__ import annotations

import argparse
import collections
import multiprocessing
import os
import resource
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench.fanout import NOW, SENDER, Sink, queue_all, reset
from bench.plan_city import PostgresBackend, postgres_url
from bench.recording import spread, write_result
from coordinator.db import make_engine, make_session_factory
from coordinator.migrate import upgrade
from coordinator.outbox.delivery import BATCH_SIZE, deliver_due
from coordinator.outbox.models import OutboxMessage, OutboxState
from coordinator.outbox.transports import SMTPTransport


def _sender(url: str, port: int, batch_size: int, start: Any, cpu: Any) -> None:
    """One jobs process's delivery: its own engine, `deliver_due` until nothing is due; its CPU seconds to `cpu`."""
    engine = make_engine(url)
    with engine.connect():
        pass
    start.wait()
    before = resource.getrusage(resource.RUSAGE_SELF)
    deliver_due(make_session_factory(engine), SMTPTransport("127.0.0.1", port), now=NOW, batch_size=batch_size,
                sender=SENDER)
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu.put(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    engine.dispose()


def process_cpu(pid: int) -> float | None:
    """A local process's CPU seconds (user + system) from /proc; None when it is gone or not Linux."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


class Backends:
    """Samples the run's PostgreSQL backends every 20 ms: what each is doing (pg_stat_activity's state and wait
    event: a lock wait shows as Lock:…) and its CPU (/proc, the server being local), until stopped."""

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        self.states: collections.Counter[str] = collections.Counter()
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        with self.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT")
            while not self._stop.is_set():
                for pid, state, wait_type, wait in connection.execute(sa.text(
                        "SELECT pid, state, wait_event_type, wait_event FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()")):
                    if (seconds := process_cpu(pid)) is not None:
                        self.first.setdefault(pid, seconds)
                        self.last[pid] = seconds
                    self.states[(f"{wait_type}:{wait}" if wait_type else "on CPU") if state == "active"
                                else f"idle ({state})"] += 1
                time.sleep(0.02)

    def stop(self) -> dict[str, Any]:
        self._stop.set()
        self._thread.join()
        self.engine.dispose()
        total = sum(self.states.values()) or 1
        return {"cpu_seconds": round(sum(self.last[p] - self.first[p] for p in self.last), 3),
                "states": {k: round(v / total, 3) for k, v in self.states.most_common()}}


def run_senders(url: str, port: int, senders: int, batch_size: int, sink_pid: int | None = None) -> dict[str, Any]:
    """How long `senders` processes took to send everything, and the CPU spent by them, their backends and the sink."""
    context = multiprocessing.get_context("spawn")
    start, cpu = context.Event(), context.Queue()
    processes = [context.Process(target=_sender, args=(url, port, batch_size, start, cpu)) for _ in range(senders)]
    for process in processes:
        process.start()
    time.sleep(1.0 + 0.5 * senders)  # imported and connected: only the sending is timed
    backends = Backends(url)
    sink_before = process_cpu(sink_pid) if sink_pid else None
    started = time.perf_counter()
    start.set()
    for process in processes:
        process.join()
        if process.exitcode != 0:
            raise RuntimeError(f"a sender failed with exit code {process.exitcode}")
    seconds = time.perf_counter() - started
    sampled = backends.stop()
    sink_after = process_cpu(sink_pid) if sink_pid else None
    return {"seconds": seconds, "senders_cpu_seconds": round(sum(cpu.get() for _ in processes), 3),
            "postgres_cpu_seconds": sampled["cpu_seconds"], "backend_states": sampled["states"],
            "sink_cpu_seconds": round(sink_after - sink_before, 3) if sink_before is not None and sink_after is not None
            else None}


def states(url: str) -> dict[str, int]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return {state.value if hasattr(state, "value") else str(state): n for state, n in connection.execute(
                sa.select(OutboxMessage.state, sa.func.count()).group_by(OutboxMessage.state))}
    finally:
        engine.dispose()


def measure(url: str, messages: int, senders: list[int], rounds: int, batch_size: int) -> dict[str, Any]:
    upgrade(url)
    queue_all(url, messages)
    sink = Sink()
    runs: dict[int, list[dict[str, Any]]] = {n: [] for n in senders}
    try:
        for r in range(rounds):
            for n in senders if r % 2 == 0 else senders[::-1]:
                reset(url)
                sink.generation.value += 1
                received, unique = sink.counts()
                timed = run_senders(url, sink.port, n, batch_size, sink.process.pid)
                seconds = timed["seconds"]
                cpu_ms = {k.removesuffix("_cpu_seconds"): round(1000 * v / messages, 3)
                          for k, v in timed.items() if k.endswith("_cpu_seconds") and v is not None}
                after_received, after_unique = sink.counts()
                got, distinct = after_received - received, after_unique - unique
                left = {k: v for k, v in states(url).items() if k != OutboxState.SENT.value}
                runs[n].append({"seconds": round(seconds, 3), "per_second": round(messages / seconds, 1),
                                "received": got, "distinct": distinct, "duplicates": got - distinct,
                                "not_sent": left, "cpu_ms_per_message": cpu_ms,
                                "backend_states": timed["backend_states"], "load": round(os.getloadavg()[0], 2)})
                print(f"  round {r + 1}, {n} sender(s): {messages / seconds:,.0f} messages/s, received {got}, "
                      f"not sent {left or 0}; CPU ms a message {cpu_ms}; backends "
                      + ", ".join(f"{k} {v:.0%}" for k, v in list(timed["backend_states"].items())[:5]), flush=True)
    finally:
        sink.stop()
    single = spread([run["per_second"] for run in runs[senders[0]]])["median"]
    return {"messages": messages, "batch_size": batch_size, "rounds": rounds, "senders": {
        str(n): {"per_second": spread([run["per_second"] for run in runs[n]]),
                 "speedup": round(spread([run["per_second"] for run in runs[n]])["median"] / single, 2),
                 "duplicates": sum(run["duplicates"] for run in runs[n]),
                 "missing": sum(messages - run["distinct"] for run in runs[n]),
                 "not_sent": sum(sum(run["not_sent"].values()) for run in runs[n]), "runs": runs[n]}
        for n in senders}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=4000)
    parser.add_argument("--senders", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
    parser.add_argument("--name", default="fanout_scale")
    args = parser.parse_args(argv)
    pg = PostgresBackend(postgres_url())
    if not pg.answers():
        print(f"no PostgreSQL answers at {postgres_url()}", file=sys.stderr)
        return 1
    print(f"Fan-out of {args.messages:,} messages by {args.senders} sender processes on PostgreSQL {pg.version()}, "
          f"{datetime.now(UTC):%H:%M}", flush=True)
    try:
        result = measure(pg.create(), args.messages, args.senders, args.rounds, args.batch_size)
    finally:
        pg.drop_all()
    for n, figures in result["senders"].items():
        print(f"{n} sender(s): {figures['per_second']['median']:,.0f} messages/s "
              f"({figures['per_second']['min']:,.0f}–{figures['per_second']['max']:,.0f}), ×{figures['speedup']}, "
              f"duplicates {figures['duplicates']}, missing {figures['missing']}, not sent {figures['not_sent']}")
    write_result(args.name, result, engine="postgresql", postgres=pg)
    return 0


if __name__ == "__main__":
    sys.exit(main())
