"""Delivering the outbox: claim a few due rows at a time, send them over one connection, record each group.

A sender claims `CLAIM_SIZE` due rows (state SENDING, `claimed_at`, `claimed_by`: who it is)
and commits that claim before it talks to the mail server, so no transaction or row lock is
held during SMTP. After each group it records every row SENT, FAILED (tried again after an
exponential backoff) or DEAD (a permanent refusal, the attempt limit, a moment that has passed)
and claims the next group in the same commit; one SMTP connection carries up to `BATCH_SIZE`
messages, group after group.

Several senders at once: on PostgreSQL each claim is `UPDATE … WHERE id IN (SELECT … FOR UPDATE
SKIP LOCKED)`, so concurrent senders — threads, `jobs run` processes, machines — take disjoint
rows. SQLite has no SKIP LOCKED: the claim is one UPDATE statement, which takes SQLite's write
lock before it reads, so two senders never take the same row either, but they queue behind each
other; SQLite is for one machine and one sender process.

A dead sender's claims are taken back at once (`ClaimOwner`): on PostgreSQL each run of a sender
holds a session-level advisory lock, which the server drops when the process dies or its
connection is lost; on SQLite a claim names the process by host, pid and start time, and a pid
that is gone (or now another process) has died. The next run of any sender — at its start, then
every `OWNER_CHECK` — claims them again. A claim whose owner cannot be seen dead (alive but
stalled, or of another machine) is taken back after `STALE_CLAIM`.

Exactly once, nearly: a row is sent twice only when its sender died (or stalled past
`STALE_CLAIM`) between the server accepting it and its group being recorded: at most
`CLAIM_SIZE` rows per sender and death, sent again with the SAME Message-ID (the stored bytes),
so mail clients and calendars treat the copy as the same message. A stalled sender that comes
back records only rows still claimed by it (it never overwrites another sender's outcome) and
claims nothing more under a lost lock. Nothing is lost: a row leaves the outbox's due set only
as SENT or DEAD.

A row queued with `compose` set (publishing a term queues its invitations that way) has no
bytes yet: the sender composes it right after claiming it, with a `Composer` the caller gives
for that name, keeping the Message-ID fixed when it was queued.
"""
from __future__ import annotations

import logging
import os
import secrets
import socket
import time
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import parseaddr
from pathlib import Path
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.orm import Session, defer, sessionmaker
from sqlalchemy.pool import NullPool

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

CLAIM_SIZE = 5  # rows a sender holds at a time: at most this many are sent twice when it dies
BATCH_SIZE = 200  # messages over one SMTP connection
# a claim whose owner is not seen dead (stalled, or on another machine) is taken back after this;
# a group of CLAIM_SIZE messages takes well under it, even at the SMTP timeout of 30 s per reply
STALE_CLAIM = timedelta(minutes=3)
OWNER_CHECK = 5.0  # seconds: how often a running sender looks for dead senders' claims
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=6)
# 1, 2, 4 … 256 minutes, then every 6 hours: the twelfth failure comes about 20 hours after the
# first, so a mail server down overnight loses nothing.
MAX_ATTEMPTS = 12
EXPIRED = "expired"

_DUE_STATES = (OutboxState.PENDING, OutboxState.FAILED)
_UNSENT_STATES = (OutboxState.PENDING, OutboxState.FAILED, OutboxState.SENDING)

Composer = Callable[[Session, OutboxMessage], EmailMessage]  # a queued row's message, with its Message-ID


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


# -- who holds a claim -------------------------------------------------------------------------------

class ClaimOwner(Protocol):
    key: str  # written to `claimed_by`

    def alive(self) -> bool:
        """Whether this owner's claims are still its own (its lock held); a sender that lost it stops."""

    def dead(self, session: Session, keys: Collection[str]) -> set[str]:
        """Which of these owners (`claimed_by` values) are seen dead: their claims can be taken at once."""

    def close(self) -> None: ...


