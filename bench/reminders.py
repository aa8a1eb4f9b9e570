"""Benchmark: the reminder sweep on a city's term, and on a database with a hundred times more meetings.

Issue 5's target: with 100 times more meetings in the database, a sweep that queues the same
1,000 reminders takes at most 1.5 times as long; the jobs process stays under 150 MB.

1. **N**: `coordinator bench generate --scale city`, HT2027 planned for every district and
   published (about 1,800 meetings and 20,000 invitations);
2. **100×N**: the same, plus 99 copies of every meeting with its invitations, each moved back by
   a whole number of years (other terms: outside every window of the sweep), written with
   INSERT … SELECT;
3. the sweep — `reminders.services.queue_due` for every reminder kind at SWEEP_AT, the day
   before the term, when the RSVP reminders of its first week (about 1,100) are due — timed in
   each database (`--runs` rounds, the two databases interleaved in alternating order, each sweep
   rolled back so the next finds the same work; one warm-up run first), and the ratio of the two per
   round (min / median / max). Most of a sweep is rendering and encoding
   the mails, which does not depend on the database's size, so the part that does — finding the
   due reminders (the windowed queries, loading, the rules) — is timed and compared on its own too;
4. the jobs process: `coordinator jobs run-once --at SWEEP_AT` (every job, delivery to .eml
   files) as a process of its own on each database, its peak resident memory from wait4(), next
   to the peak of `coordinator jobs status` (the same process doing no job: what importing the
   application costs).

SQLite always; PostgreSQL too when COORDINATOR_TEST_POSTGRES_URL (or 127.0.0.1:5432) answers.
Prints a table and writes bench/results/reminders.json (`reminders_tiny.json` at `--scale tiny`)
through `bench.recording.write_result`.

    python -m bench.reminders [--runs 3] [--no-postgres] [--scale tiny] [--copies 99] [--name NAME]
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from time import perf_counter
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from bench.plan_city import GENERATED_AT, PLANNED_AT, TERM, PostgresBackend, SQLiteBackend, opened, postgres_url
from bench.recording import figure, load_average, ratios, spread, write_result
from coordinator.bench import generate
from coordinator.db import make_session_factory
from coordinator.invitations.ics import Party
from coordinator.invitations.messages import MailContext
from coordinator.migrate import upgrade
from coordinator.org.models import District
from coordinator.outbox.models import OutboxMessage
from coordinator.planning.models import Invitation, Meeting, MeetingStatus
from coordinator.planning.services import plan_district_term
from coordinator.reminders.facts import candidate_meetings, load
from coordinator.reminders.rules import MEETING_KINDS, Timing, due_reminders
from coordinator.reminders.services import queue_due

TARGET_RATIO = 1.5
TARGET_RSS_MB = 150
COPIES = 99  # the big database: the planned term and 99 copies of it in other years
SCALE = "city"  # `--scale tiny` for the tests' smoke run
SWEEP_AT = datetime(2027, 8, 18, 7, 0, tzinfo=UTC)  # Wednesday 18 August 2027, 09.00 in Stockholm
ZONE = ZoneInfo("Europe/Stockholm")
MAIL = MailContext(sender=Party("Samverkan", "samverkan@bench.example"), base_url="https://samverkan.bench.example",
                   secret_key="bench-secret", timezone="Europe/Stockholm", message_domain="samverkan.bench.example")
COORDINATOR = Path(sys.executable).parent / "coordinator"

MEETING_COLUMNS = [c.name for c in Meeting.__table__.columns]
INVITATION_COLUMNS = [c.name for c in Invitation.__table__.columns]


# -- building the two databases -----------------------------------------------------------------

def fill(url: str) -> int:
    """Generate the city, plan and publish its term (no mail: the sweep is measured, not publishing); meetings."""
    upgrade(url)
    with opened(url) as engine, make_session_factory(engine)() as session:
        generate(session, scale=SCALE, now=GENERATED_AT, seed=1)
        session.commit()
        for code in session.scalars(sa.select(District.code).order_by(District.code)).all():
            plan_district_term(session, code, TERM, actor="bench", now=PLANNED_AT)
            session.commit()
        session.execute(sa.update(Meeting).values(status=MeetingStatus.SCHEDULED, published_at=PLANNED_AT,
                                                  published_by="bench"))
        session.commit()
        return session.scalar(sa.select(sa.func.count()).select_from(Meeting)) or 0


def multiply(url: str, copies: int) -> tuple[int, int]:
    """Add `copies` copies of every meeting and its invitations, the k-th moved back k × 364 days."""
    with opened(url) as engine, engine.begin() as connection:
        base = connection.scalar(sa.select(sa.func.max(Meeting.id))) or 0
        postgres = engine.dialect.name == "postgresql"
        for k in range(1, copies + 1):
            days = 364 * k  # whole weeks: the copies keep their weekdays
            shifted = ({column: f"{column} - make_interval(days => {days})" for column in ("starts_at", "ends_at")}
                       if postgres else
                       {column: f"strftime('%Y-%m-%d %H:%M:%f000', {column}, '-{days} days')"
                        for column in ("starts_at", "ends_at")})
            meeting = {"id": f"id + {base * k}", "uid": f"uid || '-{k}'", **shifted}
            invitation = {"meeting_id": f"meeting_id + {base * k}"}
            connection.execute(sa.text(
                f"INSERT INTO meeting ({', '.join(MEETING_COLUMNS)}) "
                f"SELECT {', '.join(meeting.get(c, c) for c in MEETING_COLUMNS)} FROM meeting WHERE id <= {base}"))
            connection.execute(sa.text(
                f"INSERT INTO invitation ({', '.join(INVITATION_COLUMNS)}) "
                f"SELECT {', '.join(invitation.get(c, c) for c in INVITATION_COLUMNS)} "
                f"FROM invitation WHERE meeting_id <= {base}"))
        if postgres:
            connection.execute(sa.text("SELECT setval(pg_get_serial_sequence('meeting', 'id'), max(id)) FROM meeting"))
        connection.execute(sa.text("ANALYZE"))
        count = lambda table: connection.scalar(sa.select(sa.func.count()).select_from(table)) or 0  # noqa: E731
        return count(Meeting), count(Invitation)


# -- measuring -----------------------------------------------------------------------------------------

def sweep_once(url: str) -> tuple[float, int]:
    """One sweep at SWEEP_AT, rolled back: its seconds and how many reminders it queued."""
    with opened(url) as engine, make_session_factory(engine)() as session:
        session.execute(sa.select(1))  # the connection is open before the clock starts
        started = perf_counter()
        queued = queue_due(session, SWEEP_AT, MAIL, timing=Timing("Europe/Stockholm"))
        session.flush()
        elapsed = perf_counter() - started
        session.rollback()
        return elapsed, queued


def find_once(url: str) -> float:
    """Only finding what is due (windows, loading, rules), no mail: its seconds."""
    with opened(url) as engine, make_session_factory(engine)() as session:
        session.execute(sa.select(1))
        started = perf_counter()
        timing = Timing("Europe/Stockholm")
        loaded = load(session, candidate_meetings(session, SWEEP_AT, MEETING_KINDS, timing))
        due_reminders(loaded.facts, SWEEP_AT, timing)
        elapsed = perf_counter() - started
        session.rollback()
        return elapsed


def sweeps(small: str, big: str, runs: int) -> dict[str, dict[str, Any]]:
    """`runs` interleaved rounds on both databases, alternating which goes first: per database the sweep's
    and the finding's seconds per round and how many reminders the sweep queued."""
    for url in (small, big):
        sweep_once(url)  # warm-up: the page cache and the templates
    found: dict[str, dict[str, Any]] = {name: {"sweeps": [], "finds": [], "queued": set()} for name in ("small", "big")}
    for run in range(runs):
        for name, url in (("small", small), ("big", big)) if run % 2 == 0 else (("big", big), ("small", small)):
            seconds, queued = sweep_once(url)
            found[name]["sweeps"].append(seconds)
            found[name]["queued"].add(queued)
            found[name]["finds"].append(find_once(url))
    for name, figures in found.items():
        if len(figures["queued"]) != 1:
            raise AssertionError(f"the sweep queued different numbers of reminders ({name}): {sorted(figures['queued'])}")
        figures["queued"] = figures["queued"].pop()
    return found


