"""Reading school and people files (CSV, XLSX, Skolverket JSON) into checked rows or a list of problems; no database.

The file layer (encodings, delimiters, XLSX, the header row, problems per cell) is tables.py;
Skolverket's register is skolverket.py. Every problem is kept, with the file, the line and the
field, so a user fixes a file in one go. Messages are Swedish templates marked with N_.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from coordinator.i18n import N_, DomainError
from coordinator.org.functions import Function
from coordinator.org.models import Language, OrganiserType, SchoolForm, UnitKind
from coordinator.org.tables import Cells, Column, ImportFile, decode, read_table_file, table_of, table_records

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
# Columns of the school and people files


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
            # Imported here, not at the top: skolverket.py builds on this module's rows and parsers.
            from coordinator.org.skolverket import read_skolverket

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


def add_school_row(file: ImportFile[SchoolRow], is_valid: bool, school: SchoolRow) -> None:
    """Keep `school` if it is valid and its unit code is new to the file; a repeated code is a problem."""
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
