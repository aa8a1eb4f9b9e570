"""The term planner: exact HT2027 dates, clashes, half days, bad cadences, idempotence, properties."""
from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coordinator.planning.planner import (
    CADENCE_IMPOSSIBLE, CROWDED_DAY, DOUBLE_BOOKED, INVALID_CADENCE, MOVED_ONTO_FREE_DAY, NO_FREE_SLOT,
    REMAINING_WEEKS_SHORT, ExistingMeeting, Plan, PlannedMeeting, SeriesSpec, crowded_days, double_bookings,
    hand_made_warnings, plan_term, wanted_count,
)
from coordinator.terms.calendar import Break, TermCalendar

STOCKHOLM = ZoneInfo("Europe/Stockholm")
MON, TUE, WED, THU, FRI = range(5)
CONTACT, POLICE, FIELD_WORKER, DIRECTOR = 1, 2, 3, 4  # district people
ALM_PRINCIPAL, ALM_KURATOR, BJORK_PRINCIPAL, BJORK_KURATOR = 10, 11, 20, 21  # the two schools' people


def ht2027() -> TermCalendar:
    """HT2027 from Thursday 19 August to Tuesday 21 December, höstlov in week 44.

    Its teaching weeks are 33 (two days) to 43 and 45 to 51 (two days): 18 weeks. No
    weekday holiday falls inside it; Allahelgonsafton's half day lies in the höstlov.
    """
    return TermCalendar.with_swedish_holidays(
        "HT2027", date(2027, 8, 19), date(2027, 12, 21),
        [Break("hostlov", date(2027, 11, 1), date(2027, 11, 5), "Höstlov")])


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=STOCKHOLM)


OVERARCHING = SeriesSpec("form:1", 1, "Övergripande samverkansforum", "per_term", 1, 120, TUE,
                         time(13), time(15), frozenset({DIRECTOR, CONTACT, ALM_PRINCIPAL, BJORK_PRINCIPAL}))
OPERATIVE = SeriesSpec("form:2", 2, "Lokalt operativt samverkansforum", "monthly", 1, 90, THU,
                       person_ids=frozenset({CONTACT, POLICE, FIELD_WORKER}))
EHK_ALM = SeriesSpec("form:3:school:1", 3, "Elevhälsokonferens", "per_term", 3, 90, WED,
                     person_ids=frozenset({ALM_PRINCIPAL, ALM_KURATOR, CONTACT}))
EHK_BJORK = replace(EHK_ALM, key="form:3:school:2", person_ids=frozenset({BJORK_PRINCIPAL, BJORK_KURATOR, CONTACT}))
DEMO_SERIES = [OVERARCHING, OPERATIVE, EHK_ALM, EHK_BJORK]


def starts(plan: Plan, key: str) -> list[datetime]:
    return [m.starts_at for m in plan.meetings if m.series_key == key]


def as_existing(meetings, *, is_cancelled: bool = False) -> list[ExistingMeeting]:
    return [ExistingMeeting(m.series_key, m.starts_at, m.ends_at, is_cancelled, m.person_ids) for m in meetings]


# -- HT2027: the exact dates -----------------------------------------------------------------

def test_the_overarching_forum_falls_on_tuesday_of_the_middle_teaching_week():
    # one segment of all 18 teaching weeks; its middle is the 9th week (the earlier of the
    # 9th and 10th), week 41; its Tuesday is 12 October, still summer time (+02:00)
    plan = plan_term(ht2027(), [OVERARCHING], [])

    [meeting] = plan.meetings
    assert meeting == PlannedMeeting("form:1", 1, at(date(2027, 10, 12), 13), at(date(2027, 10, 12), 15),
                                     OVERARCHING.person_ids)
    assert meeting.starts_at.isoformat() == "2027-10-12T13:00:00+02:00"
    assert plan.warnings == ()


def test_the_monthly_operative_forum_meets_once_in_each_month_on_thursday_of_its_middle_week():
    # August's teaching weeks are 33-35 (middle 34), September's 35-39 (37), October's
    # 39-43 (41), November's 45-48 (46, the earlier middle), December's 48-51 (49)
    plan = plan_term(ht2027(), [OPERATIVE], [])

    assert [m.starts_at for m in plan.meetings] == [
        at(date(2027, 8, 26), 9), at(date(2027, 9, 16), 9), at(date(2027, 10, 14), 9),
        at(date(2027, 11, 18), 9), at(date(2027, 12, 9), 9)]
    assert [m.ends_at.time() for m in plan.meetings] == [time(10, 30)] * 5
    # winter time from 31 October
    assert [m.starts_at.utcoffset() for m in plan.meetings] == [timedelta(hours=2)] * 3 + [timedelta(hours=1)] * 2


