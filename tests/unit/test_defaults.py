"""Default meeting forms per kind follow the seeds' meeting structure (DOMAIN.md)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from coordinator.agreements.defaults import default_form
from coordinator.agreements.models import Cadence, FormKind, IndividualCases, MeetingForm, Scope
from coordinator.org.functions import Function as F

FORM_COLUMNS = {a.key for a in sa.inspect(MeetingForm).column_attrs} - {"id", "version_id", "position"}


@pytest.mark.parametrize("kind", list(FormKind))
def test_every_kind_has_a_default_with_every_field_of_a_meeting_form(kind):
    values = default_form(kind)

    assert set(values) - {"functions"} == FORM_COLUMNS
    assert values["kind"] is kind
    assert values["name"]
    MeetingForm(**{k: v for k, v in values.items() if k != "functions"})  # the model takes them as they are


@pytest.mark.parametrize("kind", list(FormKind))
def test_the_convener_and_the_minutes_keeper_are_invited(kind):
    values = default_form(kind)

    assert values["convener_function"] in values["functions"]
    assert values["minutes_keeper_function"] in (None, *values["functions"])
    assert values["functions"][values["convener_function"]] is True  # the convener must be there


@pytest.mark.parametrize("kind", list(FormKind))
def test_forms_without_minutes_have_no_minutes_reminders_and_time_windows_are_ordered(kind):
    values = default_form(kind)

    if not values["requires_minutes"]:
        assert values["minutes_reminder_days"] is None and values["minutes_escalation_days"] is None
        assert values["reports_to_committee"] is False
    assert values["window_start"] < values["window_end"]
    assert values["duration_minutes"] > 0 and values["cadence_count"] > 0


def test_overarching_forum_director_convenes_no_individual_cases_minutes_go_to_the_committee():
    values = default_form(FormKind.OVERARCHING_FORUM)

    assert values["name"] == "Övergripande samverkansforum"
    assert (values["scope"], values["cadence"], values["cadence_count"]) == (Scope.DISTRICT, Cadence.PER_TERM, 1)
    assert values["convener_function"] is F.DISTRICT_DIRECTOR
    assert values["minutes_keeper_function"] is F.COMMITTEE_SECRETARY
    assert values["individual_cases"] is IndividualCases.NONE
    assert values["requires_minutes"] and values["requires_approval"] and values["reports_to_committee"]
    assert values["minutes_due_days"] == 14
    required = {f for f, is_required in values["functions"].items() if is_required}
    assert required == {F.DISTRICT_DIRECTOR, F.HEAD_OF_IFO, F.HEAD_OF_LEISURE, F.HEAD_OF_PRESCHOOL,
                        F.PRINCIPAL, F.DEPUTY_SCHOOL_CHIEF}
    assert values["functions"][F.POLICE_CONTACT] is False  # invited, not required


def test_operative_forum_meets_monthly_under_social_services_with_police_and_field_workers():
    values = default_form(FormKind.OPERATIVE_FORUM)

    assert values["cadence"] is Cadence.MONTHLY
    assert values["convener_function"] is F.SOCIAL_SERVICES_CONTACT
    assert values["functions"][F.FIELD_WORKER] is True
    assert F.POLICE_CONTACT in values["functions"]
    assert values["individual_cases"] is IndividualCases.WITH_CONSENT


def test_student_health_conference_is_per_school_three_per_term_unidentified_only():
    values = default_form(FormKind.STUDENT_HEALTH_CONFERENCE)

    assert (values["scope"], values["cadence"], values["cadence_count"]) == (Scope.PER_SCHOOL, Cadence.PER_TERM, 3)
    assert values["convener_function"] is F.PRINCIPAL
    assert values["individual_cases"] is IndividualCases.UNIDENTIFIED
    required = {f for f, is_required in values["functions"].items() if is_required}
    assert {F.PRINCIPAL, F.KURATOR, F.SCHOOL_NURSE, F.SPECIAL_NEEDS_TEACHER, F.SOCIAL_SERVICES_CONTACT} <= required


@pytest.mark.parametrize("kind", [FormKind.REPORT_MEETING, FormKind.CONSULTATION])
def test_report_meetings_and_consultations_are_on_demand_and_keep_no_minutes_here(kind):
    values = default_form(kind)

    assert values["cadence"] is Cadence.ON_DEMAND
    assert values["requires_minutes"] is False


def test_report_meeting_names_the_law_not_a_paragraph():
    purpose = default_form(FormKind.REPORT_MEETING)["purpose"]

    assert "14 dagar" in purpose and "socialtjänstlagen" in purpose and "§" not in purpose


@pytest.mark.parametrize("kind, scope, cadence, count", [
    (FormKind.STAFF_MEETING_VISIT, Scope.PER_SCHOOL, Cadence.PER_YEAR, 1),
    (FormKind.STEERING_GROUP, Scope.CITY, Cadence.PER_YEAR, 4),
    (FormKind.BUS_GROUP, Scope.DISTRICT, Cadence.PER_TERM, 1),
])
def test_scope_and_cadence_of_the_other_forms(kind, scope, cadence, count):
    values = default_form(kind)

    assert (values["scope"], values["cadence"], values["cadence_count"]) == (scope, cadence, count)


def test_steering_group_brings_the_city_and_district_chiefs_together_without_cases():
    values = default_form(FormKind.STEERING_GROUP)

    assert {F.SOCIAL_ADMINISTRATION_CHIEF, F.EDUCATION_ADMINISTRATION_CHIEF, F.DISTRICT_DIRECTOR} <= {
        f for f, is_required in values["functions"].items() if is_required}
    assert values["individual_cases"] is IndividualCases.NONE


def test_each_call_gives_a_fresh_dict():
    first = default_form(FormKind.OVERARCHING_FORUM)
    first["functions"][F.KURATOR] = True
    first["name"] = "Ändrat"

    second = default_form(FormKind.OVERARCHING_FORUM)
    assert F.KURATOR not in second["functions"] and second["name"] == "Övergripande samverkansforum"
