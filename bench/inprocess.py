"""The pages' cost in-process: CPU ms of the web process and SQL statements per request, beside the baseline.

Steadier than wrk on a shared machine (a process's CPU time hardly moves with the machine's load), and what
the third pass of issue 16 measured with (docs/PERFORMANCE.md). `bench.web`'s city world is filled once into a
kept PostgreSQL database, then each page is called through Flask's test client:

    python -m bench.inprocess fill --db bench_keep           # 10-30 s; again after a migration
    python -m bench.inprocess run --db bench_keep [--n 30] [--only rsvp_get,meeting] [--pyinstrument PAGE]
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from bench.plan_city import postgres_url

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def database_url(name: str) -> str:
    return make_url(postgres_url()).set(database=name).render_as_string(hide_password=False)


def world_file(name: str) -> Path:
    return Path(tempfile.gettempdir()) / f"coordinator-inprocess-{name}.json"


def fill(name: str) -> None:
    from bench.web import fill as fill_world
    admin = sa.create_engine(postgres_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    world = fill_world(database_url(name), "city", 2, datetime.now(UTC).replace(microsecond=0))
    world_file(name).write_text(json.dumps(dataclasses.asdict(world)))
    print(f"kept in {name}; its links in {world_file(name)}")


def run(name: str, n: int, only: str | None, profile: str | None) -> None:
    world = SimpleNamespace(**json.loads(world_file(name).read_text()))
    instance = tempfile.mkdtemp(prefix="coordinator-inprocess-")
    os.environ.update(COORDINATOR_DATABASE_URL=database_url(name), COORDINATOR_INSTANCE_PATH=instance,
                      COORDINATOR_MAIL_URL=f"file://{instance}/mail", COORDINATOR_BASE_URL="http://127.0.0.1:5000",
                      **{f"COORDINATOR_RATE_LIMIT_{k}": "1000000 per minute" for k in ("ANSWER", "FEED", "SIGN_IN")})
    from bench.web import PASSWORD, SECRET_KEY, pages
    os.environ["COORDINATOR_SECRET_KEY"] = SECRET_KEY
    from bench.web_app import bench_app
    app = bench_app()
    statements = [0]
    sa.event.listen(app.extensions["coordinator.engine"], "before_cursor_execute",
                    lambda *_: statements.__setitem__(0, statements[0] + 1))

    def client_for(login: str | None) -> Any:
        client = app.test_client()
        if login and "@" in login:
            token = CSRF.search(client.get("/login").get_data(as_text=True)).group(1)  # type: ignore[union-attr]
            client.post("/login", data={"csrf_token": token, "email": login, "password": PASSWORD})
        return client

    baseline = SimpleNamespace(name="baseline", paths=["/bench/baseline"], login=None, method="GET", bodies=[])
    for page in [baseline] + [p for p in pages(world) if not only or p.name in only.split(",")]:
        client = client_for(page.login)
        found = CSRF.search(client.get(page.paths[0]).get_data(as_text=True)) if page.method == "POST" else None
        etags = {path: client.get(path).headers.get("ETag") for path in page.paths} if page.name == "feed_304" else {}

        def call(i: int) -> Any:
            path = page.paths[i % len(page.paths)]
            if page.method == "POST":
                form = dict(pair.split("=") for pair in page.bodies[i % len(page.bodies)].split("&"))
                response = client.post(path, data={**form, **({"csrf_token": found.group(1)} if found else {})})
            else:
                response = client.get(path, headers={"If-None-Match": etags[path]} if path in etags else {})
            assert response.status_code < 400, (page.name, response.status_code)
            return response

        for i in range(min(len(page.paths), 40) + 2):  # warm: imports, templates, per-process caches
            response = call(i)
        size = len(response.get_data())
        if profile == page.name:
            from pyinstrument import Profiler
            profiler = Profiler(interval=0.0005)
            profiler.start()
            for i in range(n):
                call(i)
            profiler.stop()
            print(profiler.output_text(unicode=True, color=False))
            continue
        statements[0] = 0
        started = time.process_time()
        for i in range(n):
            call(i)
        cpu = (time.process_time() - started) / n * 1000
        print(f"{page.name:<18} cpu {cpu:7.2f} ms  statements {statements[0] / n:5.1f}  bytes {size}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("fill", "run"))
    parser.add_argument("--db", default="bench_keep", help="the kept PostgreSQL database's name")
    parser.add_argument("--n", type=int, default=30, help="calls per page")
    parser.add_argument("--only", help="comma-separated page names (bench.web's)")
    parser.add_argument("--pyinstrument", metavar="PAGE", help="print a profile of PAGE instead of its figures")
    args = parser.parse_args(argv)
    if args.action == "fill":
        fill(args.db)
    else:
        run(args.db, args.n, args.only, args.pyinstrument)
    return 0


if __name__ == "__main__":
    sys.exit(main())
