"""The pure rules of minutes: who may do what, whether the required functions were represented,
and the text new minutes start from."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from coordinator.agreements.models import FormKind
from coordinator.auth.models import Role, User
from coordinator.minutes.attendance import Seat, coverage, school_presence
from coordinator.minutes.models import AttendanceStatus
from coordinator.minutes.rights import MeetingPeople, MinutesAction, may
from coordinator.minutes.template import AttendanceLine, attendance_text, normalised, starting_content
from coordinator.org.functions import Function

NOW = datetime(2027, 9, 1, tzinfo=timezone.utc)
READ, WRITE, CONFIRM, HISTORY, ADMINISTER = (MinutesAction.READ, MinutesAction.WRITE, MinutesAction.CONFIRM,
                                             MinutesAction.SEE_HISTORY, MinutesAction.ADMINISTER)
MEETING = MeetingPeople(district_id=1, invitee_ids=frozenset({10, 11, 12}), keeper_ids=frozenset({11}),
                        adjuster_ids=frozenset({12, 13}))


def user(role: Role, district_id: int | None = None, person_id: int | None = None, active: bool = True) -> User:
    return User(email="x@example.se", role=role, district_id=district_id, person_id=person_id, is_active=active,
                created_at=NOW)


@pytest.mark.parametrize(("who", "allowed"), [
    (user(Role.CITY_ADMIN), {READ, WRITE, HISTORY, ADMINISTER}),
    (user(Role.DISTRICT_DIRECTOR, 1), {READ, WRITE, HISTORY, ADMINISTER}),
    (user(Role.DISTRICT_ADMIN, 1), {READ, WRITE, HISTORY, ADMINISTER}),
    (user(Role.DISTRICT_ADMIN, 2), set()),
    (user(Role.DISTRICT_DIRECTOR, 2), set()),
    (user(Role.AUDITOR), {READ, HISTORY}),
    (user(Role.PARTICIPANT, person_id=11), {READ, WRITE}),           # the minutes keeper
    (user(Role.PARTICIPANT, person_id=12), {READ, CONFIRM}),         # an invited adjuster
    (user(Role.PARTICIPANT, person_id=13), {READ, CONFIRM}),         # an adjuster not invited (a deputy)
    (user(Role.PARTICIPANT, person_id=10), {READ}),                  # an invitee
    (user(Role.PARTICIPANT, person_id=99), set()),                   # a principal of another meeting
    (user(Role.PARTICIPANT), set()),
    (user(Role.DISTRICT_ADMIN, 2, person_id=12), {READ, CONFIRM}),  # another district's admin who is an adjuster
    (user(Role.CITY_ADMIN, active=False), set()),
    (user(Role.PARTICIPANT, person_id=11, active=False), set()),
    (None, set()),
])
def test_who_may_do_what_with_minutes(who, allowed):
    assert {action for action in MinutesAction if may(who, action, MEETING)} == allowed


def test_required_functions_are_represented_by_those_present_or_their_deputies():
    required = [Function.PRINCIPAL, Function.KURATOR, Function.SCHOOL_NURSE]
    attendance = [(Function.PRINCIPAL, AttendanceStatus.REPRESENTED), (Function.KURATOR, AttendanceStatus.PRESENT),
                  (Function.SCHOOL_NURSE, AttendanceStatus.ABSENT), (None, AttendanceStatus.PRESENT)]

    found = coverage(required, attendance)

    assert found.is_recorded and found.is_complete is False
    assert found.missing == (Function.SCHOOL_NURSE,)
    assert set(found.represented) == {Function.PRINCIPAL, Function.KURATOR}


def test_one_of_several_invitees_of_a_function_is_enough():
    attendance = [(Function.PRINCIPAL, AttendanceStatus.ABSENT), (Function.PRINCIPAL, AttendanceStatus.PRESENT)]

    assert coverage([Function.PRINCIPAL], attendance).is_complete is True


def test_a_school_function_is_required_of_every_school_invited_for_it():
    seats = [Seat(Function.PRINCIPAL, AttendanceStatus.PRESENT, 1), Seat(Function.PRINCIPAL, AttendanceStatus.ABSENT, 2),
             Seat(Function.PRINCIPAL, AttendanceStatus.ABSENT, 3), Seat(Function.HEAD_OF_IFO, AttendanceStatus.PRESENT)]

    found = coverage([Function.PRINCIPAL, Function.HEAD_OF_IFO], seats)

    assert found.is_complete is False and found.missing == (Function.PRINCIPAL,)
    assert found.missing_schools(Function.PRINCIPAL) == (2, 3)
    assert found.schools == ((1, True), (2, False), (3, False))


def test_a_deputy_or_a_second_invitee_of_the_school_represents_it():
    seats = [Seat(Function.PRINCIPAL, AttendanceStatus.REPRESENTED, 1), Seat(Function.PRINCIPAL, AttendanceStatus.ABSENT, 2),
             Seat(Function.PRINCIPAL, AttendanceStatus.PRESENT, 2), Seat(Function.KURATOR, AttendanceStatus.ABSENT, 3)]

    found = coverage([Function.PRINCIPAL], seats)

    assert found.is_complete is True and found.missing_at == ()
    assert school_presence(seats) == {1: True, 2: True, 3: False}  # a school whose only invitee stayed away


def test_without_attendance_coverage_is_unknown_not_missing():
    found = coverage([Function.PRINCIPAL], [])

    assert found.is_complete is None and not found.is_recorded


def test_new_minutes_start_from_the_kind_the_agenda_and_the_attendance():
    lines = [AttendanceLine("Eva Lindqvist", Function.DISTRICT_DIRECTOR, AttendanceStatus.PRESENT),
             AttendanceLine("Annika Berg", Function.PRINCIPAL, AttendanceStatus.REPRESENTED, "Per Olsson"),
             AttendanceLine("Peter Lundberg", Function.POLICE_CONTACT, AttendanceStatus.ABSENT)]

    content = starting_content(FormKind.OVERARCHING_FORUM, "1. Läget i skolorna\n", lines)

    assert content["agenda"] == "1. Läget i skolorna"
    assert "Protokollet anmäls till stadsdelsnämnden." in content["other"]
    assert "Hölls de överenskomna mötena?" in content["follow_up"]
    assert content["decisions"] == ""
    assert content["attendance"] == (
        "Närvarande:\n- Eva Lindqvist, stadsdelsdirektör\n- Per Olsson (ersättare för Annika Berg, rektor)\n\n"
        "Frånvarande:\n- Peter Lundberg, kontaktpolis")


def test_attendance_not_yet_recorded_says_so():
    assert attendance_text([]) == "Närvaron är inte registrerad."


def test_typed_text_is_normalised():
    assert normalised({"decisions": "Ett  \r\nTvå\r\n\r\n", "unknown": "x"}) == {
        "agenda": "", "decisions": "Ett\nTvå", "follow_up": "", "other": ""}
