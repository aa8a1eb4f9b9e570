"""Answering without a login (`/rsvp/<token>`), the subscription feeds (`/feeds/<token>.ics`), and "Min kalender".

The answer page is opened by mail scanners (Outlook Safe Links) as well as by people, so GET
only shows; the page's button (POST, CSRF-protected) records. It speaks the invitee's language
unless the visitor chose another.
"""
from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext, lazy_gettext as _l
from sqlalchemy.orm import Session
from werkzeug.http import is_resource_modified
from werkzeug.wrappers import Response

from coordinator.auth.access import current_user
from coordinator.auth.routes import ANYONE, OWN_CALENDAR, permission
from coordinator.auth.models import Role, User
from coordinator.clock import utcnow
from coordinator.i18n import N_, DomainError
from coordinator.invitations.events import load_convener, meeting_title, stands_in_for
from coordinator.invitations.feeds import (
    FeedBodies, active_feed, create_feed, feed_content, feed_version, revoke_feeds,
)
from coordinator.invitations.forms import DELEGATED, RsvpForm, person_choices
from coordinator.invitations.messages import MailContext
from coordinator.invitations.rsvp import LinkState, open_link
from coordinator.invitations.services import (
    DeputyChoices, deputy_choices, record_answer, send_deputy, take_back,
)
from coordinator.org.models import District, Person
from coordinator.planning.models import Answer, Invitation, Meeting
from coordinator.web import db, settings, speaking

bp = Blueprint("invitations", __name__)

ANSWERS = {Answer.NEEDS_ACTION: _l("Inte svarat"), Answer.ACCEPTED: _l("Kommer"), Answer.TENTATIVE: _l("Kanske"),
           Answer.DECLINED: _l("Kommer inte"), Answer.DELEGATED: _l("Skickar ersättare")}
ANSWERED_VIA = {"link": _l("via länken"), "calendar": _l("via kalendern")}


@bp.app_context_processor
def answer_labels() -> dict[str, Any]:
    """The answers' and the answering ways' words, for every page that shows invitations."""
    return {"answer_labels": ANSWERS, "answered_via_labels": ANSWERED_VIA}


# -- answering ----------------------------------------------------------------------------------------

@bp.route("/rsvp/<token>", methods=["GET", "POST"])
@permission(ANYONE)
def rsvp(token: str) -> str | Response | tuple[str, int]:
    """The meeting with the answer from the link pre-selected, and one button; POST records it.

    Someone who sent a deputy sees whom, and may take the meeting back (answering themselves) or
    choose another deputy until the meeting starts.
    """
    session, now = db(), utcnow()
    link = open_link(session, settings().secret_key, token, now=now)
    if link.state in (LinkState.TAMPERED, LinkState.GONE):
        return render_template("invitations/rsvp_closed.html", state=link.state.value, link=link), 404
    assert link.invitation is not None and link.meeting is not None
    invitation, meeting, person = link.invitation, link.meeting, link.invitation.person
    with _language_of(person):
        if not link.is_open:  # the invitee's own state (cancelled, sent a deputy) is a page; the rest are gone
            status = 200 if link.state is LinkState.CANCELLED or (link.delegated and link.state is LinkState.REPLACED) \
                else 410
            return render_template("invitations/rsvp_closed.html", state=link.state.value, link=link,
                                   **_facts(meeting)), status
        delegated = invitation.answer is Answer.DELEGATED
        form = RsvpForm()
        form.deputy_id.choices = []
        # an answer of one's own needs neither the deputies nor the meeting's facts, unless the page is shown again
        own_answer = request.method == "POST" and request.form.get("answer") != DELEGATED
        if own_answer and form.validate_on_submit():
            if (done := _answered(session, token, invitation, form, None, now)) is not None:
                return done
        choices = deputy_choices(session, invitation)
        form.deputy_id.choices = person_choices(choices.people, gettext("Välj en person"))
        may_delegate = bool(choices.people) and now < meeting.starts_at
        if not may_delegate:
            form.answer.choices = [c for c in form.answer.choices if c.value != DELEGATED]
        if request.method == "GET":
            wanted = request.args.get("answer")
            answered = invitation.answer is not Answer.NEEDS_ACTION
            form.answer.data = wanted if wanted in {c.value for c in form.answer.choices} else (
                invitation.answer.value if answered else None)
            deputy_id = invitation.delegated_to_id if delegated else person.deputy_id
            form.deputy_id.data = deputy_id if any(p.id == deputy_id for p in choices.people) else None
        elif not own_answer and form.validate_on_submit():
            if (done := _answered(session, token, invitation, form, choices, now)) is not None:
                return done
        return render_template("invitations/rsvp.html", form=form, invitation=invitation, token=token,
                               delegated=delegated, may_delegate=may_delegate, started=now >= meeting.starts_at,
                               choices=choices, stands_in_for=stands_in_for(invitation, get_locale().language),
                               **_facts(meeting))


