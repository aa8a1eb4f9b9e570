"""The scheduler's ledger of its own runs: each job's last run, duration and result (`jobs status`)."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

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
