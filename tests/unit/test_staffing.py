"""The staffing rule: which required functions nobody holds where a meeting form needs them."""
from __future__ import annotations

from coordinator.agreements.models import Scope
from coordinator.agreements.staffing import FormNeeds, Holding, StaffingWarning, unstaffed_functions
from coordinator.org.functions import Function as F

NORR, SODER = 1, 2          # districts
ALM, BJORK, EK = 11, 12, 13  # party schools of NORR
SCHOOLS = {ALM: "Almskolan", BJORK: "Björkskolan", EK: "Ekskolan"}


def warnings_for(form: FormNeeds, holdings: list[Holding], *, district_id: int | None = NORR,
                 party_schools: dict[int, str] = SCHOOLS) -> list[StaffingWarning]:
    return unstaffed_functions([form], district_id=district_id, party_schools=party_schools, holdings=holdings)


def principals_everywhere() -> list[Holding]:
    return [Holding(F.PRINCIPAL, NORR, school) for school in SCHOOLS]


def test_a_fully_staffed_form_gives_no_warning():
    form = FormNeeds("Övergripande samverkansforum", Scope.DISTRICT,
                     (F.DISTRICT_DIRECTOR, F.PRINCIPAL, F.DEPUTY_SCHOOL_CHIEF, F.POLICE_CONTACT))
    holdings = [
        Holding(F.DISTRICT_DIRECTOR, NORR), Holding(F.PRINCIPAL, NORR, ALM),
        Holding(F.DEPUTY_SCHOOL_CHIEF, None), Holding(F.POLICE_CONTACT, NORR, is_police=True),
    ]
    assert warnings_for(form, holdings) == []


def test_a_required_function_nobody_holds_is_reported_by_name():
    form = FormNeeds("Övergripande samverkansforum", Scope.DISTRICT, (F.DISTRICT_DIRECTOR, F.HEAD_OF_IFO))

    [warning] = warnings_for(form, [Holding(F.DISTRICT_DIRECTOR, NORR)])

    assert warning == StaffingWarning("unstaffed_function", "Övergripande samverkansforum", F.HEAD_OF_IFO, None)
    assert warning.message() == ("Ingen aktiv person har funktionen avdelningschef IFO "
                                 "för Övergripande samverkansforum.")
    assert "head of social services (IFO)" in warning.message("en")


def test_a_district_function_held_in_another_district_does_not_count():
    form = FormNeeds("Operativt forum", Scope.DISTRICT, (F.FIELD_WORKER,))

    assert [w.function for w in warnings_for(form, [Holding(F.FIELD_WORKER, SODER)])] == [F.FIELD_WORKER]


def test_a_per_school_form_needs_the_function_at_each_party_school_and_names_the_school():
    form = FormNeeds("Elevhälsokonferens", Scope.PER_SCHOOL, (F.PRINCIPAL, F.KURATOR))
    holdings = principals_everywhere() + [Holding(F.KURATOR, NORR, BJORK)]

    warnings = warnings_for(form, holdings)

    assert [(w.function, w.school) for w in warnings] == [(F.KURATOR, "Almskolan"), (F.KURATOR, "Ekskolan")]
    assert warnings[0].message() == ("Ingen aktiv person vid Almskolan har funktionen kurator "
                                     "för Elevhälsokonferens.")


def test_a_district_form_needs_a_school_function_at_one_party_school_at_least():
    form = FormNeeds("Övergripande samverkansforum", Scope.DISTRICT, (F.PRINCIPAL,))

    assert warnings_for(form, [Holding(F.PRINCIPAL, NORR, EK)]) == []
    # a principal at a school that has not signed does not staff the agreement's forums
    assert len(warnings_for(form, [Holding(F.PRINCIPAL, NORR, 99)])) == 1


def test_a_school_function_with_no_party_schools_is_reported_once():
    form = FormNeeds("Övergripande samverkansforum", Scope.DISTRICT, (F.PRINCIPAL,))

    assert len(warnings_for(form, principals_everywhere(), party_schools={})) == 1


def test_a_group_form_looks_at_its_group_only():
    form = FormNeeds("Gymnasiegruppen", Scope.GROUP, (F.KURATOR,), group_school_ids=frozenset({ALM, BJORK}))

    assert len(warnings_for(form, [Holding(F.KURATOR, NORR, EK)])) == 1
    assert warnings_for(form, [Holding(F.KURATOR, NORR, BJORK)]) == []


def test_police_must_be_a_police_unit_of_the_district_or_of_the_whole_municipality():
    form = FormNeeds("Operativt forum", Scope.DISTRICT, (F.POLICE_CONTACT,))

    assert warnings_for(form, [Holding(F.POLICE_CONTACT, NORR, is_police=True)]) == []
    assert warnings_for(form, [Holding(F.POLICE_CONTACT, None, is_police=True)]) == []
    assert len(warnings_for(form, [Holding(F.POLICE_CONTACT, SODER, is_police=True)])) == 1
    # someone in the district's own administration is not the police
    assert len(warnings_for(form, [Holding(F.POLICE_CONTACT, NORR, is_police=False)])) == 1


def test_city_functions_may_be_held_anywhere_in_the_municipality():
    form = FormNeeds("Övergripande samverkansforum", Scope.DISTRICT, (F.DEPUTY_SCHOOL_CHIEF,))

    assert warnings_for(form, [Holding(F.DEPUTY_SCHOOL_CHIEF, None)]) == []
    assert warnings_for(form, [Holding(F.DEPUTY_SCHOOL_CHIEF, SODER)]) == []


def test_a_city_level_agreement_takes_district_functions_from_any_district():
    form = FormNeeds("Styrgrupp skolsociala team", Scope.CITY,
                     (F.SOCIAL_ADMINISTRATION_CHIEF, F.DISTRICT_DIRECTOR))
    holdings = [Holding(F.SOCIAL_ADMINISTRATION_CHIEF, None), Holding(F.DISTRICT_DIRECTOR, SODER)]

    assert warnings_for(form, holdings, district_id=None, party_schools={}) == []
    assert len(warnings_for(form, holdings[:1], district_id=None, party_schools={})) == 1


def test_warnings_follow_the_forms_then_their_functions():
    forms = [
        FormNeeds("Övergripande samverkansforum", Scope.DISTRICT, (F.HEAD_OF_IFO, F.HEAD_OF_LEISURE)),
        FormNeeds("Operativt forum", Scope.DISTRICT, (F.FIELD_WORKER,)),
    ]

    warnings = unstaffed_functions(forms, district_id=NORR, party_schools=SCHOOLS, holdings=[])

    assert [(w.form_name, w.function) for w in warnings] == [
        ("Övergripande samverkansforum", F.HEAD_OF_IFO),
        ("Övergripande samverkansforum", F.HEAD_OF_LEISURE),
        ("Operativt forum", F.FIELD_WORKER),
    ]
    assert {w.code for w in warnings} == {"unstaffed_function"}
