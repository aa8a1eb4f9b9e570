"""The follow-up pages: a district's term at a glance, the rows behind each figure, a district's schools over
a school year, and the city's districts side by side; every table also as CSV and XLSX.

A director or district administrator sees their own district (another's answers 404, as everywhere);
the city view is for the city's administrator and the auditors (`sees_city_followup`); the exports
follow the same rules as their pages. Each page asks the follow-up services once, whatever its rows.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NoReturn

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, make_response, render_template, request, url_for
from flask_babel import get_locale, gettext
from markupsafe import Markup
from werkzeug.wrappers import Response

from coordinator.auth.access import current_user, require
from coordinator.auth.routes import CITY_FOLLOWUP, READ_DISTRICT, permission
from coordinator.auth.models import Role
from coordinator.auth.permissions import Action, allows, sees_city_followup, visible_district_ids
from coordinator.clock import utcnow
from coordinator.followup import charts
from coordinator.followup.cache import FactsCache, Recount, Rendered, RenderedPages
from coordinator.followup.details import (
    MEETING_DRILLS, Drill, SchoolYear, drill, form_name, school_year, school_year_of,
)
from coordinator.followup.indicators import BY_ID, HEADLINE, SECTION_NAMES, Figure, Section, Status, Unit, shown
from coordinator.followup.queries import FactsFunction
from coordinator.followup.services import (
    CityFollowUp, CityRow, DistrictFollowUp, Reading, city_followups, current_term, district_followup, last_terms, sort_rows,
)
from coordinator.followup.tables import (
    CITY_INDICATORS, GAP_IDS, STATUS_WORDS, TRANSLATED_DRILL_COLUMNS, Table, city_tables, district_tables,
    drill_table, school_table,
)
from coordinator.i18n import N_, DomainError
from coordinator.minutes.export import to_csv, to_xlsx
from coordinator.org.labels import ORGANISER_TYPE_LABELS
from coordinator.org.models import District, Municipality, OrganiserType
from coordinator.planning.services import district_term, find_district
from coordinator.terms.models import Term
from coordinator.terms.services import terms_of
from coordinator.web import db, now, settings

bp = Blueprint("followup", __name__)
Used = list[tuple[tuple[Any, ...], dict[Any, Any]]]  # the facts a page was rendered from, by their cache keys

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORTS = "<any(csv, xlsx):extension>"
# the trend's line charts: shares of the headline indicators, grouped so that no chart has more than four lines
TREND_CHARTS = (
    ("meetings", N_("Möten och protokoll"), ("meetings.held", "functions.complete", "minutes.kept", "minutes.on_time")),
    ("schools", N_("Skolornas deltagande och svaren"),
     ("schools.attended.municipal", "schools.attended.independent", "answers.rate")),
)
# drill-downs whose rows open the meeting's minutes rather than the organiser's meeting page
MINUTES_DRILLS = ("meetings.minutes_missing", "meetings.minutes_late", "meetings.not_approved",
                  "meetings.not_reported", "actions.open", "actions.overdue", "actions.closed")


@bp.app_context_processor
def followup_menu() -> dict[str, Any]:
    """Where "Uppföljning" in the menu leads: the city for those who see it, else the user's own district."""
    def followup_home() -> str | None:
        user = current_user()
        if sees_city_followup(user):
            return url_for("followup.city")
        if (user is not None and user.role in (Role.DISTRICT_DIRECTOR, Role.DISTRICT_ADMIN)
                and user.district is not None and allows(user, Action.VIEW, user.district_id)):
            return url_for("followup.district", code=user.district.code)
        return None
    return {"followup_home": followup_home}


