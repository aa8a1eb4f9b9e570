"""The planning page of a district's term: warnings, the meetings by form and by week; plan, move, cancel, add, publish."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date, get_locale, gettext, lazy_gettext as _l, ngettext
from sqlalchemy.orm import Session, joinedload
from werkzeug.wrappers import Response

from coordinator.agreements.models import Agreement, AgreementVersion, MeetingForm, VersionStatus
from coordinator.auth.access import current_user, require
from coordinator.auth.routes import KEEP_DISTRICT, ORGANISE, READ_DISTRICT, permission
from coordinator.auth.models import Role, User
from coordinator.auth.permissions import Action, allows
from coordinator.clock import utcnow
from coordinator.i18n import DomainError
from coordinator.invitations.events import meeting_title
from coordinator.invitations.forms import AddInviteeForm, InviteeSearchForm
from coordinator.invitations.messages import MailContext
from coordinator.invitations.views import ANSWERED_VIA, ANSWERS
from coordinator.invitations.organiser import addable_people, meeting_overview
from coordinator.invitations.services import add_invitee as invite, remove_invitee as uninvite, resend
from coordinator.org.models import District, Municipality, Person, School
from coordinator.planning.digest import DigestCache, PlanDigest, PlannedMeeting, digest
from coordinator.planning.forms import AddMeetingForm, MoveForm, PublishForm
from coordinator.planning.models import Invitation, Meeting, MeetingStatus
from coordinator.planning.services import (
    UID_DOMAIN, Owner, Publication, add_meeting, cancel_meeting, find_district,
    is_city_code, move_meeting, plan_district_term, publication, publish, review,
)
from coordinator.planning.warnings import PlanningWarning
from coordinator.terms.calendar import REASON_HALF_DAY, TermCalendar
from coordinator.terms.services import term_name
from coordinator.terms.models import Term
from coordinator.minutes.rights import MeetingPeople
from coordinator.pagination import page_number, paginate
from coordinator.web import PAGE_ARG, db, requested_page, settings

bp = Blueprint("planning", __name__)

STATUSES = {MeetingStatus.DRAFT: _l("Utkast"), MeetingStatus.SCHEDULED: _l("Publicerat"),
            MeetingStatus.CANCELLED: _l("Inställt")}
INVITEES_PER_PAGE = 25  # the invitee table's rows a page: a forum has 150 invitees, those who have not answered first
FOUND_PER_SEARCH = 20  # people found by the organiser's search a page; more by typing more of the name
WEEKDAYS = (_l("Måndag"), _l("Tisdag"), _l("Onsdag"), _l("Torsdag"), _l("Fredag"))


@bp.app_template_global()
def planning_terms(district: Owner | Municipality) -> list[str]:
    """The names of the district's municipality's terms, for links to their planning pages."""
    municipality_id = district.id if isinstance(district, Municipality) else district.municipality_id
    return list(db().scalars(sa.select(Term.name).where(Term.municipality_id == municipality_id)
                             .order_by(Term.starts_on)))


@bp.context_processor
def labels() -> dict[str, Any]:
    return {"statuses": STATUSES, "weekdays": WEEKDAYS, "warning_text": warning_text}


def warning_text(warning: PlanningWarning) -> str:
    """A warning in the reader's language: its template, function names and free-day reasons translated."""
    params = warning.params_in(get_locale().language if get_locale() else "sv")
    if "reason" in params:  # a Swedish text of the calendar's (helg, Höstlov, a holiday's name)
        params["reason"] = gettext(str(params["reason"]))
    return gettext(warning.template, **params)


# -- the page ------------------------------------------------------------------------------------

@bp.get("/districts/<code>/terms/<term>/plan")
@permission(READ_DISTRICT)
def plan(code: str, term: str) -> str | tuple[str, int]:
    """The term's plan as an overview: the warnings, each meeting form's meetings counted, the weeks and months
    to read it by; buttons for those who may edit. Each meeting is on its week's, month's and form's page."""
    district, term_row, user, version = _plan_of(code, term)
    found = _digest(district, term_row, version)
    if isinstance(found, tuple):
        return found
    return render_template("planning/plan.html", digest=found, district=district, term=term_row,
                           may_edit=allows(user, Action.EDIT, district.id), week_key=week_key,
                           month_key=month_key, warning_href=_warning_href(district, term_row, found))


