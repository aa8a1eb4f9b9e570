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
0), plus anything not sent. Writes bench/results/fanout_scale.json.

    python -m bench.fanout_scale [--messages 4000] [--senders 1 2 4] [--rounds 2] [--batch-size 100]
"""
from __future__ import annotations

import argparse
import multiprocessing
import sys
import time
from datetime import UTC, datetime
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


def _sender(url: str, port: int, batch_size: int, start: Any) -> None:
    """One jobs process's delivery: its own engine, `deliver_due` until nothing is due."""
    engine = make_engine(url)
    with engine.connect():
        pass
    start.wait()
    deliver_due(make_session_factory(engine), SMTPTransport("127.0.0.1", port), now=NOW, batch_size=batch_size,
                sender=SENDER)
    engine.dispose()


def run_senders(url: str, port: int, senders: int, batch_size: int) -> float:
    context = multiprocessing.get_context("spawn")
    start = context.Event()
    processes = [context.Process(target=_sender, args=(url, port, batch_size, start)) for _ in range(senders)]
    for process in processes:
        process.start()
    time.sleep(1.0 + 0.5 * senders)  # imported and connected: only the sending is timed
    started = time.perf_counter()
    start.set()
    for process in processes:
        process.join()
        if process.exitcode != 0:
            raise RuntimeError(f"a sender failed with exit code {process.exitcode}")
    return time.perf_counter() - started


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
                seconds = run_senders(url, sink.port, n, batch_size)
                after_received, after_unique = sink.counts()
                got, distinct = after_received - received, after_unique - unique
                left = {k: v for k, v in states(url).items() if k != OutboxState.SENT.value}
                runs[n].append({"seconds": round(seconds, 3), "per_second": round(messages / seconds, 1),
                                "received": got, "distinct": distinct, "duplicates": got - distinct,
                                "not_sent": left})
                print(f"  round {r + 1}, {n} sender(s): {messages / seconds:,.0f} messages/s, received {got}, "
                      f"not sent {left or 0}", flush=True)
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
