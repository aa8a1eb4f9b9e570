"""`coordinator import schools|people FILE`: all or nothing, idempotent, audited, on both databases."""
from __future__ import annotations

import io
import json
import random
from datetime import datetime, timezone
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa

from coordinator.audit import AuditEvent
from coordinator.cli import cli
from coordinator.org.functions import Function
from coordinator.org.importers import read_people, read_schools
from coordinator.org.imports import ImportFailed, import_people, import_schools
from coordinator.org.models import District, Municipality, OrganiserType, Person, School, SchoolForm, Unit

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
NOW = datetime(2027, 8, 16, 9, 0, tzinfo=timezone.utc)
HEADER = "skolenhetskod;namn;stadsdel;huvudman;skolformer;e-post;telefon\n"
ANGS = "41230001;Ängsskolan;NORRVIKEN;kommunal;förskoleklass, grundskola;angs@exempelstad.se;08-1\n"
LINDEN = "41230003;Friskolan Linden;NORRVIKEN;fristående;GR;info@linden.se;08-2\n"


@pytest.fixture
def districts(session):  # type: ignore[no-untyped-def]
    city = Municipality(code="0180", name="Exempelstad")
    session.add_all([District(municipality=city, code="NORRVIKEN", name="Norrviken"),
                     District(municipality=city, code="SODERBY", name="Söderby")])
    session.commit()


def write(folder: Path, name: str, content: str | bytes) -> str:
    path = folder / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return str(path)


def xlsx(*rows: list[object]) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def count(session, model) -> int:  # type: ignore[no-untyped-def]
    return session.scalar(sa.select(sa.func.count()).select_from(model))


def schools_by_code(session) -> dict[str, School]:  # type: ignore[no-untyped-def]
    session.expire_all()
    return {school.unit_code: school for school in session.scalars(sa.select(School))}


def people_by_email(session) -> dict[str, Person]:  # type: ignore[no-untyped-def]
    session.expire_all()
    return {person.email: person for person in session.scalars(sa.select(Person))}


def import_file(runner, kind: str, path: str, *options: str):  # type: ignore[no-untyped-def]
    return runner.invoke(cli, ["import", kind, path, *options])


# --- schools ----------------------------------------------------------------------------------

def test_semicolon_csv_creates_schools_and_importing_it_again_changes_nothing(session, runner, districts, tmp_path):
    path = write(tmp_path, "skolor.csv", HEADER + ANGS + LINDEN)

    first = import_file(runner, "schools", path)
    assert first.exit_code == 0, first.output
    assert first.stdout == "Skolor: 2 nya, 0 uppdaterade, 0 oförändrade.\n"
    schools = schools_by_code(session)
    assert schools["41230001"].name == "Ängsskolan"
    assert schools["41230001"].school_forms == ["FKLASS", "GR"]
    assert schools["41230003"].organiser_type is OrganiserType.INDEPENDENT
    assert schools["41230003"].district.code == "NORRVIKEN"
    events = count(session, AuditEvent)
    assert events == 2

    again = import_file(runner, "schools", path)
    assert again.exit_code == 0, again.output
    assert again.stdout == "Skolor: 0 nya, 0 uppdaterade, 2 oförändrade.\n"
    assert count(session, AuditEvent) == events


def test_comma_csv_with_english_headers_imports_too(session, runner, districts, tmp_path):
    path = write(tmp_path, "schools.csv", "school_unit_code,name,district,organiser_type,school_forms,active\n"
                                          '41230002,Norrvikens gymnasium,norrviken,municipal,"GY,GYAN",no\n')
    result = import_file(runner, "schools", path)
    assert result.exit_code == 0, result.output
    school = schools_by_code(session)["41230002"]
    assert school.school_forms == ["GY", "GYAN"] and school.is_active is False


def test_xlsx_imports_schools_and_again_changes_nothing(session, runner, districts, tmp_path):
    path = write(tmp_path, "skolor.xlsx", xlsx(
        ["Skolenhetskod", "Namn", "Stadsdel", "Huvudman", "Skolformer", "Aktiv"],
        [41230001, "Ängsskolan", "NORRVIKEN", "kommunal", "GR", True],
        [41230003, "Friskolan Linden", "NORRVIKEN", "fristående", "FKLASS; GR", True]))
    assert import_file(runner, "schools", path).stdout == "Skolor: 2 nya, 0 uppdaterade, 0 oförändrade.\n"
    assert import_file(runner, "schools", path).stdout == "Skolor: 0 nya, 0 uppdaterade, 2 oförändrade.\n"
    assert schools_by_code(session)["41230003"].school_forms == ["FKLASS", "GR"]
    assert count(session, AuditEvent) == 2