@bp.get("/districts/<code>/terms/<term>/plan/weeks/<week>")
@permission(READ_DISTRICT)
def plan_week(code: str, term: str, week: str) -> str | tuple[str, int]:
    """One week of the plan (`2027-W36`): its days, with breaks and holidays, and its meetings."""
    try:
        year, number = week.split("-W")
        monday = date.fromisocalendar(int(year), int(number), 1)
    except ValueError:
        abort(404)
    return _period(code, term, monday, monday + timedelta(days=4), "week")


@bp.get("/districts/<code>/terms/<term>/plan/months/<month>")
@permission(READ_DISTRICT)
def plan_month(code: str, term: str, month: str) -> str | tuple[str, int]:
    """One month of the plan (`2027-09`): its weeks, with breaks and holidays, and its meetings."""
    try:
        first = datetime.strptime(month, "%Y-%m").date()
    except ValueError:
        abort(404)
    return _period(code, term, first, (first + timedelta(days=32)).replace(day=1) - timedelta(days=1), "month")


@bp.get("/districts/<code>/terms/<term>/plan/forms/<int:form_id>")
@permission(READ_DISTRICT)
def plan_form(code: str, term: str, form_id: int) -> str | tuple[str, int]:
    """One meeting form's meetings of the term, and the warnings about the form and its meetings."""
    district, term_row, user, version = _plan_of(code, term)
    found = _digest(district, term_row, version)
    if isinstance(found, tuple):
        return found
    form = next((f for f in found.forms if f.form_id == form_id), None)
    if form is None:
        abort(404)
    meetings = found.of_form(form_id)
    return render_template("planning/plan_part.html", digest=found, district=district, term=term_row,
                           may_edit=allows(user, Action.EDIT, district.id), part="form", heading=form.name,
                           meetings=meetings, warnings=found.warnings_of(meetings, form_id), weeks=[],
                           now=utcnow(), warning_href=_warning_href(district, term_row, found),
                           **_day_labels(meetings, set()))


def _period(code: str, term: str, first: date, last: date, part: str) -> str | tuple[str, int]:
    """A week's or a month's page: the meetings of the days `first` to `last`, the week grid of those days."""
    district, term_row, user, version = _plan_of(code, term)
    found = _digest(district, term_row, version)
    if isinstance(found, tuple):
        return found
    periods = found.weeks if part == "week" else found.months
    starts = [p.starts_on for p in periods]
    if first not in starts:  # outside the plan's weeks or months
        abort(404)
    index = starts.index(first)
    meetings = found.between(first, last)
    heading = gettext("Vecka %(num)s, %(first)s–%(last)s", num=first.isocalendar()[1],
                      first=format_date(first, "d MMM"), last=format_date(last, "d MMM y")) \
        if part == "week" else format_date(first, "LLLL y")
    return render_template(
        "planning/plan_part.html", digest=found, district=district, term=term_row, heading=heading,
        may_edit=allows(user, Action.EDIT, district.id), part=part, first=first, last=last,
        previous=periods[index - 1].starts_on if index else None,
        next=periods[index + 1].starts_on if index + 1 < len(periods) else None,
        meetings=meetings, warnings=found.warnings_of(meetings), weeks=week_rows(found.calendar, meetings, first, last),
        now=utcnow(), warning_href=_warning_href(district, term_row, found), week_key=week_key, month_key=month_key,
        **_day_labels(meetings, {first + timedelta(days=n) for n in range((last - first).days + 1) if
                                 (first + timedelta(days=n)).weekday() < 5}))


def _day_labels(meetings: Iterable[PlannedMeeting], grid: set[date]) -> dict[str, dict[date, str]]:
    """The days' labels in the reader's language, once a day rather than once a meeting (Babel's formatting is
    the costliest part of a row): `days`, the meetings' (tis 12 okt. 2027), and `short_days`, theirs and the
    grid's (12 okt.)."""
    meeting_days = {m.day for m in meetings}
    return {"days": {day: format_date(day, "EEE d MMM y") for day in meeting_days},
            "short_days": {day: format_date(day, "d MMM") for day in meeting_days | grid}}


