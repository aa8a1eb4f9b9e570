"""Answering without a login (`/rsvp/<token>`), the subscription feeds (`/feeds/<token>.ics`), and "Min kalender".

The answer page is opened by mail scanners (Outlook Safe Links) as well as by people, so GET
only shows; the page's button (POST, CSRF-protected) records. It speaks the invitee's language
unless the visitor chose another.
"""
from __future__ import annotations

from collections.abc import Sequence
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
from coordinator.invitations.events import load_convener, meeting_title
from coordinator.invitations.feeds import (
    FeedBodies, active_feed, create_feed, feed_content, feed_version, revoke_feeds,
)
from coordinator.invitations.answer_page import AnswerPage, answer_page, load_stands_in_for
from coordinator.invitations.forms import ANSWER_CHOICES, DELEGATED, DeputyForm, RsvpForm, person_choices
from coordinator.invitations.messages import MailContext
from coordinator.invitations.rsvp import LinkState, RsvpLink, open_link
from coordinator.invitations.services import (
    DeputyChoices, deputy_choices, record_answer, send_deputy, take_back,
)
from coordinator.org.models import District, Person
from coordinator.planning.models import Answer, Invitation, Meeting
from coordinator.web import csrf, db, settings, speaking

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
@csrf.exempt  # the signed token in the URL authorises the answer, not a cookie (docs/decisions.md §69)
def rsvp(token: str) -> str | Response | tuple[str, int]:
    """The meeting with the answer from the link pre-selected, and one button; POST records it.

    The page is read in one statement of plain columns (`answer_page`); choosing to send a deputy leads to
    the second step (`rsvp_deputy`), where the deputies are read. Someone who sent a deputy sees whom, and
    may take the meeting back (answering themselves) or choose another deputy until the meeting starts.
    """
    session, now = db(), utcnow()
    if request.method == "POST":
        return _post_answer(session, token, now)
    page = answer_page(session, settings().secret_key, token, now=now)
    if page is None or page.state is not LinkState.OPEN:  # its own page, from the invitation as before
        link = open_link(session, settings().secret_key, token, now=now)
        return _closed(link) or redirect(url_for(".rsvp", token=token))  # opened meanwhile: read it again
    with speaking(page.language):
        wanted = request.args.get("answer")
        if wanted == DELEGATED and page.may_delegate(now):  # the mail's "send a deputy" link: straight to it
            return redirect(url_for(".rsvp_deputy", token=token))
        return _answer_page(session, token, page, now, checked=wanted)


def _post_answer(session: Session, token: str, now: datetime) -> str | Response | tuple[str, int]:
    """The answer page's button: an answer of one's own is recorded (reading neither deputies nor the meeting's
    facts); sending a deputy leads to the second step."""
    link = open_link(session, settings().secret_key, token, now=now, for_answer=True)
    if (closed := _closed(link)) is not None:
        return closed
    assert link.invitation is not None
    invitation = link.invitation
    with _language_of(invitation.person):
        form = RsvpForm()
        if form.answer.data == DELEGATED:
            return redirect(url_for(".rsvp_deputy", token=token), code=303)
        errors = list(form.answer.errors) if not form.validate() else []
        if not errors:
            try:
                message = _own_answer(session, invitation, Answer(form.answer.data), now)
            except DomainError as error:
                session.rollback()
                errors.append(gettext(error.template, **error.params))
            else:
                session.commit()
                flash(message, "success")
                return redirect(url_for(".rsvp", token=token))
        page = answer_page(session, settings().secret_key, token, now=now)
        assert page is not None
        return _answer_page(session, token, page, now, checked=form.answer.data, errors=errors,
                            field_errors=list(form.answer.errors))


def _answer_page(session: Session, token: str, page: AnswerPage, now: datetime, *, checked: str | None,
                 errors: Sequence[str] = (), field_errors: Sequence[str] = ()) -> str:
    may_delegate = page.may_delegate(now)
    answers = [(value, label) for value, label in ANSWER_CHOICES if may_delegate or value != DELEGATED]
    if checked not in {value for value, _ in answers}:
        checked = page.answer.value if page.answer is not Answer.NEEDS_ACTION else None
    return render_template("invitations/rsvp.html", page=page, token=token, answers=answers, checked=checked,
                           errors=errors, field_errors=field_errors, may_delegate=may_delegate,
                           started=now >= page.meeting.starts_at,
                           stands_in_for=load_stands_in_for(session, page, get_locale().language),
                           meeting=page.meeting, title=page.title, convener=page.convener)


