"""The terms pages: the city's administrator creates and edits terms with breaks; others may only look."""
from __future__ import annotations

import re
from datetime import date
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from coordinator.audit import AuditEvent
from coordinator.org.models import Municipality
from coordinator.terms.calendar import Break
from coordinator.terms.models import BreakKind, Term
from coordinator.terms.services import create_term, find_term, municipality_for
from coordinator.web import db
from tests.web.helpers import NOW, add_district, add_user, csrf_token, log_in, text

ADMIN = "admin@stockholm.example"


def page(response) -> str:
    return unescape(text(response))


def input_value(html: str, field_id: str) -> str | None:
    tag = re.search(rf'<input\b[^>]*\bid="{re.escape(field_id)}"[^>]*>', html)
    assert tag is not None, f"no input {field_id}"
    value = re.search(r'\bvalue="([^"]*)"', tag.group(0))
    return unescape(value.group(1)) if value else None


def error_summary(html: str) -> list[str]:
    summary = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    return [unescape(m) for m in re.findall(r"<li><a [^>]*>(.*?)</a></li>", summary.group(0))] if summary else []


def add_term(app, name: str, starts_on: date, ends_on: date, *breaks: Break) -> None:
    """A term of Stockholm (created on first use), through the service."""
    with app.app_context():
        session = db()
        city = session.scalars(sa.select(Municipality).where(Municipality.code == "0180")).one_or_none()
        if city is None:
            city = Municipality(code="0180", name="Stockholms stad")
            session.add(city)
        create_term(session, city, name, starts_on, ends_on, breaks, actor="test", now=NOW)
        session.commit()


def stored(app, name: str) -> Term | None:
    with app.app_context():
        session = db()
        term = find_term(session, municipality_for(session, "0180"), name)
        if term is not None:
            term.breaks  # load them before the session closes
            session.expunge(term)
        return term


def post_form(client, url: str, fields: dict[str, str]):
    """Send the form at `url` as a browser would: its CSRF token and `fields`."""
    return client.post(url, data={"csrf_token": csrf_token(text(client.get(url))), **fields})


@pytest.fixture
def admin(app, client):
    add_user(app, ADMIN, "city_admin")
    log_in(client, ADMIN)
    return client


@pytest.fixture
def vt2028(app):
    add_term(app, "VT2028", date(2028, 1, 10), date(2028, 6, 13),
             Break("sportlov", date(2028, 2, 28), date(2028, 3, 3)),
             Break("study_day", date(2028, 5, 26), date(2028, 5, 26)))
    return "/terms/0180/VT2028/edit"


# --- the city's administrator -------------------------------------------------------------------

def test_the_city_admin_creates_a_term_with_a_break_and_sees_its_calendar(app, admin):
    new_page = page(admin.get("/terms/0180/new"))
    assert '<label class="label" for="name">Termin</label>' in new_page
    assert '<legend>Lov 1</legend>' in new_page and 'id="breaks-2-kind"' in new_page  # three empty rows

    response = post_form(admin, "/terms/0180/new", {
        "name": "vt2028", "starts_on": "2028-01-10", "ends_on": "2028-06-13",
        "breaks-0-kind": "pasklov", "breaks-0-name": "", "breaks-0-starts_on": "2028-04-10",
        "breaks-0-ends_on": "2028-04-14",
        "breaks-1-kind": "", "breaks-1-name": "", "breaks-1-starts_on": "", "breaks-1-ends_on": "",
    })

    assert response.status_code == 302
    assert response.headers["Location"] == "/terms#term-0180-VT2028"
    term = stored(app, "VT2028")
    assert (term.starts_on, term.ends_on) == (date(2028, 1, 10), date(2028, 6, 13))
    assert [(b.kind, b.name, b.starts_on, b.ends_on) for b in term.breaks] == [
        (BreakKind.PASKLOV, "Påsklov", date(2028, 4, 10), date(2028, 4, 14))]
    with app.app_context():
        event = db().scalars(sa.select(AuditEvent).where(AuditEvent.entity_type == "Term")).one()
        assert (event.action, event.actor) == ("term.create", ADMIN)

    listing = page(admin.get("/terms"))
    assert "Terminen VT2028 är sparad." in listing
    assert '<h3 id="term-0180-VT2028">VT2028</h3>' in listing
    assert "2028-01-10 till 2028-06-13" in listing
    assert "103 dagar under 22 veckor" in listing
    for shown in ("Påsklov", "Långfredagen", "Lovdag (Påsklov): inga möten", "Första maj", "Nationaldagen",
                  "Helgdag: inga möten", "Dag före Kristi himmelsfärdsdag (från kl. 14.00)",
                  "Halvdag: möten bara före kl. 14.00", "torsdag"):
        assert shown in listing, shown
    assert 'href="/terms/0180/VT2028/edit">Ändra VT2028</a>' in listing