def _answered(session: Session, token: str, invitation: Invitation, form: RsvpForm, choices: DeputyChoices | None,
              now: datetime) -> Response | None:
    """Record the page's answer: the redirect to the page, or None when refused (the reason is on the form)."""
    try:
        message = _answer(session, invitation, form, choices, now)
    except DomainError as error:
        session.rollback()
        form.form_errors.append(gettext(error.template, **error.params))
        return None
    session.commit()
    flash(message, "success")
    return redirect(url_for(".rsvp", token=token))


def _answer(session: Session, invitation: Invitation, form: RsvpForm, choices: DeputyChoices | None,
            now: datetime) -> str:
    """Carry out the answer page's choice; what to tell the invitee (`choices`: the deputies, for sending one)."""
    person, mail = invitation.person, MailContext.from_settings(settings())
    previous = invitation.delegated_to if invitation.answer is Answer.DELEGATED else None
    if form.answer.data == DELEGATED:
        assert choices is not None
        # someone invited meanwhile is passed on, for the service to say why they cannot stand in
        deputy = next((p for p in choices.people + choices.already_invited if p.id == form.deputy_id.data), None)
        if deputy is None:
            raise DomainError(N_("Välj en av personerna i listan."))
        if previous is not None and previous.id == deputy.id:
            return gettext("%(name)s går redan i ditt ställe.", name=deputy.name)
        send_deputy(session, invitation, deputy, via="link", actor=person.email, now=now, mail=mail)
        message = gettext("%(name)s får en egen inbjudan och går i ditt ställe.", name=deputy.name)
        if previous is not None:
            message += " " + gettext("%(name)s har fått besked om att inte gå.", name=previous.name)
        return message
    answer = Answer(form.answer.data)
    if previous is not None:
        take_back(session, invitation, answer, via="link", actor=person.email, now=now, mail=mail)
        return gettext("Du har tagit tillbaka mötet och %(name)s har fått besked. Ditt svar: %(answer)s.",
                       name=previous.name, answer=str(ANSWERS[answer]))
    record_answer(session, invitation, answer, via="link", sequence=invitation.calendar_sequence,
                  actor=person.email, now=now)
    return gettext("Tack! Ditt svar är sparat: %(answer)s.", answer=str(ANSWERS[answer]))


def _language_of(person: Person) -> AbstractContextManager[None]:
    """The invitee's language, unless the visitor picked one (the language switch)."""
    return speaking(person.language.value)


def _facts(meeting: Meeting) -> dict[str, Any]:
    """What `_meeting.html` shows: the meeting (its form, school, group and district came with the link) and its
    convener, read without loading every invitee."""
    return {"meeting": meeting, "title": meeting_title(meeting), "convener": load_convener(db(), meeting)}


# -- feeds ----------------------------------------------------------------------------------------------

