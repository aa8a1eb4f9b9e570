"""Managing logins: invite, change a role, close and reopen; password links for invitations, resets, first logins.

Plain Python over a session, the actor and the time passed in; the caller commits. Who may do
what is `user_rules`; the links are `tokens`; the mails go through the outbox like all mail.
Every change is audited. Broken rules raise DomainError with a Swedish message.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from coordinator import audit
from coordinator.auth import mails, services, tokens, user_rules
from coordinator.auth.models import Role, User
from coordinator.auth.passwords import check_new_password, hash_password
from coordinator.auth.tokens import PasswordToken, Purpose, Refusal, TokenRefused
from coordinator.i18n import N_, DomainError
from coordinator.invitations.messages import MailContext
from coordinator.org.models import District, Person, School, Unit
from coordinator.outbox.queue import enqueue


# -- scope ---------------------------------------------------------------------------------------------

def person_district_id(person: Person | None) -> int | None:
    """The district a person belongs to: their own, their school's or their unit's."""
    if person is None:
        return None
    if person.district_id is not None:
        return person.district_id
    if person.school is not None:
        return person.school.district_id
    return person.unit.district_id if person.unit is not None else None


def scope_of(user: User) -> int | None:
    return user_rules.scope_of(user.role, user.district_id, person_district_id(user.person))


def users_in_scope(session: Session, actor: User) -> list[User]:
    """The logins `actor` sees, by name (or address)."""
    query = (sa.select(User).options(selectinload(User.person).selectinload(Person.school),
                                     selectinload(User.person).selectinload(Person.unit), selectinload(User.district)))
    if actor.role is not Role.CITY_ADMIN:
        person_district = sa.func.coalesce(Person.district_id, School.district_id, Unit.district_id)
        query = (query.outerjoin(Person, User.person_id == Person.id)
                 .outerjoin(School, Person.school_id == School.id).outerjoin(Unit, Person.unit_id == Unit.id)
                 .where(User.role.not_in(user_rules.CITY_ROLES),
                        sa.func.coalesce(User.district_id, person_district) == actor.district_id))
    found = [u for u in session.scalars(query) if user_rules.sees(actor, u.role, scope_of(u))]
    return sorted(found, key=lambda u: (services.display_name(u).casefold(), u.id))


def user_in_scope(session: Session, actor: User, user_id: int) -> User | None:
    """The login if `actor` sees it; None otherwise (the view answers 404)."""
    user = session.get(User, user_id)
    return user if user is not None and user_rules.sees(actor, user.role, scope_of(user)) else None


def may_manage(actor: User, user: User) -> bool:
    return user_rules.may_manage(actor, user.role, scope_of(user))


# -- inviting ------------------------------------------------------------------------------------------

def invite(session: Session, actor: User, email: str, role: Role | str, district_id: int | None, *,
           name: str | None, now: datetime, mail: MailContext) -> User:
    """A new login without a password, and the mail with its link to choose one.

    A district's manager invites into their own district (whatever `district_id` says). A
    participant must already be a person of the organisation (their pages show their own
    meetings), and belongs where the person does.
    """
    role = services.parse_role(role)
    _check_grant(actor, role)
    if role is Role.PARTICIPANT:
        address = services.normalise_email(email)
        if session.scalars(sa.select(Person.id).where(Person.email == address)).first() is None:
            raise DomainError(N_("Det finns ingen person med e-postadressen %(email)s. Lägg till personen under "
                                 "Personer först: en deltagare ser sina egna möten."), email=address, field="email")
    district = _district_for(session, actor, role, district_id)
    user = services.create_user(session, email, role, district.code if district else None, None, now, name=name,
                                language=None, actor=actor.email)
    if not may_manage(actor, user):
        raise DomainError(N_("%(email)s hör inte till din stadsdel."), email=user.email, field="email")
    if user.person is not None and not user.person.is_active:
        raise DomainError(N_("%(name)s är avslutad i organisationen. Aktivera personen först."),
                          name=user.person.name, field="email")
    _queue_invitation(session, actor, user, now, mail)
    return user


def _district_for(session: Session, actor: User, role: Role, district_id: int | None) -> District | None:
    """The district a login with `role` gets from `actor`: theirs for a district's manager, else the one chosen."""
    if role in user_rules.CITY_ROLES:
        return None
    if actor.role is not Role.CITY_ADMIN:
        district_id = actor.district_id if role is not Role.PARTICIPANT else None
    district = session.get(District, district_id) if district_id is not None else None
    if role.needs_district and district is None:
        raise DomainError(N_("Rollen %(role)s gäller en stadsdel: välj vilken."), role=role.value, field="district")
    return district


