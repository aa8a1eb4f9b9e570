"""Proposed times for a report meeting, without a database: never on anyone's other meeting, never on a
weekend or holiday, never after the deadline, at the same wall-clock hour across the change to winter time."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from coordinator.cases.deadlines import CaseCalendar
from coordinator.cases.proposals import clashes, propose

ZONE = "Europe/Stockholm"
STOCKHOLM = ZoneInfo(ZONE)
CALENDAR = CaseCalendar.swedish(date(2027, 1, 1), date(2027, 12, 31),
                                {day: "Höstlov" for day in (date(2027, 11, d) for d in range(1, 6))})
WINDOW = {"window_start": time(9, 0), "window_end": time(16, 0), "duration_minutes": 60, "timezone": ZONE}


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2027, month, day, hour, minute, tzinfo=STOCKHOLM)


def local(proposal_time: datetime) -> tuple[date, time]:
    moment = proposal_time.astimezone(STOCKHOLM)
    return moment.date(), moment.time()


def test_two_times_a_day_spread_over_the_working_days_left():
    found = propose(CALENDAR, [], first_on=date(2027, 10, 7), last_on=date(2027, 10, 12), **WINDOW)

    assert [local(p.starts_at) for p in found] == [
        (date(2027, 10, 7), time(9)), (date(2027, 10, 7), time(12)),
        (date(2027, 10, 8), time(9)), (date(2027, 10, 8), time(12)),
        # Saturday and Sunday are skipped
        (date(2027, 10, 11), time(9)), (date(2027, 10, 11), time(12)),
    ]
    assert all(p.ends_at - p.starts_at == timedelta(hours=1) for p in found)


def test_nine_stays_nine_across_the_change_to_winter_time():
    found = propose(CALENDAR, [], first_on=date(2027, 10, 29), last_on=date(2027, 11, 1), count=3, **WINDOW)

    assert [p.starts_at.astimezone(UTC) for p in found] == [
        datetime(2027, 10, 29, 7, 0, tzinfo=UTC), datetime(2027, 10, 29, 10, 0, tzinfo=UTC),
        datetime(2027, 11, 1, 8, 0, tzinfo=UTC)]  # 09.00 in CEST, 12.00 in CEST, 09.00 in CET
    assert found[2].note == "Höstlov"  # proposed (social services work), with the school's break named


def test_the_others_meetings_are_avoided_and_the_deadline_is_kept():
    busy = [(at(10, 7, 9), at(10, 7, 11, 30)),   # the reporter's morning
            (at(10, 7, 13), at(10, 7, 14)),       # the officer's early afternoon
            (at(10, 8, 8), at(10, 8, 17))]        # the officer's whole Friday
    found = propose(CALENDAR, busy, first_on=date(2027, 10, 7), last_on=date(2027, 10, 8), **WINDOW)

    # hourly slots from 09.00: 12.00 is the first free, 15.00 the first free three hours later
    assert [local(p.starts_at) for p in found] == [(date(2027, 10, 7), time(12)), (date(2027, 10, 7), time(15))]
    assert not any(clashes(busy, p.starts_at, p.ends_at) for p in found)


def test_a_half_day_ends_at_two_and_a_holiday_offers_nothing():
    # Skärtorsdagen (half day) and Långfredagen (holiday), 2027
    found = propose(CALENDAR, [], first_on=date(2027, 3, 25), last_on=date(2027, 3, 26),
                    window_start=time(12, 0), window_end=time(17, 0), duration_minutes=60, timezone=ZONE)
    assert [local(p.starts_at) for p in found] == [(date(2027, 3, 25), time(12))]  # nothing ends after 14.00
    found = propose(CALENDAR, [(at(3, 25, 12), at(3, 25, 13))], first_on=date(2027, 3, 25),
                    last_on=date(2027, 3, 26), window_start=time(12, 0), window_end=time(17, 0),
                    duration_minutes=60, timezone=ZONE)
    assert [local(p.starts_at) for p in found] == [(date(2027, 3, 25), time(13))]


def test_not_before_leaves_out_what_has_begun():
    found = propose(CALENDAR, [], first_on=date(2027, 10, 7), last_on=date(2027, 10, 7),
                    not_before=at(10, 7, 10, 5), **WINDOW)
    assert [local(p.starts_at)[1] for p in found] == [time(11), time(14)]


days = st.dates(min_value=date(2027, 9, 1), max_value=date(2027, 12, 20))
busy_intervals = st.lists(
    st.tuples(days, st.integers(7 * 4, 17 * 4), st.integers(1, 16)).map(
        lambda t: (datetime.combine(t[0], time(t[1] // 4, t[1] % 4 * 15), STOCKHOLM),
                   datetime.combine(t[0], time(t[1] // 4, t[1] % 4 * 15), STOCKHOLM) + timedelta(minutes=15 * t[2]))),
    max_size=40)


@settings(max_examples=200, deadline=None)
@given(busy=busy_intervals, first=days, length=st.integers(0, 20), minutes=st.sampled_from([30, 45, 60, 90]))
def test_proposals_never_clash_never_fall_on_free_days_and_never_pass_the_deadline(busy, first, length, minutes):
    last = first + timedelta(days=length)
    found = propose(CALENDAR, busy, first_on=first, last_on=last, window_start=time(8, 0), window_end=time(17, 0),
                    duration_minutes=minutes, timezone=ZONE)

    assert len(found) <= 6
    assert [p.starts_at for p in found] == sorted(p.starts_at for p in found)
    for proposal in found:
        day, starts = local(proposal.starts_at)
        assert first <= day <= last and CALENDAR.is_working_day(day)
        assert time(8, 0) <= starts and local(proposal.ends_at)[1] <= (CALENDAR.closes_at(day) or time(17, 0))
        assert not clashes(busy, proposal.starts_at, proposal.ends_at)
    per_day = [local(p.starts_at)[0] for p in found]
    assert all(per_day.count(day) <= 2 for day in per_day)
