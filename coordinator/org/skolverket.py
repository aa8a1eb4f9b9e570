"""Reading Skolverket's school-unit register (Skolenhetsregistret API v2, JSON) into school rows; no database."""
from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

from coordinator.i18n import N_, DomainError
from coordinator.org.rows import SchoolRow, add_school_row, parse_email, parse_unit_code
from coordinator.org.models import OrganiserType, SchoolForm
from coordinator.org.tables import ImportFile

_STATUS_ACTIVE = {"AKTIV": True, "VILANDE": False, "UPPHORT": False, "PLANERAD": False}
_ORGANISER_CODES = {"KOMMUN": OrganiserType.MUNICIPAL, "ENSKILD": OrganiserType.INDEPENDENT}
_SKOLVERKET_LABELS = {
    "unit_code": "schoolUnitCode", "name": "attributes.displayName", "status": "attributes.status",
    "email": "attributes.email", "municipality": "attributes.municipalityCode",
    "school_forms": "attributes.schoolTypes", "organiser_type": "included.attributes.organizerType",
    "district": "--district",
}


def read_skolverket(file: ImportFile[SchoolRow], text: str, district: str | None) -> None:
    """The register's units into `file` as schools of `district` (a code): the register knows no districts."""
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
    add_school_row(file, True, SchoolRow(
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
