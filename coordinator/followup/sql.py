"""Two SQL pieces the follow-up's aggregates need that SQLite and PostgreSQL spell differently.

- `epoch_days(moment)`: a stored time as days since 1970 (a float), so durations and deadlines
  are plain arithmetic on both engines (SQLite keeps UTC text, PostgreSQL timestamptz).
- `median(select, value, *keys)`: the median of `value` per group of `keys`, from window functions
  (both engines have them; SQLite has no percentile aggregate).
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

EPOCH_JULIAN_DAY = 2440587.5  # the Julian day of 1970-01-01 00:00 UTC


class epoch_days(FunctionElement[float]):
    """Days since 1970-01-01 UTC of a stored time, as a float."""
    type = sa.Float()
    inherit_cache = True
    name = "epoch_days"


@compiles(epoch_days, "postgresql")
def _epoch_days_postgresql(element: epoch_days, compiler: Any, **kw: Any) -> str:
    return f"(EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)}) / 86400.0)"


@compiles(epoch_days, "sqlite")
def _epoch_days_sqlite(element: epoch_days, compiler: Any, **kw: Any) -> str:
    return f"(julianday({compiler.process(element.clauses, **kw)}) - {EPOCH_JULIAN_DAY})"


def days_since_epoch(moment: datetime) -> float:
    """The same measure for a moment in Python, to compare with `epoch_days` in a query."""
    return (moment - datetime(1970, 1, 1, tzinfo=timezone.utc)).total_seconds() / 86400


def median(source: sa.Select[Any], value: str, keys: list[str]) -> sa.Select[Any]:
    """The median of the column `value` of `source` per group of the columns `keys` (rows with a NULL value
    left out): the middle row, or the mean of the two middle rows, by window functions."""
    inner = source.where(source.selected_columns[value].is_not(None)).subquery()
    partition = [inner.c[k] for k in keys]
    ranked = sa.select(
        *partition, inner.c[value].label("value"),
        sa.func.row_number().over(partition_by=partition, order_by=inner.c[value]).label("position"),
        sa.func.count().over(partition_by=partition).label("total"),
    ).subquery()
    middle: ColumnElement[bool] = ranked.c.position.in_(
        [(ranked.c.total + 1) // 2, (ranked.c.total + 2) // 2])
    return (sa.select(*[ranked.c[k] for k in keys], sa.func.avg(ranked.c.value).label("median"))
            .where(middle).group_by(*[ranked.c[k] for k in keys]))