def test_two_schools_sharing_the_social_services_contact_get_consecutive_conferences():
    # three segments of six weeks: 33-38, 39-45 (no 44), 46-51; their middles are weeks 35,
    # 41 and 48, on Wednesday. Almskolan (the lower key) takes 09:00; Björkskolan shares the
    # contact, so it takes the next slot of the window: 10:30.
    plan = plan_term(ht2027(), DEMO_SERIES, [])

    wednesdays = [date(2027, 9, 1), date(2027, 10, 13), date(2027, 12, 1)]
    assert starts(plan, EHK_ALM.key) == [at(day, 9) for day in wednesdays]
    assert starts(plan, EHK_BJORK.key) == [at(day, 10, 30) for day in wednesdays]
    assert starts(plan, OVERARCHING.key) == [at(date(2027, 10, 12), 13)]
    assert len(starts(plan, OPERATIVE.key)) == 5
    assert double_bookings(plan.meetings) == []
    assert plan.warnings == ()


def test_a_slot_taken_by_an_existing_meeting_moves_the_conference_to_the_next_free_slot():
    # the contact is busy in another district's meeting on Wednesday 1 September 09:00-12:00
    busy = ExistingMeeting("other:9", at(date(2027, 9, 1), 9), at(date(2027, 9, 1), 12), person_ids={CONTACT})

    plan = plan_term(ht2027(), [EHK_ALM, EHK_BJORK], [busy])

    assert starts(plan, EHK_ALM.key)[0] == at(date(2027, 9, 1), 12)
    assert starts(plan, EHK_BJORK.key)[0] == at(date(2027, 9, 1), 13, 30)


def test_a_full_day_moves_the_meeting_to_the_next_teaching_day():
    busy = ExistingMeeting("other:9", at(date(2027, 10, 12), 12), at(date(2027, 10, 12), 17), person_ids={DIRECTOR})

    plan = plan_term(ht2027(), [OVERARCHING], [busy])

    assert starts(plan, OVERARCHING.key) == [at(date(2027, 10, 13), 13)]


def test_a_cancelled_existing_meeting_does_not_make_anyone_busy():
    cancelled = ExistingMeeting("other:9", at(date(2027, 10, 12), 12), at(date(2027, 10, 12), 17),
                                is_cancelled=True, person_ids={DIRECTOR})

    assert starts(plan_term(ht2027(), [OVERARCHING], [cancelled]), OVERARCHING.key) == [at(date(2027, 10, 12), 13)]


def test_the_step_between_slots_is_the_duration_rounded_up_to_the_quarter_hour():
    first = replace(EHK_ALM, duration_minutes=50)
    second = replace(EHK_BJORK, duration_minutes=50)

    plan = plan_term(ht2027(), [first, second], [])

    assert starts(plan, second.key)[0] == at(date(2027, 9, 1), 10)


# -- weekdays, holidays and half days --------------------------------------------------------

def one_week_of_vt2028(monday: date) -> TermCalendar:
    return TermCalendar.with_swedish_holidays("VT2028", monday, monday + timedelta(days=4))


def test_a_half_day_afternoon_is_skipped_for_the_next_teaching_day():
    # Wednesday 24 May 2028 is free from 14.00 and Thursday is Kristi himmelsfärdsdag
    afternoon = SeriesSpec("form:5", 5, "Styrgrupp", "per_term", 1, 120, WED, time(13), time(15))

    plan = plan_term(one_week_of_vt2028(date(2028, 5, 22)), [afternoon], [])

    assert starts(plan, "form:5") == [at(date(2028, 5, 26), 13)]


def test_a_half_day_morning_is_fine():
    morning = SeriesSpec("form:5", 5, "Styrgrupp", "per_term", 1, 90, WED, time(9), time(15))

    plan = plan_term(one_week_of_vt2028(date(2028, 5, 22)), [morning], [])

    assert starts(plan, "form:5") == [at(date(2028, 5, 24), 9)]


def test_a_preferred_weekday_on_a_holiday_takes_the_nearest_teaching_day_later_first():
    thursday = SeriesSpec("form:5", 5, "Styrgrupp", "per_term", 1, 60, THU)

    plan = plan_term(one_week_of_vt2028(date(2028, 5, 22)), [thursday], [])

    assert starts(plan, "form:5") == [at(date(2028, 5, 26), 9)]


def test_a_preferred_friday_on_good_friday_takes_thursday():
    friday = SeriesSpec("form:5", 5, "Styrgrupp", "per_term", 1, 60, FRI)

    # 14 April 2028 is Långfredagen; Skärtorsdagen is a half day, fine in the morning
    plan = plan_term(one_week_of_vt2028(date(2028, 4, 10)), [friday], [])

    assert starts(plan, "form:5") == [at(date(2028, 4, 13), 9)]


def test_no_weekday_preference_takes_the_first_teaching_day_of_the_week():
    anyday = SeriesSpec("form:5", 5, "Styrgrupp", "per_term", 1, 60)

    # Monday 17 April 2028 is Annandag påsk
    plan = plan_term(one_week_of_vt2028(date(2028, 4, 17)), [anyday], [])

    assert starts(plan, "form:5") == [at(date(2028, 4, 18), 9)]


