"""`coordinator mail ingest FILE...`: calendar replies saved as .eml (or bare .ics) files.

Prints what each file did. A reply that is ignored (unknown, stale, malformed, not sent by the
attendee, or a bare .ics with no sender to check) is not an error: the exit code is 0. A file that
cannot be read exits 1.
"""
from __future__ import annotations

import click

from coordinator.clock import utcnow
from coordinator.invitations.messages import MailContext
from coordinator.invitations.replies import ingest_message
from coordinator.web import db, settings


@click.group("mail")
def mail() -> None:
    """Mail that comes in: calendar replies."""


@mail.command("ingest")
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
def ingest_command(files: tuple[str, ...]) -> None:
    """Read calendar replies (iMIP METHOD:REPLY) from saved mails and record the answers."""
    context = MailContext.from_settings(settings())
    session = db()
    unreadable = 0
    for path in files:
        try:
            with open(path, "rb") as file:
                raw = file.read()
        except OSError as error:
            click.echo(f"{path}: unreadable: {error.strerror or error}", err=True)
            unreadable += 1
            continue
        result = ingest_message(session, raw, mail=context, now=utcnow())
        session.commit()
        click.echo(f"{path}: {result.line()}")
    if unreadable:
        raise click.exceptions.Exit(1)
