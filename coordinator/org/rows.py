"""The checked rows of the school and people imports and the parsers of their cells; no database.

Below the importers (importers.py) and Skolverket's register (skolverket.py), which both make
school rows from what they read.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from coordinator.i18n import N_, DomainError
from coordinator.org.functions import Function
from coordinator.org.models import Language, OrganiserType, SchoolForm, UnitKind
from coordinator.org.tables import ImportFile

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
# Adding a row to the file


def add_school_row(file: ImportFile[SchoolRow], is_valid: bool, school: SchoolRow) -> None:
    """Keep `school` if it is valid and its unit code is new to the file; a repeated code is a problem."""
    if is_repeated(file, school.line, "unit_code", school.unit_code,
                    N_("Skolenhetskoden %(value)s finns redan på rad %(other)s.")):
        return
    if is_valid:
        file.rows.append(school)


def is_repeated(file: ImportFile[Any], line: int | None, key: str, value: str | None, template: str) -> bool:
    """Whether an earlier row has the same key (a problem); rows with problems count too."""
    if not value:
        return False
    if value in file.first_seen:
        file.problem(line, key, template, value=value, other=file.first_seen[value])
        return True
    file.first_seen[value] = line
    return False


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
