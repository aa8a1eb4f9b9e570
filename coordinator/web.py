"""Flask glue shared by every blueprint: database session per request, locale, time display."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Flask, current_app, g, render_template, request, session as cookie
from flask_babel import Babel, force_locale, format_datetime, get_locale, get_translations
from flask_babel import gettext as _
from flask_wtf import CSRFProtect
from sqlalchemy import text
from sqlalchemy.orm import Session

from coordinator.auth.routes import ANYONE, permission
from coordinator.clock import Clock, utcnow
from coordinator.config import Settings
from coordinator.db import make_engine, make_session_factory

LANGUAGES = ("sv", "en")
TRANSLATIONS = Path(__file__).parent / "translations"
_LANGUAGE_NAMES = {"en": "English"}
csrf = CSRFProtect()
babel = Babel()


def init_app(app: Flask) -> None:
    settings: Settings = app.extensions["coordinator.settings"]
    engine = make_engine(settings.database_url, pool_pre_ping=True)
    app.extensions["coordinator.engine"] = engine
    app.extensions["coordinator.sessions"] = make_session_factory(engine)
    app.teardown_appcontext(_close_session)

    # Flask-WTF's default (1 hour) would reject an agreement edited over a long meeting; a
    # working day is long enough, and the token still dies with the session.
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", 8 * 3600)
    csrf.init_app(app)
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "sv")
    app.config["BABEL_DEFAULT_TIMEZONE"] = settings.timezone
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(TRANSLATIONS)
    report_missing_catalogues(app)
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]  (Jinja's i18n extension, as Flask-Babel)
        gettext=lambda s: catalogue().ugettext(s), ngettext=lambda s, p, n: catalogue().ungettext(s, p, n),
        pgettext=lambda c, s: catalogue().upgettext(c, s),
        npgettext=lambda c, s, p, n: catalogue().unpgettext(c, s, p, n), newstyle=True)
    app.before_request(remember_language)
    app.jinja_env.filters["local"] = local_time
    app.jinja_env.filters["term_label"] = term_label
    app.jinja_env.filters["break_label"] = break_label
    app.jinja_env.globals.update(get_locale=get_locale, url_with_lang=url_with_lang, page_url=page_url)
    app.add_url_rule("/healthz", "healthz", healthz)
    app.add_url_rule("/tillganglighet", "accessibility", accessibility)
    app.register_error_handler(404, not_found)


def report_missing_catalogues(app: Flask) -> None:
    """Say at start when a language's compiled catalogue is missing: its users would get Swedish pages."""
    for language in LANGUAGES[1:]:
        compiled = TRANSLATIONS / language / "LC_MESSAGES" / "messages.mo"
        if not compiled.exists():
            app.logger.error("the %s catalogue %s is missing: people who chose %s get Swedish pages. Install the "
                             "package again (its build compiles the catalogues) or run "
                             "`python -m coordinator.translations.compile`.",
                             _LANGUAGE_NAMES[language], compiled, _LANGUAGE_NAMES[language])


def catalogue() -> Any:
    """The request's translations for the templates' `_()`: Flask-Babel's, kept for the request while its locale is
    the same object (`force_locale` and `refresh` replace it). Flask-Babel looks up its context, the locale and
    its catalogue cache on every call (≈ 6 µs); a layout has 17, some pages hundreds (docs/decisions.md 79)."""
    if not g:
        return get_translations()
    babel_context = g.get("_flask_babel")
    locale = getattr(babel_context, "babel_locale", None)
    kept = getattr(babel_context, "coordinator_catalogue", None)
    if kept is not None and locale is not None and kept[0] is locale:
        return kept[1]
    translations = get_translations()
    babel_context = g._flask_babel
    babel_context.coordinator_catalogue = (babel_context.babel_locale, translations)
    return translations


def settings() -> Settings:
    return current_app.extensions["coordinator.settings"]


def now() -> datetime:
    """The current time by the app's clock: the real one, unless a test fixed it in
    `app.extensions["coordinator.clock"]` (a `coordinator.clock.Clock`)."""
    clock: Clock = current_app.extensions.get("coordinator.clock", utcnow)
    return clock()


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


