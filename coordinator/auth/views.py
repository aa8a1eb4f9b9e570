"""Login, logout, the language choice, and loading the logged-in user for every request."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from coordinator.auth import services
from coordinator.auth.access import current_user
from coordinator.auth.forms import LoginForm
from coordinator.auth.models import User
from coordinator.auth.permissions import Action, allows
from coordinator.clock import utcnow
from coordinator.web import LANGUAGES, db

bp = Blueprint("auth", __name__)

SESSION_USER = "user_id"
# requests that must work without the database (health checks) or do not need a user
_NO_USER_ENDPOINTS = frozenset({"static", "healthz"})


@bp.before_app_request
def load_user() -> None:
    """Put the session's user on `g.user` if they still exist and are active."""
    g.user = None
    if request.endpoint in _NO_USER_ENDPOINTS:
        return
    user_id = session.get(SESSION_USER)
    if user_id is None:
        return
    user = db().get(User, user_id)
    if user is None or not user.is_active:
        session.pop(SESSION_USER, None)  # deactivated since login: the next request is anonymous
        return
    g.user = user


@bp.app_context_processor
def user_in_templates() -> dict[str, object]:
    user = current_user()

    def can(action: str, district_id: int | None) -> bool:
        return allows(user, Action(action), district_id)

    return {
        "current_user": user,
        "current_user_name": services.display_name(user) if user is not None else None,
        "can": can,
    }


def safe_next(target: str | None) -> str | None:
    """`target` if it is a path on this site, else None (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(ord(c) < 32 or ord(c) == 127 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    """The login form; a correct email and password start a new session."""
    form = LoginForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next")) or ""
    if current_user() is not None:
        return redirect(safe_next(form.next.data) or url_for("org.home"))
    if form.validate_on_submit():
        user = services.authenticate(db(), form.email.data or "", form.password.data or "", utcnow())
        if user is not None:
            db().commit()
            session.clear()  # a fresh session: nothing from before the login survives
            session[SESSION_USER] = user.id
            return redirect(safe_next(form.next.data) or url_for("org.home"))
        current_app.logger.info("failed login for %r", services.normalise_email(form.email.data or ""))
        form.form_errors.append(_("Fel e-postadress eller lösenord."))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout() -> Response:
    """End the session (POST with the form's CSRF token only)."""
    user = current_user()
    session.clear()
    if user is not None:
        session["lang"] = user.language.value  # the login page stays in the user's language
        flash(_("Du är utloggad."), "success")
    return redirect(url_for("auth.login"))


@bp.post("/sprak")
def set_language() -> Response:
    """Change the language: a logged-in user's own setting, else the session's choice."""
    language = request.form.get("language", "")
    user = current_user()
    if language in LANGUAGES:
        if user is not None:
            services.set_language(user, language)
            db().commit()
        else:
            session["lang"] = language
    return redirect(safe_next(request.form.get("next")) or url_for("org.home"))
