"""Use cases of the school year: create and change a municipality's terms and breaks, import them, read their calendars.

Plain Python over a session: no Flask. Every rule is checked before anything is added to the
session, so a broken rule leaves the session as it was. Services flush and write audit
events; the caller commits, so a change and its audit trail land together or not at all.
The rules themselves are calendar.py's (term names, end before start, a break outside its
term, overlapping terms) plus the season of a term (HT in the autumn, VT in the spring).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
import dataclasses
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from coordinator import audit
from coordinator.i18n import N_, DomainError
from coordinator.org.imports import ImportFailed, ImportResult
from coordinator.org.models import Municipality
from coordinator.org.tables import ImportFile
from coordinator.terms.calendar import (
    AUTUMN, Break, TermCalendar, TermDates, check_no_overlap, parse_term_name,
)
from coordinator.terms.models import BreakKind, Term, TermBreak


# ---------------------------------------------------------------------------------------------
# What is wrong with a term, and where


@dataclass(frozen=True)
class TermProblem:
    """One broken rule: a Swedish message template, and the input it is about.

    `field` is "name", "starts_on" or "ends_on"; with `break_index` set it is that field of
    the break at that position of the list given, else of the term itself.
    """
    template: str
    params: dict[str, Any] = dataclasses.field(default_factory=dict)
    field: str | None = None
    break_index: int | None = None

    @classmethod
    def of(cls, error: DomainError, field: str | None, break_index: int | None = None) -> TermProblem:
        return cls(error.template, dict(error.params), field, break_index)

    @property
    def message(self) -> str:
        return self.template % self.params if self.params else self.template


@dataclass(frozen=True)
class TermSpec:
    """A term as the file describes it: its dates and all its breaks, with the lines they came from."""
    line: int                      # the `termin` row
    name: str                      # canonical: HT2027
    starts_on: date
    ends_on: date
    breaks: tuple[Break, ...] = ()
    break_lines: tuple[int, ...] = ()

    def where(self, problem: TermProblem) -> tuple[int, str | None]:
        """The line and column of the file a problem with this term is about."""
        line = self.break_lines[problem.break_index] if problem.break_index is not None else self.line
        return line, {"name": "term"}.get(problem.field or "", problem.field)


class InvalidTerm(DomainError):
    """A term or its breaks broke one or more rules; nothing was written. Reads as the first problem."""

    def __init__(self, problems: Sequence[TermProblem]) -> None:
        assert problems, "an InvalidTerm needs at least one problem"
        super().__init__(problems[0].template, **problems[0].params)
        self.problems = list(problems)


@dataclass(frozen=True)
class _Dates:
    """A term's name and dates as check_no_overlap reads them."""
    name: str
    starts_on: date
    ends_on: date


def term_name(name: str) -> str:
    """The canonical spelling of a term's name ("ht2027 " -> "HT2027"); DomainError if it is none."""
    season, year = parse_term_name(name)
    return f"{season}{year}"


def check_term(
    name: str, starts_on: date, ends_on: date, breaks: Sequence[Break] = (), *,
    others: Iterable[TermDates] = (),
) -> list[TermProblem]:
    """Every rule `name` from `starts_on` to `ends_on` with `breaks` breaks; empty when it is valid.

    `others` are the municipality's other terms, which it may neither overlap nor share a name with.
    A wrong name or an end before the start stops the check there: the rest is measured against them.
    """
    others = list(others)
    try:
        name = term_name(name)
    except DomainError as error:
        return [TermProblem.of(error, "name")]
    try:
        TermCalendar(name, starts_on, ends_on)
    except DomainError as error:
        return [TermProblem.of(error, "ends_on")]
    problems = _season_problems(name, starts_on, ends_on)
    for index, term_break in enumerate(breaks):
        try:
            TermCalendar(name, starts_on, ends_on, (term_break,))
        except DomainError as error:
            outside = "starts_on" if term_break.starts_on < starts_on else "ends_on"
            problems.append(TermProblem.of(error, outside, index))
    candidate = _Dates(name, starts_on, ends_on)
    # pair by pair: the other terms' overlaps among themselves are not this term's problem
    for other in sorted(others, key=lambda o: (o.starts_on, o.name)):
        try:
            check_no_overlap([other, candidate])
        except DomainError as error:
            problems.append(TermProblem.of(error, _overlap_field(candidate, other)))
            break
    return problems


