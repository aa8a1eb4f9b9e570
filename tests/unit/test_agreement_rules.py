"""The rules of a meeting form and a version's header, in words: pure, field -> message."""
from __future__ import annotations

from datetime import date, time

import pytest

from coordinator.agreements.defaults import default_form
from coordinator.agreements.models import Cadence, FormKind, IndividualCases, Scope
from coordinator.agreements.rules import (
    CONTACT_NOT_LISTED, TERM_DAYS, FormContext, Message, RulesBroken, check_activation, check_header,
    check_meeting_form, check_next_revision, check_party, check_title, normalise_form_values,
)
from coordinator.org.functions import Function as F

DISTRICT = FormContext(party_count=7, group_ids=frozenset({41}))
CITY = FormContext(party_count=0, is_city_level=True)


def form(kind: FormKind = FormKind.OVERARCHING_FORUM, /, **changes) -> dict:
    """The defaults of `kind` with `changes`; a `kind=` among the changes is what the browser sent."""
    return {**default_form(kind), **changes}


def messages(values: dict, context: FormContext = DISTRICT) -> dict[str, str]:
    return {name: str(message) for name, message in check_meeting_form(values, context).items()}


@pytest.mark.parametrize("kind", list(FormKind))
def test_every_default_form_follows_the_rules(kind):
    context = CITY if default_form(kind)["scope"] is Scope.CITY else DISTRICT

    assert messages(form(kind), context) == {}


def test_the_rules_read_codes_as_the_browser_sends_them():
    values = form(kind="overarching_forum", scope="district", cadence="per_term", individual_cases="none",
                  convener_function="district_director", minutes_keeper_function="committee_secretary")
    values.pop("functions")
    values["invited_functions"] = ["district_director", "committee_secretary", "principal"]
    values["required_functions"] = ["district_director", "principal"]

    assert messages(values) == {}


def test_the_time_window_must_end_after_it_starts():
    assert messages(form(window_start=time(15, 0), window_end=time(13, 0))) == {
        "window_end": "Tidsfönstret måste sluta efter att det börjar: 13:00 är inte efter 15:00."}
    assert "window_end" in messages(form(window_start=time(13, 0), window_end=time(13, 0)))


def test_a_time_window_needs_both_ends_or_none():
    assert messages(form(window_start=None, window_end=time(16, 0))) == {
        "window_start": "Ange både när tidsfönstret börjar och när det slutar, eller lämna båda tomma "
                        "(då gäller 09:00–16:00)."}
    assert messages(form(window_start=None, window_end=None)) == {}


def test_the_meeting_must_fit_its_time_window():
    assert messages(form(duration_minutes=240, window_start=time(13, 0), window_end=time(16, 0))) == {
        "duration_minutes": "Mötet tar 240 minuter, men tidsfönstret 13:00–16:00 rymmer bara 180. "
                            "Korta mötet eller vidga tidsfönstret."}
    assert messages(form(duration_minutes=180, window_start=time(13, 0), window_end=time(16, 0))) == {}


def test_without_a_window_the_meeting_must_fit_the_planners_default_day():
    assert "09:00–16:00 rymmer bara 420" in messages(form(duration_minutes=450, window_start=None,
                                                          window_end=None))["duration_minutes"]


@pytest.mark.parametrize("minutes", [0, -30])
def test_a_meeting_takes_more_than_zero_minutes(minutes):
    assert messages(form(duration_minutes=minutes)) == {
        "duration_minutes": f"Ett möte tar mer än 0 minuter; {minutes} går inte."}


def test_a_planned_cadence_needs_at_least_one_meeting():
    assert messages(form(cadence=Cadence.PER_TERM, cadence_count=0)) == {
        "cadence_count": "Ett planerat möte hålls minst en gång per termin; 0 går inte. Ange 1 eller fler, "
                         "eller välj ”vid behov”."}
    assert "per år" in messages(form(cadence=Cadence.PER_YEAR, cadence_count=-1))["cadence_count"]
    assert messages(form(cadence=Cadence.PER_TERM, cadence_count=None)) == {
        "cadence_count": "Ange hur många gånger per termin mötet hålls."}


