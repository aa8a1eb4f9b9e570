"""Managing logins on both databases: inviting, roles, closing, password links and resets (accounts.py)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email import message_from_bytes, policy
from functools import cache

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from coordinator.audit import AuditEvent
from coordinator.auth import accounts, services
from coordinator.auth.models import Role, User
from coordinator.auth.passwords import hash_password
from coordinator.auth.tokens import Refusal, TokenRefused
from coordinator.i18n import DomainError
from coordinator.org.models import District, Language, Municipality, OrganiserType, Person, School
from coordinator.outbox.models import MessageKind, OutboxMessage
from tests.reminder_world import MAIL

NOW = datetime(2027, 9, 1, 8, 0, tzinfo=timezone.utc)
PASSWORD = "korrekt häst batteri häftklammer"
NEW_PASSWORD = "ett helt nytt lösenord"


@pytest.fixture
def city(session: Session) -> dict[str, object]:
    """Two districts, a school in Norrmalm with a principal and a kurator, a person in Södermalm, and logins:
    a city administrator, Norrmalm's director and two administrators, Södermalm's administrator."""
    stockholm = Municipality(code="0180", name="Stockholms stad")
    norrmalm = District(code="norrmalm", name="Norrmalm", municipality=stockholm, is_active=True)
    sodermalm = District(code="sodermalm", name="Södermalm", municipality=stockholm, is_active=True)
    school = School(unit_code="99900001", name="Norra skolan", district=norrmalm, organiser_type=OrganiserType.MUNICIPAL)
    session.add_all([stockholm, norrmalm, sodermalm, school])
    session.flush()
    people = {
        "rektor": Person(municipality_id=stockholm.id, school=school, name="Rita Rektor", email="rektor@norr.example",
                         language=Language.EN),
        "kurator": Person(municipality_id=stockholm.id, school=school, name="Kurt Kurator",
                          email="kurator@norr.example"),
        "soder": Person(municipality_id=stockholm.id, district_id=sodermalm.id, name="Sara Söder",
                        email="sara@soder.example"),
    }
    session.add_all(people.values())
    session.flush()
    logins = {
        "city": login(session, "admin@stad.example", "city_admin", None),
        "director": login(session, "direktor@norr.example", "district_director", "norrmalm", name="Dora Direktör"),
        "admin": login(session, "admin@norr.example", "district_admin", "norrmalm", name="Karin Admin"),
        "registrator": login(session, "registrator@norr.example", "district_admin", "norrmalm"),  # nobody: an address
        "soder_admin": login(session, "admin@soder.example", "district_admin", "sodermalm", name="Sune Admin"),
    }
    session.commit()
    return {"norrmalm": norrmalm, "sodermalm": sodermalm, **people, **logins}


@cache
def password_hash() -> str:
    return hash_password(PASSWORD)  # argon2 takes its time by design: once for every login of the tests


def login(session: Session, email: str, role: str, district: str | None, name: str | None = None) -> User:
    user = services.create_user(session, email, role, district, None, NOW, name=name)
    user.password_hash = password_hash()
    return user


def token_of(session: Session, kind: MessageKind, address: str) -> str:
    """The token in the link of the latest mail of `kind` to `address`."""
    row = session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == kind,
                                                         OutboxMessage.recipient.contains(address))
                          .order_by(OutboxMessage.id.desc())).first()
    assert row is not None
    text = message_from_bytes(row.content, policy=policy.default).get_body(("plain",)).get_content()
    link = next(line for line in text.splitlines() if line.startswith(f"{MAIL.base_url}/password/"))
    return link.removeprefix(f"{MAIL.base_url}/password/")


def refused(session: Session, token: str, now: datetime = NOW) -> Refusal:
    with pytest.raises(TokenRefused) as refusal:
        accounts.open_password_link(session, MAIL.secret_key, token, now)
    return refusal.value.reason


def outbox_count(session: Session) -> int:
    return session.scalar(sa.select(sa.func.count(OutboxMessage.id))) or 0


# -- inviting ---------------------------------------------------------------------------------------------

def test_an_invited_login_has_no_password_until_its_link_is_used_once(session, city):
    user = accounts.invite(session, city["director"], "kurator@norr.example", "participant", None, name=None,
                           now=NOW, mail=MAIL)
    session.commit()
    assert (user.password_hash, user.role, user.person_id) == (None, Role.PARTICIPANT, city["kurator"].id)
    assert services.authenticate(session, "kurator@norr.example", "", NOW) is None
    events = session.scalars(sa.select(AuditEvent.action).where(AuditEvent.entity_id == str(user.id))).all()
    assert set(events) == {"user.create", "user.invited"}
    token = token_of(session, MessageKind.LOGIN_INVITATION, "kurator@")
    link = accounts.open_password_link(session, MAIL.secret_key, token, NOW + timedelta(days=13))
    assert link.user is not None and link.user.id == user.id
    accounts.set_password(session, link, NEW_PASSWORD, now=NOW + timedelta(days=1))
    session.commit()
    assert services.authenticate(session, "kurator@norr.example", NEW_PASSWORD, NOW + timedelta(days=1)) is not None
    assert refused(session, token, NOW + timedelta(days=2)) is Refusal.USED


def test_an_invitation_link_expires_after_fourteen_days(session, city):
    accounts.invite(session, city["admin"], "kurator@norr.example", "participant", None, name=None, now=NOW, mail=MAIL)
    session.commit()
    assert refused(session, token_of(session, MessageKind.LOGIN_INVITATION, "kurator@"),
                   NOW + timedelta(days=14)) is Refusal.EXPIRED


def test_the_invitation_mail_speaks_the_persons_language_and_names_the_role(session, city):
    accounts.invite(session, city["director"], "rektor@norr.example", "participant", None, name=None, now=NOW,
                    mail=MAIL)
    session.commit()
    row = session.scalars(sa.select(OutboxMessage)).one()
    message = message_from_bytes(row.content, policy=policy.default)
    assert message["Subject"] == "You are invited to sign in to Samverkan skola–socialtjänst"
    body = message.get_body(("plain",)).get_content()
    assert "Dora Direktör has invited you" in body and "as participant" in body
    assert (row.district_id, row.person_id) == (city["norrmalm"].id, city["rektor"].id)


@pytest.mark.parametrize(("actor", "email", "role", "message"), [
    ("admin", "ny@norr.example", "district_director", "Du kan inte ge rollen %(role)s"),
    ("director", "ny@norr.example", "city_admin", "Du kan inte ge rollen %(role)s"),
    ("director", "ny@norr.example", "auditor", "Du kan inte ge rollen %(role)s"),
    ("director", "sara@soder.example", "participant", "%(email)s hör inte till din stadsdel."),
    ("director", "okand@norr.example", "participant", "Det finns ingen person med e-postadressen"),
    ("director", "admin@norr.example", "district_admin", "Det finns redan en användare"),
])
def test_an_invitation_beyond_ones_rights_or_scope_is_refused_and_nothing_is_written(session, city, actor, email,
                                                                                   role, message):
    users, mails = session.scalar(sa.select(sa.func.count(User.id))), outbox_count(session)
    with pytest.raises(DomainError) as error:
        accounts.invite(session, city[actor], email, role, None, name=None, now=NOW, mail=MAIL)
    session.rollback()
    assert error.value.template.startswith(message)
    assert (session.scalar(sa.select(sa.func.count(User.id))), outbox_count(session)) == (users, mails)


def test_a_person_who_has_left_is_not_invited(session, city):
    city["kurator"].is_active = False
    with pytest.raises(DomainError, match="är avslutad i organisationen"):
        accounts.invite(session, city["director"], "kurator@norr.example", "participant", None, name=None, now=NOW,
                        mail=MAIL)


def test_a_districts_manager_invites_into_their_own_district_whatever_is_asked(session, city):
    user = accounts.invite(session, city["director"], "ny@norr.example", "district_admin", city["sodermalm"].id,
                           name="Nina Ny", now=NOW, mail=MAIL)
    assert user.district_id == city["norrmalm"].id


def test_a_city_administrator_chooses_the_district_of_a_district_role(session, city):
    with pytest.raises(DomainError, match="gäller en stadsdel"):
        accounts.invite(session, city["city"], "ny@soder.example", "district_admin", None, name=None, now=NOW,
                        mail=MAIL)
    session.rollback()
    user = accounts.invite(session, city["city"], "ny@soder.example", "district_admin", city["sodermalm"].id,
                           name=None, now=NOW, mail=MAIL)
    assert user.district_id == city["sodermalm"].id


def test_a_new_invitation_is_only_for_a_login_without_a_password(session, city):
    with pytest.raises(DomainError, match="har redan ett lösenord"):
        accounts.send_invitation(session, city["director"], city["admin"], now=NOW, mail=MAIL)


# -- who sees whom, roles -----------------------------------------------------------------------------------

def test_a_district_manager_sees_the_logins_of_their_district_only(session, city):
    kurator = accounts.invite(session, city["city"], "kurator@norr.example", "participant", None, name=None, now=NOW,
                              mail=MAIL)
    accounts.invite(session, city["city"], "sara@soder.example", "participant", None, name=None, now=NOW, mail=MAIL)
    login(session, "revisor@stad.example", "auditor", None)
    session.commit()
    seen = [u.email for u in accounts.users_in_scope(session, city["admin"])]
    assert seen == ["direktor@norr.example", "admin@norr.example", "kurator@norr.example", "registrator@norr.example"]
    assert accounts.user_in_scope(session, city["admin"], kurator.id) is not None
    assert accounts.user_in_scope(session, city["admin"], city["soder_admin"].id) is None
    assert accounts.user_in_scope(session, city["admin"], city["city"].id) is None
    assert len(accounts.users_in_scope(session, city["city"])) == 8


def test_roles_change_within_the_actors_rights(session, city):
    accounts.change_role(session, city["director"], city["admin"], "district_director", None, now=NOW)
    session.commit()
    assert city["admin"].role is Role.DISTRICT_DIRECTOR
    event = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "user.role_changed")).one()
    assert (event.before, event.after) == ({"role": "district_admin", "district": "norrmalm"},
                                           {"role": "district_director", "district": "norrmalm"})


@pytest.mark.parametrize(("actor", "target", "role", "message"), [
    ("admin", "director", "district_admin", "Du kan inte ändra %(email)s"),   # more rights than the actor's
    ("admin", "admin", "participant", "Du kan inte ta ifrån dig själv"),       # locking oneself out
    ("director", "admin", "city_admin", "Du kan inte ge rollen %(role)s"),      # escalation
    ("city", "city", "district_admin", "%(email)s är stadens enda administratör"),
    ("director", "registrator", "participant", "%(email)s är ingen person"),  # a login without a person
])
def test_role_changes_beyond_ones_rights_are_refused(session, city, actor, target, role, message):
    before = city[target].role
    with pytest.raises(DomainError) as error:
        accounts.change_role(session, city[actor], city[target], role, city["norrmalm"].id, now=NOW)
    session.rollback()
    assert error.value.template.startswith(message)
    assert session.get(User, city[target].id).role is before


# -- closing and reopening ----------------------------------------------------------------------------------

def test_closing_a_login_ends_its_links_and_reopening_does_not_revive_them(session, city):
    user = accounts.invite(session, city["director"], "kurator@norr.example", "participant", None, name=None, now=NOW,
                           mail=MAIL)
    session.commit()
    token = token_of(session, MessageKind.LOGIN_INVITATION, "kurator@")
    accounts.close_login(session, city["admin"], user, now=NOW + timedelta(hours=1))
    session.commit()
    assert not user.is_active and user.credentials_changed_at == NOW + timedelta(hours=1)
    assert refused(session, token, NOW + timedelta(hours=2)) is Refusal.CLOSED
    accounts.reopen_login(session, city["admin"], user, now=NOW + timedelta(hours=3))
    session.commit()
    assert user.is_active
    assert refused(session, token, NOW + timedelta(hours=4)) is Refusal.USED


def test_nobody_closes_their_own_login_or_the_last_city_administrator(session, city):
    with pytest.raises(DomainError, match="din egen inloggning"):
        accounts.close_login(session, city["director"], city["director"], now=NOW)
    other = login(session, "admin2@stad.example", "city_admin", None)
    accounts.close_login(session, city["city"], other, now=NOW)  # another city administrator remains
    assert not other.is_active


def test_a_login_of_a_person_who_left_is_not_reopened(session, city):
    user = accounts.invite(session, city["director"], "kurator@norr.example", "participant", None, name=None, now=NOW,
                           mail=MAIL)
    accounts.close_login(session, city["director"], user, now=NOW)
    city["kurator"].is_active = False
    with pytest.raises(DomainError, match="är avslutad"):
        accounts.reopen_login(session, city["director"], user, now=NOW)


# -- forgotten passwords ------------------------------------------------------------------------------------

def test_a_reset_is_queued_only_for_an_active_login_and_at_most_once_in_five_minutes(session, city):
    assert not accounts.request_password_reset(session, "okand@norr.example", now=NOW, mail=MAIL)
    city["soder_admin"].is_active = False
    assert not accounts.request_password_reset(session, "admin@soder.example", now=NOW, mail=MAIL)
    assert accounts.request_password_reset(session, " Admin@Norr.example ", now=NOW, mail=MAIL)
    assert not accounts.request_password_reset(session, "admin@norr.example", now=NOW + timedelta(minutes=1),
                                               mail=MAIL)
    assert accounts.request_password_reset(session, "admin@norr.example", now=NOW + timedelta(minutes=6), mail=MAIL)
    session.commit()
    recipients = session.scalars(sa.select(OutboxMessage.recipient)).all()
    assert recipients == ["Karin Admin <admin@norr.example>"] * 2


def test_a_reset_link_sets_a_new_password_once_and_ends_other_links(session, city):
    accounts.request_password_reset(session, "admin@norr.example", now=NOW, mail=MAIL)
    accounts.request_password_reset(session, "admin@norr.example", now=NOW + timedelta(minutes=10), mail=MAIL)
    session.commit()
    first, second = [token_of_row(row) for row in session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id))]
    link = accounts.open_password_link(session, MAIL.secret_key, second, NOW + timedelta(minutes=11))
    accounts.set_password(session, link, NEW_PASSWORD, now=NOW + timedelta(minutes=11))
    session.commit()
    assert services.authenticate(session, "admin@norr.example", PASSWORD, NOW) is None
    assert services.authenticate(session, "admin@norr.example", NEW_PASSWORD, NOW) is not None
    assert refused(session, second, NOW + timedelta(minutes=12)) is Refusal.USED
    assert refused(session, first, NOW + timedelta(minutes=12)) is Refusal.USED  # the older one died with it
    assert refused(session, first, NOW + timedelta(hours=3)) is Refusal.EXPIRED


def token_of_row(row: OutboxMessage) -> str:
    text = message_from_bytes(row.content, policy=policy.default).get_body(("plain",)).get_content()
    link = next(line for line in text.splitlines() if line.startswith(f"{MAIL.base_url}/password/"))
    return link.removeprefix(f"{MAIL.base_url}/password/")


def test_a_too_short_password_is_refused_and_the_link_still_works(session, city):
    accounts.request_password_reset(session, "admin@norr.example", now=NOW, mail=MAIL)
    session.commit()
    token = token_of(session, MessageKind.PASSWORD_RESET, "admin@norr")
    link = accounts.open_password_link(session, MAIL.secret_key, token, NOW)
    with pytest.raises(DomainError, match="minst 12 tecken"):
        accounts.set_password(session, link, "kort", now=NOW)
    session.rollback()
    assert accounts.open_password_link(session, MAIL.secret_key, token, NOW).user is not None


# -- first logins for those who must act -----------------------------------------------------------------------

def test_a_first_login_link_makes_a_participant_login_for_its_person_once(session, city):
    url, expires_at = accounts.first_login_link(MAIL, city["kurator"], "/meetings/7/minutes", NOW)
    assert expires_at == NOW + timedelta(days=14)
    token = url.removeprefix(f"{MAIL.base_url}/password/")
    link = accounts.open_password_link(session, MAIL.secret_key, token, NOW + timedelta(days=1))
    assert (link.user, link.person.id, link.token.next_path) == (None, city["kurator"].id, "/meetings/7/minutes")
    user = accounts.set_password(session, link, NEW_PASSWORD, now=NOW + timedelta(days=1))
    session.commit()
    assert (user.email, user.role, user.person_id, user.district_id) == (
        "kurator@norr.example", Role.PARTICIPANT, city["kurator"].id, None)
    assert accounts.scope_of(user) == city["norrmalm"].id  # the kurator's school's district
    assert refused(session, token, NOW + timedelta(days=2)) is Refusal.USED
    assert accounts.people_with_logins(session, [city["kurator"].id, city["rektor"].id]) == {city["kurator"].id}


def test_a_first_login_link_of_someone_who_got_a_login_meanwhile_or_left_is_refused(session, city):
    token = accounts.first_login_link(MAIL, city["rektor"], "/", NOW)[0].removeprefix(f"{MAIL.base_url}/password/")
    city["rektor"].is_active = False
    session.commit()
    assert refused(session, token) is Refusal.CLOSED
    city["rektor"].is_active = True
    accounts.invite(session, city["director"], "rektor@norr.example", "participant", None, name=None, now=NOW,
                    mail=MAIL)
    session.commit()
    assert refused(session, token) is Refusal.USED
