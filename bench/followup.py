"""Benchmark: the follow-up (issue 11) on PostgreSQL, against one indexed query on the same stack.

1. **Data**: `coordinator.bench.generate(scale="city", history_years=10)` up to now (11 districts,
   420 schools, 20 terms of held meetings with answers, attendance, minutes and action items), and
   the `national` scale (290 municipalities; Stockholm the same as in `city`, the others with at
   most 3 years of history), each in a PostgreSQL database of its own, analysed, dropped at the end.
2. **City view over HTTP**: gunicorn (`--workers`, sync) on loopback serving `bench.followup_app`;
   a city administrator logs in through the login form, and wrk, with that session cookie,
   keeps `--clients` connections busy for `--seconds` against the subject (`--path`, by default the
   stand-in `/bench/city?term={term}`; after the merge `/followup?term={term}`) and the baseline
   (`/bench/baseline`: one primary-key SELECT through the same app), interleaved over `--rounds`
   rounds in alternating order. Reported: p50, p99 and requests per second of each, and the
   subject's as ratios to the baseline's of the same round (median, min, max over rounds).
3. **District view, city-sized vs national-sized database**: `followup.services.district_followup`
   for the same district (Stockholm's first) and term in both databases, interleaved; the ratio of
   the medians (national / city), per round and overall.
4. **Committee report**: `--report module:function` (by default `committee_report_pdf` below, the PDF as
   `coordinator report --format pdf` makes it) is called as `function(session, district, term, now)` for
   the same district-term and timed, when it can be imported (else reported as missing).

`--index "CREATE INDEX …"` (repeatable) tries an index on both data sets before it has a migration.

Each figure is kept as min / median / max over the rounds, a ratio per round. Prints a table and writes
bench/results/followup.json (`followup_tiny.json` at `--scale tiny`) through `bench.recording.write_result`.
Needs wrk (`apt-get install wrk`).

    python -m bench.followup [--rounds 3] [--seconds 15] [--clients 50] [--workers 4] [--path …]
                             [--history-years 10] [--no-national] [--report module:function]
"""
from __future__ import annotations

import argparse
import http.cookiejar
import importlib
import os
import re
import shutil
import statistics
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bench import web
from bench.plan_city import PostgresBackend, opened, postgres_url
from bench.recording import figure, load_average, spread, write_result
from coordinator.auth.services import create_user
from coordinator.bench import SCALES, generate
from coordinator.db import make_session_factory
from coordinator.followup.services import current_term, district_followup
from coordinator.migrate import upgrade
from coordinator.org.models import District, Municipality
from coordinator.planning.models import Invitation, Meeting
from coordinator.terms.models import Term

P99_TARGET_MS = 300
RATIO_TARGET = 1.5
THROUGHPUT_RATIO_TARGET = 3.0  # issue 16: the follow-up views within 3× of the baseline
REPORT_TARGET_S = 1.0
DEFAULT_REPORT = "bench.followup:committee_report_pdf"
ADMIN, PASSWORD = "bench.admin@stockholm.example", "bench-password-1234"


# -- the data ---------------------------------------------------------------------------------

def fill(url: str, scale: str, years: int, now: datetime, indexes: list[str]) -> dict[str, Any]:
    """Migrate, generate with history, add the city administrator's login, create `indexes` (statements, to
    try an index before its migration), vacuum and analyse; what was made and how long."""
    upgrade(url)
    with opened(url) as engine, make_session_factory(engine)() as session:
        started = time.perf_counter()
        created = generate(session, scale=scale, now=now, seed=1, history_years=years)
        session.commit()
        seconds = time.perf_counter() - started
        create_user(session, ADMIN, "city_admin", None, PASSWORD, now, name="Bench Admin", actor="bench")
        session.commit()
        count = lambda table: session.scalar(sa.select(sa.func.count()).select_from(table))  # noqa: E731
        meetings, invitations = count(Meeting), count(Invitation)
    with opened(url) as engine, engine.connect() as connection:
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        for statement in indexes:
            connection.execute(sa.text(statement))
        connection.execute(sa.text("VACUUM ANALYZE"))  # as autovacuum would have by now: statistics, visibility
    return {"scale": scale, "history_years": years, "generate_seconds": round(seconds, 1), "indexes": indexes,
            "meetings": meetings, "invitations": invitations, "created": dict(created)}