def test_a_changed_row_updates_the_school_and_audits_before_and_after(session, runner, districts, tmp_path):
    import_file(runner, "schools", write(tmp_path, "v1.csv", HEADER + ANGS + LINDEN))
    moved = ANGS.replace("Ängsskolan", "Ängsskolan F-9").replace("NORRVIKEN", "SODERBY")

    result = import_file(runner, "schools", write(tmp_path, "v2.csv", HEADER + moved + LINDEN))

    assert result.stdout == "Skolor: 0 nya, 1 uppdaterade, 1 oförändrade.\n"
    school = schools_by_code(session)["41230001"]
    assert (school.name, school.district.code) == ("Ängsskolan F-9", "SODERBY")
    update = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "import.update")).one()
    assert update.entity_type == "School" and update.entity_id == str(school.id)
    assert update.actor.startswith("cli")
    assert (update.before["name"], update.after["name"]) == ("Ängsskolan", "Ängsskolan F-9")
    assert (update.before["district"], update.after["district"]) == ("NORRVIKEN", "SODERBY")


def test_columns_missing_from_a_later_file_keep_their_values(session, runner, districts, tmp_path):
    import_file(runner, "schools", write(tmp_path, "full.csv", HEADER + ANGS))
    result = import_file(runner, "schools", write(tmp_path, "few.csv", "skolenhetskod;namn;stadsdel;huvudman\n"
                                                  "41230001;Ängsskolan;NORRVIKEN;kommunal\n"))
    assert result.stdout == "Skolor: 0 nya, 0 uppdaterade, 1 oförändrade.\n"
    assert schools_by_code(session)["41230001"].phone == "08-1"


def test_one_bad_row_aborts_the_import_naming_file_line_field_and_reason(session, runner, districts, tmp_path):
    bad = "41230002;Trasiga skolan;NORRVIKEN;kommunal;GR;inte-en-adress;\n"
    path = write(tmp_path, "skolor.csv", HEADER + ANGS + bad + LINDEN)

    result = import_file(runner, "schools", path)

    assert result.exit_code == 1
    assert result.stdout == ""
    assert f'{path}, rad 3, e-post: "inte-en-adress" är ingen giltig e-postadress.' in result.stderr
    assert result.stderr.rstrip().endswith("Inget importerades.")
    assert count(session, School) == 0 and count(session, AuditEvent) == 0


def test_every_bad_row_is_listed_not_just_the_first(session, runner, districts, tmp_path):
    rows = HEADER + ANGS.replace("41230001", "4123") + LINDEN.replace("fristående", "privat")
    result = import_file(runner, "schools", write(tmp_path, "skolor.csv", rows))
    assert result.exit_code == 1
    assert "2 fel i" in result.stderr
    assert "rad 2, skolenhetskod:" in result.stderr and "rad 3, huvudman:" in result.stderr


def test_an_unknown_district_aborts_and_writes_nothing(session, districts):
    file = read_schools("skolor.csv", (HEADER + ANGS + LINDEN.replace("NORRVIKEN", "ÖSTERBY")).encode())
    with pytest.raises(ImportFailed) as failed:
        import_schools(session, file, actor="test", now=NOW)
    assert [p.message for p in failed.value.problems] == ['skolor.csv, rad 3, stadsdel: Okänd stadsdel "ÖSTERBY".']
    session.rollback()
    assert count(session, School) == 0 and count(session, AuditEvent) == 0


def test_district_option_places_every_school_of_a_csv(session, runner, districts, tmp_path):
    path = write(tmp_path, "skolor.csv", HEADER + ANGS + LINDEN)
    result = import_file(runner, "schools", path, "--district", "SODERBY")
    assert result.exit_code == 0, result.output
    assert {s.district.code for s in schools_by_code(session).values()} == {"SODERBY"}


# --- Skolverket's register --------------------------------------------------------------------