def _plan_of(code: str, term: str) -> tuple[Owner, Term, User, int | None]:
    """The district and term of a planning page's address (as `_district_term`), and the data's version
    for the cache of plans, read together in one statement."""
    version = DigestCache.version()
    if is_city_code(code):
        district, term_row, user = _district_term(code, term, Action.VIEW)
        return district, term_row, user, db().scalar(sa.select(version))
    try:
        name = term_name(term)
    except DomainError:
        abort(404)
    row = db().execute(
        sa.select(District, Term, version)
        .outerjoin(Term, sa.and_(Term.municipality_id == District.municipality_id, Term.name == name))
        .where(District.code == code)).one_or_none()
    if row is None:
        abort(404)
    district, term_row, data_version = row
    user = require(Action.VIEW, district.id)
    if term_row is None:
        abort(404)
    return district, term_row, user, data_version


def _digest(district: Owner, term: Term, version: int | None) -> PlanDigest | tuple[str, int]:
    """The term's reviewed plan, from the app's cache while the data is the same (`planning.digest`)."""
    cache = current_app.extensions.get("coordinator.planning_digests")
    if cache is None:
        cache = current_app.extensions["coordinator.planning_digests"] = DigestCache(settings().planning_cache_seconds)
    zone, config = _zone(), settings()
    key = (district.id, district.municipality_id, term.id, config.timezone, config.planner_max_meetings_per_day,
           utcnow().astimezone(zone).date())

    def make() -> PlanDigest:
        result = review(db(), district, term, utcnow(), timezone=config.timezone,
                        max_per_day=config.planner_max_meetings_per_day)
        return digest(result.calendar, result.meetings, result.warnings, result.missing, zone)

    try:
        return cache.get(version, key, make, DigestCache.changed_since(db()))
    except DomainError as error:  # e.g. a break stored outside its term
        return render_template("pages/error.html", title=gettext("Terminen kan inte planeras"),
                               message=gettext(error.template, **error.params)), 409


def week_key(day: date) -> str:
    """A week's address part: 2027-W36."""
    year, number, _ = day.isocalendar()
    return f"{year}-W{number:02d}"


def month_key(day: date) -> str:
    return f"{day.year}-{day.month:02d}"


def _warning_href(district: Owner, term: Term, found: PlanDigest) -> Callable[[PlanningWarning], str | None]:
    """Where a warning leads: its meeting in its week, else its form's page, else nowhere."""
    def href(warning: PlanningWarning) -> str | None:
        day = found.day_of(warning.meeting_id) if warning.meeting_id else None
        if day is not None:
            return url_for(".plan_week", code=district.code, term=term.name,
                           week=week_key(day)) + f"#meeting-{warning.meeting_id}"
        if warning.form_id is not None and any(f.form_id == warning.form_id for f in found.forms):
            return url_for(".plan_form", code=district.code, term=term.name, form_id=warning.form_id)
        return None
    return href


@bp.post("/districts/<code>/terms/<term>/plan")
@permission(KEEP_DISTRICT)
def plan_post(code: str, term: str) -> Response:
    """Plan the term: add the meetings missing from it as drafts."""
    district, term_row, user = _district_term(code, term, Action.EDIT)
    session = db()
    try:
        result = plan_district_term(session, district, term_row, actor=user.email, now=utcnow(),
                                    timezone=settings().timezone, uid_domain=_uid_domain(),
                                    max_per_day=settings().planner_max_meetings_per_day)
    except DomainError as error:
        session.rollback()
        flash(gettext(error.template, **error.params), "error")
    else:
        session.commit()
        if result.added:
            flash(ngettext("%(num)d nytt möte planerades som utkast.", "%(num)d nya möten planerades som utkast.",
                           result.added), "success")
        else:
            flash(gettext("Inget saknades i planen; inga nya möten lades till."), "info")
    return redirect(url_for(".plan", code=district.code, term=term_row.name))


@bp.get("/districts/<code>/terms/<term>/publish")
@permission(KEEP_DISTRICT)
def publish_confirm(code: str, term: str) -> str:
    """Ask before publishing: how many meetings, how many invitations to how many people, what stays behind."""
    district, term_row, _ = _district_term(code, term, Action.EDIT)
    counts = publication(db(), district, term_row, utcnow())
    return _publish_page(district, term_row, counts, PublishForm(meetings=counts.meetings,
                                                                 invitations=counts.invitations))