def the_term(url: str, now: datetime) -> str:
    """The name of the term under way (the city view's default)."""
    with opened(url) as engine, make_session_factory(engine)() as session:
        stockholm = session.scalars(sa.select(Municipality).where(Municipality.code == "0180")).one()
        term = current_term(session, stockholm, now)
        assert term is not None
        return term.name


# -- the server and the load ------------------------------------------------------------------

@contextmanager
def server(url: str, workers: int) -> Iterator[str]:
    """gunicorn serving bench.followup_app on loopback (`bench.web.server`); its base URL while it runs."""
    with web.server(url, workers, app="bench.followup_app:app") as (base, _process):
        yield base


def log_in(base: str) -> str:
    """Log in through the login form as the city administrator; the Cookie header that carries the session."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(f"{base}/login") as response:
        page = response.read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert token is not None, "no CSRF token on the login page"
    form = urllib.parse.urlencode({"csrf_token": token.group(1), "email": ADMIN, "password": PASSWORD}).encode()
    with opener.open(f"{base}/login", data=form):
        pass
    cookies = "; ".join(f"{c.name}={c.value}" for c in jar)
    request = urllib.request.Request(f"{base}/bench/city?term=none", headers={"Cookie": cookies})
    try:
        urllib.request.urlopen(request)
    except urllib.error.HTTPError as error:
        assert error.code == 404, f"the login did not take: {error.code}"  # logged in: an unknown term
    return cookies


def check(base: str, path: str, cookies: str) -> int:
    """GET once; the size of the page (raises on anything but 200)."""
    request = urllib.request.Request(base + path, headers={"Cookie": cookies})
    with urllib.request.urlopen(request, timeout=120) as response:
        return len(response.read())


def wrk(base: str, path: str, cookies: str, clients: int, seconds: int) -> dict[str, float]:
    """One wrk run with the session cookie (`bench.web.wrk`): p50, p99, requests per second, errors."""
    return web.wrk(base, clients, seconds, path=path, headers={"Cookie": cookies})


drain = web.drain


def city_over_http(url: str, path: str, *, workers: int, clients: int, seconds: int, rounds: int) -> dict[str, Any]:
    with server(url, workers) as base:
        cookies = log_in(base)
        sizes = {"subject": check(base, path, cookies), "baseline": check(base, "/bench/baseline", cookies)}
        for target in ("/bench/baseline", path):  # warm every worker: imports, caches, connections
            wrk(base, target, cookies, workers, 5)
            drain(base)
        runs: list[dict[str, Any]] = []
        for n in range(rounds):
            order = [("baseline", "/bench/baseline"), ("subject", path)]
            measured = {}
            for name, target in order if n % 2 == 0 else order[::-1]:
                measured[name] = wrk(base, target, cookies, clients, seconds)
                drain(base)
            runs.append(measured)
            print(f"  round {n + 1}: subject p50 {measured['subject']['p50_ms']} ms, p99 "
                  f"{measured['subject']['p99_ms']} ms, {measured['subject']['rps']} req/s; baseline p50 "
                  f"{measured['baseline']['p50_ms']} ms, p99 {measured['baseline']['p99_ms']} ms, "
                  f"{measured['baseline']['rps']} req/s", flush=True)
    ratios = {key: [r["subject"][key] / r["baseline"][key] for r in runs] for key in ("p50_ms", "p99_ms", "rps")}
    return {"path": path, "workers": workers, "clients": clients, "seconds": seconds, "page_bytes": sizes,
            "runs": runs, "subject_p99_ms": spread([r["subject"]["p99_ms"] for r in runs]),
            "subject_p50_ms": spread([r["subject"]["p50_ms"] for r in runs]),
            "subject_rps": spread([r["subject"]["rps"] for r in runs]),
            "baseline_p99_ms": spread([r["baseline"]["p99_ms"] for r in runs]),
            "baseline_rps": spread([r["baseline"]["rps"] for r in runs]),
            "ratio_p50": spread(ratios["p50_ms"]), "ratio_p99": spread(ratios["p99_ms"]),
            "ratio_rps": spread(ratios["rps"])}


# -- in-process timings -------------------------------------------------------------------------

@contextmanager
def district_term(url: str, term_name: str) -> Iterator[tuple[Session, District, Term]]:
    """A session on `url` with Stockholm's first district and the term: the same shape in both data sets."""
    with opened(url) as engine, make_session_factory(engine)() as session:
        stockholm = session.scalars(sa.select(Municipality).where(Municipality.code == "0180")).one()
        district = session.scalars(sa.select(District).where(District.municipality_id == stockholm.id)
                                   .order_by(District.id)).first()
        term = session.scalars(sa.select(Term).where(Term.municipality_id == stockholm.id,
                                                     Term.name == term_name)).one()
        assert district is not None
        yield session, district, term


