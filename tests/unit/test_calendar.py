"""The term calendar: Swedish holidays and half days, teaching days and weeks, why a time is free, bad input."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coordinator.i18n import DomainError
from coordinator.terms.calendar import (
    REASON_HALF_DAY, REASON_OUTSIDE_TERM, REASON_WEEKEND, Break, TermCalendar, check_no_overlap,
    parse_term_name, swedish_holidays,
)

STOCKHOLM = ZoneInfo("Europe/Stockholm")
HOSTLOV_2027 = Break("hostlov", date(2027, 11, 1), date(2027, 11, 5), "Höstlov")


def ht2027(*breaks: Break) -> TermCalendar:
    return TermCalendar.with_swedish_holidays("HT2027", date(2027, 8, 19), date(2027, 12, 21), breaks)


def vt2028(*breaks: Break) -> TermCalendar:
    return TermCalendar.with_swedish_holidays("VT2028", date(2028, 1, 10), date(2028, 6, 13), breaks)


# -- Swedish holidays ------------------------------------------------------------------------

def test_the_de_facto_eves_are_free_days_in_2027():
    free, half = swedish_holidays([2027])

    assert free[date(2027, 6, 25)] == "Midsommarafton"
    assert free[date(2027, 12, 24)] == "Julafton"
    assert free[date(2027, 12, 31)] == "Nyårsafton"
    assert free[date(2027, 1, 6)] == "Trettondedag jul"
    assert free[date(2027, 3, 26)] == "Långfredagen"
    assert not {date(2027, 6, 25), date(2027, 12, 24), date(2027, 12, 31)} & half.keys()


def test_the_days_before_holidays_are_half_days_in_2027():
    free, half = swedish_holidays([2027])

    assert {date(2027, 1, 5), date(2027, 3, 25), date(2027, 4, 30), date(2027, 5, 5),
            date(2027, 6, 24), date(2027, 11, 5), date(2027, 12, 23), date(2027, 12, 30)} <= half.keys()
    assert half[date(2027, 1, 5)].startswith("Trettondagsafton")
    assert "14.00" in half[date(2027, 1, 5)]
    assert not half.keys() & free.keys()


def test_sundays_are_not_holidays_by_themselves():
    free, _ = swedish_holidays([2027])

    assert date(2027, 9, 5) not in free  # an ordinary Sunday
    assert free[date(2027, 3, 28)] == "Påskdagen"


def test_a_term_spanning_two_years_has_the_holidays_of_both():
    calendar = TermCalendar.with_swedish_holidays("HT2027", date(2027, 8, 19), date(2028, 1, 14))

    assert calendar.holidays[date(2027, 12, 24)] == "Julafton"
    assert calendar.holidays[date(2028, 1, 6)] == "Trettondedag jul"
    assert not calendar.is_teaching_day(date(2028, 1, 6))
    assert calendar.is_teaching_day(date(2028, 1, 7))


# -- teaching days and weeks -----------------------------------------------------------------

def test_a_break_excludes_its_days():
    calendar = ht2027(HOSTLOV_2027)

    assert not any(calendar.is_teaching_day(date(2027, 11, day)) for day in range(1, 6))
    assert calendar.is_teaching_day(date(2027, 10, 29))
    assert calendar.is_teaching_day(date(2027, 11, 8))
    assert calendar.teaching_days() == [day for day in ht2027().teaching_days() if not HOSTLOV_2027.covers(day)]


def test_teaching_days_are_the_terms_weekdays_that_are_neither_holiday_nor_break():
    calendar = vt2028(Break("sportlov", date(2028, 2, 28), date(2028, 3, 3)),
                      Break("pasklov", date(2028, 4, 10), date(2028, 4, 14)),
                      Break("study_day", date(2028, 3, 20), date(2028, 3, 20)))
    days = calendar.teaching_days()

    assert days[0] == date(2028, 1, 10) and days[-1] == date(2028, 6, 13)
    assert all(day.weekday() < 5 for day in days)
    for free in (date(2028, 5, 1), date(2028, 5, 25), date(2028, 6, 6),   # Första maj, Kristi himmelsfärd, nationaldag
                 date(2028, 3, 1), date(2028, 4, 17), date(2028, 3, 20)):  # sportlov, Annandag påsk, study day
        assert free not in days
    assert date(2028, 5, 24) in days  # a half day is still a school day, in the morning
    assert date(2028, 5, 26) in days  # a "klämdag" is a school day unless the organiser makes it a break


def test_teaching_weeks_of_ht2027_skip_the_hostlov_week():
    weeks = ht2027(HOSTLOV_2027).teaching_weeks()

    assert [week[0].isocalendar().week for week in weeks] == [*range(33, 44), *range(45, 52)]
    assert weeks[0] == [date(2027, 8, 19), date(2027, 8, 20)]
    assert weeks[-1] == [date(2027, 12, 20), date(2027, 12, 21)]


def test_the_calendar_cannot_be_changed_through_the_mappings_it_was_given():
    holidays = {date(2027, 9, 1): "Test"}
    calendar = TermCalendar("HT2027", date(2027, 8, 19), date(2027, 12, 21), holidays=holidays)
    holidays[date(2027, 9, 2)] = "Later"

    assert calendar.is_teaching_day(date(2027, 9, 2))
    with pytest.raises(TypeError):
        calendar.holidays[date(2027, 9, 3)] = "Changed"  # type: ignore[index]


@settings(max_examples=60, deadline=None)
@given(start=st.dates(date(2026, 1, 1), date(2030, 12, 31)), length=st.integers(0, 150),
       break_days=st.lists(st.tuples(st.integers(0, 150), st.integers(0, 10)), max_size=3))
def test_teaching_days_are_exactly_the_days_without_a_free_reason(start, length, break_days):
    end = start + timedelta(days=length)
    breaks = [Break("other", start + timedelta(days=offset), min(end, start + timedelta(days=offset + span)))
              for offset, span in break_days if offset <= length]
    calendar = TermCalendar.with_swedish_holidays(f"HT{start.year}", start, end, breaks)

    for n in range(-2, length + 3):
        day = start + timedelta(days=n)
        morning = calendar.free_reason(datetime.combine(day, time(9)), datetime.combine(day, time(10)))
        assert calendar.is_teaching_day(day) == (morning is None)
    assert sum(len(week) for week in calendar.teaching_weeks()) == len(calendar.teaching_days())


# -- why a time is free ----------------------------------------------------------------------

@pytest.mark.parametrize(("day", "start", "end", "reason"), [
    (date(2027, 9, 14), time(13), time(15), None),
    (date(2027, 9, 18), time(9), time(10), REASON_WEEKEND),
    (date(2027, 11, 3), time(9), time(10), "Höstlov"),
    (date(2027, 11, 5), time(9), time(10), "Höstlov"),  # Allahelgonsafton, inside höstlov
    (date(2027, 8, 18), time(9), time(10), REASON_OUTSIDE_TERM),
    (date(2027, 12, 22), time(9), time(10), REASON_OUTSIDE_TERM),
])
def test_free_reason_for_ht2027(day, start, end, reason):
    calendar = ht2027(HOSTLOV_2027)

    assert calendar.free_reason(datetime.combine(day, start), datetime.combine(day, end)) == reason


def test_free_reason_names_the_holiday():
    calendar = vt2028()

    assert calendar.free_reason(datetime(2028, 5, 25, 9), datetime(2028, 5, 25, 10)) == "Kristi himmelsfärdsdag"
    assert calendar.free_reason(datetime(2028, 6, 6, 9), datetime(2028, 6, 6, 10)) == "Nationaldagen"


def test_a_half_day_is_free_from_two_oclock():
    calendar = vt2028()  # 2028-05-24: Dag före Kristi himmelsfärdsdag, from 14.00

    assert calendar.free_reason(datetime(2028, 5, 24, 12), datetime(2028, 5, 24, 14)) is None
    assert calendar.free_reason(datetime(2028, 5, 24, 13), datetime(2028, 5, 24, 14, 30)) == REASON_HALF_DAY
    assert calendar.free_reason(datetime(2028, 5, 23, 13), datetime(2028, 5, 23, 15)) is None


def test_free_reason_reads_aware_times_in_stockholm():
    calendar = ht2027(HOSTLOV_2027)
    utc = ZoneInfo("UTC")

    # 22:30 UTC on Friday 5 November is 23:30 on Friday in Stockholm: höstlov, not Saturday
    assert calendar.free_reason(datetime(2027, 11, 5, 22, 30, tzinfo=utc),
                                datetime(2027, 11, 5, 22, 45, tzinfo=utc)) == "Höstlov"
    # 23:30 UTC on Sunday 31 October is already Monday 1 November in Stockholm
    assert calendar.free_reason(datetime(2027, 10, 31, 23, 30, tzinfo=utc),
                                datetime(2027, 10, 31, 23, 45, tzinfo=utc)) == "Höstlov"
    assert calendar.free_reason(datetime(2027, 9, 14, 13, tzinfo=STOCKHOLM),
                                datetime(2027, 9, 14, 15, tzinfo=STOCKHOLM)) is None


def test_a_meeting_running_into_a_free_day_is_not_on_school_time():
    calendar = ht2027()

    assert calendar.free_reason(datetime(2027, 9, 17, 22), datetime(2027, 9, 18, 1)) == REASON_WEEKEND


# -- term names and bad input ----------------------------------------------------------------

def test_term_names():
    assert parse_term_name("HT2027") == ("HT", 2027)
    assert parse_term_name("VT2028") == ("VT", 2028)
    assert parse_term_name(" ht2027 ") == ("HT", 2027)
    assert ht2027().season == "HT" and vt2028().season == "VT"


@pytest.mark.parametrize("name", ["", "HT27", "H2027", "ST2027", "HT 2027", "HT20277", "2027HT"])
def test_an_unknown_term_name_is_a_clear_error(name):
    with pytest.raises(DomainError, match="HT eller VT") as raised:
        parse_term_name(name)
    assert raised.value.params == {"name": name}


def test_a_term_ending_before_it_starts_is_refused():
    with pytest.raises(DomainError, match="slutar 2027-08-18, före sin början 2027-08-19") as raised:
        TermCalendar("HT2027", date(2027, 8, 19), date(2027, 8, 18))
    assert raised.value.template.startswith("Terminen %(term)s")


def test_a_term_with_a_bad_name_is_refused():
    with pytest.raises(DomainError):
        TermCalendar("Hösten", date(2027, 8, 19), date(2027, 12, 21))


def test_a_break_ending_before_it_starts_is_refused():
    with pytest.raises(DomainError, match="Sportlov slutar"):
        Break("sportlov", date(2028, 3, 3), date(2028, 2, 28))


def test_a_break_of_an_unknown_kind_is_refused():
    with pytest.raises(DomainError, match="Okänd sorts lov: sommarlov"):
        Break("sommarlov", date(2028, 6, 14), date(2028, 8, 17))


@pytest.mark.parametrize("term_break", [
    Break("jullov", date(2027, 12, 22), date(2028, 1, 7)),
    Break("other", date(2027, 8, 16), date(2027, 8, 20)),
])
def test_a_break_outside_its_term_is_refused(term_break):
    with pytest.raises(DomainError, match="ligger utanför terminen HT2027"):
        ht2027(term_break)


def test_a_break_gets_its_kinds_swedish_name_and_accepts_the_database_enum():
    class BreakKind:  # stands in for coordinator.terms.models.BreakKind, which needs the database
        value = "pasklov"

    term_break = Break(BreakKind(), date(2028, 4, 10), date(2028, 4, 14))  # type: ignore[arg-type]

    assert (term_break.kind, term_break.name) == ("pasklov", "Påsklov")


def test_terms_that_do_not_overlap_pass():
    check_no_overlap([vt2028(), ht2027(), TermCalendar("HT2028", date(2028, 8, 17), date(2028, 12, 20))])
    check_no_overlap([])


def test_overlapping_terms_are_refused_naming_both():
    overlapping = TermCalendar("VT2028", date(2027, 12, 20), date(2028, 6, 13))

    with pytest.raises(DomainError, match="HT2027 .* och VT2028 .* överlappar") as raised:
        check_no_overlap([overlapping, ht2027()])
    assert raised.value.params["first"] == "HT2027"


def test_a_term_name_used_twice_is_refused():
    with pytest.raises(DomainError, match="HT2027 finns redan"):
        check_no_overlap([ht2027(), TermCalendar("HT2027", date(2028, 8, 17), date(2028, 12, 20))])
