"""Planning a district's term on the demo, on both databases: series, exact HT2027 dates, invitees,
idempotence, changes by hand, publishing, warnings, the CLI, and errors that write nothing."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from coordinator.agreements.models import Agreement, AgreementVersion, FormKind, MeetingForm, VersionStatus
from coordinator.agreements.services import staffing_warnings
from coordinator.audit import AuditEvent
from coordinator.cli import cli
from coordinator.demo import load_demo
from coordinator.i18n import DomainError
from coordinator.org.functions import Function
from coordinator.org.models import District, Municipality, Person, PersonFunction, School
from coordinator.planning.models import Invitation, Meeting, MeetingStatus
from coordinator.agreements.staffing import UNSTAFFED_FUNCTION
from coordinator.invitations.services import queue_invitations
from coordinator.outbox.models import MessageKind, OutboxMessage
from coordinator.planning.planner import (
    CADENCE_IMPOSSIBLE, CROWDED_DAY, DOUBLE_BOOKED, MOVED_ONTO_FREE_DAY, REMAINING_WEEKS_SHORT,
)
from coordinator.planning.services import (
    PlanResult, Publication, add_meeting, cancel_meeting, find_district, find_meeting, move_meeting,
    plan_district_term, publication, publish, review,
)
from coordinator.planning.warnings import NO_ACTIVE_AGREEMENT, NO_PRINCIPAL, PAST_DRAFTS, REVISION_OVERDUE
from tests.invitation_helpers import MAIL

STOCKHOLM = ZoneInfo("Europe/Stockholm")
# Early May 2027: HT2027 is planned before the summer, and the demo agreements' revision
# (due 15 June 2027) is not late yet.
NOW = datetime(2027, 5, 3, 8, 0, tzinfo=timezone.utc)
LATER = datetime(2027, 6, 1, 12, 0, tzinfo=timezone.utc)
DIRECTOR = "eva.lindqvist@stockholm.example"

OVERARCHING, OPERATIVE = "Övergripande samverkansforum", "Lokalt operativt samverkansforum"
CONFERENCE, VISIT, BUS = "Elevhälsokonferens", "Socialtjänsten besöker skolans APT", "BUS-grupp"
NORRVIKEN_SCHOOLS = ["Ekbackens skola", "Friskolan Lärkan", "Norrviken International School", "Norrvikens gymnasium",
                     "Norrvikens skola", "Sjöängsskolan", "Tekniska gymnasiet Norrviken"]


@pytest.fixture
def demo(session):
    load_demo(session, now=NOW)
    session.commit()
    return session


def plan(session, district: str = "NORRVIKEN", term: str = "HT2027") -> PlanResult:
    result = plan_district_term(session, district, term, actor=DIRECTOR, now=NOW)
    session.commit()
    return result


def at(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=STOCKHOLM)


def local_iso(moment: datetime) -> str:
    return moment.astimezone(STOCKHOLM).isoformat()


def stored(session, form_name: str, school: str | None = None, district: str = "NORRVIKEN") -> list[Meeting]:
    """The stored meetings of a form (of a school), by start."""
    query = (sa.select(Meeting).join(Meeting.meeting_form).join(Meeting.district)
             .where(MeetingForm.name == form_name, District.code == district).order_by(Meeting.starts_at))
    if school is not None:
        query = query.join(Meeting.school).where(School.name == school)
    session.expire_all()
    return list(session.scalars(query))


def row_counts(session) -> tuple[int, int, int]:
    session.expire_all()
    return tuple(session.scalar(sa.select(sa.func.count()).select_from(table))  # type: ignore[return-value]
                 for table in (Meeting, Invitation, AuditEvent))


def deactivate(session, email: str) -> None:
    session.scalars(sa.select(Person).where(Person.email == email)).one().is_active = False
    session.commit()


def messages(result: PlanResult, code: str) -> list[str]:
    return [w.message() for w in result.warnings if w.code == code]


# -- the plan of the demo district -------------------------------------------------------------

def test_planning_ht2027_gives_each_form_its_series_and_no_warnings(demo):
    result = plan(demo)

    per_form: dict[str, int] = {}
    for meeting in result.meetings:
        per_form[meeting.form_name] = per_form.get(meeting.form_name, 0) + 1
    # per term: the forum once, the operative forum in each of the term's five months, three
    # conferences at each of the seven party schools; the APT visit is once a year, the autumn
    # taking it; report meetings and consultations are on demand and not planned
    assert per_form == {OVERARCHING: 1, OPERATIVE: 5, CONFERENCE: 3 * 7, VISIT: 7, BUS: 1}
    assert result.added == 35 and result.warnings == ()
    assert {m.status for m in result.meetings} == {MeetingStatus.DRAFT}
    assert sorted(m.school_name for m in result.meetings if m.form_name == VISIT) == NORRVIKEN_SCHOOLS
    assert {m.kind for m in result.meetings} == {FormKind.OVERARCHING_FORUM, FormKind.OPERATIVE_FORUM,
                                                 FormKind.STUDENT_HEALTH_CONFERENCE,
                                                 FormKind.STAFF_MEETING_VISIT, FormKind.BUS_GROUP}
    meetings = stored(demo, CONFERENCE)
    assert len({m.uid for m in meetings}) == 21 and all(m.uid.endswith("@samverkan.invalid") for m in meetings)
    assert len(stored(demo, OVERARCHING, district="SODERBY")) == 0  # only the district asked for


def test_the_overarching_forum_is_on_tuesday_12_october_2027_at_13(demo):
    # HT2027 runs Thu 19 Aug - Tue 21 Dec with höstlov in week 44 and no weekday holiday: its
    # teaching weeks are 33-43 and 45-51, 18 weeks. Once per term means one segment of all 18;
    # the meeting aims at its middle week, the 9th (the earlier of the 9th and 10th): week 41.
    # The form prefers Tuesday, 13:00-16:00 for 120 minutes, and nobody is busy then.
    [meeting] = [m for m in plan(demo).meetings if m.form_name == OVERARCHING]

    assert local_iso(meeting.starts_at) == "2027-10-12T13:00:00+02:00"
    assert local_iso(meeting.ends_at) == "2027-10-12T15:00:00+02:00"


def test_the_operative_forum_is_on_thursday_of_each_months_middle_teaching_week(demo):
    # Monthly: one segment per month, aiming at its middle teaching week (the earlier one of
    # two), on Thursday at 09:00 for 90 minutes. August has weeks 33-35 (middle 34), September
    # 35-39 (37), October 39-43 (41; the study day 8 October does not remove week 40), November
    # 45-48 (46, the earlier middle), December 48-51 (49). Summer time ends 31 October.
    result = plan(demo)

    assert [(local_iso(m.starts_at), local_iso(m.ends_at)) for m in result.meetings if m.form_name == OPERATIVE] == [
        ("2027-08-26T09:00:00+02:00", "2027-08-26T10:30:00+02:00"),
        ("2027-09-16T09:00:00+02:00", "2027-09-16T10:30:00+02:00"),
        ("2027-10-14T09:00:00+02:00", "2027-10-14T10:30:00+02:00"),
        ("2027-11-18T09:00:00+01:00", "2027-11-18T10:30:00+01:00"),
        ("2027-12-09T09:00:00+01:00", "2027-12-09T10:30:00+01:00"),
    ]


def test_the_overarching_forum_invites_every_party_schools_principal_the_heads_and_the_city(demo):
    [meeting] = [m for m in plan(demo).meetings if m.form_name == OVERARCHING]

    assert sorted(i.email for i in meeting.invitees) == sorted([
        # the seven party schools' principals
        "annika.berg@edu.stockholm.example", "mats.hedlund@edu.stockholm.example",
        "fredrik.sundin@edu.stockholm.example", "katarina.oberg@edu.stockholm.example",
        "linnea.akesson@larkan.example", "james.whitfield@nis.example", "stefan.borg@kunskapsvagen.example",
        # the district: director, heads of IFO, leisure and preschool, the committee secretary
        "eva.lindqvist@stockholm.example", "johan.berglund@stockholm.example",
        "sara.holmgren@stockholm.example", "lena.mattsson@stockholm.example", "karin.wallin@stockholm.example",
        # the city's deputy compulsory-school chiefs, and the district's police contact
        "annika.sandberg@stockholm.example", "tobias.engstrom@stockholm.example", "peter.lundberg@polisen.example",
    ])
    functions = {i.name: i.function for i in meeting.invitees}
    assert functions["Johan Berglund"] is Function.HEAD_OF_IFO and functions["Annika Berg"] is Function.PRINCIPAL


def test_a_schools_conference_invites_its_own_team_and_the_agreements_contact(demo):
    result = plan(demo)

    conferences = [m for m in result.meetings if m.form_name == CONFERENCE and m.school_name == "Norrvikens skola"]
    assert len(conferences) == 3
    # not the deputy principal Per Olsson: the form does not list the function
    assert {i.name for i in conferences[0].invitees} == {
        "Annika Berg", "Sofia Lindberg", "Elin Strömberg", "Henrik Dahl", "Anders Nyström"}
    stored_invitations = stored(demo, CONFERENCE, "Norrvikens skola")[0].invitations
    assert {(i.person.name, i.function) for i in stored_invitations} >= {
        ("Annika Berg", Function.PRINCIPAL), ("Anders Nyström", Function.SOCIAL_SERVICES_CONTACT)}


def test_another_districts_meeting_keeps_its_people_free(demo):
    # Söderby's forum moved onto Norrviken's slot: the city's deputy school chiefs are invited
    # to both, so Norrviken's forum takes the next free slot, Wednesday at 13:00
    plan(demo, "SODERBY")
    [soderby_forum] = stored(demo, OVERARCHING, district="SODERBY")
    move_meeting(demo, soderby_forum, at(2027, 10, 12, 13), at(2027, 10, 12, 15), actor="thomas", now=NOW)
    demo.commit()

    [meeting] = [m for m in plan(demo).meetings if m.form_name == OVERARCHING]

    assert local_iso(meeting.starts_at) == "2027-10-13T13:00:00+02:00"


# -- idempotence and the director's changes ------------------------------------------------------

def test_planning_twice_adds_nothing(demo):
    first = plan(demo)
    counts = row_counts(demo)

    again = plan(demo)

    assert again.added == 0 and row_counts(demo) == counts
    assert [(m.id, m.starts_at) for m in again.meetings] == [(m.id, m.starts_at) for m in first.meetings]


def test_a_moved_and_a_cancelled_meeting_are_kept_when_planning_again(demo):
    plan(demo)
    [forum] = stored(demo, OVERARCHING)
    conference = stored(demo, CONFERENCE, "Sjöängsskolan")[1]
    move_meeting(demo, forum, at(2027, 10, 19, 13), at(2027, 10, 19, 15), actor=DIRECTOR, now=NOW)
    cancel_meeting(demo, conference, actor=DIRECTOR, now=NOW)
    demo.commit()

    again = plan(demo)

    assert again.added == 0
    [forum] = stored(demo, OVERARCHING)
    assert (forum.starts_at, forum.is_moved_by_hand, forum.sequence) == (at(2027, 10, 19, 13), True, 0)
    conferences = stored(demo, CONFERENCE, "Sjöängsskolan")
    assert [m.status for m in conferences] == [MeetingStatus.DRAFT, MeetingStatus.CANCELLED, MeetingStatus.DRAFT]
    assert conferences[1].cancelled_at == NOW


def test_publish_schedules_the_drafts_and_records_who_and_when(demo):
    plan(demo)
    cancel_meeting(demo, stored(demo, OVERARCHING)[0], actor=DIRECTOR, now=NOW)
    demo.commit()

    result = publish(demo, "NORRVIKEN", "HT2027", actor=DIRECTOR, now=LATER)
    demo.commit()

    assert result.published == 34 and result.drafts == 0
    demo.expire_all()
    meetings = demo.scalars(sa.select(Meeting)).all()
    scheduled = [m for m in meetings if m.status is MeetingStatus.SCHEDULED]
    assert len(scheduled) == 34
    assert {(m.published_at, m.published_by) for m in scheduled} == {(LATER, DIRECTOR)}
    [cancelled] = [m for m in meetings if m.is_cancelled]
    assert cancelled.published_at is None
    assert publish(demo, "NORRVIKEN", "HT2027", actor=DIRECTOR, now=LATER).published == 0


def test_a_published_meeting_moved_or_cancelled_gets_a_higher_sequence(demo):
    plan(demo)
    draft = stored(demo, OPERATIVE)[0]
    move_meeting(demo, draft, at(2027, 8, 27, 9), at(2027, 8, 27, 10, 30), actor=DIRECTOR, now=NOW)
    assert draft.sequence == 0  # nobody has it in their calendar yet
    publish(demo, "NORRVIKEN", "HT2027", actor=DIRECTOR, now=LATER)
    demo.commit()
    first, second = stored(demo, OPERATIVE)[:2]

    move_meeting(demo, first, at(2027, 8, 30, 9), at(2027, 8, 30, 10, 30), actor=DIRECTOR, now=LATER)
    cancel_meeting(demo, second, actor=DIRECTOR, now=LATER)
    demo.commit()

    assert (first.sequence, first.status, second.sequence, second.status) == (
        1, MeetingStatus.SCHEDULED, 1, MeetingStatus.CANCELLED)


def test_a_meeting_added_by_hand_gets_the_invitees_of_its_series_and_counts_toward_it(demo):
    report_meeting = demo.scalars(sa.select(MeetingForm).join(MeetingForm.version).join(AgreementVersion.agreement)
                                  .where(MeetingForm.kind == FormKind.REPORT_MEETING,
                                         AgreementVersion.status == VersionStatus.ACTIVE,
                                         Agreement.title.like("%Norrviken"))).one()
    conference = next(f for f in report_meeting.version.meeting_forms if f.kind is FormKind.STUDENT_HEALTH_CONFERENCE)
    school = demo.scalars(sa.select(School).where(School.name == "Norrvikens skola")).one()

    added = add_meeting(demo, report_meeting, "HT2027", at(2027, 9, 7, 10), school=school, actor=DIRECTOR, now=NOW)
    add_meeting(demo, conference, "HT2027", at(2027, 9, 8, 8, 30), school=school, actor=DIRECTOR, now=NOW)
    demo.commit()

    assert (added.is_added_by_hand, added.status, added.ends_at) == (True, MeetingStatus.DRAFT, at(2027, 9, 7, 11))
    assert {(i.person.name, i.function) for i in added.invitations} == {
        ("Lina Sjöberg", Function.SOCIAL_WORKER), ("Annika Berg", Function.PRINCIPAL),
        ("Sofia Lindberg", Function.KURATOR)}
    # planning now adds two conferences at Norrvikens skola, not three
    result = plan(demo)
    assert len([m for m in result.meetings if m.form_name == CONFERENCE and m.school_name == "Norrvikens skola"]) == 3
    assert result.added == 35 - 1


def test_plan_move_cancel_add_and_publish_are_audited(demo):
    plan(demo)
    meetings = stored(demo, OPERATIVE)
    move_meeting(demo, meetings[0], at(2027, 8, 27, 9), at(2027, 8, 27, 10), actor=DIRECTOR, now=NOW)
    cancel_meeting(demo, meetings[1], actor=DIRECTOR, now=NOW)
    add_meeting(demo, meetings[2].meeting_form, "HT2027", at(2027, 9, 28, 9), actor=DIRECTOR, now=NOW)
    publish(demo, "NORRVIKEN", "HT2027", actor=DIRECTOR, now=LATER)
    demo.commit()

    events = demo.scalars(sa.select(AuditEvent).where(AuditEvent.actor == DIRECTOR).order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == [
        "meetings.planned", "meeting.moved", "meeting.cancelled", "meeting.added", "meetings.published"]
    assert events[0].after["added"] == 35 and len(events[0].after["meeting_ids"]) == 35
    assert events[1].before["starts_at"].startswith("2027-08-26T07:00")  # stored in UTC
    assert events[4].after["published"] == 35  # 34 planned left + 1 added
    district = find_district(demo, "NORRVIKEN")
    assert {e.district_id for e in events} == {district.id}


# -- a term under way ----------------------------------------------------------------------------

# Monday 22 November 2027, week 47: weeks 47-51 of HT2027 are left
UNDER_WAY = datetime(2027, 11, 22, 8, 0, tzinfo=timezone.utc)


def invited_meetings(session) -> list[int]:
    return list(session.scalars(sa.select(OutboxMessage.meeting_id)
                                .where(OutboxMessage.kind == MessageKind.INVITATION).distinct()))


def test_a_term_under_way_is_planned_from_tomorrow_and_what_no_longer_fits_is_a_warning(demo):
    result = plan_district_term(demo, "NORRVIKEN", "HT2027", actor=DIRECTOR, now=UNDER_WAY)
    demo.commit()

    assert result.added and min(m.starts_at for m in result.meetings) >= at(2027, 11, 23, 0)
    # the operative forum meets monthly: November's rest and December are left of five months
    assert [local_iso(m.starts_at)[:10] for m in stored(demo, OPERATIVE)] == ["2027-11-25", "2027-12-09"]
    assert messages(result, REMAINING_WEEKS_SHORT) == [
        "Lokalt operativt samverkansforum: 3 av 5 möten får inte plats i terminens återstående veckor."]
    # a conference three times a term still fits in the five weeks left, spread over them
    weeks = {m.starts_at.astimezone(STOCKHOLM).isocalendar()[1] for m in stored(demo, CONFERENCE, "Sjöängsskolan")}
    assert len(weeks) == 3 and weeks <= {47, 48, 49, 50, 51}
    # planning again at the same moment adds nothing, and the warning stays
    again = plan_district_term(demo, "NORRVIKEN", "HT2027", actor=DIRECTOR, now=UNDER_WAY)
    assert again.added == 0 and messages(again, REMAINING_WEEKS_SHORT) == messages(result, REMAINING_WEEKS_SHORT)


def test_meetings_held_earlier_in_the_term_count_toward_the_cadence(demo):
    plan(demo)
    publish(demo, "NORRVIKEN", "HT2027", actor=DIRECTOR, now=LATER)
    # the autumn's second and third conferences at Sjöängsskolan were deleted; two remain to plan
    first, *rest = stored(demo, CONFERENCE, "Sjöängsskolan")
    for meeting in rest:
        demo.delete(meeting)
    demo.commit()

    result = plan_district_term(demo, "NORRVIKEN", "HT2027", actor=DIRECTOR, now=UNDER_WAY)

    assert result.added == 2
    conferences = stored(demo, CONFERENCE, "Sjöängsskolan")
    assert conferences[0].id == first.id and all(m.starts_at > UNDER_WAY for m in conferences[1:])
    assert messages(result, REMAINING_WEEKS_SHORT) == []


def test_a_term_that_is_over_cannot_be_planned_and_nothing_is_written(demo):
    counts = row_counts(demo)

    with pytest.raises(DomainError, match="Terminen HT2027 slutade 2027-12-21; inga möten kan planeras i den."):
        plan_district_term(demo, "NORRVIKEN", "HT2027", actor=DIRECTOR, now=datetime(2028, 1, 10, tzinfo=timezone.utc))
    demo.rollback()

    assert row_counts(demo) == counts


def test_publishing_a_term_under_way_invites_only_to_meetings_still_to_come(demo):
    plan(demo)  # in May; published only in November
    drafts = stored(demo, OPERATIVE) + stored(demo, CONFERENCE)
    coming = {m.id for m in drafts if m.starts_at > UNDER_WAY}
    past = {m.id for m in drafts if m.starts_at <= UNDER_WAY}
    assert coming and past
    before = publication(demo, "NORRVIKEN", "HT2027", UNDER_WAY)

    result = publish(demo, "NORRVIKEN", "HT2027", actor=DIRECTOR, now=UNDER_WAY, mail=MAIL)
    demo.commit()

    assert result.publication == before
    demo.expire_all()
    meetings = demo.scalars(sa.select(Meeting)).all()
    scheduled = {m.id for m in meetings if m.status is MeetingStatus.SCHEDULED}
    left = {m.id for m in meetings if m.status is MeetingStatus.DRAFT}
    assert scheduled == {m.id for m in meetings if m.starts_at > UNDER_WAY} and coming <= scheduled
    assert left == {m.id for m in meetings if m.starts_at <= UNDER_WAY} and past <= left
    assert set(invited_meetings(demo)) == scheduled
    sent = demo.execute(sa.select(sa.func.count(), sa.func.count(sa.distinct(OutboxMessage.person_id)))
                        .where(OutboxMessage.kind == MessageKind.INVITATION)).one()
    assert before == Publication(meetings=len(scheduled), invitations=sent[0], people=sent[1], past_drafts=len(left))
    audit = demo.scalars(sa.select(AuditEvent).where(AuditEvent.action == "meetings.published")).one()
    assert (audit.after["published"], audit.after["past_drafts"]) == (len(scheduled), len(left))
    # the past drafts stay drafts the director is told about; planning again does not replace them
    assert messages(result, PAST_DRAFTS) == [
        f"Utkast i det förflutna: {len(left)}. De publiceras inte; flytta dem till en kommande dag eller ställ in dem."]
    assert plan_district_term(demo, "NORRVIKEN", "HT2027", actor=DIRECTOR, now=UNDER_WAY).added == 0


def test_publishing_with_numbers_the_plan_no_longer_has_publishes_nothing(demo):
    plan(demo)
    shown = publication(demo, "NORRVIKEN", "HT2027", LATER)
    cancel_meeting(demo, stored(demo, OVERARCHING)[0], actor=DIRECTOR, now=LATER)

    with pytest.raises(DomainError, match="Planen har ändrats sedan sidan visades"):
        publish(demo, "NORRVIKEN", "HT2027", actor=DIRECTOR, now=LATER, mail=MAIL,
                confirmed=(shown.meetings, shown.invitations))
    demo.rollback()

    assert {m.status for m in stored(demo, OPERATIVE)} == {MeetingStatus.DRAFT} and invited_meetings(demo) == []


def test_no_invitation_is_queued_for_a_meeting_that_has_begun(demo):
    plan(demo)
    publish(demo, "NORRVIKEN", "HT2027", actor=DIRECTOR, now=LATER)  # no mail: queued below
    operative = stored(demo, OPERATIVE)
    began = operative[1].starts_at

    queue_invitations(demo, [m.id for m in operative], mail=MAIL, now=began)

    assert sorted(invited_meetings(demo)) == sorted(m.id for m in operative[2:])


def test_a_meeting_is_neither_added_nor_moved_into_the_past(demo):
    plan(demo)
    [forum] = stored(demo, OVERARCHING)
    form = forum.meeting_form
    counts = row_counts(demo)

    # 08.00 on the morning of UNDER_WAY (09.00 local) has passed
    with pytest.raises(DomainError, match="Mötet kan inte läggas 2027-11-22 08:00: den tiden har redan varit."):
        move_meeting(demo, forum, at(2027, 11, 22, 8), at(2027, 11, 22, 10), actor=DIRECTOR, now=UNDER_WAY)
    with pytest.raises(DomainError, match="Mötet kan inte läggas 2027-11-15 09:00: den tiden har redan varit."):
        add_meeting(demo, form, "HT2027", at(2027, 11, 15, 9), actor=DIRECTOR, now=UNDER_WAY)
    demo.rollback()

    assert row_counts(demo) == counts and stored(demo, OVERARCHING)[0].starts_at == forum.starts_at
    # a meeting whose time has passed may be moved into the weeks to come
    moved = move_meeting(demo, forum, at(2027, 12, 7, 13), at(2027, 12, 7, 15), actor=DIRECTOR,
                         now=datetime(2027, 11, 1, 8, 0, tzinfo=timezone.utc))
    assert moved.starts_at == at(2027, 12, 7, 13)


# -- at most N meetings a day for one person -------------------------------------------------------

def most_meetings_in_a_day(session) -> int:
    rows = session.execute(sa.select(Invitation.person_id, Meeting.starts_at).join(Meeting)).all()
    days: dict[tuple[int, object], int] = {}
    for person_id, starts_at in rows:
        key = (person_id, starts_at.astimezone(STOCKHOLM).date())
        days[key] = days.get(key, 0) + 1
    return max(days.values())


def test_nobody_is_given_more_than_three_meetings_a_day(demo):
    result = plan(demo)

    assert result.added == 35 and most_meetings_in_a_day(demo) == 3  # the contact's school visits, spread
    assert messages(result, CROWDED_DAY) == []


def test_a_day_over_the_limit_is_a_warning_naming_the_person(demo):
    plan(demo)

    result = review(demo, "NORRVIKEN", "HT2027", NOW, max_per_day=2)

    crowded = messages(result, CROWDED_DAY)
    assert crowded[:2] == ["Annika Berg har 3 möten 2027-10-11; högst 2 om dagen planeras.",
                           "Anders Nyström har 3 möten 2027-08-30; högst 2 om dagen planeras."]
    [first] = [w for w in result.warnings if w.code == CROWDED_DAY][:1]
    assert local_iso(next(m for m in result.meetings if m.id == first.meeting_id).starts_at).startswith("2027-10-11")


# -- warnings ------------------------------------------------------------------------------------

def test_an_unstaffed_function_is_a_warning_naming_function_form_and_school(demo):
    deactivate(demo, "sofia.lindberg@edu.stockholm.example")  # Norrvikens skola's only kurator

    result = plan(demo)

    assert messages(result, UNSTAFFED_FUNCTION) == [
        "Ingen aktiv person vid Norrvikens skola har funktionen kurator för Elevhälsokonferens."]
    assert result.added == 35  # planned all the same, without her
    # the same rule as the agreement page's, applied to the holdings the plan loads
    version = demo.scalars(sa.select(AgreementVersion).join(Agreement).where(
        Agreement.title.like("%Norrviken"), AgreementVersion.status == VersionStatus.ACTIVE)).one()
    assert messages(result, UNSTAFFED_FUNCTION) == [w.message() for w in staffing_warnings(demo, version)]


def test_a_meeting_moved_onto_the_hostlov_or_a_holiday_is_a_warning(demo):
    plan(demo)
    plan(demo, term="VT2028")
    forum = stored(demo, OVERARCHING)[0]  # HT2027's; VT2028's comes later
    operative = [m for m in stored(demo, OPERATIVE) if m.starts_at.year == 2028][0]
    move_meeting(demo, forum, at(2027, 11, 3, 13), at(2027, 11, 3, 15), actor=DIRECTOR, now=NOW)
    move_meeting(demo, operative, at(2028, 5, 25, 9), at(2028, 5, 25, 10, 30), actor=DIRECTOR, now=NOW)
    demo.commit()

    autumn = review(demo, "NORRVIKEN", "HT2027", NOW)
    spring = review(demo, "NORRVIKEN", "VT2028", NOW)

    [warning] = [w for w in autumn.warnings if w.code == MOVED_ONTO_FREE_DAY]
    assert warning.message() == "Övergripande samverkansforum 2027-11-03 13:00 ligger inte på skoltid: Höstlov."
    assert (warning.meeting_id, warning.form_id) == (forum.id, forum.meeting_form_id)
    assert messages(spring, MOVED_ONTO_FREE_DAY) == [
        "Lokalt operativt samverkansforum 2028-05-25 09:00 ligger inte på skoltid: Kristi himmelsfärdsdag."]
    assert autumn.missing == 0  # a moved meeting still counts for its series


def test_a_double_booked_person_is_named(demo):
    plan(demo)
    [bus] = stored(demo, BUS)
    move_meeting(demo, bus, at(2027, 10, 12, 13), at(2027, 10, 12, 15), actor=DIRECTOR, now=NOW)
    demo.commit()

    result = review(demo, "NORRVIKEN", "HT2027", NOW)

    clashes = messages(result, DOUBLE_BOOKED)
    assert ("Johan Berglund är dubbelbokad: BUS-grupp 2027-10-12 13:00 och "
            "Övergripande samverkansforum 2027-10-12 13:00.") in clashes
    # the heads of IFO and preschool and the seven principals are in both
    assert len(clashes) == 9


def test_an_overdue_revision_is_a_warning(demo):
    plan(demo)

    result = review(demo, "NORRVIKEN", "HT2027", datetime(2027, 8, 2, 8, 0, tzinfo=timezone.utc))

    assert messages(result, REVISION_OVERDUE) == [
        "Lokal samverkansöverenskommelse skola–socialtjänst, Norrviken skulle ha reviderats senast 2027-06-15."]


def test_party_schools_without_a_principal_are_named_once_each(demo):
    principals = demo.scalars(sa.select(Person).join(PersonFunction).join(Person.school)
                              .where(PersonFunction.function == Function.PRINCIPAL,
                                     School.district.has(code="NORRVIKEN"))).all()
    for person in principals:
        person.is_active = False
    demo.commit()

    result = plan(demo)

    assert messages(result, NO_PRINCIPAL) == [
        f"{school} har ingen rektor registrerad; skolan får inga kallelser till rektorn." for school in NORRVIKEN_SCHOOLS]
    # the per-school staffing warnings for the principal are not repeated; the district-wide forms still say it
    unstaffed = messages(result, UNSTAFFED_FUNCTION)
    assert not any("rektor" in m and " vid " in m for m in unstaffed)
    assert "Ingen aktiv person har funktionen rektor för Övergripande samverkansforum." in unstaffed


def test_a_cadence_the_term_cannot_hold_is_one_warning_for_the_form(demo):
    form = demo.scalars(sa.select(MeetingForm).join(MeetingForm.version).join(AgreementVersion.agreement)
                        .where(MeetingForm.kind == FormKind.STUDENT_HEALTH_CONFERENCE,
                               Agreement.title.like("%Norrviken"))).one()
    form.cadence_count = 30  # 18 teaching weeks
    demo.commit()

    result = plan(demo)

    assert messages(result, CADENCE_IMPOSSIBLE) == [
        "Elevhälsokonferens ska hållas 30 gånger under HT2027, men terminen har bara 18 undervisningsveckor; "
        "högst ett möte per vecka planeras."]
    assert len([m for m in result.meetings if m.form_name == CONFERENCE]) == 18 * 7


def test_a_district_without_an_agreement_is_told_so(demo):
    city = demo.scalars(sa.select(Municipality)).one()
    demo.add(District(municipality=city, code="NYSTAD", name="Nystad"))
    demo.commit()

    result = plan(demo, "NYSTAD")

    assert result.meetings == () and result.added == 0
    assert [w.code for w in result.warnings] == [NO_ACTIVE_AGREEMENT]
    assert result.warnings[0].message() == ("Nystad har ingen gällande samverkansöverenskommelse; inga möten "
                                            "kan planeras.")


# -- errors write nothing --------------------------------------------------------------------------

@pytest.mark.parametrize(("district", "term", "message"), [
    ("NOWHERE", "HT2027", "Stadsdelen NOWHERE finns inte."),
    ("NORRVIKEN", "HT2035", "Terminen HT2035 finns inte i Stockholms stad."),
    ("NORRVIKEN", "HT27", "Okänt terminsnamn ”HT27”"),
])
def test_an_unknown_district_or_term_is_an_error_and_nothing_is_written(demo, district, term, message):
    counts = row_counts(demo)

    for use_case in (lambda: plan_district_term(demo, district, term, actor=DIRECTOR, now=NOW),
                     lambda: publish(demo, district, term, actor=DIRECTOR, now=NOW),
                     lambda: review(demo, district, term, NOW)):
        with pytest.raises(DomainError) as raised:
            use_case()
        demo.rollback()
        assert str(raised.value).startswith(message)

    assert row_counts(demo) == counts


def test_moving_a_meeting_to_end_before_it_starts_is_an_error(demo):
    plan(demo)
    [forum] = stored(demo, OVERARCHING)
    counts = row_counts(demo)

    for ends in (at(2027, 10, 19, 12), at(2027, 10, 19, 13)):
        with pytest.raises(DomainError, match="Mötet kan inte sluta 2027-10-19 1[23]:00, före eller samtidigt"):
            move_meeting(demo, forum, at(2027, 10, 19, 13), ends, actor=DIRECTOR, now=NOW)
        demo.rollback()

    [forum] = stored(demo, OVERARCHING)
    assert (forum.starts_at, forum.is_moved_by_hand) == (at(2027, 10, 12, 13), False)
    assert row_counts(demo) == counts


def test_a_meeting_of_another_district_cannot_be_found_moved_or_cancelled_through_it(demo):
    plan(demo)
    [forum] = stored(demo, OVERARCHING)
    soderby = find_district(demo, "SODERBY")

    with pytest.raises(DomainError, match="Mötet hör inte till Söderby."):
        find_meeting(demo, soderby, forum.id)
    with pytest.raises(DomainError, match="Mötet hör inte till Söderby."):
        move_meeting(demo, forum, at(2027, 10, 19, 13), at(2027, 10, 19, 15), actor="x", now=NOW, district=soderby)
    with pytest.raises(DomainError, match="Mötet hör inte till Söderby."):
        cancel_meeting(demo, forum, actor="x", now=NOW, district=soderby)
    with pytest.raises(DomainError, match="Mötet finns inte."):
        find_meeting(demo, soderby, 10**9)


def test_adding_a_meeting_with_bad_input_is_an_error_and_nothing_is_written(demo):
    conference = demo.scalars(sa.select(MeetingForm).join(MeetingForm.version).join(AgreementVersion.agreement)
                              .where(MeetingForm.kind == FormKind.STUDENT_HEALTH_CONFERENCE,
                                     Agreement.title.like("%Norrviken"))).one()
    soderby_school = demo.scalars(sa.select(School).where(School.name == "Söderbyskolan")).one()
    counts = row_counts(demo)

    with pytest.raises(DomainError, match="hålls för varje skola"):
        add_meeting(demo, conference, "HT2027", at(2027, 9, 8, 9), actor=DIRECTOR, now=NOW)
    with pytest.raises(DomainError, match="Söderbyskolan är inte part"):
        add_meeting(demo, conference, "HT2027", at(2027, 9, 8, 9), school=soderby_school, actor=DIRECTOR, now=NOW)
    with pytest.raises(DomainError, match="Terminen VT2030 finns inte"):
        add_meeting(demo, conference, "VT2030", at(2027, 9, 8, 9), actor=DIRECTOR, now=NOW)
    conference.duration_minutes = -30
    with pytest.raises(DomainError, match="mötestiden -30 minuter"):
        add_meeting(demo, conference, "HT2027", at(2027, 9, 8, 9), actor=DIRECTOR, now=NOW)
    demo.rollback()

    assert row_counts(demo) == counts


# -- the command line ------------------------------------------------------------------------------

def test_term_plan_json_prints_every_meeting_and_the_warnings(demo, runner):
    result = runner.invoke(cli, ["term", "plan", "--district", "NORRVIKEN", "--term", "HT2027", "--json"])

    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"district", "term", "meetings", "warnings"}
    assert (data["district"], data["term"], len(data["meetings"])) == ("NORRVIKEN", "HT2027", 35)
    assert all(set(m) == {"form", "kind", "scope", "school", "start", "end", "status", "invitees"}
               for m in data["meetings"])
    [forum] = [m for m in data["meetings"] if m["kind"] == "overarching_forum"]
    assert {k: forum[k] for k in ("form", "scope", "school", "start", "end", "status")} == {
        "form": OVERARCHING, "scope": "district", "school": None,
        "start": "2027-10-12T13:00:00+02:00", "end": "2027-10-12T15:00:00+02:00", "status": "draft"}
    assert forum["invitees"] == sorted(forum["invitees"]) and "johan.berglund@stockholm.example" in forum["invitees"]
    [visit] = [m for m in data["meetings"] if m["kind"] == "staff_meeting_visit" and m["school"] == "Sjöängsskolan"]
    assert (visit["scope"], visit["invitees"]) == (
        "per_school", ["anders.nystrom@stockholm.example", "fredrik.sundin@edu.stockholm.example"])
    # the CLI runs at the real time: only the agreement's revision may have fallen due since
    assert all(set(w) == {"code", "message"} and w["code"] == REVISION_OVERDUE for w in data["warnings"])
    assert row_counts(demo)[0] == 35


def test_term_plan_prints_a_table_and_term_publish_publishes(demo, runner):
    table = runner.invoke(cli, ["term", "plan", "--district", "norrviken", "--term", "ht2027"])

    assert table.exit_code == 0, table.output
    lines = table.output.splitlines()
    assert lines[0] == "Norrviken HT2027 (2027-08-19–2027-12-21): 35 möten. 35 nya möten planerades."
    [forum] = [line for line in lines if OVERARCHING in line]
    assert forum.split() == ["2027-10-12", "tis", "13:00–15:00", *OVERARCHING.split(), "utkast"]
    assert any(line.startswith("2027-10-11 mån 15:00–16:00  Socialtjänsten besöker skolans APT") for line in lines)

    published = runner.invoke(cli, ["term", "publish", "--district", "NORRVIKEN", "--term", "HT2027", "--json"])

    assert published.exit_code == 0, published.output
    data = json.loads(published.output)
    assert data["published"] == 35 and {m["status"] for m in data["meetings"]} == {"scheduled"}
    demo.expire_all()
    sent = demo.execute(sa.select(sa.func.count(), sa.func.count(sa.distinct(OutboxMessage.person_id)))
                        .where(OutboxMessage.kind == MessageKind.INVITATION)).one()
    assert (data["invitations"], data["people"], data["past_drafts"]) == (sent[0], sent[1], 0)


def test_term_publish_says_how_many_invitations_go_out_and_what_stays_behind(demo, runner):
    plan(demo)
    [forum] = stored(demo, OVERARCHING)
    forum.starts_at, forum.ends_at = at(2026, 1, 13, 13), at(2026, 1, 13, 15)  # long past, whenever the test runs
    demo.commit()

    result = runner.invoke(cli, ["term", "publish", "--district", "NORRVIKEN", "--term", "HT2027"])

    assert result.exit_code == 0, result.output
    demo.expire_all()
    sent = demo.execute(sa.select(sa.func.count(), sa.func.count(sa.distinct(OutboxMessage.person_id)))
                        .where(OutboxMessage.kind == MessageKind.INVITATION)).one()
    assert result.output.splitlines()[0] == (
        f"Norrviken HT2027 (2027-08-19–2027-12-21): 35 möten. 34 möten publicerades; {sent[0]} inbjudningar till "
        f"{sent[1]} personer köades. 1 utkast i det förflutna publicerades inte; flytta eller ställ in dem på "
        "planeringssidan.")


@pytest.mark.parametrize(("args", "message"), [
    (["--district", "NOWHERE", "--term", "HT2027"], "Fel: Stadsdelen NOWHERE finns inte."),
    (["--district", "NORRVIKEN", "--term", "HT2035"], "Fel: Terminen HT2035 finns inte i Stockholms stad."),
])
@pytest.mark.parametrize("command", ["plan", "publish"])
def test_the_cli_says_what_is_unknown_exits_1_and_writes_nothing(demo, runner, command, args, message):
    counts = row_counts(demo)

    result = runner.invoke(cli, ["term", command, *args, "--json"])

    assert result.exit_code == 1
    assert message in result.output
    assert row_counts(demo) == counts
