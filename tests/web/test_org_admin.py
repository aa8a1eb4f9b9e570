"""A district's schools, units and people in the browser, on the demo: search, add, edit, deactivate,
Swedish validation messages that keep what was typed, imports with their error table, and who may do what."""
from __future__ import annotations

import io
import re
from html import unescape

import pytest
import sqlalchemy as sa

from coordinator.audit import AuditEvent
from coordinator.demo import data as demo_data
from coordinator.org.functions import Function
from coordinator.org.models import Person, School, Unit
from coordinator.web import db
from tests.web.helpers import csrf_token, log_in, page, text

NORRVIKEN_ADMIN = demo_data.login_email(demo_data.LOGINS[2])   # Karin Wallin, district_admin
SODERBY_ADMIN = demo_data.login_email(demo_data.LOGINS[4])     # Jessica Palm, district_admin
NORRVIKEN_DIRECTOR = demo_data.login_email(demo_data.LOGINS[1])
AUDITOR = demo_data.login_email(demo_data.LOGINS[6])
PARTICIPANT = demo_data.login_email(demo_data.LOGINS[5])
BASE = "/districts/NORRVIKEN"



@pytest.fixture
def admin(demo, client):
    """The browser of Norrviken's district administrator, logged in through the login form."""
    assert log_in(client, NORRVIKEN_ADMIN, demo_data.PASSWORD).status_code == 302
    return client



def post_form(client, url: str, fields: dict, **kwargs):
    """Send the form at `url` as a browser would: the page's CSRF token and `fields`."""
    return client.post(url, data={"csrf_token": csrf_token(text(client.get(url))), **fields}, **kwargs)


def error_summary(html: str) -> list[str]:
    summary = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    return [unescape(m) for m in re.findall(r"<li><a [^>]*>(.*?)</a></li>", summary.group(0))] if summary else []


def field_error(html: str, field_id: str) -> str:
    found = re.search(rf'<p class="field-error" id="{re.escape(field_id)}-error">(.*?)</p>', html, re.S)
    assert found is not None, f"no error on {field_id}"
    return unescape(re.sub(r"<[^>]+>", "", found.group(1))).replace("Fel:", "").strip()


def input_value(html: str, field_id: str) -> str | None:
    tag = re.search(rf'<input\b[^>]*\bid="{re.escape(field_id)}"[^>]*>', html)
    assert tag is not None, f"no input {field_id}"
    value = re.search(r'\bvalue="([^"]*)"', tag.group(0))
    return unescape(value.group(1)) if value else None


def selected(html: str, field_id: str) -> str | None:
    select = re.search(rf'<select\b[^>]*\bid="{re.escape(field_id)}".*?</select>', html, re.S)
    assert select is not None, f"no select {field_id}"
    option = re.search(r'<option\b[^>]*\bselected\b[^>]*\bvalue="([^"]*)"|<option\b[^>]*\bvalue="([^"]*)"[^>]*\bselected',
                       select.group(0))
    return unescape(option.group(1) or option.group(2)) if option else None


def checked(html: str, name: str) -> list[str]:
    tags = re.findall(rf'<input\b[^>]*\bname="{re.escape(name)}"[^>]*>', html)
    return [re.search(r'\bvalue="([^"]*)"', t).group(1) for t in tags if re.search(r"\bchecked\b", t)]


def table_rows(html: str) -> list[str]:
    """Each body row of the page's tables as its text, cells separated by " | "."""
    rows = re.findall(r"<tr>(.*?)</tr>", html, re.S)
    cells = [re.findall(r"<t[hd]\b[^>]*>(.*?)</t[hd]>", row, re.S) for row in rows]
    return [" | ".join(" ".join(re.sub(r"<[^>]+>", "", c).split()) for c in row) for row in cells]


def lookup(app, model, **where):
    with app.app_context():
        found = db().scalars(sa.select(model).filter_by(**where)).one()
        db().expunge(found)
        return found


def count(app, model) -> int:
    with app.app_context():
        return db().scalar(sa.select(sa.func.count()).select_from(model))


# ---------------------------------------------------------------------------------------------
# Lists and search


def test_the_district_page_links_to_the_registers(admin):
    html = page(admin.get(BASE))

    for path in ("/schools", "/units", "/people", "/import"):
        assert f'href="{BASE}{path}"' in html