def jobs_process(url: str, folder: Path) -> dict[str, Any]:
    """`coordinator jobs run-once --at SWEEP_AT` as its own process: peak memory, seconds, messages; and the
    peak of `coordinator jobs status` on the same database, what the process costs before any job runs."""
    folder.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("COORDINATOR_")}
    env.update(COORDINATOR_DATABASE_URL=url, COORDINATOR_MAIL_URL=f"file://{folder / 'mail'}",
               COORDINATOR_INSTANCE_PATH=str(folder / "instance"), COORDINATOR_SECRET_KEY="bench-secret")
    baseline, _ = _peak(["jobs", "status"], env, folder / "status.log")
    started = perf_counter()
    peak, code = _peak(["jobs", "run-once", "--at", SWEEP_AT.astimezone(ZONE).strftime("%Y-%m-%d %H:%M")], env,
                       folder / "run-once.log")
    seconds = perf_counter() - started
    if code != 0:
        raise AssertionError(f"jobs run-once failed:\n{(folder / 'run-once.log').read_text()[-3000:]}")
    with opened(url) as engine, engine.connect() as connection:
        sent = connection.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) or 0
    return {"peak_rss_mb": peak, "idle_peak_rss_mb": baseline, "seconds": round(seconds, 2), "messages": sent}


