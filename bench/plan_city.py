"""Benchmark: planning a whole city term, against inserting the same rows with plain executemany.

Issue 3's target: planning a city term (14 districts then, 11 now; about 400 schools, about 2,000 meetings
and 20,000 invitations) takes under 2 seconds on SQLite. Per database:

1. create an empty database (a temporary SQLite file; a PostgreSQL database of its own), migrate
   it and fill it with `coordinator.bench.generate(scale="city")`;
2. **plan**: in a fresh copy of that database, `plan_district_term` for every district, each
   committed, as each district's director (or `coordinator term plan`) would;
3. **plan again** in the same copy: adds nothing, so this is the cost of loading and checking;
4. **baseline**: in another fresh copy, the very meeting and invitation rows the plan wrote,
   inserted with the driver's `executemany` and committed per district: what writing the plan
   costs with no planning at all;

each step `--runs` times, the plan and the baseline interleaved (each in a fresh copy), each figure
min / median / max and the ratio per pair. Prints a table and writes bench/results/plan_city.json
(`plan_city_tiny.json` at `--scale tiny`) through `bench.recording.write_result`.
PostgreSQL is measured when COORDINATOR_TEST_POSTGRES_URL (or 127.0.0.1:5432) answers.

    python -m bench.plan_city [--runs 5] [--pg-runs 3] [--no-postgres] [--profile]
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sqlite3
import sys
import tempfile
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from time import perf_counter
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from bench.recording import figure, load_average, ratios, spread, write_result
from coordinator.bench import SCALES, generate
from coordinator.db import make_engine, make_session_factory
from coordinator.migrate import upgrade
from coordinator.org.models import District
from coordinator.planning.models import Invitation, Meeting
from coordinator.planning.services import plan_district_term

TERM = "HT2027"
TARGET_SECONDS = 2.0  # issue 3, on SQLite
GENERATED_AT = datetime(2027, 5, 3, 8, 0, tzinfo=UTC)
PLANNED_AT = datetime(2027, 6, 1, 8, 0, tzinfo=UTC)  # the directors plan the autumn in June
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"  # as the tests' conftest

MEETING_COLUMNS = [c.name for c in Meeting.__table__.columns]
INVITATION_COLUMNS = [c.name for c in Invitation.__table__.columns]


# -- databases: a source filled once, fresh copies of it per run ---------------------------------

class SQLiteBackend:
    name = "sqlite"

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def version(self) -> str:
        return sqlite3.sqlite_version

    def create(self) -> str:
        return f"sqlite:///{self.folder / 'source.sqlite3'}"

    def copy(self, source: str) -> str:
        """A copy through SQLite's backup API, which reads the WAL too."""
        target = self.folder / f"copy-{uuid.uuid4().hex[:8]}.sqlite3"
        with sqlite3.connect(make_url(source).database) as src, sqlite3.connect(target) as dst:
            src.backup(dst)
        src.close()
        dst.close()
        return f"sqlite:///{target}"

    def drop(self, url: str) -> None:
        path = Path(make_url(url).database or "")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