def test_a_district_admin_searches_schools_and_people(admin):
    schools = page(admin.get(f"{BASE}/schools", query_string={"q": "LÄRKAN"}))
    independent = page(admin.get(f"{BASE}/schools", query_string={"organiser_type": "independent"}))
    by_code = page(admin.get(f"{BASE}/schools", query_string={"q": "99900103"}))
    kurator = page(admin.get(f"{BASE}/people", query_string={"q": "kurator"}))
    principals = page(admin.get(f"{BASE}/people", query_string={"function": "principal", "active": "active"}))

    assert "Friskolan Lärkan" in schools and "Norrvikens skola" not in schools
    assert input_value(schools, "q") == "LÄRKAN"  # the search stays in the box
    assert "Norrviken International School" in independent and "Ekbackens skola" not in independent
    assert "Sjöängsskolan" in by_code and "1 skola" in by_code
    assert {"Sofia Lindberg", "Jenny Ahlgren", "Yusuf Demir"} <= set(re.findall(r">([^<>]+)</a></th>", kurator))
    assert "Annika Berg" not in kurator
    assert "Annika Berg" in principals and "Sofia Lindberg" not in principals and "Helena Westin" not in principals
    assert selected(principals, "function") == "principal"


# ---------------------------------------------------------------------------------------------
# Adding and editing


def test_a_district_admin_adds_a_school(admin, demo):
    response = post_form(admin, f"{BASE}/schools/new", {
        "unit_code": "41230001", "name": "Ängsskolan", "organiser_type": "independent",
        "organiser_name": "Ängen AB", "school_forms": ["GR", "FKLASS"], "email": "info@angen.example",
        "phone": "08-100 200", "address": "Ängsvägen 1, 199 99 Stockholm",
    })

    assert response.status_code == 302 and response.headers["Location"].endswith(f"{BASE}/schools")
    listed = page(admin.get(response.headers["Location"]))
    assert "Ängsskolan är tillagd." in listed
    assert "Ängsskolan | 41230001 | Fristående (Ängen AB) | förskoleklass, grundskola | info@angen.example" \
        in table_rows(listed)
    school = lookup(demo, School, unit_code="41230001")
    edit = page(admin.get(f"{BASE}/schools/{school.id}"))
    assert "Historik" in edit and "Tillagd" in edit and NORRVIKEN_ADMIN in edit


def test_a_district_admin_adds_a_person_with_functions_and_a_deputy_then_edits_them(admin, demo):
    school = lookup(demo, School, unit_code="99900102")
    deputy = lookup(demo, Person, name="Jenny Ahlgren")
    form = page(admin.get(f"{BASE}/people/new"))
    assert "Funktioner i skolan" in form and "Funktioner i stadsdelsförvaltningen" in form  # grouped by level
    assert "Helena Westin" not in form  # Söderby's people are no deputies here

    response = post_form(admin, f"{BASE}/people/new", {
        "name": "Nora Nyberg", "email": "Nora.Nyberg@edu.stockholm.example", "phone": "08-555 12",
        "language": "sv", "organisation": f"school:{school.id}",
        "functions_school": ["kurator", "school_nurse"], "deputy": str(deputy.id),
    })

    assert response.status_code == 302
    listed = page(admin.get(response.headers["Location"]))
    assert ("Nora Nyberg | kurator, skolsköterska | Ekbackens skola | nora.nyberg@edu.stockholm.example | "
            "Jenny Ahlgren") in table_rows(listed)
    nora = lookup(demo, Person, email="nora.nyberg@edu.stockholm.example")
    url = f"{BASE}/people/{nora.id}"
    edit = page(admin.get(url))
    assert checked(edit, "functions_school") == ["kurator", "school_nurse"]
    assert selected(edit, "deputy") == str(deputy.id) and selected(edit, "organisation") == f"school:{school.id}"

    response = post_form(admin, url, {
        "name": "Nora Nyberg", "email": "nora.nyberg@edu.stockholm.example", "phone": "",
        "language": "en", "organisation": f"school:{school.id}", "functions_school": ["kurator"], "deputy": "",
    })

    assert response.status_code == 302
    assert "Ändringarna av Nora Nyberg är sparade." in page(admin.get(response.headers["Location"]))
    with demo.app_context():
        stored = db().get(Person, nora.id)
        assert [h.function for h in stored.functions] == [Function.KURATOR]
        assert (stored.deputy_id, stored.phone, stored.language.value) == (None, None, "en")
    history = page(admin.get(url))
    assert "Historik" in history
    assert "Funktioner: kurator, skolsköterska → kurator" in history
    assert "Ersättare: jenny.ahlgren@edu.stockholm.example → –" in history


