"""Reading school and people files (CSV, XLSX, Skolverket JSON) into checked rows or a list of problems; no database.

The file layer (encodings, delimiters, XLSX, the header row, problems per cell) is tables.py, the
columns columns.py, the rows and their cells' parsers rows.py, Skolverket's register skolverket.py.
Every problem is kept, with the file, the line and the field, so a user fixes a file in one go. Messages are Swedish templates marked with N_.
"""
from __future__ import annotations

from coordinator.i18n import N_, DomainError
from coordinator.org.columns import PERSON_COLUMNS, SCHOOL_COLUMNS
from coordinator.org.models import Language
from coordinator.org.rows import (
    PersonRow, SchoolRow, add_school_row, is_repeated, parse_active, parse_email, parse_functions, parse_language,
    parse_organiser_type, parse_school_forms, parse_unit_code, parse_unit_kind,
)
from coordinator.org.skolverket import read_skolverket
from coordinator.org.tables import Cells, ImportFile, decode, read_table_file, table_of, table_records

# ---------------------------------------------------------------------------------------------
# Public entry points


def read_schools(filename: str, content: bytes, *, district: str | None = None) -> ImportFile[SchoolRow]:
    """Schools from CSV, XLSX or a Skolverket JSON export; `district` (a code) overrides the file's."""
    def read(file: ImportFile[SchoolRow], kind: str) -> None:
        if kind == "json":
            read_skolverket(file, decode(content), district)
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


# ---------------------------------------------------------------------------------------------
# Rows of a table


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
    add_school_row(file, row.is_valid, SchoolRow(line=line, given=given, **values))


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
    if is_repeated(file, line, "email", email, N_("E-postadressen %(value)s finns redan på rad %(other)s.")):
        return
    if row.is_valid:
        file.rows.append(person)
