"""What changes between two versions of an agreement, and how the change reads, over plain values."""
from __future__ import annotations

import dataclasses
from datetime import date, time

import sqlalchemy as sa

from coordinator.agreements.defaults import default_form
from coordinator.agreements.diff import (
    FORM_FIELDS, FORM_FIELDS_READ, FieldChange, FormChange, PartyChange, VersionDiff, describe, diff_versions,
    match_forms,
)
from coordinator.agreements.document import Contact, FormValues, PartyValues, VersionValues
from coordinator.agreements.models import Cadence, FormKind, IndividualCases, MeetingForm, Scope, VersionStatus
from coordinator.org.functions import Function as F


def form_of(kind: FormKind, **changes) -> FormValues:
    """A meeting form's plain values from the defaults of its kind."""
    values = {**default_form(kind), **changes}
    functions = values.pop("functions")
    values.pop("group_id")
    order = list(F)
    invited = tuple(sorted(functions, key=order.index))
    return FormValues(**values, invited=invited, required=tuple(f for f in invited if functions[f]))


ALM = PartyValues(1, "Almskolan", False, None, date(2026, 6, 10), "Eva Ek")
BJORK = PartyValues(2, "Björkskolan", True, "Björk AB", date(2026, 6, 10), "Åsa Öst")
CEDER = PartyValues(3, "Cederskolan", False)
ANDERS = Contact(7, "Anders Nyström", "anders@example.se")
INTAKE = Contact(8, "Mottagningsgruppen Norrviken", "mottagning@example.se")


def version(number: int = 1, **changes) -> VersionValues:
    values = dict(
        title="Samverkansöverenskommelse Norrviken", owner="Norrviken", municipality="Stockholms stad",
        is_city_level=False, number=number, status=VersionStatus.ACTIVE,
        valid_from_on=date(2026, 7, 1), valid_to_on=date(2028, 6, 30), revision_due_on=date(2027, 6, 15),
        contact=ANDERS, parties=(ALM, BJORK),
        forms=(form_of(FormKind.OVERARCHING_FORUM), form_of(FormKind.OPERATIVE_FORUM),
               form_of(FormKind.STUDENT_HEALTH_CONFERENCE)),
    )
    return VersionValues(**{**values, **changes})


def test_the_same_content_is_no_change():
    assert diff_versions(version(1), version(2, status=VersionStatus.DRAFT)).is_empty


def test_without_a_version_in_force_everything_is_new():
    new = version()

    assert diff_versions(None, new) == VersionDiff(forms_added=new.forms, parties_added=new.parties)


def test_added_and_removed_forms_and_parties_are_listed():
    old = version(1)
    consultation = form_of(FormKind.CONSULTATION)
    new = version(2, forms=(old.forms[0], old.forms[2], consultation), parties=(ALM, CEDER))

    diff = diff_versions(old, new)

    assert diff.forms_added == (consultation,)
    assert diff.forms_removed == (old.forms[1],)
    assert diff.forms_changed == ()
    assert diff.parties_added == (CEDER,) and diff.parties_removed == (BJORK,)


def test_a_changed_form_lists_each_changed_field():
    old = version(1)
    forum = dataclasses.replace(old.forms[0], duration_minutes=90, cadence_count=2,
                                window_start=time(9, 0), window_end=time(12, 0),
                                invited=old.forms[0].invited + (F.FIELD_WORKER,),
                                place="Stadsdelshuset")
    new = version(2, forms=(forum, *old.forms[1:]))

    diff = diff_versions(old, new)

    assert diff.forms_changed == (FormChange("Övergripande samverkansforum", (
        FieldChange("frequency", (Cadence.PER_TERM, 1), (Cadence.PER_TERM, 2)),
        FieldChange("duration_minutes", 120, 90),
        FieldChange("window", (time(13, 0), time(16, 0)), (time(9, 0), time(12, 0))),
        FieldChange("place", None, "Stadsdelshuset"),
        FieldChange("invited", frozenset(old.forms[0].invited), frozenset(forum.invited)),
    )),)


def test_changes_read_as_sentences():
    old = version(1)
    forum = dataclasses.replace(old.forms[0], duration_minutes=90, cadence_count=2,
                                window_start=time(9, 0), window_end=time(12, 0), place="Stadsdelshuset",
                                invited=tuple(f for f in old.forms[0].invited if f is not F.POLICE_CONTACT)
                                + (F.FIELD_WORKER,),
                                individual_cases=IndividualCases.UNIDENTIFIED, reports_to_committee=False,
                                rsvp_reminder_days=None, preferred_weekday=1)
    (change,) = diff_versions(old, version(2, forms=(forum, *old.forms[1:]))).forms_changed

    assert [describe(c) for c in change.changes] == [
        "Hur ofta ändras från 1 gång per termin till 2 gånger per termin.",
        "Längd ändras från 120 minuter till 90 minuter.",
        "Veckodag ändras från inget till tisdag.",
        "Tidsfönster ändras från 13:00–16:00 till 09:00–12:00.",
        "Plats ändras från inget till ”Stadsdelshuset”.",
        "Inbjudna funktioner: fältassistent läggs till, kontaktpolis tas bort.",
        "Enskilda ärenden ändras från Inga enskilda ärenden till Endast avidentifierade elever.",
        "Rapportering till stadsdelsnämnden ändras från ja till nej.",
        "Påminnelse om svar ändras från 7 dagar till inget.",
    ]


