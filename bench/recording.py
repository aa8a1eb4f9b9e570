"""What every benchmark writes: `bench/results/<name>.json` with the machine, the versions and the figures.

A figure measured over interleaved repetitions is kept as `spread(values)`: min, median and max.
A benchmark's headline figures are also listed as `figure(...)` rows under `results["figures"]` (what,
its baseline, the figure, the ratio to the baseline, the target and whether it was met), which
`bench.tables` renders as one table per file; `docs/PERFORMANCE.md`'s tables are generated from these
files (`python -m bench.tables`).
"""
from __future__ import annotations

import json
import os
import platform
import sqlite3
import statistics
import subprocess
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

# `COORDINATOR_BENCH_RESULTS` elsewhere: the tests' smoke runs write to a temporary folder
RESULTS = Path(os.environ.get("COORDINATOR_BENCH_RESULTS") or Path(__file__).parent / "results")


def spread(values: list[float]) -> dict[str, float]:
    """min, median and max of the repetitions' values."""
    return {"min": round(min(values), 3), "median": round(statistics.median(values), 3),
            "max": round(max(values), 3), "n": len(values)}


def ratios(figures: list[float], baselines: list[float]) -> list[float]:
    """Each figure over the baseline measured beside it (the same interleaved repetition), pair by pair."""
    if len(figures) != len(baselines):
        raise ValueError(f"{len(figures)} figures against {len(baselines)} baselines: not pairs")
    return [f / b for f, b in zip(figures, baselines)]


def figure(what: str, values: list[float], unit: str, *, baseline: str | None = None,
           baseline_values: list[float] | None = None, ratio: list[float] | None = None,
           ratio_of: str = "figure / baseline", target: str | None = None, met: bool | None = None) -> dict[str, Any]:
    """One row of a benchmark's table: the figure's spread over its repetitions and, when it has one, the
    baseline's spread beside it and the ratio's, computed per pair of interleaved repetitions (`ratios`);
    `target` as the docs say it ("≤ 1.3×", "< 2 s") and whether the median met it."""
    row: dict[str, Any] = {"what": what, "unit": unit, "value": spread(values)}
    if baseline is not None:
        row["baseline"] = {"what": baseline, "value": spread(baseline_values) if baseline_values else None}
    if ratio:
        row["ratio"] = {**spread(ratio), "of": ratio_of}
    if target is not None:
        row["target"], row["met"] = target, met
    return row


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              cwd=Path(__file__).parent, check=False).stdout.strip()
    except OSError:
        return ""


COMMIT = _commit()  # when the benchmark started: the code it measured, even if HEAD moves during the run


def load_average() -> list[float]:
    """The 1-, 5- and 15-minute load averages: this machine is shared, so they say how busy it was."""
    return [round(x, 2) for x in os.getloadavg()]


def machine(postgres: Any = None) -> dict[str, Any]:
    """The machine and the versions a result was measured with."""
    commit = COMMIT
    versions = {"python": platform.python_version(), "sqlite": sqlite3.sqlite_version}
    for package in ("flask", "sqlalchemy", "gunicorn", "psycopg", "icalendar", "aiosmtpd"):
        try:
            versions[package] = version(package)
        except Exception:  # noqa: BLE001 - a version we cannot read is left out
            pass
    if postgres is not None:
        try:
            versions["postgresql"] = postgres.version()
        except Exception:  # noqa: BLE001
            pass
    return {"cpus": os.cpu_count(), "platform": platform.platform(), "commit": commit,
            "load_average": load_average(), "versions": versions}


def write_result(name: str, results: dict[str, Any], *, engine: str | None = None, postgres: Any = None,
                 folder: Path | None = None, load_at_start: list[float] | None = None) -> Path:
    folder = folder or RESULTS
    folder.mkdir(parents=True, exist_ok=True)
    output = folder / f"{name}.json"
    measured = machine(postgres)
    if load_at_start is not None:
        measured["load_average_at_start"] = load_at_start
    output.write_text(json.dumps({
        "benchmark": name, "engine": engine, "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": measured, "results": results}, indent=2, ensure_ascii=False, default=str) + "\n")
    print(f"written to {output}")
    return output
