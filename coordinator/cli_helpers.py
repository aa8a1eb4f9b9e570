"""What the capabilities' commands share: who acts from a shell, and how a refused import is told."""
from __future__ import annotations

import getpass
from typing import NoReturn

import click
from sqlalchemy.orm import Session

from coordinator.org.tables import ImportProblem


def cli_actor() -> str:
    """The audit actor of a command run from a shell: cli:<login name>."""
    try:
        return f"cli:{getpass.getuser()}"
    except (OSError, KeyError):  # containers may run as a uid with no name
        return "cli"


def refuse_import(session: Session, path: str, problems: list[ImportProblem]) -> NoReturn:
    """Roll back, list every problem of the file on stderr, and exit 1: nothing was imported."""
    session.rollback()
    click.echo(f"{len(problems)} fel i {path}:", err=True)
    for problem in problems:
        click.echo(f"  {problem.message}", err=True)
    click.echo("Inget importerades.", err=True)
    raise click.exceptions.Exit(1)
