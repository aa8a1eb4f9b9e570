"""`coordinator demo [--if-empty] [--without-history]`: load the demo and print its logins."""
from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import with_appcontext
from sqlalchemy.orm import Session

from coordinator.auth.models import Role, User
from coordinator.clock import utcnow
from coordinator.demo import data
from coordinator.demo.loader import load_demo
from coordinator.demo.outbox import record_history_mail
from coordinator.i18n import DomainError
from coordinator.invitations.messages import MailContext
from coordinator.org.models import District
from coordinator.web import db, settings
from jobs.tasks import timing_of

ROLE_NAMES = {
    Role.CITY_ADMIN: "stadens administratör",
    Role.DISTRICT_DIRECTOR: "stadsdelsdirektör",
    Role.DISTRICT_ADMIN: "stadsdelsadministratör",
    Role.PARTICIPANT: "deltagare (rektor)",
    Role.AUDITOR: "revisor",
    Role.INTAKE_OFFICER: "mottagningsgruppen",
}


def login_table(session: Session) -> list[str]:
    """The demo logins present in the database, as lines of a table (empty when there are none)."""
    emails = [data.login_email(login) for login in data.LOGINS]
    users = {u.email: u for u in session.scalars(sa.select(User).where(User.email.in_(emails)))}
    rows = [(u.email, data.PASSWORD, ROLE_NAMES[u.role], u.district.name if u.district else "")
            for u in (users.get(email) for email in emails) if u is not None]
    if not rows:
        return []
    header = ("E-post", "Lösenord", "Roll", "Stadsdel")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in [header, *rows]]
    return [lines[0], "  ".join("-" * width for width in widths), *lines[1:]]


@click.command("demo")
@click.option("--if-empty", is_flag=True,
              help="Läs bara in demon när databasen saknar stadsdelar (för `make run`).")
@click.option("--without-history", is_flag=True,
              help="Utan föregående läsår och terminen hittills: inga möten, protokoll eller svar.")
@with_appcontext
def demo(if_empty: bool, without_history: bool) -> None:
    """Load the demo municipality with the previous school year and the current term so far
    (loading it twice changes nothing)."""
    session = db()
    if if_empty and session.scalars(sa.select(District.id).limit(1)).first() is not None:
        click.echo("Databasen har redan stadsdelar; demon lästes inte in.")
    else:
        now, config = utcnow(), settings()
        try:
            created = load_demo(session, now=now, history=not without_history)
            if created["möten"]:
                sent = record_history_mail(session, now, MailContext.from_settings(config), timing_of(config),
                                           term_plan_weeks=config.term_plan_weeks)
                if sent:
                    created["utskick som historien redan skickat"] = sent
        except DomainError as error:  # data in the way of the demo, e.g. a school moved to another district
            session.rollback()
            raise click.ClickException(str(error)) from None
        session.commit()
        if created:
            click.echo("Demon är inläst: " + ", ".join(f"{n} {what}" for what, n in created.items()) + ".")
        else:
            click.echo("Demon är redan inläst; inget ändrades.")
    table = login_table(session)
    if table:
        click.echo("\nInloggningar i demon:")
        for line in table:
            click.echo(line)
