"""A district's term as loaded for planning, and its stored meetings as the plan shows them; no queries.

Apart from services.py (which loads and hands these back) so that warnings.py, which reads them,
is not imported by the module that imports it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from coordinator.agreements.models import FormKind, Scope
from coordinator.org.functions import Function
from coordinator.org.models import District, Municipality
from coordinator.planning.invitees import Organisation, Series
from coordinator.planning.models import MeetingStatus
from coordinator.planning.planner import ExistingMeeting
from coordinator.terms.calendar import TermCalendar
from coordinator.terms.models import Term


# -- the city as the owner of a plan ------------------------------------------------------------

CITY_CODE = "STAD"  # the city's own plan: /districts/STAD/terms/<term>/plan, `term plan --district STAD`


@dataclass(frozen=True)
class City:
    """The city as the owner of a plan, in a district's place: its city-level agreements (district_id empty)
    and their meetings (no district). `id` is None, so `Meeting.district_id == owner.id` reads IS NULL."""
    municipality: Municipality
    id: None = None
    is_active: bool = True
    code: str = CITY_CODE

    @property
    def municipality_id(self) -> int:
        return self.municipality.id

    @property
    def name(self) -> str:
        return self.municipality.name

    @property
    def is_city(self) -> bool:
        return True


Owner = District | City


def is_city_code(code: str) -> bool:
    return code.strip().upper() == CITY_CODE


@dataclass(frozen=True)
class Invitee:
    person_id: int
    name: str
    email: str
    function: Function | None


@dataclass(frozen=True)
class MeetingEntry:
    """A stored meeting of the term, as the plan shows it."""
    id: int
    uid: str
    series_key: str
    form_id: int
    form_name: str
    form_position: int
    kind: FormKind
    scope: Scope
    school_name: str | None
    group_name: str | None
    starts_at: datetime  # UTC, as stored
    ends_at: datetime
    status: MeetingStatus
    is_moved_by_hand: bool
    is_added_by_hand: bool
    sequence: int
    published_at: datetime | None
    published_by: str | None
    invitees: tuple[Invitee, ...]  # by name
    person_ids: frozenset[int]

    @property
    def meeting_id(self) -> int:
        return self.id

    @property
    def is_cancelled(self) -> bool:
        return self.status is MeetingStatus.CANCELLED

    @property
    def title(self) -> str:
        """The form's name, with the school or group of its series."""
        where = self.school_name or self.group_name
        return f"{self.form_name} ({where})" if where else self.form_name


@dataclass
class PlanContext:
    """A district's term as loaded for planning: the organisation, the series and the meetings."""
    district: Owner
    term: Term
    calendar: TermCalendar
    timezone: str
    max_per_day: int  # meetings one person is given in a day
    org: Organisation
    series: list[Series]
    stored: list[MeetingEntry]
    elsewhere: list[ExistingMeeting]  # other districts' and the city's meetings of the term sharing a person
    elsewhere_names: dict[str, str]
