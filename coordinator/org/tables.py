"""The file layer of every import: CSV or XLSX bytes into a table of cells, and the problems found; no database.

Both the organisation's imports (importers.py) and the terms import read files through here, so
both kinds of file behave alike: encodings, delimiters, XLSX, the header row, problems per cell.
Every problem is kept, with the file, the line and the field, so a user fixes a file in one go.
Messages are Swedish templates marked with N_ so the web UI can translate them later.
"""
from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import PurePath
from typing import Any, Generic, TypeVar

from coordinator.i18n import N_, DomainError
from coordinator.org.columns import Column, header_key, known_headers

# ---------------------------------------------------------------------------------------------
# Problems


@dataclass(frozen=True)
class ImportProblem:
    """One thing wrong with an import file: where it is and why, as a template and its parameters."""

    file: str
    line: int | None
    field: str | None  # as the file names it: a column header, a JSON path or "--district"
    template: str
    params: dict[str, Any]

    @property
    def reason(self) -> str:
        return self.template % self.params if self.params else self.template

    @property
    def message(self) -> str:
        where = {"file": self.file, "line": self.line, "field": self.field, "reason": self.reason}
        if self.line is not None and self.field:
            return N_("%(file)s, rad %(line)s, %(field)s: %(reason)s") % where
        if self.line is not None:
            return N_("%(file)s, rad %(line)s: %(reason)s") % where
        if self.field:
            return N_("%(file)s, %(field)s: %(reason)s") % where
        return N_("%(file)s: %(reason)s") % where


Row = TypeVar("Row")


@dataclass
class ImportFile(Generic[Row]):
    """What was read from one file: the rows if every one was valid, and the problems."""

    name: str
    rows: list[Row] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)  # field key -> how the file names it
    skipped: int = 0  # Skolverket units without a school form we follow (adult education ...)
    first_seen: dict[str, int | None] = field(default_factory=dict, repr=False)  # key -> line

    @property
    def is_valid(self) -> bool:
        return not self.problems

    def label(self, key: str) -> str:
        return self.labels.get(key, key)

    def problem(self, line: int | None, key: str | None, template: str, **params: Any) -> ImportProblem:
        """A problem in this file, the field named as the file names it."""
        found = ImportProblem(self.name, line, self.label(key) if key else None, template, params)
        self.problems.append(found)
        return found


# ---------------------------------------------------------------------------------------------
# Reading a file


def read_table_file(filename: str, content: bytes, district: str | None,
          read: Callable[[ImportFile[Row], str], None]) -> ImportFile[Row]:
    """An ImportFile filled by `read`; a file that cannot be read at all gets one problem saying why."""
    file: ImportFile[Row] = ImportFile(filename, labels={"district": "--district"} if district else {})
    try:
        read(file, _file_kind(filename, content))
    except DomainError as unreadable:
        file.problems.append(ImportProblem(filename, None, None, unreadable.template, unreadable.params))
    # All or nothing: a file with any problem hands on no rows.
    if file.problems:
        file.rows = []
        columns = list(file.labels.values())  # in the file's order: a row's problems read left to right
        file.problems.sort(key=lambda p: (p.line or 0, columns.index(p.field) if p.field in columns else 0))
    return file


def table_of(kind: str, content: bytes) -> _Table:
    return _xlsx_table(content) if kind == "xlsx" else _csv_table(decode(content))

# ---------------------------------------------------------------------------------------------
# Bytes to text and tables; every failure here is about the whole file


_XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the pre-2007 Excel format (and old Word ...)
_ZIP_MAGIC = b"PK\x03\x04"                        # XLSX is a zip archive


def _file_kind(filename: str, content: bytes) -> str:
    if not content.strip():
        raise DomainError(N_("Filen är tom."))
    suffix = PurePath(filename).suffix.casefold()
    if content.startswith(_XLS_MAGIC) or suffix == ".xls":
        raise DomainError(N_("Filen är i det gamla Excel-formatet (.xls). Spara den som .xlsx eller "
                             "som \"CSV UTF-8\" och försök igen."))
    # The content decides over the name: Excel files are sometimes renamed to .csv.
    if content.startswith(_ZIP_MAGIC) or suffix in (".xlsx", ".xlsm"):
        return "xlsx"
    if suffix == ".json" or content.lstrip(codecs.BOM_UTF8 + b" \t\r\n")[:1] in (b"{", b"["):
        return "json"
    return "csv"


def decode(content: bytes) -> str:
    """UTF-8 text, with or without a byte-order mark; anything else is refused with advice."""
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise DomainError(N_("Filen är sparad som UTF-16 (\"Unicode-text\"). Spara den i Excel som "
                             "\"CSV UTF-8 (kommaavgränsad)\" och försök igen."))
    if _looks_binary(content):
        raise DomainError(N_("Filen är inte en textfil (CSV eller JSON) och inte en Excel-fil (.xlsx)."))
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DomainError(
            N_("Filen är inte sparad som UTF-8 (första felaktiga tecknet på rad %(line)s). Spara den i "
               "Excel som \"CSV UTF-8 (kommaavgränsad)\" och försök igen."),
            line=content[: error.start].count(b"\n") + 1,
        ) from None
    return unicodedata.normalize("NFC", text)


