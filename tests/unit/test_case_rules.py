"""When the intake group is told and when an external contact may go, without a database: local reminder hours
across the change to winter time, lists on working days only, erasure after the last use of a contact."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from coordinator.cases.deadlines import CaseCalendar
from coordinator.cases.rules import ContactUse, OpenReport, deadline_list_due, erasure_due, unbooked_reminder_due
from coordinator.reminders.rules import Timing

ZONE = "Europe/Stockholm"
STOCKHOLM = ZoneInfo(ZONE)
TIMING = Timing(timezone=ZONE, reminder_hour=7)
CALENDAR = CaseCalendar.swedish(date(2027, 1, 1), date(2027, 12, 31))


def test_the_reminder_falls_due_at_seven_local_time_on_the_day_after_the_change_to_winter_time():
    report = OpenReport(1, 1, date(2027, 10, 28), has_meeting=False)  # + 3 days: Sunday 31 October, CET from 03.00

    assert not unbooked_reminder_due(report, datetime(2027, 10, 31, 5, 59, tzinfo=UTC), 3, TIMING)
    assert unbooked_reminder_due(report, datetime(2027, 10, 31, 6, 0, tzinfo=UTC), 3, TIMING)  # 07.00 CET
    booked = OpenReport(1, 1, date(2027, 10, 28), has_meeting=True)
    assert not unbooked_reminder_due(booked, datetime(2027, 11, 5, 12, 0, tzinfo=UTC), 3, TIMING)


def test_the_list_of_deadlines_is_due_on_working_days_from_the_reminder_hour():
    assert deadline_list_due(datetime(2027, 10, 29, 7, 0, tzinfo=STOCKHOLM), CALENDAR, TIMING) == date(2027, 10, 29)
    assert deadline_list_due(datetime(2027, 10, 29, 6, 59, tzinfo=STOCKHOLM), CALENDAR, TIMING) is None
    assert deadline_list_due(datetime(2027, 10, 30, 9, 0, tzinfo=STOCKHOLM), CALENDAR, TIMING) is None  # Saturday
    assert deadline_list_due(datetime(2027, 12, 24, 9, 0, tzinfo=STOCKHOLM), CALENDAR, TIMING) is None  # Julafton


def test_a_contact_goes_the_set_time_after_the_last_of_its_uses():
    meeting_end = datetime(2027, 10, 20, 10, 0, tzinfo=STOCKHOLM)
    uses = [ContactUse(date(2027, 10, 15), meeting_end),
            ContactUse(date(2027, 10, 18), outcome_at=meeting_end + timedelta(days=5))]

    assert not erasure_due(uses, meeting_end + timedelta(days=34), 30, ZONE)
    assert erasure_due(uses, meeting_end + timedelta(days=35), 30, ZONE)


def test_an_open_report_without_a_meeting_keeps_the_contact_until_its_deadline_has_passed():
    use = ContactUse(date(2027, 10, 15))  # deadline 29 October: over at local midnight
    assert use.done_at(ZONE) == datetime(2027, 10, 30, 0, 0, tzinfo=STOCKHOLM)
    assert not erasure_due([use], datetime(2027, 11, 28, 23, 59, tzinfo=STOCKHOLM), 30, ZONE)
    assert erasure_due([use], datetime(2027, 11, 29, 0, 0, tzinfo=STOCKHOLM), 30, ZONE)
    assert erasure_due([], datetime(2027, 1, 1, tzinfo=UTC), 30, ZONE)  # a contact no report uses
