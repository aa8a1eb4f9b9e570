"""The outbox: every mail the product sends is first a row here, written with the change that caused it.

The message is rendered when it is queued (what is sent is what was decided) and kept as
its bytes with a stable Message-ID, so a retry sends the very same message. `dedupe_key` is
unique: queueing the same thing twice, or from two processes, stores it once.
"""
from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from coordinator.db import Base, enum_column


class OutboxState(enum.Enum):
    PENDING = "pending"   # waiting for its next_attempt_at
    SENDING = "sending"   # claimed by a sender (claimed_by: which; taken back at once when it has died)
    SENT = "sent"
    FAILED = "failed"     # the last attempt failed; retried at next_attempt_at
    DEAD = "dead"         # gave up after the attempt limit or a permanent refusal; shown to administrators
    MERGED = "merged"     # never sent by itself: a catch-up message to the same person carried it


class MessageKind(enum.Enum):
    INVITATION = "invitation"          # METHOD:REQUEST, first sending
    UPDATE = "update"                  # METHOD:REQUEST with a higher SEQUENCE
    CANCELLATION = "cancellation"      # METHOD:CANCEL (meeting cancelled, or invitee removed)
    RSVP_REMINDER = "rsvp_reminder"
    PRE_MEETING_REMINDER = "pre_meeting_reminder"
    MINUTES_REMINDER = "minutes_reminder"
    MINUTES_ESCALATION = "minutes_escalation"
    APPROVAL_REMINDER = "approval_reminder"
    REPORT_REMINDER = "report_reminder"
    ACTION_ITEM_REMINDER = "action_item_reminder"
    REVISION_DUE = "revision_due"
    TERM_NOT_PLANNED = "term_not_planned"
    DIGEST = "digest"
    LOGIN_INVITATION = "login_invitation"  # an administrator invited someone to a login: set a password
    PASSWORD_RESET = "password_reset"      # "forgot my password"
    CATCH_UP = "catch_up"              # one person's reminders of a sweep after an outage, in one message
    CONCERN_UNBOOKED = "concern_unbooked"    # a report of concern with no report meeting after N days
    CONCERN_DEADLINES = "concern_deadlines"  # the intake group's daily list of reports and deadlines
    CONSULTATION_REMINDER = "consultation_reminder"  # queued with the booking, due before it (consultations/)


class OutboxMessage(Base):
    __tablename__ = "outbox_message"
    __table_args__ = (
        # the sender's query: due rows by state and time
        sa.Index("ix_outbox_message_due", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(sa.String(200), unique=True)  # e.g. invitation:<uid>:<person>:<seq>
    message_id: Mapped[str] = mapped_column(sa.String(250), unique=True)  # "<...@domain>", kept on retries
    kind: Mapped[MessageKind] = mapped_column(enum_column(MessageKind))
    meeting_id: Mapped[int | None] = mapped_column(sa.ForeignKey("meeting.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"), index=True)
    district_id: Mapped[int | None] = mapped_column(sa.ForeignKey("district.id"), index=True)
    recipient: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(300))
    content: Mapped[bytes] = mapped_column(sa.LargeBinary)  # the whole RFC 5322 message
    state: Mapped[OutboxState] = mapped_column(enum_column(OutboxState), default=OutboxState.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]  # when it is due (a reminder's moment, or the retry time)
    expires_at: Mapped[datetime | None]  # not worth sending after this (a pre-meeting reminder); dropped as dead
    claimed_at: Mapped[datetime | None]
    # the sender holding the claim (delivery.SenderIdentity): "pg:<advisory key>" or "local:<host>:<pid>:<start>"
    claimed_by: Mapped[str | None] = mapped_column(sa.String(120))
    # set while the message waits to be composed by the sender (`content` empty until then): what to compose,
    # e.g. "invitation" (coordinator/invitations/deferred.py); the Message-ID is fixed when queued
    compose: Mapped[str | None] = mapped_column(sa.String(40))
    sequence: Mapped[int | None]  # the SEQUENCE a message composed by the sender carries, fixed when queued
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