class PostgresBackend:
    name = "postgresql"

    def __init__(self, admin_url: str) -> None:
        self.admin = make_url(admin_url)
        self.created: list[str] = []

    def _admin(self, sql: str) -> Any:
        """Run one statement on the admin database, outside a transaction; its first value, if any."""
        engine = sa.create_engine(self.admin, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                result = connection.execute(sa.text(sql))
                return result.scalar() if result.returns_rows else None
        finally:
            engine.dispose()

    def answers(self) -> bool:
        engine = sa.create_engine(self.admin, connect_args={"connect_timeout": 3})
        try:
            with engine.connect() as connection:
                connection.execute(sa.text("SELECT 1"))
            return True
        except sa.exc.OperationalError:
            return False
        finally:
            engine.dispose()

    def version(self) -> str:
        return str(self._admin("SHOW server_version")).split()[0]

    def _new(self, template: str | None = None) -> str:
        name = f"coordinator_bench_{uuid.uuid4().hex[:12]}"
        self.created.append(name)  # before it exists: dropped at the end whatever happens
        self._admin(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        return self.admin.set(database=name).render_as_string(hide_password=False)

    def create(self) -> str:
        return self._new()

    def copy(self, source: str) -> str:
        """CREATE DATABASE ... TEMPLATE: a file-level copy (the source has no connections then)."""
        return self._new(make_url(source).database)

    def drop(self, url: str) -> None:
        name = make_url(url).database
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if name in self.created:
            self.created.remove(name)

    def drop_all(self) -> None:
        for name in list(self.created):
            self.drop(self.admin.set(database=name).render_as_string(hide_password=False))


@contextmanager
def opened(url: str) -> Iterator[sa.Engine]:
    """An engine as the app makes it, its connection opened outside any clock; disposed after."""
    engine = make_engine(url)
    with engine.connect():
        pass
    try:
        yield engine
    finally:
        engine.dispose()


# -- the steps -----------------------------------------------------------------------------------

def fill(url: str, scale: str, seed: int) -> float:
    """Migrate and generate; the seconds `generate` took, committed."""
    upgrade(url)
    with opened(url) as engine, make_session_factory(engine)() as session:
        started = perf_counter()
        generate(session, scale=scale, now=GENERATED_AT, seed=seed)
        session.commit()
        return perf_counter() - started


def plan_all(url: str, profile: cProfile.Profile | None = None) -> tuple[float, int]:
    """Plan every district's term, committing each; the seconds and how many meetings were added."""
    with opened(url) as engine, make_session_factory(engine)() as session:
        codes = list(session.scalars(sa.select(District.code).order_by(District.code)))
        session.rollback()
        added = 0
        if profile is not None:
            profile.enable()
        started = perf_counter()
        for code in codes:
            added += plan_district_term(session, code, TERM, actor="bench", now=PLANNED_AT).added
            session.commit()
        elapsed = perf_counter() - started
        if profile is not None:
            profile.disable()
        return elapsed, added


def counts(url: str) -> tuple[int, int, int]:
    with opened(url) as engine, engine.connect() as connection:
        count = lambda table: connection.scalar(sa.select(sa.func.count()).select_from(table))  # noqa: E731
        return count(District), count(Meeting), count(Invitation)


def planned_rows(url: str) -> dict[Any, tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]]:
    """The plan's meeting and invitation rows as the driver returns them, by district."""
    with opened(url) as engine:
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute(f"SELECT {', '.join(MEETING_COLUMNS)} FROM meeting ORDER BY id")
            meetings = cursor.fetchall()
            cursor.execute(f"SELECT {', '.join(INVITATION_COLUMNS)} FROM invitation ORDER BY meeting_id, person_id")
            invitations = cursor.fetchall()
        finally:
            raw.close()
    district_of = {row[MEETING_COLUMNS.index("id")]: row[MEETING_COLUMNS.index("district_id")] for row in meetings}
    by_district: dict[Any, tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]] = defaultdict(lambda: ([], []))
    for row in meetings:
        by_district[row[MEETING_COLUMNS.index("district_id")]][0].append(tuple(row))
    for row in invitations:
        by_district[district_of[row[INVITATION_COLUMNS.index("meeting_id")]]][1].append(tuple(row))
    return dict(by_district)


def insert_plain(url: str, rows: dict[Any, tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]]) -> float:
    """The baseline: the same rows with the driver's executemany, committed per district; the seconds."""
    with opened(url) as engine:
        mark = "?" if engine.dialect.name == "sqlite" else "%s"
        insert_meeting = (f"INSERT INTO meeting ({', '.join(MEETING_COLUMNS)}) "
                          f"VALUES ({', '.join([mark] * len(MEETING_COLUMNS))})")
        insert_invitation = (f"INSERT INTO invitation ({', '.join(INVITATION_COLUMNS)}) "
                             f"VALUES ({', '.join([mark] * len(INVITATION_COLUMNS))})")
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            started = perf_counter()
            for meetings, invitations in rows.values():
                cursor.executemany(insert_meeting, meetings)
                cursor.executemany(insert_invitation, invitations)
                raw.commit()
            return perf_counter() - started
        finally:
            raw.close()


