"""Every follow-up indicator against figures counted by hand (tests/followup_world.py), on both databases,
with the edge cases: a cancelled meeting, a deputy attending, a school joining mid-term, a form with
no required functions, minutes approved but not reported, a district with nothing agreed and one
without an agreement."""
from __future__ import annotations

from datetime import date, datetime

import pytest
from tests.followup_world import NOW, build

from coordinator.followup.details import drill
from coordinator.followup.indicators import BY_ID, INDICATORS, Status, shown
from coordinator.followup.services import city_followup, district_followup
from coordinator.org.functions import Function

# indicator id: (value, status) for Ekdal's HT2027 at NOW, counted by hand from the world's docstring
EXPECTED = {
    "agreement.active": (True, Status.GREEN),
    "agreement.revised": (True, Status.GREEN),                 # due 1 June 2028
    "agreement.parties_municipal": (1.0, Status.GREEN),        # Mossen, Norra of 2
    "agreement.parties_independent": (2 / 3, Status.RED),     # Ugglan, Vinden of Ugglan, Vinden, Åsen
    "agreement.contact": (True, Status.GREEN),
    "meetings.held": (4 / 6, Status.RED),                      # m1, m2, c1, n1 of 2 + 3 + 1 agreed
    "meetings.on_course": (5 / 6, Status.AMBER),               # and c3 to come
    "meetings.not_held": (1, Status.RED),                      # c2
    "meetings.cancelled": (1, Status.NONE),                    # m3
    "functions.complete": (2 / 3, Status.RED),                 # m2, c1 of m1, m2, c1 (n1: nothing required)
    "functions.most_missing": (Function.PRINCIPAL, Status.NONE),  # Ugglan's, at m1
    "schools.invited.municipal": (1.0, Status.GREEN),
    "schools.invited.independent": (1.0, Status.GREEN),        # Ugglan (m1, c3), Vinden (m2)
    "schools.invited.gap": (0.0, Status.GREEN),
    "schools.answered.municipal": (1.0, Status.GREEN),
    "schools.answered.independent": (0.5, Status.RED),         # Vinden; Ugglan never answered
    "schools.answered.gap": (50.0, Status.RED),
    "schools.attended.municipal": (1.0, Status.GREEN),         # Norra through its deputy
    "schools.attended.independent": (0.5, Status.RED),
    "schools.attended.gap": (50.0, Status.RED),
    "answers.rate": (10 / 13, Status.AMBER),                  # m1 4/5, m2 4/4, c1-c3 1/3, n1 1/1
    "answers.median_days": (2.0, Status.GREEN),                # 1 1 1 1 2 3 4 5 6 (the deputy's own left out)
    "answers.by_link": (8, Status.NONE),
    "answers.by_calendar": (1, Status.NONE),
    "answers.by_organiser": (1, Status.NONE),
    "answers.deputies": (1, Status.NONE),
    "minutes.kept": (1.0, Status.GREEN),                       # m1, m2, c1 registered
    "minutes.on_time": (2 / 3, Status.RED),                    # m2 late
    "minutes.approved": (1.0, Status.GREEN),                   # m1, m2 (c1 needs none)
    "minutes.reported": (0.5, Status.AMBER),                   # m2; m1 approved, not reported
    "minutes.days_to_approval": (14.0, Status.NONE),           # 10 and 18
    "minutes.days_to_report": (19.0, Status.NONE),
    "actions.open": (2, Status.NONE),                          # C, D
    "actions.overdue": (1, Status.AMBER),                      # C
    "actions.closed_on_time": (0.5, Status.RED),               # A of A, B
    # reports of concern: r1–r6 (r7 withdrawn); municipal r1 r2 r6, independent r3 r4 r5
    "reports.received": (6, Status.NONE),
    "reports.offered": (4 / 6, Status.RED),                    # r1, r2, r4 (declined), r5
    "reports.held": (3 / 6, Status.NONE),                      # r1, r2, r5
    "reports.in_time": (2 / 3, Status.RED),                    # r1 (8 days), r5 (4); r2 took 18
    "reports.median_days": (8.0, Status.GREEN),                # 4 8 18
    "reports.received.municipal": (3, Status.NONE),
    "reports.offered.municipal": (2 / 3, Status.RED),          # r1, r2 of r1, r2, r6
    "reports.held.municipal": (2 / 3, Status.NONE),
    "reports.in_time.municipal": (0.5, Status.RED),            # r1 of r1, r2
    "reports.median_days.municipal": (13.0, Status.AMBER),     # 8 and 18
    "reports.received.independent": (3, Status.NONE),
    "reports.offered.independent": (2 / 3, Status.RED),        # r4, r5 of r3, r4, r5
    "reports.held.independent": (1 / 3, Status.NONE),          # r5
    "reports.in_time.independent": (1.0, Status.GREEN),
    "reports.median_days.independent": (4.0, Status.GREEN),
    "reports.booked_late": (1, Status.NONE),                   # r2, with its reason
    "consultations.booked": (4, Status.NONE),                  # Mossen 2, Norra 1, Ugglan 1 (Vinden's is VT2028)
    "consultations.per_school.municipal": (1.5, Status.NONE),  # 3 of Mossen and Norra
    "consultations.per_school.independent": (0.33, Status.NONE),  # Ugglan's 1 of Ugglan, Vinden, Åsen
    "consultations.schools.municipal": (1.0, Status.NONE),     # Mossen, Norra
    "consultations.schools.independent": (1 / 3, Status.NONE),  # Ugglan
    "consultations.cancelled": (1, Status.NONE),               # Mossen's 21 Sep
    # no APT form in this world: no school visited (test_followup_visits.py adds the visits and counts them)
    "visits.done.municipal": (0.0, Status.NONE),               # none of Mossen, Norra
    "visits.done.independent": (0.0, Status.NONE),             # none of Ugglan, Vinden
}


