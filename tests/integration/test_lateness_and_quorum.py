"""Lateness kept as a fact, and quorum counted per school, on both databases (issue "everyday", points 2 and 3).

Minutes registered after their deadline stay late through reopening, approval, a correction
and the archive; the register, its export and the digest say so. An overarching forum that
invites every principal is not "fully represented" by one principal when other schools were
absent; attendance shows each invited school.
"""
from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from tests.minutes_helpers import FORUM, after, hold_term, meetings_of, person

from coordinator.minutes.action_items import add_action_item, set_item_status
from coordinator.minutes.deadlines import APPROVAL_DAYS, REPORT_DAYS
from coordinator.minutes.models import ActionItemStatus, AttendanceStatus, MinutesState
from coordinator.minutes.participation import (
    AttendanceEntry, coverage_of, invitee_rows, record_attendance, school_attendance,
)
from coordinator.minutes.register import protocol_register
from coordinator.minutes.services import (
    choose_adjusters, confirm_minutes, register_minutes, report_to_committee, save_text, start_correction,
    start_minutes,
)
from coordinator.org.functions import Function
from coordinator.org.models import District, School
from coordinator.planning.models import Invitation
from coordinator.reminders.digest import open_items
from coordinator.reminders.rules import Timing

KEEPER = "karin.wallin@stockholm.example"
P, A, R = AttendanceStatus.PRESENT, AttendanceStatus.ABSENT, AttendanceStatus.REPRESENTED


@pytest.fixture
def forum(session):
    hold_term(session)
    return meetings_of(session, FORUM)[0]


def everyone(session, meeting, status=P, **by_name) -> list[AttendanceEntry]:
    """Everyone at `status`, except those named (name → status, or a deputy's name for "represented")."""
    entries = []
    for row in invitee_rows(session, meeting):
        wanted = by_name.get(row.person.name, status)
        if isinstance(wanted, str):
            entries.append(AttendanceEntry(row.person.id, R, person(session, wanted).id))
        else:
            entries.append(AttendanceEntry(row.person.id, wanted))
    return entries


def registered(session, forum, now):
    minutes = start_minutes(session, forum, actor=KEEPER, now=now)
    record_attendance(session, forum, everyone(session, forum), actor=KEEPER, now=now)
    save_text(session, minutes, {**minutes.content, "decisions": "Överenskommelsen följs upp."}, actor=KEEPER, now=now)
    choose_adjusters(session, minutes, [person(session, "Johan Berglund").id], actor=KEEPER, now=now)
    register_minutes(session, minutes, actor=KEEPER, now=now)
    session.commit()
    return minutes


def register_row(session, forum, now):
    district = session.get(District, forum.district_id)
    return next(r for r in protocol_register(session, district, forum.term, now) if r.meeting_id == forum.id)


# -- lateness -----------------------------------------------------------------------------------------

def test_minutes_registered_late_stay_late_through_reopening_approval_and_correction(session, forum):
    due = forum.ends_at + timedelta(days=forum.meeting_form.minutes_due_days)
    late = due + timedelta(days=3, hours=2)
    minutes = registered(session, forum, late)
    assert (minutes.due_at, minutes.first_registered_at) == (due, late)
    assert minutes.approval_due_at == late + timedelta(days=APPROVAL_DAYS)
    assert register_row(session, forum, late).days_late == 3

    # a change sends them back to draft; registering again does not make them on time
    save_text(session, minutes, {**minutes.content, "decisions": "Ändrat."}, actor=KEEPER, now=late + timedelta(days=1))
    assert minutes.state is MinutesState.DRAFT and minutes.registered_at is None
    register_minutes(session, minutes, actor=KEEPER, now=late + timedelta(days=2))
    confirm_minutes(session, minutes, person_id=person(session, "Johan Berglund").id, actor="johan@x",
                    now=late + timedelta(days=3))
    session.commit()
    assert minutes.first_registered_at == late and minutes.first_approved_at == late + timedelta(days=3)
    assert minutes.report_due_at == late + timedelta(days=3 + REPORT_DAYS)  # the forum reports to the committee

    row = register_row(session, forum, late + timedelta(days=3))
    assert (row.state.value, row.is_overdue, row.days_late) == ("approved", False, 3)

    report_to_committee(session, forum.district_id, [minutes.id], date(2027, 12, 14), "SDN 2027/1", actor=KEEPER,
                        now=late + timedelta(days=10))
    start_correction(session, minutes, "Fel datum i beslutet.", actor=KEEPER, now=late + timedelta(days=20))
    session.commit()
    assert minutes.state is MinutesState.DRAFT and minutes.reported_at is None
    assert (minutes.first_registered_at, minutes.first_reported_at) == (late, late + timedelta(days=10))
    assert register_row(session, forum, late + timedelta(days=20)).days_late == 3


