"""The minutes of Norrviken's overarching forum from start to archive, on both databases: who and
when at each step, the audit trail with before and after, attendance and the required functions,
corrections as new revisions, and every refusal leaving the database as it was."""
from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from tests.minutes_helpers import FORUM, PLANNED_AT, after, hold_term, meetings_of, person

from coordinator.audit import AuditEvent
from coordinator.db import make_session_factory
from coordinator.i18n import DomainError
from coordinator.minutes.action_items import add_action_item, set_item_status
from coordinator.minutes.models import (
    ActionItemStatus, Adjuster, Attendance, AttendanceStatus, Minutes, MinutesRevision, MinutesState,
)
from coordinator.minutes.participation import (
    AttendanceEntry, coverage_of, invitee_rows, record_attendance, required_functions_represented,
)
from coordinator.minutes.services import (
    IdentityNumbersFound, archive_minutes, choose_adjusters, confirm_minutes, history, local_date, register_minutes,
    report_to_committee, save_text, start_correction, start_minutes,
)
from coordinator.org.functions import Function
from coordinator.planning.models import Meeting, MeetingStatus
from coordinator.planning.services import plan_district_term

KEEPER = "karin.wallin@stockholm.example"
P, A, R = AttendanceStatus.PRESENT, AttendanceStatus.ABSENT, AttendanceStatus.REPRESENTED


@pytest.fixture
def forum(session):
    hold_term(session)
    return meetings_of(session, FORUM)[0]


def snapshot(session) -> tuple:
    """Every minutes table and the audit trail, as rows, to show that a refusal changed nothing."""
    session.expire_all()
    tables = (Minutes, MinutesRevision, Adjuster, Attendance, AuditEvent)
    return tuple(tuple(map(tuple, session.execute(sa.select(t.__table__)).all())) for t in tables)


def attendance(session, forum, *, absent=("Peter Lundberg",), represented=None) -> list[AttendanceEntry]:
    """Everyone present except `absent`; `represented` maps a name to their deputy's name."""
    represented = represented or {}
    entries = []
    for row in invitee_rows(session, forum):
        name = row.person.name
        if name in represented:
            entries.append(AttendanceEntry(row.person.id, R, person(session, represented[name]).id))
        else:
            entries.append(AttendanceEntry(row.person.id, A if name in absent else P))
    return entries


def actions(session, minutes) -> list[str]:
    return list(session.scalars(sa.select(AuditEvent.action).where(
        AuditEvent.entity_type == "Minutes", AuditEvent.entity_id == str(minutes.id)).order_by(AuditEvent.id)))


def ready_to_register(session, forum, now):
    minutes = start_minutes(session, forum, actor=KEEPER, now=now)
    record_attendance(session, forum, attendance(session, forum, represented={"Annika Berg": "Per Olsson"}),
                      actor=KEEPER, now=now)
    save_text(session, minutes, {**minutes.content, "decisions": "Överenskommelsen följs upp i maj."},
              actor=KEEPER, now=now)
    choose_adjusters(session, minutes, [person(session, "Johan Berglund").id, person(session, "Per Olsson").id],
                     actor=KEEPER, now=now)
    session.commit()
    return minutes


