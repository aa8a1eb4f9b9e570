"""The protocol register of a district and term (page, CSV, XLSX), the committee bundle, and "Protokoll" in the menu.

Administrators, the director and the city administrator keep the register; auditors read it.
A participant finds their own work here instead: minutes to write as the keeper, and minutes
to confirm as an adjuster.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from coordinator.agreements.models import MeetingForm
from coordinator.auth.access import current_user, require
from coordinator.auth.routes import KEEP_DISTRICT, READ_DISTRICT, SIGNED_IN, permission
from coordinator.auth.permissions import Action, allows, visible_district_ids
from coordinator.clock import utcnow
from coordinator.i18n import DomainError
from coordinator.minutes import services
from coordinator.minutes.export import to_csv, to_xlsx
from coordinator.minutes.forms import CommitteeForm
from coordinator.minutes.models import Adjuster, Minutes, MinutesState
from coordinator.minutes.register import (
    RegisterRow, RegisterState, committee_bundle, form_names, protocol_register,
)
from coordinator.minutes.views import STATE_LABELS, message
from coordinator.org.models import District
from coordinator.planning.models import Answer, Invitation, Meeting, MeetingStatus
from coordinator.terms.models import Term
from coordinator.terms.services import current_term, terms_of
from coordinator.pagination import paginate
from coordinator.web import db, requested_page, settings

bp = Blueprint("protocol_register", __name__)

REGISTER_STATES = {
    RegisterState.UPCOMING: _l("Kommande möte"), RegisterState.NOT_REQUIRED: _l("Inget protokoll krävs"),
    RegisterState.MISSING: _l("Saknas"), RegisterState.DRAFT: _l("Utkast"), RegisterState.REGISTERED: _l("Registrerat"),
    RegisterState.APPROVED: _l("Justerat"), RegisterState.REPORTED: _l("Anmält till nämnden"),
    RegisterState.ARCHIVED: _l("Arkiverat"),
}


@bp.get("/minutes")
@permission(SIGNED_IN)
def index() -> str | Response:
    """The registers a user keeps or reads; a participant's own minutes to write or confirm."""
    user = current_user()
    assert user is not None
    session = db()
    visible = visible_district_ids(user)
    query = sa.select(District).where(District.is_active).order_by(District.name)
    if visible is not None:
        query = query.where(District.id.in_(visible))
    districts = list(session.scalars(query))
    if len(districts) == 1 and user.person_id is None:
        return redirect(url_for(".register", code=districts[0].code))
    to_write, to_confirm = ([], []) if user.person_id is None else own_work(user.person_id)
    return render_template("minutes/index.html", districts=districts, to_write=to_write, to_confirm=to_confirm,
                           state_labels=STATE_LABELS)


def own_work(person_id: int) -> tuple[list[tuple[Meeting, Minutes | None]], list[Minutes]]:
    """Held meetings whose minutes the person keeps and that are not registered; registered minutes they adjust."""
    session, now = db(), utcnow()
    keeper = sa.func.coalesce(MeetingForm.minutes_keeper_function, MeetingForm.convener_function)
    kept = session.execute(
        sa.select(Meeting, Minutes).join(Meeting.meeting_form).join(Invitation, Invitation.meeting_id == Meeting.id)
        .outerjoin(Minutes, Minutes.meeting_id == Meeting.id)
        .where(Invitation.person_id == person_id, Invitation.removed_at.is_(None),
               Invitation.answer != Answer.DELEGATED, Invitation.function == keeper,
               Meeting.status == MeetingStatus.SCHEDULED, Meeting.starts_at <= now, MeetingForm.requires_minutes,
               sa.or_(Minutes.id.is_(None), Minutes.state == MinutesState.DRAFT))
        .order_by(Meeting.starts_at)).all()
    to_confirm = list(session.scalars(
        sa.select(Minutes).join(Adjuster, Adjuster.minutes_id == Minutes.id)
        .where(Adjuster.person_id == person_id, Adjuster.confirmed_at.is_(None),
               Minutes.state == MinutesState.REGISTERED)
        .options(selectinload(Minutes.meeting)).order_by(Minutes.registered_at)))
    return [(m, minutes) for m, minutes in kept], to_confirm


@bp.get("/districts/<code>/minutes")
@permission(READ_DISTRICT)
def register(code: str) -> str:
    """Every published meeting of the term with its minutes' state, overdue first; filters by form and state."""
    district, term, terms = _district_and_term(code)
    form_name, state = _filters()
    rows = protocol_register(db(), district, term, utcnow(), form_name=form_name, state=state)
    return render_template(
        "minutes/register.html", district=district, term=term, terms=terms, rows=rows,
        listed=paginate(rows, requested_page()),
        forms=form_names(db(), district, term), form_name=form_name, state=state, states=REGISTER_STATES,
        overdue=sum(r.is_overdue for r in rows), bundle=len(committee_bundle(db(), district)),
        may_edit=_may_edit(district),
    )


