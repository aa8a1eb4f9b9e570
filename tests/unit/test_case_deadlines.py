"""The report's legal clock without a database: 14 local calendar days, across weekends, Easter and both
changes of the clock; the last day a meeting can be held when the deadline falls on a free day."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from coordinator.cases.deadlines import (
    CaseCalendar, check_received_on, days_left, deadline_at, deadline_on, is_in_time, last_meeting_day,
)
from coordinator.i18n import DomainError

ZONE = "Europe/Stockholm"
STOCKHOLM = ZoneInfo(ZONE)
CALENDAR = CaseCalendar.swedish(date(2027, 1, 1), date(2027, 12, 31))


def test_the_deadline_is_fourteen_calendar_days_after_receipt():
    assert deadline_on(date(2027, 9, 6)) == date(2027, 9, 20)
    assert days_left(date(2027, 9, 6), date(2027, 9, 6)) == 14
    assert days_left(date(2027, 9, 6), date(2027, 9, 20)) == 0
    assert days_left(date(2027, 9, 6), date(2027, 9, 21)) == -1


def test_across_the_change_to_winter_time_the_deadline_ends_at_local_midnight():
    received = date(2027, 10, 20)  # summer time; the clock goes back on Sunday 31 October
    end = deadline_at(received, ZONE)

    assert deadline_on(received) == date(2027, 11, 3)
    assert end.astimezone(STOCKHOLM).replace(tzinfo=None) == datetime(2027, 11, 4, 0, 0)
    assert end.astimezone(UTC) == datetime(2027, 11, 3, 23, 0, tzinfo=UTC)  # CET, one hour behind UTC
    # one hour more than fifteen times 24 hours after receipt's midnight (CEST): the day of 25 hours
    assert end - datetime.combine(received, time(0), STOCKHOLM).astimezone(UTC) == timedelta(days=15, hours=1)
    late_evening = datetime(2027, 11, 3, 22, 59, tzinfo=UTC)  # 23.59 local on the last day
    assert is_in_time(received, late_evening, ZONE)
    assert not is_in_time(received, late_evening + timedelta(minutes=2), ZONE)


def test_across_the_change_to_summer_time_too():
    end = deadline_at(date(2027, 3, 15), ZONE)  # the clock goes forward on Sunday 28 March
    assert end.astimezone(UTC) == datetime(2027, 3, 29, 22, 0, tzinfo=UTC)  # midnight CEST after 29 March


@pytest.mark.parametrize("received, deadline, last_day", [
    # a Saturday deadline: the meeting must be on the Friday before
    (date(2027, 10, 9), date(2027, 10, 23), date(2027, 10, 22)),
    # Långfredagen: Skärtorsdagen, a half day, is the last working day
    (date(2027, 3, 12), date(2027, 3, 26), date(2027, 3, 25)),
    # Annandag påsk, after Påskdagen, the weekend and Långfredagen
    (date(2027, 3, 15), date(2027, 3, 29), date(2027, 3, 25)),
    # Alla helgons dag on a Saturday: Allhelgonaafton, a half day, is still a working day
    (date(2027, 10, 23), date(2027, 11, 6), date(2027, 11, 5)),
    # Julafton (de facto free) and the Christmas weekend
    (date(2027, 12, 12), date(2027, 12, 26), date(2027, 12, 23)),
    # a working day deadline stays
    (date(2027, 10, 20), date(2027, 11, 3), date(2027, 11, 3)),
])
def test_the_last_meeting_day_steps_back_over_weekends_and_holidays(received, deadline, last_day):
    assert deadline_on(received) == deadline
    assert last_meeting_day(received, CALENDAR) == last_day


def test_half_days_close_at_two_and_holidays_are_named():
    assert CALENDAR.closes_at(date(2027, 3, 25)) == time(14, 0)
    assert CALENDAR.closes_at(date(2027, 3, 24)) is None
    assert CALENDAR.free_reason(date(2027, 3, 26)) == "Långfredagen"
    assert CALENDAR.free_reason(date(2027, 10, 23)) == "helg"
    assert CALENDAR.is_working_day(date(2027, 11, 1))  # höstlov at school, a working day for social services


def test_a_receipt_date_in_the_future_is_refused_in_words():
    check_received_on(date(2027, 10, 20), date(2027, 10, 20))
    with pytest.raises(DomainError) as refused:
        check_received_on(date(2027, 10, 21), date(2027, 10, 20))
    assert str(refused.value) == "Anmälan kan inte ha kommit in 2027-10-21, ett datum som inte har varit än."
