"""Benchmark: the product's pages under load, as ratios to one indexed query on the same stack (issue 16).

1. **Data**: `coordinator.bench.generate(scale=…, history_years=…)` up to now in an empty database
   (PostgreSQL by default, `--sqlite` for SQLite), then one district's HT2027 planned and published
   (a city-sized district: about 170 meetings and 1,900 invitations), logins for the district's
   director and the city administrator, secret feed links for `FEEDS` of its invitees, and the RSVP
   links of `LINKS` invitations; `VACUUM ANALYZE` on PostgreSQL.
2. **Server**: gunicorn, `--workers` sync workers on loopback, serving `bench.web_app` (the product plus
   `/bench/baseline`, one SELECT of a row by its primary key).
3. **Load**: wrk keeps `--clients` connections (8 and 50 by default) busy for `--seconds` per page; each
   round runs the baseline first and last and every page between them, the order reversed every other
   round. Each page's throughput and p99 are divided by the mean of its round's two baseline runs.
   A page spread over many URLs (the RSVP links, the feeds) is requested round-robin by a wrk script.
4. **Memory**: after the load, the peak resident size (VmHWM) of each web worker.

Every figure is reported as min / median / max over the rounds; `bench/results/web_<engine>.json` keeps
them with the machine and versions. `--size tiny` is the smoke run of the tests (seconds).

    python -m bench.web [--size city|tiny] [--sqlite] [--clients 8 50] [--rounds 3] [--seconds 5]
                        [--history-years 2] [--only rsvp_get,feed_304]
"""
from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench.plan_city import PostgresBackend, opened, postgres_url
from bench.recording import spread, write_result
from coordinator.auth.services import create_user
from coordinator.bench import generate
from coordinator.db import make_session_factory
from coordinator.invitations.feeds import create_feed
from coordinator.invitations.ics import Party
from coordinator.invitations.messages import MailContext
from coordinator.invitations.tokens import make_token
from coordinator.migrate import upgrade
from coordinator.org.models import District, Municipality
from coordinator.planning.models import Invitation, Meeting
from coordinator.planning.services import plan_district_term, publish
from coordinator.terms.models import Term

GUNICORN = Path(sys.executable).parent / "gunicorn"
SECRET_KEY = "bench-secret-key"
PASSWORD = "bench-password-1234"
DIRECTOR, CITY_ADMIN = "bench.director@stockholm.example", "bench.city@stockholm.example"
TERM = "HT2027"
LINKS, FEEDS = 200, 20
BENCH_LIMIT = "1000000 per minute"
TARGETS = {"2x": 2.0, "5x": 5.0, "3x": 3.0}


@dataclass
class Page:
    """What wrk asks for: one or more paths (round-robin), as whom, GET or a form POST."""
    name: str
    paths: list[str]
    target: float  # the page's throughput and p99 within this many times the baseline's
    login: str | None = None
    method: str = "GET"
    bodies: list[str] = field(default_factory=list)  # POST: form bodies, round-robin
    etags: list[str] = field(default_factory=list)  # If-None-Match per path (the 304 case)


@dataclass
class World:
    url: str
    district: str
    term: str
    followup_term: str
    meeting_id: int
    rsvp_tokens: list[str]
    feed_tokens: list[str]
    counts: dict[str, int]


# -- the data -----------------------------------------------------------------------------------