def test_more_than_one_meeting_a_week_is_refused():
    assert messages(form(cadence=Cadence.PER_TERM, cadence_count=21)) == {
        "cadence_count": "21 gånger per termin är oftare än en gång i veckan. Ange högst 20."}


def test_an_unplanned_cadence_does_not_read_its_count():
    assert messages(form(cadence=Cadence.ON_DEMAND, cadence_count=0)) == {}
    assert messages(form(cadence=Cadence.MONTHLY, cadence_count=None)) == {}


def test_a_per_school_form_needs_parties():
    values = form(FormKind.STUDENT_HEALTH_CONFERENCE)

    assert messages(values, FormContext(party_count=0)) == {
        "scope": "En mötesform för varje skola behöver skolor som är parter, och versionen har inga ännu. "
                 "Lägg till parterna först, eller välj en annan omfattning."}
    assert messages(values, FormContext(party_count=1)) == {}


def test_a_group_form_needs_a_group_of_the_district():
    assert messages(form(scope=Scope.GROUP, group_id=None)) == {
        "group_id": "En mötesform för en grupp av skolor behöver en grupp. Välj gruppen."}
    assert messages(form(scope=Scope.GROUP, group_id=41)) == {}
    assert messages(form(scope=Scope.GROUP, group_id=99)) == {
        "group_id": "Den valda gruppen finns inte i stadsdelen. Välj en grupp i listan."}
    assert messages(form(scope=Scope.GROUP, group_id=None), FormContext(party_count=3)) == {
        "scope": "Det finns inga skolgrupper i stadsdelen ännu. Välj en annan omfattning."}


def test_a_city_wide_scope_belongs_to_city_level_agreements():
    assert "scope" in messages(form(FormKind.STEERING_GROUP), DISTRICT)
    assert messages(form(FormKind.STEERING_GROUP), CITY) == {}


def test_a_required_function_must_be_in_the_catalogue():
    values = form()
    values.pop("functions")
    values["invited_functions"] = ["district_director", "committee_secretary"]
    values["required_functions"] = ["district_director", "chief_of_everything"]

    assert messages(values) == {
        "required_functions": "”chief_of_everything” finns inte i funktionskatalogen och kan inte krävas."}


def test_a_required_function_must_be_invited():
    values = form()
    values.pop("functions")
    values["invited_functions"] = [F.DISTRICT_DIRECTOR, F.COMMITTEE_SECRETARY]
    values["required_functions"] = [F.DISTRICT_DIRECTOR, F.PRINCIPAL, F.KURATOR]

    assert messages(values) == {
        "required_functions": "rektor, kurator krävs men är inte inbjuden. Bjud in funktionen eller ta bort kravet."}


def test_invited_functions_come_from_the_catalogue_and_are_not_empty():
    values = form()
    values.pop("functions")
    values["required_functions"] = []
    values["invited_functions"] = ["district_director", "wizard"]
    assert messages(values)["invited_functions"] == "”wizard” finns inte i funktionskatalogen."
    values["invited_functions"] = []
    assert messages(values)["invited_functions"] == "Bjud in minst en funktion."


def test_the_convener_and_the_minutes_keeper_are_invited():
    values = form(functions={F.PRINCIPAL: True})

    assert messages(values) == {
        "convener_function": "Den sammankallande, stadsdelsdirektör, måste vara bland de inbjudna funktionerna.",
        "minutes_keeper_function": "Den som för protokollet, nämndsekreterare, måste vara bland de inbjudna "
                                   "funktionerna.",
    }
    assert messages(form(convener_function=None))["convener_function"] == "Välj vilken funktion som kallar till mötet."
    assert messages(form(convener_function="king"))["convener_function"] == "”king” finns inte i funktionskatalogen."