def test_the_whole_life_cycle_records_who_and_when_at_each_step(session, forum):
    now = after(forum)
    minutes = ready_to_register(session, forum, now)
    assert minutes.state is MinutesState.DRAFT and minutes.created_by == KEEPER

    register_minutes(session, minutes, actor=KEEPER, now=now + timedelta(hours=1))
    session.commit()
    assert (minutes.state, minutes.registered_by) == (MinutesState.REGISTERED, KEEPER)
    assert minutes.registered_at == now + timedelta(hours=1)

    johan, per = person(session, "Johan Berglund"), person(session, "Per Olsson")
    confirm_minutes(session, minutes, person_id=johan.id, actor="johan.berglund@stockholm.example",
                    now=now + timedelta(days=1))
    session.commit()
    assert minutes.state is MinutesState.REGISTERED and minutes.approved_at is None

    confirm_minutes(session, minutes, person_id=per.id, actor="per.olsson@skola.example", now=now + timedelta(days=2))
    session.commit()
    assert minutes.state is MinutesState.APPROVED and minutes.approved_at == now + timedelta(days=2)
    assert {(a.person.name, a.confirmed_by) for a in minutes.adjusters} == {
        ("Johan Berglund", "johan.berglund@stockholm.example"), ("Per Olsson", "per.olsson@skola.example")}

    reported = report_to_committee(session, forum.district_id, [minutes.id], date(2027, 12, 14), " SDN 2027/123 ",
                                   actor=KEEPER, now=now + timedelta(days=30))
    session.commit()
    assert reported == [minutes]
    assert (minutes.state, minutes.committee_date, minutes.committee_reference, minutes.reported_by) == (
        MinutesState.REPORTED, date(2027, 12, 14), "SDN 2027/123", KEEPER)

    archive_minutes(session, minutes, actor=KEEPER, now=now + timedelta(days=60))
    session.commit()
    assert (minutes.state, minutes.archived_by) == (MinutesState.ARCHIVED, KEEPER)

    assert actions(session, minutes) == [
        "minutes.started", "minutes.text_saved", "minutes.adjusters_chosen", "minutes.registered",
        "minutes.confirmed", "minutes.confirmed", "minutes.approved", "minutes.reported", "minutes.archived"]


def test_the_audit_trail_keeps_the_text_before_and_after(session, forum):
    minutes = ready_to_register(session, forum, after(forum))

    event = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "minutes.text_saved")).one()

    assert (event.actor, event.district_id, event.at) == (KEEPER, forum.district_id, after(forum))
    assert event.before == {"revision": 1, "decisions": ""}
    assert event.after == {"revision": 1, "decisions": "Överenskommelsen följs upp i maj."}
    attendance_event = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "attendance.recorded")).one()
    assert attendance_event.after["Annika Berg"] == "represented:Per Olsson"
    assert attendance_event.after["Peter Lundberg"] == "absent"
    assert minutes.content["attendance"].startswith("Närvarande:\n- Eva Lindqvist, stadsdelsdirektör")
    assert "- Per Olsson (ersättare för Annika Berg, rektor)" in minutes.content["attendance"]


def test_the_required_functions_count_deputies_and_not_the_absent(session, forum):
    now = after(forum)
    assert required_functions_represented(session, forum) is None

    record_attendance(session, forum, attendance(session, forum, absent=("Peter Lundberg", "Sara Holmgren"),
                                                 represented={"Annika Berg": "Per Olsson"}), actor=KEEPER, now=now)
    session.commit()

    found = coverage_of(session, forum)
    assert found.missing == (Function.HEAD_OF_LEISURE,)  # the police are welcome, not required
    assert required_functions_represented(session, forum) is False

    record_attendance(session, forum, attendance(session, forum), actor=KEEPER, now=now)
    assert required_functions_represented(session, forum) is True


def test_minutes_start_only_for_a_held_meeting(session, forum):
    before = snapshot(session)

    with pytest.raises(DomainError, match="har inte börjat"):
        start_minutes(session, forum, actor=KEEPER, now=forum.starts_at - timedelta(minutes=1))
    forum.status = MeetingStatus.CANCELLED
    with pytest.raises(DomainError, match="inställt"):
        start_minutes(session, forum, actor=KEEPER, now=after(forum))
    forum.status = MeetingStatus.DRAFT
    with pytest.raises(DomainError, match="inte publicerat"):
        start_minutes(session, forum, actor=KEEPER, now=after(forum))
    session.rollback()

    assert snapshot(session) == before


def test_a_form_without_minutes_gets_none(session, forum):
    forum.meeting_form.requires_minutes = False  # as report meetings: their cases are kept elsewhere
    with pytest.raises(DomainError, match="för inget protokoll"):
        start_minutes(session, forum, actor=KEEPER, now=after(forum))


