"""Benchmark: a subscription feed of about 200 meetings over HTTP, built (200) and unchanged (304).

Issue 12: a calendar that already holds the feed asks again with If-None-Match and must be
answered 304 without the feed being built: about one query. Steps:

1. a migrated database (SQLite in a temporary folder, or `--database-url`) with the demo, and
   `--meetings` published meetings of Norrviken's operative forum in HT2027, each inviting its
   series' people, added by hand at distinct times (not timed);
2. a secret link for the own feed of one person invited to every one of them;
3. **200**: `GET /feeds/<token>.ics` through the Flask test client;
4. **304**: the same GET with the ETag of the first answer in If-None-Match;

alternately, after a warm-up, each the median of `--runs`; the SQL statements each request runs
are counted with an engine event. Prints the figures and writes bench/results/feed_http.json.

    python -m bench.feed_http [--meetings 200] [--runs 30] [--database-url URL]
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import statistics
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from time import perf_counter
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from bench.recording import RESULTS
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
    return {"events": events, "bytes": len(first.data), "runs": runs,
            "full_ms": round(statistics.median(full) * 1000, 2),
            "conditional_ms": round(statistics.median(conditional) * 1000, 2),
            "full_statements": full_statements, "conditional_statements": conditional_statements}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--meetings", type=int, default=200)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--database-url", help="an empty database (default: SQLite in a temporary folder)")
    args = parser.parse_args()
    started_at, load_before = datetime.now(UTC), [round(x, 2) for x in os.getloadavg()]
    with tempfile.TemporaryDirectory() as folder:
        database_url = args.database_url or f"sqlite:///{folder}/feed.sqlite3"
        upgrade(database_url)
        token = fill(database_url, args.meetings)
        result = measure(database_url, token, args.runs, Path(folder) / "instance")
    engine = sa.engine.make_url(database_url).get_backend_name()
    print(f"A feed of {result['events']} meetings ({result['bytes']:,} bytes) over HTTP, {engine}, "
          f"median of {args.runs} runs")
    print(f"  200 (built)      {result['full_ms']:8.2f} ms  {result['full_statements']:3d} SQL statements")
    print(f"  304 (unchanged)  {result['conditional_ms']:8.2f} ms  {result['conditional_statements']:3d} SQL statements")
    RESULTS.mkdir(exist_ok=True)
    output = RESULTS / f"feed_http_{engine}.json"
    output.write_text(json.dumps({
        "benchmark": "feed_http", "measured_at": started_at.isoformat(timespec="seconds"), "engine": engine,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
                    "load_average_at_start": load_before,
                    "load_average_at_end": [round(x, 2) for x in os.getloadavg()]},
        "result": result,
    }, indent=2) + "\n")
    print(f"written to {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
