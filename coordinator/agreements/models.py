"""Tables of agreements: an agreement per owner, its versions, parties and meeting forms."""
from __future__ import annotations

import enum
from datetime import date, datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coordinator.db import Base, enum_column
from coordinator.org.functions import Function
from coordinator.org.models import District, Municipality, Person, School, SchoolGroup


class VersionStatus(enum.Enum):
    DRAFT = "draft"
    ACTIVE = "active"
    SUPERSEDED = "superseded"


class FormKind(enum.Enum):
    OVERARCHING_FORUM = "overarching_forum"        # övergripande samverkansforum
    OPERATIVE_FORUM = "operative_forum"            # lokalt operativt samverkansforum
    STUDENT_HEALTH_CONFERENCE = "student_health_conference"  # elevhälsokonferens
    REPORT_MEETING = "report_meeting"              # anmälningsmöte
    CONSULTATION = "consultation"                  # konsultation
    BUS_GROUP = "bus_group"                        # BUS styrgrupp / arbetsgrupp / individforum
    STEERING_GROUP = "steering_group"              # styrande samverkansgrupp (city level)
    STAFF_MEETING_VISIT = "staff_meeting_visit"    # socialtjänsten besöker skolans APT
    OTHER = "other"


class Scope(enum.Enum):
    DISTRICT = "district"      # one series for the whole district
    PER_SCHOOL = "per_school"  # a series for each party school
    GROUP = "group"            # a series for a named group of schools
    CITY = "city"              # one series for the city


class Cadence(enum.Enum):
    PER_TERM = "per_term"      # N per term
    PER_YEAR = "per_year"      # N per school year
    MONTHLY = "monthly"        # every month of the term
    ON_DEMAND = "on_demand"    # not planned, held when asked for


class IndividualCases(enum.Enum):
    NONE = "none"                  # individual cases are never discussed
    UNIDENTIFIED = "unidentified"  # only pupils who are not identified
    WITH_CONSENT = "with_consent"  # identified cases with the guardians' consent


