"""Pages of the school year: the terms with their breaks, holidays and teaching days; creating and editing a term.

Terms belong to the municipality, not to a district, so the permission check asks about the
city's own data (district None): every district role and the auditors may view them, only the
city's administrator may change them.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date, gettext
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from coordinator.auth.access import require
from coordinator.auth.routes import KEEP_CITY, READ_CITY, permission
from coordinator.auth.permissions import Action
from coordinator.clock import utcnow
from coordinator.org.models import Municipality
from coordinator.terms import services
from coordinator.terms.calendar import BREAK_NAMES, HALF_DAY_ENDS
from coordinator.terms.forms import TermForm
from coordinator.terms.models import Term
from coordinator.web import break_label, db

bp = Blueprint("terms", __name__)

MUNICIPALITY_WIDE = None  # the permission rule's target for the city's own data


@bp.context_processor
def helpers() -> dict[str, Any]:
    return {"break_names": BREAK_NAMES, "weekday": _weekday, "term_anchor": term_anchor,
            "half_day_ends": HALF_DAY_ENDS}


def _weekday(day: date) -> str:
    return format_date(day, "EEEE")


def term_anchor(term: Term) -> str:
    return f"term-{term.municipality.code}-{term.name}"


@bp.get("/terms")
@permission(READ_CITY)
def index() -> str:
    """The municipalities' terms: dates, breaks, teaching days, and the holidays the planner avoids."""
    require(Action.VIEW, MUNICIPALITY_WIDE)
    session = db()
    municipalities = session.scalars(sa.select(Municipality).order_by(Municipality.name)).all()
    return render_template("terms/index.html", municipalities=[
        (municipality, [_calendar_entry(session, term) for term in services.terms_of(session, municipality)])
        for municipality in municipalities
    ])


def _calendar_entry(session: Session, term: Term) -> dict[str, Any]:
    """What a page shows of a term's calendar: its counts, breaks, and the weekday holidays and half days in it."""
    calendar = services.calendar_for(session, term)

    def weekdays_in_term(days: Mapping[date, str]) -> list[date]:
        return [day for day in days if calendar.starts_on <= day <= calendar.ends_on and day.weekday() < 5]

    def in_break(day: date) -> str | None:
        return next((break_label(b) for b in calendar.breaks if b.covers(day)), None)

    # the holidays package's Swedish names, in the reader's language (coordinator/terms/calendar.py HOLIDAY_NAMES)
    days_off = [{"day": day, "name": gettext(calendar.holidays[day]), "is_half_day": False, "in_break": in_break(day)}
                for day in weekdays_in_term(calendar.holidays)]
    days_off += [{"day": day, "name": gettext(calendar.half_days[day]), "is_half_day": True,
                  "in_break": in_break(day)} for day in weekdays_in_term(calendar.half_days)]
    return {
        "term": term,
        "breaks": [{"name": break_label(b), "kind": b.kind, "starts_on": b.starts_on, "ends_on": b.ends_on}
                   for b in calendar.breaks],
        "teaching_days": len(calendar.teaching_days()), "teaching_weeks": len(calendar.teaching_weeks()),
        "days_off": sorted(days_off, key=lambda d: d["day"]),
    }


def _municipality(code: str) -> Municipality:
    municipality = db().scalars(sa.select(Municipality).where(Municipality.code == code)).one_or_none()
    if municipality is None:
        abort(404)
    return municipality


@bp.route("/terms/<code>/new", methods=["GET", "POST"])
@permission(KEEP_CITY)
def new(code: str) -> str | Response:
    """Create a term with its breaks."""
    user = require(Action.EDIT, MUNICIPALITY_WIDE)
    municipality = _municipality(code)
    form = TermForm()
    if request.method == "GET":
        form.add_empty_rows()
    elif _checked(form, municipality, form.name.data or ""):
        try:
            term = services.create_term(db(), municipality, form.name.data or "", form.starts_on.data,
                                        form.ends_on.data, form.break_values, actor=user.email, now=utcnow())
        except services.InvalidTerm as invalid:  # the services check again; kept for safety
            form.show_problems(invalid.problems)
        else:
            db().commit()
            flash(gettext("Terminen %(term)s är sparad.", term=term.name), "success")
            return redirect(url_for(".index", _anchor=term_anchor(term)))
    return _form_page(form, municipality, gettext("Ny termin"))


@bp.route("/terms/<code>/<name>/edit", methods=["GET", "POST"])
@permission(KEEP_CITY)
def edit(code: str, name: str) -> str | Response:
    """Change a term's dates and its breaks."""
    user = require(Action.EDIT, MUNICIPALITY_WIDE)
    session = db()
    term = services.find_term(session, _municipality(code), name)
    if term is None:
        abort(404)
    if request.method == "GET":
        form = TermForm(starts_on=term.starts_on, ends_on=term.ends_on, breaks=[
            {"kind": b.kind.value, "name": b.name, "starts_on": b.starts_on, "ends_on": b.ends_on}
            for b in term.breaks])
        form.add_empty_rows()
    else:
        form = TermForm()
    del form.name  # a term keeps its name: meetings and reports are filed under it
    if request.method == "POST" and _checked(form, term.municipality, term.name, term):
        try:
            changed = services.update_term(session, term, form.starts_on.data, form.ends_on.data,
                                           form.break_values, actor=user.email, now=utcnow())
        except services.InvalidTerm as invalid:  # the services check again; kept for safety
            form.show_problems(invalid.problems)
        else:
            session.commit()
            if changed:
                flash(gettext("Terminen %(term)s är sparad.", term=term.name), "success")
            else:
                flash(gettext("Inget ändrades i %(term)s.", term=term.name), "info")
            return redirect(url_for(".index", _anchor=term_anchor(term)))
    return _form_page(form, term.municipality, gettext("Ändra %(term)s", term=term.name),
                      entry=_calendar_entry(session, term))


def _checked(form: TermForm, municipality: Municipality, name: str, term: Term | None = None) -> bool:
    """Whether the posted form is valid, by its own checks and the services' rules.

    The rules are checked even when a break row has a problem, so every problem shows at once.
    """
    is_valid = form.validate()
    if not form.term_fields_are_valid():
        return False
    problems = services.term_problems(db(), municipality, name, form.starts_on.data, form.ends_on.data,
                                      form.break_values, term=term)
    form.show_problems(problems)
    return is_valid and not problems


def _form_page(form: TermForm, municipality: Municipality, title: str, entry: dict[str, Any] | None = None) -> str:
    summary = form.summary()
    return render_template("terms/edit.html", form=form, summary=summary, has_errors=summary.has_errors,
                           municipality=municipality, title=title, entry=entry)
