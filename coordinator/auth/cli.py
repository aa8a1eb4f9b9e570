"""`coordinator user create`."""
from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from coordinator.auth import services
from coordinator.auth.models import Role
from coordinator.cli_helpers import cli_actor
from coordinator.clock import utcnow
from coordinator.i18n import DomainError
from coordinator.web import db

# which option to point at when a rule about a field is broken
_OPTION_FOR_FIELD = {"role": "--role", "district": "--district", "name": "--name",
                     "language": "--language", "password": "--password-stdin / prompten"}


@click.group("user", cls=AppGroup)  # AppGroup: each command runs inside the app context
def user() -> None:
    """Users and their roles."""


@user.command("create")
@click.argument("email")
@click.option("--role", required=True, metavar="ROLE",
              help="One of: " + ", ".join(r.value for r in Role) + ".")
@click.option("--district", "district_code", metavar="CODE",
              help="The district's code (required for district_director and district_admin).")
@click.option("--name", help="The person's name, shown in the UI (when no person has this email yet).")
@click.option("--language", type=click.Choice(["sv", "en"]), default="sv", show_default=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
def create(email: str, role: str, district_code: str | None, name: str | None, language: str,
           password_stdin: bool) -> None:
    """Create a login EMAIL with ROLE; the password is prompted for (never an argument)."""
    session = db()
    try:
        # check what can be checked before anyone types a password
        services.check_new_user(session, email, role, district_code)
        if password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            password = click.prompt("Lösenord", hide_input=True,
                                    confirmation_prompt="Upprepa lösenordet")
        created = services.create_user(session, email, role, district_code, password, utcnow(),
                                       name=name, language=language, actor=cli_actor())
    except DomainError as error:
        session.rollback()
        field = error.params.get("field")
        hint = f" ({_OPTION_FOR_FIELD[field]})" if field in _OPTION_FOR_FIELD else ""
        click.echo(f"Fel: {error}{hint}", err=True)
        raise click.exceptions.Exit(1) from None
    session.commit()
    where = f", {created.district.name}" if created.district is not None else ""
    click.echo(f"Användaren {created.email} är skapad ({created.role.value}{where}).")
