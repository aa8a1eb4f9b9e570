"""Every benchmark of `make bench` runs at a tiny size and writes its results file (issue 16).

The full runs take minutes and are not tests; these smoke runs show that each benchmark still works
with the code as it is (a renamed function, a changed page, a migration) and writes
`<name>.json` with the machine and its figures. Each is a process of its own, as `make bench` runs it,
writing into a temporary folder (COORDINATOR_BENCH_RESULTS). They need PostgreSQL where the full run
does (tests/conftest.py: skipped without it, failed under CI=true) and wrk for the web load.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from tests.conftest import require_postgres

ROOT = Path(__file__).parent.parent.parent

# (module and its tiny arguments, the file it writes, whether it needs PostgreSQL)
SMOKE = [
    (["bench.plan_city", "--scale", "tiny", "--runs", "1", "--no-postgres"], "plan_city_tiny", False),
    (["bench.fanout", "--messages", "30", "--runs", "1"], "fanout", False),
    (["bench.feed", "--meetings", "4", "--runs", "1"], "feed", False),
    (["bench.publish", "--messages", "20", "--runs", "1", "--publish-runs", "1"], "publish", False),
    (["bench.feed_http", "--meetings", "3", "--runs", "1"], "feed_http_sqlite", False),
    (["bench.reminders", "--scale", "tiny", "--copies", "2", "--runs", "1", "--no-postgres"], "reminders", False),
    (["bench.web", "--size", "tiny", "--sqlite", "--clients", "2", "--rounds", "1", "--seconds", "1",
      "--history-years", "0", "--workers", "1", "--only", "rsvp_get,feed_304"], "web_sqlite_tiny", False),
    (["bench.fanout_scale", "--messages", "40", "--senders", "2", "--rounds", "1", "--batch-size", "10"],
     "fanout_scale", True),
    (["bench.followup", "--scale", "tiny", "--history-years", "1", "--no-national", "--rounds", "1", "--seconds", "1",
      "--clients", "2", "--workers", "1", "--report", "bench.followup:committee_report_pdf"], "followup", True),
]


@pytest.mark.parametrize(("command", "written", "postgres"), SMOKE, ids=[c[0][0] for c in SMOKE])
def test_each_benchmark_runs_at_a_tiny_size(tmp_path: Path, command: list[str], written: str, postgres: bool) -> None:
    if postgres:
        require_postgres()
    if command[0] in ("bench.web", "bench.followup") and shutil.which("wrk") is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("wrk is required under CI=true (make wrk)")
        pytest.skip("wrk is not installed (make wrk)")
    env = {**os.environ, "COORDINATOR_BENCH_RESULTS": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", *command], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=240)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    result = json.loads((tmp_path / f"{written}.json").read_text())
    assert result.get("machine", {}).get("cpus"), "the results name the machine they were measured on"
