"""Slot generation for consultation hours, pure: window arithmetic, breaks, holidays, half days, summer, the
change to summer time, and properties over random hours and terms (Hypothesis)."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coordinator.consultations.slots import HoursSpec, Slot, check_hours, overlaps, parse_key, slot_starts, slots
from coordinator.i18n import DomainError
from coordinator.terms.calendar import Break, TermCalendar

STOCKHOLM = ZoneInfo("Europe/Stockholm")
MONDAY, TUESDAY, WEDNESDAY = 0, 1, 2
HT2027 = TermCalendar.with_swedish_holidays("HT2027", date(2027, 8, 19), date(2027, 12, 21), (
    Break("study_day", date(2027, 10, 8), date(2027, 10, 8)), Break("hostlov", date(2027, 11, 1), date(2027, 11, 5))))
VT2028 = TermCalendar.with_swedish_holidays("VT2028", date(2028, 1, 10), date(2028, 6, 13), (
    Break("sportlov", date(2028, 2, 28), date(2028, 3, 3)), Break("pasklov", date(2028, 4, 10), date(2028, 4, 14))))
TERMS = (HT2027, VT2028)


def hours(weekday: int = TUESDAY, start: time = time(13), end: time = time(15), minutes: int = 20,
          starts_on: date = date(2027, 8, 1), ends_on: date = date(2028, 8, 31)) -> HoursSpec:
    return HoursSpec(weekday, start, end, minutes, starts_on, ends_on)


def local_starts(found: list[Slot]) -> list[str]:
    return [s.starts_at.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M") for s in found]


# -- the window ---------------------------------------------------------------------------------------------

def test_tuesdays_13_to_15_in_20_minute_slots_give_six_times_a_day():
    found = slots(hours(), TERMS, date(2027, 9, 13), date(2027, 9, 19))

    assert local_starts(found) == [f"2027-09-14 {t}" for t in ("13:00", "13:20", "13:40", "14:00", "14:20", "14:40")]
    assert all(s.ends_at - s.starts_at == timedelta(minutes=20) for s in found)
    assert found[-1].ends_at.astimezone(STOCKHOLM).time() == time(15)


def test_what_is_left_of_the_window_after_the_last_whole_slot_stays_unused():
    assert slot_starts(hours(minutes=25)) == [time(13), time(13, 25), time(13, 50), time(14, 15)]  # 14.40–15.00 unused
    assert slot_starts(hours(start=time(9, 10), end=time(10), minutes=50)) == [time(9, 10)]


@pytest.mark.parametrize("spec, message", [
    (hours(weekday=5), "vardag"),
    (hours(start=time(15), end=time(13)), "före eller samtidigt"),
    (hours(start=time(13), end=time(13)), "före eller samtidigt"),
    (hours(start=time(13), end=time(13, 15)), "rymmer ingen tid på 20 minuter"),
    (hours(minutes=4), "mellan 5 och 240 minuter"),
    (hours(minutes=241, end=time(18)), "mellan 5 och 240 minuter"),
    (hours(starts_on=date(2027, 9, 2), ends_on=date(2027, 9, 1)), "före första dagen"),
])
def test_hours_that_could_give_no_slot_are_refused_with_a_reason(spec: HoursSpec, message: str):
    with pytest.raises(DomainError) as refused:
        check_hours(spec)
    assert message in str(refused.value)


def test_hours_as_published_pass_the_check():
    check_hours(hours())


# -- the school year ---------------------------------------------------------------------------------------

def test_no_slots_on_a_break_or_a_study_day():
    autumn = local_starts(slots(hours(weekday=TUESDAY), TERMS, date(2027, 10, 25), date(2027, 11, 12)))
    assert {s[:10] for s in autumn} == {"2027-10-26", "2027-11-09"}  # höstlov's Tuesday 2 Nov has none
    friday = local_starts(slots(hours(weekday=4), TERMS, date(2027, 10, 4), date(2027, 10, 15)))
    assert {s[:10] for s in friday} == {"2027-10-15"}  # 8 Oct is a study day


def test_no_slots_on_a_public_holiday():
    june = local_starts(slots(hours(weekday=TUESDAY), TERMS, date(2028, 6, 1), date(2028, 6, 13)))
    assert {s[:10] for s in june} == {"2028-06-13"}  # Tuesday 6 June is Nationaldagen


def test_a_half_day_keeps_only_the_slots_over_by_14():
    # the day before Ascension Day is free from 14.00
    found = local_starts(slots(hours(weekday=WEDNESDAY), TERMS, date(2028, 5, 24), date(2028, 5, 24)))
    assert found == ["2028-05-24 13:00", "2028-05-24 13:20", "2028-05-24 13:40"]


def test_no_slots_in_the_summer_between_the_terms_nor_outside_the_hours_dates():
    summer = slots(hours(), TERMS, date(2028, 6, 14), date(2028, 8, 31))
    assert summer == []
    between = slots(hours(starts_on=date(2027, 9, 20), ends_on=date(2027, 9, 30)), TERMS, date(2027, 9, 1),
                    date(2027, 10, 31))
    assert {s[:10] for s in local_starts(between)} == {"2027-09-21", "2027-09-28"}
    assert slots(hours(), (), date(2027, 9, 1), date(2027, 9, 30)) == []  # no terms entered: nothing offered


def test_the_same_wall_clock_time_across_the_change_to_summer_time():
    found = slots(hours(), TERMS, date(2028, 3, 20), date(2028, 4, 5))  # the clocks go forward on 26 March
    by_day = {s.starts_at.astimezone(STOCKHOLM).date(): s for s in found if s.starts_at.astimezone(STOCKHOLM).hour == 13
              and s.starts_at.astimezone(STOCKHOLM).minute == 0}
    assert by_day[date(2028, 3, 21)].starts_at == datetime(2028, 3, 21, 12, 0, tzinfo=UTC)
    assert by_day[date(2028, 3, 28)].starts_at == datetime(2028, 3, 28, 11, 0, tzinfo=UTC)
    assert by_day[date(2028, 3, 28)].ends_at - by_day[date(2028, 3, 28)].starts_at == timedelta(minutes=20)


def test_and_back_to_winter_time():
    found = slots(hours(weekday=MONDAY), TERMS, date(2027, 10, 25), date(2027, 11, 8))  # back on 31 October
    firsts = [s.starts_at for s in found if s.starts_at.astimezone(STOCKHOLM).time() == time(13)]
    assert firsts == [datetime(2027, 10, 25, 11, 0, tzinfo=UTC), datetime(2027, 11, 8, 12, 0, tzinfo=UTC)]


# -- keys and overlaps -------------------------------------------------------------------------------------

def test_a_slot_key_names_its_hours_and_start_and_reads_back():
    [first, *_] = slots(hours(), TERMS, date(2027, 9, 14), date(2027, 9, 14), hours_id=7)
    assert first.key == "7:2027-09-14T11:00Z"
    assert parse_key(first.key) == (7, first.starts_at)
    for broken in ("", "7", "x:2027-09-14T11:00Z", "7:2027-09-14 11:00", "7:2027-02-30T11:00Z"):
        assert parse_key(broken) is None


def test_hours_overlap_only_on_the_same_weekday_with_dates_and_times_that_meet():
    base = hours()
    assert overlaps(base, hours(start=time(14, 40), end=time(16)))
    assert not overlaps(base, hours(start=time(15), end=time(16)))  # back to back
    assert not overlaps(base, hours(weekday=WEDNESDAY))
    assert not overlaps(hours(ends_on=date(2027, 12, 31)), hours(starts_on=date(2028, 1, 1)))


# -- properties -------------------------------------------------------------------------------------------

@st.composite
def random_hours(draw: st.DrawFn) -> HoursSpec:
    start = draw(st.integers(7 * 60, 17 * 60))
    minutes = draw(st.integers(5, 120))
    end = draw(st.integers(start + minutes, min(start + minutes + 240, 23 * 60)))
    first = draw(st.dates(date(2027, 8, 1), date(2028, 6, 30)))
    last = draw(st.dates(first, date(2028, 8, 31)))
    return HoursSpec(draw(st.integers(0, 4)), time(start // 60, start % 60), time(end // 60, end % 60), minutes,
                     first, last)


@st.composite
def random_term(draw: st.DrawFn) -> TermCalendar:
    starts_on = draw(st.dates(date(2027, 8, 10), date(2027, 9, 1)))
    ends_on = draw(st.dates(date(2027, 12, 1), date(2028, 1, 20)))
    breaks = []
    day = starts_on
    for _ in range(draw(st.integers(0, 3))):
        first = day + timedelta(days=draw(st.integers(1, 30)))
        last = first + timedelta(days=draw(st.integers(0, 6)))
        if last > ends_on:
            break
        breaks.append(Break("other", first, last))
        day = last + timedelta(days=1)
    return TermCalendar.with_swedish_holidays("HT2027", starts_on, ends_on, breaks)


@settings(max_examples=60, deadline=None)
@given(spec=random_hours(), term=random_term())
def test_every_slot_is_a_whole_slot_inside_the_window_on_a_school_day_of_its_weekday(spec: HoursSpec,
                                                                                     term: TermCalendar):
    found = slots(spec, [term], date(2027, 8, 1), date(2028, 8, 31))

    assert found == sorted(found)
    for earlier, later in zip(found, found[1:]):
        assert earlier.ends_at <= later.starts_at  # none overlaps the next
    per_day: dict[date, int] = {}
    for slot in found:
        start, end = slot.starts_at.astimezone(STOCKHOLM), slot.ends_at.astimezone(STOCKHOLM)
        day = start.date()
        assert end - start == timedelta(minutes=spec.slot_minutes)
        assert day.weekday() == spec.weekday and spec.starts_on <= day <= spec.ends_on
        assert term.is_teaching_day(day)
        assert spec.window_start <= start.time() and end.time() <= spec.window_end and end.date() == day
        per_day[day] = per_day.get(day, 0) + 1
    for day in term.teaching_days():
        if day.weekday() == spec.weekday and spec.starts_on <= day <= spec.ends_on and not term.is_half_day(day):
            assert per_day.get(day, 0) == len(slot_starts(spec))  # a full school day gives every slot
