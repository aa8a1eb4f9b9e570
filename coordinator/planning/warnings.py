"""The warnings the director sees on a district's plan, from its agreement, staffing, the planner and the meetings.

Warnings are computed whenever the plan is shown (`review`), not stored, so they always
describe the plan and the organisation as they are now.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from coordinator.agreements.models import Scope
from coordinator.agreements.services import revision_overdue
from coordinator.agreements.staffing import FormNeeds, unstaffed_functions
from coordinator.i18n import N_
from coordinator.org.functions import Function
from coordinator.planning.context import MeetingEntry, PlanContext
from coordinator.planning.invitees import Organisation
from coordinator.planning.models import MeetingStatus
from coordinator.planning.planner import (
    CADENCE_IMPOSSIBLE, CROWDED_DAY, DOUBLE_BOOKED, INVALID_CADENCE, Plan, PlanWarning, crowded_days, double_bookings,
    hand_made_warnings,
)


# warning codes besides the planner's and the staffing rule's
REVISION_OVERDUE = "revision_overdue"
NO_PRINCIPAL = "no_principal"
NO_ACTIVE_AGREEMENT = "no_active_agreement"
PAST_DRAFTS = "past_drafts"


@dataclass(frozen=True)
class PlanningWarning:
    """Something the director should see before publishing: a code, a Swedish template, its values.

    A `Function` among the params is shown by its name in the reader's language.
    """
    code: str
    template: str
    params: Mapping[str, object]
    form_id: int | None = None
    meeting_id: int | None = None

    def params_in(self, language: str = "sv") -> dict[str, object]:
        return {key: value.label(language) if isinstance(value, Function) else value
                for key, value in self.params.items()}

    def message(self, language: str = "sv") -> str:
        """The untranslated (Swedish) sentence; the UI translates `template` and fills in `params_in`."""
        return self.template % self.params_in(language)


def planning_warnings(context: PlanContext, plan: Plan, stored: Sequence[MeetingEntry],
                      now: datetime) -> tuple[PlanningWarning, ...]:
    """Everything the director should see before publishing, the agreement's first, then the meetings'."""
    org, zone = context.org, ZoneInfo(context.timezone)
    warnings: list[PlanningWarning] = []
    if not org.versions:
        warnings.append(PlanningWarning(
            NO_ACTIVE_AGREEMENT, N_("%(district)s har ingen gällande samverkansöverenskommelse; inga möten "
                                    "kan planeras."), {"district": context.district.name}))
    today = now.astimezone(zone).date()
    for version in org.versions:
        if revision_overdue(version, today):
            warnings.append(PlanningWarning(
                REVISION_OVERDUE, N_("%(agreement)s skulle ha reviderats senast %(date)s."),
                {"agreement": version.agreement.title, "date": _iso(version.revision_due_on)}))
    without_principal = {school_id for school_id in org.party_schools
                         if not org.at_school.get((Function.PRINCIPAL, school_id))}
    for school in sorted((org.party_schools[s] for s in without_principal), key=lambda s: s.name):
        warnings.append(PlanningWarning(
            NO_PRINCIPAL, N_("%(school)s har ingen rektor registrerad; skolan får inga kallelser till rektorn."),
            {"school": school.name}))
    warnings += _unstaffed(org, without_principal)
    warnings += _from_planner(plan.warnings, {s.form.id: s.form.name for s in context.series})
    names = {**context.elsewhere_names, **{m.series_key: m.title for m in stored}}
    for warning in hand_made_warnings(context.calendar, stored, timezone=context.timezone, series_names=names):
        meeting = stored[warning.params["index"]]  # type: ignore[index]
        warnings.append(PlanningWarning(warning.code, warning.message_template, dict(warning.params),
                                        form_id=meeting.form_id, meeting_id=meeting.id))
    warnings += _double_booked(stored, context, names)
    warnings += _crowded(stored, context)
    past = [m for m in stored if m.status is MeetingStatus.DRAFT and m.starts_at <= now]
    if past:
        warnings.append(PlanningWarning(
            PAST_DRAFTS, N_("Utkast i det förflutna: %(count)d. De publiceras inte; flytta dem till en kommande "
                            "dag eller ställ in dem."), {"count": len(past)}, meeting_id=past[0].id))
    return tuple(warnings)


def _iso(day: date | None) -> str:
    return day.isoformat() if day else ""


def _unstaffed(org: Organisation, without_principal: set[int]) -> list[PlanningWarning]:
    """The staffing rule's warnings, less the per-school principal ones a no-principal warning already says.

    The rule is `staffing.unstaffed_functions`, as `agreements.services.staffing_warnings` applies
    it, fed with the holdings loaded for the invitees: they are the ones the rule reads for a
    district's agreement, and reading the municipality's again per district costs more than the plan.
    """
    warnings = []
    for version in org.versions:
        needs = [FormNeeds(name=form.name, scope=form.scope, required=tuple(form.required_functions),
                           group_school_ids=frozenset(s.id for s in form.group.schools)
                           if form.scope is Scope.GROUP and form.group is not None else None)
                 for form in version.meeting_forms]
        form_ids: dict[str, int] = {}
        for form in version.meeting_forms:
            form_ids.setdefault(form.name, form.id)
        party_schools = {p.school_id: p.school.name for p in version.parties}
        for staffing in unstaffed_functions(needs, district_id=version.agreement.district_id,
                                            party_schools=party_schools, holdings=org.holdings):
            if staffing.function is Function.PRINCIPAL and staffing.school_id in without_principal:
                continue
            params: dict[str, object] = {"function": staffing.function, "form": staffing.form_name}
            if staffing.school is not None:
                params["school"] = staffing.school
            warnings.append(PlanningWarning(staffing.code, staffing.template, params,
                                            form_id=form_ids.get(staffing.form_name)))
    return warnings


def _from_planner(warnings: Iterable[PlanWarning], form_names: Mapping[int, str]) -> list[PlanningWarning]:
    """The planner's warnings; a form's cadence warnings once, not once per school of it."""
    seen: set[tuple[str, object]] = set()
    result = []
    for warning in warnings:
        form_id = warning.params.get("form_id")
        params = dict(warning.params)
        if warning.code in (CADENCE_IMPOSSIBLE, INVALID_CADENCE):
            if (warning.code, form_id) in seen:
                continue
            seen.add((warning.code, form_id))
            # the series' name carries its school; the cadence is the form's
            params["form"] = form_names.get(form_id, params["form"])  # type: ignore[arg-type]
        result.append(PlanningWarning(warning.code, warning.message_template, params,
                                      form_id=form_id if isinstance(form_id, int) else None))
    return result


def _name_of(person_id: int, stored: Sequence[MeetingEntry], context: PlanContext) -> str:
    """A person's name for a warning: from the organisation, else from an invitation (someone who left)."""
    if person_id in context.org.people:
        return context.org.people[person_id][0]
    return next((i.name for m in stored for i in m.invitees if i.person_id == person_id), str(person_id))


