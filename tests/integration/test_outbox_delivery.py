"""Delivering the outbox to a real SMTP server: batches, retries with backoff, dead letters, claims.

Time is walked forward by passing `now`; nothing sleeps.
"""
from __future__ import annotations

import socket
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from coordinator.audit import AuditEvent
from coordinator.db import make_session_factory
from coordinator.i18n import DomainError
from coordinator.outbox.delivery import (
    CLAIM_SIZE,
    AdvisoryOwner,
    DeliveryReport,
    claim_due,
    deliver_due,
    oldest_pending,
    outbox_counts,
    process_started,
    retry,
)
from coordinator.outbox.models import MessageKind, OutboxMessage, OutboxState
from coordinator.outbox.queue import Outgoing, enqueue
from coordinator.outbox.transports import FileTransport, transport_from_url
from tests.smtp_server import SMTPServer, free_port

NOW = datetime(2027, 9, 1, 6, 0, tzinfo=UTC)
SENDER = "samverkan@stockholm.example.se"


def message(n: int, to: str | None = None) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = f"Samverkan <{SENDER}>"
    mail["To"] = to or f"rektor{n}@skola.example.se"
    mail["Subject"] = f"Inbjudan: Elevhälsokonferens {n}"
    mail["Message-ID"] = f"<invitation-{n}@samverkan.example.se>"
    mail.set_content(f"Välkommen till elevhälsokonferensen på Ängsskolan, möte {n}.")
    return mail


def queue(session: Session, *numbers: int, to: dict[int, str] | None = None, due_at: datetime = NOW,
          expires_at: datetime | None = None) -> None:
    enqueue(session, [Outgoing(f"invitation:m{n}:p{n}:0", MessageKind.INVITATION, message(n, (to or {}).get(n)),
                               due_at, expires_at=expires_at) for n in numbers], now=NOW)
    session.commit()


