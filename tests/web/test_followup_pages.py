"""The follow-up pages on the hand-counted world (tests/followup_world.py): who may open which, the district
view with every indicator, its status in words and its definition, the rows behind every figure, the school
year, the city side by side and sorted, and clear 404s for what does not exist."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from tests.followup_world import NOW
from tests.web.helpers import add_user, log_in_as, page

from coordinator.auth.models import Role, User
from coordinator.followup.details import drill_keys
from coordinator.followup.indicators import INDICATORS, Unit, shown
from coordinator.followup.services import district_followup
from coordinator.web import db

EKDAL = "/districts/EKDAL/followup"
TERM = {"term": "HT2027"}

# who opens what: role (and district) -> the status each page answers
PAGES = {
    "district": f"{EKDAL}?term=HT2027",
    "drill": f"{EKDAL}/drill/meetings.not_held?term=HT2027",
    "schools": f"{EKDAL}/schools?year=2027",
    "district export": f"{EKDAL}/export/indikatorer.csv?term=HT2027",
    "drill export": f"{EKDAL}/export/drill/meetings.not_held.xlsx?term=HT2027",
    "schools export": f"{EKDAL}/schools.csv?year=2027",
    "city": "/followup?term=HT2027",
    "city export": "/followup/export/stadsdelar.xlsx?term=HT2027",
}
OWN_DISTRICT = {name: 200 if "city" not in name else 404 for name in PAGES}
ACCESS = [
    (Role.CITY_ADMIN, None, dict.fromkeys(PAGES, 200)),
    (Role.AUDITOR, None, dict.fromkeys(PAGES, 200)),
    (Role.DISTRICT_DIRECTOR, "EKDAL", OWN_DISTRICT),
    (Role.DISTRICT_ADMIN, "EKDAL", OWN_DISTRICT),
    (Role.DISTRICT_DIRECTOR, "LUNDA", dict.fromkeys(PAGES, 404)),  # another district's, and not the city
    (Role.PARTICIPANT, None, dict.fromkeys(PAGES, 404)),
]


@pytest.mark.parametrize(("role", "district", "expected"), ACCESS,
                         ids=[f"{r.value}-{d or 'city'}" for r, d, _ in ACCESS])
def test_who_may_open_each_page_and_export(client, app, followup_world, role, district, expected):
    log_in_as(client, app, role, district)
    assert {name: client.get(url).status_code for name, url in PAGES.items()} == expected


def test_nobody_logged_in_is_sent_to_the_login(client, followup_world):
    for url in PAGES.values():
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_director_opens_their_own_district_from_the_menu(client, app, followup_world):
    log_in_as(client, app, Role.DISTRICT_DIRECTOR, "LUNDA")
    home = page(client.get("/"))
    assert re.search(r'<a href="/districts/LUNDA/followup"[^>]*>Uppföljning</a>', home)
    assert client.get("/districts/LUNDA/followup?term=HT2027").status_code == 200


@pytest.mark.parametrize(("role", "link"), [(Role.CITY_ADMIN, "/followup"), (Role.AUDITOR, "/followup"),
                                            (Role.PARTICIPANT, None)], ids=lambda v: getattr(v, "value", v))
def test_the_menu_leads_the_city_to_the_city_view_and_participants_nowhere(client, app, followup_world, role, link):
    log_in_as(client, app, role)
    found = re.search(r'<a href="([^"]+)"[^>]*>Uppföljning</a>', page(client.get("/")))
    assert (found.group(1) if found else None) == link


# -- the district view --------------------------------------------------------------------------------

def test_the_district_view_shows_every_indicator_with_status_figure_and_definition(client, app, session,
                                                                                   followup_world):
    log_in_as(client, app, Role.DISTRICT_DIRECTOR, "EKDAL")
    html = page(client.get(EKDAL, query_string=TERM))
    expected = district_followup(session, followup_world.district, followup_world.term, NOW)

    words = {"green": "Uppfyllt", "amber": "Delvis uppfyllt", "red": "Inte uppfyllt", "none": "Ingen bedömning"}
    for reading in expected.readings:
        row = _row(html, f"indicator-{reading.indicator.id.replace('.', '-')}")
        assert reading.indicator.name("sv") in row and reading.indicator.definition("sv") in row
        assert shown(reading.figure, reading.indicator.unit) in row, reading.indicator.id
        assert f"status--{reading.status.value}" in row and words[reading.status.value] in row
        if reading.indicator.drill and reading.figure.value is not None:
            assert f"/drill/{reading.indicator.drill}?term=HT2027" in row, reading.indicator.id
    assert "(4 av 6)" in _row(html, "indicator-meetings-held")
    assert "Version 1 gäller. Den ska revideras senast 2028-06-01. Kontakt i socialtjänsten: Sara Kontakt." in html


def test_the_district_view_per_meeting_form_and_the_trend(client, app, followup_world):
    log_in_as(client, app, Role.DISTRICT_ADMIN, "EKDAL")
    html = page(client.get(EKDAL, query_string=TERM))

    forms = html.split('class="followup-forms"')[1].split("</table>")[0]
    conference = _text(next(r for r in forms.split("<tr>") if "Elevhälsokonferens" in r))
    # agreed, planned, published, held, cancelled; not held with its status in words; the shares with theirs
    assert conference.startswith("Elevhälsokonferens 3 3 3 1 0 Inte uppfyllt 1 Inte uppfyllt 33 % (1 av 3)")
    assert "/drill/meetings.not_held?term=HT2027&amp;form=a" in _raw(client, EKDAL)
    # the trend: a chart named for screen readers and a table of the same figures
    assert 'role="img"' in html and '<title id="trend-meetings-title">' in html
    trend = _text(html.split('id="trend-table"')[1].split("</table>")[0])
    assert "HT2027" in trend and "Hållna möten av överenskomna 67 %" in trend


def test_no_agreement_and_nothing_agreed_are_said_plainly(client, app, followup_world):
    log_in_as(client, app, Role.CITY_ADMIN)
    kvarn = page(client.get("/districts/KVARN/followup", query_string=TERM))
    assert "Ingen överenskommelse." in kvarn and "Ingen överenskommelse: inga mötesformer att följa upp." in kvarn
    lunda = page(client.get("/districts/LUNDA/followup", query_string=TERM))
    assert "Inga möten överenskomna." in lunda
    empty_term = client.get(EKDAL, query_string={"term": "VT2028"})
    assert empty_term.status_code == 200 and "(0 av 7)" in page(empty_term)


def test_the_district_view_defaults_to_the_current_term_and_offers_the_others(client, app, followup_world):
    log_in_as(client, app, Role.DISTRICT_DIRECTOR, "EKDAL")
    html = page(client.get(EKDAL))
    assert "<h1>Uppföljning HT2027: Ekdal</h1>" in html
    assert '<option value="HT2027" selected>' in html and '<option value="VT2028">' in html
    assert 'href="/districts/EKDAL/followup/report?term=HT2027"' in html


@pytest.mark.parametrize(("url", "message"), [
    ("/districts/NOPE/followup", "Stadsdelen NOPE finns inte."),
    (f"{EKDAL}?term=HT1999", "Terminen HT1999 finns inte i Stockholms stad."),
    (f"{EKDAL}?term=sommar", "HT"),
    (f"{EKDAL}/drill/meetings.nonsense?term=HT2027", "Det finns ingen uppföljning som heter meetings.nonsense."),
    (f"{EKDAL}/drill/meetings.held?term=HT2027&form=a999:other:1", "Stadsdelen har ingen mötesform a999:other:1."),
    (f"{EKDAL}/export/nonsense.csv?term=HT2027", "Sidan finns inte"),
    (f"{EKDAL}/schools?year=1999", "Läsåret 1999/00 har inga terminer."),
    (f"{EKDAL}/schools?year=nästa", "Läsåret nästa finns inte"),
    ("/followup?term=HT1999", "Terminen HT1999 finns inte i Stockholms stad."),
    ("/followup/export/nonsense.csv?term=HT2027", "Sidan finns inte"),
], ids=lambda v: v if v.startswith("/") else None)
def test_what_does_not_exist_is_a_404_that_says_so(client, app, followup_world, url, message):
    log_in_as(client, app, Role.CITY_ADMIN)
    response = client.get(url)
    assert response.status_code == 404 and message in page(response)


# -- the rows behind every figure ---------------------------------------------------------------------

# drill-down key -> the first column of its rows for Ekdal's HT2027 at NOW (the world's docstring, by hand)
M1, N1, M3, C1, C2, M2, C3 = ("2027-09-15 13:00", "2027-09-20 13:00", "2027-10-01 13:00", "2027-10-05 09:00",
                              "2027-10-06 09:00", "2027-11-20 13:00", "2027-12-15 09:00")
DRILLS = {
    "meetings.in_plan": [M1, N1, C1, C2, M2, C3],
    "meetings.published": [M1, N1, C1, C2, M2, C3],
    "meetings.held": [M1, N1, C1, M2],
    "meetings.planned": [M1, N1, C1, M2, C3],
    "meetings.not_held": [C2],
    "meetings.cancelled": [M3],
    "meetings.incomplete": [M1],
    "meetings.minutes_missing": [],
    "meetings.minutes_late": [M2],
    "meetings.not_approved": [],
    "meetings.not_reported": [M1],
    "schools.not_joined.municipal": [],
    "schools.not_joined.independent": ["Åsen"],
    "schools.invited.municipal": ["Mossen", "Norra"],
    "schools.invited.independent": ["Ugglan", "Vinden"],
    "schools.answered.municipal": ["Mossen", "Norra"],
    "schools.answered.independent": ["Ugglan", "Vinden"],   # not reached first
    "schools.attended.municipal": ["Mossen", "Norra"],
    "schools.attended.independent": ["Ugglan", "Vinden"],
    "people.unanswered": ["Nora Norra", "Ulla Ugglan", "Ulla Ugglan"],
    "people.deputies": ["Nora Norra"],
    "actions.open": ["C", "D"],
    "actions.overdue": ["C"],
    "actions.closed": ["A", "B"],
    "reports.late": ["Norra"],  # r2, booked after its deadline with a reason
}


def test_every_drill_down_key_is_counted_here():
    assert set(DRILLS) == set(drill_keys())


@pytest.fixture
def director(client, app, followup_world):
    log_in_as(client, app, Role.DISTRICT_DIRECTOR, "EKDAL")
    return client


@pytest.mark.parametrize("key", list(DRILLS))
def test_every_drill_down_lists_the_rows_behind_its_figure(director, key):
    response = director.get(f"{EKDAL}/drill/{key}", query_string=TERM)

    assert response.status_code == 200
    assert _first_column(page(response)) == DRILLS[key]


def test_the_rows_say_why_they_are_there(director):
    incomplete = page(director.get(f"{EKDAL}/drill/meetings.incomplete", query_string=TERM))
    assert "rektor (Ugglan)" in incomplete and "justerat" in incomplete
    answered = page(director.get(f"{EKDAL}/drill/schools.answered.independent", query_string=TERM))
    assert re.search(r"Ugglan</th>\s*<td>10000003</td>\s*<td>nej</td>", answered)
    late = page(director.get(f"{EKDAL}/drill/meetings.minutes_late", query_string=TERM))
    assert "/meetings/" in late and "/minutes" in late  # a minutes figure opens the minutes


def test_a_count_and_its_rows_agree_on_the_district_view(director, session, followup_world):
    readings = district_followup(session, followup_world.district, followup_world.term, NOW).readings
    for reading in readings:
        if reading.indicator.unit is Unit.COUNT and reading.indicator.drill:
            rows = _first_column(page(director.get(f"{EKDAL}/drill/{reading.indicator.drill}", query_string=TERM)))
            assert len(rows) == reading.figure.value, reading.indicator.id


def test_a_drill_down_for_one_meeting_form(director, followup_world):
    forum = next(f for f in district_followup_forms(director) if "Elevhälsokonferens" in f)
    key = re.search(r"form=([^\"&]+)", forum).group(1)

    html = page(director.get(f"{EKDAL}/drill/meetings.in_plan", query_string={**TERM, "form": key}))
    assert "mötesformen Elevhälsokonferens" in html
    assert _first_column(html) == [C1, C2, C3]


def district_followup_forms(client) -> list[str]:  # type: ignore[no-untyped-def]
    html = page(client.get(EKDAL, query_string=TERM))
    return html.split('class="followup-forms"')[1].split("</table>")[0].split("<tr>")[2:]


# -- the school year ----------------------------------------------------------------------------------

def test_the_school_year_lists_the_schools_not_reached_first(director):
    html = page(director.get(f"{EKDAL}/schools", query_string={"year": "2027"}))

    assert _first_column(html) == ["Ugglan", "Åsen", "Vinden", "Mossen", "Norra"]
    assert "2 skolor har inte deltagit i något forum." in html
    ugglan = html.split("Ugglan</th>")[1].split("</tr>")[0]
    assert "Fristående" in ugglan and "Nej, inte nådd" in ugglan and "deltog i 0 av 1" in ugglan
    asen = html.split("Åsen</th>")[1].split("</tr>")[0]
    assert "<strong>Nej</strong>" in asen  # not a party
    assert director.get(f"{EKDAL}/schools").status_code == 200  # the current school year by default


# -- the city -----------------------------------------------------------------------------------------

@pytest.fixture
def city_admin(client, app, followup_world):
    log_in_as(client, app, Role.CITY_ADMIN)
    return client


def test_the_city_side_by_side_with_median_range_and_the_districts_without_an_agreement(city_admin):
    html = page(city_admin.get("/followup", query_string=TERM))

    assert _first_column(html.split('class="followup-city"')[1]) == ["Ekdal", "Kvarn", "Lunda", "Median i staden",
                                                                     "Lägst–högst"]
    assert 'href="/districts/EKDAL/followup?term=HT2027"' in html
    without = html.split('id="without-agreement"')[1].split("</section>")[0]
    assert "Kvarn" in without and "Lunda" not in without and "Ekdal" not in without
    median = html.split("Median i staden</th>")[1].split("</tr>")[0]
    assert "67 %" in median  # meetings held: Ekdal's is the only figure
    gaps = html.split('class="followup-gaps"')[1].split("</table>")[0]
    ekdal = _text(gaps.split("Ekdal</th>")[1].split("</tr>")[0])
    assert "+50 procentenheter" in ekdal and "100 % (2 av 2)" in ekdal and "50 % (1 av 2)" in ekdal
    assert html.count('role="img"') == 4  # two bar charts, two line charts
    assert re.search(r'<th scope="col" aria-sort="ascending">\s*<a href="[^"]+">Stadsdel', html)


def test_the_city_sorts_by_any_headline_indicator(city_admin):
    descending = page(city_admin.get("/followup", query_string={**TERM, "sort": "answers.rate", "order": "desc"}))
    table = descending.split('class="followup-city"')[1]
    assert _first_column(table)[:3] == ["Ekdal", "Kvarn", "Lunda"]  # districts without a figure last, by name
    header = re.search(r'<th scope="col" aria-sort="descending">\s*<a href="([^"]+)">Svarsfrekvens', table)
    assert header and "order=asc" in header.group(1)  # the next click turns it around
    assert table.count("aria-sort=") == 1

    by_gap = page(city_admin.get("/followup", query_string={**TERM, "sort": "agreement.active", "order": "asc"}))
    assert _first_column(by_gap.split('class="followup-city"')[1])[:3] == ["Kvarn", "Ekdal", "Lunda"]  # no before yes
    by_name = page(city_admin.get("/followup", query_string={**TERM, "order": "desc"}))
    assert _first_column(by_name.split('class="followup-city"')[1])[:3] == ["Lunda", "Kvarn", "Ekdal"]
    ignored = page(city_admin.get("/followup", query_string={**TERM, "sort": "nonsense"}))
    assert _first_column(ignored.split('class="followup-city"')[1])[:3] == ["Ekdal", "Kvarn", "Lunda"]


def test_the_pages_in_english(client, app, followup_world):
    add_user(app, "english@stockholm.example", "auditor", language="en")
    log_in_by_email(client, app, "english@stockholm.example")

    district = page(client.get(EKDAL, query_string=TERM))
    assert "Meetings held (attendance or minutes recorded)" in district and ">Follow-up</a>" in district
    assert "Not met" in district and "(4 of 6)" in district
    assert all(i.name("en") in district for i in INDICATORS)
    city = page(client.get("/followup", query_string=TERM))
    assert "Districts without an agreement in force" in city and "City median" in city
    drill = page(client.get(f"{EKDAL}/drill/meetings.incomplete", query_string=TERM))
    assert "Held meetings where a required function was missing" in drill and "approved" in drill


# -- helpers ------------------------------------------------------------------------------------------

def _row(html: str, row_id: str) -> str:
    return html.split(f'id="{row_id}"')[1].split("</tr>")[0]


def log_in_by_email(client, app, email: str) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        user_id = db().scalars(sa.select(User.id).where(User.email == email)).one()
    with client.session_transaction() as cookie:
        cookie["user_id"] = user_id


def _text(html: str) -> str:
    """The text a reader sees, tags dropped and spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _raw(client, url: str) -> str:  # type: ignore[no-untyped-def]
    return client.get(url, query_string=TERM).get_data(as_text=True)


def _first_column(html: str) -> list[str]:
    """The row headers of the first table's body (and foot), as a reader sees them."""
    table = html.split("<tbody>")[1].split("</table>")[0] if "<tbody>" in html else ""
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r'<th scope="row">(.*?)</th>', table, re.S)]