def skolverket(code: str, *, municipality: str = "0180", status: str = "AKTIV",
               school_types: tuple[str, ...] = ("GR",)) -> dict[str, object]:
    return {"data": {"type": "schoolunit", "schoolUnitCode": code, "attributes": {
                "displayName": f"Skola {code}", "status": status, "municipalityCode": municipality,
                "schoolTypes": list(school_types), "email": None, "phoneNumber": "08-100",
                "addresses": [{"type": "BESOKSADRESS", "streetAddress": "Skolvägen 5",
                               "postalCode": "111 21", "locality": "Exempelstad"}]}},
            "included": {"type": "organizer", "attributes": {"displayName": "Exempelstads kommun",
                                                             "organizerType": "KOMMUN"}}}


def test_skolverket_export_imports_into_the_named_district_and_again_changes_nothing(session, runner, districts):
    path = str(EXAMPLES / "skolverket-school-units.json")

    first = import_file(runner, "schools", path, "--district", "SODERBY")
    assert first.exit_code == 0, first.output
    assert first.stdout == "Skolor: 2 nya, 0 uppdaterade, 0 oförändrade.\n"
    schools = schools_by_code(session)
    assert schools["41230005"].address == "Söderbyvägen 5, 111 21 Exempelstad"
    assert schools["41230005"].school_forms == ["FKLASS", "GR"]
    assert schools["41230006"].is_independent and schools["41230006"].organiser_name == "Söderby Friskola AB"

    again = import_file(runner, "schools", path, "--district", "SODERBY")
    assert again.stdout == "Skolor: 0 nya, 0 uppdaterade, 2 oförändrade.\n"
    assert count(session, AuditEvent) == 2


def test_skolverket_status_other_than_aktiv_makes_the_school_inactive(session, districts):
    units = [skolverket("41230005", status="VILANDE"), skolverket("41230006", status="UPPHORT"),
             skolverket("41230007", status="PLANERAD"), skolverket("41230008", school_types=("VUX",))]
    file = read_schools("su.json", json.dumps(units).encode(), district="SODERBY")
    result = import_schools(session, file, actor="test", now=NOW)
    assert (result.created, result.skipped) == (3, 1)
    assert [s.is_active for s in schools_by_code(session).values()] == [False, False, False]


def test_skolverket_school_of_another_municipality_aborts(session, districts):
    units = [skolverket("41230005"), skolverket("41230006", municipality="0114")]
    file = read_schools("su.json", json.dumps(units, indent=2).encode(), district="SODERBY")
    with pytest.raises(ImportFailed) as failed:
        import_schools(session, file, actor="test", now=NOW)
    assert [p.message for p in failed.value.problems] == [
        "su.json, rad 36, attributes.municipalityCode: Skolan ligger i kommun 0114 men stadsdelen SODERBY "
        "i kommun 0180."]
    session.rollback()
    assert count(session, School) == 0


def test_skolverket_export_without_district_option_is_refused(session, runner, districts):
    result = import_file(runner, "schools", str(EXAMPLES / "skolverket-school-units.json"))
    assert result.exit_code == 1
    assert "ange stadsdelens kod med --district KOD" in result.stderr
    assert count(session, School) == 0


# --- malformed files: a message, exit code 1, never a traceback -------------------------------

MALFORMED = {
    "latin-1": ("skolor.csv", (HEADER + ANGS).encode("cp1252"), '"CSV UTF-8 (kommaavgränsad)"'),
    "missing columns": ("skolor.csv", "namn;telefon\nÄngsskolan;08-1\n".encode(),
                        "Kolumner saknas: skolenhetskod (school_unit_code), huvudman (organiser_type)."),
    "empty": ("skolor.csv", b"", "Filen är tom."),
    "header only": ("skolor.csv", HEADER.encode(), "Filen har bara en rubrikrad"),
    "binary junk": ("skolor.csv", random.Random(7).randbytes(5000), "Filen är inte en textfil"),
    "corrupt xlsx": ("skolor.xlsx", b"PK\x03\x04" + bytes(200), "Excel-filen är skadad"),
    "invalid json": ("su.json", b'[{"data": ', "Ogiltig JSON på rad 1"),
    "not skolverket": ("su.json", b'{"schools": []}', "inte en export från Skolverkets skolenhetsregister"),
}


