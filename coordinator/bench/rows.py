"""Bulk inserts for the benchmark data: many rows in one statement (their new ids in order), or by COPY."""
from __future__ import annotations

import enum
import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session


def insert_returning_ids(session: Session, model: type, rows: list[dict[str, Any]]) -> list[int]:
    """Insert `rows` in one statement (batched by the driver); their new ids, in the rows' order."""
    if not rows:
        return []
    table = model.__table__  # type: ignore[attr-defined]
    return list(session.scalars(sa.insert(table).returning(table.c.id, sort_by_parameter_order=True), rows))


def new_ids(session: Session, model: type, count: int) -> list[int]:
    """`count` ids for new rows of `model`, taken from its sequence on PostgreSQL, after the largest elsewhere
    (the generator is the database's only writer), so rows can be bulk inserted with their ids."""
    table = model.__table__  # type: ignore[attr-defined]
    if session.get_bind().dialect.name == "postgresql":
        return list(session.scalars(sa.text(f"SELECT nextval(pg_get_serial_sequence('{table.name}', 'id')) "
                                            "FROM generate_series(1, :count)"), {"count": count}))
    start = (session.scalar(sa.select(sa.func.max(table.c.id))) or 0) + 1
    return list(range(start, start + count))


def insert_many(session: Session, model: type, rows: list[dict[str, Any]]) -> None:
    """Insert `rows` (dicts with every column of the table): by COPY on PostgreSQL, where an executemany of
    hundreds of thousands of rows takes minutes, and by one executemany elsewhere."""
    if not rows:
        return
    table = model.__table__  # type: ignore[attr-defined]
    if session.get_bind().dialect.name != "postgresql":
        session.execute(sa.insert(table), rows)
        return
    columns = list(rows[0])
    cursor = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor, cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([_plain(row[column]) for column in columns])


def _plain(value: Any) -> Any:
    """A value as COPY writes it: enums by their stored value, JSON as text."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict):
        return json.dumps(value)
    return value
