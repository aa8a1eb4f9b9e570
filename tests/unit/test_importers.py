"""Reading import files: CSV, XLSX and Skolverket JSON into rows, or problems naming file, line and field."""
from __future__ import annotations

import io
import json
import random

import openpyxl
import pytest

from coordinator.org.functions import Function
from coordinator.org.importers import read_people, read_schools
from coordinator.org.models import Language, OrganiserType, SchoolForm, UnitKind
from coordinator.org.tables import ImportProblem

SCHOOLS_SV = (
    "Skolenhetskod;Namn;Stadsdel;Huvudman;Skolformer;E-post;Aktiv\n"
    "41230001;Ängsskolan;NORRVIKEN;kommunal;förskoleklass, grundskola;angs@exempelstad.se;ja\n"
    "41230003;Friskolan Linden;NORRVIKEN;Fristående;FKLASS;info@linden.se;nej\n"
)
SCHOOLS_EN = (
    "school_unit_code,name,district,organiser_type,school_forms\n"
    '41230002,Norrvikens gymnasium,NORRVIKEN,municipal,"gymnasieskola; anpassad gymnasieskola"\n'
)


def xlsx(*rows: list[object]) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def skolverket_unit(code: str = "41230005", *, organizer: str = "KOMMUN", status: str = "AKTIV",
                    school_types: tuple[str, ...] = ("FKLASS", "GR")) -> dict[str, object]:
    return {
        "data": {
            "type": "schoolunit", "schoolUnitCode": code,
            "attributes": {
                "displayName": f"Skola {code}", "status": status, "email": "skolan@exempelstad.se",
                "phoneNumber": "08-100", "headMaster": "Greta Rektor", "municipalityCode": "0180",
                "schoolTypes": list(school_types),
                "addresses": [{"type": "POSTADRESS", "streetAddress": "Box 1", "postalCode": "111 00",
                               "locality": "Exempelstad"},
                              {"type": "BESOKSADRESS", "streetAddress": "Skolvägen 5",
                               "postalCode": "111 21", "locality": "Exempelstad"}],
            },
        },
        "included": {"type": "organizer", "attributes": {"displayName": "Exempelstads kommun",
                                                         "organizerType": organizer}},
    }


def reasons(problems: list[ImportProblem]) -> list[str]:
    return [problem.message for problem in problems]


# --- good files -------------------------------------------------------------------------------

def test_semicolon_csv_with_swedish_headers_and_bom_gives_typed_schools():
    file = read_schools("skolor.csv", ("\ufeff" + SCHOOLS_SV).encode())
    assert file.is_valid, reasons(file.problems)
    first, second = file.rows
    assert (first.line, first.unit_code, first.name, first.district_code) == (2, "41230001", "Ängsskolan", "NORRVIKEN")
    assert first.organiser_type is OrganiserType.MUNICIPAL
    assert first.school_forms == (SchoolForm.FKLASS, SchoolForm.GR)
    assert second.organiser_type is OrganiserType.INDEPENDENT and second.is_active is False


def test_comma_csv_with_english_headers_reads_the_same_way():
    file = read_schools("schools.csv", SCHOOLS_EN.encode())
    assert file.is_valid, reasons(file.problems)
    assert file.rows[0].school_forms == (SchoolForm.GY, SchoolForm.GYAN)


def test_a_sep_line_names_the_delimiter_and_unknown_columns_are_ignored():
    content = "sep=;\nskolenhetskod;namn;stadsdel;huvudman;anteckning\n41230001;Ängsskolan, F-9;N;kommunal;ring\n"
    file = read_schools("skolor.csv", content.encode())
    assert file.is_valid, reasons(file.problems)
    assert (file.rows[0].line, file.rows[0].name) == (3, "Ängsskolan, F-9")


def test_columns_the_file_lacks_are_not_given_so_an_update_leaves_them_alone():
    file = read_schools("schools.csv", SCHOOLS_EN.encode())
    assert "phone" not in file.rows[0].given and "school_forms" in file.rows[0].given


