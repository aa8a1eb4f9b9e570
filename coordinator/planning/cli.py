"""`coordinator term plan|publish --district CODE --term HT2027 [--json]`: a district's term from the command line."""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import click
from sqlalchemy.orm import Session

from coordinator.cli_helpers import cli_actor
from coordinator.clock import utcnow
from coordinator.i18n import DomainError
from coordinator.invitations.messages import MailContext
from coordinator.planning.models import MeetingStatus
from coordinator.planning.services import (
    UID_DOMAIN,
    PlanResult,
    plan_district_term,
    publish,
)
from coordinator.terms.cli import term
from coordinator.web import db, settings

WEEKDAYS = ("mån", "tis", "ons", "tor", "fre", "lör", "sön")
STATUSES = {MeetingStatus.DRAFT: "utkast", MeetingStatus.SCHEDULED: "publicerat",
            MeetingStatus.CANCELLED: "inställt"}

_DISTRICT = click.option("--district", "district_code", required=True, metavar="CODE", help="The district's code.")
_TERM = click.option("--term", "term_name", required=True, metavar="TERM", help="The term, e.g. HT2027 or VT2028.")
_JSON = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")



@term.command("plan")
@_DISTRICT
@_TERM
@_JSON
def plan_command(district_code: str, term_name: str, as_json: bool) -> None:
    """Plan the district's term from its agreement (adds only what is missing) and show the warnings."""
    config = settings()
    result = _run(lambda session: plan_district_term(
        session, district_code, term_name, actor=cli_actor(), now=utcnow(), timezone=config.timezone,
        uid_domain=urlsplit(config.base_url).hostname or UID_DOMAIN, max_per_day=config.planner_max_meetings_per_day))
    if as_json:
        click.echo(json.dumps(as_data(result, config.timezone), ensure_ascii=False, indent=2))
        return
    _table(result, config.timezone, f"{result.added} nya möten planerades.")


@term.command("publish")
@_DISTRICT
@_TERM
@_JSON
def publish_command(district_code: str, term_name: str, as_json: bool) -> None:
    """Publish the term's coming draft meetings: they become scheduled and each invitee's invitation is queued.

    Drafts whose time has passed stay drafts; the output counts them.
    """
    config = settings()
    result = _run(lambda session: publish(session, district_code, term_name, actor=cli_actor(), now=utcnow(),
                                          timezone=config.timezone, mail=MailContext.from_settings(config),
                                          max_per_day=config.planner_max_meetings_per_day))
    done = result.publication
    assert done is not None
    if as_json:
        click.echo(json.dumps({**as_data(result, config.timezone), "published": result.published,
                               "invitations": done.invitations, "people": done.people,
                               "past_drafts": done.past_drafts}, ensure_ascii=False, indent=2))
        return
    summary = (f"{result.published} möten publicerades; {done.invitations} inbjudningar till {done.people} "
               f"personer köades.")
    if done.past_drafts:
        summary += (f" {done.past_drafts} utkast i det förflutna publicerades inte; flytta eller ställ in dem "
                    "på planeringssidan.")
    _table(result, config.timezone, summary)


def _run(use_case: Callable[[Session], PlanResult]) -> PlanResult:
    """Run a use case in one transaction: commit it, or on a broken rule say why and exit 1 with nothing written."""
    session = db()
    try:
        result = use_case(session)
    except DomainError as error:
        session.rollback()
        click.echo(f"Fel: {error}", err=True)
        raise click.exceptions.Exit(1) from None
    session.commit()
    return result


def as_data(result: PlanResult, timezone: str) -> dict[str, Any]:
    """The plan as JSON-ready data: every meeting of the district's term, then the warnings."""
    zone = ZoneInfo(timezone)
    return {
        "district": result.district.code,
        "term": result.term.name,
        "meetings": [{
            "form": m.form_name,
            "kind": m.kind.value,
            "scope": m.scope.value,
            "school": m.school_name,
            "start": m.starts_at.astimezone(zone).isoformat(),
            "end": m.ends_at.astimezone(zone).isoformat(),
            "status": m.status.value,
            "invitees": sorted(i.email for i in m.invitees),
        } for m in result.meetings],
        "warnings": [{"code": w.code, "message": w.message()} for w in result.warnings],
    }


def _table(result: PlanResult, timezone: str, done: str) -> None:
    zone = ZoneInfo(timezone)
    term = result.term
    click.echo(f"{result.district.name} {term.name} ({term.starts_on.isoformat()}–{term.ends_on.isoformat()}): "
               f"{len(result.meetings)} möten. {done}")
    rows = []
    for m in result.meetings:
        starts, ends = m.starts_at.astimezone(zone), m.ends_at.astimezone(zone)
        rows.append((f"{starts:%Y-%m-%d} {WEEKDAYS[starts.weekday()]} {starts:%H:%M}–{ends:%H:%M}",
                     m.form_name, m.school_name or m.group_name or "", STATUSES[m.status]))
    if rows:
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        for row in rows:
            click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, [*widths, 0])).rstrip())
    if result.warnings:
        click.echo(f"\nVarningar ({len(result.warnings)}):")
        for warning in result.warnings:
            click.echo(f"- {warning.message()}")
    else:
        click.echo("\nInga varningar.")
