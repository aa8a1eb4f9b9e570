"""The user table: a login with a role and, for district roles, a district."""
from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coordinator.db import Base, enum_column
from coordinator.org.models import District, Language, Person


class Role(enum.Enum):
    CITY_ADMIN = "city_admin"              # stadens administratör: every district
    DISTRICT_DIRECTOR = "district_director"  # stadsdelsdirektör: organises the district's forums
    DISTRICT_ADMIN = "district_admin"      # registrator / nämndsekreterare: keeps the district's data
    PARTICIPANT = "participant"            # rektor and other invitees: their own meetings
    AUDITOR = "auditor"                    # revisor: reads everything, changes nothing
    INTAKE_OFFICER = "intake_officer"      # mottagningsgruppen: a district's reports of concern and consultations

    @property
    def needs_district(self) -> bool:
        return self in (Role.DISTRICT_DIRECTOR, Role.DISTRICT_ADMIN, Role.INTAKE_OFFICER)


class User(Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)  # stored lower-case
    password_hash: Mapped[str | None] = mapped_column(sa.String(200))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    district_id: Mapped[int | None] = mapped_column(sa.ForeignKey("district.id"))
    person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"))
    language: Mapped[Language] = mapped_column(enum_column(Language), default=Language.SV)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    last_login_at: Mapped[datetime | None]
    # when the password was last set or the login closed or reopened: sessions begun before it
    # are refused, and password links issued before it no longer work (auth/tokens.py)
    credentials_changed_at: Mapped[datetime | None]
    # raised by a sign-out, a new password and a closed or reopened login: a session cookie carries the
    # version it began with, and one with an older version is anonymous (every copy of it, on every device)
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")

    district: Mapped[District | None] = relationship()
    person: Mapped[Person | None] = relationship()