# -- how many meetings, and the warnings -----------------------------------------------------

def test_a_cadence_the_term_cannot_hold_gives_one_meeting_a_week_and_a_warning():
    three_weeks = TermCalendar("HT2027", date(2027, 9, 6), date(2027, 9, 24))
    weekly = SeriesSpec("form:6", 6, "Veckomöte", "per_term", 5, 60, MON)

    plan = plan_term(three_weeks, [weekly], [])

    assert starts(plan, "form:6") == [at(date(2027, 9, 6), 9), at(date(2027, 9, 13), 9), at(date(2027, 9, 20), 9)]
    [warning] = plan.warnings
    assert warning.code == CADENCE_IMPOSSIBLE
    assert (warning.params["form"], warning.params["wanted"], warning.params["possible"]) == ("Veckomöte", 5, 3)
    assert warning.message() == ("Veckomöte ska hållas 5 gånger under HT2027, men terminen har bara "
                                 "3 undervisningsveckor; högst ett möte per vecka planeras.")


@pytest.mark.parametrize(("season", "count", "wanted"), [
    ("HT", 1, 1), ("VT", 1, 0), ("HT", 3, 2), ("VT", 3, 1), ("HT", 4, 2), ("VT", 4, 2),
])
def test_a_yearly_cadence_gives_autumn_the_odd_meeting(season, count, wanted):
    calendar = TermCalendar(f"{season}2027", date(2027, 2, 1), date(2027, 5, 28))
    yearly = SeriesSpec("form:7", 7, "APT-besök", "per_year", count)

    assert wanted_count(calendar, yearly) == wanted
    plan = plan_term(calendar, [yearly], [])
    assert len(plan.meetings) == wanted and plan.warnings == ()


def test_an_on_demand_form_is_not_planned():
    consultation = SeriesSpec("form:8", 8, "Konsultation", "on_demand", 0, 0)

    assert plan_term(ht2027(), [consultation], []) == Plan((), ())


@pytest.mark.parametrize(("changes", "message"), [
    ({"cadence_count": 0}, "Elevhälsokonferens ska hållas minst en gång, men antalet är 0."),
    ({"duration_minutes": -30}, "Elevhälsokonferens har mötestiden -30 minuter; den måste vara längre än noll."),
    ({"window_start": time(15), "window_end": time(14)}, "Tidsfönstret för Elevhälsokonferens slutar 14:00, "
                                                         "innan det börjar 15:00."),
    ({"window_start": time(15)}, "Elevhälsokonferens tar 90 minuter, längre än tidsfönstret 15:00–16:00."),
    ({"cadence": "weekly"}, "Elevhälsokonferens har en okänd mötesfrekvens: weekly."),
])
def test_an_invalid_cadence_is_a_warning_and_nothing_is_planned(changes, message):
    plan = plan_term(ht2027(), [replace(EHK_ALM, **changes), EHK_BJORK], [])

    assert {m.series_key for m in plan.meetings} == {EHK_BJORK.key}
    [warning] = plan.warnings
    assert (warning.code, warning.message(), warning.params["series_key"]) == (INVALID_CADENCE, message, EHK_ALM.key)


def test_no_free_slot_left_is_a_warning_naming_the_form():
    # one week, one slot a day, the same contact in six series: five fit, the sixth cannot
    week = TermCalendar("HT2027", date(2027, 9, 6), date(2027, 9, 10))
    series = [SeriesSpec(f"form:9:school:{n}", 9, "Elevhälsokonferens", "per_term", 1, 120, MON,
                         time(9), time(11), frozenset({CONTACT, 100 + n})) for n in range(6)]

    plan = plan_term(week, series, [])

    assert [m.starts_at.date() for m in plan.meetings] == [date(2027, 9, 6 + n) for n in range(5)]
    [warning] = plan.warnings
    assert (warning.code, warning.params["series_key"], warning.params["missing"]) == (NO_FREE_SLOT,
                                                                                       "form:9:school:5", 1)
    assert warning.message() == ("Ingen ledig tid för Elevhälsokonferens under HT2027 utan att någon blir "
                                 "dubbelbokad: 1 av 1 möten saknas.")


def test_when_the_rest_of_the_term_is_full_an_earlier_day_is_taken():
    week = TermCalendar("HT2027", date(2027, 9, 6), date(2027, 9, 10))
    thursday = SeriesSpec("form:9", 9, "Styrgrupp", "per_term", 1, 120, THU, time(9), time(11), frozenset({CONTACT}))
    busy = [ExistingMeeting("other:1", at(date(2027, 9, d), 8), at(date(2027, 9, d), 12), person_ids={CONTACT})
            for d in (9, 10)]

    assert starts(plan_term(week, [thursday], busy), "form:9") == [at(date(2027, 9, 6), 9)]


def test_series_keys_must_be_unique():
    with pytest.raises(ValueError):
        plan_term(ht2027(), [EHK_ALM, replace(EHK_BJORK, key=EHK_ALM.key)], [])