# a status's shape, drawn in its colour (CSS currentColor) with a white mark: a city table has hundreds
# of them, so they are put together here rather than by a template macro per cell
STATUS_ICONS = {
    Status.GREEN: '<circle cx="8" cy="8" r="7.5" fill="currentColor"/>'
                  '<path d="M4.3 8.4l2.4 2.4 5-5.2" fill="none" stroke="#fff" stroke-width="2"/>',
    Status.AMBER: '<path d="M8 .5 15.5 15H.5z" fill="currentColor"/><path d="M8 5.5v5M8 12v2" stroke="#fff" '
                  'stroke-width="2"/>',
    Status.RED: '<rect x=".5" y=".5" width="15" height="15" fill="currentColor"/>'
                '<path d="M4.5 4.5l7 7M11.5 4.5l-7 7" stroke="#fff" stroke-width="2"/>',
    Status.NONE: '<circle cx="8" cy="8" r="6.5" fill="none" stroke="currentColor" stroke-width="2"/>'
                 '<path d="M4.5 8h7" stroke="currentColor" stroke-width="2"/>',
}


def status_badge(status: Status, hide_words: bool = False) -> Markup:
    """A status as its shape and its words (the words only for screen readers where a table is narrow)."""
    words = Markup.escape(gettext(STATUS_WORDS[status]))
    hidden = ' class="visually-hidden"' if hide_words else ""
    return Markup(f'<span class="status status--{status.value}"><svg class="status-icon" viewBox="0 0 16 16" '
                  f'width="16" height="16" aria-hidden="true" focusable="false">{STATUS_ICONS[status]}</svg>'
                  f'<span{hidden}>{words}</span></span>')


@bp.context_processor
def helpers() -> dict[str, Any]:
    return {"shown_figure": _shown, "parts": _parts, "status_badge": status_badge, "section_name": _section_name,
            "spread_text": _spread_text, "drill_cell": _drill_cell, "organiser_types": ORGANISER_TYPE_LABELS,
            "meeting_drills": MEETING_DRILLS, "school_year_name": _school_year_name, "Status": Status, "Unit": Unit}


# -- the district -------------------------------------------------------------------------------------

@bp.get("/districts/<code>/followup")
@permission(READ_DISTRICT)
def district(code: str) -> str:
    """A district's term at a glance: every indicator with its status and definition, per meeting form, the trend."""
    key = ("district", code, request.args.get("term"))
    kept = _kept(key, lambda rendered: require(Action.VIEW, rendered.district_id))
    if kept is not None:
        return kept
    used: Used = []
    place, term, terms = _district_and_term(code)
    found = district_followup(db(), place, term, now(), timezone=settings().timezone, counted=_counted(used))
    return _rendered(key, used, place.id, "followup/district.html", district=place, term=term, terms=terms,
                     found=found, trend_charts=_district_charts(found), headline=HEADLINE, sections=list(Section),
                     school_year=school_year_of(term.name))


@bp.get(f"/districts/<code>/followup/export/<name>.{EXPORTS}")
@permission(READ_DISTRICT)
def district_table(code: str, name: str, extension: str) -> Response:
    """One of the district view's tables (indikatorer, motesformer, trend) as CSV or XLSX."""
    place, term, _terms = _district_and_term(code)
    # the page's own facts (the cache's, with the trend): the file shows what the page shows
    found = district_followup(db(), place, term, now(), timezone=settings().timezone, counted=_counted())
    table = district_tables(found, gettext, _language()).get(name) or abort(404)
    return _download(table, f"uppfoljning-{place.code.lower()}-{term.name}", extension)


@bp.get("/districts/<code>/followup/drill/<key>")
@permission(READ_DISTRICT)
def drill_page(code: str, key: str) -> str:
    """The meetings, schools, people or action items behind one figure of the district's term."""
    place, term, terms = _district_and_term(code)
    found, form = _drill(place, term, key)
    return render_template("followup/drill.html", district=place, term=term, terms=terms, drill=found, form=form,
                           form_key=request.args.get("form") or None, link=_row_link(place, term, key))


@bp.get(f"/districts/<code>/followup/export/drill/<key>.{EXPORTS}")
@permission(READ_DISTRICT)
def drill_table_export(code: str, key: str, extension: str) -> Response:
    """The rows behind a figure as CSV or XLSX."""
    place, term, _terms = _district_and_term(code)
    found, _form = _drill(place, term, key)
    return _download(drill_table(found, gettext), f"uppfoljning-{place.code.lower()}-{term.name}", extension)