@pytest.fixture
def world(session):
    return build(session)


def test_every_indicator_has_an_expected_figure():
    assert set(EXPECTED) == {i.id for i in INDICATORS}


def test_every_figure_of_the_district_matches_the_hand_count(session, world):
    found = district_followup(session, world.district, world.term, NOW)

    actual = {r.indicator.id: (r.figure.value, r.status) for r in found.readings}
    for indicator_id, (value, status) in EXPECTED.items():
        got_value, got_status = actual[indicator_id]
        assert got_value == pytest.approx(value) if isinstance(value, float) else got_value == value, indicator_id
        assert got_status is status, indicator_id


def test_the_figures_per_meeting_form(session, world):
    forms = {f.form.name: {r.indicator.id: r.figure for r in f.readings}
             for f in district_followup(session, world.district, world.term, NOW).forms}

    assert list(forms) == ["Övergripande forum", "Elevhälsokonferens", "Nätverksträff", "Anmälningsmöte"]
    forum, conference, network, report_meeting = forms.values()
    assert (forum["meetings.held"].numerator, forum["meetings.held"].denominator) == (2, 2)
    assert forum["meetings.cancelled"].value == 1
    assert (forum["functions.complete"].numerator, forum["functions.complete"].denominator) == (1, 2)
    assert forum["minutes.reported"].value == 0.5
    # Vinden signed with 30 % of the term left: its conference is not agreed this term
    assert (conference["meetings.held"].numerator, conference["meetings.held"].denominator) == (1, 3)
    assert conference["meetings.not_held"].value == 1
    assert conference["minutes.approved"].value is None  # the form asks no approval: nothing to count
    assert network["functions.complete"].value is None   # no required functions: not counted, not 100 %
    assert network["minutes.kept"].value is None
    # the report meetings (r1, r2, r5 held, r4's cancelled) are counted with their reports, not as a forum
    assert report_meeting["meetings.held"].value is None and report_meeting["meetings.held"].numerator == 0
    assert (report_meeting["meetings.not_held"].value, report_meeting["meetings.cancelled"].value) == (0, 0)


def test_the_meeting_counts_behind_the_shares(session, world):
    facts = district_followup(session, world.district, world.term, NOW).facts
    m = facts.meetings
    assert (m.agreed, m.planned, m.published, m.held, m.cancelled, m.not_held, m.upcoming) == (6, 6, 6, 4, 1, 1, 1)
    assert facts.coverage.missing == {Function.PRINCIPAL: 1}
    assert facts.agreement.not_joined == (world.schools["Åsen"].id,)


