"""Every follow-up table downloads as CSV and XLSX, and both read back (csv module, openpyxl) to the same
numbers as the services count for the hand-counted world; the exports obey the pages' access rules."""
from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook
from tests.followup_world import NOW
from tests.web.helpers import log_in_as

from coordinator.auth.models import Role
from coordinator.followup.indicators import HEADLINE, INDICATORS, Unit
from coordinator.followup.services import city_followup, district_followup

EKDAL = "/districts/EKDAL/followup"
TERM = {"term": "HT2027"}


def read_csv(response) -> list[list[str]]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf") and "attachment" in response.headers["Content-Disposition"]
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))


def read_xlsx(response) -> list[list[object]]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200 and response.headers["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(response.data)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def both(client, url: str, **query: str) -> tuple[list[list[str]], list[list[object]]]:  # type: ignore[no-untyped-def]
    return (read_csv(client.get(f"{url}.csv", query_string=query)),
            read_xlsx(client.get(f"{url}.xlsx", query_string=query)))


def number(cell: str) -> float | int | None:
    """A CSV cell as the number Swedish Excel reads (decimal comma); None for an empty cell."""
    if cell == "":
        return None
    return float(cell.replace(",", ".")) if "," in cell else int(cell)


def expected(value: object, unit: Unit) -> object:
    if value is None:
        return None
    if unit is Unit.SHARE:
        return round(100 * value, 1)
    if unit in (Unit.PERCENTAGE_POINTS, Unit.DAYS):
        return round(value, 1)
    if unit is Unit.YES_NO:
        return "ja" if value else "nej"
    if unit is Unit.FUNCTION:
        return value.label("sv")
    return value


def assert_cell(text: str, cell: object, want: object, label: str) -> None:
    """The CSV's text and the XLSX's cell both say `want` (the expected number, word, or None for nothing)."""
    if want is None:
        assert text == "" and cell is None, label
    elif isinstance(want, str):
        assert text == cell == want, label
    else:
        assert number(text) == pytest.approx(want) and cell == pytest.approx(want), label


@pytest.fixture
def director(client, app, followup_world):
    log_in_as(client, app, Role.DISTRICT_DIRECTOR, "EKDAL")
    return client


def test_every_indicator_exports_as_csv_and_xlsx_with_the_counted_figures(director, session, followup_world):
    found = district_followup(session, followup_world.district, followup_world.term, NOW)
    table, sheet = both(director, f"{EKDAL}/export/indikatorer", **TERM)

    assert table[0] == ["Avsnitt", "Indikator", "Värde", "Täljare", "Nämnare", "Enhet", "Status", "Definition"]
    assert sheet[0] == table[0] and len(table) == len(sheet) == 1 + len(INDICATORS)
    for reading, row, cells in zip(found.readings, table[1:], sheet[1:]):
        indicator, figure = reading.indicator, reading.figure
        assert row[1] == cells[1] == indicator.name("sv") and row[7] == cells[7] == indicator.definition("sv")
        assert_cell(row[2], cells[2], expected(figure.value, indicator.unit), indicator.id)
        assert number(row[3]) == cells[3] == figure.numerator and number(row[4]) == cells[4] == figure.denominator
    held = next(r for r in table if r[1] == "Hållna möten av överenskomna")
    assert held[2:7] == ["66,7", "4", "6", "procent", "Inte uppfyllt"]  # Swedish Excel reads 66,7 as a number


def test_the_meeting_forms_export_with_their_counts(director, session, followup_world):
    forms = district_followup(session, followup_world.district, followup_world.term, NOW).forms
    table, sheet = both(director, f"{EKDAL}/export/motesformer", **TERM)

    assert table[0][:7] == ["Mötesform", "Överenskomna", "Planerade", "Publicerade", "Hållna", "Inställda",
                            "Inte hållna"]
    for form, row, cells in zip(forms, table[1:], sheet[1:]):
        m = form.form.meetings
        counts = [m.agreed, m.planned, m.published, m.held, m.cancelled, m.not_held]
        assert row[0] == cells[0] == form.form.name
        assert [number(c) for c in row[1:7]] == list(cells[1:7]) == counts
    conference = next(r for r in table if r[0] == "Elevhälsokonferens")
    assert conference[table[0].index("Hållna möten av överenskomna (%)")] == "33,3"


def test_the_trend_exports_the_headline_indicators_per_term(director, session, followup_world):
    found = district_followup(session, followup_world.district, followup_world.next_term, NOW)
    table, sheet = both(director, f"{EKDAL}/export/trend", term="VT2028")

    assert table[0] == ["Indikator", "HT2027", "VT2028"] and len(table) == 1 + len(HEADLINE)
    for n, indicator in enumerate(HEADLINE):
        assert table[1 + n][0].startswith(indicator.name("sv"))
        for column, (_term, readings) in enumerate(found.trend, start=1):
            assert_cell(table[1 + n][column], sheet[1 + n][column],
                        expected(readings[n].figure.value, indicator.unit), f"{indicator.id} {_term.name}")


def test_a_drill_down_exports_its_rows(director):
    table, sheet = both(director, f"{EKDAL}/export/drill/people.unanswered", **TERM)

    assert table[0] == ["Namn", "Skola eller enhet", "Möte", "Börjar", "Ersättare"]
    assert [r[0] for r in table[1:]] == [r[0] for r in sheet[1:]] == ["Nora Norra", "Ulla Ugglan", "Ulla Ugglan"]
    assert table[1][3] == "2027-10-06 09:00" and sheet[1][3].isoformat(" ", "minutes") == "2027-10-06 09:00"
    statuses, _sheet = both(director, f"{EKDAL}/export/drill/meetings.cancelled", **TERM)
    assert statuses[1][2:4] == ["inställt", "saknas"]


def test_a_drill_down_export_for_one_meeting_form_and_an_unknown_key(director, followup_world):
    key = next(s for s in {m.series_key for m in followup_world.meetings.values()} if "student_health" in s)
    form = key.rsplit(":", 1)[0]
    table, _sheet = both(director, f"{EKDAL}/export/drill/meetings.in_plan", term="HT2027", form=form)
    assert len(table) == 1 + 3
    assert director.get(f"{EKDAL}/export/drill/meetings.nonsense.csv", query_string=TERM).status_code == 404


def test_the_school_year_exports_who_was_reached(director):
    table, sheet = both(director, f"{EKDAL}/schools", year="2027")

    assert table[0][:5] == ["Skola", "Skolenhetskod", "Huvudman", "Part i överenskommelsen", "Nådd"]
    assert [r[0] for r in table[1:]] == ["Ugglan", "Åsen", "Vinden", "Mossen", "Norra"]
    ugglan = table[1]
    forum = table[0].index("Övergripande forum: inbjuden till")
    assert ugglan[2:5] == ["Fristående", "ja", "nej"] and [number(c) for c in ugglan[forum:forum + 2]] == [1, 0]
    assert sheet[1][forum:forum + 2] == [1, 0]


@pytest.fixture
def city_admin(client, app, followup_world):
    log_in_as(client, app, Role.CITY_ADMIN)
    return client


def test_the_city_table_exports_in_the_pages_order_with_median_and_range(city_admin, session, followup_world):
    city = city_followup(session, followup_world.district.municipality, followup_world.term, NOW)
    table, sheet = both(city_admin, "/followup/export/stadsdelar", term="HT2027", sort="meetings.held",
                        order="desc")

    headline = [i for i in city.indicators if i.headline]
    assert table[0][:2] == ["Stadsdel", "Kod"] and len(table[0]) == 2 + len(headline)
    assert [r[0] for r in table[1:]] == [r[0] for r in sheet[1:]] == ["Ekdal", "Kvarn", "Lunda", "Median i staden",
                                                                       "Lägst", "Högst"]
    for row, cells, city_row in zip(table[1:4], sheet[1:4], city.rows):
        assert row[1] == cells[1] == city_row.district.code
        for n, reading in enumerate(city_row.readings, start=2):
            assert_cell(row[n], cells[n], expected(reading.figure.value, reading.indicator.unit), reading.indicator.id)
    held = table[0].index("Hållna möten av överenskomna (%)")
    assert [r[held] for r in table[4:]] == ["66,7", "66,7", "66,7"]  # the only district with something agreed


@pytest.mark.parametrize(("name", "first_column"), [
    ("skillnader", ["Ekdal", "Kvarn", "Lunda"]),
    ("hallna", ["Ekdal", "Kvarn", "Lunda"]),
    ("deltagande", ["Ekdal", "Kvarn", "Lunda"]),
    ("utan-overenskommelse", ["Kvarn"]),
    ("trend", [i.name("sv") for i in HEADLINE]),
])
def test_every_city_table_exports(city_admin, name, first_column):
    table, sheet = both(city_admin, f"/followup/export/{name}", **TERM)
    assert [r[0].split(" (")[0] for r in table[1:]] == first_column  # names, with their unit after
    assert [r[0] for r in sheet[1:]] == [r[0] for r in table[1:]]
    if name == "deltagande":
        assert table[1] == ["Ekdal", "50,0"] and sheet[1] == ["Ekdal", 50.0]


def test_an_export_in_english_has_english_headings(client, app, followup_world):
    from tests.web.test_followup_pages import log_in_by_email
    from tests.web.helpers import add_user

    add_user(app, "english@stockholm.example", "auditor", language="en")
    log_in_by_email(client, app, "english@stockholm.example")
    table = read_csv(client.get(f"{EKDAL}/export/indikatorer.csv", query_string=TERM))
    assert table[0][:3] == ["Section", "Indicator", "Value"]
    assert table[1][0] == "The agreement" and table[1][2] == "yes"
