"""Flask glue shared by every blueprint: database session per request, locale, time display."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app, g, request, session as cookie
from flask_babel import Babel, format_datetime
from flask_wtf import CSRFProtect
from sqlalchemy import text
from sqlalchemy.orm import Session

from coordinator.config import Settings
from coordinator.db import make_engine, make_session_factory

LANGUAGES = ("sv", "en")
csrf = CSRFProtect()
babel = Babel()


def init_app(app: Flask) -> None:
    settings: Settings = app.extensions["coordinator.settings"]
    engine = make_engine(settings.database_url, pool_pre_ping=True)
    app.extensions["coordinator.engine"] = engine
    app.extensions["coordinator.sessions"] = make_session_factory(engine)
    app.teardown_appcontext(_close_session)

    csrf.init_app(app)
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "sv")
    app.config["BABEL_DEFAULT_TIMEZONE"] = settings.timezone
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(
        __import__("pathlib").Path(__file__).parent / "translations")
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.filters["local"] = local_time
    app.add_url_rule("/healthz", "healthz", healthz)


def settings() -> Settings:
    return current_app.extensions["coordinator.settings"]


def db() -> Session:
    """The request's (or CLI command's) database session, opened on first use."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["coordinator.sessions"]()
    return g.db_session


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


def select_locale() -> str:
    """The user's language if logged in, else a choice kept in the cookie, else the browser's."""
    user = getattr(g, "user", None)
    if user is not None:
        return user.language.value
    chosen = request.args.get("lang") or cookie.get("lang")
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES, default="sv") or "sv"


def local_time(value: datetime | None, fmt: str = "yyyy-MM-dd HH:mm") -> str:
    """Show a stored (UTC) time in the configured timezone."""
    if value is None:
        return ""
    return format_datetime(value.astimezone(ZoneInfo(settings().timezone)), fmt, rebase=False)


def healthz() -> tuple[dict[str, str], int]:
    """200 while the database answers, 503 when it does not."""
    try:
        with current_app.extensions["coordinator.engine"].connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # any failure to reach the database is "unhealthy"
        current_app.logger.warning("healthz: database unreachable: %s", exc)
        return {"status": "unavailable", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}, 200