def test_the_reports_with_a_meeting_after_the_deadline_list_their_reasons(session, world):
    found = drill(session, world.district, world.term, "reports.late", NOW)
    assert [row[0::4] for row in found.rows] == [("Norra", "Vårdnadshavarna kunde först efter den 18 oktober")]
    assert found.rows[0][1:4] == (date(2027, 10, 4), date(2027, 10, 18), datetime(2027, 10, 22, 9, 0))


def test_another_district_counts_its_own_reports(session, world):
    lunda = {r.indicator.id: r.figure.value for r in district_followup(session, world.lunda, world.term, NOW).readings}
    assert (lunda["reports.received"], lunda["reports.offered"], lunda["reports.in_time"]) == (1, 1.0, 1.0)
    assert lunda["reports.median_days"] == 7.0 and lunda["reports.received.independent"] == 0
    kvarn = district_followup(session, world.kvarn, world.term, NOW).reading("reports.offered")
    assert kvarn.figure.value is None and kvarn.status is Status.NONE


def test_a_district_with_nothing_agreed_and_one_without_an_agreement(session, world):
    for district, has_agreement in ((world.lunda, True), (world.kvarn, False)):
        found = district_followup(session, district, world.term, NOW)
        assert found.has_agreement is has_agreement and not found.has_agreed_meetings
        held = found.reading("meetings.held")
        assert held.figure.value is None and held.status is Status.NONE and shown(held.figure, held.indicator.unit) == "–"
    assert district_followup(session, world.kvarn, world.term, NOW).reading("agreement.active").status is Status.RED
    lunda = district_followup(session, world.lunda, world.term, NOW)
    assert lunda.reading("agreement.revised").figure.value is False  # due 1 November 2027


def test_an_empty_term_counts_what_is_agreed_and_nothing_else(session, world):
    found = district_followup(session, world.district, world.next_term, NOW)

    assert found.facts.meetings.agreed == 2 + 4 + 1  # Vinden's conference is agreed from VT2028
    assert found.facts.meetings.held == 0 and found.reading("meetings.held").figure.value == 0
    assert found.reading("functions.complete").figure.value is None
    assert found.reading("answers.rate").figure.value is None
    assert found.reading("consultations.booked").figure.value == 1  # Vinden's, 18 January
    assert found.reading("consultations.per_school.independent").figure.value == 0.33


def test_the_trend_runs_over_the_terms_up_to_the_one_asked(session, world):
    found = district_followup(session, world.district, world.next_term, NOW)
    assert [t.name for t, _ in found.trend] == ["HT2027", "VT2028"]
    held = {t.name: next(r.figure.value for r in readings if r.indicator.id == "meetings.held")
            for t, readings in found.trend}
    assert held["HT2027"] == pytest.approx(4 / 6)


def test_the_city_side_by_side_with_median_and_range(session, world):
    city = city_followup(session, world.district.municipality, world.term, NOW)

    assert [r.district.code for r in city.rows] == ["EKDAL", "KVARN", "LUNDA"]
    assert [d.code for d in city.without_agreement] == ["KVARN"]
    column = [i.id for i in city.indicators].index("schools.attended.gap")
    assert city.rows[0].readings[column].figure.value == 50.0
    held = [i.id for i in city.indicators].index("meetings.held")
    assert city.spreads[held].median == pytest.approx(4 / 6)  # the only district with something agreed
    offered = [i.id for i in city.indicators].index("reports.offered")
    assert city.spreads[offered].median == pytest.approx((4 / 6 + 1) / 2)  # Ekdal and Lunda; Kvarn has none
    active = [i.id for i in city.indicators].index("agreement.active")
    assert city.spreads[active].lowest == 0 and city.spreads[active].highest == 1


def test_every_indicator_says_what_it_counts_in_both_languages():
    for indicator in INDICATORS:
        assert indicator.name("sv") and indicator.name("en") and indicator.name("sv") != indicator.name("en")
        assert indicator.definition("sv").endswith(".") and indicator.definition("en").endswith(".")
    assert BY_ID["meetings.held"].definition("en").startswith("Meetings held (attendance or minutes recorded)")
