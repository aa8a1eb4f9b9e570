"""The organisation's services on the demo, on both databases: schools, units and people added, edited and
deactivated, their rules, the audit trail, and the district-bound imports of the browser."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from coordinator.agreements.models import AgreementVersion, VersionStatus
from coordinator.audit import AuditEvent
from coordinator.auth.models import User
from coordinator.auth.services import authenticate
from coordinator.demo import data as demo_data
from coordinator.demo import load_demo
from coordinator.org import services
from coordinator.org.functions import Function
from coordinator.org.importers import read_people, read_schools
from coordinator.org.imports import ImportFailed
from coordinator.org.models import District, Language, OrganiserType, Person, School, SchoolForm, Unit, UnitKind
from coordinator.org.services import Invalid, PersonValues, SchoolValues, UnitValues

NOW = datetime(2027, 9, 1, 8, 0, tzinfo=timezone.utc)
ACTOR = "karin.wallin@stockholm.example"


@pytest.fixture
def demo(session):  # type: ignore[no-untyped-def]
    load_demo(session, now=NOW - timedelta(days=30))
    session.commit()
    return session


def district(session, code: str = "NORRVIKEN") -> District:  # type: ignore[no-untyped-def]
    return session.scalars(sa.select(District).where(District.code == code)).one()


def school(session, code: str) -> School:  # type: ignore[no-untyped-def]
    return session.scalars(sa.select(School).where(School.unit_code == code)).one()


def person(session, name: str) -> Person:  # type: ignore[no-untyped-def]
    return session.scalars(sa.select(Person).where(Person.name == name)).one()


def unit(session, name: str) -> Unit:  # type: ignore[no-untyped-def]
    return session.scalars(sa.select(Unit).where(Unit.name == name)).one()


def events(session, entity) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    return session.scalars(sa.select(AuditEvent).where(
        AuditEvent.entity_type == type(entity).__name__, AuditEvent.entity_id == str(entity.id),
    ).order_by(AuditEvent.id)).all()


def count(session, model) -> int:  # type: ignore[no-untyped-def]
    return session.scalar(sa.select(sa.func.count()).select_from(model))


def problems(raised: pytest.ExceptionInfo[Invalid]) -> dict[str | None, str]:
    return {p.field: p.template % p.params if p.params else p.template for p in raised.value.problems}


ANGS = SchoolValues(unit_code="4123 0001", name="  Ängsskolan ", organiser_type=OrganiserType.MUNICIPAL,
                    school_forms=(SchoolForm.GR, SchoolForm.FKLASS), email="Info@Angs.example",
                    phone="08-123 45", address="Ängsvägen 1")


# ---------------------------------------------------------------------------------------------
# Schools


def test_adding_a_school_tidies_the_values_stores_it_active_and_audits_it(demo):
    norrviken = district(demo)

    added = services.add_school(demo, norrviken, ANGS, actor=ACTOR, now=NOW)
    demo.commit()

    assert (added.unit_code, added.name, added.email) == ("41230001", "Ängsskolan", "info@angs.example")
    assert added.school_forms == ["FKLASS", "GR"]  # Skolverket's order, whatever order was ticked
    assert added.is_active and added.district is norrviken
    [event] = events(demo, added)
    assert (event.action, event.actor, event.district_id, event.before) == ("school.created", ACTOR,
                                                                            norrviken.id, None)
    assert event.after["unit_code"] == "41230001" and event.after["is_active"] is True


def test_editing_a_school_records_before_and_after_and_an_unchanged_save_records_nothing(demo):
    larkan = school(demo, "99900105")
    values = SchoolValues(unit_code="99900105", name="Friskolan Lärkan", organiser_type=OrganiserType.INDEPENDENT,
                          organiser_name="Lärkan Skolor AB", school_forms=(SchoolForm.FKLASS, SchoolForm.GR),
                          email=larkan.email, address=larkan.address)

    assert services.update_school(demo, larkan, values, actor=ACTOR, now=NOW) is True
    demo.commit()
    assert services.update_school(demo, larkan, values, actor=ACTOR, now=NOW) is False

    [event] = events(demo, larkan)
    assert event.action == "school.updated"
    assert (event.before["organiser_name"], event.after["organiser_name"]) == (
        "Lärkan Utbildning AB", "Lärkan Skolor AB")
    assert {k for k in event.after if event.before[k] != event.after[k]} == {"organiser_name"}


def test_a_duplicate_unit_code_is_refused_naming_the_school_of_the_same_district_only(demo):
    norrviken, soderby = district(demo), district(demo, "SODERBY")

    with pytest.raises(Invalid) as same:
        services.add_school(demo, norrviken, SchoolValues("99900101", "Kopia", OrganiserType.MUNICIPAL),
                            actor=ACTOR, now=NOW)
    with pytest.raises(Invalid) as other:
        services.add_school(demo, soderby, SchoolValues("99900101", "Kopia", OrganiserType.MUNICIPAL),
                            actor=ACTOR, now=NOW)

    assert problems(same) == {"unit_code": "Skolenhetskoden 99900101 används redan av Norrvikens skola."}
    assert problems(other) == {
        "unit_code": "Skolenhetskoden 99900101 används redan av en skola i en annan stadsdel."}
    assert count(demo, School) == len(demo_data.SCHOOLS)


def test_every_broken_school_rule_is_reported_at_once_on_its_field(demo):
    with pytest.raises(Invalid) as raised:
        services.add_school(demo, district(demo), SchoolValues("1234", " ", None, email="inte-en-adress",
                                                               phone="0" * 41), actor=ACTOR, now=NOW)

    assert problems(raised) == {
        "unit_code": "\"1234\" är ingen skolenhetskod (8 siffror).",
        "name": "Ange skolans namn.",
        "organiser_type": "Välj om skolan är kommunal eller fristående.",
        "email": "\"inte-en-adress\" är ingen giltig e-postadress.",
        "phone": "Högst 40 tecken.",
    }


def test_a_school_is_deactivated_and_reactivated_never_deleted(demo):
    larkan = school(demo, "99900105")

    assert services.set_school_active(demo, larkan, False, actor=ACTOR, now=NOW) is True
    assert services.set_school_active(demo, larkan, False, actor=ACTOR, now=NOW) is False
    demo.commit()
    assert not school(demo, "99900105").is_active
    services.set_school_active(demo, larkan, True, actor=ACTOR, now=NOW)
    demo.commit()

    assert [e.action for e in events(demo, larkan)] == ["school.deactivated", "school.reactivated"]
    assert count(demo, School) == len(demo_data.SCHOOLS)


def test_schools_are_found_by_name_in_any_case_or_by_code_and_filtered(demo):
    norrviken = district(demo)
    services.set_school_active(demo, school(demo, "99900107"), False, actor=ACTOR, now=NOW)

    def names(**kwargs) -> list[str]:  # type: ignore[no-untyped-def]
        return [s.name for s in services.schools_of(demo, norrviken, **kwargs)]

    assert names(query="SJÖÄNGS") == ["Sjöängsskolan"]  # Unicode case folding on both databases
    assert names(query="9990 0105") == ["Friskolan Lärkan"]
    assert names(query="Söderbyskolan") == []  # another district's school is not found here
    assert names(organiser_type=OrganiserType.INDEPENDENT) == [
        "Friskolan Lärkan", "Norrviken International School", "Tekniska gymnasiet Norrviken"]
    assert names(organiser_type=OrganiserType.INDEPENDENT, is_active=True) == [
        "Friskolan Lärkan", "Norrviken International School"]
    assert names(is_active=False) == ["Tekniska gymnasiet Norrviken"]


# ---------------------------------------------------------------------------------------------
# Units


def test_units_are_added_edited_and_deactivated_with_unique_names_per_district(demo):
    norrviken = district(demo)

    added = services.add_unit(demo, norrviken, UnitValues("  Skolsociala teamet ", UnitKind.SOCIAL_SERVICES),
                              actor=ACTOR, now=NOW)
    with pytest.raises(Invalid) as duplicate:
        services.add_unit(demo, norrviken, UnitValues("skolsociala TEAMET", UnitKind.LEISURE), actor=ACTOR, now=NOW)
    with pytest.raises(Invalid) as city_level:
        services.add_unit(demo, norrviken, UnitValues("Stadsledningskontoret", UnitKind.CITY_ADMINISTRATION),
                          actor=ACTOR, now=NOW)
    services.update_unit(demo, added, UnitValues("Skolsociala teamet Norrviken", UnitKind.SOCIAL_SERVICES),
                         actor=ACTOR, now=NOW)
    services.set_unit_active(demo, added, False, actor=ACTOR, now=NOW)
    demo.commit()

    assert problems(duplicate) == {"name": "Stadsdelen har redan en enhet som heter Skolsociala teamet."}
    assert problems(city_level) == {"kind": "Välj vad det är för enhet."}
    assert (added.name, added.municipality_id, added.is_active) == (
        "Skolsociala teamet Norrviken", norrviken.municipality_id, False)
    assert [e.action for e in events(demo, added)] == ["unit.created", "unit.updated", "unit.deactivated"]
    # the same name in another district is another unit
    services.add_unit(demo, district(demo, "SODERBY"), UnitValues("Skolsociala teamet Norrviken",
                                                                  UnitKind.SOCIAL_SERVICES), actor=ACTOR, now=NOW)


# ---------------------------------------------------------------------------------------------
# People


def new_person(demo, **changes) -> PersonValues:  # type: ignore[no-untyped-def]
    values = dict(name="Nora Nyberg", email="Nora.Nyberg@edu.stockholm.example", phone="08-555 12",
                  language=Language.EN, school_id=school(demo, "99900102").id,
                  functions=(Function.KURATOR, Function.SCHOOL_NURSE), deputy_id=person(demo, "Jenny Ahlgren").id)
    return PersonValues(**{**values, **changes})


def test_adding_a_person_with_functions_and_a_deputy(demo):
    norrviken = district(demo)

    added = services.add_person(demo, norrviken, new_person(demo), actor=ACTOR, now=NOW)
    demo.commit()

    demo.expire_all()
    stored = person(demo, "Nora Nyberg")
    assert stored.email == "nora.nyberg@edu.stockholm.example"  # stored lower-case
    assert (stored.district_id, stored.municipality_id, stored.school.name) == (
        norrviken.id, norrviken.municipality_id, "Ekbackens skola")
    assert [h.function for h in stored.functions] == [Function.KURATOR, Function.SCHOOL_NURSE]
    assert stored.deputy.name == "Jenny Ahlgren" and stored.language is Language.EN and stored.is_active
    [event] = events(demo, added)
    assert event.action == "person.created"
    assert event.after == {
        "name": "Nora Nyberg", "email": "nora.nyberg@edu.stockholm.example", "phone": "08-555 12",
        "language": "en", "school": "99900102", "unit": None, "district": "NORRVIKEN",
        "functions": ["kurator", "school_nurse"], "deputy": "jenny.ahlgren@edu.stockholm.example",
        "is_active": True,
    }


def test_an_email_is_unique_whatever_its_case(demo):
    norrviken, soderby = district(demo), district(demo, "SODERBY")

    with pytest.raises(Invalid) as same:
        services.add_person(demo, norrviken, new_person(demo, email="ANNIKA.Berg@edu.stockholm.example"),
                            actor=ACTOR, now=NOW)
    with pytest.raises(Invalid) as other:
        services.add_person(demo, norrviken, new_person(demo, email="helena.westin@edu.stockholm.example"),
                            actor=ACTOR, now=NOW)

    assert problems(same) == {
        "email": "E-postadressen annika.berg@edu.stockholm.example används redan av Annika Berg."}
    # someone of another district is not named
    assert problems(other) == {"email": "E-postadressen helena.westin@edu.stockholm.example används redan av en "
                                        "person i en annan stadsdel eller i stadens förvaltning."}
    assert services.find_person(demo, soderby, person(demo, "Helena Westin").id) is not None
    assert count(demo, Person) == len(demo_data.PEOPLE)


def test_the_deputy_is_another_active_person_of_the_district(demo):
    norrviken = district(demo)
    annika = person(demo, "Annika Berg")
    services.deactivate_person(demo, person(demo, "Henrik Dahl"), actor=ACTOR, now=NOW)

    def refused(target: Person | None, deputy: str) -> dict[str | None, str]:
        values = new_person(demo, deputy_id=person(demo, deputy).id)
        with pytest.raises(Invalid) as raised:
            if target is None:
                services.add_person(demo, norrviken, values, actor=ACTOR, now=NOW)
            else:
                services.update_person(demo, target, norrviken, values, actor=ACTOR, now=NOW)
        return problems(raised)

    assert refused(annika, "Annika Berg") == {"deputy": "En person kan inte vara sin egen ersättare."}
    assert refused(None, "Helena Westin") == {"deputy": "Ersättaren ska vara en person i stadsdelen Norrviken."}
    assert refused(None, "Helena Forsberg") == {"deputy": "Ersättaren ska vara en person i stadsdelen Norrviken."}
    assert refused(None, "Henrik Dahl") == {
        "deputy": "Henrik Dahl är avslutad och kan inte bli ersättare. Välj en aktiv person."}


def test_the_organisation_is_a_school_or_unit_of_the_district(demo):
    norrviken = district(demo)

    def refused(**where) -> dict[str | None, str]:  # type: ignore[no-untyped-def]
        with pytest.raises(Invalid) as raised:
            services.add_person(demo, norrviken, new_person(demo, **{"school_id": None, **where}),
                                actor=ACTOR, now=NOW)
        return problems(raised)

    assert refused(school_id=school(demo, "99900201").id) == {
        "organisation": "Skolan hör inte till stadsdelen Norrviken. Välj en av stadsdelens skolor."}
    assert refused(unit_id=unit(demo, "Fritid Söderby").id) == {
        "organisation": "Enheten hör inte till stadsdelen Norrviken. Välj en av stadsdelens enheter."}
    assert refused(unit_id=unit(demo, "Socialförvaltningen").id) == {
        "organisation": "Enheten hör inte till stadsdelen Norrviken. Välj en av stadsdelens enheter."}
    assert refused() == {"organisation": "Välj den skola eller enhet där personen arbetar."}


def test_editing_a_person_records_functions_and_deputy_before_and_after(demo):
    norrviken = district(demo)
    per = person(demo, "Per Olsson")
    values = PersonValues(name="Per Olsson", email=per.email, language=Language.SV,
                          unit_id=unit(demo, "Individ- och familjeomsorgen Norrviken").id,
                          functions=(Function.SOCIAL_WORKER, Function.INTAKE_GROUP),
                          deputy_id=person(demo, "Lina Sjöberg").id)

    assert services.update_person(demo, per, norrviken, values, actor=ACTOR, now=NOW) is True
    demo.commit()
    assert services.update_person(demo, per, norrviken, values, actor=ACTOR, now=NOW) is False

    [event] = events(demo, per)
    changed = {k: (event.before[k], event.after[k]) for k in event.after if event.before[k] != event.after[k]}
    assert changed == {
        "school": ("99900101", None), "unit": (None, "Individ- och familjeomsorgen Norrviken"),
        "functions": (["deputy_principal"], ["intake_group", "social_worker"]),
        "deputy": (None, "lina.sjoberg@stockholm.example"),
    }


def test_deactivating_a_person_keeps_everything_that_names_them_readable(demo):
    norrviken = district(demo)
    per, anders = person(demo, "Per Olsson"), person(demo, "Anders Nyström")

    deputy_notices = services.deactivate_person(demo, per, actor=ACTOR, now=NOW)
    contact_notices = services.deactivate_person(demo, anders, actor=ACTOR, now=NOW)
    demo.commit()
    demo.expire_all()

    assert [n.template % n.params for n in deputy_notices] == [
        "Per Olsson är ersättare för Annika Berg. Välj en ny ersättare för dem."]
    assert [n.template % n.params for n in contact_notices] == [
        "Anders Nyström är kontaktperson i den gällande överenskommelsen \"Lokal samverkansöverenskommelse "
        "skola–socialtjänst, Norrviken\". Ange en ny kontakt i överenskommelsen."]
    stored = person(demo, "Per Olsson")
    assert (stored.is_active, stored.deactivated_at) == (False, NOW)
    assert person(demo, "Annika Berg").deputy.name == "Per Olsson"  # still named where they were deputy
    contact = demo.scalars(sa.select(AgreementVersion).where(
        AgreementVersion.status == VersionStatus.ACTIVE, AgreementVersion.contact_person_id == anders.id)).one()
    assert contact.contact_person.name == "Anders Nyström"
    assert per in services.people_of(demo, norrviken)
    assert per not in services.people_of(demo, norrviken, is_active=True)
    assert per in services.people_of(demo, norrviken, is_active=False)
    [event] = events(demo, per)
    assert (event.action, event.before["is_active"], event.after["is_active"]) == (
        "person.deactivated", True, False)
    assert count(demo, Person) == len(demo_data.PEOPLE)


def test_a_person_who_leaves_can_no_longer_log_in(demo):
    principal = person(demo, "Annika Berg")  # the demo's participant login belongs to her
    login = demo.scalars(sa.select(User).where(User.person_id == principal.id)).one()
    assert login.is_active

    services.deactivate_person(demo, principal, actor=ACTOR, now=NOW)
    demo.commit()
    demo.expire_all()

    assert authenticate(demo, login.email, demo_data.PASSWORD, NOW) is None
    [event] = events(demo, login)
    assert (event.action, event.actor, event.after) == ("user.deactivated", ACTOR, {"is_active": False})
    services.reactivate_person(demo, principal, actor=ACTOR, now=NOW)
    demo.commit()
    assert authenticate(demo, login.email, demo_data.PASSWORD, NOW) is None  # reopening a login is deliberate


def test_a_deactivated_person_comes_back_and_deactivating_twice_changes_nothing(demo):
    per = person(demo, "Per Olsson")
    services.deactivate_person(demo, per, actor=ACTOR, now=NOW)
    services.deactivate_person(demo, per, actor=ACTOR, now=NOW + timedelta(days=1))

    assert services.reactivate_person(demo, per, actor=ACTOR, now=NOW) is True
    assert services.reactivate_person(demo, per, actor=ACTOR, now=NOW) is False
    demo.commit()

    assert (per.is_active, per.deactivated_at) == (True, None)
    assert [e.action for e in events(demo, per)] == ["person.deactivated", "person.reactivated"]


def test_people_are_found_by_name_email_or_function_in_either_language(demo):
    norrviken = district(demo)

    def names(**kwargs) -> list[str]:  # type: ignore[no-untyped-def]
        return [p.name for p in services.people_of(demo, norrviken, **kwargs)]

    assert names(query="ÖBERG") == ["Katarina Öberg", "Lina Sjöberg"]  # Unicode case folding
    assert names(query="omar.haddad@") == ["Omar Haddad"]
    assert names(query="polis") == ["Peter Lundberg"]             # kontaktpolis
    assert names(query="school psychologist") == ["Nina Rydén"]  # the English name of the function
    assert len(names(function=Function.PRINCIPAL)) == 7
    assert "Helena Westin" not in names(function=Function.PRINCIPAL)  # Söderby's
    assert "Helena Forsberg" not in names()                          # the city's


def test_a_page_of_the_people_is_the_same_as_the_whole_list_cut(demo):
    """`people_page` filters plain rows and loads only the page's people: the same people, in the same order, as
    `people_of` cut into pages, for every filter (issue 16)."""
    norrviken = district(demo)
    for filters in ({}, {"query": "ÖBERG"}, {"query": "polis"}, {"query": "school psychologist"},
                    {"function": Function.PRINCIPAL}, {"is_active": True}, {"query": "nobody-at-all"}):
        whole = services.people_of(demo, norrviken, **filters)
        count = max(1, -(-len(whole) // 3))
        pages = [services.people_page(demo, norrviken, n, size=3, **filters) for n in range(1, count + 1)]
        assert [p for page in pages for p in page.items] == whole, filters
        assert {page.total for page in pages} == {len(whole)}


# ---------------------------------------------------------------------------------------------
# Imports from a district's page


def test_a_people_file_on_a_districts_page_may_not_take_over_people_of_another_district(demo):
    content = ("namn;e-post;organisation;ersättare\n"
               "Helena Westin;helena.westin@edu.stockholm.example;99900101;\n"
               "Ny Person;ny.person@edu.stockholm.example;99900101;maria.aberg@polisen.example\n").encode()
    file = read_people("personer.csv", content, district="NORRVIKEN")
    audit_before = count(demo, AuditEvent)

    with pytest.raises(ImportFailed) as failed:
        services.import_people_into(demo, district(demo), file, actor=ACTOR, now=NOW)
    demo.rollback()

    assert [(p.line, p.field, p.template % p.params) for p in failed.value.problems] == [
        (2, "e-post", "helena.westin@edu.stockholm.example är en person i en annan stadsdel eller i stadens "
                      "förvaltning och kan inte ändras härifrån."),
        (3, "ersättare", "Ersättaren maria.aberg@polisen.example hör inte till stadsdelen Norrviken."),
    ]
    assert person(demo, "Helena Westin").school.unit_code == "99900201"
    assert count(demo, Person) == len(demo_data.PEOPLE) and count(demo, AuditEvent) == audit_before


def test_a_school_file_on_a_districts_page_may_not_move_another_districts_school(demo):
    content = ("skolenhetskod;namn;huvudman\n"
               "41230001;Ängsskolan;kommunal\n"
               "99900201;Söderbyskolan;kommunal\n").encode()
    file = read_schools("skolor.csv", content, district="NORRVIKEN")

    with pytest.raises(ImportFailed) as failed:
        services.import_schools_into(demo, district(demo), file, actor=ACTOR, now=NOW)
    demo.rollback()

    assert [(p.line, p.field, p.template % p.params) for p in failed.value.problems] == [
        (3, "skolenhetskod", "Skolenhetskoden 99900201 tillhör en skola i en annan stadsdel.")]
    assert school(demo, "99900201").district.code == "SODERBY" and count(demo, School) == len(demo_data.SCHOOLS)


def test_a_districts_own_file_imports_and_the_history_shows_it_with_later_edits(demo):
    norrviken = district(demo)
    content = "skolenhetskod;namn;huvudman;skolformer\n41230001;Ängsskolan;kommunal;GR\n".encode()

    result = services.import_schools_into(demo, norrviken, read_schools("skolor.csv", content, district="NORRVIKEN"),
                                          actor=ACTOR, now=NOW)
    angs = school(demo, "41230001")
    services.set_school_active(demo, angs, False, actor=ACTOR, now=NOW + timedelta(hours=1))
    demo.commit()

    assert (result.created, result.updated, result.unchanged) == (1, 0, 0)
    assert angs.district is norrviken
    assert [e.action for e in services.history(demo, angs)] == ["school.deactivated", "import.create"]
