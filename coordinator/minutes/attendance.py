"""Whether every required function of a meeting form was represented at a meeting. Pure.

A function is represented when someone invited for it came, or sent a deputy who came in
their place. The follow-up asks this of every held meeting ("which required functions were
present"), so the answer distinguishes "not recorded" from "not represented".
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from coordinator.minutes.models import AttendanceStatus
from coordinator.org.functions import Function

ATTENDED = (AttendanceStatus.PRESENT, AttendanceStatus.REPRESENTED)


@dataclass(frozen=True)
class Coverage:
    """The required functions of a meeting, split by whether they were represented."""
    is_recorded: bool
    represented: tuple[Function, ...]
    missing: tuple[Function, ...]

    @property
    def is_complete(self) -> bool | None:
        """True when every required function was represented; None while attendance is not recorded."""
        return not self.missing if self.is_recorded else None


def coverage(required: Iterable[Function], attendance: Iterable[tuple[Function | None, AttendanceStatus]]) -> Coverage:
    """Split `required` by the attendance (each invitee's function and status); no attendance: not recorded."""
    attendance = list(attendance)
    came = {function for function, status in attendance if function is not None and status in ATTENDED}
    required = sorted(set(required), key=lambda f: f.label("sv"))
    return Coverage(
        is_recorded=bool(attendance),
        represented=tuple(f for f in required if f in came),
        missing=tuple(f for f in required if f not in came),
    )
