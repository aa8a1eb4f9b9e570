"""Tables of the organisation: who and what takes part in the collaboration."""
from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coordinator.db import Base, enum_column
from coordinator.org.functions import Function


class OrganiserType(enum.Enum):
    MUNICIPAL = "municipal"      # kommunal huvudman
    INDEPENDENT = "independent"  # enskild huvudman (fristående skola)


class SchoolForm(enum.Enum):
    """School forms with Skolverket's codes."""
    FKLASS = "FKLASS"  # förskoleklass
    GR = "GR"          # grundskola
    GRAN = "GRAN"      # anpassad grundskola (grundsärskola)
    GY = "GY"          # gymnasieskola
    GYAN = "GYAN"      # anpassad gymnasieskola (gymnasiesärskola)


class UnitKind(enum.Enum):
    SOCIAL_SERVICES = "social_services"  # individ- och familjeomsorg (IFO)
    LEISURE = "leisure"                  # fritid
    PRESCHOOL = "preschool"              # förskola
    FIELD_WORKERS = "field_workers"      # fältassistenter
    ADMINISTRATION = "administration"    # stadsdelsförvaltningens ledning och kansli
    CITY_ADMINISTRATION = "city_administration"
    POLICE = "police"
    ASSOCIATION = "association"          # lokala föreningar

    @property
    def is_external(self) -> bool:
        return self in (UnitKind.POLICE, UnitKind.ASSOCIATION)


class Language(enum.Enum):
    SV = "sv"
    EN = "en"


class Municipality(Base):
    __tablename__ = "municipality"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(4), unique=True)  # kommunkod, e.g. 0180
    name: Mapped[str] = mapped_column(sa.String(120))

    districts: Mapped[list[District]] = relationship(back_populates="municipality", order_by="District.name")


class District(Base):
    """A city district administration (stadsdelsförvaltning)."""
    __tablename__ = "district"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipality.id"))
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    is_active: Mapped[bool] = mapped_column(default=True)

    municipality: Mapped[Municipality] = relationship(back_populates="districts")
    schools: Mapped[list[School]] = relationship(back_populates="district", order_by="School.name")


class School(Base):
    """A school unit (skolenhet) in a district, municipal or independent."""
    __tablename__ = "school"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_code: Mapped[str] = mapped_column(sa.String(8), unique=True)  # skolenhetskod
    name: Mapped[str] = mapped_column(sa.String(200))
    district_id: Mapped[int] = mapped_column(sa.ForeignKey("district.id"), index=True)
    organiser_type: Mapped[OrganiserType] = mapped_column(enum_column(OrganiserType))
    organiser_name: Mapped[str | None] = mapped_column(sa.String(200))
    school_forms: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    email: Mapped[str | None] = mapped_column(sa.String(254))
    phone: Mapped[str | None] = mapped_column(sa.String(40))
    address: Mapped[str | None] = mapped_column(sa.String(300))
    is_active: Mapped[bool] = mapped_column(default=True)

    district: Mapped[District] = relationship(back_populates="schools")

    @property
    def is_independent(self) -> bool:
        return self.organiser_type is OrganiserType.INDEPENDENT


class Unit(Base):
    """A unit of the district (IFO, fritid, ...) or an outside organisation (the police)."""
    __tablename__ = "unit"
    __table_args__ = (sa.UniqueConstraint("municipality_id", "district_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipality.id"))
    district_id: Mapped[int | None] = mapped_column(sa.ForeignKey("district.id"), index=True)
    kind: Mapped[UnitKind] = mapped_column(enum_column(UnitKind))
    name: Mapped[str] = mapped_column(sa.String(200))
    is_active: Mapped[bool] = mapped_column(default=True)

    district: Mapped[District | None] = relationship()

    @property
    def is_external(self) -> bool:
        return self.kind.is_external


class GroupKind(enum.Enum):
    GENERAL = "general"  # any named group of schools
    BUS = "bus"          # a BUS group (barn och unga i samverkan): individual cases only with consent


class SchoolGroup(Base):
    """A named group of a district's schools, for meeting forms scoped to a group."""
    __tablename__ = "school_group"
    __table_args__ = (sa.UniqueConstraint("district_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(sa.ForeignKey("district.id"))
    name: Mapped[str] = mapped_column(sa.String(120))
    kind: Mapped[GroupKind] = mapped_column(enum_column(GroupKind), default=GroupKind.GENERAL,
                                            server_default=GroupKind.GENERAL.value)

    @property
    def is_bus(self) -> bool:
        return self.kind is GroupKind.BUS

    schools: Mapped[list[School]] = relationship(secondary="school_group_member", order_by="School.name")


school_group_member = sa.Table(
    "school_group_member",
    Base.metadata,
    sa.Column("group_id", sa.ForeignKey("school_group.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("school_id", sa.ForeignKey("school.id"), primary_key=True),
)


class Person(Base):
    """Someone who takes part: belongs to a school or a unit, holds functions, may name a deputy."""
    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipality.id"))
    district_id: Mapped[int | None] = mapped_column(sa.ForeignKey("district.id"), index=True)
    school_id: Mapped[int | None] = mapped_column(sa.ForeignKey("school.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)  # stored lower-case
    phone: Mapped[str | None] = mapped_column(sa.String(40))
    language: Mapped[Language] = mapped_column(enum_column(Language), default=Language.SV)
    deputy_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"))
    is_active: Mapped[bool] = mapped_column(default=True)
    deactivated_at: Mapped[datetime | None]
    # a reporter outside the register, entered for one report meeting and erased after it (cases/erasure.py)
    is_external: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    erased_at: Mapped[datetime | None]

    school: Mapped[School | None] = relationship()
    unit: Mapped[Unit | None] = relationship()
    deputy: Mapped[Person | None] = relationship(remote_side=[id])
    functions: Mapped[list[PersonFunction]] = relationship(
        back_populates="person", cascade="all, delete-orphan", order_by="PersonFunction.function"
    )

    @property
    def organisation_name(self) -> str:
        if self.school is not None:
            return self.school.name
        return self.unit.name if self.unit is not None else ""


class PersonFunction(Base):
    """A function a person holds (at their school or unit)."""
    __tablename__ = "person_function"

    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id", ondelete="CASCADE"), primary_key=True)
    function: Mapped[Function] = mapped_column(enum_column(Function), primary_key=True)

    person: Mapped[Person] = relationship(back_populates="functions")