def test_district_option_overrides_the_district_column_and_may_replace_it():
    file = read_schools("schools.csv", "skolenhetskod,namn,huvudman\n41230001,A,kommunal\n".encode(),
                        district="SODERBY")
    assert file.is_valid, reasons(file.problems)
    assert file.rows[0].district_code == "SODERBY"


def test_xlsx_reads_numbers_and_booleans_as_excel_stores_them():
    content = xlsx(["Skolenhetskod", "Namn", "Stadsdel", "Huvudman", "Skolformer", "Aktiv"],
                   [41230001, "Ängsskolan", "NORRVIKEN", "kommunal", "GR", True],
                   [None, None, None, None, None, None],
                   [41230002.0, "Gymnasiet", "NORRVIKEN", "kommunal", "GY", False])
    file = read_schools("skolor.xlsx", content)
    assert file.is_valid, reasons(file.problems)
    assert [(row.line, row.unit_code, row.is_active) for row in file.rows] == [
        (2, "41230001", True), (4, "41230002", False)]


def test_skolverket_response_gives_a_school_with_visiting_address_and_organiser():
    file = read_schools("su.json", json.dumps(skolverket_unit()).encode(), district="SODERBY")
    assert file.is_valid, reasons(file.problems)
    (school,) = file.rows
    assert school.unit_code == "41230005" and school.district_code == "SODERBY"
    assert school.address == "Skolvägen 5, 111 21 Exempelstad"
    assert school.organiser_name == "Exempelstads kommun" and school.municipality_code == "0180"


def test_skolverket_list_of_responses_and_response_listing_units_are_both_accepted():
    independent = skolverket_unit("41230006", organizer="ENSKILD", status="VILANDE")
    listing = {"data": [skolverket_unit("41230007")["data"]], "included": skolverket_unit()["included"]}
    file = read_schools("su.json", json.dumps([skolverket_unit(), independent, listing]).encode(),
                        district="SODERBY")
    assert file.is_valid, reasons(file.problems)
    assert [(r.unit_code, r.organiser_type, r.is_active) for r in file.rows] == [
        ("41230005", OrganiserType.MUNICIPAL, True),
        ("41230006", OrganiserType.INDEPENDENT, False),
        ("41230007", OrganiserType.MUNICIPAL, True)]


def test_skolverket_units_without_a_school_form_of_ours_are_skipped_not_imported():
    adult = skolverket_unit("41230008", school_types=("VUX", "SFI"))
    file = read_schools("su.json", json.dumps([skolverket_unit(), adult]).encode(), district="SODERBY")
    assert [row.unit_code for row in file.rows] == ["41230005"] and file.skipped == 1


def test_people_with_functions_in_swedish_english_or_code_and_a_deputy():
    content = (
        "namn;e-post;organisation;stadsdel;enhetstyp;funktioner;ersättare;språk\n"
        "Anna;Anna.Rektorsson@Exempelstad.se;41230001;;;rektor, school nurse;bo@exempelstad.se;en\n"
        "Bo;bo@exempelstad.se;IFO Barn och unga;NORRVIKEN;IFO;intake_group;;\n"
    ).encode()
    file = read_people("personer.csv", content)
    assert file.is_valid, reasons(file.problems)
    anna, bo = file.rows
    assert anna.email == "anna.rektorsson@exempelstad.se" and anna.school_code == "41230001"
    assert anna.functions == (Function.PRINCIPAL, Function.SCHOOL_NURSE) and anna.language is Language.EN
    assert anna.deputy_email == "bo@exempelstad.se"
    assert (bo.unit_name, bo.unit_kind, bo.language) == ("IFO Barn och unga", UnitKind.SOCIAL_SERVICES, Language.SV)


# --- bad rows: every problem, each with its line and field -------------------------------------

