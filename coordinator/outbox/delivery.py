"""Delivering the outbox: claim what is due, send it over one connection per batch, record each outcome.

A sender claims due rows (state SENDING, `claimed_at`) and commits that claim before it talks
to the mail server, so no transaction or row lock is held during SMTP. After the batch it marks
each row SENT, FAILED (tried again after an exponential backoff) or DEAD (a permanent refusal,
the attempt limit, or a moment that has passed).

Several senders at once: on PostgreSQL each claim is `UPDATE … WHERE id IN (SELECT … FOR UPDATE
SKIP LOCKED)`, so concurrent senders — threads, `jobs run` processes, machines — take disjoint
rows. SQLite has no SKIP LOCKED: the claim is one UPDATE statement, which takes SQLite's write
lock before it reads, so two senders never take the same row either, but they queue behind each
other; SQLite is for one machine and one sender process.

Exactly once, nearly: a row is sent again only when its sender died (or stalled past
`STALE_CLAIM`) between the server accepting it and the batch's outcomes being committed. Such a
row, still SENDING with an old `claimed_at`, is claimed again and sent with the SAME Message-ID
(the stored bytes), so mail clients and calendars treat the copy as the same message. Nothing
is lost: a row leaves the outbox's due set only as SENT or DEAD.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import parseaddr
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, defer, sessionmaker

from coordinator import audit
from coordinator.agreements.models import MeetingForm
from coordinator.i18n import N_, DomainError
from coordinator.org.models import School
from coordinator.outbox.models import OutboxMessage, OutboxState
from coordinator.outbox.transports import (
    Connection,
    ConnectionLost,
    DeliveryFailure,
    PermanentFailure,
    Transport,
)
from coordinator.planning.models import Meeting

log = logging.getLogger("coordinator.outbox")

STALE_CLAIM = timedelta(minutes=5)  # a SENDING row claimed longer ago belongs to a sender that died
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=6)
# 1, 2, 4 … 256 minutes, then every 6 hours: the twelfth failure comes about 20 hours after the
# first, so a mail server down overnight loses nothing.
MAX_ATTEMPTS = 12
BATCH_SIZE = 200
EXPIRED = "expired"

_DUE_STATES = (OutboxState.PENDING, OutboxState.FAILED)
_UNSENT_STATES = (OutboxState.PENDING, OutboxState.FAILED, OutboxState.SENDING)


def backoff(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed attempt: 1 min, 2, 4 … capped at 6 h."""
    if attempts < 1:
        raise ValueError("backoff follows a failed attempt (attempts >= 1)")
    return min(FIRST_RETRY * 2 ** min(attempts - 1, 30), LONGEST_RETRY)


@dataclass(frozen=True)
class DeliveryReport:
    """What a delivery run did: messages sent, scheduled for retry, given up, and dropped as expired."""
    sent: int = 0
    retried: int = 0
    dead: int = 0
    expired: int = 0

    def __add__(self, other: DeliveryReport) -> DeliveryReport:
        return DeliveryReport(self.sent + other.sent, self.retried + other.retried,
                              self.dead + other.dead, self.expired + other.expired)


def claim_due(session: Session, *, now: datetime, limit: int, claimed_at: datetime | None = None,
              stale_after: timedelta = STALE_CLAIM) -> list[OutboxMessage]:
    """Take up to `limit` due rows for this sender and commit the claim; returns them in due order.

    Due: PENDING or FAILED with `next_attempt_at <= now`, and SENDING rows claimed more than
    `stale_after` ago (their sender died mid-batch; they are sent again with the same
    Message-ID). Rows whose `expires_at` has passed are marked DEAD "expired" in the same
    commit and not returned. `claimed_at` (default `now`) is when the claim is really made.
    """
    return _claim(session, now=now, limit=limit, claimed_at=claimed_at or now, stale_after=stale_after, log=log)[0]


def _claim(session: Session, *, now: datetime, limit: int, claimed_at: datetime, stale_after: timedelta,
           log: logging.Logger) -> tuple[list[OutboxMessage], int]:
    """The claimed rows still worth sending, in due order, and how many expired ones were dropped."""
    due = sa.or_(
        sa.and_(OutboxMessage.state.in_(_DUE_STATES), OutboxMessage.next_attempt_at <= now),
        sa.and_(OutboxMessage.state == OutboxState.SENDING, OutboxMessage.claimed_at < now - stale_after),
    )
    # SQLite renders no FOR UPDATE; there the UPDATE holds the database's write lock from its read on
    chosen = (sa.select(OutboxMessage.id).where(due)
              .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
              .limit(limit).with_for_update(skip_locked=True))
    claim = (sa.update(OutboxMessage).where(OutboxMessage.id.in_(chosen.scalar_subquery()))
             .values(state=OutboxState.SENDING, claimed_at=claimed_at)
             .returning(OutboxMessage))
    rows = session.scalars(claim, execution_options={"synchronize_session": False,
                                                     "populate_existing": True}).all()
    live, expired = [], 0
    for row in rows:
        if row.expires_at is not None and row.expires_at <= now:
            row.state, row.last_error = OutboxState.DEAD, EXPIRED
            expired += 1
            log.warning("outbox_expired id=%s message_id=%s kind=%s to=%s expires_at=%s",
                        row.id, row.message_id, row.kind.value, row.recipient, row.expires_at.isoformat())
        else:
            live.append(row)
    session.commit()
    return sorted(live, key=lambda r: (r.next_attempt_at, r.id)), expired