def test_the_database_cadence_enum_is_accepted():
    class Cadence:  # stands in for coordinator.agreements.models.Cadence
        value = "per_term"

    assert SeriesSpec("form:1", 1, "Forum", Cadence()).cadence == "per_term"  # type: ignore[arg-type]


# -- idempotence: the director's hand-made decisions are kept -------------------------------

def test_planning_again_with_the_plan_stored_adds_nothing():
    first = plan_term(ht2027(), DEMO_SERIES, [])

    assert plan_term(ht2027(), DEMO_SERIES, as_existing(first.meetings)) == Plan((), ())


def test_a_meeting_moved_by_hand_is_kept_and_not_planned_again():
    first = plan_term(ht2027(), [OVERARCHING], [])
    moved = replace(as_existing(first.meetings)[0],
                    starts_at=at(date(2027, 9, 7), 13), ends_at=at(date(2027, 9, 7), 15))

    assert plan_term(ht2027(), [OVERARCHING], [moved]).meetings == ()


def test_cancelled_meetings_are_not_replaced():
    first = plan_term(ht2027(), [EHK_ALM], [])

    assert plan_term(ht2027(), [EHK_ALM], as_existing(first.meetings, is_cancelled=True)).meetings == ()


def test_a_segment_blocked_for_weeks_pushes_its_meeting_forward_and_the_next_keeps_its_week():
    # the contact is taken every teaching day from week 35 to week 40
    busy = [ExistingMeeting("other:9", at(day, 8), at(day, 17), person_ids={CONTACT})
            for day in ht2027().teaching_days() if date(2027, 8, 30) <= day <= date(2027, 10, 8)]

    plan = plan_term(ht2027(), [EHK_ALM], busy)

    assert starts(plan, EHK_ALM.key) == [at(date(2027, 10, 11), 9), at(date(2027, 10, 13), 9), at(date(2027, 12, 1), 9)]


def test_a_deleted_meeting_is_planned_again_in_its_own_segment():
    first = plan_term(ht2027(), [EHK_ALM], [])
    kept = [m for m in first.meetings if m.starts_at.month != 10]

    again = plan_term(ht2027(), [EHK_ALM], as_existing(kept))

    assert [m.starts_at for m in again.meetings] == [at(date(2027, 10, 13), 9)]


# -- a term under way: the rest of the cadence over the weeks left ---------------------------

def test_a_term_planned_in_its_last_week_plans_what_fits_and_says_what_does_not():
    # from Monday 20 December only week 51 is left: one of the forum's two meetings fits
    forum = replace(OVERARCHING, cadence_count=2)

    plan = plan_term(ht2027(), [forum], [], plan_from=date(2027, 12, 20))

    assert starts(plan, forum.key) == [at(date(2027, 12, 21), 13)]
    [warning] = plan.warnings
    assert (warning.code, warning.params["missing"], warning.params["wanted"]) == (REMAINING_WEEKS_SHORT, 1, 2)
    assert warning.message() == ("Övergripande samverkansforum: 1 av 2 möten får inte plats i terminens "
                                 "återstående veckor.")


def test_the_remaining_meetings_are_spread_over_the_remaining_weeks():
    # from Monday 18 October: weeks 42, 43 and 45-51 are left, three segments of three weeks
    # whose middles are weeks 43, 47 and 50
    plan = plan_term(ht2027(), [EHK_ALM], [], plan_from=date(2027, 10, 18))

    assert starts(plan, EHK_ALM.key) == [at(date(2027, 10, 27), 9), at(date(2027, 11, 24), 9),
                                         at(date(2027, 12, 15), 9)]
    assert plan.warnings == ()


def test_meetings_before_the_plan_from_day_count_toward_the_cadence():
    # one conference was held on 1 September: two are left, over weeks 42-43 and 45-46, then 47-51
    held = ExistingMeeting(EHK_ALM.key, at(date(2027, 9, 1), 9), at(date(2027, 9, 1), 10, 30),
                           person_ids=EHK_ALM.person_ids)

    plan = plan_term(ht2027(), [EHK_ALM], [held], plan_from=date(2027, 10, 18))

    assert starts(plan, EHK_ALM.key) == [at(date(2027, 10, 27), 9), at(date(2027, 12, 8), 9)]
    assert plan.warnings == ()


def test_a_past_draft_or_cancelled_meeting_counts_as_it_stands_and_is_not_planned_anew():
    first = plan_term(ht2027(), [EHK_ALM], [])
    past_draft, cancelled, _ = as_existing(first.meetings)
    cancelled = replace(cancelled, is_cancelled=True)

    plan = plan_term(ht2027(), [EHK_ALM], [past_draft, cancelled], plan_from=date(2027, 11, 15))

    assert starts(plan, EHK_ALM.key) == [at(date(2027, 12, 1), 9)]


