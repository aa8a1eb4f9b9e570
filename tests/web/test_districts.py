"""The home page and a district's page, on the demo, with the permission check."""
from __future__ import annotations

import re
from datetime import date

import sqlalchemy as sa

from coordinator.agreements.models import Agreement, AgreementVersion, VersionStatus
from coordinator.auth.models import Role, User
from coordinator.org.functions import Function
from coordinator.org.models import Language, Person
from coordinator.web import db
from tests.web.helpers import get_counting_statements, log_in_as, page





def test_the_home_page_lists_the_demo_districts_with_their_schools(client, demo):
    response = client.get("/")

    assert response.status_code == 200
    html = page(response)
    assert "Norrviken" in html and "Söderby" in html and "Stockholms stad" in html
    assert "Kommunala skolor" in html and "Fristående skolor" in html
    assert "/districts/NORRVIKEN" not in html  # anonymous visitors get no links


def test_a_director_sees_a_link_to_their_own_district_only(client, demo):
    log_in_as(client, demo, Role.DISTRICT_DIRECTOR, "NORRVIKEN")

    html = page(client.get("/"))

    assert "/districts/NORRVIKEN" in html and "/districts/SODERBY" not in html


def test_the_city_admin_sees_links_to_every_district_and_the_city_agreement(client, demo):
    log_in_as(client, demo, Role.CITY_ADMIN)

    html = page(client.get("/"))

    assert "/districts/NORRVIKEN" in html and "/districts/SODERBY" in html
    assert "Styrande samverkansgrupp för skolsociala team" in html
    assert "Revisionen är försenad" in html  # the demo's city agreement is overdue on purpose


def test_a_director_sees_their_district_with_schools_people_and_the_agreement(client, demo):
    log_in_as(client, demo, Role.DISTRICT_DIRECTOR, "NORRVIKEN")

    response = client.get("/districts/NORRVIKEN")

    assert response.status_code == 200
    html = page(response)
    for text in ["Norrviken International School", "Fristående", "gymnasieskola", "anpassad grundskola",
                 "Individ- och familjeomsorgen Norrviken", "Lokalpolisområde Norrviken",
                 "Lokal samverkansöverenskommelse skola–socialtjänst, Norrviken", "2027-06-15",
                 "Anders Nyström", "Övergripande samverkansforum", "1 gång per termin", "Varje månad",
                 "3 gånger per termin", "Inga enskilda ärenden", "Endast avidentifierade elever",
                 "rapporteras till stadsdelsnämnden", "Alla funktioner som krävs i mötesformerna är bemannade."]:
        assert text in html, text
    assert "Revisionen är försenad" not in html
    assert "Söderbyskolan" not in html
    # the people on a page of their own (a city district has 350), how many of them and the link here
    assert re.search(r"\d+ aktiva personer arbetar i stadsdelen\.", html)
    assert 'href="/districts/NORRVIKEN/people"' in html and "Mottagningsgruppen Norrviken" not in html
    people = page(client.get("/districts/NORRVIKEN/people?q=Lindqvist"))
    assert "Eva Lindqvist" in people and "stadsdelsdirektör" in people
    assert "Mottagningsgruppen Norrviken" in page(client.get("/districts/NORRVIKEN/people"))


def test_a_director_sees_the_staffing_warnings_of_their_agreement(client, demo):
    with demo.app_context():
        session = db()
        # the field worker of Norrviken leaves; the operative forum requires one
        person = session.scalars(sa.select(Person).where(Person.email == "omar.haddad@stockholm.example")).one()
        assert [f.function for f in person.functions] == [Function.FIELD_WORKER]
        person.is_active = False
        session.commit()
    log_in_as(client, demo, Role.DISTRICT_DIRECTOR, "NORRVIKEN")

    html = page(client.get("/districts/NORRVIKEN"))

    assert "Funktioner som ingen har" in html
    assert "Ingen aktiv person har funktionen fältassistent för Lokalt operativt samverkansforum." in html


def test_an_overdue_revision_is_flagged_on_the_district_page(client, demo):
    with demo.app_context():
        session = db()
        version = session.scalars(sa.select(AgreementVersion).join(Agreement).where(
            Agreement.title.like("%Norrviken"), AgreementVersion.status == VersionStatus.ACTIVE)).one()
        version.revision_due_on = date(2020, 1, 31)
        session.commit()
    log_in_as(client, demo, Role.DISTRICT_DIRECTOR, "NORRVIKEN")

    html = page(client.get("/districts/NORRVIKEN"))

    assert "Revisionen är försenad" in html and "2020-01-31" in html


def test_a_director_gets_404_for_another_district_and_for_an_unknown_one(client, demo):
    log_in_as(client, demo, Role.DISTRICT_DIRECTOR, "NORRVIKEN")

    assert client.get("/districts/SODERBY").status_code == 404
    assert client.get("/districts/NOWHERE").status_code == 404


def test_a_participant_may_not_see_district_pages(client, demo):
    log_in_as(client, demo, Role.PARTICIPANT)

    assert client.get("/districts/NORRVIKEN").status_code == 404


def test_anonymous_visitors_are_sent_to_the_login_for_district_pages(client, demo):
    response = client.get("/districts/NORRVIKEN")

    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    assert "districts" in response.headers["Location"]  # and come back afterwards


def test_the_district_page_speaks_english_to_english_users(client, demo):
    user = log_in_as(client, demo, Role.DISTRICT_DIRECTOR, "SODERBY")
    with demo.app_context():
        session = db()
        session.get_one(User, user.id).language = Language.EN
        session.commit()

    html = page(client.get("/districts/SODERBY"))

    assert "district director" in html  # function names come from the catalogue in the user's language


def test_the_district_page_takes_a_fixed_handful_of_statements(client, demo):
    """The district, its schools and units, how many people (not each with their functions: a city district has
    350), the agreement with its forms and parties, and what the staffing warnings read: however many people the
    district has (docs/PERFORMANCE.md, issue 16)."""
    log_in_as(client, demo, Role.DISTRICT_DIRECTOR, "NORRVIKEN")
    client.get("/districts/NORRVIKEN")
    response, statements = get_counting_statements(demo, client, "/districts/NORRVIKEN")

    assert response.status_code == 200 and "Alla funktioner som krävs" in page(response)
    assert len(statements) <= 13, "\n".join(statements)
    # nobody's functions listed (the signed-in user's own come with the user, for the menu: decision 79)
    listed = [s for s in statements[1:] if "person_function" in s and "DISTINCT" not in s]
    assert "person_function" in statements[0] and listed == [], "\n".join(listed)