@pytest.mark.parametrize("case", MALFORMED, ids=list(MALFORMED))
def test_a_malformed_file_gets_a_clear_error_and_nothing_is_imported(case, session, runner, districts, tmp_path):
    name, content, reason = MALFORMED[case]
    result = import_file(runner, "schools", write(tmp_path, name, content), "--district", "SODERBY")
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)  # a clean exit, not an uncaught exception
    assert "Traceback" not in result.output
    assert reason in result.stderr
    assert result.stderr.rstrip().endswith("Inget importerades.")
    assert count(session, School) == 0


# --- people -----------------------------------------------------------------------------------

@pytest.fixture
def schools(session, districts):  # type: ignore[no-untyped-def]
    file = read_schools("schools.csv", (EXAMPLES / "schools.csv").read_bytes())
    import_schools(session, file, actor="test", now=NOW)
    session.commit()


PEOPLE = "namn;e-post;organisation;stadsdel;enhetstyp;funktioner;ersättare;aktiv\n"


def test_people_example_creates_people_units_functions_and_deputies_and_again_changes_nothing(
        session, runner, schools):
    path = str(EXAMPLES / "people.csv")
    events = count(session, AuditEvent)

    first = import_file(runner, "people", path)
    assert first.exit_code == 0, first.output
    assert first.stdout == "Personer: 6 nya, 0 uppdaterade, 0 oförändrade; 3 nya enheter.\n"
    people = people_by_email(session)
    anna = people["anna.rektorsson@exempelstad.se"]
    assert anna.school.unit_code == "41230001" and anna.district_id == anna.school.district_id
    assert anna.deputy.email == "bo.bitradande@exempelstad.se"  # a row further down the same file
    assert [held.function for held in people["cecilia.kurator@exempelstad.se"].functions] == [
        Function.KURATOR, Function.SCHOOL_NURSE]
    eva = people["eva.mottagning@exempelstad.se"]
    assert eva.unit.name == "IFO Barn och unga" and eva.unit.kind.value == "social_services"
    assert {f.function for f in eva.functions} == {Function.INTAKE_GROUP, Function.SOCIAL_SERVICES_CONTACT}
    assert people["dan.director@exempelstad.se"].language.value == "en"
    assert count(session, AuditEvent) == events + 6 + 3  # the people and the units

    again = import_file(runner, "people", path)
    assert again.stdout == "Personer: 0 nya, 0 uppdaterade, 6 oförändrade.\n"
    assert count(session, AuditEvent) == events + 9
    assert count(session, Unit) == 3


def test_a_deputy_may_be_someone_already_in_the_database(session, schools):
    first = PEOPLE + "Bo;bo@exempelstad.se;41230001;;;biträdande rektor;;\n"
    import_people(session, read_people("a.csv", first.encode()), actor="test", now=NOW)
    session.commit()
    second = PEOPLE + "Anna;anna@exempelstad.se;41230001;;;rektor;BO@exempelstad.se;\n"
    result = import_people(session, read_people("b.csv", second.encode()), actor="test", now=NOW)
    session.commit()
    assert result.created == 1
    assert people_by_email(session)["anna@exempelstad.se"].deputy.name == "Bo"


def test_two_people_may_be_each_others_deputy_and_a_file_without_deputies_keeps_them(session, schools):
    rows = PEOPLE + ("Anna;anna@exempelstad.se;41230001;;;rektor;bo@exempelstad.se;\n"
                     "Bo;bo@exempelstad.se;41230001;;;biträdande rektor;anna@exempelstad.se;\n")
    import_people(session, read_people("a.csv", rows.encode()), actor="test", now=NOW)
    session.commit()
    without_deputies = "namn;e-post;organisation\nAnna;anna@exempelstad.se;41230001\n"
    result = import_people(session, read_people("b.csv", without_deputies.encode()), actor="test", now=NOW)
    session.commit()
    assert result.unchanged == 1
    people = people_by_email(session)
    assert people["anna@exempelstad.se"].deputy.name == "Bo"
    assert people["bo@exempelstad.se"].deputy.name == "Anna"