def test_a_monthly_series_begun_mid_term_gets_the_months_left_and_a_warning_for_the_rest():
    # from Friday 15 October: the rest of October (weeks 41-43, middle 42), November (46), December (49)
    plan = plan_term(ht2027(), [OPERATIVE], [], plan_from=date(2027, 10, 15))

    assert starts(plan, OPERATIVE.key) == [at(date(2027, 10, 21), 9), at(date(2027, 11, 18), 9),
                                           at(date(2027, 12, 9), 9)]
    [warning] = plan.warnings
    assert warning.message() == ("Lokalt operativt samverkansforum: 2 av 5 möten får inte plats i terminens "
                                 "återstående veckor.")


def test_a_monthly_meeting_held_earlier_in_the_current_month_covers_that_month():
    held = [ExistingMeeting(OPERATIVE.key, at(day, 9), at(day, 10, 30), person_ids=OPERATIVE.person_ids)
            for day in (date(2027, 8, 26), date(2027, 9, 16), date(2027, 10, 7))]

    plan = plan_term(ht2027(), [OPERATIVE], held, plan_from=date(2027, 10, 15))

    assert starts(plan, OPERATIVE.key) == [at(date(2027, 11, 18), 9), at(date(2027, 12, 9), 9)]
    assert plan.warnings == ()


def test_a_term_that_is_over_plans_nothing_and_says_what_is_missing():
    plan = plan_term(ht2027(), [OVERARCHING], [], plan_from=date(2027, 12, 22))

    assert plan.meetings == ()
    assert [(w.code, w.params["missing"]) for w in plan.warnings] == [(REMAINING_WEEKS_SHORT, 1)]


def test_a_plan_from_day_before_the_term_changes_nothing():
    assert plan_term(ht2027(), DEMO_SERIES, [], plan_from=date(2027, 6, 1)) == plan_term(ht2027(), DEMO_SERIES, [])


# -- at most N meetings a day for one person ----------------------------------------------------

FOUR_SCHOOLS = [replace(EHK_ALM, key=f"form:3:school:{n}", person_ids=frozenset({CONTACT, 100 + n}))
                for n in range(4)]


def test_one_persons_conferences_are_not_stacked_beyond_the_limit_on_one_day():
    # the contact is in all four schools' conferences: 09.00, 10.30 and 12.00 on Wednesday 1
    # September, the fourth on Thursday rather than at 13.30
    first_day = [at(date(2027, 9, 1), hour, minute) for hour, minute in ((9, 0), (10, 30), (12, 0))]

    plan = plan_term(ht2027(), FOUR_SCHOOLS, [], max_per_day=3)

    assert [starts(plan, s.key)[0] for s in FOUR_SCHOOLS] == [*first_day, at(date(2027, 9, 2), 9)]
    assert crowded_days(plan.meetings, 3) == []
    # without the limit the four fill Wednesday
    unlimited = plan_term(ht2027(), FOUR_SCHOOLS, [], max_per_day=None)
    assert starts(unlimited, FOUR_SCHOOLS[3].key)[0] == at(date(2027, 9, 1), 13, 30)


def test_meetings_elsewhere_count_toward_a_persons_day():
    elsewhere = ExistingMeeting("other:1", at(date(2027, 9, 1), 15), at(date(2027, 9, 1), 16), person_ids={CONTACT})

    plan = plan_term(ht2027(), FOUR_SCHOOLS[:3], [elsewhere], max_per_day=3)

    assert starts(plan, FOUR_SCHOOLS[2].key)[0] == at(date(2027, 9, 2), 9)


def test_when_no_day_has_room_the_meeting_takes_a_fuller_day_and_the_day_is_reported():
    # a one-day term: the four conferences cannot be spread, but they need not clash
    one_day = TermCalendar("HT2027", date(2027, 9, 1), date(2027, 9, 1))

    plan = plan_term(one_day, [replace(s, cadence_count=1) for s in FOUR_SCHOOLS], [], max_per_day=3)

    assert len(plan.meetings) == 4 and plan.warnings == ()
    [warning] = crowded_days(plan.meetings, 3)
    assert (warning.code, warning.params["person_id"], warning.params["count"]) == (CROWDED_DAY, CONTACT, 4)
    assert warning.message() == "1 har 4 möten 2027-09-01; högst 3 om dagen planeras."
    assert warning.params["indexes"] == (0, 1, 2, 3)


def test_a_limit_below_one_is_refused():
    with pytest.raises(ValueError):
        plan_term(ht2027(), [EHK_ALM], [], max_per_day=0)


# -- checks of a reviewed plan ---------------------------------------------------------------