def deliver_due(sessions: sessionmaker[Session], transport: Transport, *, now: datetime,
                batch_size: int = BATCH_SIZE, max_attempts: int = MAX_ATTEMPTS, sender: str | None = None,
                stale_after: timedelta = STALE_CLAIM, log: logging.Logger = log) -> DeliveryReport:
    """Send every message due at `now`, a batch at a time over one connection each; what was done.

    `sender` is the envelope sender (COORDINATOR_MAIL_FROM, where bounces go); without it each
    message's From address is used. Retry times count from `now`; a claim records the real time
    it is made (`now` plus the time this run has taken), so the later batches of a long run do
    not look stale to another sender. A lost connection ends the run: the rest of its batch is
    FAILED (retried later) and rows not yet claimed wait for the next run. `stale_after` must
    be longer than a batch can take to send (the default, five minutes, is a generous bound).
    """
    started = time.monotonic()
    report = DeliveryReport()
    while True:
        with sessions() as session:
            claimed_at = now + timedelta(seconds=time.monotonic() - started)
            batch, expired = _claim(session, now=now, limit=batch_size, claimed_at=claimed_at,
                                    stale_after=stale_after, log=log)
            report += DeliveryReport(expired=expired)
            if not batch:
                if expired:
                    continue  # a batch of only expired rows: there may be more due behind it
                return report
            outcomes, connection_lost = _send_batch(batch, transport, sender, log)
            report += _record(session, batch, outcomes, now=now, max_attempts=max_attempts, log=log)
            session.commit()
        if connection_lost:
            return report


def _send_batch(batch: Sequence[OutboxMessage], transport: Transport, sender: str | None,
                log: logging.Logger) -> tuple[dict[int, DeliveryFailure | None], bool]:
    """Each row's outcome (None: accepted), and whether the connection was lost on the way."""
    outcomes: dict[int, DeliveryFailure | None] = {}
    try:
        with transport.open() as connection:
            for row in batch:
                outcomes[row.id] = failure = _send_one(connection, row, sender)
                if failure is None:
                    log.info("outbox_sent id=%s message_id=%s kind=%s to=%s attempt=%s",
                             row.id, row.message_id, row.kind.value, row.recipient, row.attempts + 1)
                elif isinstance(failure, ConnectionLost):
                    raise failure
    except ConnectionLost as lost:
        for row in batch:
            if row.id not in outcomes or outcomes[row.id] is lost:
                outcomes[row.id] = lost
        return outcomes, True
    return outcomes, False


def _send_one(connection: Connection, row: OutboxMessage, sender: str | None) -> DeliveryFailure | None:
    try:
        connection.send(row.content, sender or _from_address(row.content), _address(row.recipient))
    except DeliveryFailure as failure:
        return failure
    return None


def _from_address(raw: bytes) -> str:
    return _address(BytesHeaderParser(policy=compat32).parsebytes(raw).get("From", ""))


def _address(header: str) -> str:
    """The bare address of a header value such as "Anna Berg <anna.berg@skola.se>" (the envelope wants it bare)."""
    return parseaddr(header)[1] if "<" in header else header.strip()


def _record(session: Session, batch: Sequence[OutboxMessage], outcomes: dict[int, DeliveryFailure | None], *,
            now: datetime, max_attempts: int, log: logging.Logger) -> DeliveryReport:
    """Write the batch's outcomes: the sent rows in one statement, each failure on its row."""
    sent_ids = [row.id for row in batch if outcomes[row.id] is None]
    if sent_ids:
        session.execute(
            sa.update(OutboxMessage).where(OutboxMessage.id.in_(sent_ids))
            .values(state=OutboxState.SENT, sent_at=now, attempts=OutboxMessage.attempts + 1, last_error=None),
            execution_options={"synchronize_session": False},
        )
    retried = dead = 0
    for row in batch:
        failure = outcomes[row.id]
        if failure is None:
            continue
        row.attempts += 1
        row.last_error = str(failure)[:2000]
        fields = (f"id={row.id} message_id={row.message_id} kind={row.kind.value} to={row.recipient} "
                  f"attempt={row.attempts}")
        if isinstance(failure, PermanentFailure) or row.attempts >= max_attempts:
            row.state = OutboxState.DEAD
            dead += 1
            log.error("outbox_dead %s permanent=%s error=%r", fields, isinstance(failure, PermanentFailure),
                      row.last_error)
        else:
            row.state = OutboxState.FAILED
            row.next_attempt_at = now + backoff(row.attempts)
            retried += 1
            log.warning("outbox_retry %s next_attempt_at=%s error=%r", fields, row.next_attempt_at.isoformat(),
                        row.last_error)
    return DeliveryReport(sent=len(sent_ids), retried=retried, dead=dead)


