"""The current time, passed into domain code so tests can fix or step it."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def fixed(at: datetime) -> Clock:
    """A clock that always answers `at` (timezone-aware)."""
    if at.tzinfo is None:
        raise ValueError("a clock's time must be timezone-aware")
    return lambda: at
