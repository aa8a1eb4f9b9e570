"""Reading import files (CSV, XLSX, Skolverket JSON) into checked rows or a list of problems; no database.

Every problem is kept, with the file, the line and the field, so a user fixes a file in one go.
Messages are Swedish templates marked with N_ so the web UI can translate them later.
"""
from __future__ import annotations

import codecs
import csv
import io
import json
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import PurePath
from typing import Any, Generic, TypeVar

from coordinator.i18n import N_, DomainError
from coordinator.org.functions import Function
from coordinator.org.models import Language, OrganiserType, SchoolForm, UnitKind

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
# Rows


@dataclass(frozen=True)
class SchoolRow:
    line: int | None
    unit_code: str
    name: str
    district_code: str
    organiser_type: OrganiserType
    school_forms: tuple[SchoolForm, ...] = ()
    organiser_name: str | None = None
    email: str | None = None
    phone: str | None = None
    address: str | None = None
    is_active: bool = True
    municipality_code: str | None = None  # from Skolverket; must match the district's municipality
    given: frozenset[str] = frozenset()   # fields the file carries; the others stay as they are


@dataclass(frozen=True)
class PersonRow:
    line: int | None
    name: str
    email: str
    school_code: str | None = None   # the person works at this school ...
    unit_name: str | None = None     # ... or in this unit of the district
    district_code: str | None = None
    unit_kind: UnitKind | None = None  # creates the unit when it does not exist yet
    language: Language = Language.SV
    functions: tuple[Function, ...] = ()
    deputy_email: str | None = None
    phone: str | None = None
    is_active: bool = True
    given: frozenset[str] = frozenset()


# ---------------------------------------------------------------------------------------------
# Columns: Swedish or English headers, any case, spaces, hyphens and underscores alike


def _header_key(text: str) -> str:
    return re.sub(r"[\s_\-]+", "_", unicodedata.normalize("NFC", text).strip().casefold())


@dataclass(frozen=True)
class Column:
    key: str
    sv: str
    en: str
    required: bool = False
    aliases: tuple[str, ...] = ()

    @property
    def names(self) -> set[str]:
        return {_header_key(name) for name in (self.sv, self.en, self.key, *self.aliases)}

    @property
    def title(self) -> str:
        return f"{self.sv} ({self.en})"


SCHOOL_COLUMNS = (
    Column("unit_code", "skolenhetskod", "school_unit_code", True, ("unit_code", "skolenhet")),
    Column("name", "namn", "name", True, ("skolnamn", "school_name")),
    Column("district", "stadsdel", "district", True, ("stadsdelskod", "district_code")),
    Column("organiser_type", "huvudman", "organiser_type", True, ("organizer_type", "huvudmannatyp")),
    Column("organiser_name", "huvudmannens namn", "organiser_name", False, ("organizer_name",)),
    Column("school_forms", "skolformer", "school_forms", False, ("skolform", "school_form", "school_types")),
    Column("email", "e-post", "email", False, ("epost", "e-mail", "mejl")),
    Column("phone", "telefon", "phone", False, ("telefonnummer", "phone_number")),
    Column("address", "adress", "address", False, ("besöksadress",)),
    Column("active", "aktiv", "active", False, ("is_active",)),
)

PERSON_COLUMNS = (
    Column("name", "namn", "name", True),
    Column("email", "e-post", "email", True, ("epost", "e-mail", "mejl")),
    Column("organisation", "organisation", "organisation", True, ("organization", "skola/enhet", "enhet", "unit")),
    Column("district", "stadsdel", "district", False, ("stadsdelskod", "district_code")),
    Column("unit_kind", "enhetstyp", "unit_kind", False),
    Column("language", "språk", "language", False),
    Column("functions", "funktioner", "functions", False, ("funktion", "function")),
    Column("deputy_email", "ersättare", "deputy_email", False, ("ersättare e-post", "deputy")),
    Column("phone", "telefon", "phone", False, ("telefonnummer",)),
    Column("active", "aktiv", "active", False, ("is_active",)),
)