def season_window(season: str, year: int) -> tuple[date, date, date]:
    """(first start, last start, last end) of a term of `season` named for `year`.

    HT starts in July to December and may run on into January (some organisers end it after
    jullov); VT lies in January to June. Wider than any real school year (mid-August to about
    20 December, early January to mid-June), so only a wrong season or year is refused.
    """
    if season == AUTUMN:
        return date(year, 7, 1), date(year, 12, 31), date(year + 1, 1, 31)
    return date(year, 1, 1), date(year, 6, 30), date(year, 6, 30)


def _season_problems(name: str, starts_on: date, ends_on: date) -> list[TermProblem]:
    season, year = parse_term_name(name)
    first, last_start, last_end = season_window(season, year)
    autumn = season == AUTUMN
    problems = []
    if not first <= starts_on <= last_start:
        template = (N_("%(term)s är en hösttermin och ska börja mellan %(first)s och %(last)s, inte %(day)s.")
                    if autumn else
                    N_("%(term)s är en vårtermin och ska börja mellan %(first)s och %(last)s, inte %(day)s."))
        problems.append(TermProblem(template, {"term": name, "first": first, "last": last_start, "day": starts_on},
                                    "starts_on"))
    if ends_on > last_end:
        template = (N_("%(term)s är en hösttermin och ska sluta senast %(last)s, inte %(day)s.")
                    if autumn else
                    N_("%(term)s är en vårtermin och ska sluta senast %(last)s, inte %(day)s."))
        problems.append(TermProblem(template, {"term": name, "last": last_end, "day": ends_on}, "ends_on"))
    return problems


def _overlap_field(term: TermDates, other: TermDates) -> str:
    """The field to fix: the name if it is taken, else the date that reaches into the other term."""
    if other.name == term.name:
        return "name"
    return "starts_on" if other.starts_on <= term.starts_on else "ends_on"


# ---------------------------------------------------------------------------------------------
# Reading terms


def terms_of(session: Session, municipality: Municipality) -> list[Term]:
    """The municipality's terms in date order, with their breaks."""
    return list(session.scalars(
        sa.select(Term).where(Term.municipality_id == municipality.id)
        .options(selectinload(Term.breaks)).order_by(Term.starts_on)
    ))


def current_term(terms: Sequence[Term], today: date) -> Term:
    """The last term that has begun (the one going on, or the one just ended), else the first to come."""
    started = [t for t in terms if t.starts_on <= today]
    return started[-1] if started else terms[0]


def find_term(session: Session, municipality: Municipality, name: str) -> Term | None:
    """The municipality's term named `name` (any case), or None; a name that is no term name finds none."""
    try:
        name = term_name(name)
    except DomainError:
        return None
    return session.scalars(
        sa.select(Term).where(Term.municipality_id == municipality.id, Term.name == name)
        .options(selectinload(Term.breaks))
    ).one_or_none()


def get_term(session: Session, municipality: Municipality, name: str) -> Term:
    """The municipality's term named `name`; DomainError naming the terms it has when there is none."""
    term_name(name)  # a malformed name gets the message saying how to write one
    term = find_term(session, municipality, name)
    if term is None:
        known = ", ".join(t.name for t in terms_of(session, municipality)) or "-"
        raise DomainError(N_("Terminen %(term)s finns inte i %(municipality)s. Terminer som finns: %(known)s."),
                          term=name.strip().upper(), municipality=municipality.name, known=known)
    return term


def breaks_of(term: Term) -> list[Break]:
    """The term's breaks as calendar values, in date order."""
    return [Break(b.kind, b.starts_on, b.ends_on, b.name) for b in term.breaks]


