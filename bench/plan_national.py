"""Benchmark: the `national` data set (6,100 schools in 307 districts of 290 municipalities), planned once.

No target of its own: it shows how generating and planning grow from the city (11 districts) to
a country's number of schools, each district still planned on its own. The steps are
plan_city's (generate, plan every district, plan again, the executemany baseline), one run
each, on SQLite; PostgreSQL only with --postgres, as it adds a few minutes.
Writes bench/results/plan_national.json.

    python -m bench.plan_national [--runs 1] [--postgres]
"""
from __future__ import annotations

import argparse
import sys

from bench.plan_city import TERM, run
from coordinator.bench import SCALES


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1, help="interleaved runs per database (min / median / max)")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL too, when it answers")
    parser.add_argument("--profile", action="store_true", help="profile the last SQLite plan")
    args = parser.parse_args()
    scale = SCALES["national"]
    return run(scale="national", name="plan_national",
               title=(f"Planning a national-size term ({TERM}): {len(scale.municipalities)} municipalities, "
                      f"{scale.districts} districts, {scale.schools:,} schools"),
               runs=args.runs, pg_runs=args.runs, postgres=args.postgres, profile=args.profile,
               target=None)


if __name__ == "__main__":
    sys.exit(main())
