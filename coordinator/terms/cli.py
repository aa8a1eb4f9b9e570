"""The `coordinator term` group: school terms (`list`, `import FILE`) and planning their meetings."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import sqlalchemy as sa
from sqlalchemy.orm import Session

from coordinator.cli_helpers import cli_actor, refuse_import
from coordinator.clock import utcnow
from coordinator.i18n import DomainError
from coordinator.org.imports import ImportFailed
from coordinator.org.models import Municipality
from coordinator.terms import services
from coordinator.terms.importer import read_terms
from coordinator.terms.models import Term
from coordinator.web import db


@click.group("term")
def term() -> None:
    """School terms (HT/VT) and planning each term's meetings."""


_MUNICIPALITY = click.option(
    "--municipality", "municipality_code", metavar="CODE",
    help="The municipality's code (kommunkod, e.g. 0180); by default the only one in the database.")



@term.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, readable=True))
@_MUNICIPALITY
def import_command(path: str, municipality_code: str | None) -> None:
    """Import terms and their breaks from CSV or XLSX (all or nothing; see docs/imports.md)."""
    session = db()
    try:
        municipality = services.municipality_for(session, municipality_code)
    except DomainError as error:
        raise click.ClickException(str(error)) from None
    file = read_terms(path, Path(path).read_bytes())
    try:
        result = services.import_terms(session, municipality, file, actor=cli_actor(), now=utcnow())
    except ImportFailed as failed:
        refuse_import(session, path, failed.problems)
    session.commit()
    click.echo(f"Terminer i {municipality.name}: {result.created} nya, {result.updated} uppdaterade, "
               f"{result.unchanged} oförändrade.")


@term.command("list")
@_MUNICIPALITY
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def list_command(municipality_code: str | None, as_json: bool) -> None:
    """List the terms with their dates, breaks and number of teaching days."""
    session = db()
    if municipality_code:
        try:
            municipalities = [services.municipality_for(session, municipality_code)]
        except DomainError as error:
            raise click.ClickException(str(error)) from None
    else:
        municipalities = list(session.scalars(sa.select(Municipality).order_by(Municipality.code)))
    terms = [_term_json(session, municipality, term)
             for municipality in municipalities for term in services.terms_of(session, municipality)]
    if as_json:
        click.echo(json.dumps(terms, ensure_ascii=False, indent=2))
        return
    if not terms:
        click.echo("Inga terminer. Kör `coordinator term import FILE` eller `coordinator demo`.")
        return
    several = len({t["municipality"] for t in terms}) > 1
    for t in terms:
        where = f"{t['municipality']}  " if several else ""
        click.echo(f"{where}{t['name']}  {t['starts_on']} – {t['ends_on']}  "
                   f"{t['teaching_days']} undervisningsdagar")
        for b in t["breaks"]:
            days = b["starts_on"] if b["starts_on"] == b["ends_on"] else f"{b['starts_on']} – {b['ends_on']}"
            click.echo(f"  {b['name']:<20} {days}")


def _term_json(session: Session, municipality: Municipality, term: Term) -> dict[str, Any]:
    calendar = services.calendar_for(session, term)
    return {
        "municipality": municipality.code, "name": term.name,
        "starts_on": term.starts_on.isoformat(), "ends_on": term.ends_on.isoformat(),
        "teaching_days": len(calendar.teaching_days()),
        "breaks": [{"kind": b.kind, "name": b.name, "starts_on": b.starts_on.isoformat(),
                    "ends_on": b.ends_on.isoformat()} for b in calendar.breaks],
    }
