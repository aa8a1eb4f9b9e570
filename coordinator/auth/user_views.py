"""The users' pages: the logins of an administrator's scope; invite, change a role, close and reopen.

Thin views over `accounts` (the use cases) and `user_rules` (who may). A login outside the
administrator's scope is not found (404), as everywhere; one inside it that has more rights
than theirs is shown without the buttons, and a change to it is refused with the reason.
"""
from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from coordinator.auth import accounts, user_rules
from coordinator.auth.access import current_user
from coordinator.auth.routes import MANAGE_LOGIN, MANAGE_LOGINS, permission
from coordinator.auth.forms import ButtonForm, InviteForm, RoleForm
from coordinator.auth.models import Role, User
from coordinator.clock import utcnow
from coordinator.i18n import DomainError
from coordinator.invitations.messages import MailContext
from coordinator.org.models import District
from coordinator.pagination import paginate
from coordinator.web import db, requested_page, settings

bp = Blueprint("users", __name__)

ROLES = {
    Role.CITY_ADMIN: _l("Stadens administratör"), Role.DISTRICT_DIRECTOR: _l("Stadsdelsdirektör"),
    Role.DISTRICT_ADMIN: _l("Stadsdelsadministratör"), Role.PARTICIPANT: _l("Deltagare"), Role.AUDITOR: _l("Revisor"),
    Role.INTAKE_OFFICER: _l("Handläggare i mottagningsgruppen"),
}


@bp.context_processor
def labels() -> dict[str, object]:
    return {"role_labels": ROLES}


def _manager() -> User:
    """The logged-in user, if they manage logins; 404 for everyone else."""
    user = current_user()
    if not user_rules.manages_users(user):
        abort(404)
    assert user is not None
    return user


def _user(actor: User, user_id: int) -> User:
    user = accounts.user_in_scope(db(), actor, user_id)
    if user is None:
        abort(404)
    return user


@bp.get("/users")
@permission(MANAGE_LOGINS)
def index() -> str:
    """The logins of the administrator's scope, with their role, district and state."""
    actor = _manager()
    users = accounts.users_in_scope(db(), actor)
    return render_template("auth/users.html", users=users, listed=paginate(users, requested_page()), may_manage={u.id: accounts.may_manage(actor, u)
                                                                         for u in users})


@bp.route("/users/invite", methods=["GET", "POST"])
@permission(MANAGE_LOGINS)
def invite() -> str | Response:
    """Invite a person to a login: the login is made, and a mail with a link to choose a password is queued."""
    actor = _manager()
    form = InviteForm()
    _choices(form, actor)
    if form.validate_on_submit():
        session = db()
        try:
            user = accounts.invite(session, actor, form.email.data or "", form.role.data or "", form.district.data,
                                   name=form.name.data, now=utcnow(), mail=MailContext.from_settings(settings()))
        except DomainError as error:
            session.rollback()
            _field_error(form, error)
        else:
            session.commit()
            flash(gettext("En inbjudan med en länk för att välja lösenord skickas till %(email)s.",
                          email=user.email), "success")
            return redirect(url_for(".show", user_id=user.id))
    return render_template("auth/invite.html", form=form, city=actor.role is Role.CITY_ADMIN)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@permission(MANAGE_LOGIN)
def show(user_id: int) -> str | Response:
    """One login: its role (changed here within the administrator's rights), state and buttons."""
    actor = _manager()
    user = _user(actor, user_id)
    form = RoleForm()
    _choices(form, actor, own=user.id == actor.id)
    if form.validate_on_submit():
        session = db()
        try:
            accounts.change_role(session, actor, user, form.role.data or "", form.district.data, now=utcnow())
        except DomainError as error:
            session.rollback()
            _field_error(form, error)
        else:
            session.commit()
            flash(gettext("Rollen är ändrad."), "success")
            return redirect(url_for(".show", user_id=user.id))
    elif not form.is_submitted():
        form.role.data = user.role.value
        form.district.data = user.district_id
    return render_template("auth/user.html", user=user, form=form, button=ButtonForm(),
                           may_manage=accounts.may_manage(actor, user), is_self=user.id == actor.id,
                           city=actor.role is Role.CITY_ADMIN)


@bp.post("/users/<int:user_id>/close")
@permission(MANAGE_LOGIN)
def close(user_id: int) -> Response:
    actor = _manager()
    user = _user(actor, user_id)
    return _change(user, lambda: accounts.close_login(db(), actor, user, now=utcnow()),
                   gettext("Inloggningen är stängd. %(email)s kan inte längre logga in.", email=user.email))


@bp.post("/users/<int:user_id>/reopen")
@permission(MANAGE_LOGIN)
def reopen(user_id: int) -> Response:
    actor = _manager()
    user = _user(actor, user_id)
    return _change(user, lambda: accounts.reopen_login(db(), actor, user, now=utcnow()),
                   gettext("Inloggningen är öppen igen."))


@bp.post("/users/<int:user_id>/invitation")
@permission(MANAGE_LOGIN)
def send_invitation(user_id: int) -> Response:
    actor = _manager()
    user = _user(actor, user_id)
    return _change(user, lambda: accounts.send_invitation(db(), actor, user, now=utcnow(),
                                                          mail=MailContext.from_settings(settings())),
                   gettext("En ny inbjudan skickas till %(email)s.", email=user.email))


def _change(user: User, change: Callable[[], None], done: str) -> Response:
    """Run a button's change: commit and say so, or roll back and say why; back to the login's page."""
    session = db()
    if not ButtonForm().validate_on_submit():
        flash(gettext("Formuläret kunde inte läsas. Försök igen."), "error")
        return redirect(url_for(".show", user_id=user.id))
    try:
        change()
    except DomainError as error:
        session.rollback()
        flash(_message(error), "error")
    else:
        session.commit()
        flash(done, "success")
    return redirect(url_for(".show", user_id=user.id))


def _choices(form: InviteForm | RoleForm, actor: User, *, own: bool = False) -> None:
    """The roles the actor may give (to themselves only those that keep the users' pages), the districts."""
    form.role.choices = [("", gettext("Välj en roll"))] + [
        (r.value, str(ROLES[r])) for r in user_rules.grantable_roles(actor) if not own or r in user_rules.MANAGERS]
    if actor.role is Role.CITY_ADMIN:
        districts = db().scalars(sa.select(District).where(District.is_active).order_by(District.name))
        form.district.choices = [("", gettext("Ingen (hela staden)"))] + [(d.id, d.name) for d in districts]
    else:
        form.district.choices = [(actor.district_id, actor.district.name)]  # type: ignore[union-attr]


def _message(error: DomainError) -> str:
    """The service's message in the reader's language, a role named by its translated name."""
    params = dict(error.params)
    if params.get("role") in {r.value for r in Role}:
        params["role"] = str(ROLES[Role(params["role"])]).lower()
    return gettext(error.template, **params)


def _field_error(form: InviteForm | RoleForm, error: DomainError) -> None:
    message = _message(error)
    field = getattr(form, str(error.params.get("field")), None)
    if field is not None:
        field.errors = [*field.errors, message]
    else:
        form.form_errors.append(message)