def test_people_rows_that_do_not_match_the_database_abort_with_every_reason(session, schools):
    rows = PEOPLE + (
        "Anna;anna@exempelstad.se;41230001;;;rektor;okand@exempelstad.se;\n"
        "Bo;bo@exempelstad.se;49999999;;;rektor;;\n"
        "Cia;cia@exempelstad.se;Nya enheten;NORRVIKEN;;socialsekreterare;;\n"
        "Dan;dan@exempelstad.se;41230001;SODERBY;;kurator;;\n"
        "Eva;eva@exempelstad.se;IFO;ÖSTERBY;social_services;;;\n"
    )
    with pytest.raises(ImportFailed) as failed:
        import_people(session, read_people("personer.csv", rows.encode()), actor="test", now=NOW)
    assert [p.message for p in failed.value.problems] == [
        "personer.csv, rad 2, ersättare: Ersättaren okand@exempelstad.se finns varken i filen eller bland personerna.",
        "personer.csv, rad 3, organisation: Ingen skola har skolenhetskoden 49999999. Importera skolorna först.",
        'personer.csv, rad 4, organisation: Stadsdelen NORRVIKEN har ingen enhet "Nya enheten". '
        "Ange enhetstyp för att skapa den.",
        "personer.csv, rad 5, stadsdel: Skolan Ängsskolan hör till stadsdelen NORRVIKEN, inte SODERBY.",
        'personer.csv, rad 6, stadsdel: Okänd stadsdel "ÖSTERBY".',
    ]
    session.rollback()
    assert count(session, Person) == 0 and count(session, Unit) == 0


def test_a_bad_people_row_via_the_cli_leaves_nothing_behind(session, runner, schools, tmp_path):
    rows = PEOPLE + ("Anna;anna@exempelstad.se;IFO Barn och unga;NORRVIKEN;IFO;rektor;;\n"
                     "Bo;bo@exempelstad.se;41230001;;;trollkarl;;\n")
    result = import_file(runner, "people", write(tmp_path, "personer.csv", rows))
    assert result.exit_code == 1
    assert 'personer.csv, rad 3, funktioner: Okänd funktion "trollkarl".' in result.stderr
    assert count(session, Person) == 0 and count(session, Unit) == 0


def test_a_people_file_without_the_email_column_names_it(session, runner, schools, tmp_path):
    path = write(tmp_path, "personer.csv", "namn;organisation\nAnna;41230001\n")
    result = import_file(runner, "people", path)
    assert result.exit_code == 1
    assert f"{path}: Kolumner saknas: e-post (email). Rubrikraden har: namn, organisation." in result.stderr
    assert count(session, Person) == 0


def test_changed_functions_and_deactivation_update_the_person(session, schools):
    before = PEOPLE + "Anna;anna@exempelstad.se;41230001;;;rektor;;ja\n"
    import_people(session, read_people("a.csv", before.encode()), actor="test", now=NOW)
    session.commit()
    later = datetime(2028, 1, 10, 8, 0, tzinfo=timezone.utc)
    after = PEOPLE + "Anna;anna@exempelstad.se;41230001;;;rektor, biträdande rektor;;nej\n"

    result = import_people(session, read_people("b.csv", after.encode()), actor="test", now=later)
    session.commit()

    assert (result.created, result.updated) == (0, 1)
    anna = people_by_email(session)["anna@exempelstad.se"]
    assert {held.function for held in anna.functions} == {Function.PRINCIPAL, Function.DEPUTY_PRINCIPAL}
    assert anna.is_active is False and anna.deactivated_at == later
    update = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "import.update")).one()
    assert (update.before["functions"], update.after["functions"]) == (["principal"], ["deputy_principal",
                                                                                    "principal"])


def test_people_from_xlsx(session, runner, schools, tmp_path):
    path = write(tmp_path, "personer.xlsx", xlsx(
        ["Namn", "E-post", "Organisation", "Funktioner", "Språk"],
        ["Anna", "Anna@Exempelstad.se", 41230001, "rektor", "en"]))
    result = import_file(runner, "people", path)
    assert result.exit_code == 0, result.output
    anna = people_by_email(session)["anna@exempelstad.se"]
    assert anna.school.name == "Ängsskolan" and anna.language.value == "en"


def test_example_school_forms_are_read_from_swedish_names(session, schools):
    assert schools_by_code(session)["41230004"].school_forms == [SchoolForm.GRAN.value]