@bp.get("/districts/<code>/followup/schools")
@permission(READ_DISTRICT)
def schools(code: str) -> str:
    """Every school of the district over a school year, which forums it took part in; those not reached first."""
    key = ("schools", code, request.args.get("year"))
    kept = _kept(key, lambda rendered: require(Action.VIEW, rendered.district_id))
    if kept is not None:
        return kept
    used: Used = []
    place, year, years = _district_and_year(code)
    found = _school_year(place, year, used)
    return _rendered(key, used, place.id, "followup/schools.html", district=place, year=year, years=years,
                     found=found, not_reached=sum(not r.is_reached for r in found.rows))


@bp.get(f"/districts/<code>/followup/schools.{EXPORTS}")
@permission(READ_DISTRICT)
def schools_table(code: str, extension: str) -> Response:
    """The school year's table as CSV or XLSX."""
    place, year, _years = _district_and_year(code)
    table = school_table(_school_year(place, year), gettext,
                         {True: str(ORGANISER_TYPE_LABELS[OrganiserType.INDEPENDENT]),
                          False: str(ORGANISER_TYPE_LABELS[OrganiserType.MUNICIPAL])})
    return _download(table, f"uppfoljning-{place.code.lower()}-{year}", extension)


# -- the city -----------------------------------------------------------------------------------------

@bp.get("/followup")
@permission(CITY_FOLLOWUP)
def city() -> str:
    """All districts side by side for a term, sortable, with the city's median and range, the gaps between
    municipal and independent schools, the districts without an agreement, and charts with their tables."""
    if not sees_city_followup(current_user()):
        abort(404)
    sort, descending = _sort()
    key = ("city", request.args.get("municipality"), request.args.get("term"), sort, descending)
    kept = _kept(key, lambda rendered: None)  # who sees the city sees all of it (checked above)
    if kept is not None:
        return kept
    used: Used = []
    municipality, municipalities, term, terms = _city_and_term()
    found, trend = _city(municipality, term, used)
    rows = sort_rows(found.rows, sort, descending)
    columns = [n for n, i in enumerate(found.indicators) if i.headline]
    gaps = [_column(found, f"{base}.{kind}") for base in GAP_IDS for kind in ("municipal", "independent", "gap")]
    return _rendered(
        key, used, None, "followup/city.html", municipality=municipality, municipalities=municipalities, term=term,
        terms=terms, found=found, rows=rows, columns=columns, gaps=gaps, trend=trend, sort=sort or "district",
        descending=descending, bars=_city_bars(found, rows), trend_charts=_city_trend_charts(trend),
        held=_column(found, "meetings.held"), attendance_gap=_column(found, "schools.attended.gap"))


@bp.get(f"/followup/export/<name>.{EXPORTS}")
@permission(CITY_FOLLOWUP)
def city_table(name: str, extension: str) -> Response:
    """One of the city view's tables as CSV or XLSX, the districts in the page's order."""
    municipality, _municipalities, term, _terms = _city_and_term()
    found, trend = _city(municipality, term)
    sort, descending = _sort()
    tables = city_tables(found, sort_rows(found.rows, sort, descending), trend, gettext, _language())
    table = tables.get(name) or abort(404)
    return _download(table, f"uppfoljning-{municipality.code}-{term.name}", extension)


# -- finding what was asked for -----------------------------------------------------------------------

def _not_found(error: DomainError) -> NoReturn:
    """404 with the service's message (an unknown district, term, form, school year or figure)."""
    abort(make_response(render_template("pages/error.html", title=gettext("Uppföljningen finns inte"),
                                        message=gettext(error.template, **error.params)), 404))


def _district(code: str) -> District:
    try:
        place = find_district(db(), code)
    except DomainError as error:
        if visible_district_ids(current_user()) is None:  # who sees every district learns nothing from the name
            _not_found(error)
        abort(404)  # the same page as for another district's: a district's people cannot tell them apart
    require(Action.VIEW, place.id)
    return place


