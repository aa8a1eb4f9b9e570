"""Creating users and checking passwords (the services), and `coordinator user create` (the CLI)."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

from coordinator.audit import AuditEvent
from coordinator.auth import services
from coordinator.auth.cli import user as user_cli
from coordinator.auth.models import Role, User
from coordinator.auth.passwords import needs_rehash, verify_password
from coordinator.i18n import DomainError
from coordinator.org.models import District, Language, Municipality, Person

NOW = datetime(2027, 9, 1, 8, 0, tzinfo=timezone.utc)
PASSWORD = "korrekt häst batteri häftklammer"


@pytest.fixture
def stockholm(session):
    city = Municipality(code="0180", name="Stockholms stad")
    session.add_all([
        District(code="norrmalm", name="Norrmalm", municipality=city, is_active=True),
        District(code="sodermalm", name="Södermalm", municipality=city, is_active=True),
    ])
    session.commit()
    return city


def create(session, email="anna@example.se", role="city_admin", district=None, password=PASSWORD, **kw):
    return services.create_user(session, email, role, district, password, NOW, **kw)


# --- create_user ------------------------------------------------------------------------------

def test_a_new_user_has_an_argon2id_hash_and_a_lower_case_email(session, stockholm):
    created = create(session, " Anna.Andersson@Example.SE ", "district_director", "norrmalm")
    session.commit()
    stored = session.scalars(sa.select(User)).one()
    assert stored.id == created.id
    assert stored.email == "anna.andersson@example.se"
    assert stored.password_hash.startswith("$argon2id$")
    assert PASSWORD not in stored.password_hash
    assert verify_password(stored.password_hash, PASSWORD)
    assert (stored.role, stored.district.code, stored.is_active) == (Role.DISTRICT_DIRECTOR, "norrmalm", True)
    assert stored.created_at == NOW
    assert stored.last_login_at is None


def test_creating_a_user_is_audited_without_the_password(session, stockholm):
    create(session, "anna@example.se", "district_admin", "norrmalm", actor="cli:root")
    session.commit()
    event = session.scalars(sa.select(AuditEvent)).one()
    assert (event.actor, event.action, event.entity_type) == ("cli:root", "user.create", "User")
    assert event.after["role"] == "district_admin"
    assert "password" not in str(event.after) and "$argon2" not in str(event.after)


def test_a_user_is_linked_to_the_person_with_the_same_email(session, stockholm):
    person = Person(municipality_id=stockholm.id, name="Rut Rektor", email="rut@example.se", is_active=True)
    session.add(person)
    session.commit()
    created = create(session, "RUT@example.se", "participant")
    assert created.person_id == person.id
    assert services.display_name(created) == "Rut Rektor"


def test_a_name_creates_the_person_shown_in_the_ui(session, stockholm):
    created = create(session, "dir@example.se", "district_director", "sodermalm", name="Dora Direktör",
                     language="en")
    session.commit()
    person = session.scalars(sa.select(Person)).one()
    assert (person.name, person.email, person.language) == ("Dora Direktör", "dir@example.se", Language.EN)
    assert person.district_id == created.district_id
    assert created.language is Language.EN
    assert services.display_name(created) == "Dora Direktör"


def test_without_a_name_or_person_the_email_is_shown(session, stockholm):
    assert services.display_name(create(session, "anna@example.se")) == "anna@example.se"


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"role": "boss"}, "Okänd roll: boss. Giltiga roller: city_admin, district_director, district_admin, "
                       "participant, auditor, intake_officer."),
    ({"role": "district_director"}, "Rollen district_director gäller en stadsdel: ange vilken."),
    ({"role": "district_admin"}, "Rollen district_admin gäller en stadsdel: ange vilken."),
    ({"role": "district_admin", "district": "kungsholmen"},
     "Det finns ingen stadsdel med koden kungsholmen. Giltiga koder: norrmalm, sodermalm."),
    ({"role": "city_admin", "district": "norrmalm"},
     "Rollen city_admin gäller hela staden och har ingen stadsdel."),
    ({"email": "anna.example.se"}, "Ogiltig e-postadress: anna.example.se."),
    ({"email": "anna@example"}, "Ogiltig e-postadress: anna@example."),
    ({"email": "anna andersson@example.se"}, "Ogiltig e-postadress: anna andersson@example.se."),
    ({"password": ""}, "Lösenordet får inte vara tomt."),
    ({"password": "   "}, "Lösenordet får inte vara tomt."),
    ({"language": "de"}, "Okänt språk: de. Välj sv eller en."),
])
def test_a_user_that_breaks_a_rule_is_refused_in_words(session, stockholm, kwargs, message):
    with pytest.raises(DomainError) as refused:
        create(session, **kwargs)
    assert str(refused.value) == message
    session.rollback()
    assert session.scalars(sa.select(User)).all() == []


def test_an_email_is_used_once_whatever_its_case(session, stockholm):
    create(session, "anna@example.se")
    session.commit()
    with pytest.raises(DomainError, match="Det finns redan en användare med e-postadressen anna@example.se."):
        create(session, "Anna@Example.se", "auditor")


def test_a_name_that_contradicts_the_person_is_refused(session, stockholm):
    session.add(Person(municipality_id=stockholm.id, name="Rut Rektor", email="rut@example.se", is_active=True))
    session.commit()
    with pytest.raises(DomainError, match="heter redan Rut Rektor"):
        create(session, "rut@example.se", "participant", name="Ruth Rector")


def test_a_name_needs_a_municipality_to_belong_to(session):
    with pytest.raises(DomainError, match="ingen kommun är inläst ännu"):
        create(session, "anna@example.se", "city_admin", name="Anna Andersson")


# --- authenticate ---------------------------------------------------------------------------

def test_the_right_password_lets_in_and_records_the_time(session, stockholm):
    create(session, "anna@example.se")
    session.commit()
    later = NOW + timedelta(days=3)
    user = services.authenticate(session, " ANNA@example.se", PASSWORD, later)
    session.commit()
    assert user is not None
    session.expire_all()
    assert session.get_one(User, user.id).last_login_at == later


@pytest.mark.parametrize(("email", "password"), [
    ("anna@example.se", "fel lösenord"),
    ("okand@example.se", PASSWORD),
    ("anna@example.se", ""),
])
def test_a_wrong_password_or_unknown_email_lets_nobody_in(session, stockholm, email, password):
    create(session, "anna@example.se")
    session.commit()
    assert services.authenticate(session, email, password, NOW) is None
    assert session.scalars(sa.select(User.last_login_at)).one() is None


def test_an_inactive_user_is_not_let_in(session, stockholm):
    create(session, "anna@example.se").is_active = False
    session.commit()
    assert services.authenticate(session, "anna@example.se", PASSWORD, NOW) is None


def test_a_user_without_a_password_is_not_let_in(session, stockholm):
    create(session, "anna@example.se").password_hash = None  # e.g. a login through the IdP only
    session.commit()
    assert services.authenticate(session, "anna@example.se", "", NOW) is None


def test_an_outdated_hash_is_replaced_at_login(session, stockholm):
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(PASSWORD)
    assert needs_rehash(weak)
    create(session, "anna@example.se").password_hash = weak
    session.commit()
    services.authenticate(session, "anna@example.se", PASSWORD, NOW)
    session.commit()
    stored = session.scalars(sa.select(User.password_hash)).one()
    assert stored != weak
    assert stored.startswith("$argon2id$")
    assert not needs_rehash(stored)
    assert verify_password(stored, PASSWORD)


# --- coordinator user create -----------------------------------------------------------------

def _login_form_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match is not None
    return match.group(1)


def test_user_create_prompts_twice_and_the_user_can_log_in(app, runner, client, session, stockholm):
    result = runner.invoke(user_cli, ["create", "dir@example.se", "--role", "district_director",
                                      "--district", "norrmalm", "--name", "Dora Direktör"],
                           input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "Användaren dir@example.se är skapad (district_director, Norrmalm)." in result.output
    assert PASSWORD not in result.output
    stored = session.scalars(sa.select(User)).one()
    assert stored.password_hash.startswith("$argon2id$")

    page = client.get("/login").get_data(as_text=True)
    response = client.post("/login", data={"csrf_token": _login_form_token(page),
                                           "email": "dir@example.se", "password": PASSWORD})
    assert response.status_code == 302
    assert "Dora Direktör" in client.get("/").get_data(as_text=True)


def test_user_create_asks_again_when_the_passwords_differ(runner, session, stockholm):
    result = runner.invoke(user_cli, ["create", "anna@example.se", "--role", "auditor"],
                           input=f"{PASSWORD}\nnågot annat\n{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert verify_password(session.scalars(sa.select(User.password_hash)).one(), PASSWORD)


def test_user_create_reads_the_password_from_stdin(runner, session, stockholm):
    result = runner.invoke(user_cli, ["create", "anna@example.se", "--role", "city_admin",
                                      "--language", "en", "--password-stdin"], input=f"{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    stored = session.scalars(sa.select(User)).one()
    assert verify_password(stored.password_hash, PASSWORD)
    assert stored.language is Language.EN


def test_user_create_takes_no_password_argument(runner, session, stockholm):
    result = runner.invoke(user_cli, ["create", "anna@example.se", "--role", "city_admin",
                                      "--password", PASSWORD])
    assert result.exit_code == 2
    assert "No such option" in result.output
    assert session.scalars(sa.select(User)).all() == []


@pytest.mark.parametrize(("args", "stdin", "message"), [
    (["--role", "boss"], PASSWORD,
     "Fel: Okänd roll: boss. Giltiga roller: city_admin, district_director, district_admin, participant, "
     "auditor, intake_officer."),
    (["--role", "district_director"], PASSWORD,
     "Fel: Rollen district_director gäller en stadsdel: ange vilken. (--district)"),
    (["--role", "district_admin", "--district", "kungsholmen"], PASSWORD,
     "Fel: Det finns ingen stadsdel med koden kungsholmen. Giltiga koder: norrmalm, sodermalm. (--district)"),
    (["--role", "city_admin"], "", "Fel: Lösenordet får inte vara tomt."),
])
def test_user_create_explains_what_is_wrong(runner, session, stockholm, args, stdin, message):
    result = runner.invoke(user_cli, ["create", "anna@example.se", *args, "--password-stdin"], input=f"{stdin}\n")
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)  # a clean exit, not a crash
    assert session.scalars(sa.select(User)).all() == []


@pytest.mark.parametrize("email", ["anna.example.se", "anna@", "@example.se"])
def test_user_create_refuses_an_invalid_email_before_asking_for_a_password(runner, session, email):
    result = runner.invoke(user_cli, ["create", email, "--role", "city_admin"])  # no input: no prompt needed
    assert result.exit_code == 1
    assert f"Fel: Ogiltig e-postadress: {email}." in result.output
    assert "Lösenord" not in result.output


def test_user_create_refuses_a_duplicate_email(runner, session, stockholm):
    create(session, "anna@example.se")
    session.commit()
    result = runner.invoke(user_cli, ["create", "ANNA@example.se", "--role", "auditor", "--password-stdin"],
                           input=f"{PASSWORD}\n")
    assert result.exit_code == 1
    assert "Fel: Det finns redan en användare med e-postadressen anna@example.se." in result.output
    assert session.scalars(sa.select(sa.func.count(User.id))).one() == 1