@bp.get("/districts/<code>/minutes/register.<any(csv, xlsx):extension>")
@permission(READ_DISTRICT)
def export(code: str, extension: str) -> Response:
    """The register (with the page's filters) as CSV or XLSX."""
    district, term, _terms = _district_and_term(code)
    form_name, state = _filters()
    rows = protocol_register(db(), district, term, utcnow(), form_name=form_name, state=state)
    header, cells = _table(rows)
    name = f"protokollregister-{district.code.lower()}-{term.name}.{extension}"
    if extension == "csv":
        body, mimetype = to_csv(header, cells), "text/csv; charset=utf-8"
    else:
        body = to_xlsx(gettext("Protokollregister"), header, cells)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/districts/<code>/minutes/committee", methods=["GET", "POST"])
@permission(READ_DISTRICT, post=KEEP_DISTRICT)
def committee(code: str) -> str | Response:
    """The committee bundle: final minutes of forms that report to the committee, reported in one action."""
    district = _district(code)
    require(Action.VIEW, district.id)
    may_edit = _may_edit(district)
    session = db()
    candidates = committee_bundle(session, district)
    form = CommitteeForm()
    form.minutes.choices = [(m.id, services.meeting_title(m.meeting)) for m in candidates]
    if request.method == "POST":
        require(Action.EDIT, district.id)
        if form.validate_on_submit():
            try:
                reported = services.report_to_committee(
                    session, district.id, form.minutes.data or [], form.committee_date.data, form.reference.data,
                    actor=current_user().email, now=utcnow())  # type: ignore[union-attr]
            except DomainError as error:
                session.rollback()
                form.form_errors.append(message(error))
            else:
                session.commit()
                flash(ngettext("%(num)d protokoll anmäldes till nämnden (%(reference)s).",
                               "%(num)d protokoll anmäldes till nämnden (%(reference)s).", len(reported),
                               reference=form.reference.data.strip()), "success")
                return redirect(url_for(".committee", code=district.code))
    return render_template("minutes/committee.html", district=district, candidates=candidates, form=form,
                           may_edit=may_edit)


# -- helpers -----------------------------------------------------------------------------------------

def _district(code: str) -> District:
    district = db().scalars(sa.select(District).where(District.code == code)).one_or_none()
    if district is None:
        abort(404)
    return district


def _may_edit(district: District) -> bool:
    return allows(current_user(), Action.EDIT, district.id)


def _district_and_term(code: str) -> tuple[District, Term, list[Term]]:
    district = _district(code)
    require(Action.VIEW, district.id)
    terms = terms_of(db(), district.municipality)
    if not terms:
        abort(404)
    wanted = request.args.get("term")
    if wanted:
        term = next((t for t in terms if t.name == wanted.strip().upper()), None)
        if term is None:
            abort(404)
        return district, term, terms
    return district, current_term(terms, utcnow().astimezone(ZoneInfo(settings().timezone)).date()), terms


def _filters() -> tuple[str | None, RegisterState | None]:
    form_name = request.args.get("form") or None
    try:
        state = RegisterState(request.args["state"]) if request.args.get("state") else None
    except ValueError:
        state = None
    return form_name, state


def _table(rows: list[RegisterRow]) -> tuple[list[str], list[list[Any]]]:
    zone = ZoneInfo(settings().timezone)

    def local(moment: datetime | None) -> datetime | None:
        return moment.astimezone(zone).replace(second=0, microsecond=0) if moment else None

    def yes_no(value: bool | None) -> str:
        return "" if value is None else gettext("Ja") if value else gettext("Nej")

    header = [gettext("Möte"), gettext("Mötesform"), gettext("Börjar"), gettext("Protokoll"),
              gettext("Ska vara registrerat"), gettext("Försenat"), gettext("Dagar för sent"), gettext("Version"),
              gettext("Registrerat"),
              gettext("Justerat"), gettext("Nämndens sammanträde"), gettext("Nämndens diarienummer"),
              gettext("Krävda funktioner företrädda")]
    cells = [[r.title, r.form_name, local(r.starts_at), str(REGISTER_STATES[r.state]), local(r.due_at),
              yes_no(r.is_overdue or r.days_late > 0), r.days_late, r.revision, local(r.registered_at),
              local(r.approved_at), r.committee_date,
              r.committee_reference, yes_no(r.functions_represented)] for r in rows]
    return header, cells