def test_a_meeting_moved_onto_a_free_day_is_flagged_with_the_reason():
    calendar = ht2027()
    meetings = [
        ExistingMeeting("form:1", at(date(2027, 11, 3), 13), at(date(2027, 11, 3), 15), meeting_id=7),
        ExistingMeeting("form:2", at(date(2027, 9, 18), 9), at(date(2027, 9, 18), 10)),
        ExistingMeeting("form:2", at(date(2027, 12, 24), 9), at(date(2027, 12, 24), 10)),
        ExistingMeeting("form:2", at(date(2027, 11, 6), 9), at(date(2027, 11, 6), 10), is_cancelled=True),
        ExistingMeeting("form:3", at(date(2027, 9, 14), 9), at(date(2027, 9, 14), 10)),
    ]

    warnings = hand_made_warnings(calendar, meetings, series_names={"form:1": "Övergripande samverkansforum"})

    assert [w.code for w in warnings] == [MOVED_ONTO_FREE_DAY] * 3
    assert [w.params["reason"] for w in warnings] == ["Höstlov", "helg", "utanför terminen"]
    assert warnings[0].message() == "Övergripande samverkansforum 2027-11-03 13:00 ligger inte på skoltid: Höstlov."
    assert (warnings[0].params["meeting_id"], warnings[0].params["index"]) == (7, 0)


def test_a_meeting_moved_onto_a_holiday_names_the_holiday():
    calendar = TermCalendar.with_swedish_holidays("VT2028", date(2028, 1, 10), date(2028, 6, 13))
    on_ascension_day = ExistingMeeting("form:1", at(date(2028, 5, 25), 9), at(date(2028, 5, 25), 10))

    [warning] = hand_made_warnings(calendar, [on_ascension_day])

    assert warning.params["reason"] == "Kristi himmelsfärdsdag"


def test_a_double_booked_person_is_named_with_both_meetings():
    meetings = [
        ExistingMeeting("form:1", at(date(2027, 9, 14), 13), at(date(2027, 9, 14), 15), person_ids={CONTACT, DIRECTOR}),
        ExistingMeeting("form:2", at(date(2027, 9, 14), 14), at(date(2027, 9, 14), 16), person_ids={CONTACT, POLICE}),
        ExistingMeeting("form:3", at(date(2027, 9, 14), 15), at(date(2027, 9, 14), 16), person_ids={DIRECTOR}),
        ExistingMeeting("form:4", at(date(2027, 9, 14), 13), at(date(2027, 9, 14), 16), person_ids={POLICE},
                        is_cancelled=True),
    ]

    [warning] = double_bookings(meetings, series_names={"form:1": "Forum", "form:2": "Operativt"})

    assert warning.code == DOUBLE_BOOKED
    assert (warning.params["person_id"], warning.params["first_index"],
            warning.params["second_index"]) == (CONTACT, 0, 1)
    assert warning.message() == "1 är dubbelbokad: Forum 2027-09-14 13:00 och Operativt 2027-09-14 14:00."


def test_every_overlapping_pair_is_reported_once():
    day = date(2027, 9, 14)
    meetings = [ExistingMeeting(f"form:{n}", at(day, 9 + n), at(day, 13), person_ids={CONTACT}) for n in range(3)]

    pairs = [(w.params["first_index"], w.params["second_index"]) for w in double_bookings(meetings)]

    assert pairs == [(0, 1), (0, 2), (1, 2)]


# -- properties over random terms, breaks, holidays and cadences -----------------------------

PEOPLE = st.frozensets(st.integers(0, 5), max_size=4)  # few people, so that clashes happen
WINDOWS = [(None, None), (time(8), time(12)), (time(13), time(15)), (time(13), time(17)),
           (time(9, 30), time(11)), (time(15), time(14))]
# strategies are built once: building them in every draw costs more than the planning
SERIES_FIELDS = st.tuples(
    st.sampled_from(["per_term", "per_term", "per_year", "monthly", "on_demand"]),  # cadence
    st.integers(0, 8),                                    # cadence count
    st.sampled_from([0, 30, 45, 60, 90, 90, 120, 200]),   # duration
    st.none() | st.integers(0, 6),                        # preferred weekday
    st.sampled_from(WINDOWS),
    PEOPLE,
)
BREAK_FIELDS = st.tuples(st.sampled_from(["hostlov", "sportlov", "study_day"]), st.integers(0, 130), st.integers(0, 9))
EXISTING_FIELDS = st.tuples(
    st.integers(0, 8),                       # its series: one of the drawn, or another one
    st.integers(-3, 133),                    # its day, from the term's start
    st.integers(7 * 4, 17 * 4),              # its start, in quarter hours
    st.sampled_from([30, 60, 90, 180]),      # its length
    st.booleans(),                           # cancelled
    PEOPLE,
)


@st.composite
def calendars(draw) -> TermCalendar:
    starts_on = draw(st.dates(date(2026, 1, 1), date(2029, 12, 31)))
    length = draw(st.integers(0, 10) | st.integers(0, 130))  # short terms run out of free slots
    ends_on = starts_on + timedelta(days=length)
    name = draw(st.sampled_from(["HT", "VT"])) + str(starts_on.year)
    breaks = [Break(kind, starts_on + timedelta(days=first), starts_on + timedelta(days=min(length, first + span)))
              for kind, first, span in draw(st.lists(BREAK_FIELDS, max_size=3)) if first <= length]
    if draw(st.booleans()):
        return TermCalendar.with_swedish_holidays(name, starts_on, ends_on, breaks)
    offsets = st.sets(st.integers(0, length), max_size=6)
    holidays = {starts_on + timedelta(days=n): "Helgdag" for n in draw(offsets)}
    half_days = {starts_on + timedelta(days=n): "Halvdag" for n in draw(offsets)}
    return TermCalendar(name, starts_on, ends_on, tuple(breaks), holidays,
                        {day: name for day, name in half_days.items() if day not in holidays})