def _district_and_term(code: str) -> tuple[District, Term, list[Term]]:
    place = _district(code)
    terms = terms_of(db(), place.municipality)
    wanted = request.args.get("term")
    try:
        term = district_term(db(), place, wanted) if wanted else current_term(db(), place.municipality, now())
    except DomainError as error:
        _not_found(error)
    if term is None:
        _not_found(DomainError(N_("%(municipality)s har inga terminer ännu."), municipality=place.municipality.name))
    return place, term, terms


def _drill(place: District, term: Term, key: str) -> tuple[Drill, str | None]:
    form_key = request.args.get("form") or None
    try:
        form = form_name(db(), place, form_key) if form_key and key in MEETING_DRILLS else None
        return drill(db(), place, term, key, now(), form_key=form_key if form else None,
                     timezone=settings().timezone), form
    except DomainError as error:
        _not_found(error)


def _district_and_year(code: str) -> tuple[District, int, list[int]]:
    place = _district(code)
    years = sorted({school_year_of(t.name) for t in terms_of(db(), place.municipality)})
    wanted = request.args.get("year", "").strip()
    if wanted:
        if not wanted.isdigit():
            _not_found(DomainError(N_("Läsåret %(year)s finns inte; skriv höstterminens år, till exempel 2027."),
                                   year=wanted))
        return place, int(wanted), years
    term = current_term(db(), place.municipality, now())
    if term is None:
        _not_found(DomainError(N_("%(municipality)s har inga terminer ännu."), municipality=place.municipality.name))
    return place, school_year_of(term.name), years


def _school_year(place: District, year: int, used: Used | None = None) -> SchoolYear:
    try:
        return school_year(db(), place, year, now(), timezone=settings().timezone, counted=_counted(used))
    except DomainError as error:
        _not_found(error)


def _city_and_term() -> tuple[Municipality, list[Municipality], Term, list[Term]]:
    if not sees_city_followup(current_user()):
        abort(404)
    session = db()
    municipalities = list(session.scalars(
        sa.select(Municipality).where(Municipality.id.in_(sa.select(District.municipality_id)
                                                          .where(District.is_active)))
        .order_by(Municipality.name)))
    wanted = request.args.get("municipality")
    municipality = next((m for m in municipalities if m.code == wanted), None) if wanted else \
        (municipalities[0] if municipalities else None)
    if municipality is None:
        _not_found(DomainError(N_("Kommunen %(code)s har inga stadsdelar.") if wanted
                               else N_("Det finns inga stadsdelar ännu."), code=wanted or ""))
    terms = terms_of(session, municipality)
    name = (request.args.get("term") or "").strip().upper()
    term = next((t for t in terms if t.name == name), None) if name else current_term(session, municipality, now())
    if term is None:
        _not_found(DomainError(N_("Terminen %(term)s finns inte i %(municipality)s.") if name
                               else N_("%(municipality)s har inga terminer ännu."),
                               term=name, municipality=municipality.name))
    return municipality, municipalities, term, terms


def _city(municipality: Municipality, term: Term,
          used: Used | None = None) -> tuple[CityFollowUp, list[CityFollowUp]]:
    """The term and the terms before it (the trend), counted in one go."""
    trend = city_followups(db(), municipality, last_terms(db(), municipality, term), now(),
                           timezone=settings().timezone, indicators=CITY_INDICATORS, counted=_counted(used))
    return trend[-1], trend


def _facts_cache() -> FactsCache:
    """The app's cache of the follow-up's facts (`followup.cache`), made on first use."""
    cache = current_app.extensions.get("coordinator.followup_facts")
    if cache is None:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        recount = Recount(app.extensions["coordinator.sessions"],
                          lambda: app.extensions.get("coordinator.clock", utcnow)())
        cache = app.extensions["coordinator.followup_facts"] = FactsCache(settings().followup_cache_seconds,
                                                                          recount=recount)
    return cache


def _counted(used: Used | None = None) -> FactsFunction:
    """The cache's `term_facts`; each (key, facts) it answers with added to `used`, for the page rendered from them."""
    cache = _facts_cache()
    if used is None:
        return cache.term_facts

    def counted(session: Any, district_ids: Sequence[int], terms: Sequence[Term], moment: Any,
                timezone: str) -> Any:
        facts = cache.term_facts(session, district_ids, terms, moment, timezone)
        used.append((cache.key(district_ids, terms, timezone), facts))
        return facts
    return counted