def test_function_names_in_messages_follow_the_users_language():
    values = form()
    values.pop("functions")
    values["invited_functions"] = [F.DISTRICT_DIRECTOR, F.COMMITTEE_SECRETARY]
    values["required_functions"] = [F.DISTRICT_DIRECTOR, F.PRINCIPAL]

    message = check_meeting_form(values, DISTRICT, language="en")["required_functions"]

    assert message.template == "%(functions)s krävs men är inte inbjuden. Bjud in funktionen eller ta bort kravet."
    assert message.params == {"functions": "principal"}


def test_a_reminder_further_ahead_than_a_term_is_refused():
    assert TERM_DAYS == 140
    assert messages(form(invite_lead_days=150)) == {
        "invite_lead_days": "150 dagar är längre än en termin (ungefär 20 veckor). Ange högst 140 dagar."}
    assert messages(form(invite_lead_days=140, rsvp_reminder_days=7)) == {}
    assert messages(form(minutes_escalation_days=141))["minutes_escalation_days"].startswith("141 dagar är längre")
    assert messages(form(pre_meeting_reminder_hours=24 * 141)) == {
        "pre_meeting_reminder_hours": "3384 timmar är längre än en termin (ungefär 20 veckor). Ange högst 3360 timmar."}


def test_reminders_are_not_negative_and_the_invitation_is_sent():
    assert messages(form(rsvp_reminder_days=-1)) == {
        "rsvp_reminder_days": "Ange 0 eller fler, eller lämna tomt för ingen påminnelse."}
    assert messages(form(invite_lead_days=None)) == {
        "invite_lead_days": "Ange hur många dagar före mötet inbjudan skickas."}
    assert messages(form(minutes_reminder_repeat_days=0))["minutes_reminder_repeat_days"].startswith("Ange 1 eller fler")
    assert messages(form(rsvp_reminder_days=None, pre_meeting_reminder_hours=None, minutes_reminder_days=None,
                         minutes_reminder_repeat_days=None, minutes_escalation_days=None)) == {}


def test_the_reminder_to_answer_comes_after_the_invitation():
    assert messages(form(invite_lead_days=7, rsvp_reminder_days=7)) == {
        "rsvp_reminder_days": "Påminnelsen om att svara (7 dagar före mötet) måste komma efter inbjudan "
                              "(7 dagar före). Ange färre dagar."}


def test_the_overarching_forum_never_discusses_individual_cases_and_keeps_minutes_for_the_committee():
    assert messages(form(individual_cases=IndividualCases.UNIDENTIFIED)) == {
        "individual_cases": "I det övergripande samverkansforumet tas enskilda ärenden aldrig upp. "
                            "Välj ”Inga enskilda ärenden”."}
    assert messages(form(reports_to_committee=False)) == {
        "reports_to_committee": "Protokollet från det övergripande samverkansforumet rapporteras till "
                                "stadsdelsnämnden."}
    assert messages(form(requires_minutes=False, requires_approval=False, reports_to_committee=False)) == {
        "requires_minutes": "Det övergripande samverkansforumet för alltid protokoll."}
    # a city-wide forum has no district committee to report to
    assert messages(form(reports_to_committee=False, scope=Scope.CITY), CITY) == {}


def test_without_minutes_there_is_nothing_to_approve_or_report():
    values = form(FormKind.OPERATIVE_FORUM, requires_minutes=False, requires_approval=True)

    assert messages(values) == {
        "requires_approval": "Utan protokoll finns inget att justera eller rapportera. Kryssa i att protokoll förs, "
                             "eller kryssa ur det här."}


def test_minutes_need_a_deadline_within_a_term():
    assert messages(form(minutes_due_days=0))["minutes_due_days"].startswith("Ange inom hur många dagar")
    assert messages(form(minutes_due_days=200))["minutes_due_days"].startswith("200 dagar är längre än en termin")


def test_texts_have_a_name_fit_their_columns_and_links_are_web_addresses():
    assert messages(form(name="  ")) == {"name": "Ange mötesformens namn, som det ska stå i överenskommelsen."}
    assert messages(form(place="x" * 301)) == {"place": "Texten är 301 tecken lång; högst 300 får plats."}
    assert messages(form(video_url="teams möte")) == {
        "video_url": "Ange videolänken som en webbadress som börjar med https://."}
    assert messages(form(video_url="https://video.example/abc")) == {}