# The one place that lists every header, for choosing the delimiter of a CSV file.
_KNOWN_HEADERS = set().union(*(c.names for c in SCHOOL_COLUMNS + PERSON_COLUMNS))


# ---------------------------------------------------------------------------------------------
# Values


_EMAIL = re.compile(r"[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>.]+")
_UNIT_CODE = re.compile(r"\d{8}")
_TRUE = {"ja", "j", "yes", "y", "true", "sant", "1", "x", "aktiv", "active"}
_FALSE = {"nej", "n", "no", "false", "falskt", "0", "inaktiv", "inactive", "upphörd", "vilande"}
_ORGANISER_TYPES = {
    "kommunal": OrganiserType.MUNICIPAL, "kommun": OrganiserType.MUNICIPAL,
    "municipal": OrganiserType.MUNICIPAL,
    "fristående": OrganiserType.INDEPENDENT, "fristaende": OrganiserType.INDEPENDENT,
    "enskild": OrganiserType.INDEPENDENT, "independent": OrganiserType.INDEPENDENT,
}
_SCHOOL_FORMS = {
    "förskoleklass": SchoolForm.FKLASS,
    "grundskola": SchoolForm.GR,
    "grundsärskola": SchoolForm.GRAN, "anpassad grundskola": SchoolForm.GRAN,
    "gymnasieskola": SchoolForm.GY,
    "gymnasiesärskola": SchoolForm.GYAN, "anpassad gymnasieskola": SchoolForm.GYAN,
    **{form.value.casefold(): form for form in SchoolForm},
}
_LANGUAGES = {"sv": Language.SV, "svenska": Language.SV, "swedish": Language.SV,
              "en": Language.EN, "engelska": Language.EN, "english": Language.EN}
_UNIT_KINDS = {
    "ifo": UnitKind.SOCIAL_SERVICES, "socialtjänst": UnitKind.SOCIAL_SERVICES,
    "socialtjänsten": UnitKind.SOCIAL_SERVICES, "fritid": UnitKind.LEISURE,
    "förskola": UnitKind.PRESCHOOL, "fältassistenter": UnitKind.FIELD_WORKERS,
    "ledning": UnitKind.ADMINISTRATION, "förvaltning": UnitKind.ADMINISTRATION,
    "polis": UnitKind.POLICE, "polisen": UnitKind.POLICE, "förening": UnitKind.ASSOCIATION,
    **{kind.value: kind for kind in UnitKind},
}


def _words(text: str) -> str:
    return " ".join(text.casefold().split())


def _split_list(text: str | None) -> list[str]:
    return [part.strip() for part in re.split(r"[,;]", text or "") if part.strip()]


# ---------------------------------------------------------------------------------------------
# Public entry points


def read_schools(filename: str, content: bytes, *, district: str | None = None) -> ImportFile[SchoolRow]:
    """Schools from CSV, XLSX or a Skolverket JSON export; `district` (a code) overrides the file's."""
    def read(file: ImportFile[SchoolRow], kind: str) -> None:
        if kind == "json":
            _read_skolverket(file, _decode(content), district)
            return
        for line, cells in table_records(file, table_of(kind, content), SCHOOL_COLUMNS, district):
            _school_row(file, line, cells, district)

    return read_table_file(filename, content, district, read)


def read_people(filename: str, content: bytes, *, district: str | None = None) -> ImportFile[PersonRow]:
    """People from CSV or XLSX; `district` (a code) overrides the file's district column."""
    def read(file: ImportFile[PersonRow], kind: str) -> None:
        if kind == "json":
            raise DomainError(N_("Personer importeras från CSV eller XLSX, inte från JSON."))
        for line, cells in table_records(file, table_of(kind, content), PERSON_COLUMNS, district):
            _person_row(file, line, cells, district)

    return read_table_file(filename, content, district, read)


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
    return _xlsx_table(content) if kind == "xlsx" else _csv_table(_decode(content))


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


def _decode(content: bytes) -> str:
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

    def fit(delimiter: str) -> tuple[int, int]:
        cells = next(csv.reader([header], delimiter=delimiter), [])
        return sum(_header_key(cell) in _KNOWN_HEADERS for cell in cells), len(cells)

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
        key = _header_key(heading)
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


