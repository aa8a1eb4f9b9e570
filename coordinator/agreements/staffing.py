"""Which required functions of an agreement's meeting forms nobody holds: a pure rule over plain values.

A function is staffed when someone active holds it *where the form needs it*:
- school-level functions (rektor, kurator ...) at each party school for a per-school form,
  and at least at one party school (of the group, for a group form) otherwise;
- district-level functions by someone working in the agreement's district (in any
  district of the municipality for a city-level agreement);
- external functions (kontaktpolis) by someone in a police unit linked to the district
  or to the whole municipality;
- city-level functions by anyone in the municipality.
The caller passes only the municipality's holdings, so "anyone" means anyone given.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from coordinator.agreements.models import Scope
from coordinator.i18n import N_
from coordinator.org.functions import Function, Level


@dataclass(frozen=True)
class Holding:
    """Someone active holds `function`, working in `district_id` (None: city level) at `school_id`."""
    function: Function
    district_id: int | None
    school_id: int | None = None
    is_police: bool = False


@dataclass(frozen=True)
class FormNeeds:
    """What the rule needs to know of a meeting form."""
    name: str
    scope: Scope
    required: tuple[Function, ...]
    group_school_ids: frozenset[int] | None = None  # the group's schools, for a group-scoped form


@dataclass(frozen=True)
class StaffingWarning:
    """A required function nobody holds where the form needs it: shown to the director, never raised."""
    code: str
    form_name: str
    function: Function
    school: str | None = None  # the party school lacking it, for per-school forms
    school_id: int | None = field(default=None, compare=False)

    @property
    def template(self) -> str:
        if self.school is None:
            return N_("Ingen aktiv person har funktionen %(function)s för %(form)s.")
        return N_("Ingen aktiv person vid %(school)s har funktionen %(function)s för %(form)s.")

    def params(self, language: str = "sv") -> dict[str, str]:
        params = {"function": self.function.label(language), "form": self.form_name}
        if self.school is not None:
            params["school"] = self.school
        return params

    def message(self, language: str = "sv") -> str:
        """The untranslated (Swedish) sentence; the UI translates `template` and fills in `params`."""
        return self.template % self.params(language)


UNSTAFFED_FUNCTION = "unstaffed_function"


def unstaffed_functions(
    forms: Iterable[FormNeeds],
    *,
    district_id: int | None,
    party_schools: Mapping[int, str],
    holdings: Iterable[Holding],
) -> list[StaffingWarning]:
    """A warning for each required function of each form that nobody holds in its scope.

    `party_schools` maps the party schools' ids to their names; warnings come in the order
    of the forms, their required functions, then the schools' names.
    """
    holdings = list(holdings)
    schools_by_function: dict[Function, set[int]] = {}
    for holding in holdings:
        if holding.school_id is not None:
            schools_by_function.setdefault(holding.function, set()).add(holding.school_id)

    warnings: list[StaffingWarning] = []
    for form in forms:
        for function in form.required:
            if function.level is Level.SCHOOL:
                warnings.extend(_school_level(form, function, party_schools,
                                              schools_by_function.get(function, set())))
            elif not any(_serves(h, function, district_id) for h in holdings):
                warnings.append(StaffingWarning(UNSTAFFED_FUNCTION, form.name, function))
    return warnings


def _school_level(
    form: FormNeeds, function: Function, party_schools: Mapping[int, str], held_at: set[int]
) -> list[StaffingWarning]:
    schools = set(party_schools)
    if form.scope is Scope.GROUP and form.group_school_ids is not None:
        schools &= form.group_school_ids
    if form.scope is Scope.PER_SCHOOL:
        lacking = sorted(schools - held_at, key=lambda school_id: party_schools[school_id])
        return [StaffingWarning(UNSTAFFED_FUNCTION, form.name, function, party_schools[s], s) for s in lacking]
    # district, group and city forms need the function at one of their schools at least
    if schools & held_at:
        return []
    return [StaffingWarning(UNSTAFFED_FUNCTION, form.name, function)]


def _serves(holding: Holding, function: Function, district_id: int | None) -> bool:
    """Whether `holding` staffs a district-, external- or city-level `function` of the agreement."""
    if holding.function is not function:
        return False
    if function.level is Level.CITY:
        return True
    if function.level is Level.EXTERNAL:
        # a police unit serves its own district, or every district when linked to the municipality
        return holding.is_police and (district_id is None or holding.district_id in (None, district_id))
    # district level: a city-level agreement takes someone from any district
    return holding.district_id is not None and (district_id is None or holding.district_id == district_id)