def measure(backend: Any, *, scale: str, seed: int, runs: int,
            profile: cProfile.Profile | None = None) -> dict[str, Any]:
    """Generate once, then `runs` interleaved pairs in fresh copies: plan and plan again, and the baseline
    (the first pair plans first, as the baseline inserts the rows that plan wrote; then alternately)."""
    source = backend.create()
    try:
        generate_seconds = fill(source, scale, seed)
        plans, replans, baselines = [], [], []
        rows, found = None, None

        def planned(last: bool) -> None:
            nonlocal rows, found
            url = backend.copy(source)
            try:
                seconds, added = plan_all(url, profile if last else None)
                again, added_again = plan_all(url)
                if added_again:
                    raise AssertionError(f"planning again added {added_again} meetings")
                plans.append(seconds)
                replans.append(again)
                if rows is None:
                    found, rows = counts(url), planned_rows(url)
                    if found[1] != added:
                        raise AssertionError(f"planning added {added} meetings but {found[1]} are stored")
            finally:
                backend.drop(url)

        def inserted() -> None:
            assert rows is not None
            url = backend.copy(source)
            try:
                baselines.append(insert_plain(url, rows))
            finally:
                backend.drop(url)

        for run in range(runs):
            if run % 2 == 0:
                planned(run == runs - 1)
                inserted()
            else:
                inserted()
                planned(run == runs - 1)
    finally:
        backend.drop(source)
    assert found is not None
    districts, meetings, invitations = found
    return {
        "backend": backend.name, "version": backend_version(backend), "scale": scale, "seed": seed, "term": TERM,
        "districts": districts, "meetings": meetings, "invitations": invitations, "runs": runs,
        "generate_seconds": round(generate_seconds, 3),
        "plan_seconds": spread(plans), "plan_again_seconds": spread(replans), "baseline_seconds": spread(baselines),
        "plan_to_baseline": spread(ratios(plans, baselines)),
        "runs_seconds": {"plan": [round(s, 3) for s in plans], "plan_again": [round(s, 3) for s in replans],
                         "baseline": [round(s, 3) for s in baselines]},
    }


def figures(results: list[dict[str, Any]], target: float | None) -> list[dict[str, Any]]:
    """The table's rows: per database measured, the plan against the executemany baseline, and planning again."""
    rows = []
    for r in results:
        if "skipped" in r:
            continue
        plans, baselines = r["runs_seconds"]["plan"], r["runs_seconds"]["baseline"]
        with_target = target is not None and r["backend"] == "sqlite"
        rows.append(figure(
            f"plan every district's {r['term']}, {r['backend']} ({r['meetings']:,} meetings, "
            f"{r['invitations']:,} invitations)", plans, "s",
            baseline="the same rows by the driver's executemany", baseline_values=baselines,
            ratio=ratios(plans, baselines), target=f"< {target:g} s" if with_target else None,
            met=r["plan_seconds"]["median"] < target if with_target and target is not None else None))
        rows.append(figure(f"plan again (adds nothing), {r['backend']}", r["runs_seconds"]["plan_again"], "s"))
    return rows


def backend_version(backend: Any) -> str:
    try:
        return backend.version()
    except Exception:  # a version is nice to have in the results, never worth failing for
        return "?"


# -- running it ----------------------------------------------------------------------------------

def postgres_url() -> str:
    return os.environ.get("COORDINATOR_TEST_POSTGRES_URL") or DEFAULT_POSTGRES