@bp.post("/districts/<code>/terms/<term>/publish")
@permission(KEEP_DISTRICT)
def publish_post(code: str, term: str) -> str | Response:
    """Publish the term's drafts as confirmed: they become scheduled and the invitations are queued.

    Only the confirmation page's numbers publish: a POST without them, or with numbers the plan
    no longer has, shows the confirmation (again) and publishes nothing.
    """
    district, term_row, user = _district_term(code, term, Action.EDIT)
    session = db()
    form = PublishForm()
    if not form.validate_on_submit():
        return redirect(url_for(".publish_confirm", code=district.code, term=term_row.name))
    try:
        result = publish(session, district, term_row, actor=user.email, now=utcnow(), timezone=settings().timezone,
                         mail=_mail(), max_per_day=settings().planner_max_meetings_per_day,
                         confirmed=(form.meetings.data or 0, form.invitations.data or 0))
    except DomainError as error:
        session.rollback()
        form.form_errors.append(gettext(error.template, **error.params))
        counts = publication(session, district, term_row, utcnow())
        form.meetings.data, form.invitations.data = counts.meetings, counts.invitations
        return _publish_page(district, term_row, counts, form)
    session.commit()
    done = result.publication
    assert done is not None
    if result.published:
        flash(gettext("%(meetings)s publicerades; %(invitations)s skickas.",
                      meetings=ngettext("%(num)d möte", "%(num)d möten", result.published),
                      invitations=_invitations_to_people(done)), "success")
    else:
        flash(gettext("Det fanns inga utkast att publicera."), "info")
    if done.past_drafts:
        flash(_past_drafts_text(done.past_drafts), "warning")
    return redirect(url_for(".plan", code=district.code, term=term_row.name))


def _publish_page(district: District, term: Term, counts: Publication, form: PublishForm) -> str:
    return render_template("planning/publish.html", district=district, term=term, counts=counts, form=form,
                           invitations_text=_invitations_to_people(counts),
                           past_text=_past_drafts_text(counts.past_drafts) if counts.past_drafts else None)


def _invitations_to_people(counts: Publication) -> str:
    return gettext("%(invitations)s till %(people)s",
                   invitations=ngettext("%(num)d inbjudan", "%(num)d inbjudningar", counts.invitations),
                   people=ngettext("%(num)d person", "%(num)d personer", counts.people))


def _past_drafts_text(count: int) -> str:
    return ngettext("%(num)d utkast ligger i det förflutna och publiceras inte; det finns kvar som utkast som du "
                    "kan flytta till en kommande dag eller ställa in.",
                    "%(num)d utkast ligger i det förflutna och publiceras inte; de finns kvar som utkast som du "
                    "kan flytta till en kommande dag eller ställa in.", count)


# -- one meeting -----------------------------------------------------------------------------------

@bp.route("/districts/<code>/terms/<term>/meetings/<int:meeting_id>/move", methods=["GET", "POST"])
@permission(KEEP_DISTRICT)
def move(code: str, term: str, meeting_id: int) -> str | Response:
    """Move a meeting to another day or time."""
    district, term_row, user = _district_term(code, term, Action.EDIT)
    meeting = _meeting(district, term_row, meeting_id)
    session, zone = db(), _zone()
    form = MoveForm()
    if request.method == "GET":
        starts, ends = meeting.starts_at.astimezone(zone), meeting.ends_at.astimezone(zone)
        form.day.data, form.starts.data, form.ends.data = starts.date(), starts.time(), ends.time()
    elif form.validate_on_submit():
        assert form.day.data and form.starts.data and form.ends.data
        try:
            move_meeting(session, meeting, _at(form.day.data, form.starts.data, zone),
                         _at(form.day.data, form.ends.data, zone), actor=user.email, now=utcnow(),
                         district=district, timezone=settings().timezone, mail=_mail())
        except DomainError as error:
            session.rollback()
            form.form_errors.append(gettext(error.template, **error.params))
        else:
            session.commit()
            flash(gettext("Mötet flyttades."), "success")
            return redirect(_back(district, term_row, meeting))
    return render_template("planning/move.html", district=district, term=term_row, meeting=meeting, form=form)


@bp.route("/districts/<code>/terms/<term>/meetings/<int:meeting_id>/cancel", methods=["GET", "POST"])
@permission(KEEP_DISTRICT)
def cancel(code: str, term: str, meeting_id: int) -> str | Response:
    """Ask, then cancel a meeting; it stays in the plan as cancelled."""
    district, term_row, user = _district_term(code, term, Action.EDIT)
    meeting = _meeting(district, term_row, meeting_id)
    if request.method == "GET":
        return render_template("planning/cancel.html", district=district, term=term_row, meeting=meeting)
    session = db()
    try:
        cancel_meeting(session, meeting, actor=user.email, now=utcnow(), district=district, mail=_mail())
    except DomainError as error:
        session.rollback()
        flash(gettext(error.template, **error.params), "error")
    else:
        session.commit()
        flash(gettext("Mötet ställdes in."), "success")
    return redirect(_back(district, term_row, meeting))


