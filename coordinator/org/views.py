"""Pages of the organisation: the home page with the districts, and a district's page."""
from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Blueprint, abort, render_template
from flask_babel import get_locale, gettext, lazy_gettext as _l, ngettext
from sqlalchemy.orm import Session, selectinload

from coordinator.agreements.models import (
    Agreement, AgreementVersion, Cadence, IndividualCases, MeetingForm, Scope, VersionStatus,
)
from coordinator.agreements.services import revision_overdue, staffing_warnings
from coordinator.auth.access import current_user, login_required, require
from coordinator.auth.permissions import Action, allows, visible_district_ids
from coordinator.clock import utcnow
from coordinator.org.functions import Function
from coordinator.org.models import District, Municipality, OrganiserType, Person, School, Unit, UnitKind
from coordinator.web import db, settings

bp = Blueprint("org", __name__)

ORGANISER_TYPES = {OrganiserType.MUNICIPAL: _l("Kommunal"), OrganiserType.INDEPENDENT: _l("Fristående")}
SCHOOL_FORMS = {
    "FKLASS": _l("förskoleklass"), "GR": _l("grundskola"), "GRAN": _l("anpassad grundskola"),
    "GY": _l("gymnasieskola"), "GYAN": _l("anpassad gymnasieskola"),
}
UNIT_KINDS = {
    UnitKind.SOCIAL_SERVICES: _l("Individ- och familjeomsorg"), UnitKind.LEISURE: _l("Fritid"),
    UnitKind.PRESCHOOL: _l("Förskola"), UnitKind.FIELD_WORKERS: _l("Fältassistenter"),
    UnitKind.ADMINISTRATION: _l("Förvaltningsledning och kansli"),
    UnitKind.CITY_ADMINISTRATION: _l("Stadens förvaltning"), UnitKind.POLICE: _l("Polisen"),
    UnitKind.ASSOCIATION: _l("Förening"),
}
SCOPES = {
    Scope.DISTRICT: _l("Hela stadsdelen"), Scope.PER_SCHOOL: _l("Varje skola som är part"),
    Scope.GROUP: _l("En grupp av skolor"), Scope.CITY: _l("Hela staden"),
}
INDIVIDUAL_CASES = {
    IndividualCases.NONE: _l("Inga enskilda ärenden"),
    IndividualCases.UNIDENTIFIED: _l("Endast avidentifierade elever"),
    IndividualCases.WITH_CONSENT: _l("Enskilda ärenden med samtycke"),
}
VERSION_STATUSES = {
    VersionStatus.DRAFT: _l("Utkast"), VersionStatus.ACTIVE: _l("Gällande"),
    VersionStatus.SUPERSEDED: _l("Ersatt"),
}


@bp.context_processor
def labels() -> dict[str, Any]:
    """Names of the domain's codes for this blueprint's templates, in the page's language."""
    language = get_locale().language if get_locale() else "sv"
    return {
        "organiser_types": ORGANISER_TYPES, "school_forms": SCHOOL_FORMS, "unit_kinds": UNIT_KINDS,
        "scopes": SCOPES, "individual_cases": INDIVIDUAL_CASES, "version_statuses": VERSION_STATUSES,
        "function_label": lambda function: Function(function).label(language),
        "language": language, "cadence_text": cadence_text, "minutes_text": minutes_text,
    }


def cadence_text(form: MeetingForm) -> str:
    n = form.cadence_count
    if form.cadence is Cadence.PER_TERM:
        return ngettext("%(num)d gång per termin", "%(num)d gånger per termin", n)
    if form.cadence is Cadence.PER_YEAR:
        return ngettext("%(num)d gång per år", "%(num)d gånger per år", n)
    if form.cadence is Cadence.MONTHLY:
        return gettext("Varje månad")
    return gettext("Vid behov")


def minutes_text(form: MeetingForm) -> str:
    if not form.requires_minutes:
        return gettext("Inget protokoll förs i tjänsten")
    parts = [ngettext("Protokoll inom %(num)d dag", "Protokoll inom %(num)d dagar", form.minutes_due_days)]
    if form.requires_approval:
        parts.append(gettext("justeras"))
    if form.reports_to_committee:
        parts.append(gettext("rapporteras till stadsdelsnämnden"))
    return ", ".join(parts)


