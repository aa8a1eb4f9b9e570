"""The staff-meeting visit (APT) indicators against figures counted by hand, on both databases: the follow-up
world (tests/followup_world.py) with an APT form and these visits added (times in Stockholm, 15.00):
- Mossen (municipal): confirmed, Wed 22 Sep 2027 (HT2027): done.
- Norra (municipal): one cancelled on 5 Oct 2027; confirmed for Thu 10 Feb 2028 (VT2028).
- Ugglan (independent): confirmed for Wed 15 Dec 2027, after NOW (10 Dec) but before HT2027 ends.
- Vinden (independent): proposed for 20 Oct 2027, never confirmed (a draft): not done.
- Åsen (independent, not a party): confirmed 21 Sep 2027: not counted, it is not due.
Due: one per party school and school year: HT2027 at NOW has Mossen, Norra | Ugglan, Vinden (signed 15 Nov).
"""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta

import pytest

from coordinator.agreements.models import Cadence, FormKind, Scope
from coordinator.followup.report import committee_report
from coordinator.followup.services import city_followup, district_followup
from coordinator.org.functions import Function as F
from coordinator.planning.models import Meeting, MeetingStatus
from tests.followup_world import NOW, PUBLISHED, _form, at, build

LATER = datetime(2028, 6, 20, 12, 0, tzinfo=NOW.tzinfo)  # after VT2028 (ends 12 June)


@pytest.fixture
def world(session):
    world = build(session)
    version = world.forms["F1"].version
    form = _form(version, 4, FormKind.STAFF_MEETING_VISIT, "APT-besök", Scope.PER_SCHOOL, Cadence.PER_YEAR,
                 (F.PRINCIPAL,), requires_minutes=False, requires_approval=False)
    session.flush()
    for school, starts, status, term in (
            ("Mossen", at(9, 22, 15), MeetingStatus.SCHEDULED, world.term),
            ("Norra", at(10, 5, 15), MeetingStatus.CANCELLED, world.term),
            ("Norra", at(2, 10, 15, 2028), MeetingStatus.SCHEDULED, world.next_term),
            ("Ugglan", at(12, 15, 15), MeetingStatus.SCHEDULED, world.term),
            ("Vinden", at(10, 20, 15), MeetingStatus.DRAFT, world.term),
            ("Åsen", at(9, 21, 15), MeetingStatus.SCHEDULED, world.term)):
        session.add(Meeting(
            uid=f"{secrets.token_hex(8)}@test", meeting_form=form, term=term,
            series_key=f"a{version.agreement_id}:staff_meeting_visit:1:s{world.schools[school].id}",
            district=world.district, school=world.schools[school], starts_at=starts,
            ends_at=starts + timedelta(hours=1), status=status, sequence=0, created_at=at(8, 1),
            published_at=PUBLISHED if status is not MeetingStatus.DRAFT else None))
    session.commit()
    return world


def figures(found) -> dict[str, tuple[int | None, int | None]]:
    return {kind: (found.reading(f"visits.done.{kind}").figure.numerator,
                   found.reading(f"visits.done.{kind}").figure.denominator) for kind in ("municipal", "independent")}


def test_the_autumn_counts_the_visits_done_by_now_of_the_party_schools(session, world):
    found = district_followup(session, world.district, world.term, NOW)

    assert figures(found) == {"municipal": (1, 2), "independent": (0, 2)}  # Mossen | neither Ugglan (15 Dec) nor Vinden
    assert found.reading("visits.done.municipal").figure.value == pytest.approx(0.5)
    assert found.facts.visits.school_year == 2027


def test_the_spring_counts_the_whole_school_year_and_the_autumn_its_own_end(session, world):
    autumn = district_followup(session, world.district, world.term, LATER)
    spring = district_followup(session, world.district, world.next_term, LATER)

    assert figures(autumn) == {"municipal": (1, 2), "independent": (1, 2)}  # Ugglan's 15 Dec is within HT2027
    assert figures(spring) == {"municipal": (2, 2), "independent": (1, 2)}  # Norra in February; Vinden's a draft
    assert spring.reading("visits.done.municipal").figure.value == 1.0


def test_the_city_shows_the_districts_side_by_side_and_one_without_parties_counts_nothing(session, world):
    city = city_followup(session, world.district.municipality, world.term, NOW)
    rows = {row.district.code: {r.indicator.id: r.figure for r in row.readings} for row in city.rows}

    assert (rows["EKDAL"]["visits.done.municipal"].numerator, rows["EKDAL"]["visits.done.independent"].numerator) == (1, 0)
    assert rows["LUNDA"]["visits.done.municipal"].value is None  # no party schools: nothing due


def test_the_committee_report_has_the_visits(session, world):
    report = committee_report(session, world.district, world.term, NOW)

    readings = {r.indicator.id: r for r in report.followup.readings}
    assert (readings["visits.done.municipal"].figure.numerator, readings["visits.done.municipal"].figure.denominator) \
        == (1, 2)
