"""Login, logout, the language choice, password links, and loading the logged-in user for every request."""
from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

from coordinator.auth import accounts, oidc, services, user_rules
from coordinator.auth.access import current_user
from coordinator.auth.forms import ForgotPasswordForm, LoginForm, NewPasswordForm
from coordinator.auth.models import User
from coordinator.auth.permissions import Action, allows
from coordinator.auth.routes import ANYONE, Scope, access_of, permission
from coordinator.auth.tokens import Refusal, TokenRefused
from coordinator.clock import utcnow
from coordinator.i18n import DomainError
from coordinator.invitations.messages import MailContext
from coordinator.org.models import Person
from coordinator.web import LANGUAGE_CHOSEN, LANGUAGES, db, settings, speaking
from coordinator.web import now as app_now

bp = Blueprint("auth", __name__)

SESSION_USER = "user_id"
SESSION_VERSION = "version"  # the login's session version when the session began: an older one is anonymous
# requests that must work without the database (health checks) or do not need a user
_NO_USER_ENDPOINTS = frozenset({"static", "healthz"})


# What the layout of every signed-in page reads about the user (templates/base.html: the name, the district's code
# in the menu, a principal's functions for the APT visit's link), loaded with the user in the one statement that
# checks the session, not lazily in three more on every page (docs/decisions.md 79)
LAYOUT_NEEDS = (joinedload(User.person).joinedload(Person.functions), joinedload(User.district))


@bp.before_app_request
def load_user() -> None:
    """Put the session's user on `g.user` if they still exist, are active, and began the session at their
    current session version (a sign-out, a closed login or a new password ends every older session)."""
    g.user = None
    if request.endpoint in _NO_USER_ENDPOINTS:
        return
    user_id = session.get(SESSION_USER)
    if user_id is None:
        return
    user = db().get(User, user_id, options=LAYOUT_NEEDS)
    if user is None or not user.is_active or session.get(SESSION_VERSION, 0) != user.session_version:
        session.pop(SESSION_USER, None)  # the next request is anonymous
        return
    g.user = user


@bp.app_errorhandler(CSRFError)
def csrf_failed(_error: CSRFError) -> tuple[str, int]:
    """A form sent without a valid CSRF token: explain, in the layout, instead of a bare 400."""
    if "user" not in g:  # the CSRF check runs before the user is loaded; show the page in their language
        load_user()
    return render_template(
        "pages/error.html", title=_("Formuläret kunde inte skickas"),
        message=_("Formuläret var för gammalt eller kom inte från den här tjänsten. "
                  "Gå tillbaka, ladda om sidan och försök igen."),
    ), 400


@bp.before_app_request
def check_declared_access() -> Response | None:
    """The route's declared permission (`coordinator.auth.routes`), before the view: the anonymous to the
    login page, a role the route is not for 404; a route without a declaration is nobody's."""
    view = current_app.view_functions.get(request.endpoint or "")
    if view is None:  # no route matched: the 404 or 405 follows
        return None
    access = access_of(view)
    if access is None:
        current_app.logger.error("route %s has no declared permission", request.endpoint)
        abort(404)
    rule = access.rule_for(request.method)
    if rule.scope is Scope.ANYONE:
        return None
    user = current_user()
    if user is None:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if not rule.admits_role(user.role, is_person=user.person_id is not None):
        abort(404)
    return None


@bp.app_context_processor
def user_in_templates() -> dict[str, object]:
    user = current_user()

    def can(action: str, district_id: int | None) -> bool:
        return allows(user, Action(action), district_id)

    return {
        "current_user": user,
        "current_user_name": services.display_name(user) if user is not None else None,
        "can": can,
        "manages_users": user_rules.manages_users(user),
    }


@bp.app_errorhandler(401)
def sign_in_first(_error: Exception) -> Response:
    """A page that needs a login, reached without one: to the login page, and back here after it."""
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


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


def start_session(user: User, now: datetime) -> None:
    """A fresh session for `user` (nothing from before survives: a cookie planted before the sign-in carries
    nothing into it); a language the visitor chose on the way in becomes their own, so the pages after
    signing in speak it."""
    chosen = session.get("lang") if session.get(LANGUAGE_CHOSEN) else None
    if chosen in LANGUAGES and chosen != user.language.value:
        services.set_language(user, chosen)
    session.clear()
    session[SESSION_USER] = user.id
    session[SESSION_VERSION] = user.session_version


@bp.route("/login", methods=["GET", "POST"])
@permission(ANYONE)
def login() -> str | Response:
    """The login form; a correct email and password start a new session."""
    form = LoginForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next")) or ""
    if current_user() is not None:
        return redirect(safe_next(form.next.data) or url_for("org.home"))
    if form.validate_on_submit():
        now = utcnow()
        user = services.authenticate(db(), form.email.data or "", form.password.data or "", now)
        if user is not None:
            start_session(user, now)
            db().commit()
            return redirect(safe_next(form.next.data) or url_for("org.home"))
        current_app.logger.info("failed login for %r", services.normalise_email(form.email.data or ""))
        form.form_errors.append(_("Fel e-postadress eller lösenord."))
    return render_template("auth/login.html", form=form, oidc_configured=oidc.configured())