def test_minutes_registered_on_time_are_not_late(session, forum):
    minutes = registered(session, forum, after(forum))
    row = register_row(session, forum, after(forum) + timedelta(days=60))
    assert (row.is_overdue, row.days_late) == (False, 0)
    assert minutes.first_registered_at <= minutes.due_at


def test_the_digest_lists_minutes_missing_past_their_deadline_and_those_registered_late(session, forum):
    due = forum.ends_at + timedelta(days=forum.meeting_form.minutes_due_days)
    district = session.get(District, forum.district_id)
    digest = open_items(session, district, due + timedelta(days=2, hours=1), Timing())
    missing = next(m for m in digest.missing_minutes if m.meeting.id == forum.id)
    assert missing.days_late == 2

    registered(session, forum, due + timedelta(days=5))
    digest = open_items(session, district, due + timedelta(days=6), Timing())
    assert [(m.meeting.id, m.days_late) for m in digest.late_minutes] == [(forum.id, 5)]
    assert all(m.meeting.id != forum.id for m in digest.missing_minutes)


def test_an_action_item_keeps_the_day_it_was_closed(session, forum):
    now = after(forum)
    start_minutes(session, forum, actor=KEEPER, now=now)
    item = add_action_item(session, forum, "Ta fram en rutin.", person(session, "Johan Berglund").id,
                           forum.starts_at.date() + timedelta(days=10), actor=KEEPER, now=now)
    set_item_status(session, item, ActionItemStatus.DONE, actor=KEEPER, now=now + timedelta(days=12))
    assert item.closed_on == (now + timedelta(days=12)).date() and item.closed_on > item.due_on
    set_item_status(session, item, ActionItemStatus.OPEN, actor=KEEPER, now=now + timedelta(days=13))
    assert item.closed_on is None


# -- quorum by school ---------------------------------------------------------------------------------

def principals(session, forum) -> dict[str, tuple[str, bool]]:
    """The forum's invited principals: name → (their school's name, is it independent)."""
    rows = session.execute(sa.select(Invitation, School).join(School, School.id == Invitation.school_id)
                           .where(Invitation.meeting_id == forum.id, Invitation.function == Function.PRINCIPAL)).all()
    return {i.person.name: (s.name, s.is_independent) for i, s in rows}


def test_every_principal_is_invited_for_their_own_school(session, forum):
    found = principals(session, forum)
    assert len(found) >= 3 and len({school for school, _ in found.values()}) == len(found)
    assert any(independent for _, independent in found.values())


def test_one_principal_does_not_stand_for_absent_schools(session, forum):
    independent = sorted(name for name, (_, is_independent) in principals(session, forum).items() if is_independent)
    record_attendance(session, forum, everyone(session, forum, **{name: A for name in independent}),
                      actor=KEEPER, now=after(forum))
    session.commit()

    found = coverage_of(session, forum)
    assert found.is_complete is False and Function.PRINCIPAL in found.missing
    absent_schools = {principals(session, forum)[name][0] for name in independent}
    by_school = {entry.school.name: entry for entry in school_attendance(session, found)}
    assert {name for name, entry in by_school.items() if not entry.is_represented} == absent_schools
    assert all(entry.is_represented for name, entry in by_school.items() if name not in absent_schools)
    assert not register_row(session, forum, after(forum)).functions_represented


def test_a_deputy_represents_the_school(session, forum):
    name = sorted(principals(session, forum))[0]
    record_attendance(session, forum, everyone(session, forum, **{name: "Per Olsson" if name != "Per Olsson"
                                                                else "Johan Berglund"}),
                      actor=KEEPER, now=after(forum))
    session.commit()

    found = coverage_of(session, forum)
    assert found.is_complete is True
    assert all(entry.is_represented for entry in school_attendance(session, found))
