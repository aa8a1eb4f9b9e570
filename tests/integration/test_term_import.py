"""`coordinator term import FILE` and `term list` on both databases: all or nothing, idempotent, audited."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from coordinator.audit import AuditEvent
from coordinator.cli import cli
from coordinator.org.models import Municipality
from coordinator.terms.models import BreakKind, Term, TermBreak

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "terms.csv"
HEADER = "termin;typ;namn;från;till\n"
HT2027 = ("HT2027;termin;;2027-08-19;2027-12-21\n"
          "HT2027;studiedag;;2027-10-08;2027-10-08\n"
          "HT2027;höstlov;Höstlov v. 44;2027-11-01;2027-11-05\n")
VT2028 = ("VT2028;termin;;2028-01-10;2028-06-13\n"
          "VT2028;sportlov;;2028-02-28;2028-03-03\n")


@pytest.fixture
def city(session) -> Municipality:
    city = Municipality(code="0180", name="Stockholms stad")
    session.add(city)
    session.commit()
    return city


def write(folder: Path, name: str, content: str | bytes) -> str:
    path = folder / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return str(path)


def run(runner, *args: str):
    return runner.invoke(cli, ["term", *args])


def counts(session) -> tuple[int, int, int]:
    session.expire_all()
    return tuple(session.scalar(sa.select(sa.func.count()).select_from(model))
                 for model in (Term, TermBreak, AuditEvent))


def terms(session) -> dict[str, Term]:
    session.expire_all()
    return {term.name: term for term in session.scalars(sa.select(Term))}


# --- a good file --------------------------------------------------------------------------------

def test_the_example_file_imports_and_importing_it_again_changes_nothing(session, runner, city):
    first = run(runner, "import", str(EXAMPLE))

    assert first.exit_code == 0, first.output
    assert first.stdout == "Terminer i Stockholms stad: 4 nya, 0 uppdaterade, 0 oförändrade.\n"
    stored = terms(session)
    assert sorted(stored) == ["HT2026", "HT2027", "VT2027", "VT2028"]
    assert [(b.kind, b.starts_on) for b in stored["VT2027"].breaks] == [
        (BreakKind.SPORTLOV, date(2027, 3, 1)), (BreakKind.PASKLOV, date(2027, 3, 29)),
        (BreakKind.STUDY_DAY, date(2027, 5, 7))]
    before = counts(session)
    assert before == (4, 10, 4)
    assert session.scalars(sa.select(AuditEvent.actor)).first().startswith("cli")

    again = run(runner, "import", str(EXAMPLE))

    assert again.exit_code == 0, again.output
    assert again.stdout == "Terminer i Stockholms stad: 0 nya, 0 uppdaterade, 4 oförändrade.\n"
    assert counts(session) == before


def test_a_changed_file_replaces_the_terms_breaks_and_leaves_other_terms_alone(session, runner, city, tmp_path):
    run(runner, "import", write(tmp_path, "v1.csv", HEADER + HT2027 + VT2028))
    changed = HT2027.replace("HT2027;studiedag;;2027-10-08;2027-10-08\n", "") \
                    .replace("2027-12-21", "2027-12-20")

    result = run(runner, "import", write(tmp_path, "v2.csv", HEADER + changed))

    assert result.stdout == "Terminer i Stockholms stad: 0 nya, 1 uppdaterade, 0 oförändrade.\n", result.output
    stored = terms(session)
    assert stored["HT2027"].ends_on == date(2027, 12, 20)
    assert [(b.kind, b.name) for b in stored["HT2027"].breaks] == [(BreakKind.HOSTLOV, "Höstlov v. 44")]
    assert [b.kind for b in stored["VT2028"].breaks] == [BreakKind.SPORTLOV]  # not in the file: untouched
    update = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "term.update")).one()
    assert len(update.before["breaks"]) == 2 and len(update.after["breaks"]) == 1


def test_rows_may_come_in_any_order_and_comma_files_with_english_headers_work(session, runner, city, tmp_path):
    content = ("term,type,name,from,to\n"
               "HT2027,hostlov,,2027-11-01,2027-11-05\n"
               "VT2028,term,,2028-01-10,2028-06-13\n"
               "HT2027,term,,2027-08-19,2027-12-21\n")

    result = run(runner, "import", write(tmp_path, "terms.csv", content))

    assert result.exit_code == 0, result.output
    assert [b.name for b in terms(session)["HT2027"].breaks] == ["Höstlov"]


def test_moving_two_neighbouring_terms_in_one_file_works(session, runner, city, tmp_path):
    run(runner, "import", write(tmp_path, "v1.csv", HEADER + HT2027 + VT2028))
    # HT2027 now runs on over jullov into January, VT2028 starts a week later
    moved = (HT2027.replace("2027-12-21", "2028-01-14") + "HT2027;jullov;;2027-12-22;2028-01-07\n"
             + VT2028.replace("2028-01-10", "2028-01-17"))

    result = run(runner, "import", write(tmp_path, "v2.csv", HEADER + moved))

    assert result.stdout == "Terminer i Stockholms stad: 0 nya, 2 uppdaterade, 0 oförändrade.\n", result.output


# --- bad rows: every problem with line and column, and nothing written ---------------------------

def test_bad_rows_are_all_listed_with_line_and_column_and_nothing_is_written(session, runner, city, tmp_path):
    content = (HEADER + HT2027
               + "VT2028;termin;;2028-01-10;13 juni 2028\n"            # line 5
               + "VT2028;vinterlov;;2028-02-28;2028-03-03\n"              # line 6
               + "HT2028;termin;;2028-08-20;2028-12-20\n"
               + "HT2028;pasklov;;2028-12-24;2029-01-02\n"             # line 8
               + "VT2029;sportlov;;2029-03-05;2029-02-26\n"            # line 9
               + "HT29;termin;;2029-08-20;2029-12-20\n"                # line 10
               + "HT2030;termin;;2030-06-20;2030-12-20\n"              # line 11
               + "VT2031;jullov;;2031-01-02;2031-01-06\n")             # line 12
    path = write(tmp_path, "terminer.csv", content)

    result = run(runner, "import", path)

    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"7 fel i {path}:",
        f"  {path}, rad 5, till: \"13 juni 2028\" är inget datum: skriv ÅÅÅÅ-MM-DD, till exempel 2027-08-19.",
        f"  {path}, rad 6, typ: Okänd typ \"vinterlov\". Kända: termin, hostlov, jullov, sportlov, pasklov, "
        "studiedag, annat.",
        f"  {path}, rad 8, till: Påsklov 2028-12-24–2029-01-02 ligger utanför terminen HT2028 (2028-08-20–2028-12-20).",
        f"  {path}, rad 9, till: Sportlov slutar 2029-02-26, före sin början 2029-03-05.",
        f"  {path}, rad 10, termin: Okänt terminsnamn ”HT29”: skriv HT eller VT följt av året, till exempel HT2027 "
        "eller VT2028.",
        f"  {path}, rad 11, från: HT2030 är en hösttermin och ska börja mellan 2030-07-01 och 2030-12-31, "
        "inte 2030-06-20.",
        f"  {path}, rad 12, termin: Terminen VT2031 saknar en rad med typ termin och sina datum.",
        "Inget importerades.",
    ]
    assert counts(session) == (0, 0, 0)


def test_a_term_overlapping_a_stored_one_names_its_line_and_writes_nothing(session, runner, city, tmp_path):
    run(runner, "import", write(tmp_path, "v1.csv", HEADER + HT2027.replace("2027-12-21", "2028-01-12")))
    before = counts(session)

    result = run(runner, "import", write(tmp_path, "v2.csv", HEADER + "VT2027;termin;;2027-01-11;2027-06-11\n"
                                                                      "VT2028;termin;;2028-01-10;2028-06-13\n"))

    assert result.exit_code == 1
    assert result.stderr.splitlines()[1:] == [
        f"  {tmp_path / 'v2.csv'}, rad 3, från: Terminerna HT2027 (2027-08-19–2028-01-12) och VT2028 "
        "(2028-01-10–2028-06-13) överlappar.",
        "Inget importerades."]
    assert counts(session) == before


def test_two_terms_of_one_file_that_overlap_are_reported_once(session, runner, city, tmp_path):
    content = HEADER + "VT2028;termin;;2028-01-10;2028-06-13\n" + HT2027.replace("2027-12-21", "2028-01-12")

    result = run(runner, "import", write(tmp_path, "terms.csv", content))

    assert result.exit_code == 1
    assert result.stderr.count("överlappar") == 1
    assert counts(session) == (0, 0, 0)


def test_a_term_twice_and_a_break_twice_are_refused(session, runner, city, tmp_path):
    content = HEADER + HT2027 + "HT2027;termin;;2027-08-20;2027-12-21\nHT2027;studiedag;;2027-10-08;2027-10-08\n"

    result = run(runner, "import", write(tmp_path, "terms.csv", content))

    assert result.exit_code == 1
    assert "rad 5, typ: Terminen HT2027 har redan en rad med typ termin (rad 2)." in result.stderr
    assert "rad 6, typ: Samma lov finns redan på rad 3." in result.stderr
    assert counts(session) == (0, 0, 0)


# --- malformed files ------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "content", "message"), [
    ("empty.csv", "", "Filen är tom."),
    ("header.csv", HEADER, "Filen har bara en rubrikrad och inga rader att importera."),
    ("columns.csv", "termin;namn;från\nHT2027;;2027-08-19\n", "Kolumner saknas: typ (type), till (to)."),
    ("utf16.csv", (HEADER + HT2027).encode("utf-16"), "Filen är sparad som UTF-16"),
    ("latin1.csv", (HEADER + HT2027).encode("cp1252"), "Filen är inte sparad som UTF-8"),
    ("terms.json", '{"terms": []}', "Terminer importeras från CSV eller XLSX, inte från JSON."),
    ("binary.csv", bytes(range(256)) * 4, "Filen är inte en textfil"),
], ids=["empty", "header-only", "missing-columns", "utf-16", "windows-1252", "json", "binary"])
def test_a_malformed_file_is_refused_with_a_reason_and_nothing_is_written(
        session, runner, city, tmp_path, name, content, message):
    result = run(runner, "import", write(tmp_path, name, content))

    assert result.exit_code == 1
    assert message in result.stderr
    assert result.stderr.rstrip().endswith("Inget importerades.")
    assert counts(session) == (0, 0, 0)


# --- which municipality ---------------------------------------------------------------------------

def test_with_several_municipalities_the_code_is_required(session, runner, city, tmp_path):
    session.add(Municipality(code="0114", name="Upplands Väsby"))
    session.commit()
    path = write(tmp_path, "terms.csv", HEADER + HT2027)

    refused = run(runner, "import", path)
    assert refused.exit_code == 1
    assert "Databasen har flera kommuner (0114, 0180): ange kommunens kod med --municipality KOD." in refused.stderr
    assert run(runner, "import", path, "--municipality", "9999").stderr == "Error: Ingen kommun har koden 9999.\n"
    assert counts(session) == (0, 0, 0)

    result = run(runner, "import", path, "--municipality", "0114")
    assert result.stdout == "Terminer i Upplands Väsby: 1 nya, 0 uppdaterade, 0 oförändrade.\n"
    assert terms(session)["HT2027"].municipality.code == "0114"


# --- term list ------------------------------------------------------------------------------------

def test_term_list_prints_dates_breaks_and_teaching_days(session, runner, city, tmp_path):
    assert "Inga terminer" in run(runner, "list").stdout
    run(runner, "import", write(tmp_path, "terms.csv", HEADER + VT2028 + HT2027))

    table = run(runner, "list")
    as_json = run(runner, "list", "--json")

    assert table.exit_code == 0, table.output
    assert table.stdout.splitlines()[:4] == [
        "HT2027  2027-08-19 – 2027-12-21  83 undervisningsdagar",
        "  Studiedag            2027-10-08",
        "  Höstlov v. 44        2027-11-01 – 2027-11-05",
        "VT2028  2028-01-10 – 2028-06-13  102 undervisningsdagar",
    ]
    listed = json.loads(as_json.stdout)
    assert [t["name"] for t in listed] == ["HT2027", "VT2028"]
    assert listed[0] == {
        "municipality": "0180", "name": "HT2027", "starts_on": "2027-08-19", "ends_on": "2027-12-21",
        "teaching_days": 83, "breaks": [
            {"kind": "study_day", "name": "Studiedag", "starts_on": "2027-10-08", "ends_on": "2027-10-08"},
            {"kind": "hostlov", "name": "Höstlov v. 44", "starts_on": "2027-11-01", "ends_on": "2027-11-05"}]}