@bp.route("/districts/<code>/terms/<term>/meetings/new", methods=["GET", "POST"])
@permission(KEEP_DISTRICT)
def add(code: str, term: str) -> str | Response:
    """Add a meeting by hand, e.g. a report meeting or an extra forum."""
    district, term_row, user = _district_term(code, term, Action.EDIT)
    session, zone = db(), _zone()
    forms = list(session.scalars(
        sa.select(MeetingForm).join(MeetingForm.version).join(AgreementVersion.agreement)
        .where(Agreement.municipality_id == district.municipality_id, Agreement.district_id == district.id,
               AgreementVersion.status == VersionStatus.ACTIVE)
        .order_by(Agreement.id, MeetingForm.position, MeetingForm.id)))
    schools = list(session.scalars(
        sa.select(School).where(School.district_id == district.id, School.is_active).order_by(School.name)))
    form = AddMeetingForm()
    form.form_id.choices = [(f.id, f.name) for f in forms]
    form.school_id.choices = [("", gettext("Ingen skola (mötet gäller hela stadsdelen)"))] + [
        (s.id, s.name) for s in schools]
    if form.validate_on_submit():
        assert form.day.data and form.starts.data
        meeting_form = next(f for f in forms if f.id == form.form_id.data)
        school = next((s for s in schools if s.id == form.school_id.data), None)
        ends = _at(form.day.data, form.ends.data, zone) if form.ends.data else None
        try:
            meeting = add_meeting(session, meeting_form, term_row, _at(form.day.data, form.starts.data, zone), ends,
                                  school=school, actor=user.email, now=utcnow(), timezone=settings().timezone,
                                  uid_domain=_uid_domain())
        except DomainError as error:
            session.rollback()
            form.form_errors.append(gettext(error.template, **error.params))
        else:
            session.commit()
            flash(gettext("Mötet lades till som utkast."), "success")
            return redirect(_back(district, term_row, meeting))
    return render_template("planning/add.html", district=district, term=term_row, form=form)


# -- the organiser's view of one meeting -------------------------------------------------------------

@bp.get("/districts/<code>/terms/<term>/meetings/<int:meeting_id>")
@permission(READ_DISTRICT)
def meeting_page(code: str, term: str, meeting_id: int) -> str:
    """The meeting, who has answered what and when, and who has not (a page of them at a time); resend and
    remove for organisers, and the search for someone to add."""
    district, term_row, meeting, user = _meeting_of_address(code, term, meeting_id)
    overview = meeting_overview(db(), meeting)
    return render_template(
        "planning/meeting.html", district=district, term=term_row, meeting=meeting, overview=overview,
        invitees=paginate(overview.rows, requested_page(), size=INVITEES_PER_PAGE), title=meeting_title(meeting),
        may_organise=may_organise(user, district.id), search=InviteeSearchForm(),
        # the answers' words looked up once, not again on every row
        answer_words={answer: str(label) for answer, label in ANSWERS.items()},
        answered_via_words={via: str(label) for via, label in ANSWERED_VIA.items()},
        minutes_people=MeetingPeople(district_id=meeting.district_id, invitee_ids=overview.invitee_ids,
                                     keeper_ids=overview.keeper_ids))


@bp.get("/districts/<code>/terms/<term>/meetings/<int:meeting_id>/invitees/new")
@permission(ORGANISE)
def find_invitee(code: str, term: str, meeting_id: int) -> str:
    """Search the district's people not yet invited by name or email; each found has a button that invites."""
    district, term_row, meeting = _organised_meeting(code, term, meeting_id)
    return _invite_page(district, term_row, meeting, InviteeSearchForm(request.args), AddInviteeForm())


