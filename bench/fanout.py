"""Benchmark: fanning out 10,000 invitations through the outbox, against a bare SMTP loop.

Issue 4's target: delivering 10,000 queued invitations to a local SMTP server runs at no less
than two thirds of the speed of a bare loop that sends the same prebuilt messages over one SMTP
connection. Steps:

1. build 10,000 messages shaped like the invitations (multipart/alternative: text, HTML and a
   `text/calendar; method=REQUEST` part, about 4 KB each, one recipient each) and queue them with
   `coordinator.outbox.queue.enqueue` into a migrated SQLite database (not timed);
2. start an aiosmtpd server that counts what it accepts, in a process of its own so the
   server does not share this process's interpreter with the sender being measured;
3. **deliver**: `deliver_due` sends everything: claims a group of `CLAIM_SIZE` (5) at a time,
   records each group's outcomes and claims the next in one commit, one SMTP connection per batch;
4. **baseline**: the same stored bytes sent by a bare `smtplib` loop over one connection;

interleaved, alternating which goes first, `--runs` of each (the outbox is reset to pending between
deliver runs); each figure min / median / max and the speed ratio per pair. Prints the rates and
writes bench/results/fanout.json (`--name` elsewhere) through `bench.recording.write_result`.

    python -m bench.fanout [--messages 10000] [--runs 3] [--batch-size N] [--name fanout]
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import smtplib
import sqlite3
import statistics
import sys
import tempfile
from datetime import UTC, datetime
from email import encoders, policy
from email.message import EmailMessage
from email.mime.base import MIMEBase
from pathlib import Path
from time import perf_counter, sleep
from typing import Any

import sqlalchemy as sa

from bench.recording import figure, load_average, ratios, spread, write_result
from coordinator.db import make_engine, make_session_factory
from coordinator.migrate import upgrade
from coordinator.outbox.delivery import BATCH_SIZE, CLAIM_SIZE, deliver_due
from coordinator.outbox.models import MessageKind, OutboxMessage, OutboxState
from coordinator.outbox.queue import Outgoing, enqueue
from coordinator.outbox.transports import SMTPTransport

TARGET_RATIO = 2 / 3  # issue 4: the outbox at no less than two thirds of the bare loop's speed
SENDER = "samverkan@stockholm.example.se"
NOW = datetime(2027, 8, 20, 6, 0, tzinfo=UTC)


# -- the messages ------------------------------------------------------------------------------

AGENDA = "\n".join(f"{n}. Punkt {n}: uppföljning av elevhälsoarbetet på skolan och socialtjänstens insatser."
                   for n in range(1, 13))


def invitation(n: int) -> EmailMessage:
    """An invitation-shaped message of about 4 KB to one recipient."""
    to = f"rektor{n}@skola{n % 97}.example.se"
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = f"Samverkan Norrviken <{SENDER}>"
    message["To"] = to
    message["Subject"] = f"Inbjudan: Elevhälsokonferens, möte {n}"
    message["Message-ID"] = f"<fanout-{n}@samverkan.example.se>"
    message["Date"] = NOW
    message.set_content(f"Hej!\n\nDu är inbjuden till elevhälsokonferensen.\n\n{AGENDA}\n", cte="quoted-printable")
    html = "".join(f"<li>{line}</li>" for line in AGENDA.splitlines())
    message.add_alternative(f"<p>Hej!</p><p>Du är inbjuden till elevhälsokonferensen.</p><ol>{html}</ol>",
                            subtype="html", cte="quoted-printable")
    calendar = MIMEBase("text", "calendar")
    calendar.set_payload((
        "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nPRODID:-//Samverkan coordinator//SV\r\nVERSION:2.0\r\n"
        f"BEGIN:VEVENT\r\nUID:meeting-{n}@samverkan.example.se\r\nSEQUENCE:0\r\n"
        "DTSTART;TZID=Europe/Stockholm:20270915T130000\r\nDTEND;TZID=Europe/Stockholm:20270915T143000\r\n"
        f"SUMMARY:Elevhälsokonferens\r\nATTENDEE;CN=Rektor {n};ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;"
        f"RSVP=TRUE:mailto:{to}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n").encode())
    encoders.encode_base64(calendar)
    del calendar["MIME-Version"]
    calendar.replace_header("Content-Type", 'text/calendar; charset="UTF-8"; method=REQUEST')
    message.attach(calendar)
    return message


def queue_all(url: str, count: int) -> int:
    """Queue `count` invitations; the average size in bytes."""
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            for start in range(0, count, 1000):
                enqueue(session, [Outgoing(f"invitation:fanout:{n}", MessageKind.INVITATION, invitation(n), NOW)
                                  for n in range(start, min(start + 1000, count))], now=NOW)
            session.commit()
            size = session.scalar(sa.select(sa.func.avg(sa.func.length(OutboxMessage.content))))
        return round(size or 0)
    finally:
        engine.dispose()


def stored(url: str) -> list[tuple[str, bytes]]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return [(r, c) for r, c in connection.execute(
                sa.select(OutboxMessage.recipient, OutboxMessage.content).order_by(OutboxMessage.id))]
    finally:
        engine.dispose()


def reset(url: str) -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(sa.update(OutboxMessage).values(
                state=OutboxState.PENDING, attempts=0, claimed_at=None, sent_at=None, last_error=None))
    finally:
        engine.dispose()


# -- the SMTP sink (a process of its own) ---------------------------------------------------------

def _sink(port: int, received: Any, unique: Any, generation: Any, ready: Any) -> None:
    from aiosmtpd.controller import Controller

    seen: set[tuple[int, bytes]] = set()  # per generation: a run's distinct Message-IDs

    class Counting:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            start = envelope.content.find(b"Message-ID:")
            message_id = (generation.value, envelope.content[start:envelope.content.find(b"\n", start)].strip())
            with received.get_lock():
                received.value += 1
                if message_id not in seen:
                    seen.add(message_id)
                    unique.value += 1
            return "250 OK"

    controller = Controller(Counting(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    try:
        while True:
            sleep(3600)
    finally:
        controller.stop()


class Sink:
    """An SMTP server in a process of its own counting the messages it accepts and, per `generation`
    (bumped between runs), the distinct Message-IDs: a message sent twice shows as received − unique."""

    def __init__(self) -> None:
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        context = multiprocessing.get_context("spawn")
        self.counter, self.unique, self.generation = context.Value("i", 0), context.Value("i", 0), context.Value("i", 0)
        ready = context.Event()
        self.process = context.Process(target=_sink, args=(self.port, self.counter, self.unique, self.generation,
                                                           ready), daemon=True)
        self.process.start()
        if not ready.wait(30):
            raise RuntimeError("the SMTP sink did not start")

    @property
    def received(self) -> int:
        return int(self.counter.value)

    def counts(self) -> tuple[int, int]:
        return int(self.counter.value), int(self.unique.value)

    def stop(self) -> None:
        self.process.terminate()
        self.process.join(10)


# -- the two ways of sending ------------------------------------------------------------------------

def bare_loop(port: int, messages: list[tuple[str, bytes]]) -> float:
    """The baseline: the prebuilt bytes over one smtplib connection, nothing else."""
    started = perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for recipient, raw in messages:
            smtp.sendmail(SENDER, [recipient], raw)
    return perf_counter() - started


def outbox_delivery(url: str, port: int, batch_size: int, expected: int, claim_size: int = CLAIM_SIZE) -> float:
    engine = make_engine(url)
    try:
        sessions = make_session_factory(engine)
        started = perf_counter()
        report = deliver_due(sessions, SMTPTransport("127.0.0.1", port), now=NOW, batch_size=batch_size, claim_size=claim_size,
                             sender=SENDER)
        seconds = perf_counter() - started
    finally:
        engine.dispose()
    if report.sent != expected:
        raise AssertionError(f"deliver_due sent {report.sent} of {expected}: {report}")
    return seconds


# -- running it ----------------------------------------------------------------------------------

def measure(count: int, runs: int, batch_size: int, claim_size: int = CLAIM_SIZE) -> dict[str, Any]:
    """`runs` interleaved pairs, alternating which goes first; the seconds of each, their spreads and the
    speed ratio per pair (the bare loop's seconds over the outbox's: 1.0 is as fast as the loop)."""
    with tempfile.TemporaryDirectory(prefix="coordinator-fanout-") as folder:
        url = f"sqlite:///{Path(folder) / 'fanout.sqlite3'}"
        upgrade(url)
        size = queue_all(url, count)
        messages = stored(url)
        sink = Sink()
        try:
            bare_loop(sink.port, messages[:200])  # warm up both sides
            deliveries, baselines = [], []
            for run in range(runs):
                before = sink.received
                for way in (("bare", "outbox") if run % 2 == 0 else ("outbox", "bare")):
                    if way == "bare":
                        baselines.append(bare_loop(sink.port, messages))
                    else:
                        if run:
                            reset(url)
                        deliveries.append(outbox_delivery(url, sink.port, batch_size, count, claim_size))
                if sink.received - before != 2 * count:
                    raise AssertionError(f"the sink received {sink.received - before}, expected {2 * count}")
        finally:
            sink.stop()
    speed = ratios(baselines, deliveries)
    return {
        "messages": count, "average_message_bytes": size, "batch_size": batch_size, "claim_size": claim_size, "runs": runs,
        "deliver_due": {"seconds": spread(deliveries), "per_second": spread([count / s for s in deliveries]),
                        "runs": [round(s, 3) for s in deliveries]},
        "bare_loop": {"seconds": spread(baselines), "per_second": spread([count / s for s in baselines]),
                      "runs": [round(s, 3) for s in baselines]},
        "speed_ratio": spread(speed),
        "figures": [figure(
            f"deliver_due: {count:,} invitations of about {size:,} bytes to a local SMTP sink (SQLite)",
            [count / s for s in deliveries], "messages/s", baseline="the stored bytes by a bare smtplib loop",
            baseline_values=[count / s for s in baselines], ratio=speed,
            target=f"≥ {TARGET_RATIO:.2f}×", met=statistics.median(speed) >= TARGET_RATIO)],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3, help="interleaved runs of each (min / median / max)")
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
    parser.add_argument("--claim-size", type=int, default=CLAIM_SIZE,
                        help="rows claimed and recorded at a time (the most sent twice if a sender dies)")
    parser.add_argument("--name", default="fanout", help="the results file's name (the tests' smoke run: fanout_tiny)")
    args = parser.parse_args()

    title = (f"Fan-out of {args.messages:,} invitations through the outbox (SQLite {sqlite3.sqlite_version}), "
             f"batch size {args.batch_size}, claim size {args.claim_size}")
    print(title, flush=True)
    load_before = load_average()
    print(f"machine: {os.cpu_count()} cores, load average {load_before[0]:.2f} at the start", flush=True)
    result = measure(args.messages, args.runs, args.batch_size, args.claim_size)
    met = result["speed_ratio"]["median"] >= TARGET_RATIO
    d, b, r = result["deliver_due"], result["bare_loop"], result["speed_ratio"]
    print(f"deliver_due: {d['seconds']['median']:.2f} s, {d['per_second']['median']:,.0f} messages/s "
          f"(runs {d['runs']})")
    print(f"bare loop:   {b['seconds']['median']:.2f} s, {b['per_second']['median']:,.0f} messages/s "
          f"(runs {b['runs']})")
    print(f"speed of the outbox against the bare loop: {r['median']:.2f} ({r['min']:.2f}–{r['max']:.2f} over the "
          f"pairs; target >= {TARGET_RATIO:.2f}) -> {'met' if met else 'NOT met'}")
    write_result(args.name, {"title": title, "target_ratio": round(TARGET_RATIO, 3), "target_met": met, **result},
                 engine="sqlite", load_at_start=load_before)
    return 0


if __name__ == "__main__":
    sys.exit(main())
