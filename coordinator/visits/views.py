"""The staff-meeting visit pages: the school's principal proposes a day, the district's social services confirms."""
from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response


from coordinator.auth.access import current_user, require
from coordinator.auth.permissions import Action, allows
from coordinator.auth.routes import READ_DISTRICT, SCHOOL_VISIT, permission
from coordinator.clock import utcnow
from coordinator.i18n import DomainError
from coordinator.invitations.messages import MailContext
from coordinator.org.models import District, Municipality, School
from coordinator.org.services import find_district
from coordinator.planning.services import UID_DOMAIN
from coordinator.terms.services import current_term, terms_of
from coordinator.visits.forms import ProposeForm
from coordinator.visits.models import StaffMeetingVisit
from coordinator.visits.services import (
    confirm_visit, may_confirm, may_propose, propose_visit, proposes_for, school_year_label, school_year_of,
    visit_form, visit_of_year,
)
from coordinator.web import db, settings

bp = Blueprint("visits", __name__)


@bp.app_template_global()
def visits_home() -> str | None:
    """The APT page of the signed-in user: their school's (a principal) or their district's (social services)."""
    user = current_user()
    if user is None:
        return None
    if user.district_id is not None and may_confirm(user, user.district_id):
        return url_for("visits.district", code=user.district.code)
    person = user.person
    if person is not None and person.school_id is not None and proposes_for(person, person.school_id):
        return url_for("visits.school", school_id=person.school_id)
    return None


@bp.route("/schools/<int:school_id>/apt", methods=["GET", "POST"])
@permission(SCHOOL_VISIT)
def school(school_id: int) -> str | Response:
    """The school's visit this school year; its principal proposes a day for it."""
    session = db()
    found = session.get(School, school_id)
    user = current_user()
    if found is None or user is None:
        abort(404)
    proposer = user.person if may_propose(user.person, found) else None
    if proposer is None and not allows(user, Action.VIEW, found.district_id):
        abort(404)
    year = _school_year(found.district.municipality)
    form = ProposeForm()
    if proposer is not None and form.validate_on_submit():
        starts_at = datetime.combine(form.day.data, form.starts_at.data, ZoneInfo(settings().timezone))
        try:
            propose_visit(session, found, starts_at, proposer=proposer, now=utcnow(), timezone=settings().timezone,
                          uid_domain=urlsplit(settings().base_url).hostname or UID_DOMAIN)
        except DomainError as error:
            session.rollback()
            form.day.errors = [*form.day.errors, _message(error)]
        except IntegrityError:  # someone of the school proposed at the same moment: theirs stands
            session.rollback()
            form.day.errors = [*form.day.errors, gettext(
                "Någon på skolan föreslog en dag för läsåret samtidigt. Ladda om sidan för att se den.")]
        else:
            session.commit()
            flash(gettext("Dagen är föreslagen. Socialtjänsten bekräftar den, och ni får kalenderinbjudan."),
                  "success")
            return redirect(url_for(".school", school_id=found.id))
    return render_template("visits/school.html", school=found, visit=visit_of_year(session, found, year),
                           year=school_year_label(year), form=form if proposer is not None else None,
                           has_form=visit_form(session, found.district_id) is not None)


@bp.get("/districts/<code>/apt")
@permission(READ_DISTRICT)
def district(code: str) -> str:
    """The district's party schools and their visit this school year: none, proposed (to confirm), confirmed."""
    session = db()
    found = _district(code)
    user = require(Action.VIEW, found.id)
    form = visit_form(session, found.id)
    schools = sorted((p.school for p in form.version.parties if p.school.is_active), key=lambda s: s.name) \
        if form is not None else []
    year = _school_year(found.municipality)
    rows = [visit_of_year(session, s, year) for s in schools]
    return render_template("visits/district.html", district=found, rows=rows,
                           year=school_year_label(year), has_form=form is not None,
                           may_confirm=may_confirm(user, found.id))


@bp.post("/districts/<code>/apt/<int:visit_id>/confirm")
@permission(READ_DISTRICT)  # who of them may confirm: visits.services.may_confirm
def confirm(code: str, visit_id: int) -> Response:
    session = db()
    found = _district(code)
    require(Action.VIEW, found.id)
    visit = session.get(StaffMeetingVisit, visit_id)
    if visit is None or visit.district_id != found.id:
        abort(404)
    user = current_user()
    assert user is not None
    try:
        confirm_visit(session, visit, user=user, now=utcnow(), mail=MailContext.from_settings(settings()))
    except DomainError as error:
        session.rollback()
        flash(_message(error), "error")
    else:
        session.commit()
        flash(gettext("Besöket på %(school)s är bekräftat; kalenderinbjudan skickas till båda.",
                      school=visit.school.name), "success")
    return redirect(url_for(".district", code=found.code, _anchor=f"school-{visit.school_id}"))


def _district(code: str) -> District:
    return find_district(db(), code) or abort(404)


def _school_year(municipality: Municipality) -> int:
    """The school year going on (or the one coming, in the summer)."""
    zone = ZoneInfo(settings().timezone)
    today = utcnow().astimezone(zone).date()
    terms = terms_of(db(), municipality)
    if not terms:
        return today.year if today.month >= 7 else today.year - 1
    term = current_term(terms, today)
    if term.ends_on < today:  # between terms: the next one's year
        later = [t for t in terms if t.starts_on > today]
        term = later[0] if later else term
    return school_year_of(term.name)


def _message(error: DomainError) -> str:
    params = dict(error.params)
    if "reason" in params:  # a Swedish text of the calendar's: helg, Höstlov, a holiday's name
        params["reason"] = gettext(str(params["reason"]))
    return gettext(error.template, **params)