@bp.post("/districts/<code>/terms/<term>/meetings/<int:meeting_id>/invitees")
@permission(ORGANISE)
def add_invitee(code: str, term: str, meeting_id: int) -> str | Response:
    district, term_row, meeting = _organised_meeting(code, term, meeting_id)
    session = db()
    form = AddInviteeForm()
    if form.validate_on_submit():
        person = _person(form.person_id.data)
        try:
            invite(session, meeting, person, actor=_actor(), now=utcnow(), mail=_mail())
        except DomainError as error:
            session.rollback()
            form.form_errors.append(gettext(error.template, **error.params))
        else:
            session.commit()
            flash(gettext("%(name)s är inbjuden.", name=person.name), "success")
            return redirect(_meeting_url(district, term_row, meeting.id))
    return _invite_page(district, term_row, meeting, InviteeSearchForm(request.form), form)


@bp.post("/districts/<code>/terms/<term>/meetings/<int:meeting_id>/invitees/action")
@permission(ORGANISE)
def invitee_action(code: str, term: str, meeting_id: int) -> Response:
    """One button of the invitee table: `resend` or `remove`, the person's id its value (one form for the table,
    not two a row)."""
    district, term_row, meeting = _organised_meeting(code, term, meeting_id)
    action = "resend" if "resend" in request.form else "remove" if "remove" in request.form else None
    if action is None or not request.form[action].isdigit():
        abort(400)
    person = _invitee(meeting, int(request.form[action]))
    if action == "resend":
        _change(lambda session: resend(session, meeting, person, actor=_actor(), now=utcnow(), mail=_mail()),
                gettext("Inbjudan skickas igen till %(name)s.", name=person.name))
    else:
        _change(lambda session: uninvite(session, meeting, person, actor=_actor(), now=utcnow(), mail=_mail()),
                gettext("%(name)s är borttagen från mötet.", name=person.name))
    # back to the page of the table the button was on
    return redirect(_meeting_url(district, term_row, meeting.id, page=page_number(request.form.get(PAGE_ARG))))


def may_organise(user: User, district_id: int) -> bool:
    """Directors and city administrators change who is invited; district administrators and auditors read."""
    return user.role in (Role.DISTRICT_DIRECTOR, Role.CITY_ADMIN) and allows(user, Action.EDIT, district_id)


def _organised_meeting(code: str, term: str, meeting_id: int) -> tuple[District, Term, Meeting]:
    district, term_row, meeting, user = _meeting_of_address(code, term, meeting_id)
    if not may_organise(user, district.id):
        abort(404)
    return district, term_row, meeting


def _meeting_of_address(code: str, term: str, meeting_id: int) -> tuple[District, Term, Meeting, User]:
    """The district, term and meeting of a meeting's address, with the meeting's form (and its functions) and school,
    in one statement, once the user may view the district; else 404 (a statement each for the district, its
    municipality, the term, its breaks and the meeting before: the organiser's pages are read often)."""
    if is_city_code(code):
        owner, term_row, user = _district_term(code, term, Action.VIEW)
        return owner, term_row, _meeting(owner, term_row, meeting_id), user  # type: ignore[arg-type,return-value]
    found = db().execute(
        sa.select(Meeting, District, Term)
        .join(District, District.id == Meeting.district_id)
        .join(Term, sa.and_(Term.id == Meeting.term_id, Term.municipality_id == District.municipality_id))
        .where(Meeting.id == meeting_id, District.code == code, Term.name == term)
        .options(joinedload(Meeting.meeting_form).joinedload(MeetingForm.functions), joinedload(Meeting.school))
    ).unique().one_or_none()
    if found is None or found.Meeting.is_case_meeting:
        abort(404)
    meeting, district, term_row = found
    return district, term_row, meeting, require(Action.VIEW, district.id)


def _invite_page(district: District, term: Term, meeting: Meeting, search: InviteeSearchForm,
                 form: AddInviteeForm) -> str:
    query = search.q.data or ""
    found = addable_people(db(), meeting, query, limit=FOUND_PER_SEARCH + 1)
    return render_template("planning/invite.html", district=district, term=term, meeting=meeting,
                           title=meeting_title(meeting), search=search, query=query, add_form=form,
                           found=found[:FOUND_PER_SEARCH], more=len(found) > FOUND_PER_SEARCH)


def _change(use_case: Callable[[Session], object], done: str) -> None:
    """Run a change to one invitee: commit and say so, or roll back and show why."""
    session = db()
    try:
        use_case(session)
    except DomainError as error:
        session.rollback()
        flash(gettext(error.template, **error.params), "error")
    else:
        session.commit()
        flash(done, "success")