def _school_row(file: ImportFile[SchoolRow], line: int, cells: dict[str, str | None],
                district: str | None) -> None:
    row = Cells(file, line, cells)
    values = dict(
        unit_code=row.parsed("unit_code", parse_unit_code, required=True),
        name=row.text("name", required=True),
        district_code=district or row.text("district", required=True),
        organiser_type=row.parsed("organiser_type", parse_organiser_type, required=True),
        organiser_name=row.text("organiser_name"),
        school_forms=row.parsed("school_forms", parse_school_forms, ()),
        email=row.parsed("email", parse_email),
        phone=row.text("phone"),
        address=row.text("address"),
        is_active=row.parsed("active", parse_active, True),
    )
    given = row.given | ({"district"} if district else set())
    _add_school(file, row.is_valid, SchoolRow(line=line, given=given, **values))


def _add_school(file: ImportFile[SchoolRow], is_valid: bool, school: SchoolRow) -> None:
    if _is_repeated(file, school.line, "unit_code", school.unit_code,
                    N_("Skolenhetskoden %(value)s finns redan på rad %(other)s.")):
        return
    if is_valid:
        file.rows.append(school)


def _is_repeated(file: ImportFile[Any], line: int | None, key: str, value: str | None, template: str) -> bool:
    """Whether an earlier row has the same key (a problem); rows with problems count too."""
    if not value:
        return False
    if value in file.first_seen:
        file.problem(line, key, template, value=value, other=file.first_seen[value])
        return True
    file.first_seen[value] = line
    return False


def _person_row(file: ImportFile[PersonRow], line: int, cells: dict[str, str | None],
                district: str | None) -> None:
    row = Cells(file, line, cells)
    email = row.parsed("email", parse_email, required=True)
    organisation = row.text("organisation", required=True) or ""
    school_code = unit_name = None
    if organisation.replace(" ", "").isdigit():
        school_code = row.parsed("organisation", parse_unit_code)
    elif organisation:
        unit_name = organisation
    deputy = row.parsed("deputy_email", parse_email)
    if deputy is not None and deputy == email:
        row.problem("deputy_email", N_("En person kan inte vara sin egen ersättare."))
    person = PersonRow(
        line=line, name=row.text("name", required=True) or "", email=email or "",
        school_code=school_code, unit_name=unit_name,
        district_code=district or row.text("district"),
        unit_kind=row.parsed("unit_kind", parse_unit_kind),
        language=row.parsed("language", parse_language, Language.SV),
        functions=row.parsed("functions", parse_functions, ()),
        deputy_email=deputy, phone=row.text("phone"),
        is_active=row.parsed("active", parse_active, True),
        given=row.given | ({"district"} if district else set()),
    )
    if _is_repeated(file, line, "email", email, N_("E-postadressen %(value)s finns redan på rad %(other)s.")):
        return
    if row.is_valid:
        file.rows.append(person)


# ---------------------------------------------------------------------------------------------
# Field parsers: a value or a DomainError saying what is wrong with it


def parse_unit_code(text: str) -> str:
    code = text.replace(" ", "")
    if not _UNIT_CODE.fullmatch(code):
        raise DomainError(N_("\"%(value)s\" är ingen skolenhetskod (8 siffror)."), value=text)
    return code


def parse_email(text: str) -> str:
    email = text.strip().removeprefix("mailto:").casefold()
    if not _EMAIL.fullmatch(email):
        raise DomainError(N_("\"%(value)s\" är ingen giltig e-postadress."), value=text)
    return email


def parse_active(text: str) -> bool:
    word = _words(text)
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise DomainError(N_("\"%(value)s\" ska vara ja eller nej."), value=text)


def parse_organiser_type(text: str) -> OrganiserType:
    try:
        return _ORGANISER_TYPES[_words(text)]
    except KeyError:
        raise DomainError(N_("Okänd huvudman \"%(value)s\": ange kommunal eller fristående."),
                          value=text) from None


