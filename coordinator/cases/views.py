"""The intake officer's pages: the district's reports of concern, a new report, a report with its proposed
times, booking, the outcome and withdrawal.

Only those who handle the district's cases (its intake officers, and the city administrator) see
these pages; anyone else gets 404, district directors included: the follow-up shows them the
figures, never the case-level list (docs/privacy.md).
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import format_date, format_datetime, gettext, ngettext
from werkzeug.wrappers import Response

from coordinator.auth.access import require
from coordinator.auth.routes import HANDLE_CASES, permission
from coordinator.auth.models import User
from coordinator.auth.permissions import Action
from coordinator.cases.deadlines import days_left
from coordinator.cases.forms import OTHER_TIME, BookingForm, OutcomeForm, ReportForm, WithdrawForm
from coordinator.cases.models import OUTCOME_NAMES, REASON_NAMES, NotAppropriateReason, Outcome, ReportOfConcern
from coordinator.cases.services import (
    Booking, ExternalReporter, Proposals, book_meeting, cancel_booking, district_reports, proposals_for, record_outcome,
    record_report, reporters_of, withdraw,
)
from coordinator.clock import utcnow
from coordinator.i18n import N_, DomainError
from coordinator.invitations.messages import MailContext
from coordinator.org.models import District, Person, School
from coordinator.planning.services import UID_DOMAIN
from coordinator.web import db, settings

bp = Blueprint("cases", __name__)


@bp.context_processor
def labels() -> dict[str, Any]:
    return {"outcome_names": OUTCOME_NAMES, "reason_names": REASON_NAMES, "day": day_text, "days_left_text": days_left_text}


@bp.get("/districts/<code>/reports")
@permission(HANDLE_CASES)
def index(code: str) -> str:
    """The district's reports: open ones first with deadlines and days left, then the closed, then the withdrawn."""
    district, _ = _district(code)
    today = _today()
    reports = district_reports(db(), district.id, today)
    return render_template("cases/index.html", district=district, today=today,
                           open_reports=[r for r in reports if r.is_open],
                           closed=[r for r in reports if not r.is_open and not r.is_withdrawn],
                           withdrawn=[r for r in reports if r.is_withdrawn])


@bp.route("/districts/<code>/reports/new", methods=["GET", "POST"])
@permission(HANDLE_CASES)
def new(code: str) -> str | Response:
    """Record a report of concern from one of the district's schools."""
    district, user = _district(code)
    session = db()
    form = ReportForm()
    schools = list(session.scalars(sa.select(School).where(School.district_id == district.id, School.is_active)
                                   .order_by(School.name)))
    people = reporters_of(session, district.id)
    form.school_id.choices = [("", gettext("Välj skola"))] + [(s.id, s.name) for s in schools]
    form.reporter_id.choices = [("", gettext("Någon som inte finns i registret (skriv namn och e-post nedan)"))] + [
        (p.id, f"{p.name} ({p.school.name})") for p in people if p.school is not None]
    if form.validate_on_submit():
        reporter: Person | ExternalReporter | None = next((p for p in people if p.id == form.reporter_id.data), None)
        if reporter is None and (form.reporter_name.data or form.reporter_email.data):
            reporter = ExternalReporter(form.reporter_name.data or "", form.reporter_email.data or "")
        try:
            report = record_report(session, district, received_on=form.received_on.data, school_id=form.school_id.data,
                                   reporter=reporter, case_reference=form.case_reference.data or "",
                                   actor=user.email, now=utcnow(), timezone=settings().timezone)
        except DomainError as error:
            session.rollback()
            form.form_errors.append(_message(error))
        else:
            session.commit()
            flash(gettext("Anmälan är registrerad. Sista dagen för beslutet är %(day)s.", day=day_text(report.deadline_on)),
                  "success")
            return redirect(url_for(".show", code=district.code, report_id=report.id))
    return render_template("cases/new.html", district=district, form=form)