class AdvisoryOwner:
    """PostgreSQL: a session-level advisory lock on a random key, held on a connection of its own.

    The server drops the lock when the session ends — the process exiting or killed, or (with
    the TCP keepalives set here) its machine unreachable for about 20 seconds.
    """
    PREFIX = "pg:"

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = sa.create_engine(engine.url, poolclass=NullPool)
        self.connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        for setting, value in (("tcp_keepalives_idle", 10), ("tcp_keepalives_interval", 5),
                               ("tcp_keepalives_count", 2)):
            self.connection.execute(sa.text(f"SET {setting} = {value}"))
        while True:  # a random 62-bit key; taken only if no live sender holds it
            number = secrets.randbits(62) or 1
            if self.connection.scalar(sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": number}):
                break
        self.key = f"{self.PREFIX}{number}"

    def alive(self) -> bool:
        try:
            self.connection.scalar(sa.text("SELECT 1"))
            return True
        except sa.exc.DBAPIError:
            return False

    def dead(self, session: Session, keys: Collection[str]) -> set[str]:
        ours = {k for k in keys if k.startswith(self.PREFIX)}
        if not ours:
            return set()
        held = set(session.scalars(sa.text(
            "SELECT ((classid::bigint << 32) | objid::bigint) FROM pg_locks WHERE locktype = 'advisory' "
            "AND objsubid = 1 AND granted AND database = (SELECT oid FROM pg_database "
            "WHERE datname = current_database())")))
        return {k for k in ours if _number(k[len(self.PREFIX):]) not in held}

    def close(self) -> None:
        try:
            self.connection.close()  # ends the session: the lock goes with it
        except sa.exc.DBAPIError:
            pass
        self.engine.dispose()


class ProcessOwner:
    """SQLite (one machine): a delivery run by host, pid, the kernel's start time of that pid, and a run number.

    A claim of this host whose pid is gone, or whose pid now belongs to a process started at
    another moment, is a dead sender's; so is one of this very process whose run has ended (a
    run that raised). Another host's claims are never seen dead here.
    """
    PREFIX = "local:"
    _running: set[str] = set()  # this process's runs under way

    def __init__(self) -> None:
        self.host = socket.gethostname()
        self.key = (f"{self.PREFIX}{self.host}:{os.getpid()}:{process_started(os.getpid())}:"
                    f"{secrets.token_hex(4)}")
        self._running.add(self.key)

    def alive(self) -> bool:
        return True

    def dead(self, session: Session, keys: Collection[str]) -> set[str]:
        gone = set()
        for key in keys:
            parts = key.removeprefix(self.PREFIX).rsplit(":", 3)
            if not key.startswith(self.PREFIX) or len(parts) != 4 or parts[0] != self.host:
                continue
            pid = _number(parts[1])
            if pid is None or process_started(pid) != parts[2] or (pid == os.getpid() and key not in self._running):
                gone.add(key)
        return gone

    def close(self) -> None:
        self._running.discard(self.key)


def process_started(pid: int) -> str:
    """When the process `pid` started (clock ticks since boot, from /proc), "" when there is none.

    Without /proc (not Linux) a live pid answers "?", which matches only a claim written the same way.
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat[stat.rindex(")") + 2:].split()[19]  # field 22, starttime; the name may hold spaces
    except FileNotFoundError:
        if Path("/proc/self/stat").exists():
            return ""
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return ""
        except PermissionError:
            pass
        return "?"
    except (OSError, ValueError, IndexError):
        return ""


def _number(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


@contextmanager
def claim_owner(sessions: sessionmaker[Session]) -> Iterator[ClaimOwner]:
    """The owner of one delivery run's claims, released when the run ends."""
    engine = sessions.kw["bind"]
    owner: ClaimOwner = AdvisoryOwner(engine) if engine.dialect.name == "postgresql" else ProcessOwner()
    try:
        yield owner
    finally:
        owner.close()


# -- claiming -----------------------------------------------------------------------------------------

def claim_due(session: Session, *, now: datetime, limit: int, claimed_at: datetime | None = None,
              stale_after: timedelta = STALE_CLAIM, owner: str | None = None,
              dead_owners: Collection[str] = (), composers: Collection[str] = ()) -> list[OutboxMessage]:
    """Take up to `limit` due rows for `owner` and commit the claim; returns them in due order.

    Due: PENDING or FAILED with `next_attempt_at <= now`; SENDING rows of `dead_owners` (their
    sender died mid-group); and SENDING rows claimed more than `stale_after` ago (a sender that
    stalled, or of unknown fate). These are sent again with the same Message-ID. Rows waiting to
    be composed are taken only when `composers` names theirs. Rows whose `expires_at` has passed
    are marked DEAD "expired" in the same commit and not returned. `claimed_at` (default `now`)
    is when the claim is really made.
    """
    rows, _ = _claim(session, now=now, limit=limit, claimed_at=claimed_at or now, stale_after=stale_after,
                     owner=owner, dead_owners=dead_owners, composers=composers, log=log)
    session.commit()
    return rows


def _due(*, now: datetime, stale_after: timedelta, dead_owners: Collection[str],
         composers: Collection[str]) -> sa.ColumnElement[bool]:
    abandoned = [OutboxMessage.claimed_at < now - stale_after]
    if dead_owners:
        abandoned.append(OutboxMessage.claimed_by.in_(list(dead_owners)))
    return sa.and_(
        sa.or_(sa.and_(OutboxMessage.state.in_(_DUE_STATES), OutboxMessage.next_attempt_at <= now),
               sa.and_(OutboxMessage.state == OutboxState.SENDING, sa.or_(*abandoned))),
        sa.or_(OutboxMessage.compose.is_(None), OutboxMessage.compose.in_(list(composers))),
    )


def _claim(session: Session, *, now: datetime, limit: int, claimed_at: datetime, stale_after: timedelta,
           owner: str | None, dead_owners: Collection[str], composers: Collection[str],
           log: logging.Logger, among: Collection[int] | None = None) -> tuple[list[OutboxMessage], int]:
    """The claimed rows still worth sending, in due order, and how many expired ones were dropped (not committed).

    `among`: these rows, those still due — a primary-key lookup instead of ordering every due row.
    """
    due = _due(now=now, stale_after=stale_after, dead_owners=dead_owners, composers=composers)
    if among is not None:
        due = sa.and_(OutboxMessage.id.in_(list(among)), due)
    # SQLite renders no FOR UPDATE; there the UPDATE holds the database's write lock from its read on
    chosen = (sa.select(OutboxMessage.id).where(due)
              .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
              .limit(limit).with_for_update(skip_locked=True))
    claim = (sa.update(OutboxMessage).where(OutboxMessage.id.in_(chosen.scalar_subquery()))
             .values(state=OutboxState.SENDING, claimed_at=claimed_at, claimed_by=owner)
             .returning(OutboxMessage))
    rows = session.scalars(claim, execution_options={"synchronize_session": False,
                                                     "populate_existing": True}).all()
    return _live(rows, now, log)


def _live(rows: Sequence[OutboxMessage], now: datetime, log: logging.Logger) -> tuple[list[OutboxMessage], int]:
    """The claimed rows still worth sending, in due order; those past `expires_at` marked DEAD "expired"."""
    live, expired = [], 0
    for row in rows:
        if row.expires_at is not None and row.expires_at <= now:
            row.state, row.last_error = OutboxState.DEAD, EXPIRED
            expired += 1
            log.warning("outbox_expired id=%s message_id=%s kind=%s to=%s expires_at=%s",
                        row.id, row.message_id, row.kind.value, row.recipient, row.expires_at.isoformat())
        else:
            live.append(row)
    return sorted(live, key=lambda r: (r.next_attempt_at, r.id)), expired


def _claim_owners(session: Session) -> list[str]:
    """The senders holding claims now (a handful of distinct values, read by the state index)."""
    return [k for k in session.scalars(sa.select(OutboxMessage.claimed_by).distinct()
                                       .where(OutboxMessage.state == OutboxState.SENDING)) if k]


# -- delivering -------------------------------------------------------------------------------------

CANDIDATES = 200  # due ids a run reads in due order at a time, then claims a group at a time by primary key


@dataclass
class _Run:
    """One delivery run's settings, its view of dead senders, and the due rows it will try to claim next.

    Ordering every due row for each group of five would cost O(due rows) per group; the run reads
    the next `CANDIDATES` due ids once and claims its groups among all of them, one statement a group:
    the first `claim_size` still due and not locked, so rows other senders took in between are skipped
    by the database (decision 82; walking the list five ids at a time, four senders reading the same
    ids spent most of their claims on rows already taken).
    """
    now: datetime
    started: float
    owner: ClaimOwner
    claim_size: int
    stale_after: timedelta
    composers: Mapping[str, Composer]
    log: logging.Logger
    dead_owners: frozenset[str] = frozenset()
    checked: float = float("-inf")
    candidates: list[int] = field(default_factory=list)
    _statement: Any = None
    _statement_for: frozenset[str] | None = None
    _sent: Any = None

    def claim(self, session: Session, room: int) -> tuple[list[OutboxMessage], int]:
        """The next group for this run, at most `room` rows (not committed); nothing when its owner lost its lock."""
        if time.monotonic() - self.checked >= OWNER_CHECK:
            if not self.owner.alive():
                self.log.error("outbox_owner_lost owner=%s: this run stops claiming", self.owner.key)
                return [], 0
            dead = frozenset(self.owner.dead(session, _claim_owners(session)))
            self.checked = time.monotonic()
            if dead - self.dead_owners:
                self.log.warning("outbox_reclaim dead_senders=%s", ",".join(sorted(dead)))
                self.candidates = []  # their rows are the oldest due: read the candidates again
            self.dead_owners = dead
        due = _due(now=self.now, stale_after=self.stale_after, dead_owners=self.dead_owners,
                   composers=list(self.composers))
        for refilled in (False, True):
            if refilled or not self.candidates:
                self.candidates = list(session.scalars(
                    sa.select(OutboxMessage.id).where(due).order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
                    .limit(CANDIDATES)))
            if self.candidates:
                # one statement over every remaining candidate: rows other senders took (no longer due) or hold
                # locked are skipped by PostgreSQL, not walked through five at a time by each sender in turn
                claimed_at = self.now + timedelta(seconds=time.monotonic() - self.started)
                rows, expired, taken = self._claim_among(session, self.candidates, min(self.claim_size, room),
                                                         claimed_at)
                self.candidates = [i for i in self.candidates if i not in taken]
                if rows or expired:
                    return rows, expired
                self.candidates = []  # none of them is due any more: read the next ones
            if refilled:
                break
        return [], 0

    def _claim_among(self, session: Session, among: list[int], limit: int,
                     claimed_at: datetime) -> tuple[list[OutboxMessage], int, set[int]]:
        """The first `limit` still-due rows of `among`, claimed (`_claim` by primary key, the statement built once
        per run: building it cost more than running it); and the ids claimed."""
        if self._statement is None or self._statement_for != self.dead_owners:
            due = _due(now=self.now, stale_after=self.stale_after, dead_owners=self.dead_owners,
                       composers=list(self.composers))
            # rows another sender holds locked (claiming them, or stalled inside its transaction) are skipped
            chosen = (sa.select(OutboxMessage.id).where(OutboxMessage.id.in_(sa.bindparam("among", expanding=True)), due)
                      .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(sa.bindparam("limit"))
                      .with_for_update(skip_locked=True))
            self._statement = (sa.update(OutboxMessage)
                               .where(OutboxMessage.id.in_(chosen.scalar_subquery()))
                               .values(state=OutboxState.SENDING, claimed_at=sa.bindparam("claimed"),
                                       claimed_by=self.owner.key)
                               .returning(OutboxMessage))
            self._statement_for = self.dead_owners
        rows = session.scalars(self._statement, {"among": among, "limit": limit, "claimed": claimed_at},
                               execution_options={"synchronize_session": False, "populate_existing": True}).all()
        return (*_live(rows, self.now, self.log), {row.id for row in rows})

    def sent(self, session: Session, ids: list[int]) -> int:
        """Mark this run's rows `ids` SENT (the statement built once per run); how many were still its own."""
        if self._sent is None:
            self._sent = (sa.update(OutboxMessage.__table__)
                          .where(OutboxMessage.id.in_(sa.bindparam("ids", expanding=True)),
                                 OutboxMessage.state == OutboxState.SENDING, OutboxMessage.claimed_by == self.owner.key)
                          .values(state=OutboxState.SENT, sent_at=self.now, attempts=OutboxMessage.attempts + 1,
                                  last_error=None))
        return session.connection().execute(self._sent, {"ids": ids}).rowcount  # Core: no ORM bulk path


def deliver_due(sessions: sessionmaker[Session], transport: Transport, *, now: datetime,
                batch_size: int = BATCH_SIZE, claim_size: int = CLAIM_SIZE, max_attempts: int = MAX_ATTEMPTS,
                sender: str | None = None, stale_after: timedelta = STALE_CLAIM,
                composers: Mapping[str, Composer] | None = None, log: logging.Logger = log) -> DeliveryReport:
    """Send every message due at `now`, `claim_size` at a time, `batch_size` per connection; what was done.

    `sender` is the envelope sender (COORDINATOR_MAIL_FROM, where bounces go); without it each
    message's From address is used. `composers` compose the rows queued to be composed by the
    sender (rows of a composer not given wait). Retry times count from `now`; a claim records
    the real time it is made (`now` plus the time this run has taken), so the later groups of a
    long run do not look stale to another sender. A lost connection ends the run: the rest of
    its group is FAILED (retried later) and rows not yet claimed wait for the next run.
    """
    report = DeliveryReport()
    with claim_owner(sessions) as owner:
        run = _Run(now=now, started=time.monotonic(), owner=owner, claim_size=claim_size, stale_after=stale_after,
                   composers=composers or {}, log=log)
        while True:
            with sessions() as session:
                group, expired = run.claim(session, batch_size)
                report += DeliveryReport(expired=expired)
                failures = _compose(session, group, run)
                session.commit()
                if not group:
                    if expired:
                        continue  # a group of only expired rows: there may be more due behind it
                    return report
                done, lost = _send_over_one_connection(session, group, failures, transport, run, batch_size,
                                                       sender, max_attempts)
                report += done
            if lost:
                return report


def _send_over_one_connection(session: Session, group: list[OutboxMessage],
                              failures: dict[int, DeliveryFailure], transport: Transport, run: _Run,
                              batch_size: int, sender: str | None,
                              max_attempts: int) -> tuple[DeliveryReport, bool]:
    """Send group after group over one connection, each recorded (and the next claimed) in one commit."""
    report, count = DeliveryReport(), 0
    try:
        with transport.open() as connection:
            while group:
                outcomes, lost = _send_group(connection, group, failures, sender, run.log)
                report += _record(session, group, outcomes, run, max_attempts=max_attempts)
                count += len(group)
                if lost:
                    session.commit()
                    return report, True
                _let_go(session, group)
                group, failures = [], {}
                if count < batch_size:
                    group, expired = run.claim(session, batch_size - count)
                    report += DeliveryReport(expired=expired)
                    failures = _compose(session, group, run)
                session.commit()
    except ConnectionLost as lost:  # no connection: this batch's rows are tried again after their backoff
        while group:
            report += _record(session, group, {row.id: lost for row in group}, run, max_attempts=max_attempts)
            count += len(group)
            group, expired = run.claim(session, batch_size - count) if count < batch_size else ([], 0)
            report += DeliveryReport(expired=expired)
            session.commit()
        return report, True
    return report, False


def _let_go(session: Session, group: Sequence[OutboxMessage]) -> None:
    """A recorded group's rows leave the session (their outcome is written by Core statements, nothing of
    them is pending): a sender holds the group it is sending, not every row of its batch (issue 16, memory)."""
    for row in group:
        if row in session:
            session.expunge(row)


def compose_waiting(session: Session, composers: Mapping[str, Composer], *, log: logging.Logger = log) -> int:
    """Compose every row still waiting to be composed, without sending it (not committed); how many.

    Delivery composes each row as it claims it; this is for a look at the messages first (tests, previews).
    """
    rows = list(session.scalars(sa.select(OutboxMessage).where(OutboxMessage.compose.in_(list(composers)))
                                .order_by(OutboxMessage.id)))
    failures = _compose_rows(session, rows, composers, log)
    if failures:
        raise next(iter(failures.values()))
    return len(rows)


def _compose(session: Session, group: list[OutboxMessage], run: _Run) -> dict[int, DeliveryFailure]:
    return _compose_rows(session, group, run.composers, run.log)


def _compose_rows(session: Session, group: list[OutboxMessage], composers: Mapping[str, Composer],
                  log: logging.Logger) -> dict[int, DeliveryFailure]:
    """Write the bytes of the group's rows queued to be composed; a row that cannot be is a failure."""
    failures: dict[int, DeliveryFailure] = {}
    for row in group:
        if row.compose is None:
            continue
        try:
            message = composers[row.compose](session, row)
        except Exception as error:  # a composer's bug or a vanished meeting: that row fails, not the run
            log.exception("outbox_compose_failed id=%s compose=%s", row.id, row.compose)
            failures[row.id] = PermanentFailure(f"could not be composed: {type(error).__name__}: {error}")
            continue
        if message["Message-ID"] != row.message_id:
            raise ValueError(f"composer {row.compose!r} changed the Message-ID of outbox row {row.id}")
        row.content, row.subject, row.compose = message.as_bytes(), str(message["Subject"])[:300], None
    return failures


def _send_group(connection: Connection, group: Sequence[OutboxMessage], failures: dict[int, DeliveryFailure],
                sender: str | None, log: logging.Logger) -> tuple[dict[int, DeliveryFailure | None], bool]:
    """Each row's outcome (None: accepted), and whether the connection was lost on the way."""
    outcomes: dict[int, DeliveryFailure | None] = {}
    for n, row in enumerate(group):
        failure = failures.get(row.id) or _send_one(connection, row, sender)
        outcomes[row.id] = failure
        if failure is None:
            log.info("outbox_sent id=%s message_id=%s kind=%s to=%s attempt=%s",
                     row.id, row.message_id, row.kind.value, row.recipient, row.attempts + 1)
        elif isinstance(failure, ConnectionLost):
            for rest in group[n + 1:]:
                outcomes[rest.id] = failure
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


def _record(session: Session, group: Sequence[OutboxMessage], outcomes: dict[int, DeliveryFailure | None],
            run: _Run, *, max_attempts: int) -> DeliveryReport:
    """Write the group's outcomes (not committed): the sent rows in one statement, each failure on its row.

    Only rows still claimed by this run are written: a row another sender took back while this
    one stalled keeps that sender's outcome (a SENT is never turned into a retry).
    """
    log, now = run.log, run.now
    mine = sa.and_(OutboxMessage.state == OutboxState.SENDING, OutboxMessage.claimed_by == run.owner.key)
    sent_ids = [row.id for row in group if outcomes[row.id] is None]
    sent = run.sent(session, sent_ids) if sent_ids else 0
    retried = dead = 0
    for row in group:
        failure = outcomes[row.id]
        if failure is None:
            continue
        attempts, error = row.attempts + 1, str(failure)[:2000]
        fields = (f"id={row.id} message_id={row.message_id} kind={row.kind.value} to={row.recipient} "
                  f"attempt={attempts}")
        if isinstance(failure, PermanentFailure) or attempts >= max_attempts:
            values: dict[str, Any] = {"state": OutboxState.DEAD}
            log.error("outbox_dead %s permanent=%s error=%r", fields, isinstance(failure, PermanentFailure), error)
        else:
            values = {"state": OutboxState.FAILED, "next_attempt_at": now + backoff(attempts)}
            log.warning("outbox_retry %s next_attempt_at=%s error=%r", fields, values["next_attempt_at"].isoformat(),
                        error)
        written = session.execute(
            sa.update(OutboxMessage).where(OutboxMessage.id == row.id, mine)
            .values(attempts=attempts, last_error=error, **values),
            execution_options={"synchronize_session": False}).rowcount
        if written:
            if values["state"] is OutboxState.DEAD:
                dead += 1
            else:
                retried += 1
    return DeliveryReport(sent=sent, retried=retried, dead=dead)


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
    if not row.content and row.compose is None:  # a row waiting to be composed has no bytes yet
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