def test_unknown_choices_are_named_in_words():
    result = messages(form(kind="party", scope="moon", cadence="hourly", individual_cases="all",
                           preferred_weekday=9))

    assert result == {
        "kind": "Välj vilken typ av mötesform det är.",
        "scope": "Välj vilka mötesformen gäller: hela stadsdelen, varje skola, en grupp av skolor eller hela staden.",
        "cadence": "Välj hur ofta mötet hålls.",
        "preferred_weekday": "Välj en veckodag i listan, eller ingen.",
        "individual_cases": "Välj om enskilda ärenden får tas upp.",
    }


def test_problems_come_in_the_order_of_the_editors_fields():
    result = check_meeting_form(form(name="", invite_lead_days=500, duration_minutes=0), DISTRICT)

    assert list(result) == ["name", "duration_minutes", "invite_lead_days"]


def test_a_message_is_a_template_the_ui_translates_then_fills_in():
    message = check_meeting_form(form(duration_minutes=0), DISTRICT)["duration_minutes"]

    assert message == Message("Ett möte tar mer än 0 minuter; %(minutes)d går inte.", {"minutes": 0})
    assert message.text(lambda t: t.replace("Ett möte tar", "A meeting takes")) == \
        "A meeting takes mer än 0 minuter; 0 går inte."


def test_normalising_clears_what_a_field_means_nothing_for():
    values = normalise_form_values(form(FormKind.CONSULTATION, scope=Scope.PER_SCHOOL, group_id=41,
                                        cadence_count=0, requires_minutes=False, minutes_due_days=None,
                                        minutes_reminder_days=3, place="  ", name=" Konsultation "))

    assert values["group_id"] is None
    assert values["cadence_count"] == 1
    assert values["minutes_reminder_days"] is None and values["minutes_escalation_days"] is None
    assert values["minutes_due_days"] == 14
    assert values["place"] is None and values["name"] == "Konsultation"


def test_the_header_validity_ends_after_it_starts_and_the_revision_falls_within_it():
    start, end = date(2027, 7, 1), date(2029, 6, 30)

    assert check_header({"valid_from_on": start, "valid_to_on": start}, contact_ids=()) == {
        "valid_to_on": Message("Överenskommelsen måste sluta gälla efter att den börjar gälla (%(start)s).",
                               {"start": "2027-07-01"})}
    assert str(check_header({"valid_from_on": start, "valid_to_on": date(2027, 1, 1)}, contact_ids=())[
        "valid_to_on"]) == "Överenskommelsen måste sluta gälla efter att den börjar gälla (2027-07-01)."
    assert str(check_header({"valid_from_on": start, "revision_due_on": date(2027, 6, 1)}, contact_ids=())[
        "revision_due_on"]) == "Revisionen kan inte vara före dagen då överenskommelsen börjar gälla (2027-07-01)."
    assert str(check_header({"valid_from_on": start, "valid_to_on": end, "revision_due_on": date(2030, 1, 1)},
                            contact_ids=())["revision_due_on"]) == \
        "Revidera senast när överenskommelsen slutar gälla (2029-06-30)."
    assert check_header({"valid_from_on": start, "valid_to_on": end, "revision_due_on": date(2028, 6, 15),
                         "contact_person_id": 5}, contact_ids={5}) == {}


def test_a_new_versions_revision_comes_after_the_current_ones_and_after_today():
    today, current = date(2027, 9, 1), date(2028, 6, 15)

    assert str(check_next_revision(None, current=current, today=today, required=True)) == \
        "Ange när den nya versionen ska revideras senast."
    assert check_next_revision(None, current=current, today=today) is None  # a first version sets it later
    assert str(check_next_revision(current, current=current, today=today)) == \
        "Nästa revision måste vara senare än den gällande versionens, 2028-06-15."
    assert str(check_next_revision(date(2028, 1, 31), current=current, today=today)) == \
        "Nästa revision måste vara senare än den gällande versionens, 2028-06-15."
    # an overdue current revision: the next one must still lie ahead
    assert str(check_next_revision(date(2027, 8, 1), current=date(2027, 6, 15), today=today)) == \
        "Nästa revision måste vara efter i dag, 2027-09-01."
    assert str(check_next_revision(today, current=None, today=today)) == \
        "Nästa revision måste vara efter i dag, 2027-09-01."
    assert check_next_revision(date(2028, 6, 16), current=current, today=today) is None


