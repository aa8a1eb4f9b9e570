"""Erasing a booker's name and email a set time after their consultation (or its cancellation).

The booker is outside the registry (no `Person` row): the booking and the mail about it are the only
places that hold who they are. Once the consultation lies `keep_days` behind, both are cleared — the
booking keeps its school, time and matter (anonymous by design) for the follow-up, and the stored
mail of the booking keeps its kind, subject and state but loses its body and the booker's address.
Mail not yet final (waiting or being retried) is left for the next run. Each erasure is audited
without the erased values. Run daily by the scheduler (jobs/); running it twice changes nothing.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from coordinator import audit
from coordinator.consultations.mail import dedupe_prefix
from coordinator.consultations.models import ConsultationBooking
from coordinator.outbox.models import OutboxMessage, OutboxState

ERASED = "(raderad)"
FINAL = (OutboxState.SENT, OutboxState.DEAD)


def erase_bookers(session: Session, now: datetime, keep_days: int) -> int:
    """Erase the booker of every booking whose consultation ended (or was cancelled) `keep_days` ago or more;
    how many bookings were erased. The caller commits."""
    cutoff = now - timedelta(days=keep_days)
    due = list(session.scalars(
        sa.select(ConsultationBooking).where(
            ConsultationBooking.erased_at.is_(None),
            sa.or_(ConsultationBooking.ends_at <= cutoff, ConsultationBooking.cancelled_at <= cutoff))
        .order_by(ConsultationBooking.id)))
    erased = 0
    for booking in due:
        rows = OutboxMessage.dedupe_key.startswith(dedupe_prefix(booking), autoescape=True)
        if session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)
                          .where(rows, OutboxMessage.state.not_in(FINAL))):
            continue  # a message still on its way: erase when it has gone
        cleared = session.execute(
            sa.update(OutboxMessage).where(rows).values(content=b"", last_error=None)).rowcount
        session.execute(sa.update(OutboxMessage).where(rows, OutboxMessage.person_id.is_(None))
                        .values(recipient=ERASED))
        booking.booker_name = booking.booker_email = None
        booking.erased_at = now
        session.flush()
        audit.record(session, at=now, actor="system", action="consultation.booker_erased", entity=booking,
                     district_id=booking.district_id, after={"messages_cleared": cleared})
        erased += 1
    return erased
