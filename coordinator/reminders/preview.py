"""`jobs preview`: what the jobs would queue and send at a given moment — a dry run, nothing written.

Every sweep runs for real inside one transaction that is rolled back at the end, so the preview
is exactly what the jobs would do (same rules, same dedupe keys, same rendering) and shows
only what is new at that moment. The mailbox poll is left out: it reads mail from outside.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from coordinator.cases.sweeps import queue_report_reminders
from coordinator.invitations.messages import MailContext
from coordinator.outbox.models import OutboxMessage, OutboxState
from coordinator.reminders.digest import queue_digests
from coordinator.reminders.notices import queue_revision_notices, queue_term_notices
from coordinator.reminders.rules import Timing
from coordinator.reminders.services import queue_due, withdraw_superseded


@dataclass(frozen=True)
class PreviewMessage:
    id: int
    kind: str
    recipient: str
    subject: str
    due_at: datetime
    expires_at: datetime | None
    meeting_id: int | None
    dedupe_key: str

    @classmethod
    def of(cls, row: OutboxMessage) -> PreviewMessage:
        return cls(row.id, row.kind.value, row.recipient, row.subject, row.next_attempt_at, row.expires_at,
                   row.meeting_id, row.dedupe_key)


@dataclass(frozen=True)
class Preview:
    at: datetime
    queued: list[PreviewMessage]     # new in the outbox at that moment
    withdrawn: list[PreviewMessage]  # waiting reminders that would be marked superseded
    sent: list[PreviewMessage]       # what delivery would send at that moment (the new ones included)


def queue_every_sweep(session: Session, at: datetime, mail: MailContext, timing: Timing = Timing(), *,
                      term_plan_weeks: int = 6, report_reminder_days: int = 3, bundle_catch_ups: bool = True) -> None:
    """What every queueing job does at `at`, in the session's transaction: reminders, notices, digests and the
    intake group's reports of concern."""
    queue_due(session, at, mail, timing=timing, bundle_catch_ups=bundle_catch_ups)
    queue_revision_notices(session, at, mail, timing)
    queue_term_notices(session, at, mail, timing, weeks=term_plan_weeks)
    queue_digests(session, at, mail, timing)
    queue_report_reminders(session, at, mail, reminder_days=report_reminder_days, timing=timing)
    session.flush()


def preview(session: Session, at: datetime, mail: MailContext, timing: Timing = Timing(), *,
            term_plan_weeks: int = 6, report_reminder_days: int = 3) -> Preview:
    """Run every sweep at `at` in the session's transaction, read the outcome, roll it all back."""
    try:
        last_id = session.scalar(sa.select(sa.func.max(OutboxMessage.id))) or 0
        withdrawn_ids = withdraw_superseded(session, at, timing)
        queue_every_sweep(session, at, mail, timing, term_plan_weeks=term_plan_weeks,
                          report_reminder_days=report_reminder_days)
        by_due = (OutboxMessage.next_attempt_at, OutboxMessage.id)
        # reminders merged into a catch-up are not sent by themselves: the catch-up shows
        queued = session.scalars(sa.select(OutboxMessage).where(
            OutboxMessage.id > last_id, OutboxMessage.state != OutboxState.MERGED).order_by(*by_due))
        withdrawn = session.scalars(sa.select(OutboxMessage).where(OutboxMessage.id.in_(withdrawn_ids))
                                    .order_by(*by_due)) if withdrawn_ids else []
        sent = session.scalars(sa.select(OutboxMessage).where(
            OutboxMessage.state.in_((OutboxState.PENDING, OutboxState.FAILED)), OutboxMessage.next_attempt_at <= at,
            sa.or_(OutboxMessage.expires_at.is_(None), OutboxMessage.expires_at > at)).order_by(*by_due))
        return Preview(at, [PreviewMessage.of(r) for r in queued], [PreviewMessage.of(r) for r in withdrawn],
                       [PreviewMessage.of(r) for r in sent])
    finally:
        session.rollback()