def table(results: list[dict[str, Any]], runs_note: str) -> list[str]:
    header = ("database", "generate", f"plan ({runs_note})", "plan again", "baseline", "plan/baseline",
              "meetings", "invitations")
    lines = []
    for r in results:
        if "skipped" in r:
            lines.append((r["backend"], "skipped: " + r["skipped"]))
            continue
        plan = r["plan_seconds"]
        between = f" ({plan['min']:.2f}–{plan['max']:.2f})" if plan["n"] > 1 else ""
        lines.append((
            f"{r['backend']} {r['version']}", f"{r['generate_seconds']:.2f} s",
            f"{plan['median']:.2f} s{between}", f"{r['plan_again_seconds']['median']:.2f} s",
            f"{r['baseline_seconds']['median']:.2f} s", f"{r['plan_to_baseline']['median']:.1f}×",
            f"{r['meetings']:,}", f"{r['invitations']:,}"))
    full = [row for row in lines if len(row) == len(header)]
    widths = [max(len(str(row[i])) for row in [header, *full]) for i in range(len(header))]
    out = ["  ".join(str(cell).ljust(width) for cell, width in zip(header, widths)).rstrip(),
           "  ".join("-" * width for width in widths)]
    for row in lines:
        out.append("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)).rstrip()
                   if len(row) == len(header) else "  ".join(row))
    return out


def run(*, scale: str, name: str, title: str, runs: int, pg_runs: int, postgres: bool, profile: bool,
        target: float | None) -> int:
    print(title, flush=True)
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at the start", flush=True)
    results: list[dict[str, Any]] = []
    profiler = cProfile.Profile() if profile else None
    load_before = load_average()
    with tempfile.TemporaryDirectory(prefix="coordinator-bench-") as folder:
        results.append(measure(SQLiteBackend(Path(folder)), scale=scale, seed=1, runs=runs, profile=profiler))
    if not postgres:
        results.append({"backend": "postgresql", "skipped": "not asked for"})
    else:
        pg = PostgresBackend(postgres_url())
        if not pg.answers():
            results.append({"backend": "postgresql",
                            "skipped": f"no PostgreSQL answers at {make_url(postgres_url()).render_as_string()}"})
        else:
            try:
                results.append(measure(pg, scale=scale, seed=1, runs=pg_runs))
            finally:
                pg.drop_all()
    print()
    pg_measured = "skipped" not in results[-1]
    for line in table(results, f"median of {runs}" + (f"/{pg_runs}" if pg_measured and pg_runs != runs else "")):
        print(line)
    sqlite = results[0]
    verdict = None
    if target is not None:
        verdict = sqlite["plan_seconds"]["median"] < target
        print(f"\ntarget (issue 3): plan < {target:g} s on SQLite -> "
              f"{sqlite['plan_seconds']['median']:.2f} s, {'met' if verdict else 'NOT met'}")
    if profiler is not None:
        print("\nwhere the time goes (the last SQLite plan under cProfile, the coordinator's functions by "
              "cumulative time; the profiler slows everything down):")
        pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative").print_stats("coordinator/", 25)
    print()
    write_result(name, {
        "title": title, "scale": scale, "term": TERM, "runs": runs, "pg_runs": pg_runs,
        "figures": figures(results, target), "target_seconds": target, "target_met": verdict,
        "databases": results,
    }, engine="sqlite" if not pg_measured else "sqlite and postgresql", load_at_start=load_before)
    return 0


def arguments(runs: int, pg_runs: int) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=runs, help="interleaved runs on SQLite (min / median / max)")
    parser.add_argument("--pg-runs", type=int, default=pg_runs, help="interleaved runs on PostgreSQL (min / median / max)")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--profile", action="store_true", help="profile the last SQLite plan")
    parser.add_argument("--scale", choices=("city", "tiny"), default="city", help="tiny: the tests' smoke run")
    return parser.parse_args()


def main() -> int:
    args = arguments(runs=5, pg_runs=3)
    scale = SCALES[args.scale]
    return run(scale=args.scale, name="plan_city" if args.scale == "city" else f"plan_city_{args.scale}",
               title=f"Planning a whole city term ({TERM}): {scale.districts} districts, {scale.schools} schools",
               runs=args.runs, pg_runs=args.pg_runs, postgres=not args.no_postgres, profile=args.profile,
               target=TARGET_SECONDS)


if __name__ == "__main__":
    sys.exit(main())
