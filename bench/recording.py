"""What every benchmark writes: `bench/results/<name>.json` with the machine, the versions and the figures.

A figure measured over interleaved repetitions is kept as `spread(values)`: min, median and max.
`docs/PERFORMANCE.md`'s tables are generated from these files (`python -m bench.tables`).
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


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              cwd=Path(__file__).parent, check=False).stdout.strip()
    except OSError:
        return ""


COMMIT = _commit()  # when the benchmark started: the code it measured, even if HEAD moves during the run


def machine(postgres: Any = None) -> dict[str, Any]:
    """The machine and the versions a result was measured with."""
    commit = COMMIT
    versions = {"python": platform.python_version(), "sqlite": sqlite3.sqlite_version}
    for package in ("flask", "sqlalchemy", "gunicorn", "psycopg", "icalendar"):
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
            "load_average": [round(x, 2) for x in os.getloadavg()], "versions": versions}


def write_result(name: str, results: dict[str, Any], *, engine: str | None = None, postgres: Any = None,
                 folder: Path | None = None) -> Path:
    folder = folder or RESULTS
    folder.mkdir(parents=True, exist_ok=True)
    output = folder / f"{name}.json"
    output.write_text(json.dumps({
        "benchmark": name, "engine": engine, "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(postgres), "results": results}, indent=2, ensure_ascii=False, default=str) + "\n")
    print(f"written to {output}")
    return output