@bp.route("/rsvp/<token>/ersattare", methods=["GET", "POST"])
@permission(ANYONE)
@csrf.exempt  # as the answer page
def rsvp_deputy(token: str) -> str | Response | tuple[str, int]:
    """The answer page's second step: whom to send in one's place (the named deputy pre-selected, or the deputy
    already sent), or another deputy instead; the same link's rules as the answer page."""
    session, now = db(), utcnow()
    link = open_link(session, settings().secret_key, token, now=now)
    if (closed := _closed(link)) is not None:
        return closed
    assert link.invitation is not None and link.meeting is not None
    invitation, meeting, person = link.invitation, link.meeting, link.invitation.person
    with _language_of(person):
        delegated = invitation.answer is Answer.DELEGATED
        choices = deputy_choices(session, invitation)
        form = DeputyForm()
        form.deputy_id.choices = person_choices(choices.people, gettext("Välj en person"))
        started = now >= meeting.starts_at
        may_delegate = bool(choices.people) and not started
        if request.method == "POST" and may_delegate and form.validate():
            try:
                message = _send_deputy(session, invitation, form.deputy_id.data, choices, now)
            except DomainError as error:
                session.rollback()
                form.form_errors.append(gettext(error.template, **error.params))
            else:
                session.commit()
                flash(message, "success")
                return redirect(url_for(".rsvp", token=token))
        elif request.method == "GET":
            deputy_id = invitation.delegated_to_id if delegated else person.deputy_id
            form.deputy_id.data = deputy_id if any(p.id == deputy_id for p in choices.people) else None
        return render_template("invitations/rsvp_deputy.html", form=form, invitation=invitation, token=token,
                               delegated=delegated, may_delegate=may_delegate, started=started, choices=choices,
                               **_facts(meeting))


def _closed(link: RsvpLink) -> tuple[str, int] | None:
    """The page of a link that cannot answer (not ours, gone, replaced, cancelled, too late), or None."""
    if link.state in (LinkState.TAMPERED, LinkState.GONE):
        return render_template("invitations/rsvp_closed.html", state=link.state.value, link=link), 404
    if link.is_open:
        return None
    assert link.invitation is not None and link.meeting is not None
    with _language_of(link.invitation.person):  # the invitee's own state (cancelled, sent a deputy) is a page
        status = 200 if link.state is LinkState.CANCELLED or (link.delegated and link.state is LinkState.REPLACED) \
            else 410
        return render_template("invitations/rsvp_closed.html", state=link.state.value, link=link,
                               **_facts(link.meeting)), status


def _send_deputy(session: Session, invitation: Invitation, deputy_id: int | None, choices: DeputyChoices,
                 now: datetime) -> str:
    """Send the chosen deputy (or another instead of the one sent); what to tell the invitee."""
    person, mail = invitation.person, MailContext.from_settings(settings())
    previous = invitation.delegated_to if invitation.answer is Answer.DELEGATED else None
    # someone invited meanwhile is passed on, for the service to say why they cannot stand in
    deputy = next((p for p in choices.people + choices.already_invited if p.id == deputy_id), None)
    if deputy is None:
        raise DomainError(N_("Välj en av personerna i listan."))
    if previous is not None and previous.id == deputy.id:
        return gettext("%(name)s går redan i ditt ställe.", name=deputy.name)
    send_deputy(session, invitation, deputy, via="link", actor=person.email, now=now, mail=mail)
    message = gettext("%(name)s får en egen inbjudan och går i ditt ställe.", name=deputy.name)
    if previous is not None:
        message += " " + gettext("%(name)s har fått besked om att inte gå.", name=previous.name)
    return message


def _own_answer(session: Session, invitation: Invitation, answer: Answer, now: datetime) -> str:
    """Record the invitee's own answer (taking the meeting back from a deputy sent); what to tell them."""
    person = invitation.person
    previous = invitation.delegated_to if invitation.answer is Answer.DELEGATED else None
    if previous is not None:
        take_back(session, invitation, answer, via="link", actor=person.email, now=now,
                  mail=MailContext.from_settings(settings()))
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