# set when the visitor picked the language themselves (not when logging out left theirs): signing in
# then makes the choice the user's own (auth/views.py start_session)
LANGUAGE_CHOSEN = "lang_chosen"


def remember_language() -> None:
    """Keep a `?lang=` choice in the session cookie, so the next pages stay in that language."""
    chosen = request.args.get("lang")
    if chosen in LANGUAGES and (cookie.get("lang") != chosen or not cookie.get(LANGUAGE_CHOSEN)):
        cookie["lang"] = chosen
        cookie[LANGUAGE_CHOSEN] = True


@contextmanager
def speaking(language: str) -> Iterator[None]:
    """A page about one person (an answer link, a password link) in their language, unless the visitor chose one."""
    chosen = request.args.get("lang") or cookie.get("lang")
    with force_locale(chosen if chosen in LANGUAGES else language):
        yield


def url_with_lang(language: str) -> str:
    """This page's address with `lang` set (the language switch for anonymous visitors)."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"] + [("lang", language)]
    return f"{request.path}?{urlencode(args)}"


PAGE_ARG = "sida"


def requested_page() -> int:
    """The page of a list this request asks for (`?sida=`), 1 unless a positive number is given."""
    from coordinator.pagination import page_number

    return page_number(request.args.get(PAGE_ARG))


def page_url(number: int) -> str:
    """This page's address at page `number` of its list, its other query arguments kept."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != PAGE_ARG] + [(PAGE_ARG, str(number))]
    return f"{request.path}?{urlencode(args)}"


def term_label(name: str) -> str:
    """A term's name in the reader's language: HT2027 in Swedish, "Autumn term 2027" in English."""
    from coordinator.terms.calendar import term_label as label

    return label(name, _)


def break_label(item: Any) -> str:
    """A break's name in the reader's language when it is its kind's default name (Höstlov, Autumn break); a name
    the municipality typed itself as it is. `item` is a stored break or a calendar's."""
    from coordinator.terms.calendar import break_label as label

    return label(item.name, getattr(item.kind, "value", item.kind), _)


LOCAL_TIME = "yyyy-MM-dd HH:mm"


def local_time(value: datetime | None, fmt: str = LOCAL_TIME) -> str:
    """Show a stored (UTC) time in the configured timezone."""
    if value is None:
        return ""
    local = value.astimezone(ZoneInfo(settings().timezone))
    if fmt == LOCAL_TIME:  # digits only, the same in every language: a tenth of Babel's cost (a table has many)
        return local.strftime("%Y-%m-%d %H:%M")
    return format_datetime(local, fmt, rebase=False)


@permission(ANYONE)
def healthz() -> tuple[dict[str, str], int]:
    """200 while the database answers, 503 when it does not."""
    try:
        with current_app.extensions["coordinator.engine"].connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # any failure to reach the database is "unhealthy"
        current_app.logger.warning("healthz: database unreachable: %s", exc)
        return {"status": "unavailable", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}, 200


# The accessibility statement's dates: update them whenever the statement is reviewed.
ACCESSIBILITY_ASSESSED_ON = date(2026, 11, 24)
ACCESSIBILITY_UPDATED_ON = date(2026, 11, 24)


@permission(ANYONE)
def accessibility() -> str:
    """The accessibility statement required by DOS-lagen, with a way to report problems."""
    from coordinator.org.models import Municipality

    owners = db().scalars(sa.select(Municipality.name).order_by(Municipality.name)).all()
    return render_template(
        "pages/accessibility.html", owners=owners, contact=settings().mail_from,
        assessed_on=ACCESSIBILITY_ASSESSED_ON, updated_on=ACCESSIBILITY_UPDATED_ON,
    )


def not_found(_error: Exception) -> tuple[str, int]:
    return render_template(
        "pages/error.html", title=_("Sidan finns inte"),
        message=_("Kontrollera adressen, eller gå till startsidan."),
    ), 404