def timed(call: Callable[[], Any], session: Session, times: int) -> list[float]:
    """Seconds per call, each with a fresh identity map (as a new request would have)."""
    found = []
    for _ in range(times):
        session.expire_all()
        started = time.perf_counter()
        call()
        found.append(time.perf_counter() - started)
    return found


def district_ratio(city_url: str, national_url: str, term_name: str, now: datetime, *, rounds: int,
                   calls: int) -> dict[str, Any]:
    """district_followup on both databases, interleaved; the medians and their ratio per round."""
    with district_term(city_url, term_name) as (city, city_district, city_term), \
            district_term(national_url, term_name) as (national, national_district, national_term):
        assert (city_district.code, city_term.name) == (national_district.code, national_term.name)
        cases = {"city": lambda: district_followup(city, city_district, city_term, now),
                 "national": lambda: district_followup(national, national_district, national_term, now)}
        sessions = {"city": city, "national": national}
        for name, call in cases.items():  # warm: imports, the connection, the holidays calendar
            timed(call, sessions[name], 2)
        runs = []
        for n in range(rounds):
            order = list(cases) if n % 2 == 0 else list(cases)[::-1]
            medians = {name: statistics.median(timed(cases[name], sessions[name], calls)) for name in order}
            runs.append({name: round(seconds * 1000, 1) for name, seconds in medians.items()})
            print(f"  round {n + 1}: district view {runs[-1]['city']} ms (city), {runs[-1]['national']} ms "
                  f"(national)", flush=True)
    return {"district": city_district.code, "term": term_name, "calls_per_round": calls, "runs_ms": runs,
            "city_ms": spread([r["city"] for r in runs]), "national_ms": spread([r["national"] for r in runs]),
            "ratio": spread([r["national"] / r["city"] for r in runs])}


def report_time(url: str, term_name: str, now: datetime, target: str, calls: int) -> dict[str, Any]:
    """The committee report of one district-term, if `module:function` exists: seconds per call."""
    module_name, _, name = target.partition(":")
    with district_term(url, term_name) as (session, district, term):
        try:
            function = getattr(importlib.import_module(module_name), name)
            function(session, district, term, now)  # warm, and find out whether what it calls exists
        except (ImportError, AttributeError) as error:
            return {"function": target, "skipped": f"not there yet ({error})"}
        seconds = timed(lambda: function(session, district, term, now), session, calls)
    return {"function": target, "district": district.code, "term": term_name, "seconds": spread(seconds),
            "runs": [round(x, 3) for x in seconds]}


def committee_report_pdf(session: Session, district: District, term: Term, now: datetime) -> bytes:
    """The committee report's PDF as `coordinator report --format pdf` writes it (gathered, then drawn)."""
    from coordinator.followup.report import committee_report
    from coordinator.followup.report_pdf import report_pdf

    return bytes(report_pdf(committee_report(session, district, term, now)))


# -- running it ---------------------------------------------------------------------------------

