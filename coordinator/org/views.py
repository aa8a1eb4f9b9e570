"""Pages of the organisation: the home page with the districts, and a district's page."""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Blueprint, abort, render_template, url_for
from sqlalchemy.orm import Session, joinedload, selectinload
from werkzeug.wrappers import Response

from coordinator.agreements.models import (
    Agreement,
    AgreementVersion,
    MeetingForm,
    VersionStatus,
)
from coordinator.agreements.services import revision_overdue, staffing_warnings
from coordinator.auth.access import current_user, require
from coordinator.auth.models import Role, User
from coordinator.auth.permissions import Action, allows, visible_district_ids
from coordinator.auth.routes import ANYONE, READ_DISTRICT, permission
from coordinator.cases.views import day_text, days_left_text
from coordinator.clock import utcnow
from coordinator.invitations.tokens import make_token
from coordinator.minutes.register_views import own_work
from coordinator.org.front import coming_invitations, intake_desk, past_invitations, term_at_a_glance
from coordinator.org.labels import template_words
from coordinator.org.models import (
    District,
    Municipality,
    OrganiserType,
    Person,
    School,
    SchoolGroup,
    Unit,
)
from coordinator.pagination import paginate
from coordinator.planning.models import Answer
from coordinator.terms.services import current_term, terms_of
from coordinator.web import db, requested_page, settings

bp = Blueprint("org", __name__)

# the organisation's words on every page: the district page and the administrators' pages alike
bp.app_context_processor(template_words)


def local_today() -> date:
    return utcnow().astimezone(ZoneInfo(settings().timezone)).date()


@bp.get("/")
@permission(ANYONE)
def home() -> str | Response:
    """The front page: a director's current term, a participant's own meetings and work, an administrator's protocol
    register, an intake officer's open reports and the day's consultations; the municipality's districts for the
    others and the anonymous."""
    session = db()
    user = current_user()
    if user is not None:
        front = _front_page(session, user)
        if front is not None:
            return front
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
@permission(READ_DISTRICT)
def district(code: str) -> str:
    """A district: its schools, units, how many people (the list is a page of its own), and its active agreement
    with the staffing warnings."""
    session = db()
    district = session.scalars(sa.select(District).where(District.code == code)).one_or_none()
    if district is None:
        abort(404)
    require(Action.VIEW, district.id)
    schools = district.schools
    units = session.scalars(sa.select(Unit).where(Unit.district_id == district.id).order_by(Unit.name)).all()
    school_ids = [s.id for s in schools]
    unit_ids = [u.id for u in units]
    # the people a page at a time on their own page (searchable, with functions and deputies): here only how many
    # (about 350 in a city district, every one with their functions, was most of this page's time)
    people = session.scalar(
        sa.select(sa.func.count()).select_from(Person)
        .where(Person.is_active, sa.or_(Person.district_id == district.id, Person.school_id.in_(school_ids),
                                        Person.unit_id.in_(unit_ids))))
    agreements = _agreements(session, _active_versions(session, Agreement.district_id == district.id))
    party_school_ids = {p.school_id for entry in agreements for p in entry["version"].parties}
    return render_template(
        "org/district.html", district=district, schools=schools, units=units, people=people,
        agreements=agreements, party_school_ids=party_school_ids,
    )


def _front_page(session: Session, user: User) -> str | Response | None:
    """The role's own front page, or None for the districts' list."""
    district = user.district
    # the page itself, not a redirect: the address stays the front page's
    if user.role is Role.DISTRICT_ADMIN and district is not None:
        from coordinator.minutes.register_views import register
        return register(district.code)
    now = utcnow()
    if user.role is Role.DISTRICT_DIRECTOR and district is not None:
        terms = terms_of(session, district.municipality)
        glance = term_at_a_glance(session, district, current_term(terms, local_today()), now) if terms else None
        return render_template("org/director_home.html", district=district, glance=glance,
                               mine=_my_meetings(session, user, now) if user.person_id else None)
    if user.role is Role.PARTICIPANT:
        return render_template("org/participant_home.html", mine=_my_meetings(session, user, now))
    if user.role is Role.INTAKE_OFFICER and district is not None:
        zone = settings().timezone
        today = now.astimezone(ZoneInfo(zone)).date()
        return render_template("org/intake_home.html", district=district, today=today, now=now,
                               desk=intake_desk(session, district, today, zone), day=day_text,
                               days_left_text=days_left_text)
    return None


def _my_meetings(session: Session, user: User, now: datetime) -> dict[str, Any]:
    """A person's coming meetings (a page of them), the answers still to give, the minutes to write and approve."""
    if user.person_id is None:
        return {"coming": paginate([], 1), "open": [], "to_write": [], "to_confirm": [], "past": []}
    coming = coming_invitations(session, user.person_id, now)
    to_write, to_confirm = own_work(user.person_id)
    secret = settings().secret_key
    return {
        "coming": paginate(coming, requested_page(), size=20),
        "open": [i for i in coming if i.answer is Answer.NEEDS_ACTION],
        "answer_url": lambda i: url_for("invitations.rsvp", token=make_token(secret, i.meeting_id, i.person_id,
                                                                             i.rsvp_key)),
        "to_write": to_write, "to_confirm": to_confirm, "past": past_invitations(session, user.person_id, now),
    }


def _active_versions(session: Session, owner: sa.ColumnElement[bool]) -> list[AgreementVersion]:
    return list(session.scalars(
        sa.select(AgreementVersion)
        .join(AgreementVersion.agreement)
        .where(owner, AgreementVersion.status == VersionStatus.ACTIVE)
        .options(
            # the one-to-one sides joined; the forms with what the staffing warnings read of them
            joinedload(AgreementVersion.agreement),
            joinedload(AgreementVersion.contact_person),
            selectinload(AgreementVersion.parties),
            selectinload(AgreementVersion.meeting_forms).options(
                selectinload(MeetingForm.functions), selectinload(MeetingForm.group).selectinload(SchoolGroup.schools)),
        )
        .order_by(Agreement.title)
    ))


def _agreements(session: Session, versions: list[AgreementVersion]) -> list[dict[str, Any]]:
    """What the agreement part of a page shows of each active version."""
    today = local_today()
    return [{"version": version, "is_revision_overdue": revision_overdue(version, today),
             "warnings": staffing_warnings(session, version)} for version in versions]