def parse_school_forms(text: str) -> tuple[SchoolForm, ...]:
    forms: list[SchoolForm] = []
    for part in _split_list(text):
        form = _SCHOOL_FORMS.get(_words(part))
        if form is None:
            raise DomainError(N_("Okänd skolform \"%(value)s\". Kända: %(known)s."),
                              value=part, known="förskoleklass, grundskola, anpassad grundskola, "
                                                "gymnasieskola, anpassad gymnasieskola")
        if form not in forms:
            forms.append(form)
    return tuple(forms)


def parse_language(text: str) -> Language:
    try:
        return _LANGUAGES[_words(text)]
    except KeyError:
        raise DomainError(N_("Okänt språk \"%(value)s\": ange sv eller en."), value=text) from None


def parse_unit_kind(text: str) -> UnitKind:
    try:
        return _UNIT_KINDS[_words(text)]
    except KeyError:
        raise DomainError(N_("Okänd enhetstyp \"%(value)s\". Kända: %(known)s."),
                          value=text, known=", ".join(kind.value for kind in UnitKind)) from None


def parse_functions(text: str) -> tuple[Function, ...]:
    functions: list[Function] = []
    for part in _split_list(text):
        try:
            function = Function.parse(part)
        except ValueError:
            raise DomainError(N_("Okänd funktion \"%(value)s\"."), value=part) from None
        if function not in functions:
            functions.append(function)
    return tuple(functions)


# ---------------------------------------------------------------------------------------------
# Skolverket's school-unit register (Skolenhetsregistret API v2)


_STATUS_ACTIVE = {"AKTIV": True, "VILANDE": False, "UPPHORT": False, "PLANERAD": False}
_ORGANISER_CODES = {"KOMMUN": OrganiserType.MUNICIPAL, "ENSKILD": OrganiserType.INDEPENDENT}
_SKOLVERKET_LABELS = {
    "unit_code": "schoolUnitCode", "name": "attributes.displayName", "status": "attributes.status",
    "email": "attributes.email", "municipality": "attributes.municipalityCode",
    "school_forms": "attributes.schoolTypes", "organiser_type": "included.attributes.organizerType",
    "district": "--district",
}


def _read_skolverket(file: ImportFile[SchoolRow], text: str, district: str | None) -> None:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise DomainError(N_("Ogiltig JSON på rad %(line)s, kolumn %(column)s: %(error)s."),
                          line=error.lineno, column=error.colno, error=error.msg) from None
    units = list(_skolverket_units(document))
    if not any(isinstance(unit, dict) and _unit_code_of(unit) for unit, _ in units):
        raise DomainError(N_("Filen är inte en export från Skolverkets skolenhetsregister: "
                             "den saknar \"data\" med \"schoolUnitCode\"."))
    if not district:
        raise DomainError(N_("Skolenhetsregistret känner inte till stadsdelar: ange stadsdelens kod "
                             "med --district KOD."))
    file.labels.update(_SKOLVERKET_LABELS)
    lines = _LineFinder(text)
    for unit, organiser in units:
        _skolverket_row(file, lines, unit, organiser, district)


def _skolverket_units(document: Any) -> Iterator[tuple[Any, Any]]:
    """(unit, its organiser's attributes) from one response, a response listing units, or a list of them."""
    responses = document if isinstance(document, list) else [document]
    for response in responses:
        if not isinstance(response, dict) or "data" not in response:
            raise DomainError(N_("Filen är inte en export från Skolverkets skolenhetsregister: "
                                 "varje svar ska ha \"data\"."))
        data = response["data"]
        for unit in data if isinstance(data, list) else [data]:
            yield unit, _organiser_of(unit, response.get("included"))


def _organiser_of(unit: Any, included: Any) -> dict[str, Any] | None:
    candidates = included if isinstance(included, list) else [included]
    organisers = [c for c in candidates if isinstance(c, dict) and isinstance(c.get("attributes"), dict)
                  and "organizerType" in c["attributes"]]
    # A response listing several units names each one's organiser by a JSON:API relationship.
    wanted = _path(unit, "relationships", "organizer", "data", "id")
    if wanted is not None:
        organisers = [o for o in organisers if o.get("id") == wanted]
    return organisers[0]["attributes"] if len(organisers) == 1 else None