def _crowded(stored: Sequence[MeetingEntry], context: PlanContext) -> list[PlanningWarning]:
    """Each person with more meetings in a day than the planner gives, where one of them is the district's."""
    meetings = [*stored, *context.elsewhere]
    warnings = []
    for warning in crowded_days(meetings, context.max_per_day, timezone=context.timezone):
        ours = [i for i in warning.params["indexes"] if i < len(stored)]  # type: ignore[attr-defined]
        if not ours:
            continue  # another district's day: theirs to see
        params = {key: value for key, value in warning.params.items() if key != "indexes"}
        person_id = int(params["person_id"])  # type: ignore[call-overload]
        params["person"] = _name_of(person_id, stored, context)
        meeting = stored[ours[0]]
        warnings.append(PlanningWarning(CROWDED_DAY, warning.message_template, params,
                                        form_id=meeting.form_id, meeting_id=meeting.id))
    return warnings


def _double_booked(stored: Sequence[MeetingEntry], context: PlanContext,
                   names: Mapping[str, str]) -> list[PlanningWarning]:
    """Each person in two of the term's meetings at once, where one of them is the district's."""
    meetings = [*stored, *context.elsewhere]
    warnings = []
    for warning in double_bookings(meetings, timezone=context.timezone, series_names=names):
        first, second = int(warning.params["first_index"]), int(warning.params["second_index"])  # type: ignore[call-overload]
        ours = first if first < len(stored) else second
        if ours >= len(stored):
            continue  # two meetings of other districts: theirs to see
        params = dict(warning.params)
        person_id = int(params["person_id"])  # type: ignore[call-overload]
        params["person"] = _name_of(person_id, stored, context)
        meeting = stored[ours]
        warnings.append(PlanningWarning(DOUBLE_BOOKED, warning.message_template, params,
                                        form_id=meeting.form_id, meeting_id=meeting.id))
    return warnings