def _peak(args: list[str], env: dict[str, str], log: Path) -> tuple[float, int]:
    """Run `coordinator <args>`; its peak resident memory in MB (from wait4) and its exit code."""
    with open(log, "wb") as output:
        process = subprocess.Popen([str(COORDINATOR), *args], env=env, stdout=output, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
    return round(usage.ru_maxrss / 1024, 1), os.waitstatus_to_exitcode(status)


def measure(backend: Any, runs: int, folder: Path, say: Callable[[str], None]) -> dict[str, Any]:
    source = backend.create()
    try:
        started = perf_counter()
        meetings = fill(source)
        say(f"  {backend.name}: generated and planned {meetings:,} meetings in {perf_counter() - started:.1f} s")
        big = backend.copy(source)
        try:
            started = perf_counter()
            big_meetings, big_invitations = multiply(big, COPIES)
            say(f"  {backend.name}: 100×N has {big_meetings:,} meetings, {big_invitations:,} invitations "
                f"({perf_counter() - started:.1f} s)")
            with opened(source) as engine, engine.connect() as connection:
                invitations = connection.scalar(sa.select(sa.func.count()).select_from(Invitation)) or 0
            found = sweeps(source, big, runs)
            small_runs, small_finds, small_queued = found["small"]["sweeps"], found["small"]["finds"], found["small"]["queued"]
            big_runs, big_finds, big_queued = found["big"]["sweeps"], found["big"]["finds"], found["big"]["queued"]
            say(f"  {backend.name}: N: {small_queued:,} reminders, sweeps {_seconds(small_runs)}, "
                f"finding {_seconds(small_finds)}")
            say(f"  {backend.name}: 100×N: {big_queued:,} reminders, sweeps {_seconds(big_runs)}, "
                f"finding {_seconds(big_finds)}")
            if small_queued != big_queued:
                raise AssertionError(f"N queued {small_queued}, 100×N queued {big_queued}")
            small_process = jobs_process(backend.copy(source), folder / f"{backend.name}-small")
            big_process = jobs_process(backend.copy(big), folder / f"{backend.name}-big")
        finally:
            backend.drop(big)
    finally:
        backend.drop(source)
        if hasattr(backend, "drop_all"):
            backend.drop_all()
    return {
        "backend": backend.name, "version": _version(backend), "reminders_queued": small_queued,
        "small": {"meetings": meetings, "invitations": invitations, "sweep_seconds": spread(small_runs),
                  "runs": [round(s, 4) for s in small_runs], "find_seconds": spread(small_finds),
                  "find_runs": [round(s, 4) for s in small_finds], "jobs_process": small_process},
        "large": {"meetings": big_meetings, "invitations": big_invitations, "sweep_seconds": spread(big_runs),
                  "runs": [round(s, 4) for s in big_runs], "find_seconds": spread(big_finds),
                  "find_runs": [round(s, 4) for s in big_finds], "jobs_process": big_process},
        "ratio": spread(ratios(big_runs, small_runs)), "find_ratio": spread(ratios(big_finds, small_finds)),
    }


def figures(r: dict[str, Any]) -> list[dict[str, Any]]:
    """The table's rows for one database: the sweep and the finding at 100×N against N, the jobs process."""
    small, large, db = r["small"], r["large"], r["backend"]
    big = f"{large['meetings']:,} meetings ({COPIES + 1}×N)"
    n = f"{small['meetings']:,} meetings (N)"
    return [
        figure(f"the sweep queuing {r['reminders_queued']:,} reminders, {db}, {big}", large["runs"], "s",
               baseline=f"the same sweep, {n}", baseline_values=small["runs"], ratio=ratios(large["runs"], small["runs"]),
               target=f"≤ {TARGET_RATIO:g}×", met=r["ratio"]["median"] <= TARGET_RATIO),
        figure(f"finding what is due (no mail), {db}, {big}", [s * 1000 for s in large["find_runs"]], "ms",
               baseline=f"the same, {n}", baseline_values=[s * 1000 for s in small["find_runs"]],
               ratio=ratios(large["find_runs"], small["find_runs"])),
        figure(f"`coordinator jobs run-once` peak memory, {db}, {big}", [large["jobs_process"]["peak_rss_mb"]], "MB",
               baseline="`coordinator jobs status` (no job)", baseline_values=[large["jobs_process"]["idle_peak_rss_mb"]],
               target=f"< {TARGET_RSS_MB} MB", met=large["jobs_process"]["peak_rss_mb"] < TARGET_RSS_MB),
        figure(f"`coordinator jobs run-once` peak memory, {db}, {n}", [small["jobs_process"]["peak_rss_mb"]], "MB",
               baseline="`coordinator jobs status` (no job)", baseline_values=[small["jobs_process"]["idle_peak_rss_mb"]]),
    ]


def _seconds(runs: list[float]) -> str:
    return " ".join(f"{s:.3f}" for s in runs) + " s"


def _version(backend: Any) -> str:
    try:
        return str(backend.version())
    except Exception:  # nice to have in the results, never worth failing for
        return "?"


# -- running it ------------------------------------------------------------------------------------------

def main() -> int:
    global SCALE, COPIES  # noqa: PLW0603 - the options of this one run
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="interleaved timed sweeps per database")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--scale", choices=("city", "tiny"), default="city", help="tiny: the tests' smoke run")
    parser.add_argument("--copies", type=int, default=COPIES, help="copies of the term in the big database")
    parser.add_argument("--name", help="the results file's name (default reminders, or reminders_tiny at --scale tiny)")
    args = parser.parse_args()
    SCALE, COPIES = args.scale, args.copies
    say = lambda text: print(text, flush=True)  # noqa: E731
    say(f"The reminder sweep at {SWEEP_AT.astimezone(ZONE):%Y-%m-%d %H:%M}: the city's {TERM} (N) "
        f"and with {COPIES} more copies of it (100×N)")
    say(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at the start")
    load_before = load_average()
    results = []
    with tempfile.TemporaryDirectory(prefix="coordinator-bench-") as folder:
        results.append(measure(SQLiteBackend(Path(folder)), args.runs, Path(folder), say))
        if args.no_postgres:
            results.append({"backend": "postgresql", "skipped": "not asked for"})
        else:
            pg = PostgresBackend(postgres_url())
            if pg.answers():
                results.append(measure(pg, args.runs, Path(folder), say))
            else:
                results.append({"backend": "postgresql", "skipped": f"no PostgreSQL answers at "
                                f"{make_url(postgres_url()).render_as_string()}"})
    say("")
    say(f"{'database':<18} {'reminders':>9} {'sweep N':>9} {'sweep 100×N':>12} {'ratio':>6} "
        f"{'find N':>8} {'find 100×N':>11} {'ratio':>6} {'RSS N':>8} {'RSS 100×N':>10} {'RSS idle':>9}")
    for r in results:
        if "skipped" in r:
            say(f"{r['backend']:<18} skipped: {r['skipped']}")
            continue
        say(f"{r['backend'] + ' ' + r['version']:<18} {r['reminders_queued']:>9,} "
            f"{r['small']['sweep_seconds']['median']:>8.3f}s {r['large']['sweep_seconds']['median']:>11.3f}s "
            f"{r['ratio']['median']:>5.2f}× {r['small']['find_seconds']['median']:>7.3f}s "
            f"{r['large']['find_seconds']['median']:>10.3f}s {r['find_ratio']['median']:>5.2f}× "
            f"{r['small']['jobs_process']['peak_rss_mb']:>6.1f}MB {r['large']['jobs_process']['peak_rss_mb']:>8.1f}MB "
            f"{r['large']['jobs_process']['idle_peak_rss_mb']:>7.1f}MB")
    measured = [r for r in results if "skipped" not in r]
    ratio_met = all(r["ratio"]["median"] <= TARGET_RATIO for r in measured)
    rss_met = all(r["large"]["jobs_process"]["peak_rss_mb"] < TARGET_RSS_MB for r in measured)
    say(f"\ntarget (issue 5): ratio ≤ {TARGET_RATIO} -> {'met' if ratio_met else 'NOT met'}; "
        f"jobs process < {TARGET_RSS_MB} MB -> {'met' if rss_met else 'NOT met'}")
    say("(medians over the interleaved rounds; the ratios per round, min / median / max in the results file)")
    title = (f"The reminder sweep at {SWEEP_AT.astimezone(ZONE):%Y-%m-%d %H:%M}: the {SCALE} {TERM} (N) and with "
             f"{COPIES} more copies of it ({COPIES + 1}×N)")
    write_result(args.name or ("reminders" if SCALE == "city" else f"reminders_{SCALE}"), {
        "title": title, "scale": SCALE, "sweep_at": SWEEP_AT.isoformat(), "copies": COPIES, "runs": args.runs,
        "figures": [row for r in measured for row in figures(r)],
        "target_ratio": TARGET_RATIO, "target_rss_mb": TARGET_RSS_MB, "ratio_met": ratio_met, "rss_met": rss_met,
        "databases": results,
    }, engine=" and ".join(r["backend"] for r in measured), load_at_start=load_before)
    return 0


if __name__ == "__main__":
    sys.exit(main())