def fill(url: str, size: str, history_years: int, now: datetime) -> World:
    """Generate, plan and publish one district's HT2027, logins and links (not timed)."""
    upgrade(url)
    with opened(url) as engine, make_session_factory(engine)() as session:
        generate(session, scale=size, now=now, seed=1, history_years=history_years)
        session.commit()
        stockholm = session.scalars(sa.select(Municipality).where(Municipality.code == "0180")).one()
        district = session.scalars(sa.select(District).where(District.municipality_id == stockholm.id)
                                   .order_by(District.id)).first()
        assert district is not None
        plan_district_term(session, district, TERM, actor="bench", now=now)
        publish(session, district, TERM, actor="bench", now=now,  # queues the invitations, as the web's publish does
                mail=MailContext(Party("Samverkan", "samverkan@stockholm.example"), "http://127.0.0.1", SECRET_KEY,
                                 "Europe/Stockholm", "127.0.0.1"))
        create_user(session, DIRECTOR, "district_director", district.code, PASSWORD, now, name="Bench Director",
                    actor="bench")
        create_user(session, CITY_ADMIN, "city_admin", None, PASSWORD, now, name="Bench City", actor="bench")
        term_id = session.scalar(sa.select(Term.id).where(Term.municipality_id == stockholm.id, Term.name == TERM))
        invitations = session.execute(
            sa.select(Invitation.meeting_id, Invitation.person_id, Invitation.rsvp_key)
            .join(Meeting, Meeting.id == Invitation.meeting_id)
            .where(Meeting.district_id == district.id, Meeting.term_id == term_id, Invitation.removed_at.is_(None))
            .order_by(Invitation.meeting_id, Invitation.person_id)).all()
        step = max(1, len(invitations) // LINKS)
        rsvp_tokens = [make_token(SECRET_KEY, *row) for row in invitations[::step][:LINKS]]
        people = list(dict.fromkeys(row.person_id for row in invitations))[:FEEDS]
        from coordinator.org.models import Person
        feed_tokens = [create_feed(session, session.get_one(Person, p), actor="bench", now=now) for p in people]
        meeting_id = session.scalar(sa.select(Meeting.id).where(Meeting.district_id == district.id, Meeting.term_id == term_id)
                                    .order_by(Meeting.starts_at).limit(1))
        from coordinator.followup.services import current_term
        followup_term = current_term(session, stockholm, now)
        session.commit()
        counts = {"meetings": session.scalar(sa.select(sa.func.count()).select_from(Meeting)) or 0,
                  "invitations": session.scalar(sa.select(sa.func.count()).select_from(Invitation)) or 0,
                  "district_invitations": len(invitations)}
        world = World(url, district.code, TERM, followup_term.name if followup_term else TERM, meeting_id or 0,
                      rsvp_tokens, feed_tokens, counts)
    if url.startswith("postgresql"):
        with opened(url) as engine, engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(sa.text("VACUUM ANALYZE"))
    return world


def pages(world: World) -> list[Page]:
    d, t = world.district, world.term
    return [
        Page("rsvp_get", [f"/rsvp/{token}" for token in world.rsvp_tokens], 2.0),
        Page("rsvp_post", [f"/rsvp/{token}" for token in world.rsvp_tokens], 2.0, method="POST",
             bodies=["answer=accepted", "answer=declined"]),
        Page("feed_200", [f"/feeds/{token}.ics" for token in world.feed_tokens], 2.0),
        Page("feed_304", [f"/feeds/{token}.ics" for token in world.feed_tokens], 2.0),
        Page("meeting", [f"/districts/{d}/terms/{t}/meetings/{world.meeting_id}"], 2.0, login=DIRECTOR),
        Page("district", [f"/districts/{d}"], 2.0, login=DIRECTOR),
        Page("planning", [f"/districts/{d}/terms/{t}/plan"], 5.0, login=DIRECTOR),
        Page("followup_district", [f"/districts/{d}/followup?term={world.followup_term}"], 3.0, login=DIRECTOR),
        Page("followup_city", [f"/followup?term={world.followup_term}"], 3.0, login=CITY_ADMIN),
        Page("followup_schools", [f"/districts/{d}/followup/schools"], 3.0, login=CITY_ADMIN),
    ]


# -- the server and the load ----------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def server(url: str, workers: int, app: str = "bench.web_app:app") -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """gunicorn serving `app` on loopback; its base URL and process while it runs (a slow page must not get
    its worker killed: the timeout is 600 s, not gunicorn's 30)."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="coordinator-bench-web-") as instance:
        env = {**os.environ, "COORDINATOR_DATABASE_URL": url, "COORDINATOR_INSTANCE_PATH": instance,
               "COORDINATOR_SECRET_KEY": SECRET_KEY, "COORDINATOR_MAIL_URL": f"file://{instance}/mail",
               "COORDINATOR_BASE_URL": f"http://127.0.0.1:{port}",
               # the abuse limits stay on (every request is counted, as in production) but high enough that wrk,
               # one client address, gets the pages: with the defaults (30 answers, 60 feeds a minute per
               # address) all but the first requests of a run were 429 pages, which is what earlier runs measured
               **{f"COORDINATOR_RATE_LIMIT_{name}": BENCH_LIMIT for name in ("ANSWER", "FEED", "SIGN_IN")}}
        process = subprocess.Popen(
            [str(GUNICORN), "--workers", str(workers), "--bind", f"127.0.0.1:{port}", "--backlog", "2048",
             "--timeout", "600", "--log-level", "warning", app],
            env=env, cwd=Path(__file__).parent.parent)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"{base}/healthz", timeout=5):
                        break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError("gunicorn did not start") from None
                    time.sleep(0.3)
            yield base, process
        finally:
            process.terminate()
            process.wait(timeout=30)


