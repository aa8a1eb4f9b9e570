"""Commands for the organisation: `district list`, `import schools|people FILE`."""
from __future__ import annotations

import json

import click
import sqlalchemy as sa

from coordinator.org.models import District, School
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