def test_the_city_admin_changes_the_dates_adds_a_break_and_removes_one(app, admin, vt2028):
    edit_page = page(admin.get(vt2028))
    assert input_value(edit_page, "starts_on") == "2028-01-10"
    assert input_value(edit_page, "breaks-0-starts_on") == "2028-02-28"
    assert input_value(edit_page, "breaks-1-name") == "Studiedag"
    assert 'id="name"' not in edit_page  # a term keeps its name
    assert "Långfredagen" in edit_page   # what the planner avoids, shown while editing

    response = post_form(admin, vt2028, {
        "starts_on": "2028-01-11", "ends_on": "2028-06-13",
        "breaks-0-kind": "sportlov", "breaks-0-name": "Sportlov", "breaks-0-starts_on": "2028-02-28",
        "breaks-0-ends_on": "2028-03-03",
        "breaks-1-kind": "study_day", "breaks-1-name": "Studiedag", "breaks-1-starts_on": "2028-05-26",
        "breaks-1-ends_on": "2028-05-26", "breaks-1-remove": "y",
        "breaks-2-kind": "pasklov", "breaks-2-name": "Påsklov v. 15", "breaks-2-starts_on": "2028-04-10",
        "breaks-2-ends_on": "2028-04-14",
    })

    assert response.status_code == 302, page(response)
    term = stored(app, "VT2028")
    assert term.starts_on == date(2028, 1, 11)
    assert [(b.kind, b.name) for b in term.breaks] == [(BreakKind.SPORTLOV, "Sportlov"),
                                                         (BreakKind.PASKLOV, "Påsklov v. 15")]
    assert "Terminen VT2028 är sparad." in page(admin.get("/terms"))


def test_saving_an_unchanged_term_says_so(app, admin, vt2028):
    edit_page = text(admin.get(vt2028))
    fields = {name: unescape(value) for name, value in re.findall(
        r'<input\b[^>]*\bname="([^"]+)"[^>]*\bvalue="([^"]*)"', edit_page)
        if name != "csrf_token" and not name.endswith("-remove")}  # unticked boxes are not sent
    fields.update({"breaks-0-kind": "sportlov", "breaks-1-kind": "study_day"})

    response = post_form(admin, vt2028, fields)

    assert response.status_code == 302
    assert "Inget ändrades i VT2028." in page(admin.get("/terms"))


def test_an_end_before_the_start_is_shown_in_swedish_and_what_was_typed_is_kept(app, admin):
    response = post_form(admin, "/terms/0180/new", {
        "name": "HT2027", "starts_on": "2027-12-21", "ends_on": "2027-08-19",
        "breaks-0-kind": "hostlov", "breaks-0-name": "Höstlov vecka 44", "breaks-0-starts_on": "2027-11-01",
        "breaks-0-ends_on": "1 nov",
    })

    assert response.status_code == 200
    html = page(response)
    assert "<title>Fel: Ny termin" in html
    assert error_summary(html) == [
        "Terminen HT2027 slutar 2027-08-19, före sin början 2027-12-21.",
        "Lov 1: Skriv datumet som ÅÅÅÅ-MM-DD, till exempel 2027-08-19.",
    ]
    assert '<a href="#ends_on">' in html and '<a href="#breaks-0-ends_on">' in html
    assert 'id="ends_on-error"' in html and 'id="breaks-0-ends_on-error"' in html
    assert (input_value(html, "name"), input_value(html, "starts_on"), input_value(html, "ends_on")) == (
        "HT2027", "2027-12-21", "2027-08-19")
    assert input_value(html, "breaks-0-name") == "Höstlov vecka 44"
    assert input_value(html, "breaks-0-ends_on") == "1 nov"
    assert '<option selected value="hostlov">' in html
    assert stored(app, "HT2027") is None