def test_a_district_admin_adds_edits_and_closes_a_unit(admin, demo):
    response = post_form(admin, f"{BASE}/units/new", {"name": "Skolsociala teamet", "kind": "social_services"})
    assert response.status_code == 302
    unit = lookup(demo, Unit, name="Skolsociala teamet")

    post_form(admin, f"{BASE}/units/{unit.id}", {"name": "Skolsociala teamet Norrviken", "kind": "social_services"})
    closed = admin.post(f"{BASE}/units/{unit.id}/active",
                        data={"csrf_token": csrf_token(text(admin.get(f"{BASE}/units/{unit.id}"))), "active": "0"},
                        follow_redirects=True)

    assert "Skolsociala teamet Norrviken är markerad som nedlagd." in page(closed)
    listed = page(admin.get(f"{BASE}/units"))
    assert "Skolsociala teamet Norrviken (nedlagd) | Individ- och familjeomsorg (IFO)" in table_rows(listed)
    assert "Lokalpolisområde Norrviken | Polisen" in table_rows(listed)  # outside organisations are listed too
    assert lookup(demo, Unit, id=unit.id).is_active is False


# ---------------------------------------------------------------------------------------------
# Deactivating a person


def test_a_deactivated_persons_name_still_shows_where_they_are_a_deputy(admin, demo):
    per = lookup(demo, Person, name="Per Olsson")
    annika = lookup(demo, Person, name="Annika Berg")
    url = f"{BASE}/people/{per.id}/deactivate"

    confirm = page(admin.get(url))
    assert "Per Olsson är ersättare för Annika Berg. Välj en ny ersättare för dem." in confirm
    assert lookup(demo, Person, id=per.id).is_active  # looking changes nothing

    response = post_form(admin, url, {}, follow_redirects=True)

    html = page(response)
    assert "Per Olsson är avslutad." in html and "Per Olsson är ersättare för Annika Berg." in html
    assert "Per Olsson (avslutad)" in html
    rows = table_rows(page(admin.get(f"{BASE}/people")))
    assert next(r for r in rows if r.startswith("Annika Berg |")).endswith("| Per Olsson (avslutad)")
    assert any(r.startswith("Per Olsson (avslutad) | biträdande rektor |") for r in rows)
    annika_page = page(admin.get(f"{BASE}/people/{annika.id}"))
    assert selected(annika_page, "deputy") == str(per.id) and "Per Olsson (avslutad)" in annika_page
    stored = lookup(demo, Person, id=per.id)
    assert stored.is_active is False and stored.deactivated_at is not None
    assert count(demo, Person) == len(demo_data.PEOPLE)


def test_deactivating_the_agreements_contact_warns_first(admin, demo):
    anders = lookup(demo, Person, name="Anders Nyström")

    html = page(admin.get(f"{BASE}/people/{anders.id}/deactivate"))

    assert ("Anders Nyström är kontaktperson i den gällande överenskommelsen \"Lokal samverkansöverenskommelse "
            "skola–socialtjänst, Norrviken\". Ange en ny kontakt i överenskommelsen.") in html
    contact_left = 'Anders Nyström <span class="status">(avslutad)</span>, <a href="mailto:anders.nystrom'
    assert contact_left not in page(admin.get(BASE))

    post_form(admin, f"{BASE}/people/{anders.id}/deactivate", {})

    assert contact_left in page(admin.get(BASE))  # the agreement still names its contact, marked as gone


# ---------------------------------------------------------------------------------------------
# Validation


def _ids(app) -> dict[str, int]:
    with app.app_context():
        session = db()

        def person_id(name: str) -> int:
            return session.scalars(sa.select(Person.id).where(Person.name == name)).one()

        return {
            "ekbacken": session.scalars(sa.select(School.id).where(School.unit_code == "99900102")).one(),
            "soderbyskolan": session.scalars(sa.select(School.id).where(School.unit_code == "99900201")).one(),
            "jenny": person_id("Jenny Ahlgren"), "helena_westin": person_id("Helena Westin"),
            "annika": person_id("Annika Berg"),
        }