def _path(value: Any, *keys: str) -> Any:
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _unit_code_of(unit: dict[str, Any]) -> str | None:
    code = unit.get("schoolUnitCode") or _path(unit, "attributes", "schoolUnitCode")
    return str(code) if code is not None else None


class _LineFinder:
    """The line of each unit's schoolUnitCode in the text, so errors point where an editor can go."""

    def __init__(self, text: str) -> None:
        self.text, self.position = text, 0

    def line_of(self, code: str | None) -> int | None:
        if code is None:
            return None
        found = re.compile(r'"schoolUnitCode"\s*:\s*"?%s' % re.escape(code)).search(self.text, self.position)
        if found is None:
            return None
        self.position = found.end()
        return self.text.count("\n", 0, found.start()) + 1


def _skolverket_row(file: ImportFile[SchoolRow], lines: _LineFinder, unit: Any, organiser: Any,
                    district: str) -> None:
    if not isinstance(unit, dict):
        file.problem(None, None, N_("En post i \"data\" är inte en skolenhet: %(value)s."), value=str(unit)[:60])
        return
    raw_code = _unit_code_of(unit)
    line = lines.line_of(raw_code)
    attributes = unit.get("attributes") if isinstance(unit.get("attributes"), dict) else {}
    before = len(file.problems)

    def required(key: str, value: Any) -> Any:
        if value in (None, "", []):
            file.problem(line, key, N_("Värde saknas."))
        return value

    def checked(key: str, parse: Callable[[str], Any], value: Any) -> Any:
        try:
            return parse(str(value)) if value not in (None, "") else None
        except DomainError as bad:
            file.problem(line, key, bad.template, **bad.params)
            return None

    code = checked("unit_code", parse_unit_code, required("unit_code", raw_code))
    name = required("name", attributes.get("displayName"))
    municipality = required("municipality", attributes.get("municipalityCode"))
    status = required("status", attributes.get("status"))
    if status and status not in _STATUS_ACTIVE:
        file.problem(line, "status", N_("Okänd status \"%(value)s\"."), value=status)
    organiser_code = (organiser or {}).get("organizerType")
    organiser_type = _ORGANISER_CODES.get(organiser_code or "")
    if organiser_code is None:
        file.problem(line, "organiser_type", N_("Huvudmannens typ saknas."))
    elif organiser_type is None:
        file.problem(line, "organiser_type",
                     N_("Huvudmannen är av typen \"%(value)s\"; bara KOMMUN och ENSKILD kan importeras."),
                     value=organiser_code)
    email = checked("email", parse_email, attributes.get("email"))
    school_types = attributes.get("schoolTypes") or []
    forms = tuple(SchoolForm(t) for t in SchoolForm.__members__ if t in school_types)
    if len(file.problems) > before:
        return
    if not forms:
        file.skipped += 1  # adult education, fritidshem ...: not part of this collaboration
        return
    _add_school(file, True, SchoolRow(
        line=line, unit_code=code, name=str(name), district_code=district,
        organiser_type=organiser_type, school_forms=forms,  # type: ignore[arg-type]
        organiser_name=(organiser or {}).get("displayName"), email=email,
        phone=attributes.get("phoneNumber") or None, address=_visiting_address(attributes.get("addresses")),
        is_active=_STATUS_ACTIVE[status], municipality_code=str(municipality),
        given=frozenset({"name", "district", "organiser_type", "organiser_name", "school_forms",
                         "email", "phone", "address", "active"}),
    ))


def _visiting_address(addresses: Any) -> str | None:
    """The visiting address (besöksadress) if given, else the first: "Gatan 1, 123 45 Orten"."""
    if not isinstance(addresses, list):
        return None
    usable = [a for a in addresses if isinstance(a, dict)]
    chosen = next((a for a in usable if a.get("type") == "BESOKSADRESS"), usable[0] if usable else None)
    if chosen is None:
        return None
    town = " ".join(str(chosen[k]) for k in ("postalCode", "locality") if chosen.get(k))
    return ", ".join(part for part in (chosen.get("streetAddress"), town) if part) or None