def _looks_binary(content: bytes) -> bool:
    sample = content[:4096]
    if b"\x00" in sample:
        return True
    controls = sum(1 for byte in sample if (byte < 32 and byte not in b"\t\r\n\f") or byte == 127)
    return controls > len(sample) * 0.02


@dataclass
class _Table:
    header: list[str]
    header_line: int
    records: list[tuple[int, list[str | None]]]


def _csv_table(text: str) -> _Table:
    # Excel honours (and some exports write) a first line "sep=;" naming the delimiter.
    declared = re.match(r"sep=(.)\r?\n", text)
    delimiter = declared.group(1) if declared else _sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[tuple[int, list[str | None]]] = []
    try:
        while True:
            starts_on = reader.line_num + 1
            try:
                cells = next(reader)
            except StopIteration:
                break
            if not (declared and starts_on == 1):
                rows.append((starts_on, list(cells)))
    except csv.Error as error:
        raise DomainError(N_("Filen går inte att läsa som CSV (rad %(line)s): %(error)s"),
                          line=reader.line_num, error=str(error)) from None
    return _table(rows)


def _sniff_delimiter(text: str) -> str:
    """Comma or semicolon (Swedish Excel) or tab: the one that splits the header into known columns."""
    header = next((line for line in text.splitlines() if line.strip()), "")

    known = known_headers()

    def fit(delimiter: str) -> tuple[int, int]:
        cells = next(csv.reader([header], delimiter=delimiter), [])
        return sum(header_key(cell) in known for cell in cells), len(cells)

    return max((";", ",", "\t"), key=fit)


def _xlsx_table(content: bytes) -> _Table:
    import openpyxl  # only XLSX imports need it

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            rows = [(number, [_cell_text(value) for value in values])
                    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1)]
        finally:
            workbook.close()
    # openpyxl reports a damaged file with whatever its zip or XML layer raised.
    except Exception:  # noqa: BLE001
        raise DomainError(N_("Excel-filen är skadad eller inte en riktig .xlsx-fil. Öppna den i Excel, "
                             "spara den som .xlsx igen och försök på nytt.")) from None
    return _table(rows)


def _cell_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel keeps every number as a float: 12345678.0
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return unicodedata.normalize("NFC", str(value))


def _table(rows: Sequence[tuple[int, Sequence[str | None]]]) -> _Table:
    """The first non-empty row is the header; wholly empty rows are left out."""
    filled = [(line, [cell.strip() if cell else None for cell in cells]) for line, cells in rows]
    filled = [(line, cells) for line, cells in filled if any(cells)]
    if not filled:
        raise DomainError(N_("Filen är tom."))
    (header_line, header), records = filled[0], filled[1:]
    if not records:
        raise DomainError(N_("Filen har bara en rubrikrad och inga rader att importera."))
    return _Table([cell or "" for cell in header], header_line, records)


def table_records(file: ImportFile[Any], table: _Table, columns: Sequence[Column], district: str | None
             ) -> Iterator[tuple[int, dict[str, str | None]]]:
    """Each data row as {column key: text or None}, once the header names every required column.

    With a district given on the command line the file's district column is neither needed nor read.
    """
    columns = [c for c in columns if not (district and c.key == "district")]
    positions: dict[str, int] = {}
    for position, heading in enumerate(table.header):
        key = header_key(heading)
        column = next((c for c in columns if key in c.names), None)
        if column is None:
            continue  # extra columns (comments, the user's own notes) are allowed and ignored
        if column.key in positions:
            raise DomainError(N_("Kolumnen %(column)s finns två gånger (rubrikrad %(line)s)."),
                              column=column.title, line=table.header_line)
        positions[column.key] = position
        file.labels[column.key] = heading
    missing = [c.title for c in columns if c.required and c.key not in positions]
    if missing:
        raise DomainError(N_("Kolumner saknas: %(columns)s. Rubrikraden har: %(found)s."),
                          columns=", ".join(missing), found=", ".join(h for h in table.header if h) or "-")
    for line, cells in table.records:
        yield line, {key: cells[at] if at < len(cells) else None for key, at in positions.items()}


# ---------------------------------------------------------------------------------------------
# Rows of a table


class Cells:
    """One row's cells, parsed field by field; each failure becomes a problem on its line."""

    def __init__(self, file: ImportFile[Any], line: int, cells: dict[str, str | None]) -> None:
        self.file, self.line, self.cells = file, line, cells
        self.is_valid = True

    @property
    def given(self) -> frozenset[str]:
        return frozenset(self.cells)

    def problem(self, key: str, template: str, **params: Any) -> None:
        self.is_valid = False
        self.file.problem(self.line, key, template, **params)

    def text(self, key: str, *, required: bool = False) -> str | None:
        value = self.cells.get(key)
        if value is None and required:
            self.problem(key, N_("Värde saknas."))
        return value

    def parsed(self, key: str, parse: Callable[[str], Any], default: Any = None, *,
               required: bool = False) -> Any:
        """The cell's value through `parse`, which raises DomainError for a bad value."""
        value = self.text(key, required=required)
        if value is None:
            return default
        try:
            return parse(value)
        except DomainError as bad:
            self.problem(key, bad.template, **bad.params)
            return default
