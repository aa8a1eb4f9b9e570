"""The committee report on the hand-counted world (tests/followup_world.py), on both databases: the CLI's
CSV, XLSX and PDF read back, the city table, refusals with exit codes, and the page and downloads per role."""
from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from tests.followup_world import NOW, build
from tests.web.helpers import log_in, page

from coordinator.auth.services import create_user
from coordinator.cli import cli
from coordinator.clock import fixed
from coordinator.followup.indicators import BY_ID
from coordinator.followup.report import committee_report


@pytest.fixture
def world(app, session):
    app.extensions["coordinator.clock"] = fixed(NOW)
    return build(session)


def run(runner, *args):
    return runner.invoke(cli, ["report", *args])


def number(text: str) -> float:
    return float(text.replace(",", "."))


def test_the_csv_carries_every_indicator_with_its_number(runner, world, tmp_path):
    out = tmp_path / "r.csv"
    result = run(runner, "--district", "ekdal", "--term", "HT2027", "--format", "csv", "--output", str(out))
    assert result.exit_code == 0, result.output
    assert "Skrev" in result.output

    rows = list(csv.DictReader(io.StringIO(out.read_bytes().decode("utf-8-sig")), delimiter=";"))
    district = {r["Indikator"]: r for r in rows if r["Mötesform"] == "Hela stadsdelen"}
    assert len(district) == len(BY_ID)
    held = district[BY_ID["meetings.held"].name("sv")]
    assert (number(held["Tal"]), held["Täljare"], held["Nämnare"], held["Status"]) == (66.7, "4", "6", "inte uppfyllt")
    assert number(district[BY_ID["schools.attended.gap"].name("sv")]["Tal"]) == 50
    assert held["Definition"] == BY_ID["meetings.held"].definition("sv")
    forum = [r for r in rows if r["Mötesform"] == "Övergripande forum"]
    assert {r["Indikator"] for r in forum} >= {BY_ID["minutes.reported"].name("sv")}


def test_the_xlsx_has_the_indicators_meetings_schools_and_open_items(runner, world, tmp_path):
    out = tmp_path / "r.xlsx"
    assert run(runner, "--district", "EKDAL", "--term", "HT2027", "--format", "xlsx", "--output",
               str(out)).exit_code == 0
    book = load_workbook(out)
    assert book.sheetnames == ["Indikatorer", "Möten", "Skolor som inte deltar", "Öppna åtgärdspunkter"]
    meetings = list(book["Möten"].values)
    assert len(meetings) == 1 + 7  # m1 m2 m3 c1 c2 c3 n1
    m2 = next(r for r in meetings if r[2] == "Övergripande forum" and r[1].day == 20)
    assert (m2[3], m2[4]) == ("hållet", "anmält till nämnden, registrerat för sent")
    schools = [r[0] for r in list(book["Skolor som inte deltar"].values)[1:]]
    assert schools == ["Ugglan", "Åsen"]  # a party that never came, then the school that never joined
    items = [r[0] for r in list(book["Öppna åtgärdspunkter"].values)[1:]]
    assert items == ["C", "D"]


def test_the_pdf_names_each_forum_and_what_the_committee_needs(runner, world, tmp_path):
    out = tmp_path / "r.pdf"
    assert run(runner, "--district", "EKDAL", "--term", "HT2027", "--format", "pdf", "--output", str(out)).exit_code == 0
    text = "\n".join(p.extract_text() for p in PdfReader(out).pages)
    for expected in ("Uppföljning av samverkansöverenskommelsen – Ekdal HT2027", "Övergripande forum",
                     "Elevhälsokonferens", "Nätverksträff", "Skolor som inte deltar", "Åsen",
                     "Öppna åtgärdspunkter", "2028-06-01", "Sara Kontakt", "anmält till nämnden"):
        assert expected in text, expected


def test_the_city_side_by_side(runner, world, tmp_path):
    out = tmp_path / "c.csv"
    assert run(runner, "--city", "--term", "HT2027", "--format", "csv", "--output", str(out)).exit_code == 0
    rows = list(csv.reader(io.StringIO(out.read_bytes().decode("utf-8-sig")), delimiter=";"))
    assert [r[0] for r in rows[1:]] == ["Ekdal", "Kvarn", "Lunda", "Staden, median", "Staden, lägst", "Staden, högst"]
    assert rows[2][1] == "nej"  # Kvarn has no agreement


@pytest.mark.parametrize("args, message", [
    (("--district", "NOWHERE", "--term", "HT2027"), "Stadsdelen NOWHERE finns inte."),
    (("--district", "EKDAL", "--term", "HT2031"), "Terminen HT2031 finns inte"),
    (("--district", "EKDAL", "--term", "höst"), "Okänt terminsnamn"),
    (("--city", "--term", "HT2031", "--format", "csv"), "Terminen HT2031 finns inte"),
])
def test_an_unknown_district_or_term_exits_1_with_a_message(runner, world, tmp_path, args, message):
    result = run(runner, *args, "--output", str(tmp_path / "x"))
    assert result.exit_code == 1 and message in result.output
    assert not (tmp_path / "x").exists()


def test_without_district_or_city_the_command_says_how_to_call_it(runner, world):
    result = run(runner, "--term", "HT2027")
    assert result.exit_code == 2 and "--district" in result.output


def test_the_report_builds_in_the_district_with_nothing_agreed(session, world):
    report = committee_report(session, world.kvarn, world.term, NOW)
    assert report.agreement_lines() == [("Överenskommelse", "Ingen gällande överenskommelse för terminen.")]
    assert report.forums == ()


# -- the page and the downloads -----------------------------------------------------------------------

@pytest.fixture
def logins(app, world, session):
    for email, role, district in (("dora@ekdal.example", "district_director", "EKDAL"),
                                  ("lars@lunda.example", "district_director", "LUNDA"),
                                  ("revisor@stad.example", "auditor", None),
                                  ("maja@ekdal.example", "participant", None)):
        create_user(session, email, role, district, "korrekt häst batteri häftklammer", NOW)
    session.commit()


@pytest.mark.parametrize("email, status", [
    ("dora@ekdal.example", 200), ("revisor@stad.example", 200), ("lars@lunda.example", 404),
    ("maja@ekdal.example", 404),
])
def test_who_may_take_the_report(client, logins, email, status):
    log_in(client, email, "korrekt häst batteri häftklammer")
    assert client.get("/districts/EKDAL/followup/report?term=HT2027").status_code == status
    assert client.get("/districts/EKDAL/followup/report.pdf?term=HT2027").status_code == status


def test_the_page_and_the_pdf_of_a_director(client, logins):
    log_in(client, "dora@ekdal.example", "korrekt häst batteri häftklammer")
    html = page(client.get("/districts/EKDAL/followup/report?term=HT2027"))
    assert "Hållna möten av överenskomna" in html and "67 %" in html and "(4 av 6)" in html
    assert "inte uppfyllt" in html and "Åsen" in html

    response = client.get("/districts/EKDAL/followup/report.pdf?term=HT2027")
    assert response.mimetype == "application/pdf" and response.headers["Cache-Control"] == "no-store"
    assert 'filename="uppfoljning-ekdal-HT2027.pdf"' in response.headers["Content-Disposition"]
    assert "Nätverksträff" in "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    assert client.get("/districts/EKDAL/followup/report?term=HT2031").status_code == 404
    assert client.get("/districts/NOWHERE/followup/report?term=HT2027").status_code == 404
