"""The scheduler's ledger of its own runs: each job's last run, duration and result (`jobs status`)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from coordinator.db import Base


class JobRun(Base):
    """One row per job, overwritten by each run."""
    __tablename__ = "job_run"

    job_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    duration_ms: Mapped[int | None]
    succeeded: Mapped[bool | None]
    result: Mapped[str | None] = mapped_column(sa.Text)  # a short summary, or the error
    host: Mapped[str | None] = mapped_column(sa.String(200))  # hostname:pid of the process that ran it


def record_start(session: Session, job_id: str, *, at: datetime, host: str) -> None:
    """A run began: the job's row says so (finished, duration and outcome cleared). The caller commits."""
    _upsert(session, {"job_id": job_id, "started_at": at, "finished_at": None, "duration_ms": None,
                      "succeeded": None, "result": None, "host": host})


def record_finish(session: Session, job_id: str, *, started_at: datetime, finished_at: datetime, duration_ms: int,
                  succeeded: bool, result: str, host: str) -> None:
    """A run ended: its duration, whether it succeeded, its summary or error. The caller commits."""
    _upsert(session, {"job_id": job_id, "started_at": started_at, "finished_at": finished_at,
                      "duration_ms": duration_ms, "succeeded": succeeded, "result": result[:4000], "host": host})


def last_runs(session: Session) -> list[JobRun]:
    """Every job's last run, by job id."""
    return list(session.scalars(sa.select(JobRun).order_by(JobRun.job_id)))


def _upsert(session: Session, values: dict[str, Any]) -> None:
    """Insert the job's row or overwrite it: two processes recording at once never collide."""
    table = JobRun.__table__
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(table).values(values)
    session.execute(statement.on_conflict_do_update(
        index_elements=[table.c.job_id], set_={k: statement.excluded[k] for k in values if k != "job_id"}))
