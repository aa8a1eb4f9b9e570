"""The mail of the demo's history: what the jobs sent while it happened, recorded as sent.

A real district's reminders, notices and digests went out day by day while its terms went on.
The demo's history is written at once, so the scheduler `make run` starts would find months of
them due at its first sweep and send them all together. Instead, what the jobs would queue at
the moment the demo is loaded is queued by the jobs' own sweeps and recorded as sent when it
fell due; the scheduler then sends only what falls due from that moment on.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from coordinator.invitations.messages import MailContext
from coordinator.outbox.models import OutboxMessage, OutboxState
from coordinator.reminders.preview import queue_every_sweep
from coordinator.reminders.rules import Timing


def record_history_mail(session: Session, now: datetime, mail: MailContext, timing: Timing, *,
                        term_plan_weeks: int) -> int:
    """Queue what the jobs would queue at `now` and mark it sent at the moment it fell due; how many."""
    last_id = session.scalar(sa.select(sa.func.max(OutboxMessage.id))) or 0
    queue_every_sweep(session, now, mail, timing, term_plan_weeks=term_plan_weeks, bundle_catch_ups=False)
    return session.execute(
        sa.update(OutboxMessage).where(OutboxMessage.id > last_id, OutboxMessage.state == OutboxState.PENDING)
        .values(state=OutboxState.SENT, attempts=1, sent_at=OutboxMessage.next_attempt_at)).rowcount