def outbox_counts(session: Session, *, district_ids: Collection[int] | None = None) -> dict[OutboxState, int]:
    """How many messages are in each state (every state present, zero when none).

    `district_ids` limits the count to those districts' messages; None counts every message.
    """
    counts = dict.fromkeys(OutboxState, 0)
    query = sa.select(OutboxMessage.state, sa.func.count()).group_by(OutboxMessage.state)
    for state, count in session.execute(_scoped(query, district_ids)):
        counts[state] = count
    return counts


def oldest_pending(session: Session) -> OutboxMessage | None:
    """The unsent message due the longest (earliest `next_attempt_at`): how far delivery lags behind."""
    return session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.state.in_(_UNSENT_STATES))
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(1)
    ).first()


def retry(session: Session, message: int | OutboxMessage, *, actor: str, now: datetime) -> OutboxMessage:
    """An administrator sends a dead message again: PENDING and due now, its attempts kept (audited).

    The retry is one more attempt: should it fail, the message, already at its attempt limit,
    is dead again at once, with the new error.
    """
    row = message if isinstance(message, OutboxMessage) else session.get(OutboxMessage, message)
    if row is None:
        raise DomainError(N_("Meddelande %(id)s finns inte."), id=message)
    if row.state is not OutboxState.DEAD:
        raise DomainError(N_("Bara meddelanden som inte kunde levereras kan skickas igen."))
    if row.expires_at is not None and row.expires_at <= now:
        raise DomainError(N_("Meddelandet gällde bara till en tidpunkt som har passerat och skickas inte igen."))
    if not row.content:
        raise DomainError(N_("Meddelandets innehåll är raderat och kan inte skickas igen."))
    before = {"state": row.state.value, "attempts": row.attempts, "last_error": row.last_error}
    row.state, row.next_attempt_at, row.claimed_at = OutboxState.PENDING, now, None
    audit.record(session, at=now, actor=actor, action="outbox_retry", entity=row, district_id=row.district_id,
                 before=before, after={"state": row.state.value, "next_attempt_at": now.isoformat()})
    session.flush()
    return row


# what needs an administrator first: given up, then failing, then on their way, then done
STATE_ORDER = (OutboxState.DEAD, OutboxState.FAILED, OutboxState.SENDING, OutboxState.PENDING, OutboxState.SENT,
               OutboxState.MERGED)


@dataclass(frozen=True)
class ListedMessage:
    """A row of the outbox as administrators see it, with the meeting it concerns."""
    message: OutboxMessage
    meeting: str | None = None  # the meeting form's name, with the school when it has one
    meeting_starts_at: datetime | None = None


def list_messages(session: Session, *, state: OutboxState | None = None,
                  district_ids: Collection[int] | None = None, limit: int | None = 100) -> list[ListedMessage]:
    """Messages in `STATE_ORDER`, newest first within a state; `district_ids` None means every district.

    The stored content is not loaded: a list shows what a message is, not its bytes.
    """
    rank = sa.case(*((OutboxMessage.state == s, n) for n, s in enumerate(STATE_ORDER)))
    query = (sa.select(OutboxMessage, MeetingForm.name, School.name, Meeting.starts_at)
             .outerjoin(Meeting, Meeting.id == OutboxMessage.meeting_id)
             .outerjoin(MeetingForm, MeetingForm.id == Meeting.meeting_form_id)
             .outerjoin(School, School.id == Meeting.school_id)
             .options(defer(OutboxMessage.content))
             .order_by(rank, OutboxMessage.id.desc()).limit(limit))
    query = _scoped(query, district_ids)
    if state is not None:
        query = query.where(OutboxMessage.state == state)
    return [ListedMessage(message, f"{form} ({school})" if form and school else form, starts_at)
            for message, form, school, starts_at in session.execute(query)]


def _scoped(query: sa.Select[Any], district_ids: Collection[int] | None) -> sa.Select[Any]:
    return query if district_ids is None else query.where(OutboxMessage.district_id.in_(district_ids))