def _person(person_id: int | None) -> Person:
    person = db().get(Person, person_id) if person_id is not None else None
    if person is None:
        abort(404)
    return person


def _invitee(meeting: Meeting, person_id: int) -> Person:
    """One of the people ever invited to the meeting; 404 for anyone else, so an organiser cannot learn the
    name behind another district's person id (the service's "not invited" message names the person)."""
    invitation = db().get(Invitation, (meeting.id, person_id))
    if invitation is None:
        abort(404)
    return invitation.person


def _meeting_url(district: District, term: Term, meeting_id: int, page: int = 1) -> str:
    more = {PAGE_ARG: page} if page > 1 else {}
    return url_for(".meeting_page", code=district.code, term=term.name, meeting_id=meeting_id, **more)


def _actor() -> str:
    user = current_user()
    assert user is not None
    return user.email


def _mail() -> MailContext:
    return MailContext.from_settings(settings())


# -- helpers ---------------------------------------------------------------------------------------

def _district_term(code: str, term: str, action: Action) -> tuple[Owner, Term, User]:
    """The district (or, for the code STAD, the city) and term of the address, once the user may `action` it;
    else 404. The city's plan is its city-level agreements': the city administrator's to change, read by all."""
    session = db()
    if is_city_code(code):
        try:
            district: Owner | None = find_district(session, code)
        except DomainError:  # no municipality, or several: the city has no page of its own then
            district = None
    else:
        district = session.scalars(sa.select(District).where(District.code == code)).one_or_none()
    if district is None:
        abort(404)
    user = require(action, district.id)
    try:  # the term by its municipality's id: neither the municipality nor the breaks are read for it
        name = term_name(term)
    except DomainError:
        abort(404)
    term_row = session.scalars(sa.select(Term).where(Term.municipality_id == district.municipality_id,
                                                     Term.name == name)).one_or_none()
    if term_row is None:
        abort(404)
    return district, term_row, user


def _meeting(district: District, term: Term, meeting_id: int) -> Meeting:
    # the facts the meeting's pages show joined: its form and school
    meeting = db().get(Meeting, meeting_id, options=[joinedload(Meeting.meeting_form), joinedload(Meeting.school)])
    if meeting is None or meeting.district_id != district.id or meeting.term_id != term.id or meeting.is_case_meeting:
        abort(404)
    return meeting


def _back(district: Owner, term: Term, meeting: Meeting) -> str:
    """The meeting's week of the plan, at the meeting."""
    day = meeting.starts_at.astimezone(_zone()).date()
    return url_for(".plan_week", code=district.code, term=term.name, week=week_key(day),
                   _anchor=f"meeting-{meeting.id}")


def _zone() -> ZoneInfo:
    return ZoneInfo(settings().timezone)


def _uid_domain() -> str:
    return urlsplit(settings().base_url).hostname or UID_DOMAIN


def _at(day: date, clock: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, clock, tzinfo=zone)


# -- the week grid ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class GridDay:
    day: date
    free: str | None          # why no meetings are planned: a holiday, a break, outside the term
    half_day: str | None      # a half day's name: free from 14.00
    meetings: tuple[PlannedMeeting, ...]


@dataclass(frozen=True)
class GridWeek:
    number: int
    monday: date
    days: tuple[GridDay | None, ...]  # Monday to Friday; None: a day outside the month shown


def week_rows(calendar: TermCalendar, meetings: Iterable[PlannedMeeting], first: date, last: date) -> list[GridWeek]:
    """One row per week of the days `first` to `last`, Monday to Friday; days outside them are left empty."""
    by_day: dict[date, list[PlannedMeeting]] = defaultdict(list)
    for meeting in meetings:
        by_day[meeting.day].append(meeting)
    monday = first - timedelta(days=first.weekday())
    weeks = []
    while monday <= last:
        days = []
        for offset in range(5):
            day = monday + timedelta(days=offset)
            if not first <= day <= last:
                days.append(None)
                continue
            reason = calendar.free_reason(datetime.combine(day, time(8)), datetime.combine(day, time(9)))
            half = calendar.half_days.get(day)
            days.append(GridDay(day, gettext(reason) if reason else None,
                                f"{half}: {gettext(REASON_HALF_DAY)}" if half and not reason else None,
                                tuple(by_day.get(day, ()))))
        weeks.append(GridWeek(monday.isocalendar()[1], monday, tuple(days)))
        monday += timedelta(days=7)
    return weeks