def calendar_for(session: Session, term: Term) -> TermCalendar:
    """The term's calendar: its breaks and the Swedish holidays and half days of its years.

    The breaks are read through `term` (loaded in `session`), so unsaved changes to them count.
    """
    return TermCalendar.with_swedish_holidays(term.name, term.starts_on, term.ends_on, breaks_of(term))


def municipality_for(session: Session, code: str | None) -> Municipality:
    """The municipality with kommunkod `code`; without a code, the only one in the database."""
    if code:
        found = session.scalars(sa.select(Municipality).where(Municipality.code == code.strip())).one_or_none()
        if found is None:
            raise DomainError(N_("Ingen kommun har koden %(code)s."), code=code)
        return found
    municipalities = session.scalars(sa.select(Municipality).order_by(Municipality.code)).all()
    if not municipalities:
        raise DomainError(N_("Databasen har ingen kommun ännu. Importera skolor eller kör coordinator demo först."))
    if len(municipalities) > 1:
        raise DomainError(N_("Databasen har flera kommuner (%(codes)s): ange kommunens kod med --municipality KOD."),
                          codes=", ".join(m.code for m in municipalities))
    return municipalities[0]


# ---------------------------------------------------------------------------------------------
# Changing terms


def term_problems(
    session: Session, municipality: Municipality, name: str, starts_on: date, ends_on: date,
    breaks: Sequence[Break] = (), *, term: Term | None = None,
) -> list[TermProblem]:
    """check_term against the municipality's other terms: all of them but `term`, the one being changed."""
    others = [other for other in terms_of(session, municipality) if term is None or other.id != term.id]
    return check_term(name, starts_on, ends_on, breaks, others=others)


def create_term(
    session: Session, municipality: Municipality, name: str, starts_on: date, ends_on: date,
    breaks: Iterable[Break] = (), *, actor: str, now: datetime,
) -> Term:
    """A new term of the municipality with its breaks.

    InvalidTerm (a DomainError listing every problem) and nothing written if a rule is broken.
    """
    breaks = list(breaks)
    problems = term_problems(session, municipality, name, starts_on, ends_on, breaks)
    if problems:
        raise InvalidTerm(problems)
    return _create(session, municipality, term_name(name), starts_on, ends_on, breaks, actor=actor, now=now)


def update_term(
    session: Session, term: Term, starts_on: date, ends_on: date, breaks: Iterable[Break], *,
    actor: str, now: datetime,
) -> bool:
    """Set the term's dates and replace its breaks with `breaks`; whether anything changed.

    The name stays (meetings and reports name the term). InvalidTerm and nothing changed if a
    rule is broken; an update to what is already stored writes no audit event.
    """
    breaks = list(breaks)
    problems = term_problems(session, term.municipality, term.name, starts_on, ends_on, breaks, term=term)
    if problems:
        raise InvalidTerm(problems)
    return _replace(session, term, starts_on, ends_on, breaks, actor=actor, now=now)


def add_break(session: Session, term: Term, term_break: Break, *, actor: str, now: datetime) -> bool:
    """Add one break to the term (checked like every change); whether anything changed."""
    return update_term(session, term, term.starts_on, term.ends_on, [*breaks_of(term), term_break],
                       actor=actor, now=now)


def delete_break(session: Session, term_break: TermBreak, *, actor: str, now: datetime) -> bool:
    """Remove one break from its term; whether anything changed."""
    term = term_break.term
    kept = [Break(b.kind, b.starts_on, b.ends_on, b.name) for b in term.breaks if b is not term_break]
    return update_term(session, term, term.starts_on, term.ends_on, kept, actor=actor, now=now)


def _create(session: Session, municipality: Municipality, name: str, starts_on: date, ends_on: date,
            breaks: Sequence[Break], *, actor: str, now: datetime) -> Term:
    term = Term(municipality=municipality, name=name, starts_on=starts_on, ends_on=ends_on,
                breaks=[_row(b) for b in breaks])
    session.add(term)
    session.flush()
    audit.record(session, at=now, actor=actor, action="term.create", entity=term, after=snapshot(term))
    return term