@bp.get("/feeds/<token>.ics")
@permission(ANYONE)
def feed(token: str) -> Response:
    """A subscription calendar; 304 when the client already has this version (the feed is then not built),
    404 for a revoked token."""
    config, session, now = settings(), db(), utcnow()
    version = feed_version(session, token, sender_email=config.mail_from, timezone=config.timezone, now=now)
    if version is None:
        abort(404)
    response = Response(content_type="text/calendar; charset=utf-8")
    response.set_etag(version.etag)
    response.last_modified = version.last_modified
    response.cache_control.private = True
    response.cache_control.no_cache = True  # calendars may keep it, but must ask again (and get 304)
    if not is_resource_modified(request.environ, etag=version.etag, last_modified=version.last_modified):
        response.status_code = 304
        return response
    bodies: FeedBodies = current_app.extensions.setdefault("coordinator.feed_bodies", FeedBodies())
    body = bodies.get(version.etag)
    if body is None:
        body = feed_content(session, version, sender_email=config.mail_from, timezone=config.timezone, now=now)
        bodies.put(version.etag, body)
    response.set_data(body)
    return response


@bp.get("/me/calendar")
@permission(OWN_CALENDAR)
def my_calendar() -> str:
    """The user's subscription links: their own meetings, and the district's for those who organise it."""
    return _calendar_page(_feed_owners(_user()))


@bp.post("/me/calendar/link")
@permission(OWN_CALENDAR)
def new_link() -> str:
    """A new link for one of the user's feeds (the old one stops working); shown on this page only."""
    owners = _feed_owners(_user())
    key, owner = _chosen(owners)
    session = db()
    token = create_feed(session, owner, actor=_user().email, now=utcnow())
    session.commit()
    return _calendar_page(owners, created={"key": key, **_feed_urls(token)})


@bp.post("/me/calendar/revoke")
@permission(OWN_CALENDAR)
def revoke_link() -> Response:
    _, owner = _chosen(_feed_owners(_user()))
    session = db()
    if revoke_feeds(session, owner, actor=_user().email, now=utcnow()):
        flash(gettext("Länken är återkallad och fungerar inte längre."), "success")
    session.commit()
    return redirect(url_for(".my_calendar"))


def _user() -> User:
    user = current_user()
    assert user is not None  # the route's permission asks for a login
    return user


def _feed_owners(user: User) -> list[tuple[str, str, Person | District]]:
    """(form key, heading, owner) of each feed the user may hold; 404 when there is none."""
    owners: list[tuple[str, str, Person | District]] = []
    if user.person is not None:
        owners.append(("person", gettext("Mina möten"), user.person))
    if user.role is Role.DISTRICT_DIRECTOR and user.district is not None:
        districts = [user.district]
    elif user.role is Role.CITY_ADMIN:
        districts = list(db().scalars(sa.select(District).where(District.is_active).order_by(District.name)))
    else:
        districts = []
    owners += [(f"district-{d.id}", gettext("Alla möten i %(district)s", district=d.name), d) for d in districts]
    if not owners:
        abort(404)
    return owners


def _chosen(owners: list[tuple[str, str, Person | District]]) -> tuple[str, Person | District]:
    wanted = request.form.get("owner")
    if not wanted:  # a form without its button's value: bad input, not someone else's calendar
        abort(400)
    for key, _, owner in owners:
        if key == wanted:
            return key, owner
    abort(404)


def _calendar_page(owners: list[tuple[str, str, Person | District]], created: dict[str, str] | None = None) -> str:
    session = db()
    feeds = [{"key": key, "heading": heading, "active": active_feed(session, owner)} for key, heading, owner in owners]
    return render_template("invitations/my_calendar.html", feeds=feeds, created=created)


def _feed_urls(token: str) -> dict[str, str]:
    base = settings().base_url.rstrip("/")
    path = url_for(".feed", token=token)
    return {"https": f"{base}{path}", "webcal": f"webcal://{urlsplit(base).netloc}{path}"}