def test_the_header_and_the_activation_apply_the_revision_rule_when_given_today():
    header = {"valid_from_on": date(2027, 7, 1), "revision_due_on": date(2028, 6, 15), "contact_person_id": 5}
    later = {**header, "revision_due_on": date(2028, 6, 16)}

    assert check_header(header, contact_ids={5}) == {}  # the form alone cannot know the version in force
    assert str(check_header(header, contact_ids={5}, today=date(2027, 9, 1),
                            current_revision_due_on=date(2028, 6, 15))["revision_due_on"]) == \
        "Nästa revision måste vara senare än den gällande versionens, 2028-06-15."
    assert check_header(later, contact_ids={5}, today=date(2027, 9, 1), current_revision_due_on=date(2028, 6, 15)) == {}
    assert [str(p.message) for p in check_activation(header, [("Forum", form())], DISTRICT, contact_ids={5},
                                                     today=date(2028, 7, 1))] == [
        "Nästa revision måste vara efter i dag, 2028-07-01."]


def test_the_contact_is_one_of_the_people_offered():
    assert check_header({"contact_person_id": 6}, contact_ids={5}) == {
        "contact_person_id": Message(CONTACT_NOT_LISTED)}


def test_a_party_is_a_school_that_may_still_join():
    assert str(check_party({"school_id": None}, school_ids={1})["school_id"]) == "Välj skolan som ansluter sig."
    assert "redan part" in str(check_party({"school_id": 2}, school_ids={1})["school_id"])
    assert check_party({"school_id": 1, "signed_by": "Annika Berg, rektor"}, school_ids={1}) == {}


def test_a_new_agreement_needs_a_title():
    assert str(check_title(" ")["title"]) == "Ange överenskommelsens titel."
    assert check_title("Samverkan Norrviken") == {}


def test_activation_needs_the_header_parties_and_valid_forms():
    header = {"valid_from_on": None, "valid_to_on": None, "revision_due_on": None, "contact_person_id": None}
    problems = check_activation(header, [("Elevhälsokonferens", form(FormKind.STUDENT_HEALTH_CONFERENCE,
                                                                      duration_minutes=0))],
                                FormContext(party_count=0), contact_ids=())

    assert [(p.form, str(p.message)) for p in problems] == [
        (None, "Ange från vilket datum versionen gäller."),
        (None, "Ange när versionen ska revideras senast."),
        (None, "Ange en kontakt i socialtjänsten för skolorna."),
        (None, "Ingen skola är part i versionen ännu."),
        ("Elevhälsokonferens", "En mötesform för varje skola behöver skolor som är parter, och versionen har inga "
                               "ännu. Lägg till parterna först, eller välj en annan omfattning."),
        ("Elevhälsokonferens", "Ett möte tar mer än 0 minuter; 0 går inte."),
    ]


def test_a_complete_version_may_be_activated_and_one_without_forms_may_not():
    header = {"valid_from_on": date(2027, 7, 1), "valid_to_on": None, "revision_due_on": date(2028, 6, 1),
              "contact_person_id": 5}

    assert check_activation(header, [("Forum", form())], DISTRICT, contact_ids={5}) == []
    assert [str(p.message) for p in check_activation(header, [], DISTRICT, contact_ids={5})] == [
        "Versionen har inga mötesformer."]


def test_a_service_refusal_carries_every_problem():
    problems = check_meeting_form(form(name="", duration_minutes=0), DISTRICT)

    error = RulesBroken(problems)

    assert error.problems == problems
    assert error.template == problems["name"].template