@pytest.fixture
def sessions(engine: sa.Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


def rows(sessions: sessionmaker[Session]) -> dict[str, OutboxMessage]:
    """The outbox by recipient, freshly read."""
    with sessions() as session:
        return {row.recipient: row for row in session.scalars(sa.select(OutboxMessage))}


def deliver(sessions: sessionmaker[Session], url: str, at: datetime = NOW, **options: object) -> DeliveryReport:
    return deliver_due(sessions, transport_from_url(url), now=at, sender=SENDER, **options)  # type: ignore[arg-type]


def test_a_batch_goes_over_one_connection_each_message_to_its_own_recipient(session, sessions):
    queue(session, 1, 2, 3)
    with SMTPServer() as smtp:
        report = deliver(sessions, smtp.url)
    assert report == DeliveryReport(sent=3)
    assert [r.envelope_to for r in smtp.received] == [[f"rektor{n}@skola.example.se"] for n in (1, 2, 3)]
    assert [r.message["To"] for r in smtp.received] == [f"rektor{n}@skola.example.se" for n in (1, 2, 3)]
    assert [r.message["Message-ID"] for r in smtp.received] == [
        f"<invitation-{n}@samverkan.example.se>" for n in (1, 2, 3)]
    assert len({r.session_id for r in smtp.received}) == 1
    assert {r.envelope_from for r in smtp.received} == {SENDER}
    assert "Ängsskolan" in smtp.received[0].message.get_content()
    sent = rows(sessions)
    assert {r.state for r in sent.values()} == {OutboxState.SENT}
    assert {r.sent_at for r in sent.values()} == {NOW}
    assert {r.attempts for r in sent.values()} == {1}


def test_batches_are_claimed_in_due_order_one_connection_each(session, sessions):
    queue(session, 1, 2, 3, 4, 5)
    with SMTPServer() as smtp:
        assert deliver(sessions, smtp.url, batch_size=2) == DeliveryReport(sent=5)
    assert [r.message["Message-ID"] for r in smtp.received] == [
        f"<invitation-{n}@samverkan.example.se>" for n in (1, 2, 3, 4, 5)]
    connections = [r.session_id for r in smtp.received]
    assert connections[0] == connections[1] != connections[2] == connections[3] != connections[4]


def test_without_an_envelope_sender_the_from_address_is_used(session, sessions):
    queue(session, 1)
    with SMTPServer() as smtp:
        deliver_due(sessions, transport_from_url(smtp.url), now=NOW)
    assert smtp.received[0].envelope_from == SENDER


def test_a_recipient_with_a_name_gets_the_bare_address_on_the_envelope(session, sessions):
    queue(session, 1, to={1: "Åsa Öberg <asa.oberg@skola.example.se>"})
    with SMTPServer() as smtp:
        assert deliver(sessions, smtp.url) == DeliveryReport(sent=1)
    assert smtp.received[0].envelope_to == ["asa.oberg@skola.example.se"]
    assert smtp.received[0].message["To"].addresses[0].display_name == "Åsa Öberg"


def test_what_is_not_yet_due_waits_and_sending_again_sends_nothing_new(session, sessions):
    queue(session, 1)
    queue(session, 2, due_at=NOW + timedelta(hours=1))
    with SMTPServer() as smtp:
        assert deliver(sessions, smtp.url) == DeliveryReport(sent=1)
        assert deliver(sessions, smtp.url) == DeliveryReport()
        assert deliver(sessions, smtp.url, NOW + timedelta(hours=1)) == DeliveryReport(sent=1)
        assert deliver(sessions, smtp.url, NOW + timedelta(hours=2)) == DeliveryReport()
    assert [r.envelope_to for r in smtp.received] == [["rektor1@skola.example.se"], ["rektor2@skola.example.se"]]


def test_a_server_answering_451_is_retried_with_growing_waits_until_it_recovers(session, sessions):
    queue(session, 1)
    with SMTPServer() as smtp:
        smtp.failing = "451 4.3.0 Mailbox temporarily unavailable"
        assert deliver(sessions, smtp.url) == DeliveryReport(retried=1)
        row = rows(sessions)["rektor1@skola.example.se"]
        assert (row.state, row.attempts) == (OutboxState.FAILED, 1)
        assert row.next_attempt_at == NOW + timedelta(minutes=1)
        assert row.last_error == "451 4.3.0 Mailbox temporarily unavailable"

        assert deliver(sessions, smtp.url, NOW + timedelta(seconds=59)) == DeliveryReport()  # not yet
        at = NOW + timedelta(minutes=1)
        assert deliver(sessions, smtp.url, at) == DeliveryReport(retried=1)
        assert rows(sessions)["rektor1@skola.example.se"].next_attempt_at == at + timedelta(minutes=2)

        at += timedelta(minutes=2)
        assert deliver(sessions, smtp.url, at) == DeliveryReport(retried=1)
        assert rows(sessions)["rektor1@skola.example.se"].next_attempt_at == at + timedelta(minutes=4)

        smtp.failing = None
        assert smtp.received == []
        at += timedelta(minutes=4)
        assert deliver(sessions, smtp.url, at) == DeliveryReport(sent=1)
    row = rows(sessions)["rektor1@skola.example.se"]
    assert (row.state, row.attempts, row.sent_at, row.last_error) == (OutboxState.SENT, 4, at, None)
    assert [r.message["Message-ID"] for r in smtp.received] == ["<invitation-1@samverkan.example.se>"]


def test_an_address_refused_with_550_is_dead_at_once_and_the_others_are_sent(session, sessions):
    queue(session, 1, 2, 3)
    with SMTPServer() as smtp:
        smtp.refuse["rektor2@skola.example.se"] = "550 5.1.1 <rektor2@skola.example.se>: No such user"
        assert deliver(sessions, smtp.url) == DeliveryReport(sent=2, dead=1)
        assert deliver(sessions, smtp.url, NOW + timedelta(days=1)) == DeliveryReport()
    assert [r.envelope_to for r in smtp.received] == [["rektor1@skola.example.se"], ["rektor3@skola.example.se"]]
    dead = rows(sessions)["rektor2@skola.example.se"]
    assert (dead.state, dead.attempts) == (OutboxState.DEAD, 1)
    assert dead.last_error == "550 5.1.1 <rektor2@skola.example.se>: No such user"


def test_when_the_server_is_down_the_batch_fails_and_is_delivered_after_it_returns(session, sessions):
    queue(session, 1, 2)
    port = free_port()  # nothing listens there yet
    url = f"smtp://127.0.0.1:{port}"
    assert deliver(sessions, url) == DeliveryReport(retried=2)
    failed = rows(sessions)
    assert {r.state for r in failed.values()} == {OutboxState.FAILED}
    assert all("cannot connect to 127.0.0.1" in (r.last_error or "") for r in failed.values())
    assert {r.next_attempt_at for r in failed.values()} == {NOW + timedelta(minutes=1)}
    with SMTPServer(port=port) as smtp:
        assert deliver(sessions, url, NOW + timedelta(minutes=1)) == DeliveryReport(sent=2)
    assert sorted(r.envelope_to[0] for r in smtp.received) == ["rektor1@skola.example.se", "rektor2@skola.example.se"]


def test_a_connection_closed_mid_batch_fails_the_rest_and_ends_the_run(session, sessions):
    queue(session, 1, 2, 3, 4)
    with SMTPServer() as smtp:
        smtp.refuse["rektor2@skola.example.se"] = "421 4.3.2 Service shutting down"
        assert deliver(sessions, smtp.url, batch_size=3) == DeliveryReport(sent=1, retried=2)
        state = {to: r.state for to, r in rows(sessions).items()}
        assert state == {"rektor1@skola.example.se": OutboxState.SENT, "rektor2@skola.example.se": OutboxState.FAILED,
                         "rektor3@skola.example.se": OutboxState.FAILED, "rektor4@skola.example.se": OutboxState.PENDING}
        assert rows(sessions)["rektor3@skola.example.se"].last_error == "421 4.3.2 Service shutting down"
        del smtp.refuse["rektor2@skola.example.se"]
        assert deliver(sessions, smtp.url) == DeliveryReport(sent=1)  # the one never tried
        assert deliver(sessions, smtp.url, NOW + timedelta(minutes=1)) == DeliveryReport(sent=2)
    assert sorted(r.envelope_to[0] for r in smtp.received) == [f"rektor{n}@skola.example.se" for n in (1, 2, 3, 4)]


def test_after_the_attempt_limit_the_message_is_dead_with_its_error(session, sessions):
    queue(session, 1)
    url = f"smtp://127.0.0.1:{free_port()}"
    at = NOW
    for attempt in range(1, 4):
        report = deliver(sessions, url, at, max_attempts=3)
        row = rows(sessions)["rektor1@skola.example.se"]
        assert row.attempts == attempt
        at = row.next_attempt_at
    assert report == DeliveryReport(dead=1)
    assert row.state is OutboxState.DEAD
    assert "cannot connect" in (row.last_error or "")
    assert deliver(sessions, url, at + timedelta(days=7), max_attempts=3) == DeliveryReport()


def test_a_message_whose_moment_has_passed_is_dropped_as_expired(session, sessions):
    queue(session, 1, expires_at=NOW + timedelta(hours=1))
    queue(session, 2, expires_at=NOW - timedelta(minutes=1))
    with SMTPServer() as smtp:
        assert deliver(sessions, smtp.url) == DeliveryReport(sent=1, expired=1)
    assert [r.envelope_to for r in smtp.received] == [["rektor1@skola.example.se"]]
    expired = rows(sessions)["rektor2@skola.example.se"]
    assert (expired.state, expired.last_error, expired.attempts) == (OutboxState.DEAD, "expired", 0)


def test_a_failed_reminder_that_expires_before_its_retry_is_dropped(session, sessions):
    queue(session, 1, expires_at=NOW + timedelta(seconds=30))
    with SMTPServer() as smtp:
        smtp.failing = "451 4.3.0 Try again later"
        assert deliver(sessions, smtp.url) == DeliveryReport(retried=1)
        smtp.failing = None
        assert deliver(sessions, smtp.url, NOW + timedelta(minutes=1)) == DeliveryReport(expired=1)
    assert smtp.received == []


def test_a_batch_of_only_expired_messages_does_not_hide_the_due_ones_behind_it(session, sessions):
    queue(session, 1, 2, expires_at=NOW - timedelta(minutes=1))
    queue(session, 3)
    with SMTPServer() as smtp:
        assert deliver(sessions, smtp.url, batch_size=2) == DeliveryReport(sent=1, expired=2)


def test_a_claim_of_a_sender_not_seen_dead_is_sent_again_after_the_timeout_with_the_same_message_id(
        session, sessions):
    queue(session, 1, 2)
    with sessions() as stalled_sender:  # no owner to look at: as a sender on another machine, or stalled
        claimed = claim_due(stalled_sender, now=NOW, limit=1)
    assert [r.recipient for r in claimed] == ["rektor1@skola.example.se"]
    with SMTPServer() as smtp:
        assert deliver(sessions, smtp.url) == DeliveryReport(sent=1)  # the claim is fresh: left alone
        assert deliver(sessions, smtp.url, NOW + timedelta(minutes=2)) == DeliveryReport()
        assert deliver(sessions, smtp.url, NOW + timedelta(minutes=4)) == DeliveryReport(sent=1)
    assert [(r.envelope_to[0], r.message["Message-ID"]) for r in smtp.received] == [
        ("rektor2@skola.example.se", "<invitation-2@samverkan.example.se>"),
        ("rektor1@skola.example.se", "<invitation-1@samverkan.example.se>"),
    ]
    assert smtp.received[1].raw.replace(b"\r\n", b"\n") == rows(sessions)["rektor1@skola.example.se"].content.replace(
        b"\r\n", b"\n")


class Dying:
    """Another sender's claim owner, which dies when told: on PostgreSQL its advisory-lock session
    ends (as when its process is killed), on SQLite its real process is killed."""

    def __init__(self, engine: sa.Engine) -> None:
        self.child: subprocess.Popen[bytes] | None = None
        if engine.dialect.name == "postgresql":
            self.owner = AdvisoryOwner(engine)
            self.key = self.owner.key
        else:
            self.child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
            pid = self.child.pid
            self.key = f"local:{socket.gethostname()}:{pid}:{process_started(pid)}:0a0a0a0a"

    def die(self) -> None:
        if self.child is None:
            self.owner.close()
        else:
            self.child.kill()
            self.child.wait()


def test_a_dead_senders_claim_is_sent_at_once_and_a_live_ones_is_left_alone(engine, session, sessions):
    queue(session, 1, 2)
    other = Dying(engine)
    try:
        with sessions() as other_sender:
            claim_due(other_sender, now=NOW, limit=1, owner=other.key)
        with SMTPServer() as smtp:
            assert deliver(sessions, smtp.url) == DeliveryReport(sent=1)  # alive: its claim is its own
            other.die()
            assert deliver(sessions, smtp.url) == DeliveryReport(sent=1)  # dead: at once, not minutes later
    finally:
        other.die()
    assert [r.message["Message-ID"] for r in smtp.received] == [
        "<invitation-2@samverkan.example.se>", "<invitation-1@samverkan.example.se>"]


class DiesAfter:
    """A transport whose process dies (SystemExit) as it hands over the `n`-th message, the server having taken it."""

    def __init__(self, url: str, n: int) -> None:
        self.transport, self.left = transport_from_url(url), n

    @contextmanager
    def open(self) -> Iterator[DiesAfter]:
        with self.transport.open() as connection:
            self.connection = connection
            yield self

    def send(self, raw: bytes, sender: str, recipient: str) -> None:
        self.connection.send(raw, sender, recipient)
        self.left -= 1
        if self.left == 0:
            raise SystemExit("killed")


def test_a_sender_dying_mid_batch_leaves_only_its_last_group_unrecorded_and_that_is_sent_again_at_once(
        session, sessions):
    queue(session, *range(1, 31))
    with SMTPServer() as smtp:
        with pytest.raises(SystemExit):
            deliver_due(sessions, DiesAfter(smtp.url, 13), now=NOW, sender=SENDER)
        states = Counter(r.state for r in rows(sessions).values())
        # recorded as they went, a group of CLAIM_SIZE at a time: not a batch of 200 left claimed
        assert states == {OutboxState.SENT: 10, OutboxState.SENDING: 5, OutboxState.PENDING: 15}
        assert deliver(sessions, smtp.url) == DeliveryReport(sent=20)  # the dead run's claims at once
    ids = Counter(r.message["Message-ID"] for r in smtp.received)
    assert len(ids) == 30
    assert sorted(n for n in ids.values() if n > 1) == [2, 2, 2]  # the three taken before the death, again
    assert CLAIM_SIZE == 5


def test_a_shorter_stale_claim_timeout_takes_an_abandoned_claim_back_sooner(session, sessions):
    queue(session, 1)
    with sessions() as dying_sender:
        claim_due(dying_sender, now=NOW, limit=1)
    with SMTPServer() as smtp:
        late = NOW + timedelta(seconds=31)
        assert deliver(sessions, smtp.url, late, stale_after=timedelta(seconds=30)) == DeliveryReport(sent=1)
    assert [r.message["Message-ID"] for r in smtp.received] == ["<invitation-1@samverkan.example.se>"]


def test_concurrent_senders_never_claim_the_same_row(session, sessions):
    queue(session, *range(1, 121))
    claims: list[list[int]] = []
    start = threading.Barrier(4)

    def sender() -> None:
        mine: list[int] = []
        start.wait()
        while True:
            with sessions() as own:
                batch = claim_due(own, now=NOW, limit=7)
            if not batch:
                break
            mine.extend(row.id for row in batch)
        claims.append(mine)

    threads = [threading.Thread(target=sender) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    claimed = [row_id for mine in claims for row_id in mine]
    assert len(claimed) == 120
    assert len(set(claimed)) == 120


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)  # SKIP LOCKED is PostgreSQL's; SQLite runs one sender
def test_on_postgresql_a_sender_skips_rows_another_has_locked(engine, session, sessions):
    queue(session, 1, 2, 3, 4)
    with sessions() as first:  # another sender, between choosing its rows and committing its claim
        locked = first.scalars(sa.select(OutboxMessage.id).order_by(OutboxMessage.id).limit(2)
                               .with_for_update()).all()
        with sessions() as second:
            second.execute(sa.text("SET LOCAL lock_timeout = '2s'"))  # waiting for the lock would be the bug
            claimed = claim_due(second, now=NOW, limit=10)
        assert sorted(row.id for row in claimed) == sorted(set(_all_ids(sessions)) - set(locked))
        first.rollback()


def _all_ids(sessions: sessionmaker[Session]) -> list[int]:
    with sessions() as session:
        return list(session.scalars(sa.select(OutboxMessage.id)))


def test_counts_by_state_and_the_oldest_unsent_message(session, sessions):
    with sessions() as fresh:
        assert outbox_counts(fresh) == dict.fromkeys(OutboxState, 0)
        assert oldest_pending(fresh) is None
    queue(session, 1, 2, 3)
    queue(session, 4, due_at=NOW + timedelta(hours=2))
    with SMTPServer() as smtp:
        smtp.refuse["rektor2@skola.example.se"] = "550 5.1.1 No such user"
        smtp.refuse["rektor3@skola.example.se"] = "452 4.2.2 Mailbox full"
        deliver(sessions, smtp.url)
    with sessions() as fresh:
        assert outbox_counts(fresh) == {OutboxState.PENDING: 1, OutboxState.SENDING: 0, OutboxState.SENT: 1,
                                        OutboxState.FAILED: 1, OutboxState.DEAD: 1, OutboxState.MERGED: 0}
        oldest = oldest_pending(fresh)
        assert oldest is not None
        assert (oldest.recipient, oldest.next_attempt_at) == ("rektor3@skola.example.se", NOW + timedelta(minutes=1))


def test_an_administrator_sends_a_dead_message_again(session, sessions):
    queue(session, 1)
    with SMTPServer() as smtp:
        smtp.refuse["rektor1@skola.example.se"] = "550 5.7.1 Relaying denied"
        deliver(sessions, smtp.url)
        del smtp.refuse["rektor1@skola.example.se"]
        later = NOW + timedelta(hours=3)
        with sessions() as admin:
            row = retry(admin, rows(sessions)["rektor1@skola.example.se"].id, actor="stad@example.se", now=later)
            assert (row.state, row.next_attempt_at, row.attempts) == (OutboxState.PENDING, later, 1)
            admin.commit()
        assert deliver(sessions, smtp.url, later) == DeliveryReport(sent=1)
    assert [r.message["Message-ID"] for r in smtp.received] == ["<invitation-1@samverkan.example.se>"]
    with sessions() as fresh:
        event = fresh.scalars(sa.select(AuditEvent).where(AuditEvent.action == "outbox_retry")).one()
        assert (event.actor, event.before["state"], event.after["state"]) == ("stad@example.se", "dead", "pending")
        assert event.before["last_error"] == "550 5.7.1 Relaying denied"


def test_only_dead_messages_can_be_sent_again_and_not_expired_ones(session, sessions):
    queue(session, 1)
    queue(session, 2, expires_at=NOW)
    with sessions() as admin:
        pending = admin.scalars(sa.select(OutboxMessage).where(OutboxMessage.recipient.startswith("rektor1"))).one()
        with pytest.raises(DomainError, match="Bara meddelanden som inte kunde levereras"):
            retry(admin, pending, actor="stad@example.se", now=NOW)
        with pytest.raises(DomainError, match="finns inte"):
            retry(admin, 999_999, actor="stad@example.se", now=NOW)
    deliver(sessions, f"smtp://127.0.0.1:{free_port()}")
    with sessions() as admin:
        expired = admin.scalars(sa.select(OutboxMessage).where(OutboxMessage.recipient.startswith("rektor2"))).one()
        assert expired.state is OutboxState.DEAD
        with pytest.raises(DomainError, match="har passerat"):
            retry(admin, expired, actor="stad@example.se", now=NOW)


def test_the_file_transport_writes_one_eml_per_message_and_a_resend_overwrites_it(session, sessions, tmp_path):
    queue(session, 1, 2)
    transport = FileTransport(tmp_path / "mail")
    with sessions() as dying_sender:  # wrote the first message, then died before recording it
        [claimed] = claim_due(dying_sender, now=NOW, limit=1)
        with transport.open() as connection:
            connection.send(claimed.content, SENDER, claimed.recipient)
    assert deliver_due(sessions, transport, now=NOW) == DeliveryReport(sent=1)
    assert deliver_due(sessions, transport, now=NOW + timedelta(minutes=6)) == DeliveryReport(sent=1)
    files = sorted((tmp_path / "mail").glob("*.eml"))
    assert len(files) == 2
    stored = rows(sessions)
    assert sorted(f.read_bytes() for f in files) == sorted(r.content for r in stored.values())


def test_every_send_and_every_failure_is_logged_as_a_structured_line(session, sessions, caplog):
    queue(session, 1, 2, 3)
    queue(session, 4, expires_at=NOW)
    with SMTPServer() as smtp, caplog.at_level("INFO", logger="coordinator.outbox"):
        smtp.refuse["rektor2@skola.example.se"] = "550 5.1.1 No such user"
        smtp.refuse["rektor3@skola.example.se"] = "452 4.2.2 Mailbox full"
        deliver(sessions, smtp.url)
    lines = {r.getMessage().split(" ", 1)[0]: r.getMessage() for r in caplog.records if r.name == "coordinator.outbox"}
    assert lines["outbox_sent"].startswith("outbox_sent id=")
    assert "message_id=<invitation-1@samverkan.example.se> kind=invitation to=rektor1@skola.example.se attempt=1" \
        in lines["outbox_sent"]
    assert "to=rektor2@skola.example.se" in lines["outbox_dead"] and "550 5.1.1 No such user" in lines["outbox_dead"]
    assert "next_attempt_at=2027-09-01T06:01:00+00:00" in lines["outbox_retry"]
    assert "to=rektor4@skola.example.se" in lines["outbox_expired"]