def test_registering_needs_attendance_adjusters_and_text(session, forum):
    now = after(forum)
    minutes = start_minutes(session, forum, actor=KEEPER, now=now)
    session.commit()
    before = snapshot(session)

    with pytest.raises(DomainError, match="närvaron"):
        register_minutes(session, minutes, actor=KEEPER, now=now)
    record_attendance(session, forum, attendance(session, forum), actor=KEEPER, now=now)
    with pytest.raises(DomainError, match="justerare"):
        register_minutes(session, minutes, actor=KEEPER, now=now)
    session.rollback()
    assert snapshot(session) == before


def test_adjusters_are_one_or_two_of_those_at_the_meeting(session, forum):
    now = after(forum)
    minutes = start_minutes(session, forum, actor=KEEPER, now=now)
    record_attendance(session, forum, attendance(session, forum, represented={"Annika Berg": "Per Olsson"}),
                      actor=KEEPER, now=now)
    session.commit()
    before = snapshot(session)
    ids = {name: person(session, name).id for name in ("Annika Berg", "Peter Lundberg", "Johan Berglund",
                                                        "Eva Lindqvist", "Sara Holmgren")}

    with pytest.raises(DomainError, match="Annika Berg, Peter Lundberg var inte där"):
        choose_adjusters(session, minutes, [ids["Annika Berg"], ids["Peter Lundberg"]], actor=KEEPER, now=now)
    with pytest.raises(DomainError, match="en eller två"):
        choose_adjusters(session, minutes, [ids["Johan Berglund"], ids["Eva Lindqvist"], ids["Sara Holmgren"]],
                         actor=KEEPER, now=now)
    with pytest.raises(DomainError, match="en eller två"):
        choose_adjusters(session, minutes, [], actor=KEEPER, now=now)
    session.rollback()
    assert snapshot(session) == before


def test_approval_by_someone_else_or_twice_is_refused_and_changes_nothing(session, forum):
    now = after(forum)
    minutes = ready_to_register(session, forum, now)
    johan = person(session, "Johan Berglund")
    with pytest.raises(DomainError, match="inte registrerat"):
        confirm_minutes(session, minutes, person_id=johan.id, actor="johan", now=now)
    register_minutes(session, minutes, actor=KEEPER, now=now)
    confirm_minutes(session, minutes, person_id=johan.id, actor="johan", now=now)
    session.commit()
    before = snapshot(session)

    with pytest.raises(DomainError, match="inte justerare"):
        confirm_minutes(session, minutes, person_id=person(session, "Eva Lindqvist").id, actor="eva", now=now)
    with pytest.raises(DomainError, match="inte justerare"):
        confirm_minutes(session, minutes, person_id=None, actor="admin", now=now)
    with pytest.raises(DomainError, match="redan justerat"):
        confirm_minutes(session, minutes, person_id=johan.id, actor="johan", now=now)
    session.rollback()

    assert snapshot(session) == before


def test_editing_registered_minutes_sends_them_back_to_draft_and_clears_confirmations(session, forum):
    now = after(forum)
    minutes = ready_to_register(session, forum, now)
    register_minutes(session, minutes, actor=KEEPER, now=now)
    confirm_minutes(session, minutes, person_id=person(session, "Johan Berglund").id, actor="johan", now=now)

    save_text(session, minutes, {**minutes.content, "other": "Nästa möte i januari."}, actor=KEEPER, now=now)
    session.commit()

    assert minutes.state is MinutesState.DRAFT and minutes.registered_at is None
    assert all(a.confirmed_at is None for a in minutes.adjusters)
    assert actions(session, minutes)[-2:] == ["minutes.reopened", "minutes.text_saved"]
    reopened = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "minutes.reopened")).one()
    assert reopened.before == {"state": "registered", "confirmed_by": ["Johan Berglund"]}


def approved(session, forum):
    now = after(forum)
    minutes = ready_to_register(session, forum, now)
    register_minutes(session, minutes, actor=KEEPER, now=now)
    for name in ("Johan Berglund", "Per Olsson"):
        confirm_minutes(session, minutes, person_id=person(session, name).id, actor=name, now=now)
    session.commit()
    return minutes