@bp.get("/districts/<code>/reports/<int:report_id>")
@permission(HANDLE_CASES)
def show(code: str, report_id: int) -> str:
    """One report: its deadline, its meeting or the proposed times to book, the outcome and withdrawal."""
    district, user = _district(code)
    report = _report(district, report_id)
    return _page(district, user, report, BookingForm(), OutcomeForm(), status=200)[0]


@bp.post("/districts/<code>/reports/<int:report_id>/book")
@permission(HANDLE_CASES)
def book(code: str, report_id: int) -> str | Response | tuple[str, int]:
    """Book the chosen time: the reporter and the officer get the calendar invitation."""
    district, user = _district(code)
    report = _report(district, report_id)
    session, zone = db(), _zone()
    form = BookingForm()
    if form.validate_on_submit():
        try:
            starts_at, ends_at = _chosen(form, zone)
            meeting = book_meeting(session, report, Booking(starts_at, ends_at, form.place.data or "",
                                                            form.video_url.data or "", form.late_reason.data or ""),
                                   officer=user.person, actor=user.email, now=utcnow(), mail=_mail(),
                                   timezone=settings().timezone, uid_domain=_uid_domain())
        except DomainError as error:
            session.rollback()
            form.form_errors.append(_message(error))
        else:
            session.commit()
            flash(gettext("Mötet är bokat %(when)s; kallelsen skickas till anmälaren och dig.",
                          when=_when(meeting.starts_at)), "success")
            return redirect(url_for(".show", code=district.code, report_id=report.id))
    return _page(district, user, report, form, OutcomeForm(), status=422)


@bp.post("/districts/<code>/reports/<int:report_id>/cancel-meeting")
@permission(HANDLE_CASES)
def cancel(code: str, report_id: int) -> Response:
    """Call off the booked meeting; the report stays open for another time."""
    district, user = _district(code)
    report = _report(district, report_id)
    session = db()
    try:
        cancel_booking(session, report, actor=user.email, now=utcnow(), mail=_mail())
    except DomainError as error:
        session.rollback()
        flash(_message(error), "error")
    else:
        session.commit()
        flash(gettext("Mötet är avbokat; en avbokning skickas till anmälaren och dig."), "success")
    return redirect(url_for(".show", code=district.code, report_id=report.id))


@bp.post("/districts/<code>/reports/<int:report_id>/outcome")
@permission(HANDLE_CASES)
def outcome(code: str, report_id: int) -> str | Response | tuple[str, int]:
    """Record what became of the report meeting."""
    district, user = _district(code)
    report = _report(district, report_id)
    session = db()
    form = OutcomeForm()
    if form.validate_on_submit():
        try:
            record_outcome(session, report, Outcome(form.outcome.data),
                           NotAppropriateReason(form.reason.data) if form.reason.data else None,
                           actor=user.email, now=utcnow(), mail=_mail(), timezone=settings().timezone)
        except DomainError as error:
            session.rollback()
            form.form_errors.append(_message(error))
        else:
            session.commit()
            flash(gettext("Utfallet är registrerat."), "success")
            return redirect(url_for(".show", code=district.code, report_id=report.id))
    return _page(district, user, report, BookingForm(), form, status=422)


@bp.route("/districts/<code>/reports/<int:report_id>/withdraw", methods=["GET", "POST"])
@permission(HANDLE_CASES)
def withdrawal(code: str, report_id: int) -> str | Response | tuple[str, int]:
    """Withdraw a report entered by mistake, with the reason; it is kept, never deleted."""
    district, user = _district(code)
    report = _report(district, report_id)
    session = db()
    form = WithdrawForm()
    if report.is_withdrawn:
        abort(404)
    if form.validate_on_submit():
        try:
            withdraw(session, report, form.reason.data or "", actor=user.email, now=utcnow(), mail=_mail(),
                     timezone=settings().timezone)
        except DomainError as error:
            session.rollback()
            form.form_errors.append(_message(error))
        else:
            session.commit()
            flash(gettext("Anmälan är återtagen. Den finns kvar med skälet."), "success")
            return redirect(url_for(".index", code=district.code))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("cases/withdraw.html", district=district, report=report, form=form), status


# -- helpers ---------------------------------------------------------------------------------------------

