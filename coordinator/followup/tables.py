"""The follow-up's tables as plain rows for CSV and XLSX: the same figures as the pages, as numbers. Pure.

A share is written as per cent with one decimal (66.7), percentage points and days with one
decimal, counts as whole numbers, yes/no as words; a figure with nothing counted is an empty
cell, never a zero. Headings are Swedish message ids translated by the caller's `_` (gettext,
passed in so that this module needs no Flask); indicator names come from the registry in the
reader's language.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from coordinator.followup.details import Drill, SchoolYear
from coordinator.followup.indicators import (
    HEADLINE, INDICATORS, PER_FORM, SECTION_NAMES, Figure, Indicator, Status, Unit,
)
from coordinator.followup.services import CityFollowUp, CityRow, DistrictFollowUp, Reading, Spread
from coordinator.i18n import N_
from coordinator.minutes.export import Cell

Text = Callable[[str], str]

STATUS_WORDS = {Status.GREEN: N_("Uppfyllt"), Status.AMBER: N_("Delvis uppfyllt"), Status.RED: N_("Inte uppfyllt"),
                Status.NONE: N_("Ingen bedömning")}
UNIT_WORDS = {Unit.YES_NO: N_("ja/nej"), Unit.COUNT: N_("antal"), Unit.SHARE: N_("procent"),
              Unit.PERCENTAGE_POINTS: N_("procentenheter"), Unit.DAYS: N_("dagar"), Unit.FUNCTION: N_("funktion"),
              Unit.PER_SCHOOL: N_("per skola")}
TRANSLATED_DRILL_COLUMNS = frozenset({"Mötet", "Protokoll", "Nådd"})  # their cells are Swedish words too
GAP_IDS = ("schools.invited", "schools.answered", "schools.attended")
# the meeting forms' table: the counts, then the per-form shares (the per-form counts are among the counts)
FORM_COLUMNS = tuple(i for i in PER_FORM if i.unit is not Unit.COUNT)
# the city view's columns: the headline indicators and the municipal/independent parts of the gaps
CITY_INDICATORS = tuple(i for i in INDICATORS if i.headline or i.id.startswith(GAP_IDS))


@dataclass(frozen=True)
class Table:
    name: str                      # in the file's name: uppfoljning-<district>-<term>-<name>.csv
    title: str                     # the XLSX sheet's name
    header: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


def number(figure: Figure, unit: Unit, _: Text, language: str) -> Cell:
    """A figure as a spreadsheet cell: per cent for a share, a word for yes/no, None when nothing was counted."""
    value = figure.value
    if value is None:
        return None
    if unit is Unit.SHARE:
        return round(100 * value, 1)
    if unit in (Unit.PERCENTAGE_POINTS, Unit.DAYS, Unit.PER_SCHOOL):
        return round(float(value), 2 if unit is Unit.PER_SCHOOL else 1)
    if unit is Unit.YES_NO:
        return _("ja") if value else _("nej")
    if unit is Unit.FUNCTION:
        return value.label(language)
    return int(value)


def heading(indicator: Indicator, _: Text, language: str) -> str:
    """A column's heading: the indicator's name with its unit, e.g. "Svarsfrekvens (%)"."""
    suffix = {Unit.SHARE: " (%)", Unit.PERCENTAGE_POINTS: f" ({_('procentenheter')})",
              Unit.DAYS: f" ({_('dagar')})", Unit.PER_SCHOOL: f" ({_('per skola')})"}.get(indicator.unit, "")
    return indicator.name(language) + suffix


# -- the district -------------------------------------------------------------------------------------

def district_tables(found: DistrictFollowUp, _: Text, language: str) -> dict[str, Table]:
    """The district view's tables: every indicator, the meeting forms, the trend over the last terms."""
    indicators = tuple(
        (SECTION_NAMES[r.indicator.section][1 if language == "en" else 0], r.indicator.name(language),
         number(r.figure, r.indicator.unit, _, language), r.figure.numerator, r.figure.denominator,
         _(UNIT_WORDS[r.indicator.unit]), _(STATUS_WORDS[r.status]), r.indicator.definition(language))
        for r in found.readings)
    counts = (N_("Överenskomna"), N_("Planerade"), N_("Publicerade"), N_("Hållna"), N_("Inställda"),
              N_("Inte hållna"))
    forms = tuple(
        (f.form.name, f.form.meetings.agreed, f.form.meetings.planned, f.form.meetings.published, f.form.meetings.held,
         f.form.meetings.cancelled, f.form.meetings.not_held,
         *(number(r.figure, r.indicator.unit, _, language) for r in f.readings if r.indicator in FORM_COLUMNS))
        for f in found.forms)
    trend = tuple((heading(i, _, language), *(number(readings[n].figure, i.unit, _, language)
                                              for _t, readings in found.trend)) for n, i in enumerate(HEADLINE))
    return {
        "indikatorer": Table("indikatorer", _("Indikatorer"), (
            _("Avsnitt"), _("Indikator"), _("Värde"), _("Täljare"), _("Nämnare"), _("Enhet"),
            _("Status"), _("Definition")), indicators),
        "motesformer": Table("motesformer", _("Mötesformer"), (
            _("Mötesform"), *(_(c) for c in counts), *(heading(i, _, language) for i in FORM_COLUMNS)), forms),
        "trend": Table("trend", _("Trend"), (_("Indikator"), *(t.name for t, _r in found.trend)), trend),
    }