def test_a_break_outside_the_term_and_an_overlap_are_shown_at_their_fields(app, admin, vt2028):
    add_term(app, "HT2027", date(2027, 8, 19), date(2027, 12, 21))

    response = post_form(admin, vt2028, {
        "starts_on": "2027-12-20", "ends_on": "2028-06-13",
        "breaks-0-kind": "sportlov", "breaks-0-starts_on": "2028-02-28", "breaks-0-ends_on": "2028-03-03",
        "breaks-1-kind": "", "breaks-1-starts_on": "", "breaks-1-ends_on": "",
        "breaks-2-kind": "pasklov", "breaks-2-starts_on": "2028-06-12", "breaks-2-ends_on": "2028-06-16",
    })

    html = page(response)
    assert response.status_code == 200
    assert error_summary(html) == [
        "VT2028 är en vårtermin och ska börja mellan 2028-01-01 och 2028-06-30, inte 2027-12-20.",
        "Terminerna HT2027 (2027-08-19–2027-12-21) och VT2028 (2027-12-20–2028-06-13) överlappar.",
        "Lov 3: Påsklov 2028-06-12–2028-06-16 ligger utanför terminen VT2028 (2027-12-20–2028-06-13).",
    ]
    assert 'aria-invalid="true" id="breaks-2-ends_on"' in html
    assert stored(app, "VT2028").starts_on == date(2028, 1, 10)


def test_a_malformed_term_name_gets_the_calendars_message_at_the_name(app, admin):
    response = post_form(admin, "/terms/0180/new", {"name": "HT27", "starts_on": "2027-08-19",
                                                   "ends_on": "2027-12-21"})

    html = page(response)
    assert error_summary(html) == ["Okänt terminsnamn ”HT27”: skriv HT eller VT följt av året, till exempel "
                                   "HT2027 eller VT2028."]
    assert '<a href="#name">' in html and input_value(html, "name") == "HT27"


def test_a_break_row_without_kind_or_dates_is_named(app, admin):
    response = post_form(admin, "/terms/0180/new", {
        "name": "HT2027", "starts_on": "2027-08-19", "ends_on": "2027-12-21",
        "breaks-0-kind": "", "breaks-0-name": "Friluftsdag", "breaks-0-starts_on": "", "breaks-0-ends_on": "",
    })

    assert error_summary(page(response)) == [
        "Lov 1: Välj vilken sorts lov det är.", "Lov 1: Ange lovets första dag.", "Lov 1: Ange lovets sista dag."]
    assert stored(app, "HT2027") is None


def test_unknown_municipalities_and_terms_are_not_found(admin, vt2028):
    assert admin.get("/terms/9999/new").status_code == 404
    assert admin.get("/terms/0180/HT2030/edit").status_code == 404
    assert admin.get("/terms/0180/nonsense/edit").status_code == 404


# --- everyone else ------------------------------------------------------------------------------

@pytest.fixture
def norrviken(app):
    return add_district(app, "NORRVIKEN", "Norrviken")


@pytest.mark.parametrize(("role", "district"), [
    ("district_director", "NORRVIKEN"), ("district_admin", "NORRVIKEN"), ("auditor", None)])
