"""Benchmark data: a fictional municipality (or the country) at benchmark scale, the same for the same seed.

- `scales.py`: what each scale holds (`city`: Stockholm's 11 districts and 420 schools;
  `national`: 290 municipalities and 6,100 schools, Stockholm drawn as in `city`; `tiny` for tests).
- `organisation.py`: `build(scale, seed)` draws the organisation as plain values (districts,
  units, schools, people, deputies, agreements) from a `random.Random` per municipality: pure.
- `writing.py`: `generate(session, scale=..., now=..., seed=..., history_years=0)` writes it into an
  empty database (refusing one with data); the caller commits.
- `history.py`: with `history_years`, school years of meetings as they went (answers, attendance,
  minutes, action items, yearly revisions of the agreements), for the follow-up.
- `command.py`: `coordinator bench generate --scale city|national [--seed N] [--history-years N]`.

Every scale has, per district, one agreement with the demo's district meeting forms (defaults of
`agreements/defaults.py`, the district's place, video link and weekdays) and all its schools as
parties; per municipality, the city's steering-group agreement and the terms HT2027 and VT2028 of
the demo. Everything is fictional: school-unit codes start with 998 (the demo's with 999), the
small municipalities' codes with 9, and email addresses end in the reserved `.example` domain.
"""
from coordinator.bench.command import bench
from coordinator.bench.organisation import build
from coordinator.bench.scales import SCALES, DatabaseNotEmpty
from coordinator.bench.writing import generate

__all__ = ["SCALES", "DatabaseNotEmpty", "bench", "build", "generate"]