def test_the_count_of_an_unplanned_cadence_is_no_change():
    old = version(1, forms=(form_of(FormKind.CONSULTATION),))
    new = version(2, forms=(form_of(FormKind.CONSULTATION, cadence_count=3),))

    assert diff_versions(old, new).is_empty


def test_a_renamed_form_is_matched_by_its_kind_when_it_is_the_only_one():
    old = version(1)
    renamed = dataclasses.replace(old.forms[1], name="Operativt forum Norrviken")
    new = version(2, forms=(old.forms[0], renamed, old.forms[2]))

    diff = diff_versions(old, new)

    assert diff.forms_added == () and diff.forms_removed == ()
    assert [describe(c) for c in diff.forms_changed[0].changes] == [
        "Namn ändras från ”Lokalt operativt samverkansforum” till ”Operativt forum Norrviken”."]


def test_forms_are_matched_by_name_ignoring_case_and_spacing_and_never_guessed_between_two_of_a_kind():
    a = form_of(FormKind.OTHER, name="Skolstartsmöte")
    b = form_of(FormKind.OTHER, name="Avslutningsmöte")
    c = form_of(FormKind.OTHER, name="Uppföljningsmöte")
    d = form_of(FormKind.OTHER, name="Planeringsdag")

    pairs, added, removed = match_forms([a, b], [form_of(FormKind.OTHER, name=" skolstartsMÖTE "), c, d])

    assert [(old.name, new.name) for old, new in pairs] == [("Skolstartsmöte", " skolstartsMÖTE ")]
    assert added == [c, d] and removed == [b]


def test_header_changes_and_a_new_contact_are_listed():
    old = version(1)
    new = version(2, valid_from_on=date(2027, 7, 1), revision_due_on=date(2028, 6, 15), contact=INTAKE)

    diff = diff_versions(old, new)

    assert [describe(c) for c in diff.header] == [
        "Gäller från ändras från 2026-07-01 till 2027-07-01.",
        "Revideras senast ändras från 2027-06-15 till 2028-06-15.",
        "Kontakt i socialtjänsten ändras från Anders Nyström till Mottagningsgruppen Norrviken.",
    ]


def test_the_same_contact_with_a_new_phone_is_no_change():
    assert diff_versions(version(1), version(2, contact=dataclasses.replace(ANDERS, phone="08-123"))).is_empty


def test_a_party_signing_again_is_a_change_of_the_party():
    resigned = dataclasses.replace(BJORK, signed_on=date(2027, 8, 20), signed_by="Per Persson")

    diff = diff_versions(version(1), version(2, parties=(ALM, resigned)))

    assert diff.parties_changed == (PartyChange("Björkskolan", (
        FieldChange("signed_on", date(2026, 6, 10), date(2027, 8, 20)),
        FieldChange("signed_by", "Åsa Öst", "Per Persson"),
    )),)
    assert describe(diff.parties_changed[0].changes[1]) == "Undertecknad av ändras från ”Åsa Öst” till ”Per Persson”."


def test_required_functions_read_as_added_and_removed():
    change = FieldChange("required", frozenset({F.PRINCIPAL, F.KURATOR}), frozenset({F.PRINCIPAL}))

    assert describe(change) == "Funktioner som krävs: kurator tas bort."
    assert describe(FieldChange("required", frozenset(), frozenset({F.KURATOR}))) == \
        "Funktioner som krävs: kurator läggs till."


def test_long_texts_are_shortened_and_scope_and_kind_read_in_words():
    assert describe(FieldChange("purpose", "", "x" * 200)).endswith("till ”" + "x" * 79 + "…”.")
    assert describe(FieldChange("scope", Scope.DISTRICT, Scope.PER_SCHOOL)) == \
        "Omfattning ändras från Hela stadsdelen till Varje skola som är part."
    assert describe(FieldChange("kind", FormKind.OTHER, FormKind.CONSULTATION)) == \
        "Typ ändras från Annat möte till Konsultation."
    assert describe(FieldChange("pre_meeting_reminder_hours", 24, 48)) == \
        "Påminnelse före mötet ändras från 24 timmar till 48 timmar."


def test_the_words_follow_the_translation_and_the_language_given():
    english = {"%(field)s ändras från %(before)s till %(after)s.": "%(field)s changes from %(before)s to %(after)s.",
               "Sammankallande": "Convener"}

    sentence = describe(FieldChange("convener_function", F.PRINCIPAL, F.DISTRICT_DIRECTOR),
                        lambda text: english.get(text, text), language="en")

    assert sentence == "Convener changes from principal to district director."


def test_every_field_of_a_meeting_form_is_compared():
    read = set()
    for name, _read in FORM_FIELDS:
        read.update(FORM_FIELDS_READ.get(name, (name,)))

    assert read == {f.name for f in dataclasses.fields(FormValues)}
    # and the plain values carry every column of the table (the group by name)
    columns = {a.key for a in sa.inspect(MeetingForm).column_attrs} - {"id", "version_id", "position", "group_id"}
    assert columns | {"group", "invited", "required"} == {f.name for f in dataclasses.fields(FormValues)}
