"""Consultation hours in the browser: the booking page school staff open from their school's link (no login),
the booker's cancel page, and the intake group's pages — the day's and the week's bookings, the hours,
the schools' links.

The booking and cancel pages are opened by mail scanners too, so GET only shows; the button (POST,
CSRF-protected) books or cancels. The intake group's pages need `Action.HANDLE_CASES` for the
district: anyone else gets 404, as for every district page.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from itertools import groupby
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime, get_locale, gettext
from werkzeug.wrappers import Response
from wtforms.fields import SelectChoice

from coordinator.auth.access import require
from coordinator.auth.routes import ANYONE, HANDLE_CASES, permission
from coordinator.auth.models import User
from coordinator.auth.permissions import Action
from coordinator.auth.views import safe_next
from coordinator.clock import utcnow
from coordinator.consultations.forms import BookingForm, HoursForm
from coordinator.consultations.hours import (
    HoursInput, booking_url, close_hours, district_school, hours_of, intake_officers, issue_link, publish_hours,
    revoke_link, school_links,
)
from coordinator.consultations.models import ConsultationHours
from coordinator.consultations.services import (
    NEXT_SLOTS, BookingRequest, LinkState, SlotUnavailable, book, bookings_between, cancel, district_booking,
    free_slots, open_booking_link, open_cancel_link, week_of,
)
from coordinator.consultations.slots import WEEKDAY_NAMES, Slot
from coordinator.i18n import DomainError
from coordinator.invitations.messages import MailContext
from coordinator.org.models import District
from coordinator.web import db, settings

T = TypeVar("T")

bp = Blueprint("consultations", __name__)


def when(starts_at: datetime, ends_at: datetime) -> str:
    """"tisdag 14 september 2027, 13:00–13:20" in the reader's language and the site's zone."""
    return f"{format_datetime(starts_at, 'EEEE d MMMM y, HH:mm')}–{format_datetime(ends_at, 'HH:mm')}"


def weekday_name(weekday: int) -> str:
    """"Tisdagar" / "Tuesdays"."""
    return gettext(WEEKDAY_NAMES[weekday]).capitalize()


@bp.context_processor
def helpers() -> dict[str, Any]:
    return {"consultation_when": when, "weekday_name": weekday_name}


# -- booking, without an account ------------------------------------------------------------------------

@bp.route("/consultations/book/<token>", methods=["GET", "POST"])
@permission(ANYONE)
def booking(token: str) -> str | Response | tuple[str, int]:
    """The school's booking page: the free slots and the form; POST books the chosen slot."""
    session, config, now = db(), settings(), utcnow()
    opened = open_booking_link(session, config.secret_key, token)
    if not opened.is_open:
        status = 410 if opened.state is LinkState.REVOKED else 404
        return render_template("consultations/link_closed.html", state=opened.state.value), status
    assert opened.link is not None
    link, school = opened.link, opened.link.school
    district = school.district
    form = BookingForm()
    found = free_slots(session, district, now=now, timezone=config.timezone)
    form.slot.choices = [SelectChoice(s.key, when(s.starts_at, s.ends_at)) for s in found]
    if request.method == "POST" and form.validate_on_submit():
        language = get_locale().language if get_locale() else "sv"
        try:
            booked = book(session, link, BookingRequest(form.name.data, form.email.data, form.matter.data,
                                                        form.slot.data, language),
                          now=now, mail=MailContext.from_settings(config), timezone=config.timezone)
        except SlotUnavailable as error:
            session.rollback()
            found = free_slots(session, district, now=utcnow(), timezone=config.timezone)
            form.slot.choices = [SelectChoice(s.key, when(s.starts_at, s.ends_at)) for s in found]
            form.slot.data = None
            form.form_errors.append(gettext(error.template, **error.params))
            return _booking_page(form, school, found, token, next_slots=found[:NEXT_SLOTS]), 409
        except DomainError as error:
            session.rollback()
            form.form_errors.append(gettext(error.template, **error.params))
        else:
            session.commit()
            flash(gettext("Tack! Konsultationen är bokad %(when)s. En kalenderinbjudan kommer till %(email)s; "
                          "där finns också länken för att avboka.",
                          when=when(booked.starts_at, booked.ends_at), email=form.email.data), "success")
            return redirect(url_for(".booking", token=token))
    return _booking_page(form, school, found, token)


