"""What every response carries and every start checks: security headers, no caching of personal data,
the secret key's strength, the size of a request, and the abuse limits (Flask-Limiter).

The limits are declared here, in one table by endpoint, so they can be read (and listed in the README)
in one place; `COORDINATOR_RATE_LIMIT_*` raises or lowers each, `COORDINATOR_RATE_LIMITS=off` turns
them off (load benchmarks), `COORDINATOR_RATE_LIMIT_STORAGE` shares them between processes.
"""
from __future__ import annotations

import math
import time

from flask import Flask, current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address
from limits.storage import MemoryStorage
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

from coordinator.config import Settings

# no inline script or style anywhere (templates move theirs into static/); nothing framed, nothing from elsewhere
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                           "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
HSTS = "max-age=31536000; includeSubDomains"
# the largest attachment of minutes, with room for the form around it; over it: 413 with a page (org/admin.py)
MAX_REQUEST_BYTES = 20 * 1024 * 1024

# The abuse limits: a name (its setting COORDINATOR_RATE_LIMIT_<NAME>), the default, the endpoints, and the
# methods counted. Counted per client address; a limit string is Flask-Limiter's ("10 per minute; 50 per hour").
RATE_LIMITS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "sign_in": ("10 per minute; 100 per hour", ("auth.login", "auth.oidc_start"), ("POST", "GET")),
    "password": ("5 per minute; 30 per hour", ("auth.forgot_password", "auth.set_password"), ("POST",)),
    "answer": ("30 per minute; 300 per hour",
               ("invitations.rsvp", "invitations.rsvp_deputy", "consultations.booking", "consultations.booker_cancel"), ("GET", "POST")),
    "feed": ("60 per minute", ("invitations.feed",), ("GET",)),
}
# the sign-in form itself may be shown freely: only sending it counts
_COUNTED_METHODS = {"auth.login": ("POST",)}

# secret keys seen in examples, tests and tutorials: never one that signs real sessions
_KNOWN_SECRETS = frozenset({"", "secret", "changeme", "change-me", "dev", "development", "test", "test-secret",
                            "secret-key", "your-secret-key", "s3cret", "samverkan",
                            "change-me-to-a-long-random-string"})
MIN_SECRET_LENGTH = 32


def secret_key_problem(settings: Settings) -> str | None:
    """Why the secret key may not sign sessions in production (an https base URL), or None.

    A development start (http) accepts any key; the generated one (instance/secret_key) is strong.
    """
    if not settings.base_url.startswith("https://"):
        return None
    key = settings.secret_key
    if key.strip().lower() in _KNOWN_SECRETS or len(key) < MIN_SECRET_LENGTH or len(set(key)) < 8:
        return (f"COORDINATOR_SECRET_KEY is weak or a known default: with COORDINATOR_BASE_URL={settings.base_url} "
                f"it signs real sessions and links. Set at least {MIN_SECRET_LENGTH} random characters, e.g. "
                "python -c 'import secrets; print(secrets.token_urlsafe(48))' (or leave it unset to have one "
                "generated into the instance folder).")
    return None


def init_app(app: Flask, settings: Settings) -> None:
    """Headers, limits and error pages for every request of `app` (after its blueprints are registered)."""
    if (problem := secret_key_problem(settings)) is not None:
        raise ValueError(problem)
    secure = settings.base_url.startswith("https://")
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure,
        MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
    )
    if settings.trusted_proxies:  # the client's address (for the limits) and https (for HSTS) as the proxy saw them
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trusted_proxies,  # type: ignore[method-assign]
                                x_proto=settings.trusted_proxies)
    app.after_request(_headers)
    _limit(app, settings)


def _headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    settings: Settings = current_app.extensions["coordinator.settings"]
    if request.is_secure or settings.base_url.startswith("https://"):
        headers.setdefault("Strict-Transport-Security", HSTS)
    # pages, exports and feeds carry people's names and meetings: kept by no cache on the way, nor in the
    # browser's history cache after sign-out; a response that set its own (the feed's revalidation) keeps it
    if request.endpoint != "static" and "Cache-Control" not in headers:
        headers["Cache-Control"] = "no-store"
    return response