# -- the pages as rendered, kept with their facts (decision 73) -----------------------------------------

def _rendered_pages() -> RenderedPages:
    pages = current_app.extensions.get("coordinator.followup_pages")
    if pages is None:
        pages = current_app.extensions["coordinator.followup_pages"] = RenderedPages()
    return pages


def _kept(key: tuple[Any, ...], allowed: Any) -> str | None:
    """The page of `key` around its kept content, if its facts are still the cache's answer; `allowed(rendered)`
    aborts as the page itself would for a user who may not see it (asked before anything is read)."""
    found = _rendered_pages().get((*key, _locale_key()))
    if found is None:
        return None
    allowed(found)
    if not _facts_cache().still(db(), found.used):
        return None
    _rendered_pages().hits += 1
    return _page(found)


def _rendered(key: tuple[Any, ...], used: Used, district_id: int | None, template_name: str,
              **context: Any) -> str:
    """Render a page's own part (its `page_title` and `content` blocks) once, keep it with the facts it shows,
    and serve it around the user's layout."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    template = app.jinja_env.get_or_select_template(template_name)
    app.update_template_context(context)
    blocks = template.new_context(context)
    rendered = Rendered("".join(template.blocks["page_title"](blocks)), "".join(template.blocks["content"](blocks)),
                        tuple(used), district_id)
    pages = _rendered_pages()
    pages.misses += 1
    if used and _facts_cache().ttl > 0:
        pages.put((*key, _locale_key()), rendered)
    return _page(rendered)


def _page(rendered: Rendered) -> str:
    return render_template("followup/page.html", page_title=Markup(rendered.title),
                           page_content=Markup(rendered.content))


def _locale_key() -> str:
    return str(get_locale() or "sv")


def _sort() -> tuple[str | None, bool]:
    """`?sort=<indicator id>&order=desc`: a headline indicator, else the districts' names."""
    wanted = request.args.get("sort")
    sort = wanted if wanted in BY_ID and BY_ID[wanted].headline else None
    return sort, request.args.get("order") == "desc"


def _column(found: CityFollowUp, indicator_id: str) -> int:
    return next(n for n, i in enumerate(found.indicators) if i.id == indicator_id)


# -- what the pages show ------------------------------------------------------------------------------

def _language() -> str:
    locale = get_locale()
    return locale.language if locale is not None else "sv"


def _shown(figure: Figure, unit: Unit) -> str:
    return shown(figure, unit, _language())


def _parts(figure: Figure, unit: Unit) -> str:
    """ "3 av 4" behind a share, empty where the figure has no parts."""
    if unit is not Unit.SHARE or figure.value is None or figure.numerator is None or figure.denominator is None:
        return ""
    return gettext("%(part)d av %(whole)d", part=figure.numerator, whole=figure.denominator)


def _school_year_name(year: int) -> str:
    """2027 → "2027/28", as a school year (läsår) is written."""
    return f"{year}/{(year + 1) % 100:02d}"


def _section_name(section: Section) -> str:
    return SECTION_NAMES[section][1 if _language() == "en" else 0]


def _spread_text(value: float | None, unit: Unit) -> str:
    """A city median or range end as the page writes it; none for yes/no (the districts without one are listed)."""
    if value is None or unit in (Unit.YES_NO, Unit.FUNCTION):
        return "–"
    if unit is Unit.COUNT:  # a median of counts may fall between two
        text = f"{value:.1f}".removesuffix(".0")
        return text.replace(".", ",") if _language() == "sv" else text
    return shown(Figure(value), unit, _language())


def _drill_cell(value: Any, column: str) -> str:
    if value is None:
        return ""
    if hasattr(value, "hour"):
        return value.strftime("%Y-%m-%d %H:%M")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return gettext(value) if column in TRANSLATED_DRILL_COLUMNS and value else str(value)


def _row_link(place: District, term: Term, key: str) -> Any:
    def link(meeting_id: int | None) -> str | None:
        if meeting_id is None:
            return None
        if key in MINUTES_DRILLS:
            return url_for("minutes.show", meeting_id=meeting_id)
        return url_for("planning.meeting_page", code=place.code, term=term.name, meeting_id=meeting_id)
    return link