PERSON = {"name": "Nora Nyberg", "email": "nora.nyberg@edu.stockholm.example", "phone": "08-555 12",
          "language": "sv", "functions_school": ["kurator"]}
SCHOOL = {"unit_code": "41230001", "name": "Ängsskolan", "organiser_type": "municipal", "school_forms": ["GR"],
          "email": "info@angs.example", "address": "Ängsvägen 1"}

# (page, what is posted, field, its message); {name} is replaced with a record's id from _ids
CASES = [
    ("schools/new", {**SCHOOL, "unit_code": "4123", "name": ""}, "unit_code",
     "Skolenhetskoden är 8 siffror, till exempel 12345678."),
    ("schools/new", {**SCHOOL, "name": ""}, "name", "Ange skolans namn."),
    ("schools/new", {**SCHOOL, "organiser_type": ""}, "organiser_type",
     "Välj om skolan är kommunal eller fristående."),
    ("schools/new", {**SCHOOL, "email": "inte en adress"}, "email", "\"inte en adress\" är ingen giltig e-postadress."),
    ("schools/new", {**SCHOOL, "unit_code": "99900101"}, "unit_code",
     "Skolenhetskoden 99900101 används redan av Norrvikens skola."),
    ("schools/new", {**SCHOOL, "unit_code": "99900201"}, "unit_code",
     "Skolenhetskoden 99900201 används redan av en skola i en annan stadsdel."),
    ("units/new", {"name": "Fritid Norrviken", "kind": "leisure"}, "name",
     "Stadsdelen har redan en enhet som heter Fritid Norrviken."),
    ("units/new", {"name": "Stadshuset", "kind": ""}, "kind", "Välj vad det är för enhet."),
    ("people/new", {**PERSON, "organisation": "school:{ekbacken}", "name": ""}, "name", "Ange personens namn."),
    ("people/new", {**PERSON, "organisation": "school:{ekbacken}", "email": "nora@"}, "email",
     "\"nora@\" är ingen giltig e-postadress."),
    ("people/new", {**PERSON, "organisation": "school:{ekbacken}", "email": "Annika.Berg@EDU.stockholm.example"},
     "email", "E-postadressen annika.berg@edu.stockholm.example används redan av Annika Berg."),
    ("people/new", {**PERSON, "organisation": ""}, "organisation", "Välj den skola eller enhet där personen arbetar."),
    ("people/new", {**PERSON, "organisation": "school:{soderbyskolan}"}, "organisation",
     "Skolan hör inte till stadsdelen Norrviken. Välj en av stadsdelens skolor."),
    ("people/new", {**PERSON, "organisation": "school:{ekbacken}", "deputy": "{helena_westin}"}, "deputy",
     "Ersättaren ska vara en person i stadsdelen Norrviken."),
    ("people/{annika}", {**PERSON, "name": "Annika Berg", "email": "annika.berg@edu.stockholm.example",
                         "organisation": "school:{ekbacken}", "deputy": "{annika}"}, "deputy",
     "En person kan inte vara sin egen ersättare."),
]


@pytest.mark.parametrize(("path", "fields", "field", "message"), CASES,
                         ids=[f"{path.split('/')[0]}-{field}-{i}" for i, (path, _, field, _m) in enumerate(CASES)])
def test_each_validation_error_is_shown_in_swedish_on_its_field_and_keeps_what_was_typed(
        admin, demo, path, fields, field, message):
    ids = _ids(demo)
    fields = {k: [v.format(**ids) for v in value] if isinstance(value, list) else value.format(**ids)
              for k, value in fields.items()}
    url = f"{BASE}/{path.format(**ids)}"
    counts = {model: count(demo, model) for model in (School, Unit, Person, AuditEvent)}

    response = post_form(admin, url, fields)

    assert response.status_code == 200
    html = page(response)
    assert message in error_summary(html)
    assert field_error(html, field) == message
    assert "<title>Fel:" in html
    for name, value in fields.items():  # what was typed is still there, the wrong value too
        if name in ("unit_code", "name", "email", "phone", "address"):
            assert input_value(html, name) == value, name
        elif name in ("functions_school", "school_forms"):
            assert checked(html, name) == value, name
        elif name in ("organiser_type", "kind", "language"):
            assert checked(html, name) == ([value] if value else []), name
        elif name == "organisation" and value.startswith("school:{ekbacken}".format(**ids)):
            assert selected(html, name) == value
    assert {model: count(demo, model) for model in counts} == counts  # nothing saved, no audit event