def log_in(base: str, email: str) -> str:
    """Log in through the login form; the Cookie header that carries the session."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(f"{base}/login") as response:
        token = csrf_token(response.read().decode())
    form = urllib.parse.urlencode({"csrf_token": token, "email": email, "password": PASSWORD}).encode()
    with opener.open(f"{base}/login", data=form):
        pass
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def csrf_token(page: str) -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert found is not None, "no CSRF token on the page"
    return found.group(1)


def fetch(base: str, path: str, headers: dict[str, str], data: bytes | None = None) -> tuple[int, bytes, Any]:
    request = urllib.request.Request(base + path, headers=headers, data=data)
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=300) as response:
            return response.status, response.read(), response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def prepare(base: str, page: Page, cookies: dict[str, str]) -> dict[str, Any]:
    """Headers and bodies of the page's requests, checked once each: the status every request must get."""
    headers = {"Cookie": cookies[page.login]} if page.login in cookies else {}
    if page.method == "POST":  # the answer's button: the link is the secret, no cookie or CSRF token (decision 69)
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        status, _, _ = fetch(base, page.paths[0], headers, page.bodies[0].encode())
        expected = 302
    else:
        status, body, answer = fetch(base, page.paths[0], headers)
        expected = 200
        if page.name == "feed_304":
            page.etags = [fetch(base, path, headers)[2]["ETag"] for path in page.paths]
            status = fetch(base, page.paths[0], {**headers, "If-None-Match": page.etags[0]})[0]
            expected = 304
    if status != expected:
        raise RuntimeError(f"{page.name}: {page.paths[0]} answered {status}, expected {expected}")
    return headers


def lua_script(page: Page, headers: dict[str, str], folder: Path) -> Path:
    """A wrk script asking for the page's paths round-robin (with the ETag or form body of each)."""
    def lua(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    lines = [f"paths = {{{', '.join(lua(p) for p in page.paths)}}}",
             f"etags = {{{', '.join(lua(e) for e in page.etags)}}}",
             f"bodies = {{{', '.join(lua(b) for b in page.bodies)}}}",
             f"wrk.method = {lua(page.method)}"]
    lines += [f"wrk.headers[{lua(k)}] = {lua(v)}" for k, v in headers.items()]
    lines += ["n = 0", "request = function()", "  n = n + 1", "  local i = (n % #paths) + 1",
              "  local h = wrk.headers",
              "  if #etags > 0 then h['If-None-Match'] = etags[i] end",
              "  local body = nil", "  if #bodies > 0 then body = bodies[(n % #bodies) + 1] end",
              "  return wrk.format(nil, paths[i], h, body)", "end"]
    script = folder / f"{page.name}.lua"
    script.write_text("\n".join(lines) + "\n")
    return script


def wrk(base: str, clients: int, seconds: float, script: Path | None = None, path: str = "/",
        headers: dict[str, str] | None = None) -> dict[str, float]:
    """One wrk run: p50 and p99 in ms, requests per second, and the errors (non-2xx/3xx, timeouts, sockets)."""
    command = ["wrk", "-t", str(min(2, clients)), "-c", str(clients), "-d", f"{max(1, round(seconds))}s",
               "--timeout", "30s", "--latency"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    if script is not None:
        command += ["-s", str(script)]
    out = subprocess.run(command + [base + path], capture_output=True, text=True, check=True).stdout
    latency = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)\s*$", out, re.M))
    if set(latency) != {"50", "99"} or " 0 requests in" in out:
        # nothing finished within the run: a bound, not a measurement (at most one request in the run)
        run_ms = max(1, round(seconds)) * 1000.0
        return {"p50_ms": run_ms, "p99_ms": run_ms, "rps": 1 / max(1, round(seconds)), "requests": 0, "errors": 0,
                "none_finished": 1}
    # only wrk's own error lines ("Thread Stats", "KB read" and the latencies are not errors)
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    status = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = sum(int(n) for n in socket.groups()) if socket else 0
    errors += int(status.group(1)) if status else 0
    return {"p50_ms": _ms(latency["50"]), "p99_ms": _ms(latency["99"]),
            "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
            "requests": int(re.search(r"(\d+) requests in", out).group(1)), "errors": errors}  # type: ignore[union-attr]


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(\w+)", text).groups()  # type: ignore[union-attr]
    return round(float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit], 2)


