"""Benchmark: a subscription feed of about 200 meetings over HTTP, built (200) and unchanged (304).

Issue 12: a calendar that already holds the feed asks again with If-None-Match and must be
answered 304 without the feed being built: about one query. Steps:

1. a migrated database (SQLite in a temporary folder, `--postgres` a PostgreSQL database of its own,
   or `--database-url`) with the demo, and
   `--meetings` published meetings of Norrviken's operative forum in HT2027, each inviting its
   series' people, added by hand at distinct times (not timed);
2. a secret link for the own feed of one person invited to every one of them;
3. **200**: `GET /feeds/<token>.ics` through the Flask test client;
4. **304**: the same GET with the ETag of the first answer in If-None-Match;

alternately, after a warm-up, `--runs` of each (min / median / max; the 304 over the 200 per pair);
the SQL statements each request runs are counted with an engine event. Prints the figures and
writes bench/results/feed_http_<engine>.json (`--name` elsewhere) through `bench.recording.write_result`.

    python -m bench.feed_http [--meetings 200] [--runs 30] [--postgres | --database-url URL] [--name NAME]
"""
from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from time import perf_counter
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from bench.plan_city import PostgresBackend, postgres_url
from bench.recording import figure, load_average, ratios, spread, write_result
from coordinator import create_app
from coordinator.agreements.models import Agreement, AgreementVersion, MeetingForm, VersionStatus
from coordinator.config import Settings
from coordinator.db import make_engine, make_session_factory
from coordinator.demo import load_demo
from coordinator.invitations.feeds import create_feed
from coordinator.migrate import upgrade
from coordinator.org.models import District, Person
from coordinator.planning.services import add_meeting, publish

NOW = datetime(2027, 5, 3, 8, 0, tzinfo=UTC)
FORM = "Lokalt operativt samverkansforum"


def fill(database_url: str, meetings: int) -> str:
    """The demo with `meetings` published meetings of one series; the feed token of one of its invitees."""
    engine = make_engine(database_url)
    with make_session_factory(engine)() as session:
        load_demo(session, now=NOW)
        form = session.scalars(sa.select(MeetingForm).join(MeetingForm.version).join(AgreementVersion.agreement)
                               .join(Agreement.district).where(MeetingForm.name == FORM, District.code == "NORRVIKEN",
                                                               AgreementVersion.status == VersionStatus.ACTIVE)).one()
        stockholm = ZoneInfo("Europe/Stockholm")
        day, added, first = datetime(2027, 8, 23, tzinfo=stockholm), 0, None
        while added < meetings:
            if day.weekday() < 5:
                for hour in (8, 10, 13, 15):
                    if added < meetings:
                        starts_at = day.replace(hour=hour)
                        meeting = add_meeting(session, form, "HT2027", starts_at, starts_at + timedelta(hours=1),
                                              actor="bench", now=NOW)
                        first = first or meeting
                        added += 1
            day += timedelta(days=1)
        publish(session, "NORRVIKEN", "HT2027", actor="bench", now=NOW)
        invitee = session.get_one(Person, first.invitations[0].person_id)
        token = create_feed(session, invitee, actor="bench", now=NOW)
        session.commit()
    engine.dispose()
    return token


