"""The organisation's codes in words (lazily translated), for every page that shows them."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from coordinator.org.models import OrganiserType, SchoolForm, UnitKind

ORGANISER_TYPE_LABELS = {OrganiserType.MUNICIPAL: _l("Kommunal"), OrganiserType.INDEPENDENT: _l("Fristående")}
SCHOOL_FORM_LABELS = {
    SchoolForm.FKLASS: _l("förskoleklass"), SchoolForm.GR: _l("grundskola"),
    SchoolForm.GRAN: _l("anpassad grundskola"), SchoolForm.GY: _l("gymnasieskola"),
    SchoolForm.GYAN: _l("anpassad gymnasieskola"),
}
UNIT_KIND_LABELS = {
    UnitKind.SOCIAL_SERVICES: _l("Individ- och familjeomsorg (IFO)"), UnitKind.LEISURE: _l("Fritid"),
    UnitKind.PRESCHOOL: _l("Förskola"), UnitKind.FIELD_WORKERS: _l("Fältassistenter"),
    UnitKind.ADMINISTRATION: _l("Förvaltningsledning och kansli"),
    UnitKind.CITY_ADMINISTRATION: _l("Stadens förvaltning"), UnitKind.POLICE: _l("Polisen"),
    UnitKind.ASSOCIATION: _l("Förening"),
}


def school_form_label(code: str) -> str:
    """A school form's name from its Skolverket code (a stored school's `school_forms` entry)."""
    form = next((f for f in SchoolForm if f.value == code), None)
    return str(SCHOOL_FORM_LABELS[form]) if form else code


def template_words() -> dict[str, Any]:
    return {"organiser_type_labels": ORGANISER_TYPE_LABELS, "unit_kind_labels": UNIT_KIND_LABELS,
            "school_form_label": school_form_label}