def test_every_bad_row_is_reported_with_line_field_and_reason_and_no_rows_are_kept():
    content = (
        "skolenhetskod;namn;stadsdel;huvudman;skolformer;e-post\n"
        "41230001;Ängsskolan;NORRVIKEN;kommunal;grundskola;ok@exempelstad.se\n"
        "4123;Kortkod;NORRVIKEN;privat;lekskola;inte-en-adress\n"
        "41230001;Dubblett;NORRVIKEN;kommunal;GR;\n"
        "41230009;;NORRVIKEN;kommunal;GR;\n"
    ).encode()
    file = read_schools("skolor.csv", content)
    assert file.rows == []
    assert reasons(file.problems) == [
        'skolor.csv, rad 3, skolenhetskod: "4123" är ingen skolenhetskod (8 siffror).',
        'skolor.csv, rad 3, huvudman: Okänd huvudman "privat": ange kommunal eller fristående.',
        'skolor.csv, rad 3, skolformer: Okänd skolform "lekskola". Kända: förskoleklass, grundskola, '
        'anpassad grundskola, gymnasieskola, anpassad gymnasieskola.',
        'skolor.csv, rad 3, e-post: "inte-en-adress" är ingen giltig e-postadress.',
        "skolor.csv, rad 4, skolenhetskod: Skolenhetskoden 41230001 finns redan på rad 2.",
        "skolor.csv, rad 5, namn: Värde saknas.",
    ]


def test_a_problem_keeps_its_template_and_parameters_for_translation():
    file = read_schools("skolor.csv", "skolenhetskod;namn;stadsdel;huvudman\n123;A;N;kommunal\n".encode())
    (problem,) = file.problems
    assert (problem.file, problem.line, problem.field) == ("skolor.csv", 2, "skolenhetskod")
    assert problem.template == '"%(value)s" är ingen skolenhetskod (8 siffror).'
    assert problem.params == {"value": "123"}


def test_people_rows_with_unknown_values_duplicates_and_self_deputies_are_all_reported():
    content = (
        "name,email,organisation,unit_kind,functions,deputy_email,language\n"
        "Anna,anna@x.se,4123000,,trollkarl,anna@x.se,fi\n"
        "Anna igen,ANNA@x.se,IFO,kontor,,,\n"
        "Utan adress,,IFO,,,,\n"
    ).encode()
    file = read_people("people.csv", content)
    assert file.rows == []
    assert reasons(file.problems) == [
        'people.csv, rad 2, organisation: "4123000" är ingen skolenhetskod (8 siffror).',
        'people.csv, rad 2, functions: Okänd funktion "trollkarl".',
        "people.csv, rad 2, deputy_email: En person kan inte vara sin egen ersättare.",
        'people.csv, rad 2, language: Okänt språk "fi": ange sv eller en.',
        "people.csv, rad 3, email: E-postadressen anna@x.se finns redan på rad 2.",
        'people.csv, rad 3, unit_kind: Okänd enhetstyp "kontor". Kända: social_services, leisure, preschool, '
        "field_workers, administration, city_administration, police, association.",
        "people.csv, rad 4, email: Värde saknas.",
    ]


def test_skolverket_unit_of_another_organiser_type_names_the_value():
    unit = skolverket_unit(organizer="REGION")
    file = read_schools("su.json", json.dumps(unit, indent=2).encode(), district="SODERBY")
    assert reasons(file.problems) == [
        'su.json, rad 4, included.attributes.organizerType: Huvudmannen är av typen "REGION"; '
        "bara KOMMUN och ENSKILD kan importeras."]


def test_skolverket_unknown_status_is_a_row_problem():
    file = read_schools("su.json", json.dumps(skolverket_unit(status="NEDLAGD"), indent=1).encode(),
                        district="SODERBY")
    assert reasons(file.problems) == ['su.json, rad 4, attributes.status: Okänd status "NEDLAGD".']


# --- malformed files: one clear message about the whole file ----------------------------------