def test_approved_minutes_change_only_by_a_correction_that_keeps_the_earlier_text(session, forum):
    minutes = approved(session, forum)
    now = after(forum, hours=48)
    before = snapshot(session)
    with pytest.raises(DomainError, match="rättelse"):
        save_text(session, minutes, {**minutes.content, "decisions": "Ändrat"}, actor=KEEPER, now=now)
    with pytest.raises(DomainError, match="rättelse"):
        record_attendance(session, forum, attendance(session, forum, absent=()), actor=KEEPER, now=now)
    with pytest.raises(DomainError, match="Skriv varför"):
        start_correction(session, minutes, "  ", actor=KEEPER, now=now)
    with pytest.raises(IdentityNumbersFound):  # the reason of a correction is kept with the revision
        start_correction(session, minutes, "Fel elev, 871125-9823", actor=KEEPER, now=now)
    session.rollback()
    assert snapshot(session) == before

    start_correction(session, minutes, "Fel datum för uppföljningen", actor=KEEPER, now=now)
    save_text(session, minutes, {**minutes.content, "decisions": "Överenskommelsen följs upp i juni."},
              actor=KEEPER, now=now)
    session.commit()

    assert (minutes.state, minutes.revision, minutes.approved_at) == (MinutesState.DRAFT, 2, None)
    assert [(r.number, r.reason, r.content["decisions"]) for r in minutes.revisions] == [
        (1, None, "Överenskommelsen följs upp i maj."),
        (2, "Fel datum för uppföljningen", "Överenskommelsen följs upp i juni.")]
    assert all(a.confirmed_at is None for a in minutes.adjusters)

    register_minutes(session, minutes, actor=KEEPER, now=now)
    for name in ("Johan Berglund", "Per Olsson"):
        confirm_minutes(session, minutes, person_id=person(session, name).id, actor=name, now=now)
    assert minutes.state is MinutesState.APPROVED


def test_a_corrected_reported_minutes_is_reported_again_and_archived_ones_stay(session, forum):
    minutes = approved(session, forum)
    now = after(forum, hours=72)
    report_to_committee(session, forum.district_id, [minutes.id], date(2027, 12, 14), "SDN 2027/123",
                        actor=KEEPER, now=now)
    start_correction(session, minutes, "Stavfel", actor=KEEPER, now=now)
    session.commit()

    assert (minutes.state, minutes.committee_reference, minutes.reported_at) == (MinutesState.DRAFT, None, None)
    event = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "minutes.correction_started")).one()
    assert event.before["committee_reference"] == "SDN 2027/123" and event.before["state"] == "reported"

    register_minutes(session, minutes, actor=KEEPER, now=now)
    for name in ("Johan Berglund", "Per Olsson"):
        confirm_minutes(session, minutes, person_id=person(session, name).id, actor=name, now=now)
    with pytest.raises(DomainError, match="anmälas till nämnden"):
        archive_minutes(session, minutes, actor=KEEPER, now=now)
    report_to_committee(session, forum.district_id, [minutes.id], date(2028, 1, 20), "SDN 2028/4",
                        actor=KEEPER, now=now)
    archive_minutes(session, minutes, actor=KEEPER, now=now)
    session.commit()
    before = snapshot(session)

    with pytest.raises(DomainError, match="arkiverat"):
        start_correction(session, minutes, "Mer", actor=KEEPER, now=now)
    with pytest.raises(DomainError, match="arkiverat"):
        save_text(session, minutes, {"decisions": "x"}, actor=KEEPER, now=now)
    session.rollback()
    assert snapshot(session) == before


def test_reporting_is_all_or_nothing(session, forum):
    plan_district_term(session, "SODERBY", "HT2027", actor="test", now=PLANNED_AT)
    session.execute(sa.update(Meeting).values(status=MeetingStatus.SCHEDULED))
    minutes = approved(session, forum)
    other = meetings_of(session, FORUM, district="SODERBY")[0]
    draft = start_minutes(session, other, actor="jessica", now=after(other))
    session.commit()
    before = snapshot(session)

    with pytest.raises(DomainError, match="finns inte i stadsdelen"):
        report_to_committee(session, forum.district_id, [minutes.id, draft.id], date(2027, 12, 14), "SDN 2027/1",
                            actor=KEEPER, now=after(forum))
    with pytest.raises(DomainError, match="inte justerade"):
        report_to_committee(session, other.district_id, [draft.id], date(2027, 12, 14), "SDN 2027/1",
                            actor=KEEPER, now=after(other))
    with pytest.raises(DomainError, match="diarienummer"):
        report_to_committee(session, forum.district_id, [minutes.id], date(2027, 12, 14), " ", actor=KEEPER,
                            now=after(forum))
    with pytest.raises(DomainError, match="före mötet"):
        report_to_committee(session, forum.district_id, [minutes.id], date(2027, 1, 1), "SDN 2027/1", actor=KEEPER,
                            now=after(forum))
    session.rollback()
    assert snapshot(session) == before


