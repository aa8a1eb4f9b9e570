"""The follow-up as the views, the report and the CLI ask for it: a district's term against its agreement,
the city side by side, a district's schools over a school year, the trend, and the drill-downs.

Plain Python over a session, with `now` passed in. Figures come from `queries.term_facts` and are
judged by the registry in `indicators.py`; nothing here counts meetings itself.
"""
from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from coordinator.followup.facts import FormFacts, TermFacts
from coordinator.followup.indicators import (
    BY_ID, HEADLINE, INDICATORS, PER_FORM, Figure, Indicator, Section, Status, Unit,
)
from coordinator.followup.queries import FactsFunction, term_facts
from coordinator.i18n import N_, DomainError
from coordinator.org.models import District, Municipality
from coordinator.planning.services import district_term, find_district
from coordinator.terms.calendar import DEFAULT_TIMEZONE
from coordinator.terms.models import Term
from coordinator.terms.services import current_term as pick_term, terms_of

TREND_TERMS = 6


@dataclass(frozen=True)
class Reading:
    """One indicator's figure and status for a district's term (or one form of it)."""
    indicator: Indicator
    figure: Figure
    status: Status


@dataclass(frozen=True)
class FormReading:
    form: FormFacts
    readings: tuple[Reading, ...]  # the per-form indicators, in the registry's order


@dataclass(frozen=True)
class DistrictFollowUp:
    district: District
    term: Term
    facts: TermFacts
    readings: tuple[Reading, ...]          # every indicator, in the registry's order
    forms: tuple[FormReading, ...]
    trend: tuple[tuple[Term, tuple[Reading, ...]], ...]  # the last terms (oldest first), headline indicators

    def reading(self, indicator_id: str) -> Reading:
        return next(r for r in self.readings if r.indicator.id == indicator_id)

    def section(self, section: Section) -> list[Reading]:
        return [r for r in self.readings if r.indicator.section is section]

    @property
    def has_agreement(self) -> bool:
        return self.facts.agreement.has_agreement

    @property
    def has_agreed_meetings(self) -> bool:
        return self.facts.meetings.agreed > 0


@dataclass(frozen=True)
class Spread:
    """The city's median and range of an indicator over the districts that have a figure."""
    median: float | None
    lowest: float | None
    highest: float | None


@dataclass(frozen=True)
class CityRow:
    district: District
    facts: TermFacts
    readings: tuple[Reading, ...]  # the headline indicators

    @property
    def has_agreement(self) -> bool:
        return self.facts.agreement.has_agreement


@dataclass(frozen=True)
class CityFollowUp:
    municipality: Municipality
    term: Term
    indicators: tuple[Indicator, ...]
    rows: tuple[CityRow, ...]
    spreads: tuple[Spread, ...]  # one per indicator

    @property
    def without_agreement(self) -> list[District]:
        return [row.district for row in self.rows if not row.has_agreement]


def read(facts: TermFacts | FormFacts, indicators: Sequence[Indicator]) -> tuple[Reading, ...]:
    return tuple(Reading(i, *i.evaluate(facts)) for i in indicators)


# -- finding what the user asked for ------------------------------------------------------------------

def find_district_term(session: Session, code: str, term_name: str) -> tuple[District, Term]:
    """The district of a code and its municipality's term of a name; DomainError with a clear message if unknown."""
    district = find_district(session, code)
    return district, district_term(session, district, term_name)


def last_terms(session: Session, municipality: Municipality, term: Term, count: int = TREND_TERMS) -> list[Term]:
    """Up to `count` terms ending with `term`, oldest first."""
    earlier = [t for t in terms_of(session, municipality) if t.starts_on <= term.starts_on]
    return earlier[-count:]


def current_term(session: Session, municipality: Municipality, now: datetime,
                 timezone: str = DEFAULT_TIMEZONE) -> Term | None:
    """The term under way at `now`, else the last one begun, else the first one; None without terms."""
    terms = terms_of(session, municipality)
    return pick_term(terms, now.astimezone(ZoneInfo(timezone)).date()) if terms else None


# -- the district -------------------------------------------------------------------------------------

def district_followup(session: Session, district: District, term: Term, now: datetime, *,
                      timezone: str = DEFAULT_TIMEZONE, with_trend: bool = True,
                      counted: FactsFunction = term_facts) -> DistrictFollowUp:
    """A district's term: every indicator with its status, per meeting form, and the trend over six terms.

    `counted` is `term_facts` or a cache of it (`followup.cache.FactsCache.term_facts`, as the views use)."""
    terms = last_terms(session, district.municipality, term) if with_trend else [term]
    facts = counted(session, [district.id], terms, now, timezone)
    here = facts[(district.id, term.id)]
    trend = tuple((t, read(facts[(district.id, t.id)], HEADLINE)) for t in terms) if with_trend else ()
    return DistrictFollowUp(district, term, here, read(here, INDICATORS),
                            tuple(FormReading(f, read(f, PER_FORM)) for f in here.forms), trend)


# -- the city -----------------------------------------------------------------------------------------

def city_followup(session: Session, municipality: Municipality, term: Term, now: datetime, *,
                  timezone: str = DEFAULT_TIMEZONE, indicators: Sequence[Indicator] = HEADLINE) -> CityFollowUp:
    """Every active district of the municipality side by side for a term, with the city's median and range."""
    return city_followups(session, municipality, [term], now, timezone=timezone, indicators=indicators)[0]


def city_followups(session: Session, municipality: Municipality, terms: Sequence[Term], now: datetime, *,
                   timezone: str = DEFAULT_TIMEZONE, indicators: Sequence[Indicator] = HEADLINE,
                   counted: FactsFunction = term_facts) -> list[CityFollowUp]:
    """The city side by side for each of `terms` (e.g. the last six, for the city's trend), counted at once."""
    for term in terms:
        if term.municipality_id != municipality.id:
            raise DomainError(N_("Terminen %(term)s hör till en annan kommun."), term=term.name)
    districts = list(session.scalars(sa.select(District).where(District.municipality_id == municipality.id,
                                                               District.is_active).order_by(District.name)))
    facts = counted(session, [d.id for d in districts], terms, now, timezone)
    found = []
    for term in terms:
        rows = tuple(CityRow(d, facts[(d.id, term.id)], read(facts[(d.id, term.id)], indicators))
                     for d in districts)
        found.append(CityFollowUp(municipality, term, tuple(indicators), rows,
                                  tuple(spread([row.readings[n].figure for row in rows], i.unit)
                                        for n, i in enumerate(indicators))))
    return found


def spread(figures: Sequence[Figure], unit: Unit) -> Spread:
    values = [float(f.value) for f in figures if f.value is not None and unit not in (Unit.FUNCTION,)]
    if not values:
        return Spread(None, None, None)
    return Spread(statistics.median(values), min(values), max(values))


def sort_rows(rows: Sequence[CityRow], indicator_id: str | None, descending: bool = False) -> list[CityRow]:
    """The city's rows by an indicator (districts without a figure last), or by name."""
    if indicator_id is None or indicator_id not in BY_ID:
        return sorted(rows, key=lambda r: r.district.name, reverse=descending)

    def key(row: CityRow) -> tuple[bool, float, str]:
        value = next(r.figure.value for r in row.readings if r.indicator.id == indicator_id)
        number = float(value) if isinstance(value, (int, float)) else 0.0
        return value is None, -number if descending else number, row.district.name

    return sorted(rows, key=key)