MALFORMED = {
    "latin-1 text": ("skolor.csv", "skolenhetskod;namn\n41230001;Ängsskolan\n".encode("cp1252"),
                     'Filen är inte sparad som UTF-8 (första felaktiga tecknet på rad 2). Spara den i Excel som '
                     '"CSV UTF-8 (kommaavgränsad)" och försök igen.'),
    "utf-16 text": ("skolor.csv", "skolenhetskod;namn\n".encode("utf-16"),
                    'Filen är sparad som UTF-16 ("Unicode-text"). Spara den i Excel som '
                    '"CSV UTF-8 (kommaavgränsad)" och försök igen.'),
    "empty": ("skolor.csv", b"", "Filen är tom."),
    "blank lines": ("skolor.csv", b"\xef\xbb\xbf\n;;\n\n", "Filen är tom."),
    "header only": ("skolor.csv", b"skolenhetskod;namn;stadsdel;huvudman\n",
                    "Filen har bara en rubrikrad och inga rader att importera."),
    "binary junk": ("skolor.csv", random.Random(2).randbytes(3000),
                    "Filen är inte en textfil (CSV eller JSON) och inte en Excel-fil (.xlsx)."),
    "corrupt xlsx": ("skolor.xlsx", xlsx(["skolenhetskod"], ["41230001"])[:500],
                     "Excel-filen är skadad eller inte en riktig .xlsx-fil. Öppna den i Excel, spara den som "
                     ".xlsx igen och försök på nytt."),
    "old xls": ("skolor.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100),
                'Filen är i det gamla Excel-formatet (.xls). Spara den som .xlsx eller som "CSV UTF-8" och '
                "försök igen."),
    "invalid json": ("su.json", b'{"data": {"schoolUnitCode": "41230005",}}',
                     "Ogiltig JSON på rad 1, kolumn 40: Expecting property name enclosed in double quotes."),
    "other json": ("su.json", b'{"results": [{"id": 1}]}',
                   'Filen är inte en export från Skolverkets skolenhetsregister: varje svar ska ha "data".'),
    "json without units": ("su.json", b'{"data": {"id": 1}}',
                           'Filen är inte en export från Skolverkets skolenhetsregister: den saknar "data" med '
                           '"schoolUnitCode".'),
}


@pytest.mark.parametrize("case", MALFORMED, ids=list(MALFORMED))
def test_a_malformed_file_gets_one_clear_message(case):
    name, content, reason = MALFORMED[case]
    file = read_schools(name, content, district="SODERBY")
    assert file.rows == []
    assert [(p.file, p.line, p.field, p.reason) for p in file.problems] == [(name, None, None, reason)]


def test_missing_required_columns_are_named_in_both_languages():
    file = read_schools("skolor.csv", "namn;e-post\nÄngsskolan;a@b.se\n".encode())
    assert [p.reason for p in file.problems] == [
        "Kolumner saknas: skolenhetskod (school_unit_code), stadsdel (district), huvudman (organiser_type). "
        "Rubrikraden har: namn, e-post."]


def test_a_column_given_twice_in_two_languages_is_refused():
    file = read_schools("skolor.csv", "namn;name;skolenhetskod;stadsdel;huvudman\nA;B;41230001;N;kommunal\n"
                        .encode())
    assert [p.reason for p in file.problems] == ["Kolumnen namn (name) finns två gånger (rubrikrad 1)."]


def test_skolverket_export_needs_a_district():
    file = read_schools("su.json", json.dumps(skolverket_unit()).encode())
    assert [p.reason for p in file.problems] == [
        "Skolenhetsregistret känner inte till stadsdelar: ange stadsdelens kod med --district KOD."]


def test_people_are_not_read_from_json():
    file = read_people("people.json", b'{"data": []}')
    assert [p.reason for p in file.problems] == ["Personer importeras från CSV eller XLSX, inte från JSON."]


def test_an_excel_file_saved_with_a_csv_name_is_still_read_as_excel():
    content = xlsx(["skolenhetskod", "namn", "stadsdel", "huvudman"], ["41230001", "A", "N", "kommunal"])
    file = read_schools("skolor.csv", content)
    assert file.is_valid and file.rows[0].unit_code == "41230001"