def _booking_page(form: BookingForm, school: Any, found: list[Slot], token: str,
                  next_slots: Iterable[Slot] = ()) -> str:
    def day_of(slot: Slot) -> date:
        return slot.starts_at.astimezone(ZoneInfo(settings().timezone)).date()

    options = {option.data: option for option in form.slot}
    days = [(format_datetime(slots[0].starts_at, "EEEE d MMMM y"), [options[s.key] for s in slots])
            for _, group in groupby(found, key=day_of) for slots in [list(group)]]
    return render_template("consultations/book.html", form=form, school=school, days=days, token=token,
                           next_slots=[(s, options[s.key].id) for s in next_slots])


@bp.route("/consultations/cancel/<token>", methods=["GET", "POST"])
@permission(ANYONE)
def booker_cancel(token: str) -> str | Response | tuple[str, int]:
    """The booker's cancel page from the link in their mail; POST cancels."""
    session, config, now = db(), settings(), utcnow()
    opened = open_cancel_link(session, config.secret_key, token, now=now)
    booking = opened.booking
    if booking is None:
        return render_template("consultations/link_closed.html", state=opened.state.value), 404
    if request.method == "POST" and opened.is_open:
        try:
            cancel(session, booking, by="booker", actor=f"cancel-link:{booking.id}", now=now,
                   mail=MailContext.from_settings(config))
        except DomainError as error:
            session.rollback()
            flash(gettext(error.template, **error.params), "error")
        else:
            session.commit()
            flash(gettext("Konsultationen är avbokad. Både du och mottagningsgruppen får en avbokning till kalendern."),
                  "success")
        return redirect(url_for(".booker_cancel", token=token))
    status = 410 if opened.state is LinkState.PASSED else 200
    return render_template("consultations/cancel.html", booking=booking, state=opened.state.value,
                           token=token), status


# -- the intake group's pages ----------------------------------------------------------------------------

def _district(code: str) -> tuple[District, User]:
    district = db().scalars(sa.select(District).where(District.code == code)).one_or_none()
    if district is None:
        abort(404)
    return district, require(Action.HANDLE_CASES, district.id)


def _today() -> date:
    return utcnow().astimezone(ZoneInfo(settings().timezone)).date()


def _day_arg() -> date:
    try:
        return date.fromisoformat(request.args.get("day", ""))
    except ValueError:
        return _today()


@bp.get("/districts/<code>/consultations")
@permission(HANDLE_CASES)
def day(code: str) -> str:
    """The day's bookings with the matter, the booker and the school; cancel buttons for those to come."""
    district, _ = _district(code)
    shown = _day_arg()
    bookings = bookings_between(db(), district, shown, shown, timezone=settings().timezone)
    return render_template("consultations/day.html", district=district, day=shown, bookings=bookings,
                           now=utcnow(), previous=shown - timedelta(days=1), following=shown + timedelta(days=1),
                           today=_today())


@bp.get("/districts/<code>/consultations/week")
@permission(HANDLE_CASES)
def week(code: str) -> str:
    """The week's bookings (Monday to Friday), grouped by day."""
    district, _ = _district(code)
    monday, friday = week_of(_day_arg())
    bookings = bookings_between(db(), district, monday, friday, timezone=settings().timezone)
    zone = ZoneInfo(settings().timezone)
    by_day = {d: list(g) for d, g in groupby(bookings, key=lambda b: b.starts_at.astimezone(zone).date())}
    days = [(monday + timedelta(days=n), by_day.get(monday + timedelta(days=n), [])) for n in range(5)]
    return render_template("consultations/week.html", district=district, days=days, monday=monday,
                           previous=monday - timedelta(weeks=1), following=monday + timedelta(weeks=1),
                           now=utcnow(), today=_today())