def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (medians over them)")
    parser.add_argument("--seconds", type=int, default=15, help="seconds of load per wrk run")
    parser.add_argument("--clients", type=int, default=50, help="concurrent connections")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--path", default="/bench/city?term={term}",
                        help="the city view's path; {term} is the term under way (e.g. /followup?term={term})")
    parser.add_argument("--history-years", type=int, default=10)
    parser.add_argument("--no-national", action="store_true", help="skip the national data set (and the ratio)")
    parser.add_argument("--scale", choices=("city", "tiny"), default="city", help="tiny: the tests' smoke run")
    parser.add_argument("--report", default=DEFAULT_REPORT, help="the committee report's module:function")
    parser.add_argument("--name", help="the results file's name (default followup, or followup_tiny at --scale tiny)")
    parser.add_argument("--index", action="append", default=[], metavar="SQL",
                        help="a CREATE INDEX statement to run on both data sets after generating (repeatable)")
    return parser.parse_args()


def main() -> int:
    args = arguments()
    if shutil.which("wrk") is None:
        print("wrk is missing: apt-get install -y wrk", file=sys.stderr)
        return 1
    pg = PostgresBackend(postgres_url())
    if not pg.answers():
        print(f"no PostgreSQL answers at {postgres_url()}", file=sys.stderr)
        return 1
    now = datetime.now(UTC).replace(microsecond=0)
    load_before = load_average()
    print(f"Follow-up benchmark on PostgreSQL {pg.version()}: {os.cpu_count()} cores, load {load_before[0]:.2f}",
          flush=True)
    results: dict[str, Any] = {}
    try:
        city_url = pg.create()
        print(f"generating the city with {args.history_years} years of history ...", flush=True)
        results["city_data"] = fill(city_url, args.scale, args.history_years, now, args.index)
        term = the_term(city_url, now)
        path = args.path.format(term=term)
        print(f"  {results['city_data']['generate_seconds']} s; the city view {path} over HTTP:", flush=True)
        results["city_view"] = city_over_http(city_url, path, workers=args.workers, clients=args.clients,
                                              seconds=args.seconds, rounds=args.rounds)
        results["report"] = report_time(city_url, term, now, args.report, calls=5)
        if not args.no_national:
            national_url = pg.create()
            print(f"generating the national data set ({SCALES['national'].municipality_count} municipalities) ...",
                  flush=True)
            results["national_data"] = fill(national_url, "national", args.history_years, now, args.index)
            print(f"  {results['national_data']['generate_seconds']} s; the district view on both:", flush=True)
            results["district_view"] = district_ratio(city_url, national_url, term, now, rounds=args.rounds,
                                                      calls=7)
    finally:
        pg.drop_all()
    verdicts = print_summary(results)
    print()
    write_result(args.name or ("followup" if args.scale == "city" else f"followup_{args.scale}"), {
        "title": (f"The follow-up on PostgreSQL ({args.scale} data, {args.history_years} years of history), against "
                  "one indexed query on the same stack"),
        "figures": figures(results),
        "targets": {"city_view_p99_ms": P99_TARGET_MS, "city_view_throughput_ratio": THROUGHPUT_RATIO_TARGET,
                    "district_view_ratio": RATIO_TARGET, "report_seconds": REPORT_TARGET_S},
        "verdicts": verdicts, **results}, engine="postgresql", postgres=pg, load_at_start=load_before)
    return 0