# -- abuse limits ------------------------------------------------------------------------------------------

def limit_values(settings: Settings) -> dict[str, str]:
    """Each limit's value: the default unless its setting says otherwise."""
    return {name: settings.rate_limits.get(name, default) for name, (default, _e, _m) in RATE_LIMITS.items()}


class InProcessLimits(MemoryStorage):
    """The limits library's in-process storage (`memory://`), its expired entries swept by the request that
    finds a sweep due, at most once a second, instead of by a timer thread.

    The library starts a new `threading.Timer` on every hit that comes more than 10 ms after the previous
    one's, which is every hit of a feed or an answer link at the rates calendars and people send them: a
    thread started and run per request, more CPU than the rest of a feed's 304 but its two queries (decision
    72). What a limit allows is unchanged: the moving window counts by the entries' times, not by the sweep,
    which only frees the memory of addresses that stopped asking.
    """
    STORAGE_SCHEME = ["coordinator-memory"]
    SWEEP_SECONDS = 1.0

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: str) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.timer.cancel()
        self._next_sweep = 0.0

    # the library's private hook (name-mangled), called before every hit; tests/web/test_security.py fails if
    # the library renames it, rather than its timer thread quietly coming back
    def _MemoryStorage__schedule_expiry(self) -> None:
        now = time.monotonic()
        if now >= self._next_sweep:
            self._next_sweep = now + self.SWEEP_SECONDS
            self._MemoryStorage__expire_events()  # type: ignore[attr-defined]


def _limit(app: Flask, settings: Settings) -> None:
    """A limiter of this app's own (storage per app: tests build many apps), applied to the table's endpoints."""
    storage = settings.rate_limit_storage
    if storage.rstrip("/") == "memory:":
        storage = "coordinator-memory://"
    limiter = Limiter(get_remote_address, app=app, storage_uri=storage,
                      enabled=settings.rate_limits_enabled, strategy="moving-window")
    app.extensions["coordinator.limiter"] = limiter
    values = limit_values(settings)
    for name, (_default, endpoints, methods) in RATE_LIMITS.items():
        for endpoint in endpoints:
            view = app.view_functions.get(endpoint)
            if view is None:
                continue  # e.g. the identity provider's sign-in when none is configured
            counted = list(_COUNTED_METHODS.get(endpoint, methods))
            app.view_functions[endpoint] = limiter.limit(values[name], methods=counted, scope=name)(view)
    app.register_error_handler(RateLimitExceeded, _too_many)


def _too_many(error: RateLimitExceeded) -> tuple[str, int, dict[str, str]]:
    """429 with a page, in the visitor's language, saying when to try again (and Retry-After saying it to programs);
    it leads a signed-in user to the front page, anyone else to the sign-in."""
    limiter: Limiter = current_app.extensions["coordinator.limiter"]
    reset_at = limiter.current_limit.reset_at if limiter.current_limit is not None else time.time() + 60
    seconds = max(1, math.ceil(reset_at - time.time()))
    minutes = max(1, math.ceil((seconds - 1) / 60))  # the limits library rounds its reset up by a second
    _load_user_for_language()
    from coordinator.auth.access import current_user

    return render_template(
        "pages/error.html", title=_("För många försök"), to_sign_in=current_user() is None,
        message=ngettext("Du har gjort för många försök på kort tid. Försök igen om %(num)d minut.",
                         "Du har gjort för många försök på kort tid. Försök igen om %(num)d minuter.", minutes),
    ), 429, {"Retry-After": str(seconds)}


def _load_user_for_language() -> None:
    """The limit is checked before the user is loaded; load them, so the page speaks their language."""
    from flask import g

    if "user" not in g:
        from coordinator.auth.views import load_user

        load_user()
