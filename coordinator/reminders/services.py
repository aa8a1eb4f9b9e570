"""The reminder sweep: queue what the rules say is due, withdraw what they no longer want.

`queue_due` finds candidate meetings through time-windowed queries (facts.py), asks the pure
rules what is due at `now`, skips what the outbox already holds (by dedupe key, before any mail
is rendered) and queues the rest with insert-or-ignore — so a second sweep, or a second process
sweeping at the same moment, adds nothing. Everything happens in the caller's transaction: a
sweep that fails half-way leaves nothing behind, and the next one does the whole work.

After an outage a sweep may find several overdue reminders for one person (`rules.catch_ups`):
that person gets one catch-up message listing them. Each reminder is still stored under its own
key, in state MERGED (never sent by itself), so later sweeps see it as queued like any other.

`withdraw_superseded` is the other half: a reminder still waiting in the outbox whose key the
rules no longer produce (the meeting was moved to a new SEQUENCE or cancelled, the invitee
answered, declined, was removed or delegated, the minutes came in, a later step replaced it)
is marked DEAD with last_error "superseded" before a sender can claim it. The delivery job runs
it before every delivery, so the window in which a stale reminder could still leave is the
few milliseconds between the two statements.
"""
from __future__ import annotations

import logging
from collections.abc import Collection, Iterable
from dataclasses import replace
from datetime import datetime
from itertools import groupby

import sqlalchemy as sa
from sqlalchemy.orm import Session

from coordinator.auth.accounts import people_with_logins
from coordinator.invitations.messages import MailContext
from coordinator.org.models import Person
from coordinator.outbox.models import MessageKind, OutboxMessage, OutboxState
from coordinator.outbox.queue import enqueue, enqueue_keys
from coordinator.reminders.facts import CHUNK, SUPERSEDED, candidate_meetings, load
from coordinator.reminders.messages import ReminderMail
from coordinator.reminders.rules import MEETING_KINDS, DueReminder, Timing, catch_ups, due_reminders

log = logging.getLogger("coordinator.reminders")

WAITING = (OutboxState.PENDING, OutboxState.FAILED)


def queue_due(session: Session, now: datetime, mail: MailContext, *,
              kinds: Collection[MessageKind] = MEETING_KINDS, timing: Timing = Timing(),
              bundle_catch_ups: bool = True) -> int:
    """Queue every reminder of `kinds` due at `now` and not queued yet; how many were queued. The caller commits.

    Without `bundle_catch_ups` overdue reminders are queued one by one, each at its own due time (the
    demo records a history's reminders so, as if the scheduler had run all along).
    """
    loaded = load(session, candidate_meetings(session, now, kinds, timing))
    due = [r for r in due_reminders(loaded.facts, now, timing) if r.kind in kinds]
    fresh = _not_queued(session, due)
    if not fresh:
        return 0
    people = _people(session, {r.person_id for r in fresh} | {r.keeper_id for r in fresh if r.keeper_id})
    builder = ReminderMail(loaded.meetings, loaded.action_items, people, loaded.directors, mail, now,
                           logins=people_with_logins(session, people))
    merged = catch_ups(fresh, now) if bundle_catch_ups else {}
    queued = 0
    one_by_one = [r for r in fresh if r.person_id not in merged]
    for _, group in groupby(sorted(one_by_one, key=lambda r: (r.meeting_id, r.dedupe_key)),
                            key=lambda r: r.meeting_id):
        queued += enqueue(session, [o for r in group if (o := builder.outgoing(r)) is not None], now=now)
    for person_id, reminders in merged.items():
        queued += _queue_catch_up(session, builder, person_id, reminders, now)
    log.info("reminders_queued count=%d due=%d catch_ups=%d kinds=%s", queued, len(due), len(merged),
             ",".join(sorted(k.value for k in kinds)))
    return queued


def _queue_catch_up(session: Session, builder: ReminderMail, person_id: int, reminders: list[DueReminder],
                    now: datetime) -> int:
    """Store the person's reminders as MERGED and queue one message with those that were new; 1 or 0."""
    members = [replace(o, state=OutboxState.MERGED) for r in reminders if (o := builder.outgoing(r)) is not None]
    new = enqueue_keys(session, members, now=now)
    # a second sweep at the same moment may have stored some of them: list only this sweep's own
    outgoing = builder.catch_up(person_id, [r for r in reminders if r.dedupe_key in new])
    if outgoing is None:
        return 0
    log.info("reminders_caught_up person=%d reminders=%d key=%s", person_id, len(new), outgoing.dedupe_key)
    return enqueue(session, [outgoing], now=now)


def withdraw_superseded(session: Session, now: datetime, timing: Timing = Timing()) -> list[int]:
    """Mark DEAD ("superseded") every waiting reminder the rules no longer want at `now`; their ids. The caller commits.

    Expired ones are left to delivery, which drops them as "expired". On PostgreSQL rows another
    sender has locked are skipped (they are being sent or withdrawn by someone else).
    """
    waiting = session.execute(
        sa.select(OutboxMessage.id, OutboxMessage.meeting_id, OutboxMessage.dedupe_key)
        .where(OutboxMessage.state.in_(WAITING), OutboxMessage.kind.in_(MEETING_KINDS),
               sa.or_(OutboxMessage.expires_at.is_(None), OutboxMessage.expires_at > now))
        .with_for_update(skip_locked=True)
    ).all()
    if not waiting:
        return []
    loaded = load(session, {row.meeting_id for row in waiting if row.meeting_id is not None})
    wanted = {r.dedupe_key for r in due_reminders(loaded.facts, now, timing)}
    stale = [row for row in waiting if row.dedupe_key not in wanted]
    for start in range(0, len(stale), CHUNK):
        session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.id.in_([row.id for row in stale[start:start + CHUNK]]),
                   OutboxMessage.state.in_(WAITING))
            .values(state=OutboxState.DEAD, last_error=SUPERSEDED, claimed_at=None)
        )
    for row in stale:
        log.info("reminder_withdrawn id=%d key=%s reason=%s", row.id, row.dedupe_key, SUPERSEDED)
    return [row.id for row in stale]


def _not_queued(session: Session, due: list[DueReminder]) -> list[DueReminder]:
    """The due reminders whose dedupe key the outbox does not hold yet (so nothing is rendered twice)."""
    keys = [r.dedupe_key for r in due]
    present: set[str] = set()
    for start in range(0, len(keys), CHUNK):
        present.update(session.scalars(
            sa.select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_(keys[start:start + CHUNK]))))
    return [r for r in due if r.dedupe_key not in present]


def _people(session: Session, ids: Iterable[int]) -> dict[int, Person]:
    wanted = sorted(set(ids))
    people: dict[int, Person] = {}
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start:start + CHUNK]
        people.update((p.id, p) for p in session.scalars(sa.select(Person).where(Person.id.in_(chunk))))
    return people