def build_series(fields) -> list[SeriesSpec]:
    return [SeriesSpec(f"form:{n % 3}:school:{n}", n % 3, f"Form {n % 3}", cadence, count, duration, weekday,
                       window[0], window[1], people)
            for n, (cadence, count, duration, weekday, window, people) in enumerate(fields)]


@st.composite
def planning_inputs(draw):
    calendar = draw(calendars())
    series = draw(st.lists(SERIES_FIELDS, min_size=1, max_size=8).map(build_series))
    keys = [spec.key for spec in series] + ["other:1"]
    existing = []
    for which, day, quarter, minutes, is_cancelled, people in draw(st.lists(EXISTING_FIELDS, max_size=6)):
        starts_at = at(calendar.starts_on + timedelta(days=day), quarter // 4, quarter % 4 * 15)
        existing.append(ExistingMeeting(keys[which % len(keys)], starts_at, starts_at + timedelta(minutes=minutes),
                                        is_cancelled, people))
    return calendar, series, existing


def is_valid(spec: SeriesSpec) -> bool:
    start, end = spec.window_start or time(9), spec.window_end or time(16)
    window = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
    return spec.cadence_count >= 1 and 0 < spec.duration_minutes <= window


def possible_count(calendar: TermCalendar, spec: SeriesSpec) -> int:
    wanted = wanted_count(calendar, spec)
    return wanted if spec.cadence == "monthly" else min(wanted, len(calendar.teaching_weeks()))


def overlaps(a, b) -> bool:
    return a.starts_at < b.ends_at and b.starts_at < a.ends_at and bool(a.person_ids & b.person_ids)


@settings(max_examples=250, deadline=None)
@given(planning_inputs())
def test_meetings_fall_on_school_time_inside_their_window(inputs):
    calendar, series, existing = inputs
    by_key = {spec.key: spec for spec in series}

    for meeting in plan_term(calendar, series, existing).meetings:
        spec = by_key[meeting.series_key]
        assert calendar.free_reason(meeting.starts_at, meeting.ends_at) is None
        assert meeting.starts_at.tzinfo is not None and meeting.starts_at.utcoffset() in (
            timedelta(hours=1), timedelta(hours=2))
        assert meeting.ends_at - meeting.starts_at == timedelta(minutes=spec.duration_minutes)
        assert (spec.window_start or time(9)) <= meeting.starts_at.time()
        assert meeting.ends_at.time() <= (spec.window_end or time(16))
        assert meeting.form_id == spec.form_id and meeting.person_ids == spec.person_ids


@st.composite
def begun_inputs(draw):
    """Planning inputs with a day to plan from (none, before, inside or after the term) and a daily limit."""
    calendar, series, existing = draw(planning_inputs())
    plan_from = draw(st.none() | st.integers(-5, 140).map(lambda n: calendar.starts_on + timedelta(days=n)))
    return calendar, series, existing, plan_from, draw(st.sampled_from([None, 1, 2, 3]))


@settings(max_examples=300, deadline=None)
@given(begun_inputs())
def test_each_series_gets_its_cadence_where_the_term_allows_it_else_a_warning(inputs):
    calendar, series, existing, plan_from, limit = inputs
    plan = plan_term(calendar, series, existing, plan_from=plan_from, max_per_day=limit)
    begun = plan_from is not None and any(day < plan_from for day in calendar.teaching_days())

    for spec in series:
        codes = {w.code for w in plan.warnings if w.params.get("series_key") == spec.key}
        short = sum(w.params["missing"] for w in plan.warnings
                    if w.code == REMAINING_WEEKS_SHORT and w.params["series_key"] == spec.key)
        planned = sum(m.series_key == spec.key for m in plan.meetings)
        stored = sum(m.series_key == spec.key for m in existing)
        if spec.cadence == "on_demand":
            assert planned == 0 and codes == set()
        elif not is_valid(spec):
            assert planned == 0 and codes == {INVALID_CADENCE}
        else:
            wanted, possible = wanted_count(calendar, spec), possible_count(calendar, spec)
            assert (CADENCE_IMPOSSIBLE in codes) == (wanted > possible)
            assert short == 0 or begun  # only a term under way lacks weeks it had
            if NO_FREE_SLOT in codes:
                assert planned + short < possible - stored
            else:
                assert planned + short == max(possible - stored, 0)


@settings(max_examples=300, deadline=None)
@given(begun_inputs())
def test_no_meeting_is_planned_before_the_plan_from_day(inputs):
    calendar, series, existing, plan_from, limit = inputs

    plan = plan_term(calendar, series, existing, plan_from=plan_from, max_per_day=limit)

    assert plan_from is None or all(m.starts_at.date() >= plan_from for m in plan.meetings)


def free_slots(calendar: TermCalendar, spec: SeriesSpec, plan_from: date | None):
    """Every (start, end) a meeting of the series could take from `plan_from` on, by the rules of time alone."""
    first, last = spec.window_start or time(9), spec.window_end or time(16)
    step = timedelta(minutes=-(-spec.duration_minutes // 15) * 15)
    for day in calendar.teaching_days():
        if plan_from is not None and day < plan_from:
            continue
        latest_end = at(day, 14) if calendar.is_half_day(day) else at(day, last.hour, last.minute)
        start = at(day, first.hour, first.minute)
        while start + timedelta(minutes=spec.duration_minutes) <= min(latest_end, at(day, last.hour, last.minute)):
            yield start, start + timedelta(minutes=spec.duration_minutes)
            start += step


@st.composite
def crowding_inputs(draw):
    """Begun inputs where every series shares person 0 and one weekday, so that days fill up."""
    calendar, series, existing, plan_from, limit = draw(begun_inputs())
    weekday = draw(st.none() | st.integers(0, 4))
    series = [replace(spec, person_ids=spec.person_ids | {0}, preferred_weekday=weekday) for spec in series]
    return calendar, series, existing, plan_from, limit


@settings(max_examples=200, deadline=None)
@given(crowding_inputs())
def test_a_person_gets_more_than_the_limit_in_a_day_only_when_no_day_with_room_was_left(inputs):
    calendar, series, existing, plan_from, limit = inputs
    limit = limit or 2
    plan = plan_term(calendar, series, existing, plan_from=plan_from, max_per_day=limit)
    everything = [*(m for m in existing if not m.is_cancelled), *plan.meetings]
    by_key = {spec.key: spec for spec in series}

    def had_room_elsewhere(meeting: PlannedMeeting) -> bool:
        others = [m for m in everything if m is not meeting]
        for start, end in free_slots(calendar, by_key[meeting.series_key], plan_from):
            slot = PlannedMeeting(meeting.series_key, meeting.form_id, start, end, meeting.person_ids)
            full = any(sum(p in m.person_ids and m.starts_at.date() == start.date() for m in others) >= limit
                       for p in meeting.person_ids)
            if not full and not any(overlaps(slot, m) for m in others):
                return True
        return False

    for warning in crowded_days(everything, limit):
        person, day = warning.params["person_id"], date.fromisoformat(warning.params["day"])
        ours = [m for m in plan.meetings if person in m.person_ids and m.starts_at.date() == day]
        # the meeting that went over the limit was placed there because no other day had room
        assert not ours or any(not had_room_elsewhere(m) for m in ours)


@settings(max_examples=250, deadline=None)
@given(planning_inputs())
def test_nobody_is_double_booked_by_the_plan(inputs):
    calendar, series, existing = inputs
    plan = plan_term(calendar, series, existing)
    busy = [m for m in existing if not m.is_cancelled]

    for n, meeting in enumerate(plan.meetings):
        assert not any(overlaps(meeting, other) for other in plan.meetings[n + 1:])
        assert not any(overlaps(meeting, other) for other in busy)
    # the same check, as the service layer will run it
    clashes = double_bookings([*busy, *plan.meetings])
    assert all(w.params["second_index"] < len(busy) for w in clashes)


@settings(max_examples=150, deadline=None)
@given(planning_inputs(), st.randoms(use_true_random=False))
def test_the_same_input_gives_the_same_plan_in_any_order(inputs, shuffler: random.Random):
    calendar, series, existing = inputs
    plan = plan_term(calendar, series, existing)
    shuffled_series, shuffled_existing = series[:], existing[:]
    shuffler.shuffle(shuffled_series)
    shuffler.shuffle(shuffled_existing)

    assert plan_term(calendar, series, existing) == plan
    assert plan_term(calendar, shuffled_series, shuffled_existing) == plan


@settings(max_examples=150, deadline=None)
@given(planning_inputs())
def test_planning_again_with_the_first_plan_stored_adds_nothing(inputs):
    calendar, series, existing = inputs
    first = plan_term(calendar, series, existing)

    again = plan_term(calendar, series, existing + as_existing(first.meetings))

    assert again.meetings == ()
    assert {w.code for w in again.warnings} <= {w.code for w in first.warnings}


@settings(max_examples=100, deadline=None)
@given(planning_inputs())
def test_cancelled_meetings_are_never_replaced(inputs):
    calendar, series, existing = inputs
    first = plan_term(calendar, series, existing)
    short = {w.params["series_key"] for w in first.warnings if w.code == NO_FREE_SLOT}

    again = plan_term(calendar, series, existing + as_existing(first.meetings, is_cancelled=True))

    # cancelling frees the invitees, so only a series that lacked a slot may get one now
    assert {m.series_key for m in again.meetings} <= short
