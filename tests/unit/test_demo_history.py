"""Which terms the demo's history holds at a moment, and the district committee's meeting days. Pure."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from coordinator.demo.data import AGREEMENTS, TERMS
from coordinator.demo.habits import HABITS
from coordinator.demo.history import history_terms
from coordinator.demo.meetings import committee_day


@pytest.mark.parametrize(("now", "names"), [
    (datetime(2026, 12, 3, 13, 0, tzinfo=timezone.utc), ["HT2025", "VT2026", "HT2026"]),
    (datetime(2027, 5, 3, 8, 0, tzinfo=timezone.utc), ["HT2025", "VT2026", "HT2026", "VT2027"]),
    (datetime(2026, 7, 15, 12, 0, tzinfo=timezone.utc), ["HT2025", "VT2026"]),  # the summer: last school year
    (datetime(2027, 9, 1, 12, 0, tzinfo=timezone.utc), ["HT2026", "VT2027", "HT2027"]),
    (datetime(2025, 9, 1, 12, 0, tzinfo=timezone.utc), ["HT2025"]),  # the demo's first term, so far
    (datetime(2025, 8, 1, 12, 0, tzinfo=timezone.utc), []),          # before the demo's terms
    (datetime(2028, 6, 20, 12, 0, tzinfo=timezone.utc), []),         # after them
])
def test_the_history_holds_the_previous_school_year_and_the_current_term_so_far(now, names):
    assert [t.name for t in history_terms(TERMS, now)] == names


def test_the_term_begins_in_stockholm_not_in_utc():
    eve = datetime(2025, 8, 17, 22, 30, tzinfo=timezone.utc)  # 00.30 on 18 August in Stockholm: HT2025 has begun
    assert [t.name for t in history_terms(TERMS, eve)] == ["HT2025"]


def test_every_agreement_is_in_force_before_its_district_plans_the_first_term():
    first_term = TERMS[0].starts_on
    for agreement in AGREEMENTS:
        first = agreement.versions[0].activated_on
        habits = HABITS.get(agreement.district or "")
        planned = first_term - timedelta(days=habits.plan_days_before if habits else 0)
        assert first < planned, agreement.title
        # a version that comes into force during a term was signed before the term began: judged by it at the
        # term's end, the term counts every school's meetings from the start
        for version in agreement.versions[1:]:
            assert not any(t.starts_on <= version.activated_on <= t.ends_on and version.signed_on
                           and version.signed_on > t.starts_on for t in TERMS), agreement.title


@pytest.mark.parametrize(("day", "meeting"), [
    (date(2026, 1, 1), date(2026, 1, 15)),    # the third Thursday of January
    (date(2026, 1, 15), date(2026, 1, 15)),
    (date(2026, 1, 16), date(2026, 2, 19)),
    (date(2026, 6, 20), date(2026, 8, 20)),   # none in July
])
def test_the_committee_meets_on_the_third_thursday_of_each_month_but_july(day, meeting):
    assert committee_day(day) == meeting