def _page(district: District, user: User, report: ReportOfConcern, booking: BookingForm, outcome_form: OutcomeForm,
          status: int) -> tuple[str, int]:
    zone = _zone()
    proposals: Proposals = proposals_for(db(), report, user.person, now=utcnow(), timezone=settings().timezone)
    booking.slot.choices = [(p.starts_at.astimezone(zone).strftime("%Y-%m-%dT%H:%M"), _slot_label(p.starts_at,
                                                                                                  p.ends_at, p.note))
                            for p in proposals.times] + [(OTHER_TIME, gettext("Annan tid:"))]
    if booking.slot.data is None:
        booking.slot.data = booking.slot.choices[0][0]
    form = proposals.form
    if not booking.is_submitted() and form is not None:
        booking.place.data = booking.place.data or form.place
        booking.video_url.data = booking.video_url.data or form.video_url
    if not outcome_form.is_submitted() and report.outcome is not None:
        outcome_form.outcome.data = report.outcome.value
        outcome_form.reason.data = report.not_appropriate_reason.value if report.not_appropriate_reason else ""
    today = _today()
    return render_template("cases/show.html", district=district, report=report, proposals=proposals,
                           booking=booking, outcome_form=outcome_form, has_person=user.person is not None,
                           days_left=days_left(report.received_on, today), today=today), status


def _chosen(form: BookingForm, zone: ZoneInfo) -> tuple[datetime, datetime | None]:
    """The time the officer chose: a proposal's start, or the date and times typed under Annan tid."""
    if form.slot.data != OTHER_TIME:
        try:
            return datetime.fromisoformat(form.slot.data or "").replace(tzinfo=zone), None
        except ValueError:
            raise DomainError(N_("Välj en av tiderna eller Annan tid.")) from None
    assert form.day.data is not None and form.starts.data is not None
    ends = datetime.combine(form.day.data, form.ends.data, zone) if form.ends.data else None
    return datetime.combine(form.day.data, form.starts.data, zone), ends


def _district(code: str) -> tuple[District, User]:
    district = db().scalars(sa.select(District).where(District.code == code)).one_or_none()
    if district is None:
        abort(404)
    return district, require(Action.HANDLE_CASES, district.id)


def _report(district: District, report_id: int) -> ReportOfConcern:
    report = db().get(ReportOfConcern, report_id)
    if report is None or report.district_id != district.id:
        abort(404)
    return report


def _message(error: DomainError) -> str:
    """The error in the reader's language; a field's name and a day's reason are Swedish texts of ours too."""
    params = {k: gettext(str(v)) if k in ("field", "reason") else v for k, v in error.params.items()}
    return gettext(error.template, **params)


def _slot_label(starts_at: datetime, ends_at: datetime, note: str | None) -> str:
    zone = _zone()
    text = gettext("%(day)s kl. %(start)s–%(end)s", day=format_date(starts_at.astimezone(zone).date(), "EEEE d MMMM"),
                   start=format_datetime(starts_at.astimezone(zone), "HH:mm", rebase=False),
                   end=format_datetime(ends_at.astimezone(zone), "HH:mm", rebase=False))
    if note:
        text += " " + gettext("(%(note)s: skolan kan vara stängd)", note=gettext(note))
    return text


def _when(moment: datetime) -> str:
    return format_datetime(moment.astimezone(_zone()), "EEEE d MMMM y HH:mm", rebase=False)


def day_text(value: date) -> str:
    return format_date(value, "EEEE d MMMM y")


def days_left_text(days: int) -> str:
    if days < 0:
        return gettext("passerad")
    if days == 0:
        return gettext("i dag")
    return ngettext("%(num)d dag kvar", "%(num)d dagar kvar", days)


def _today() -> date:
    return utcnow().astimezone(_zone()).date()


def _zone() -> ZoneInfo:
    return ZoneInfo(settings().timezone)


def _mail() -> MailContext:
    return MailContext.from_settings(settings())


def _uid_domain() -> str:
    return urlsplit(settings().base_url).hostname or UID_DOMAIN
