"""Commands for the organisation: `district list`, `import schools|people FILE`."""
from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import sqlalchemy as sa

from coordinator.cli_helpers import cli_actor, refuse_import
from coordinator.clock import utcnow
from coordinator.org.importers import read_people, read_schools
from coordinator.org.imports import (
    ImportFailed,
    ImportResult,
    import_people,
    import_schools,
)
from coordinator.org.models import District, School
from coordinator.org.tables import ImportFile
from coordinator.web import db


@click.group("district")
def district() -> None:
    """The municipality's districts."""


@district.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def district_list(as_json: bool) -> None:
    """List districts with their schools (municipal / independent)."""
    rows = db().execute(
        sa.select(
            District.code, District.name,
            sa.func.count(School.id).filter(School.organiser_type == "municipal"),
            sa.func.count(School.id).filter(School.organiser_type == "independent"),
        )
        .outerjoin(School, (School.district_id == District.id) & School.is_active)
        .group_by(District.id, District.code, District.name)
        .order_by(District.name)
    ).all()
    districts = [
        {"code": code, "name": name, "municipal_schools": municipal, "independent_schools": independent}
        for code, name, municipal, independent in rows
    ]
    if as_json:
        click.echo(json.dumps(districts, ensure_ascii=False, indent=2))
        return
    if not districts:
        click.echo("Inga stadsdelar. Kör `coordinator demo` eller `coordinator import schools FILE`.")
        return
    for d in districts:
        click.echo(f"{d['code']:<16} {d['name']:<40} {d['municipal_schools']:>3} kommunala "
                   f"{d['independent_schools']:>3} fristående")


@click.group("import")
def import_group() -> None:
    """Import schools or people from CSV, XLSX or a Skolverket JSON export (all or nothing)."""



def _run_import(path: str, read: Callable[..., ImportFile[Any]], apply: Callable[..., ImportResult],
                district_code: str | None, what: str) -> None:
    """Read, check and apply a file in one transaction; report problems and exit 1 on any."""
    file = read(path, Path(path).read_bytes(), district=district_code)
    session = db()
    try:
        result = apply(session, file, actor=cli_actor(), now=utcnow())
    except ImportFailed as failed:
        refuse_import(session, path, failed.problems)
    session.commit()
    line = f"{what}: {result.created} nya, {result.updated} uppdaterade, {result.unchanged} oförändrade"
    if result.skipped:
        line += f", {result.skipped} hoppades över (ingen skolform som samverkan gäller)"
    if result.units_created:
        line += f"; {result.units_created} nya enheter"
    click.echo(line + ".")


_FILE = click.Path(exists=True, dir_okay=False, readable=True)
_DISTRICT = click.option("--district", "district_code", metavar="CODE",
                         help="The district (code) of every row; required for a Skolverket JSON export.")


@import_group.command("schools")
@click.argument("path", type=_FILE)
@_DISTRICT
def import_schools_command(path: str, district_code: str | None) -> None:
    """Import schools from CSV, XLSX or Skolverket JSON (keyed by school-unit code)."""
    _run_import(path, read_schools, import_schools, district_code, "Skolor")


@import_group.command("people")
@click.argument("path", type=_FILE)
@_DISTRICT
def import_people_command(path: str, district_code: str | None) -> None:
    """Import people from CSV or XLSX (keyed by email)."""
    _run_import(path, read_people, import_people, district_code, "Personer")