def local_today() -> date:
    return utcnow().astimezone(ZoneInfo(settings().timezone)).date()


@bp.get("/")
def home() -> str:
    """The home page: the municipality's districts, and for those allowed, links and the city's agreements."""
    session = db()
    user = current_user()
    visible = visible_district_ids(user)
    counts = (
        sa.select(
            School.district_id,
            sa.func.count().filter(School.organiser_type == OrganiserType.MUNICIPAL).label("municipal"),
            sa.func.count().filter(School.organiser_type == OrganiserType.INDEPENDENT).label("independent"),
        )
        .where(School.is_active)
        .group_by(School.district_id)
        .subquery()
    )
    rows = session.execute(
        sa.select(District, sa.func.coalesce(counts.c.municipal, 0), sa.func.coalesce(counts.c.independent, 0))
        .outerjoin(counts, counts.c.district_id == District.id)
        .where(District.is_active)
        .order_by(District.name)
    ).all()
    by_municipality: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for district, municipal, independent in rows:
        by_municipality[district.municipality_id].append({
            "district": district, "municipal": municipal, "independent": independent,
            "may_open": user is not None and (visible is None or district.id in visible),
        })
    municipalities = session.scalars(
        sa.select(Municipality).where(Municipality.id.in_(list(by_municipality))).order_by(Municipality.name)
    ).all()
    city_agreements = []
    if user is not None and allows(user, Action.VIEW, None):
        city_agreements = _agreements(session, _active_versions(session, Agreement.district_id.is_(None)))
    return render_template(
        "org/home.html",
        municipalities=[(m, by_municipality[m.id]) for m in municipalities],
        city_agreements=city_agreements,
    )


@bp.get("/districts/<code>")
@login_required
def district(code: str) -> str:
    """A district: its schools, units, people, and its active agreement with the staffing warnings."""
    session = db()
    district = session.scalars(sa.select(District).where(District.code == code)).one_or_none()
    if district is None:
        abort(404)
    require(Action.VIEW, district.id)
    schools = district.schools
    units = session.scalars(sa.select(Unit).where(Unit.district_id == district.id).order_by(Unit.name)).all()
    school_ids = [s.id for s in schools]
    unit_ids = [u.id for u in units]
    people = session.scalars(
        sa.select(Person)
        .where(Person.is_active, sa.or_(Person.district_id == district.id, Person.school_id.in_(school_ids),
                                        Person.unit_id.in_(unit_ids)))
        .options(selectinload(Person.functions), selectinload(Person.school), selectinload(Person.unit),
                 selectinload(Person.deputy))
        .order_by(Person.name)
    ).all()
    agreements = _agreements(session, _active_versions(session, Agreement.district_id == district.id))
    party_school_ids = {p.school_id for entry in agreements for p in entry["version"].parties}
    return render_template(
        "org/district.html", district=district, schools=schools, units=units, people=people,
        agreements=agreements, party_school_ids=party_school_ids,
    )


def _active_versions(session: Session, owner: sa.ColumnElement[bool]) -> list[AgreementVersion]:
    return list(session.scalars(
        sa.select(AgreementVersion)
        .join(AgreementVersion.agreement)
        .where(owner, AgreementVersion.status == VersionStatus.ACTIVE)
        .options(
            selectinload(AgreementVersion.agreement),
            selectinload(AgreementVersion.contact_person),
            selectinload(AgreementVersion.parties),
            selectinload(AgreementVersion.meeting_forms).selectinload(MeetingForm.functions),
        )
        .order_by(Agreement.title)
    ))


def _agreements(session: Session, versions: list[AgreementVersion]) -> list[dict[str, Any]]:
    """What the agreement part of a page shows of each active version."""
    today = local_today()
    return [{"version": version, "is_revision_overdue": revision_overdue(version, today),
             "warnings": staffing_warnings(session, version)} for version in versions]
