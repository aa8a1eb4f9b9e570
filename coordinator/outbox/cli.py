"""Commands for the outbox: `outbox send` (deliver what is due, once), `outbox list`, `outbox retry ID`."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import click
from flask import current_app

from coordinator.cli_helpers import cli_actor
from coordinator.clock import utcnow
from coordinator.i18n import DomainError
from coordinator.invitations.deferred import composers
from coordinator.invitations.messages import MailContext
from coordinator.outbox.delivery import (
    ListedMessage,
    deliver_due,
    list_messages,
    outbox_counts,
    retry,
)
from coordinator.outbox.models import OutboxState
from coordinator.web import db


@click.group("outbox")
def outbox() -> None:
    """Mail waiting to be sent, sent, or given up."""


@outbox.command("send")
def outbox_send() -> None:
    """Send every message that is due now, once (the scheduler does this every few seconds)."""
    settings = current_app.extensions["coordinator.settings"]
    report = deliver_due(current_app.extensions["coordinator.sessions"], current_app.extensions["coordinator.mail"],
                         now=utcnow(), sender=settings.mail_from, composers=composers(MailContext.from_settings(settings)))
    click.echo(f"{report.sent} skickade, {report.retried} försöks igen senare, {report.dead} gick inte att "
               f"leverera, {report.expired} inaktuella.")


_STATES = click.Choice([state.value for state in OutboxState])


@outbox.command("list")
@click.option("--state", type=_STATES, help="Only messages in this state.")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(min=0),
              help="At most this many messages (0: all).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def outbox_list(state: str | None, limit: int, as_json: bool) -> None:
    """List messages, those that could not be delivered first, with their last error (local times)."""
    zone = ZoneInfo(current_app.extensions["coordinator.settings"].timezone)
    session = db()
    listed = list_messages(session, state=OutboxState(state) if state else None, limit=limit or None)
    rows = [_as_dict(entry, zone) for entry in listed]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    counts = outbox_counts(session)
    click.echo(", ".join(f"{s.value}: {counts[s]}" for s in OutboxState))
    if not rows:
        click.echo("Inga meddelanden.")
        return
    for row in rows:
        when = (f"skickat {_short(row['sent_at'])}" if row["state"] == "sent" else
                "gav upp" if row["state"] == "dead" else f"nästa {_short(row['next_attempt_at'])}")
        click.echo(f"{row['id']:>7} {row['state']:<8} {row['kind']:<20} {row['recipient']:<32} "
                   f"försök {row['attempts']:>2}  {when}  {row['subject']}")
        if row["last_error"]:
            click.echo(f"{'':>8}fel: {row['last_error']}")
    shown_states = [OutboxState(state)] if state else list(OutboxState)
    total = sum(counts[s] for s in shown_states)
    if total > len(rows):
        click.echo(f"… och {total - len(rows)} till (visa fler med --limit).")


@outbox.command("retry")
@click.argument("message_id", type=int, metavar="ID")
def outbox_retry(message_id: int) -> None:
    """Send a message that could not be delivered once more, at the next delivery."""
    session = db()
    try:
        retry(session, message_id, actor=cli_actor(), now=utcnow())
    except DomainError as error:
        session.rollback()
        click.echo(f"Fel: {error}", err=True)
        raise click.exceptions.Exit(1) from None
    session.commit()
    click.echo(f"Meddelande {message_id} skickas igen vid nästa utskick.")


def _as_dict(entry: ListedMessage, zone: ZoneInfo) -> dict[str, Any]:
    message = entry.message
    return {
        "id": message.id, "state": message.state.value, "kind": message.kind.value,
        "recipient": message.recipient, "subject": message.subject, "attempts": message.attempts,
        "next_attempt_at": _local(message.next_attempt_at, zone), "last_error": message.last_error,
        "sent_at": _local(message.sent_at, zone), "created_at": _local(message.created_at, zone),
        "expires_at": _local(message.expires_at, zone), "message_id": message.message_id,
        "meeting_id": message.meeting_id, "meeting": entry.meeting,
        "meeting_starts_at": _local(entry.meeting_starts_at, zone), "district_id": message.district_id,
    }


def _local(value: datetime | None, zone: ZoneInfo) -> str | None:
    """ISO 8601 in the configured timezone, with its offset: readable and still exact."""
    return value.astimezone(zone).isoformat(timespec="seconds") if value else None


def _short(iso: str | None) -> str:
    return iso[:16].replace("T", " ") if iso else "–"
