"""Whether every required function of a meeting form was represented at a meeting, and which
schools were. Pure.

A function is represented when someone invited for it came, or sent a deputy who came in
their place. A function held at schools (rektor, kurator …) is required *of every school
invited for it*: an overarching forum invites all principals, and one principal present does
not make up for two absent schools. So a school function is represented only when each school
that was invited for it had someone there for it; the schools where it was missing are named.
The follow-up asks this of every held meeting, so "not recorded" is kept apart from "not
represented".
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

from coordinator.minutes.models import AttendanceStatus
from coordinator.org.functions import Function, Level

ATTENDED = (AttendanceStatus.PRESENT, AttendanceStatus.REPRESENTED)


class Seat(NamedTuple):
    """One invitee's recorded attendance: the function and school they were invited for, and the status."""
    function: Function | None
    status: AttendanceStatus
    school_id: int | None = None


@dataclass(frozen=True)
class Coverage:
    """The required functions of a meeting, split by whether they were represented."""
    is_recorded: bool
    represented: tuple[Function, ...]
    missing: tuple[Function, ...]
    missing_at: tuple[tuple[Function, int], ...] = ()  # school functions: (function, school) not represented
    schools: tuple[tuple[int, bool], ...] = ()         # each invited school and whether it was represented

    @property
    def is_complete(self) -> bool | None:
        """True when every required function was represented; None while attendance is not recorded."""
        return not self.missing if self.is_recorded else None

    def missing_schools(self, function: Function) -> tuple[int, ...]:
        return tuple(school for f, school in self.missing_at if f is function)


def coverage(required: Iterable[Function], seats: Iterable[Seat | tuple]) -> Coverage:
    """Split `required` by the recorded seats (each invitee's function, status and school); none: not recorded."""
    seats = [Seat(*seat) for seat in seats]
    came: dict[Function, dict[int | None, bool]] = defaultdict(dict)
    for seat in seats:
        if seat.function is None:
            continue
        schools = came[seat.function]
        school = seat.school_id if seat.function.level is Level.SCHOOL else None
        schools[school] = schools.get(school, False) or seat.status in ATTENDED
    required = sorted(set(required), key=lambda f: f.label("sv"))
    missing_at = tuple((f, school) for f in required for school, ok in sorted(
        came.get(f, {}).items(), key=lambda item: item[0] or 0) if not ok and school is not None)
    represented = tuple(f for f in required if came.get(f) and all(came[f].values()))
    return Coverage(
        is_recorded=bool(seats),
        represented=represented,
        missing=tuple(f for f in required if f not in represented),
        missing_at=missing_at,
        schools=tuple(sorted(school_presence(seats).items())),
    )


def school_presence(seats: Iterable[Seat]) -> Mapping[int, bool]:
    """Each school with an invitee at the meeting, and whether anyone came for it (a deputy counts)."""
    found: dict[int, bool] = {}
    for seat in seats:
        if seat.school_id is not None:
            found[seat.school_id] = found.get(seat.school_id, False) or seat.status in ATTENDED
    return found
