"""Use cases of users: creating a login, checking a password, changing the language. No Flask."""
from __future__ import annotations

import re
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from coordinator import audit
from coordinator.auth.models import Role, User
from coordinator.auth.passwords import check_new_password, hash_password, needs_rehash, verify_password
from coordinator.i18n import N_, DomainError
from coordinator.org.models import District, Language, Municipality, Person

# deliberately loose: one @, something on each side, a dot in the domain, no spaces.
# Whether the address works is proven by mail reaching it, not by a pattern.
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
MAX_EMAIL_LENGTH = 254


def normalise_email(email: str) -> str:
    return email.strip().lower()


def is_valid_email(email: str) -> bool:
    return len(email) <= MAX_EMAIL_LENGTH and _EMAIL.fullmatch(email) is not None


def display_name(user: User) -> str:
    """The name the UI shows for a user: their person's name, else their email."""
    return user.person.name if user.person is not None else user.email


def parse_role(value: Role | str) -> Role:
    if isinstance(value, Role):
        return value
    try:
        return Role(value.strip().lower())
    except ValueError:
        raise DomainError(N_("Okänd roll: %(role)s. Giltiga roller: %(roles)s."),
                          role=value, roles=", ".join(r.value for r in Role), field="role") from None


def parse_language(value: Language | str) -> Language:
    if isinstance(value, Language):
        return value
    try:
        return Language(value.strip().lower())
    except ValueError:
        raise DomainError(N_("Okänt språk: %(language)s. Välj sv eller en."),
                          language=value, field="language") from None


def check_new_user(
    session: Session, email: str, role: Role | str, district_code: str | None,
) -> tuple[str, Role, District | None]:
    """Everything about a new user except the password, checked before anyone types one."""
    email = normalise_email(email)
    if not is_valid_email(email):
        raise DomainError(N_("Ogiltig e-postadress: %(email)s."), email=email, field="email")
    role = parse_role(role)
    district = None
    if district_code:
        district = session.scalars(sa.select(District).where(District.code == district_code.strip())).one_or_none()
        if district is None:
            codes = session.scalars(sa.select(District.code).order_by(District.code)).all()
            if not codes:
                raise DomainError(N_("Det finns ingen stadsdel med koden %(code)s: inga stadsdelar är inlästa ännu."),
                                  code=district_code, field="district")
            raise DomainError(N_("Det finns ingen stadsdel med koden %(code)s. Giltiga koder: %(codes)s."),
                              code=district_code, codes=", ".join(codes), field="district")
        if role in (Role.CITY_ADMIN, Role.AUDITOR):
            raise DomainError(N_("Rollen %(role)s gäller hela staden och har ingen stadsdel."),
                              role=role.value, field="district")
    elif role.needs_district:
        raise DomainError(N_("Rollen %(role)s gäller en stadsdel: ange vilken."), role=role.value, field="district")
    if session.scalars(sa.select(User.id).where(User.email == email)).first() is not None:
        raise DomainError(N_("Det finns redan en användare med e-postadressen %(email)s."),
                          email=email, field="email")
    return email, role, district


def create_user(
    session: Session, email: str, role: Role | str, district_code: str | None, password: str | None,
    now: datetime, *, name: str | None = None, language: Language | str | None = Language.SV,
    actor: str = "system",
) -> User:
    """A new active user with an argon2id hash, linked to the person with the same email.

    With `name` and no such person, the person is created (in the district's municipality,
    or the only one there is), so the UI has a name to show. Without a password (None) the
    login is invited: it gets one through a password link (auth/accounts.py). Without a
    language (None) it speaks its person's. Flushed, not committed.
    """
    email, role, district = check_new_user(session, email, role, district_code)
    chosen = parse_language(language) if language is not None else None
    if password is not None:
        check_new_password(password)
    person = _person_for(session, email, name, role, district, chosen or Language.SV)
    language = chosen or (person.language if person is not None else Language.SV)
    user = User(email=email, password_hash=hash_password(password) if password is not None else None,
                role=role, district=district, person=person, language=language, is_active=True, created_at=now)
    session.add(user)
    session.flush()
    audit.record(session, at=now, actor=actor, action="user.create", entity=user,
                 district_id=district.id if district else None,
                 after={"email": email, "role": role.value, "district": district.code if district else None,
                        "language": language.value, "person_id": person.id if person else None,
                        "invited": password is None})
    return user


def _person_for(
    session: Session, email: str, name: str | None, role: Role, district: District | None,
    language: Language,
) -> Person | None:
    person = session.scalars(sa.select(Person).where(Person.email == email)).one_or_none()
    name = (name or "").strip() or None
    if person is not None:
        if name is not None and name != person.name:
            raise DomainError(N_("Personen med e-postadressen %(email)s heter redan %(name)s."),
                              email=email, name=person.name, field="name")
        return person
    if name is None:
        return None
    if district is not None:
        municipality_id = district.municipality_id
    else:
        ids = session.scalars(sa.select(Municipality.id).limit(2)).all()
        if not ids:
            raise DomainError(N_("Namnet kan inte sparas: ingen kommun är inläst ännu. "
                                 "Läs in kommunen först eller utelämna namnet."), field="name")
        if len(ids) > 1:
            raise DomainError(N_("Namnet kan inte sparas: det finns flera kommuner och rollen %(role)s "
                                 "säger inte vilken personen hör till. Utelämna namnet."),
                              role=role.value, field="name")
        municipality_id = ids[0]
    person = Person(municipality_id=municipality_id, district_id=district.id if district else None,
                    name=name, email=email, language=language, is_active=True)
    session.add(person)
    return person


def authenticate(session: Session, email: str, password: str, now: datetime) -> User | None:
    """The active user with this email and password, or None; records the login time.

    The password is checked even for unknown or inactive users (against a dummy hash), so
    the answer takes as long either way. A hash with outdated parameters is replaced.
    """
    user = session.scalars(sa.select(User).where(User.email == normalise_email(email))).one_or_none()
    password_ok = verify_password(user.password_hash if user is not None else None, password)
    if user is None or not password_ok or not user.is_active:
        return None
    assert user.password_hash is not None  # verify_password is False without a hash
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = now
    return user


def end_sessions(user: User) -> None:
    """Every session of `user` ends, on every device and in every copied cookie (auth/views.py load_user)."""
    user.session_version = (user.session_version or 0) + 1


def set_language(user: User, language: Language | str) -> None:
    user.language = parse_language(language)
