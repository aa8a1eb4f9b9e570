"""The committee report of a district's term: a printable page, and the same as PDF, CSV and XLSX.

Whoever may see the district's follow-up may take its report: the director and the district
administrator of the district, the city administrator and the auditor. Unknown districts and
terms answer 404, as does another district's report.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, render_template, request
from werkzeug.wrappers import Response

from coordinator.auth.access import require
from coordinator.auth.routes import READ_DISTRICT, permission
from coordinator.auth.permissions import Action
from coordinator.followup.indicators import section_name, shown, status_name
from coordinator.followup.report import CommitteeReport, committee_report, report_csv, report_xlsx
from coordinator.followup.services import current_term
from coordinator.org.models import District
from coordinator.terms.services import find_term
from coordinator.web import db, now, settings

bp = Blueprint("followup_report", __name__)

def _pdf(report: CommitteeReport) -> bytes:
    """fpdf2 imported with the first PDF, not by every web worker (about 17 MB each; decision 56)."""
    from coordinator.followup.report_pdf import report_pdf

    return report_pdf(report)


FORMATS = {
    "pdf": (_pdf, "application/pdf"),
    "csv": (report_csv, "text/csv; charset=utf-8"),
    "xlsx": (report_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}


@bp.get("/districts/<code>/followup/report")
@permission(READ_DISTRICT)
def report(code: str) -> str:
    """The committee report as a page to print or save."""
    return render_template("followup/report.html", report=_report(code))


@bp.get("/districts/<code>/followup/report.<any(pdf, csv, xlsx):extension>")
@permission(READ_DISTRICT)
def download(code: str, extension: str) -> Response:
    """The committee report as PDF (for the committee's papers), CSV or XLSX."""
    found = _report(code)
    render, mimetype = FORMATS[extension]
    name = f"uppfoljning-{found.district.code.lower()}-{found.term.name}.{extension}"
    return Response(render(found), mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


@bp.context_processor
def words() -> dict[str, object]:
    return {"section_name": section_name, "shown": shown, "status_name": status_name}


def _report(code: str) -> CommitteeReport:
    session = db()
    district = session.scalars(sa.select(District).where(District.code == code)).one_or_none()
    if district is None:
        abort(404)
    require(Action.VIEW, district.id)
    moment, timezone = now(), settings().timezone
    wanted = request.args.get("term")
    term = find_term(session, district.municipality, wanted) if wanted else current_term(
        session, district.municipality, moment, timezone)
    if term is None:
        abort(404)
    return committee_report(session, district, term, moment, timezone=timezone)