# ---------------------------------------------------------------------------------------------
# Imports


def upload(client, kind: str, filename: str, content: bytes, **kwargs):
    url = f"{BASE}/import/{kind}"
    return client.post(url, data={"csrf_token": csrf_token(text(client.get(url))),
                                  "file": (io.BytesIO(content), filename)},
                       content_type="multipart/form-data", **kwargs)


def test_the_import_page_offers_both_imports(admin):
    html = page(admin.get(f"{BASE}/import"))

    assert f"{BASE}/import/schools" in html and f"{BASE}/import/people" in html
    assert "Filen får vara högst 20 MB." in html


def test_a_good_people_file_is_imported_and_the_counts_are_shown(admin, demo):
    content = ("namn;e-post;organisation;funktioner;ersättare\n"
               "Nora Nyberg;nora.nyberg@edu.stockholm.example;99900102;kurator;jenny.ahlgren@edu.stockholm.example\n"
               "Olle Ek;olle.ek@stockholm.example;Fritid Norrviken;;\n"
               "Annika Berg;annika.berg@edu.stockholm.example;99900101;rektor;per.olsson@edu.stockholm.example\n"
               ).encode()

    response = upload(admin, "people", "personer.csv", content, follow_redirects=True)

    assert response.status_code == 200
    assert "Personer: 2 nya, 0 uppdaterade, 1 oförändrade." in page(response)
    nora = lookup(demo, Person, email="nora.nyberg@edu.stockholm.example")
    assert nora.district_id == lookup(demo, School, unit_code="99900102").district_id


def test_a_bad_people_file_shows_the_error_table_and_writes_nothing(admin, demo):
    content = ("namn;e-post;organisation;funktioner\n"
               "Nora Nyberg;nora.nyberg@edu.stockholm.example;99900102;kurator\n"
               ";olle.ek@stockholm.example;Fritid Norrviken;\n"
               "Pia Ek;inte-en-adress;99900102;trollkarl\n").encode()
    counts = {model: count(demo, model) for model in (Person, AuditEvent)}

    response = upload(admin, "people", "personer.csv", content)

    assert response.status_code == 200
    html = page(response)
    assert "3 fel i personer.csv. Inget importerades." in html
    rows = table_rows(html)
    assert "3 | namn | Värde saknas." in rows
    assert "4 | e-post | \"inte-en-adress\" är ingen giltig e-postadress." in rows
    assert "4 | funktioner | Okänd funktion \"trollkarl\"." in rows
    assert {model: count(demo, model) for model in counts} == counts


def test_a_school_file_is_imported_into_the_pages_district(admin, demo):
    content = "skolenhetskod,namn,huvudman,skolformer\n41230001,Ängsskolan,kommunal,grundskola\n".encode()

    response = upload(admin, "schools", "skolor.csv", content, follow_redirects=True)

    assert "Skolor: 1 nya, 0 uppdaterade, 0 oförändrade." in page(response)
    assert lookup(demo, School, unit_code="41230001").district_id == lookup(demo, School, unit_code="99900101").district_id


def test_an_oversized_upload_gets_a_clear_413_page(admin, demo):
    demo.config["MAX_CONTENT_LENGTH"] = 4096
    counts = count(demo, Person)

    response = upload(admin, "people", "personer.csv", b"namn;e-post;organisation\n" + b"x" * 8000)

    assert response.status_code == 413
    html = page(response)
    assert "Filen är för stor" in html and "högst 4 kB" in html
    assert f'href="{BASE}/import/people"' in html
    assert count(demo, Person) == counts


def test_an_upload_without_a_file_asks_for_one(admin):
    url = f"{BASE}/import/schools"
    response = admin.post(url, data={"csrf_token": csrf_token(text(admin.get(url)))},
                          content_type="multipart/form-data")

    assert "Välj en fil att importera." in error_summary(page(response))