def figures(results: dict[str, Any]) -> list[dict[str, Any]]:
    """The table's rows: the city view over HTTP against the baseline (p99, throughput), the district view on the
    national data set against the city's, the committee report."""
    view = results["city_view"]
    subject, baseline = [r["subject"] for r in view["runs"]], [r["baseline"] for r in view["runs"]]
    where = f"{view['path']}, {view['clients']} clients, {view['workers']} workers"
    p99_ratio = [s["p99_ms"] / b["p99_ms"] for s, b in zip(subject, baseline)]
    # as bench.web: the baseline's throughput over the page's (a round where the page finished nothing has none)
    rps_ratio = [b["rps"] / s["rps"] for s, b in zip(subject, baseline) if s["rps"]]
    rows = [
        figure(f"city view p99 ({where})", [s["p99_ms"] for s in subject], "ms",
               baseline="/bench/baseline: one primary-key SELECT", baseline_values=[b["p99_ms"] for b in baseline],
               ratio=p99_ratio, target=f"< {P99_TARGET_MS} ms",
               met=view["subject_p99_ms"]["median"] < P99_TARGET_MS),
        figure(f"city view throughput ({where})", [s["rps"] for s in subject], "req/s",
               baseline="/bench/baseline: one primary-key SELECT", baseline_values=[b["rps"] for b in baseline],
               ratio=rps_ratio, ratio_of="baseline / figure", target=f"≤ {THROUGHPUT_RATIO_TARGET:g}×",
               met=bool(rps_ratio) and statistics.median(rps_ratio) <= THROUGHPUT_RATIO_TARGET),
    ]
    if "district_view" in results:
        d = results["district_view"]
        national, city = [r["national"] for r in d["runs_ms"]], [r["city"] for r in d["runs_ms"]]
        rows.append(figure(f"district view {d['district']} {d['term']}, national data set", national, "ms",
                           baseline="the same, city data set", baseline_values=city,
                           ratio=[n / c for n, c in zip(national, city)], target=f"≤ {RATIO_TARGET:g}×",
                           met=d["ratio"]["median"] <= RATIO_TARGET))
    report = results["report"]
    if "skipped" not in report:
        rows.append(figure(f"committee report {report['district']} {report['term']} ({report['function']})",
                           report["runs"], "s",
                           target=f"< {REPORT_TARGET_S:g} s", met=report["seconds"]["median"] < REPORT_TARGET_S))
    return rows


def print_summary(results: dict[str, Any]) -> dict[str, Any]:
    verdicts: dict[str, Any] = {}
    view = results["city_view"]
    print(f"\ncity view {view['path']} ({view['clients']} clients, {view['workers']} workers, "
          f"{len(view['runs'])} rounds of {view['seconds']} s; median (min–max)):")
    for label, key, unit in (("p50", "subject_p50_ms", "ms"), ("p99", "subject_p99_ms", "ms"),
                             ("throughput", "subject_rps", "req/s"), ("baseline p99", "baseline_p99_ms", "ms"),
                             ("baseline throughput", "baseline_rps", "req/s"), ("p50 / baseline", "ratio_p50", "×"),
                             ("p99 / baseline", "ratio_p99", "×"), ("throughput / baseline", "ratio_rps", "×")):
        s = view[key]
        print(f"  {label:<22} {s['median']:>10,.2f} {unit}  ({s['min']:,.2f}–{s['max']:,.2f})")
    verdicts["city_view_p99_met"] = view["subject_p99_ms"]["median"] < P99_TARGET_MS
    print(f"  target p99 < {P99_TARGET_MS} ms: {'met' if verdicts['city_view_p99_met'] else 'NOT met'}")
    if "district_view" in results:
        d = results["district_view"]
        print(f"district view {d['district']} {d['term']}: city {d['city_ms']['median']} ms, national "
              f"{d['national_ms']['median']} ms; ratio {d['ratio']['median']:.2f} "
              f"({d['ratio']['min']:.2f}–{d['ratio']['max']:.2f})")
        verdicts["district_ratio_met"] = d["ratio"]["median"] <= RATIO_TARGET
        print(f"  target ratio <= {RATIO_TARGET}: {'met' if verdicts['district_ratio_met'] else 'NOT met'}")
    report = results["report"]
    if "skipped" in report:
        print(f"committee report {report['function']}: skipped, {report['skipped']}")
    else:
        verdicts["report_met"] = report["seconds"]["median"] < REPORT_TARGET_S
        print(f"committee report {report['function']}: {report['seconds']['median']} s "
              f"({'met' if verdicts['report_met'] else 'NOT met'}, target < {REPORT_TARGET_S} s)")
    return verdicts


if __name__ == "__main__":
    sys.exit(main())