# -- the city -----------------------------------------------------------------------------------------

def city_tables(city: CityFollowUp, rows: Sequence[CityRow], trend: Sequence[CityFollowUp], _: Text,
                language: str) -> dict[str, Table]:
    """The city view's tables: the districts side by side (in the page's order) with the median and range,
    the gaps between municipal and independent schools, the two charts' data, the districts without an
    agreement, and the city's median over the last terms."""
    headline = [n for n, i in enumerate(city.indicators) if i.headline]

    def figures(readings: Sequence[Reading], columns: Sequence[int]) -> tuple[Cell, ...]:
        return tuple(number(readings[n].figure, readings[n].indicator.unit, _, language) for n in columns)

    def spread_row(label: str, part: Callable[[Spread], float | None]) -> tuple[Cell, ...]:
        return (_(label), "", *(_spread_cell(part(city.spreads[n]), city.indicators[n].unit) for n in headline))

    districts = (*((r.district.name, r.district.code, *figures(r.readings, headline)) for r in rows),
                 spread_row(N_("Median i staden"), lambda s: s.median), spread_row(N_("Lägst"), lambda s: s.lowest),
                 spread_row(N_("Högst"), lambda s: s.highest))
    gap_columns = [_column(city, f"{base}.{kind}") for base in GAP_IDS for kind in ("municipal", "independent", "gap")]
    held, gap = _column(city, "meetings.held"), _column(city, "schools.attended.gap")
    return {
        "stadsdelar": Table("stadsdelar", _("Stadsdelar"), (
            _("Stadsdel"), _("Kod"), *(heading(city.indicators[n], _, language) for n in headline)),
            districts),
        "skillnader": Table("skillnader", _("Kommunala och fristående"), (
            _("Stadsdel"), *(heading(city.indicators[n], _, language) for n in gap_columns)),
            tuple((r.district.name, *figures(r.readings, gap_columns)) for r in rows)),
        "hallna": Table("hallna", _("Hållna möten"), (_("Stadsdel"), heading(city.indicators[held], _, language)),
                        tuple((r.district.name, *figures(r.readings, [held])) for r in rows)),
        "deltagande": Table("deltagande", _("Skillnad i deltagande"), (
            _("Stadsdel"), heading(city.indicators[gap], _, language)),
            tuple((r.district.name, *figures(r.readings, [gap])) for r in rows)),
        "utan-overenskommelse": Table("utan-overenskommelse", _("Utan överenskommelse"), (
            _("Stadsdel"), _("Kod")), tuple((d.name, d.code) for d in city.without_agreement)),
        "trend": Table("trend", _("Trend"), (_("Median i staden"), *(t.term.name for t in trend)), tuple(
            (heading(city.indicators[n], _, language),
             *(_spread_cell(t.spreads[n].median, t.indicators[n].unit) for t in trend)) for n in headline)),
    }


def _column(city: CityFollowUp, indicator_id: str) -> int:
    return next(n for n, i in enumerate(city.indicators) if i.id == indicator_id)


def _spread_cell(value: float | None, unit: Unit) -> Cell:
    """A median or an end of the range; none for yes/no (the districts without an agreement are listed)."""
    if value is None or unit in (Unit.YES_NO, Unit.FUNCTION):
        return None
    return round(100 * value, 1) if unit is Unit.SHARE else round(value, 1)


# -- drill-downs and the school year ------------------------------------------------------------------

def drill_table(drill: Drill, _: Text) -> Table:
    """The rows behind a figure, with the Swedish words of the status columns translated."""
    translated = [n for n, column in enumerate(drill.columns) if column in TRANSLATED_DRILL_COLUMNS]
    rows = tuple(tuple(_(cell) if n in translated and isinstance(cell, str) and cell else cell
                       for n, cell in enumerate(row)) for row in drill.rows)
    return Table(drill.key.replace(".", "-"), _(drill.title), tuple(_(c) for c in drill.columns), rows)


def school_table(year: SchoolYear, _: Text, organiser_words: dict[bool, str]) -> Table:
    """Every school of the year: organiser type, party, reached, and per forum the held meetings it was
    invited to and those it attended."""
    header = (_("Skola"), _("Skolenhetskod"), _("Huvudman"), _("Part i överenskommelsen"),
              _("Nådd"), *(f"{forum}: {label}" for forum in year.forums
                              for label in (_("inbjuden till"), _("deltog i"))))
    rows = tuple((r.school.name, r.school.unit_code, organiser_words[r.school.is_independent],
                  _("ja") if r.is_party else _("nej"), _("ja") if r.is_reached else _("nej"),
                  *(n for pair in r.taken_part for n in pair)) for r in year.rows)
    return Table("skolor", _("Skolor"), header, rows)
