"""Reading a terms file (CSV or XLSX) into whole terms with their breaks, or a list of problems; no database.

One row per term or break: `termin;typ;namn;från;till`, e.g.

    HT2027;termin;;2027-08-19;2027-12-21
    HT2027;hostlov;Höstlov;2027-11-01;2027-11-05

A term's rows may come in any order, but every term named needs exactly one `termin` row.
Every problem is kept with its line and column, so a user fixes a file in one go; messages are
Swedish templates marked with N_. Each term is checked on its own here (services.check_term:
end before start, a break outside its term, the season); overlaps with the municipality's
other terms are checked when the file is imported (services.import_terms).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from coordinator.i18n import N_, DomainError
# The file layer (encodings, delimiters, XLSX, the header row, problems per cell) is the one the
# organisation's imports use (org/tables.py), so both kinds of file behave alike; see docs/imports.md, "Files".
from coordinator.org.columns import Column
from coordinator.org.tables import Cells, ImportFile, read_table_file, table_of, table_records
from coordinator.terms.calendar import Break, parse_term_name
from coordinator.terms.models import BreakKind
from coordinator.terms.services import TermSpec, check_term

TERM = "termin"  # the row type of a term itself; the other types are BreakKind values

TERM_COLUMNS = (
    Column("term", "termin", "term", True, ("terminsnamn", "term_name")),
    Column("kind", "typ", "type", True, ("sort", "kind")),
    Column("name", "namn", "name", False, ("benämning", "beskrivning")),
    Column("starts_on", "från", "from", True, ("fran", "from_date", "start", "startdatum", "första dag")),
    Column("ends_on", "till", "to", True, ("to_date", "slut", "slutdatum", "sista dag")),
)

_KINDS = {
    TERM: TERM, "term": TERM, "termin": TERM,
    "höstlov": BreakKind.HOSTLOV.value, "hostlov": BreakKind.HOSTLOV.value,
    "jullov": BreakKind.JULLOV.value,
    "sportlov": BreakKind.SPORTLOV.value,
    "påsklov": BreakKind.PASKLOV.value, "pasklov": BreakKind.PASKLOV.value,
    "studiedag": BreakKind.STUDY_DAY.value, "study day": BreakKind.STUDY_DAY.value,
    "annat": BreakKind.OTHER.value, "annat lov": BreakKind.OTHER.value, "lov": BreakKind.OTHER.value,
    **{kind.value.replace("_", " "): kind.value for kind in BreakKind},
}
KIND_WORDS = "termin, hostlov, jullov, sportlov, pasklov, studiedag, annat"
# ISO dates; Excel's date cells arrive as "2027-08-19T00:00:00"
_ISO_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[T ]00:00(?::00)?)?")
NAME_LENGTH = 120  # TermBreak.name


@dataclass(frozen=True)
class _Row:
    line: int
    term: str
    kind: str
    name: str
    starts_on: date
    ends_on: date


def read_terms(filename: str, content: bytes) -> ImportFile[TermSpec]:
    """The file's terms if every row is valid, else its problems (and no terms)."""
    def read(file: ImportFile[TermSpec], kind: str) -> None:
        if kind == "json":
            raise DomainError(N_("Terminer importeras från CSV eller XLSX, inte från JSON."))
        rows: list[_Row] = []
        broken: set[str] = set()  # terms whose `termin` row has problems of its own
        for line, cells in table_records(file, table_of(kind, content), TERM_COLUMNS, None):
            row = _row(file, line, cells, broken)
            if row is not None:
                rows.append(row)
        file.rows.extend(_terms(file, rows, broken))

    return read_table_file(filename, content, None, read)


def _row(file: ImportFile[TermSpec], line: int, cells: dict[str, str | None], broken: set[str]) -> _Row | None:
    row = Cells(file, line, cells)
    term = row.parsed("term", parse_term, required=True)
    kind = row.parsed("kind", parse_kind, required=True)
    name = row.parsed("name", parse_name, "")
    starts_on = row.parsed("starts_on", parse_date, required=True)
    ends_on = row.parsed("ends_on", parse_date, required=True)
    if not row.is_valid:
        if kind == TERM and term:
            broken.add(term)
        return None
    if kind != TERM:
        try:
            Break(kind, starts_on, ends_on, name)
        except DomainError as bad:  # ends before it starts
            row.problem("ends_on", bad.template, **bad.params)
            return None
    return _Row(line, term, kind, name, starts_on, ends_on)


def _terms(file: ImportFile[TermSpec], rows: list[_Row], broken: set[str]) -> list[TermSpec]:
    """Rows grouped into terms, in the order of their `termin` rows; problems for rows that do not fit."""
    heads: dict[str, _Row] = {}
    for row in rows:
        if row.kind != TERM:
            continue
        if row.term in heads:
            file.problem(row.line, "kind", N_("Terminen %(term)s har redan en rad med typ termin (rad %(other)s)."),
                         term=row.term, other=heads[row.term].line)
        else:
            heads[row.term] = row
    breaks: dict[str, list[_Row]] = {name: [] for name in heads}
    seen: dict[tuple[str, str, str, date, date], int] = {}
    for row in rows:
        if row.kind == TERM:
            continue
        if row.term in broken:
            continue  # its `termin` row's problem is reported; "missing" would mislead
        if row.term not in heads:
            file.problem(row.line, "term", N_("Terminen %(term)s saknar en rad med typ termin och sina datum."),
                         term=row.term)
            continue
        key = (row.term, row.kind, row.name, row.starts_on, row.ends_on)
        if key in seen:
            file.problem(row.line, "kind", N_("Samma lov finns redan på rad %(other)s."), other=seen[key])
            continue
        seen[key] = row.line
        breaks[row.term].append(row)
    specs = [TermSpec(head.line, name, head.starts_on, head.ends_on,
                      tuple(Break(b.kind, b.starts_on, b.ends_on, b.name) for b in breaks[name]),
                      tuple(b.line for b in breaks[name]))
             for name, head in heads.items()]
    for spec in specs:  # each term on its own; against the other terms when imported
        for problem in check_term(spec.name, spec.starts_on, spec.ends_on, spec.breaks):
            file.problem(*spec.where(problem), problem.template, **problem.params)
    return specs


# ---------------------------------------------------------------------------------------------
# Field parsers: a value or a DomainError saying what is wrong with it


def parse_term(text: str) -> str:
    season, year = parse_term_name(text)
    return f"{season}{year}"


def parse_kind(text: str) -> str:
    word = " ".join(unicodedata.normalize("NFC", text).casefold().replace("_", " ").split())
    try:
        return _KINDS[word]
    except KeyError:
        raise DomainError(N_("Okänd typ \"%(value)s\". Kända: %(known)s."), value=text, known=KIND_WORDS) from None


def parse_date(text: str) -> date:
    match = _ISO_DATE.fullmatch(text.strip())
    try:
        if match is None:
            raise ValueError(text)
        return date.fromisoformat(match.group(1))
    except ValueError:
        raise DomainError(N_("\"%(value)s\" är inget datum: skriv ÅÅÅÅ-MM-DD, till exempel 2027-08-19."),
                          value=text) from None


def parse_name(text: str) -> str:
    name = " ".join(text.split())
    if len(name) > NAME_LENGTH:
        raise DomainError(N_("Namnet får vara högst %(max)s tecken."), max=NAME_LENGTH)
    return name