def send_invitation(session: Session, actor: User, user: User, *, now: datetime, mail: MailContext) -> None:
    """The invitation again, with a new link (the earlier ones keep working until one is used or expires)."""
    _check_manages(actor, user)
    if not user.is_active:
        raise DomainError(N_("Inloggningen är stängd. Öppna den först."))
    if user.password_hash is not None:
        raise DomainError(N_("%(email)s har redan ett lösenord. Glömt lösenord finns på inloggningssidan."),
                          email=user.email)
    _queue_invitation(session, actor, user, now, mail)


def _queue_invitation(session: Session, actor: User, user: User, now: datetime, mail: MailContext) -> None:
    text, token = tokens.issue(mail.secret_key, Purpose.INVITATION, user.id, stamp(user), now)
    enqueue(session, [mails.login_invitation(user, text, token, invited_by=services.display_name(actor),
                                             district_id=scope_of(user), mail=mail, now=now)], now=now)
    audit.record(session, at=now, actor=actor.email, action="user.invited", entity=user,
                 district_id=scope_of(user), after={"email": user.email, "expires_at": token.expires_at.isoformat()})


def _person_scope(session: Session, email: str) -> int | None:
    person = session.scalars(sa.select(Person).where(Person.email == services.normalise_email(email))).one_or_none()
    return person_district_id(person)


# -- roles, closing, reopening -------------------------------------------------------------------------

def change_role(session: Session, actor: User, user: User, role: Role | str, district_id: int | None, *,
                now: datetime) -> None:
    """Give `user` another role within `actor`'s own rights and scope."""
    _check_manages(actor, user)
    role = services.parse_role(role)
    _check_grant(actor, role)
    if user.id == actor.id and role not in user_rules.MANAGERS:
        raise DomainError(N_("Du kan inte ta ifrån dig själv rätten att hantera inloggningar. "
                             "Be en annan administratör."), field="role")
    if role is Role.PARTICIPANT and user.person is None:
        raise DomainError(N_("%(email)s är ingen person i organisationen och kan inte vara deltagare."),
                          email=user.email, field="role")
    _keep_a_city_admin(session, user, role)
    if role is Role.PARTICIPANT and actor.role is not Role.CITY_ADMIN:
        district: District | None = actor.district  # stays in the district that manages it
    else:
        district = _district_for(session, actor, role, district_id)
    before = {"role": user.role.value, "district": user.district.code if user.district else None}
    user.role, user.district = role, district
    session.flush()
    audit.record(session, at=now, actor=actor.email, action="user.role_changed", entity=user,
                 district_id=scope_of(user), before=before,
                 after={"role": role.value, "district": district.code if district else None})


def close_login(session: Session, actor: User, user: User, *, now: datetime) -> None:
    """The login stops working at once: its sessions and password links with it."""
    _check_manages(actor, user)
    if user.id == actor.id:
        raise DomainError(N_("Du kan inte stänga din egen inloggning."))
    if not user.is_active:
        return
    _keep_a_city_admin(session, user, None)
    user.is_active = False
    user.credentials_changed_at = now
    services.end_sessions(user)
    audit.record(session, at=now, actor=actor.email, action="user.closed", entity=user,
                 district_id=scope_of(user), before={"is_active": True}, after={"is_active": False})


def reopen_login(session: Session, actor: User, user: User, *, now: datetime) -> None:
    """A closed login works again; sessions and links from before it was closed do not."""
    _check_manages(actor, user)
    if user.is_active:
        return
    if user.person is not None and not user.person.is_active:
        raise DomainError(N_("%(name)s är avslutad i organisationen. Aktivera personen först."),
                          name=user.person.name)
    user.is_active = True
    user.credentials_changed_at = now
    services.end_sessions(user)
    audit.record(session, at=now, actor=actor.email, action="user.reopened", entity=user,
                 district_id=scope_of(user), before={"is_active": False}, after={"is_active": True})


def _check_manages(actor: User, user: User) -> None:
    if not may_manage(actor, user):
        raise DomainError(N_("Du kan inte ändra %(email)s: inloggningen har mer behörighet än din egen."),
                          email=user.email)