def test_action_items_have_an_owner_and_a_due_date_and_pass_the_guard(session, forum):
    now = after(forum)
    minutes = start_minutes(session, forum, actor=KEEPER, now=now)
    session.commit()
    before = snapshot(session)
    owner = person(session, "Johan Berglund")
    due = local_date(forum.starts_at) + timedelta(days=30)

    with pytest.raises(DomainError, match="Välj vem"):
        add_action_item(session, forum, "Följ upp", None, due, actor=KEEPER, now=now)
    with pytest.raises(DomainError, match="före mötet"):
        add_action_item(session, forum, "Följ upp", owner.id, local_date(forum.starts_at) - timedelta(days=1),
                        actor=KEEPER, now=now)
    with pytest.raises(IdentityNumbersFound) as refused:
        add_action_item(session, forum, "Kontakta hemmet för 121212-1212", owner.id, due, actor=KEEPER, now=now)
    assert [(f.masked, f.where % f.params) for f in refused.value.findings] == [
        ("121212-****", "uppföljningspunkten, rad 1")]
    session.rollback()
    assert snapshot(session) == before

    item = add_action_item(session, forum, "Bjud in fältassistenterna", owner.id, due, actor=KEEPER, now=now)
    set_item_status(session, item, ActionItemStatus.DONE, actor=KEEPER, now=now)
    with pytest.raises(DomainError, match="redan klar"):
        set_item_status(session, item, ActionItemStatus.DONE, actor=KEEPER, now=now)
    session.commit()

    assert (item.series_key, item.status, item.closed_by) == (forum.series_key, ActionItemStatus.DONE, KEEPER)
    assert [e.action for e in history(session, forum, minutes)][:2] == ["action_item.status", "action_item.added"]
    assert minutes.state is MinutesState.DRAFT


def test_adding_an_item_to_registered_minutes_sends_them_back_to_draft(session, forum):
    now = after(forum)
    minutes = ready_to_register(session, forum, now)
    register_minutes(session, minutes, actor=KEEPER, now=now)

    add_action_item(session, forum, "Ny punkt", person(session, "Eva Lindqvist").id,
                    local_date(forum.starts_at) + timedelta(days=7), actor=KEEPER, now=now)

    assert minutes.state is MinutesState.DRAFT
    assert actions(session, minutes)[-1] == "minutes.reopened"


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)  # SQLite takes one writer at a time; the row lock is PostgreSQL's
def test_two_adjusters_confirming_at_once_approve_the_minutes(session, forum, engine):
    minutes = ready_to_register(session, forum, after(forum))
    register_minutes(session, minutes, actor=KEEPER, now=after(forum))
    session.commit()
    ids = [person(session, "Johan Berglund").id, person(session, "Per Olsson").id]
    first, second = make_session_factory(engine)(), make_session_factory(engine)()
    confirm_minutes(first, first.get(Minutes, minutes.id), person_id=ids[0], actor="johan", now=after(forum))
    done = threading.Event()

    def confirm_second() -> None:
        confirm_minutes(second, second.get(Minutes, minutes.id), person_id=ids[1], actor="per", now=after(forum))
        second.commit()
        done.set()

    thread = threading.Thread(target=confirm_second)
    thread.start()
    assert not done.wait(0.5)  # waits for the first adjuster's transaction
    first.commit()
    thread.join(10)
    first.close(), second.close()

    session.expire_all()
    assert session.get(Minutes, minutes.id).state is MinutesState.APPROVED