def drain(base: str) -> None:
    """Wait until the server has worked off what wrk left queued (else it is served in the next run)."""
    with urllib.request.urlopen(f"{base}/healthz", timeout=900) as response:
        response.read()


def worker_peaks(process: subprocess.Popen[bytes]) -> list[float]:
    """Peak resident size (MB) of each of gunicorn's workers (its children)."""
    peaks = []
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    for pid in children.read_text().split() if children.exists() else []:
        status = Path(f"/proc/{pid}/status").read_text()
        found = re.search(r"VmHWM:\s+(\d+) kB", status)
        if found:
            peaks.append(round(int(found.group(1)) / 1024, 1))
    return peaks


def jobs_memory(url: str) -> dict[str, Any]:
    """`coordinator jobs run-once` as its own process after the district's publish: every sweep and the delivery
    of the published invitations (to .eml files); its peak resident memory from wait4, and how many it sent."""
    with tempfile.TemporaryDirectory(prefix="coordinator-bench-jobs-") as folder:
        env = {k: v for k, v in os.environ.items() if not k.startswith("COORDINATOR_")}
        env.update(COORDINATOR_DATABASE_URL=url, COORDINATOR_MAIL_URL=f"file://{folder}/mail",
                   COORDINATOR_INSTANCE_PATH=f"{folder}/instance", COORDINATOR_SECRET_KEY=SECRET_KEY)
        with open(f"{folder}/run-once.log", "wb") as output:
            process = subprocess.Popen([str(Path(sys.executable).parent / "coordinator"), "jobs", "run-once"], env=env,
                                       stdout=output, stderr=subprocess.STDOUT)
            _, status, usage = os.wait4(process.pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise RuntimeError(f"jobs run-once failed:\n{Path(folder, 'run-once.log').read_text()[-3000:]}")
        sent = sum(1 for _ in Path(folder, "mail").rglob("*.eml")) if Path(folder, "mail").exists() else 0
    return {"peak_rss_mb": round(usage.ru_maxrss / 1024, 1), "messages_sent": sent}


def load(world: World, chosen: list[Page], *, workers: int, clients: list[int], seconds: float,
         rounds: int) -> dict[str, Any]:
    results: dict[str, Any] = {"pages": {}, "baseline": {}}
    with server(world.url, workers) as (base, process), tempfile.TemporaryDirectory() as folder:
        cookies = {login: log_in(base, login) for login in {p.login for p in chosen} if login and "@" in login}
        scripts = {p.name: lua_script(p, prepare(base, p, cookies), Path(folder)) for p in chosen}
        for page in chosen:  # warm the workers: imports, templates, caches, connections
            for n in range(workers):
                fetch(base, page.paths[n % len(page.paths)], {"Cookie": cookies.get(page.login or "", "")})
            # then one untimed run over all its paths: each worker builds what it keeps per version (a feed's body
            # by its ETag, the follow-up's facts) once, as a worker that has been up for a while has; without it a
            # short run of the 20 feeds measured 80 cold builds (4 workers × 20 feeds), not serving a feed
            wrk(base, max(clients), seconds, scripts[page.name], page.paths[0])
            drain(base)
        for c in clients:
            runs: dict[str, list[dict[str, Any]]] = {p.name: [] for p in chosen}
            baselines: list[dict[str, Any]] = []
            for n in range(rounds):
                order = chosen if n % 2 == 0 else chosen[::-1]
                first = wrk(base, c, seconds, path="/bench/baseline")
                drain(base)
                measured = {}
                for page in order:
                    measured[page.name] = wrk(base, c, seconds, scripts[page.name], page.paths[0])
                    drain(base)
                last = wrk(base, c, seconds, path="/bench/baseline")
                drain(base)
                baseline = {k: (first[k] + last[k]) / 2 for k in ("p50_ms", "p99_ms", "rps")}
                baselines += [first, last]
                for name, m in measured.items():
                    runs[name].append({**m, "ratio_rps": round(baseline["rps"] / m["rps"], 3),
                                       "ratio_p99": round(m["p99_ms"] / baseline["p99_ms"], 3)})
                print(f"  {c} clients, round {n + 1}: baseline {baseline['rps']:.0f} req/s, "
                      + ", ".join(f"{k} {v['rps']:.0f}" for k, v in measured.items()), flush=True)
            results["baseline"][str(c)] = summary(baselines)
            for page in chosen:
                results["pages"].setdefault(page.name, {"target": page.target, "paths": len(page.paths)})
                results["pages"][page.name][str(c)] = {**summary(runs[page.name]), "runs": runs[page.name]}
        results["worker_peak_mb"] = worker_peaks(process)
    return results


def summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    keys = [k for k in ("rps", "p50_ms", "p99_ms", "ratio_rps", "ratio_p99", "errors") if k in runs[0]]
    found: dict[str, Any] = {k: spread([r[k] for r in runs]) for k in keys}
    found["runs_with_none_finished"] = sum(r.get("none_finished", 0) for r in runs)
    return found


# -- running it ------------------------------------------------------------------------------------

def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=("city", "tiny"), default="city")
    parser.add_argument("--sqlite", action="store_true", help="SQLite in a temporary folder, not PostgreSQL")
    parser.add_argument("--clients", type=int, nargs="+", default=[8, 50])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--history-years", type=int, default=2)
    parser.add_argument("--only", help="comma-separated page names")
    parser.add_argument("--jobs-only", action="store_true", help="only the jobs process's memory after the publish")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    if shutil.which("wrk") is None:
        print("wrk is missing: apt-get install -y wrk", file=sys.stderr)
        return 1
    now = datetime.now(UTC).replace(microsecond=0)
    engine = "sqlite" if args.sqlite else "postgresql"
    pg = PostgresBackend(postgres_url())
    with tempfile.TemporaryDirectory(prefix="coordinator-bench-") as folder:
        try:
            url = f"sqlite:///{folder}/web.sqlite3" if args.sqlite else pg.create()
            started = time.perf_counter()
            world = fill(url, args.size, args.history_years, now)
            print(f"web load on {engine}, {args.size}: {world.counts}, filled in "
                  f"{time.perf_counter() - started:.0f} s", flush=True)
            results: dict[str, Any] = {}
            if not args.jobs_only:
                chosen = [p for p in pages(world) if not args.only or p.name in args.only.split(",")]
                results = load(world, chosen, workers=args.workers, clients=args.clients, seconds=args.seconds,
                               rounds=args.rounds)
            results["jobs"] = jobs_memory(url)
            print(f"jobs process after the publish: {results['jobs']}", flush=True)
        finally:
            pg.drop_all()
    results["data"] = {"size": args.size, "history_years": args.history_years, **world.counts}
    results["settings"] = {"workers": args.workers, "clients": args.clients, "seconds": args.seconds,
                           "rounds": args.rounds}
    if not args.jobs_only:
        print_summary(results)
    name = f"web_{engine}" + ("" if args.size == "city" else f"_{args.size}") + ("_jobs" if args.jobs_only else "")
    write_result(name, results, engine=engine, postgres=None if args.sqlite else pg)
    return 0


def print_summary(results: dict[str, Any]) -> None:
    print(f"\n{'page':<20} {'clients':>7} {'req/s':>8} {'p99 ms':>9} {'base/page':>10} {'p99/base':>9} target")
    for name, page in results["pages"].items():
        for c, figures in page.items():
            if not isinstance(figures, dict):
                continue
            print(f"{name:<20} {c:>7} {figures['rps']['median']:>8.1f} {figures['p99_ms']['median']:>9.1f} "
                  f"{figures['ratio_rps']['median']:>9.2f}× {figures['ratio_p99']['median']:>8.2f}× "
                  f"{page['target']}×")
    print(f"web workers' peak memory: {results['worker_peak_mb']} MB")


if __name__ == "__main__":
    sys.exit(main())
