"""Thin job bodies: open a session, call a coordinator service with the current time, log."""
from __future__ import annotations

import logging

from flask import Flask

from coordinator.agreements.services import overdue_revisions
from coordinator.clock import utcnow
from coordinator.db import make_session_factory

log = logging.getLogger("coordinator.jobs")


def flag_overdue_revisions(app: Flask) -> int:
    """Log each active agreement whose revision date has passed; returns how many."""
    sessions = make_session_factory(app.extensions["coordinator.engine"])
    timezone = app.extensions["coordinator.settings"].timezone
    with sessions() as session:
        overdue = overdue_revisions(session, today=_local_today(timezone))
        for version in overdue:
            log.warning("agreement_revision_overdue agreement=%s version=%s due_on=%s",
                        version.agreement_id, version.number, version.revision_due_on)
    return len(overdue)


def _local_today(timezone: str):  # type: ignore[no-untyped-def]
    from zoneinfo import ZoneInfo

    return utcnow().astimezone(ZoneInfo(timezone)).date()