# -- the municipality's identity provider (auth/oidc.py) -----------------------------------------------

_OIDC_NEXT = "oidc_next"


@bp.get("/login/oidc")
@permission(ANYONE)
def oidc_start() -> Response:
    """To the municipality's sign-in, and back to the callback (with state, nonce and PKCE kept in the session)."""
    found = oidc.provider()
    if found is None:
        abort(404)
    _config, client = found
    import requests  # with Authlib, only where the provider is used (docs/decisions.md 80)

    session[_OIDC_NEXT] = safe_next(request.args.get("next")) or ""
    try:
        return client.authorize_redirect(redirect_uri=settings().base_url + oidc.CALLBACK_PATH)
    except requests.RequestException as error:  # the provider's metadata could not be fetched
        current_app.logger.warning("identity provider unreachable: %s", error)
        return _oidc_refused("unreachable", 503)


@bp.get(oidc.CALLBACK_PATH)
@permission(ANYONE)
def oidc_callback() -> str | Response | tuple[str, int]:
    """The provider's answer: a person whose email has an active login here is signed in; anyone else is
    refused with a page (no login is created). A wrong state, audience, issuer, signature, nonce or an
    expired ID token ends here too, with nothing changed."""
    found = oidc.provider()
    if found is None:
        abort(404)
    config, client = found
    import requests
    from authlib.integrations.base_client import OAuthError
    from joserfc.errors import JoseError

    now = app_now()
    try:
        token = client.authorize_access_token(**oidc.id_token_checks(config, now))
    except (OAuthError, JoseError, requests.RequestException, ValueError) as error:
        current_app.logger.info("sign-in through the identity provider refused: %r", error)
        return _oidc_refused("failed", 400)
    claims = token.get("userinfo")
    email = oidc.email_of(claims, config) if claims else None
    if email is None:
        current_app.logger.info("identity provider sent no %r claim", config.email_claim)
        return _oidc_refused("no_email", 403)
    user = oidc.login_for(db(), email)
    if user is None:
        current_app.logger.info("sign-in through the identity provider: no active login for %r", email)
        return _oidc_refused("unknown", 403, email=email)
    next_path = session.get(_OIDC_NEXT)
    start_session(user, now)
    user.last_login_at = now
    db().commit()
    return redirect(safe_next(next_path) or url_for("org.home"))


def _oidc_refused(reason: str, status: int, email: str | None = None) -> tuple[str, int]:
    session.pop(_OIDC_NEXT, None)
    return render_template("auth/oidc_refused.html", reason=reason, email=email), status


@bp.post("/logout")
@permission(ANYONE)
def logout() -> Response:
    """End the session (POST with the form's CSRF token only) on the server too: every copy of the cookie,
    on this device and any other, stops working."""
    user = current_user()
    session.clear()
    if user is not None:
        services.end_sessions(user)
        db().commit()
        session["lang"] = user.language.value  # the login page stays in the user's language
        flash(_("Du är utloggad."), "success")
    return redirect(url_for("auth.login"))


@bp.post("/sprak")
@permission(ANYONE)
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
            session[LANGUAGE_CHOSEN] = True
    return redirect(safe_next(request.form.get("next")) or url_for("org.home"))


# -- passwords -------------------------------------------------------------------------------------------

@bp.route("/password/forgot", methods=["GET", "POST"])
@permission(ANYONE)
def forgot_password() -> str:
    """Ask for a link to choose a new password; the answer is the same whether the address has a login or not."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        accounts.request_password_reset(db(), form.email.data or "", now=utcnow(),
                                        mail=MailContext.from_settings(settings()))
        db().commit()
        return render_template("auth/forgot_password.html", form=form, sent=True)
    return render_template("auth/forgot_password.html", form=form, sent=False)


@bp.route("/password/<token>", methods=["GET", "POST"])
@permission(ANYONE)
def set_password(token: str) -> str | Response | tuple[str, int]:
    """A password link: opening it shows the form and changes nothing (mail scanners open links too); the
    form sets the password, uses the link up and signs the person in, on to the page the link was for."""
    now = utcnow()
    try:
        link = accounts.open_password_link(db(), settings().secret_key, token, now)
    except TokenRefused as refused:
        status = 404 if refused.reason is Refusal.TAMPERED else 410
        return render_template("auth/password_refused.html", reason=refused.reason.value), status
    language = (link.user or link.person).language.value  # type: ignore[union-attr]
    with speaking(language):
        form = NewPasswordForm()
        if form.validate_on_submit():
            try:
                user = accounts.set_password(db(), link, form.password.data or "", now=now)
            except DomainError as error:
                db().rollback()
                form.password.errors = [*form.password.errors, _(error.template, **error.params)]
            else:
                start_session(user, now)
                db().commit()
                flash(_("Lösenordet är sparat och du är inloggad."), "success")
                return redirect(safe_next(link.token.next_path) or url_for("org.home"))
        return render_template("auth/set_password.html", form=form, link=link, purpose=link.token.purpose.value)