def _replace(session: Session, term: Term, starts_on: date, ends_on: date, breaks: Sequence[Break], *,
             actor: str, now: datetime) -> bool:
    before = snapshot(term)
    if term.starts_on != starts_on:
        term.starts_on = starts_on
    if term.ends_on != ends_on:
        term.ends_on = ends_on
    # Replaced only when they differ: touching the collection would delete and re-insert equal rows.
    if sorted(map(_break_key, breaks_of(term))) != sorted(map(_break_key, breaks)):
        term.breaks = [_row(b) for b in sorted(breaks, key=lambda b: (b.starts_on, b.ends_on))]
    after = snapshot(term)
    if after == before:
        return False
    session.flush()
    audit.record(session, at=now, actor=actor, action="term.update", entity=term, before=before, after=after)
    return True


def _row(term_break: Break) -> TermBreak:
    return TermBreak(kind=BreakKind(term_break.kind), name=term_break.name,
                     starts_on=term_break.starts_on, ends_on=term_break.ends_on)


def _break_key(term_break: Break) -> tuple[date, date, str, str]:
    return term_break.starts_on, term_break.ends_on, term_break.kind, term_break.name


def _break_values(term_break: Break) -> dict[str, str]:
    return {"kind": term_break.kind, "name": term_break.name,
            "starts_on": term_break.starts_on.isoformat(), "ends_on": term_break.ends_on.isoformat()}


def snapshot(term: Term) -> dict[str, Any]:
    """The term as its audit events record it (JSON: dates in ISO form)."""
    breaks = [_break_values(Break(b.kind, b.starts_on, b.ends_on, b.name)) for b in term.breaks]
    return {
        "name": term.name, "starts_on": term.starts_on.isoformat(), "ends_on": term.ends_on.isoformat(),
        "breaks": sorted(breaks, key=lambda b: (b["starts_on"], b["ends_on"], b["kind"], b["name"])),
    }


# ---------------------------------------------------------------------------------------------
# Importing terms


def import_terms(
    session: Session, municipality: Municipality, file: ImportFile[TermSpec], *, actor: str, now: datetime,
) -> ImportResult:
    """Create or replace the file's terms (each with all its breaks) in the municipality, all or nothing.

    Terms the file does not name stay as they are. Reading the file checked each term on its
    own; here they are checked against each other and the terms that stay, so moving two
    neighbouring terms in one file works. On a problem, ImportFailed lists them all with line
    and column, and nothing is added to the session.
    """
    _raise_if_problems(file)
    existing = {term.name: term for term in terms_of(session, municipality)}
    named = {spec.name for spec in file.rows}
    after_import = [_Dates(name, t.starts_on, t.ends_on) for name, t in existing.items() if name not in named]
    after_import += [_Dates(spec.name, spec.starts_on, spec.ends_on) for spec in file.rows]
    seen: set[tuple[str, tuple[tuple[str, Any], ...]]] = set()
    for spec in file.rows:
        others = [term for term in after_import if term.name != spec.name]
        for problem in check_term(spec.name, spec.starts_on, spec.ends_on, spec.breaks, others=others):
            key = (problem.template, tuple(sorted(problem.params.items())))
            if key in seen:  # two terms of the file that overlap: once is enough
                continue
            seen.add(key)
            file.problem(*spec.where(problem), problem.template, **problem.params)
    _raise_if_problems(file)

    result = ImportResult()
    for spec in file.rows:
        term = existing.get(spec.name)
        if term is None:
            _create(session, municipality, spec.name, spec.starts_on, spec.ends_on, spec.breaks,
                    actor=actor, now=now)
            result.created += 1
        elif _replace(session, term, spec.starts_on, spec.ends_on, spec.breaks, actor=actor, now=now):
            result.updated += 1
        else:
            result.unchanged += 1
    return result


def _raise_if_problems(file: ImportFile[Any]) -> None:
    if file.problems:
        raise ImportFailed(sorted(file.problems, key=lambda p: p.line or 0))