def test_district_roles_and_auditors_see_the_terms_but_may_not_change_them(
        app, client, norrviken, vt2028, role, district):
    add_user(app, "reader@stockholm.example", role, district)
    log_in(client, "reader@stockholm.example")

    listing = page(client.get("/terms"))

    assert '<h3 id="term-0180-VT2028">VT2028</h3>' in listing and "Sportlov" in listing
    assert '<a href="/terms" aria-current="page">Terminer</a>' in listing
    assert "/terms/0180/new" not in listing and "/edit" not in listing
    token = csrf_token(listing)
    assert client.get("/terms/0180/new").status_code == 404
    assert client.get(vt2028).status_code == 404
    response = client.post(vt2028, data={"csrf_token": token, "starts_on": "2028-01-11", "ends_on": "2028-06-13"})
    assert response.status_code == 404
    assert client.post("/terms/0180/new", data={"csrf_token": token, "name": "HT2028", "starts_on": "2028-08-20",
                                                "ends_on": "2028-12-20"}).status_code == 404
    assert stored(app, "VT2028").starts_on == date(2028, 1, 10)
    assert stored(app, "HT2028") is None


def test_a_participant_has_no_terms_page_and_no_menu_item(app, client, vt2028):
    add_user(app, "rektor@skola.example", "participant")
    log_in(client, "rektor@skola.example")

    assert client.get("/terms").status_code == 404
    assert 'href="/terms"' not in text(client.get("/"))


@pytest.mark.parametrize("path", ["/terms", "/terms/0180/new", "/terms/0180/VT2028/edit"])
def test_anonymous_visitors_are_sent_to_the_login(client, vt2028, path):
    response = client.get(path)

    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert (location.path, parse_qs(location.query)) == ("/login", {"next": [path]})
    assert 'href="/terms"' not in text(client.get("/"))


def test_an_english_reader_sees_term_break_and_holiday_names_in_english(app, client, vt2028):
    add_term(app, "HT2027", date(2027, 8, 19), date(2027, 12, 21),
             Break("hostlov", date(2027, 11, 1), date(2027, 11, 5)),
             Break("other", date(2027, 12, 20), date(2027, 12, 21), "Lucia <lov> & 50% fritt"))
    add_user(app, "reader@stockholm.example", "auditor", language="en")
    log_in(client, "reader@stockholm.example")
    listing = page(client.get("/terms"))
    assert '<h3 id="term-0180-VT2028">Spring term 2028</h3>' in listing
    assert "Autumn term 2027" in listing and "HT2027</" not in listing
    assert "Autumn break" in listing and "Winter sports break" in listing and "Sportlov" not in listing
    assert "Maundy Thursday (from 2pm)" in listing and "Skärtorsdagen" not in listing
    assert "Ascension Day" in listing and "Kristi himmelsfärdsdag" not in listing
    assert "Lucia &lt;lov&gt; &amp; 50% fritt" in text(client.get("/terms"))  # a name as typed, kept and escaped


def test_an_english_reader_sees_the_term_and_its_breaks_in_english_on_the_plan_follow_up_and_register(
        app, client, norrviken):
    add_term(app, "HT2027", date(2027, 8, 19), date(2027, 12, 21),
             Break("hostlov", date(2027, 11, 1), date(2027, 11, 5)),
             Break("other", date(2027, 12, 20), date(2027, 12, 21), "Luciaveckan"))
    add_user(app, "director@stockholm.example", "district_director", "NORRVIKEN", language="en")
    log_in(client, "director@stockholm.example")

    plan = page(client.get("/districts/NORRVIKEN/terms/HT2027/plan"))
    assert "<h1>Planning of Autumn term 2027</h1>" in plan
    assert "Autumn break 1 November–5 November" in plan and "Höstlov" not in plan
    assert "Luciaveckan 20 December–21 December" in plan  # a name the municipality typed, as typed
    for path in ("/districts/NORRVIKEN/followup?term=HT2027", "/districts/NORRVIKEN/minutes?term=HT2027"):
        shown = page(client.get(path))
        assert "Autumn term 2027" in re.search(r"<h1>(.*?)</h1>", shown).group(1), path
        assert '<option value="HT2027" selected>Autumn term 2027</option>' in shown, path
        words = re.sub(r"<svg.*?</svg>", "", shown, flags=re.S)  # a chart's axis keeps the short name
        assert ">HT2027<" not in words and "HT2027 " not in words, path
