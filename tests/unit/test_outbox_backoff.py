"""The wait before a failed message is tried again: doubling from a minute, never more than six hours."""
from __future__ import annotations

from datetime import timedelta

import pytest

from coordinator.outbox.delivery import MAX_ATTEMPTS, backoff


def test_the_wait_doubles_from_one_minute():
    assert [backoff(n) for n in range(1, 6)] == [timedelta(minutes=m) for m in (1, 2, 4, 8, 16)]


def test_the_wait_is_capped_at_six_hours_however_many_attempts():
    assert backoff(9) == timedelta(minutes=256)
    assert backoff(10) == backoff(11) == backoff(1000) == timedelta(hours=6)


def test_the_attempts_span_a_night_without_mail():
    """A message failing every time is given up only after about a day, so an outage overnight loses nothing."""
    waits = sum((backoff(n) for n in range(1, MAX_ATTEMPTS)), timedelta())
    assert timedelta(hours=16) <= waits <= timedelta(hours=30)


def test_there_is_no_wait_before_the_first_attempt():
    with pytest.raises(ValueError):
        backoff(0)