def measure(database_url: str, token: str, runs: int, instance: Path) -> dict[str, Any]:
    settings = dataclasses.replace(
        # one feed asked for many times a second: the abuse limit would answer 429 (COORDINATOR_RATE_LIMITS)
        Settings.from_env({"COORDINATOR_INSTANCE_PATH": str(instance), "COORDINATOR_SECRET_KEY": "bench",
                           "COORDINATOR_RATE_LIMITS": "off"}),
        database_url=database_url)
    app = create_app(settings)
    statements = [0]
    sa.event.listen(app.extensions["coordinator.engine"], "before_cursor_execute",
                    lambda *args, **kwargs: statements.__setitem__(0, statements[0] + 1))
    client, url = app.test_client(), f"/feeds/{token}.ics"
    first = client.get(url)
    assert first.status_code == 200, first.status
    etag = first.headers["ETag"]
    events = first.data.count(b"BEGIN:VEVENT")

    def timed(headers: dict[str, str], status: int) -> tuple[float, int]:
        before = statements[0]
        started = perf_counter()
        response = client.get(url, headers=headers)
        seconds = perf_counter() - started
        assert response.status_code == status, response.status
        return seconds, statements[0] - before

    for _ in range(3):  # warm-up
        timed({}, 200)
        timed({"If-None-Match": etag}, 304)
    full, conditional, full_statements, conditional_statements = [], [], 0, 0
    for run in range(runs):
        order = ((({}, 200), ({"If-None-Match": etag}, 304)) if run % 2 == 0
                 else (({"If-None-Match": etag}, 304), ({}, 200)))
        for headers, status in order:
            seconds, count = timed(headers, status)
            if status == 200:
                full.append(seconds)
                full_statements = count
            else:
                conditional.append(seconds)
                conditional_statements = count
    app.extensions["coordinator.engine"].dispose()
    full_ms, conditional_ms = [t * 1000 for t in full], [t * 1000 for t in conditional]
    return {"events": events, "bytes": len(first.data), "runs": runs,
            "full_ms": spread(full_ms), "conditional_ms": spread(conditional_ms),
            "conditional_to_full": spread(ratios(conditional_ms, full_ms)),
            "full_statements": full_statements, "conditional_statements": conditional_statements,
            "runs_ms": {"full": [round(t, 2) for t in full_ms], "conditional": [round(t, 2) for t in conditional_ms]},
            "figures": [
                figure(f"GET of a feed of {events} meetings, 200 (built; {full_statements} SQL statements)", full_ms, "ms"),
                figure(f"the same GET with its ETag, 304 (unchanged; {conditional_statements} SQL statements)",
                       conditional_ms, "ms", baseline="the 200 (built) beside it", baseline_values=full_ms,
                       ratio=ratios(conditional_ms, full_ms)),
            ]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--meetings", type=int, default=200)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--database-url", help="an empty database (default: SQLite in a temporary folder)")
    parser.add_argument("--postgres", action="store_true",
                        help="a PostgreSQL database of its own (COORDINATOR_TEST_POSTGRES_URL's server), dropped after")
    parser.add_argument("--name", help="the results file's name (default feed_http_<engine>)")
    args = parser.parse_args()
    load_before = load_average()
    pg = PostgresBackend(postgres_url()) if args.postgres else None
    if pg is not None and not pg.answers():
        print(f"no PostgreSQL answers at {postgres_url()}", file=sys.stderr)
        return 1
    try:
        with tempfile.TemporaryDirectory() as folder:
            database_url = args.database_url or (pg.create() if pg else f"sqlite:///{folder}/feed.sqlite3")
            upgrade(database_url)
            token = fill(database_url, args.meetings)
            result = measure(database_url, token, args.runs, Path(folder) / "instance")
    finally:
        if pg is not None:
            pg.drop_all()
    engine = sa.engine.make_url(database_url).get_backend_name()
    full, conditional = result["full_ms"], result["conditional_ms"]
    print(f"A feed of {result['events']} meetings ({result['bytes']:,} bytes) over HTTP, {engine}, "
          f"median (min–max) of {args.runs} runs")
    print(f"  200 (built)      {full['median']:8.2f} ms ({full['min']:.2f}–{full['max']:.2f})  "
          f"{result['full_statements']:3d} SQL statements")
    print(f"  304 (unchanged)  {conditional['median']:8.2f} ms ({conditional['min']:.2f}–{conditional['max']:.2f})  "
          f"{result['conditional_statements']:3d} SQL statements")
    write_result(args.name or f"feed_http_{engine}", {
        "title": f"A personal feed of {result['events']} meetings over HTTP (Flask test client), {engine}", **result},
        engine=engine, postgres=pg, load_at_start=load_before)
    return 0


if __name__ == "__main__":
    sys.exit(main())