def _check_grant(actor: User, role: Role) -> None:
    if role not in user_rules.grantable_roles(actor):
        raise DomainError(N_("Du kan inte ge rollen %(role)s: den har mer behörighet än din egen."),
                          role=role.value, field="role")


def _keep_a_city_admin(session: Session, user: User, new_role: Role | None) -> None:
    """The last active city administrator keeps the role: without one, nobody manages the city's logins."""
    if user.role is not Role.CITY_ADMIN or new_role is Role.CITY_ADMIN or not user.is_active:
        return
    others = session.scalar(sa.select(sa.func.count(User.id)).where(
        User.role == Role.CITY_ADMIN, User.is_active, User.id != user.id)) or 0
    if not others:
        raise DomainError(N_("%(email)s är stadens enda administratör och måste vara kvar."), email=user.email)


# -- password links ------------------------------------------------------------------------------------

def stamp(user: User) -> str:
    return tokens.credentials_stamp(user.password_hash, user.credentials_changed_at)


@dataclass(frozen=True)
class PasswordLink:
    """An opened password link that may still be used: for a login, or (first login) for a person."""
    token: PasswordToken
    user: User | None
    person: Person | None

    @property
    def email(self) -> str:
        return self.user.email if self.user is not None else self.person.email  # type: ignore[union-attr]


def open_password_link(session: Session, secret_key: str, text: str, now: datetime) -> PasswordLink:
    """The link's login or person, if the link may still set a password; TokenRefused otherwise."""
    token = tokens.read(secret_key, text, now)
    if token.purpose is Purpose.FIRST_LOGIN:
        person = session.get(Person, token.subject_id)
        if person is None:
            raise TokenRefused(Refusal.TAMPERED)
        if not person.is_active:
            raise TokenRefused(Refusal.CLOSED)
        if _login_of(session, person) is not None:  # made with this link, or since by someone else
            raise TokenRefused(Refusal.USED)
        return PasswordLink(token, None, person)
    user = session.get(User, token.subject_id)
    if user is None:
        raise TokenRefused(Refusal.TAMPERED)
    tokens.check_stamp(token, is_active=user.is_active, current_stamp=stamp(user))
    return PasswordLink(token, user, user.person)


def set_password(session: Session, link: PasswordLink, password: str, *, now: datetime) -> User:
    """Set the password the link is for (making the login of a first login); the link is used up."""
    check_new_password(password)
    user = link.user
    if user is None:
        assert link.person is not None
        user = services.create_user(session, link.person.email, Role.PARTICIPANT, None, None, now, language=None,
                                    actor=link.person.email)
    user.password_hash = hash_password(password)
    user.credentials_changed_at = now
    services.end_sessions(user)
    audit.record(session, at=now, actor=user.email, action="user.password_set", entity=user,
                 district_id=scope_of(user), after={"by": link.token.purpose.value})
    return user


def request_password_reset(session: Session, email: str, *, now: datetime, mail: MailContext) -> bool:
    """Queue a reset link if `email` is an active login's; whether one was queued. Say the same either way."""
    user = session.scalars(sa.select(User).where(User.email == services.normalise_email(email))).one_or_none()
    if user is None or not user.is_active:
        return False
    text, token = tokens.issue(mail.secret_key, Purpose.RESET, user.id, stamp(user), now)
    return enqueue(session, [mails.password_reset(user, text, token, district_id=scope_of(user), mail=mail,
                                                  now=now)], now=now) > 0


def first_login_link(mail: MailContext, person: Person, next_path: str, now: datetime) -> tuple[str, datetime]:
    """A link for a person without a login who must act on `next_path`: choose a password, land there."""
    text, token = tokens.issue(mail.secret_key, Purpose.FIRST_LOGIN, person.id, "", now, next_path)
    return mail.links.set_password(text), token.expires_at


def _login_of(session: Session, person: Person) -> User | None:
    return session.scalars(sa.select(User).where(
        sa.or_(User.person_id == person.id, User.email == person.email)).limit(1)).first()


def people_with_logins(session: Session, person_ids: Iterable[int]) -> set[int]:
    """Which of these people have a login (open or closed): the others get first-login links."""
    ids = sorted(set(person_ids))
    return set(session.scalars(sa.select(User.person_id).where(User.person_id.in_(ids)))) if ids else set()
