"""The database: declarative base, engine, and one session per request or per job."""
from __future__ import annotations

import enum
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """A timezone-aware datetime stored in UTC on every engine (SQLite keeps no offset)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: store timezone-aware times only")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def enum_column(enum_cls: type[enum.Enum]) -> sa.Enum:
    """An enum stored as its value in a VARCHAR, the same on SQLite and PostgreSQL."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime}


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine; SQLite gets foreign keys, WAL and a busy timeout so it behaves like a server."""
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"timeout": 30})
    engine = sa.create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    if not getattr(dbapi_connection, "_coordinator_memory", False):
        cursor.execute("PRAGMA journal_mode=WAL")
        # in WAL mode NORMAL stays consistent through an application crash and only risks the last
        # commits on a power loss; the scheduler's many small commits (claims, job runs) get cheap
        cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def all_models() -> sa.MetaData:
    """The metadata with every capability's models imported (for Alembic and tests)."""
    from coordinator import audit, jobruns  # noqa: F401  (each import registers its tables)
    from coordinator.agreements import models as _agreements  # noqa: F401
    from coordinator.auth import models as _auth  # noqa: F401
    from coordinator.cases import models as _cases  # noqa: F401
    from coordinator.consultations import models as _consultations  # noqa: F401
    from coordinator.invitations import models as _invitations  # noqa: F401
    from coordinator.minutes import models as _minutes  # noqa: F401
    from coordinator.org import models as _org  # noqa: F401
    from coordinator.outbox import models as _outbox  # noqa: F401
    from coordinator.planning import models as _planning  # noqa: F401
    from coordinator.terms import models as _terms  # noqa: F401
    from coordinator.visits import models as _visits  # noqa: F401

    return Base.metadata