@bp.post("/districts/<code>/consultations/<int:booking_id>/cancel")
@permission(HANDLE_CASES)
def officer_cancel(code: str, booking_id: int) -> Response:
    district, user = _district(code)
    session = db()
    booking = _found(lambda: district_booking(session, district, booking_id))

    def act() -> str:
        cancel(session, booking, by=user.email, actor=user.email, now=utcnow(),
               mail=MailContext.from_settings(settings()))
        return gettext("Konsultationen är avbokad. Bokaren och mottagningsgruppen får en avbokning till kalendern.")

    _commit_or_flash(act)
    return redirect(safe_next(request.form.get("next")) or url_for(".day", code=district.code))


@bp.route("/districts/<code>/consultations/hours", methods=["GET", "POST"])
@permission(HANDLE_CASES)
def hours(code: str) -> str | Response:
    """The district's consultation hours, and the form that publishes new ones."""
    district, user = _district(code)
    session = db()
    officers = intake_officers(session, district)
    form = HoursForm()
    form.officer_ids.choices = [SelectChoice(p.id, p.name) for p in officers]
    if request.method == "GET" and user.person_id in {p.id for p in officers}:
        form.officer_ids.data = [user.person_id]
    if form.validate_on_submit():
        try:
            publish_hours(session, district, HoursInput(form.spec(), form.officer_ids.data or [], form.place.data,
                                                        form.video_url.data),
                          actor=user.email, now=utcnow(), timezone=settings().timezone)
        except DomainError as error:
            session.rollback()
            form.form_errors.append(gettext(error.template, **error.params))
        else:
            session.commit()
            flash(gettext("Konsultationstiderna är publicerade; skolorna kan boka dem med sina länkar."), "success")
            return redirect(url_for(".hours", code=district.code))
    return render_template("consultations/hours.html", district=district, form=form, hours=hours_of(session, district),
                           officers=officers)


@bp.post("/districts/<code>/consultations/hours/<int:hours_id>/close")
@permission(HANDLE_CASES)
def close(code: str, hours_id: int) -> Response:
    district, user = _district(code)
    session = db()
    found = session.get(ConsultationHours, hours_id)
    if found is None or found.district_id != district.id:
        abort(404)

    def act() -> str:
        close_hours(session, found, actor=user.email, now=utcnow())
        return gettext("Tiderna är stängda. Konsultationer som redan är bokade ligger kvar.")

    _commit_or_flash(act)
    return redirect(url_for(".hours", code=district.code))


@bp.get("/districts/<code>/consultations/links")
@permission(HANDLE_CASES)
def links(code: str) -> str:
    """Each school's booking link, to copy and hand to the school; issue a new one or revoke it."""
    district, _ = _district(code)
    config = settings()
    rows = [(school, booking_url(config.base_url, config.secret_key, link) if link else None, link)
            for school, link in school_links(db(), district)]
    return render_template("consultations/links.html", district=district, rows=rows)


@bp.post("/districts/<code>/consultations/links/<int:school_id>/<any(issue, revoke):action>")
@permission(HANDLE_CASES)
def link_action(code: str, school_id: int, action: str) -> Response:
    district, user = _district(code)
    session = db()
    school = _found(lambda: district_school(session, district, school_id))

    def act() -> str:
        if action == "issue":
            issue_link(session, school, actor=user.email, now=utcnow())
            return gettext("%(school)s har en ny bokningslänk; den gamla fungerar inte längre.", school=school.name)
        revoke_link(session, school, actor=user.email, now=utcnow())
        return gettext("%(school)s bokningslänk är återkallad och fungerar inte längre.", school=school.name)

    _commit_or_flash(act)
    return redirect(url_for(".links", code=district.code) + f"#school-{school_id}")


def _found(find: Callable[[], T]) -> T:
    """A booking or school of the district; 404 for an unknown id and another district's alike."""
    try:
        return find()
    except DomainError:
        abort(404)


def _commit_or_flash(act: Callable[[], str]) -> None:
    """Run a change: commit and flash its message, or roll back and flash the rule it broke."""
    session = db()
    try:
        message = act()
    except DomainError as error:
        session.rollback()
        flash(gettext(error.template, **error.params), "error")
    else:
        session.commit()
        flash(message, "success")
