"""Every benchmark of `make bench` runs at a tiny size and writes its results file (issue 16).

The full runs take minutes and are not tests; these smoke runs show that each benchmark still works
with the code as it is (a renamed function, a changed page, a migration) and writes
`<name>.json` with the machine and its figures. Each is a process of its own, as `make bench` runs it,
writing into a temporary folder (COORDINATOR_BENCH_RESULTS), and the file must have the common shape
(`bench.recording.write_result`: the machine, the versions, every figure min ≤ median ≤ max) and make a
table in `bench.tables`. They need PostgreSQL where the full run does (tests/conftest.py: skipped without
it, failed under CI=true) and wrk for the web load.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bench import tables
from bench.recording import figure, ratios
from tests.conftest import require_postgres

ROOT = Path(__file__).parent.parent.parent

# (module and its tiny arguments, the file it writes, whether it needs PostgreSQL); the `_tiny` names are
# what the smoke runs are called anywhere (gitignored in bench/results/, never the committed measurements)
SMOKE = [
    (["bench.plan_city", "--scale", "tiny", "--runs", "2", "--no-postgres"], "plan_city_tiny", False),
    (["bench.fanout", "--messages", "30", "--runs", "2", "--name", "fanout_tiny"], "fanout_tiny", False),
    (["bench.feed", "--meetings", "4", "--runs", "3", "--name", "feed_tiny"], "feed_tiny", False),
    (["bench.publish", "--messages", "20", "--runs", "2", "--publish-runs", "1", "--name", "publish_tiny"],
     "publish_tiny", False),
    (["bench.feed_http", "--meetings", "3", "--runs", "3", "--name", "feed_http_tiny"], "feed_http_tiny", False),
    (["bench.reminders", "--scale", "tiny", "--copies", "2", "--runs", "2", "--no-postgres"], "reminders_tiny", False),
    (["bench.web", "--size", "tiny", "--sqlite", "--clients", "2", "--rounds", "1", "--seconds", "1",
      "--history-years", "0", "--workers", "1", "--only", "rsvp_get,feed_304"], "web_sqlite_tiny", False),
    (["bench.fanout_scale", "--messages", "40", "--senders", "2", "--rounds", "1", "--batch-size", "10",
      "--name", "fanout_scale_tiny"], "fanout_scale_tiny", True),
    (["bench.followup", "--scale", "tiny", "--history-years", "1", "--no-national", "--rounds", "1", "--seconds", "1",
      "--clients", "2", "--workers", "1", "--report", "bench.followup:committee_report_pdf"], "followup_tiny", True),
]


def spreads(node: Any) -> Iterator[dict[str, Any]]:
    """Every min / median / max figure in a results file."""
    if isinstance(node, dict):
        if {"min", "median", "max"} <= node.keys():
            yield node
        for value in node.values():
            yield from spreads(value)
    elif isinstance(node, list):
        for value in node:
            yield from spreads(value)


def assert_common_shape(result: dict[str, Any], name: str) -> None:
    """What `bench.recording.write_result` writes: the machine with the versions and the commit, and each timed
    figure as min ≤ median ≤ max over its repetitions; a benchmark of its own format lists its table's rows."""
    assert result["benchmark"] == name
    machine = result["machine"]
    assert machine["cpus"] and machine["platform"] and "commit" in machine and machine["load_average"]
    assert machine["versions"]["python"] and machine["versions"]["sqlalchemy"]
    found = list(spreads(result["results"]))
    assert found, "no figure kept as min / median / max"
    for figure in found:
        assert figure["min"] <= figure["median"] <= figure["max"], figure
    if not name.startswith(("web_", "fanout_scale")):
        rows = result["results"]["figures"]
        assert rows and all(row["what"] and row["unit"] and row["value"]["n"] >= 1 for row in rows)
        for row in rows:
            if "ratio" in row:  # per pair of interleaved repetitions: as many ratios as figures
                assert row["baseline"]["value"]["n"] == row["value"]["n"] >= row["ratio"]["n"]
            if "target" in row:
                assert row["met"] in (True, False)


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
    assert [path.name for path in tmp_path.glob("*.json")] == [f"{written}.json"]
    result = json.loads((tmp_path / f"{written}.json").read_text())
    assert_common_shape(result, written)
    lines = tables.table(written, result)
    header = next(n for n, line in enumerate(lines) if line.startswith("| "))
    assert lines[header + 1].startswith("|---") and lines[header + 2].startswith("| "), "\n".join(lines)
    if "figures" in result["results"]:
        assert sum(line.startswith("| ") for line in lines[header + 2:]) == len(result["results"]["figures"])


def test_a_figures_table_shows_baseline_figure_ratio_and_target() -> None:
    result = {"benchmark": "feed", "measured_at": "2026-12-03T20:00:00+00:00",
              "machine": {"cpus": 2, "commit": "abc1234", "load_average": [1.5, 1, 1], "versions": {"python": "3.11"}},
              "results": {"title": "A calendar feed", "figures": [
                  figure("`ics.feed()` of 500 meetings", [120.0, 125.0, 131.0], "ms", baseline="bare icalendar",
                         baseline_values=[118.0, 124.0, 150.0], ratio=ratios([120.0, 125.0, 131.0], [118.0, 124.0, 150.0]),
                         target="≤ 1.3×", met=True),
                  figure("a figure with no baseline", [2.0], "s")]}}
    lines = tables.table("feed", result)
    assert lines[0].startswith("**A calendar feed** (`feed.json`; each figure median (min–max) over 1–3 interleaved "
                               "repetitions, each ratio per pair of them;")
    assert "commit abc1234" in lines[0]
    assert lines[2:] == [
        "| what | baseline | figure | ratio | target | met |", "|---|---|---|---|---|---|",
        "| `ics.feed()` of 500 meetings | bare icalendar: 124.0 ms (118.0–150.0) | 125.0 ms (120.0–131.0) | "
        "1.01× (0.87–1.02) | ≤ 1.3× | yes |",
        "| a figure with no baseline | — | 2.00 s | — | — |  |", ""]


def test_the_documents_tables_are_the_committed_results() -> None:
    """docs/PERFORMANCE.md's and docs/SCALING.md's generated sections are what `python -m bench.tables` makes
    of bench/results/ (after `make bench`, run `python -m bench.tables` and commit both)."""
    assert tables.main(["--check"]) == 0, "the documents' tables are not bench/results/: python -m bench.tables"