class Agreement(Base):
    """The agreement of one owner: a district, or the city itself when `district_id` is empty."""
    __tablename__ = "agreement"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipality.id"))
    district_id: Mapped[int | None] = mapped_column(sa.ForeignKey("district.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime]

    municipality: Mapped[Municipality] = relationship()
    district: Mapped[District | None] = relationship()
    versions: Mapped[list[AgreementVersion]] = relationship(
        back_populates="agreement", order_by="AgreementVersion.number", cascade="all, delete-orphan"
    )

    @property
    def is_city_level(self) -> bool:
        return self.district_id is None

    @property
    def active_version(self) -> AgreementVersion | None:
        return next((v for v in self.versions if v.status is VersionStatus.ACTIVE), None)


class AgreementVersion(Base):
    """One version of an agreement: draft, then active, then superseded by the next."""
    __tablename__ = "agreement_version"
    __table_args__ = (
        sa.UniqueConstraint("agreement_id", "number"),
        # at most one active version per agreement, enforced by the database as well
        sa.Index(
            "uq_agreement_version_one_active", "agreement_id", unique=True,
            sqlite_where=sa.text("status = 'active'"), postgresql_where=sa.text("status = 'active'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(sa.ForeignKey("agreement.id"))
    number: Mapped[int]
    status: Mapped[VersionStatus] = mapped_column(enum_column(VersionStatus), default=VersionStatus.DRAFT)
    valid_from_on: Mapped[date | None]
    valid_to_on: Mapped[date | None]
    revision_due_on: Mapped[date | None]
    contact_person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"))
    created_at: Mapped[datetime]
    activated_at: Mapped[datetime | None]
    superseded_at: Mapped[datetime | None]

    agreement: Mapped[Agreement] = relationship(back_populates="versions")
    contact_person: Mapped[Person | None] = relationship()
    parties: Mapped[list[Party]] = relationship(
        back_populates="version", cascade="all, delete-orphan", order_by="Party.id"
    )
    meeting_forms: Mapped[list[MeetingForm]] = relationship(
        back_populates="version", cascade="all, delete-orphan", order_by="MeetingForm.position"
    )

    def is_revision_overdue(self, today: date) -> bool:
        return self.revision_due_on is not None and self.revision_due_on < today


class Party(Base):
    """A school that has signed on to an agreement version."""
    __tablename__ = "party"
    __table_args__ = (sa.UniqueConstraint("version_id", "school_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("agreement_version.id", ondelete="CASCADE"))
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"), index=True)
    signed_on: Mapped[date | None]
    signed_by: Mapped[str | None] = mapped_column(sa.String(200))

    version: Mapped[AgreementVersion] = relationship(back_populates="parties")
    school: Mapped[School] = relationship()


class MeetingForm(Base):
    """A meeting form of the agreement: what it handles, how often it meets, who comes, what follows."""
    __tablename__ = "meeting_form"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("agreement_version.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[FormKind] = mapped_column(enum_column(FormKind))
    name: Mapped[str] = mapped_column(sa.String(200))
    purpose: Mapped[str] = mapped_column(sa.Text, default="")
    scope: Mapped[Scope] = mapped_column(enum_column(Scope))
    group_id: Mapped[int | None] = mapped_column(sa.ForeignKey("school_group.id"))
    cadence: Mapped[Cadence] = mapped_column(enum_column(Cadence))
    cadence_count: Mapped[int] = mapped_column(default=1)
    duration_minutes: Mapped[int] = mapped_column(default=90)
    preferred_weekday: Mapped[int | None]  # 0 = Monday
    window_start: Mapped[time | None]
    window_end: Mapped[time | None]
    place: Mapped[str | None] = mapped_column(sa.String(300))
    video_url: Mapped[str | None] = mapped_column(sa.String(500))
    convener_function: Mapped[Function] = mapped_column(enum_column(Function))
    minutes_keeper_function: Mapped[Function | None] = mapped_column(enum_column(Function))
    individual_cases: Mapped[IndividualCases] = mapped_column(enum_column(IndividualCases))
    # minutes policy
    requires_minutes: Mapped[bool] = mapped_column(default=True)
    minutes_due_days: Mapped[int] = mapped_column(default=14)
    requires_approval: Mapped[bool] = mapped_column(default=True)
    reports_to_committee: Mapped[bool] = mapped_column(default=False)
    # reminder policy; empty means no such reminder (defaults per kind: agreements/defaults.py)
    invite_lead_days: Mapped[int] = mapped_column(default=21)
    rsvp_reminder_days: Mapped[int | None]
    pre_meeting_reminder_hours: Mapped[int | None]
    minutes_reminder_days: Mapped[int | None]
    minutes_reminder_repeat_days: Mapped[int | None]
    minutes_escalation_days: Mapped[int | None]

    version: Mapped[AgreementVersion] = relationship(back_populates="meeting_forms")
    group: Mapped[SchoolGroup | None] = relationship()
    functions: Mapped[list[MeetingFormFunction]] = relationship(
        back_populates="meeting_form", cascade="all, delete-orphan", order_by="MeetingFormFunction.function"
    )

    @property
    def required_functions(self) -> list[Function]:
        return [f.function for f in self.functions if f.is_required]

    @property
    def invited_functions(self) -> list[Function]:
        return [f.function for f in self.functions]


class MeetingFormFunction(Base):
    """A function invited to a meeting form; required ones must be represented at every meeting."""
    __tablename__ = "meeting_form_function"

    meeting_form_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meeting_form.id", ondelete="CASCADE"), primary_key=True
    )
    function: Mapped[Function] = mapped_column(enum_column(Function), primary_key=True)
    is_required: Mapped[bool] = mapped_column(default=True)

    meeting_form: Mapped[MeetingForm] = relationship(back_populates="functions")