# ---------------------------------------------------------------------------------------------
# Who may do what


def norrviken_records(app) -> tuple[int, int, int]:
    """The ids of a school, a unit and a person of Norrviken."""
    return (lookup(app, School, unit_code="99900101").id, lookup(app, Unit, name="Fritid Norrviken").id,
            lookup(app, Person, name="Annika Berg").id)


def record_urls(app) -> list[str]:
    school, unit, person = norrviken_records(app)
    return [f"{BASE}/schools", f"{BASE}/schools/{school}", f"{BASE}/units", f"{BASE}/units/{unit}",
            f"{BASE}/people", f"{BASE}/people/{person}"]


def edit_urls(app) -> list[str]:
    _school, _unit, person = norrviken_records(app)
    return [f"{BASE}/schools/new", f"{BASE}/units/new", f"{BASE}/people/new",
            f"{BASE}/people/{person}/deactivate", f"{BASE}/import", f"{BASE}/import/people"]


def posts(app) -> list[tuple[str, dict]]:
    school, unit, person = norrviken_records(app)
    return [(f"{BASE}/schools/{school}", {**SCHOOL, "unit_code": "99900101", "name": "Övertagen"}),
            (f"{BASE}/schools/{school}/active", {"active": "0"}),
            (f"{BASE}/units/{unit}/active", {"active": "0"}),
            (f"{BASE}/units/new", {"name": "Ny", "kind": "leisure"}),
            (f"{BASE}/people/{person}/deactivate", {}),
            (f"{BASE}/people/{person}/reactivate", {})]


def test_another_districts_admin_gets_404_everywhere(demo, client):
    log_in(client, SODERBY_ADMIN, demo_data.PASSWORD)
    token = csrf_token(text(client.get("/districts/SODERBY/schools")))
    audit_before = count(demo, AuditEvent)

    for url in record_urls(demo) + edit_urls(demo):
        assert client.get(url).status_code == 404, url
    for url, fields in posts(demo):
        assert client.post(url, data={"csrf_token": token, **fields}).status_code == 404, url
    assert count(demo, AuditEvent) == audit_before
    assert lookup(demo, School, unit_code="99900101").name == "Norrvikens skola"
    # nor under the address of their own district
    school, unit, person = norrviken_records(demo)
    for url in (f"/districts/SODERBY/schools/{school}", f"/districts/SODERBY/units/{unit}",
                f"/districts/SODERBY/people/{person}", f"/districts/SODERBY/people/{person}/deactivate"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/districts/SODERBY/schools/{school}/active",
                       data={"csrf_token": token, "active": "0"}).status_code == 404


def test_an_auditor_reads_the_registers_and_the_history_but_cannot_edit(demo, client):
    log_in(client, AUDITOR, demo_data.PASSWORD)
    token = csrf_token(text(client.get(f"{BASE}/schools")))

    for url in record_urls(demo):
        html = page(client.get(url))
        assert "Lägg till" not in html and "Spara</button>" not in html and "Avsluta personen" not in html, url
    school_page = page(client.get(record_urls(demo)[1]))
    assert "<fieldset disabled>" in school_page and "Historik" in school_page
    assert "Importera" not in page(client.get(f"{BASE}/people"))
    for url in edit_urls(demo):
        assert client.get(url).status_code == 404, url
    for url, fields in posts(demo):
        assert client.post(url, data={"csrf_token": token, **fields}).status_code == 404, url
    assert lookup(demo, Person, name="Annika Berg").is_active


def test_a_director_edits_their_own_district(demo, client):
    log_in(client, NORRVIKEN_DIRECTOR, demo_data.PASSWORD)
    unit = lookup(demo, Unit, name="Fritid Norrviken")

    response = post_form(client, f"{BASE}/units/{unit.id}", {"name": "Fritid och kultur Norrviken",
                                                              "kind": "leisure"})

    assert response.status_code == 302
    assert lookup(demo, Unit, id=unit.id).name == "Fritid och kultur Norrviken"


def test_participants_and_visitors_see_nothing(demo, client):
    assert client.get(f"{BASE}/people").status_code == 302  # to the login

    log_in(client, PARTICIPANT, demo_data.PASSWORD)

    for url in record_urls(demo) + edit_urls(demo):
        assert client.get(url).status_code == 404, url