def _percent(reading: Reading) -> float | None:
    return None if reading.figure.value is None else 100 * reading.figure.value


def _district_charts(found: DistrictFollowUp) -> list[tuple[str, Markup]]:
    """The trend's line charts (title, SVG) of the district's headline shares over the last terms."""
    labels = [t.name for t, _ in found.trend]
    found_charts = []
    for slug, title, ids in TREND_CHARTS:
        caption = gettext("%(title)s, %(district)s", title=gettext(title), district=found.district.name)
        series = [charts.Series(BY_ID[i].name(_language()),
                                tuple(_percent(next(r for r in readings if r.indicator.id == i))
                                      for _, readings in found.trend)) for i in ids]
        found_charts.append((caption, _lines(f"trend-{slug}", caption, labels, series)))
    return found_charts


def _lines(chart_id: str, title: str, labels: Sequence[str], series: Sequence[charts.Series]) -> Markup:
    description = gettext("Linjediagram i procent per termin, %(first)s–%(last)s; siffrorna står i tabellen "
                          "Trend.", first=labels[0], last=labels[-1]) if labels else ""
    return Markup(charts.line_chart(chart_id, title, description, labels, series, highest=100, unit=" %",
                                    decimal="," if _language() == "sv" else ".",
                                    empty_text=gettext("Inga terminer att visa.")))


def _city_bars(found: CityFollowUp, rows: Sequence[CityRow]) -> dict[str, tuple[str, Markup]]:
    """The city's bar charts (title, SVG): meetings held of agreed, and the attendance gap, per district."""
    held, gap = _column(found, "meetings.held"), _column(found, "schools.attended.gap")
    empty = gettext("Inga stadsdelar att visa.")
    held_title = gettext("Hållna möten av överenskomna per stadsdel, %(term)s", term=found.term.name)
    gap_title = gettext("Skillnad i deltagande, kommunala − fristående skolor, %(term)s", term=found.term.name)
    return {
        "held": (held_title, Markup(charts.bar_chart(
            "city-held", held_title, gettext("Stapeldiagram i procent; siffrorna står i tabellen bredvid."),
            [charts.Bar(r.district.name, _percent(r.readings[held]), _shown(r.readings[held].figure, Unit.SHARE))
             for r in rows], highest=100, empty_text=empty))),
        "gap": (gap_title, Markup(charts.bar_chart(
            "city-gap", gap_title,
            gettext("Stapeldiagram i procentenheter; staplar till höger betyder att kommunala skolor deltog mer. "
                    "Siffrorna står i tabellen bredvid."),
            [charts.Bar(r.district.name, r.readings[gap].figure.value,
                        _shown(r.readings[gap].figure, Unit.PERCENTAGE_POINTS)) for r in rows],
            highest=10, empty_text=empty))),
    }


def _city_trend_charts(trend: Sequence[CityFollowUp]) -> list[tuple[str, Markup]]:
    """The city's median over the last terms, as line charts (title, SVG)."""
    labels = [t.term.name for t in trend]
    found = trend[-1]

    def median(city: CityFollowUp, indicator_id: str) -> float | None:
        value = city.spreads[_column(city, indicator_id)].median
        return None if value is None else 100 * value

    found_charts = []
    for slug, title, ids in TREND_CHARTS:
        caption = gettext("%(title)s, median i staden", title=gettext(title))
        series = [charts.Series(found.indicators[_column(found, i)].name(_language()),
                                tuple(median(t, i) for t in trend)) for i in ids]
        found_charts.append((caption, _lines(f"city-trend-{slug}", caption, labels, series)))
    return found_charts


def _download(table: Table, stem: str, extension: str) -> Response:
    name = f"{stem}-{table.name}.{extension}"
    if extension == "csv":
        body, mimetype = to_csv(table.header, table.rows), "text/csv; charset=utf-8"
    else:
        body, mimetype = to_xlsx(table.title, table.header, table.rows), XLSX
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})
