"""`coordinator report`: the committee report of a district's term, or the city's districts side by side, as a file.

    coordinator report --district CODE --term HT2027 --format csv|xlsx|pdf [--output FILE]
    coordinator report --city [--municipality CODE] --term HT2027 --format csv|xlsx [--output FILE]

Without --output the file is written to the current folder as uppfoljning-<code>-<term>.<format>
(`--output -` writes to standard output). An unknown district or term says so and exits 1.
"""
from __future__ import annotations

import sys
from pathlib import Path

import click

from coordinator.followup.report import city_rows, committee_report, report_csv, report_xlsx
from coordinator.followup.services import city_followup, find_district_term
from coordinator.i18n import DomainError
from coordinator.minutes.export import to_csv, to_xlsx
from coordinator.terms.services import get_term, municipality_for
from coordinator.web import db, now, settings


@click.command("report")
@click.option("--district", "district_code", metavar="CODE", help="The district's code.")
@click.option("--city", "is_city", is_flag=True, help="Every district of the municipality side by side.")
@click.option("--municipality", "municipality_code", metavar="CODE", help="With --city: the municipality (kommunkod).")
@click.option("--term", "term_name", required=True, metavar="TERM", help="The term, e.g. HT2027 or VT2028.")
@click.option("--format", "file_format", type=click.Choice(["csv", "xlsx", "pdf"]), default="pdf", show_default=True)
@click.option("--output", "output", metavar="FILE", help="Where to write the file ('-': standard output).")
def report(district_code: str | None, is_city: bool, municipality_code: str | None, term_name: str,
           file_format: str, output: str | None) -> None:
    """Write the follow-up report of a district's term (or, with --city, the districts side by side)."""
    if is_city == bool(district_code):
        raise click.UsageError("Ange antingen --district KOD eller --city.")
    if is_city and file_format == "pdf":
        raise click.UsageError("Stadens jämförelse skrivs som csv eller xlsx.")
    session, config, moment = db(), settings(), now()
    try:
        if is_city:
            municipality = municipality_for(session, municipality_code)
            term = get_term(session, municipality, term_name)
            header, rows = city_rows(city_followup(session, municipality, term, moment, timezone=config.timezone))
            body = to_csv(header, rows) if file_format == "csv" else to_xlsx(f"Jämförelse {term.name}", header, rows)
            name = f"uppfoljning-staden-{term.name}.{file_format}"
        else:
            district, term = find_district_term(session, district_code or "", term_name)
            found = committee_report(session, district, term, moment, timezone=config.timezone)
            if file_format == "pdf":  # fpdf2 only when a PDF is asked for: every `coordinator` command loads this module
                from coordinator.followup.report_pdf import report_pdf

                body = report_pdf(found)
            else:
                body = {"csv": report_csv, "xlsx": report_xlsx}[file_format](found)
            name = f"uppfoljning-{district.code.lower()}-{term.name}.{file_format}"
    except DomainError as error:
        click.echo(f"Fel: {error}", err=True)
        raise click.exceptions.Exit(1) from None
    finally:
        session.rollback()  # the report only reads
    if output == "-":
        sys.stdout.buffer.write(body)
        return
    path = Path(output or name)
    path.write_bytes(body)
    click.echo(f"Skrev {path} ({len(body):,} byte).".replace(",", " "))
