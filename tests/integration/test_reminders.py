"""The reminder sweep on both databases: what it queues, what it never queues, and what it withdraws."""
from __future__ import annotations

import threading
from datetime import datetime
from email import message_from_bytes, policy

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from coordinator.db import make_session_factory
from coordinator.invitations.services import record_answer, remove_invitee, send_deputy
from coordinator.minutes.models import ActionItem, Adjuster, Minutes, MinutesState
from coordinator.outbox.models import MessageKind as K
from coordinator.outbox.models import OutboxMessage, OutboxState
from coordinator.planning.models import Answer
from coordinator.planning.services import cancel_meeting, move_meeting
from coordinator.reminders.rules import BEFORE_MEETING, FOLLOW_UP, Timing
from coordinator.reminders.services import queue_due, withdraw_superseded
from tests.reminder_world import MAIL, World, build, local

TIMING = Timing("Europe/Stockholm", reminder_hour=7)
REMINDERS = [k for k in K if k.value.endswith(("reminder", "escalation"))]


@pytest.fixture
def world(session: Session) -> World:
    return build(session)


def queued(session: Session, *kinds: K) -> set[tuple[str, str, str]]:
    """(kind, recipient's address, meeting uid) of every queued reminder (of `kinds`)."""
    rows = session.execute(sa.select(OutboxMessage.kind, OutboxMessage.recipient, OutboxMessage.dedupe_key)
                           .where(OutboxMessage.kind.in_(kinds or REMINDERS))).all()
    return {(kind.value, recipient.split("<")[-1].rstrip(">"), key.split(":")[1]) for kind, recipient, key in rows}


def sweep(session: Session, now: datetime, **options: object) -> int:
    count = queue_due(session, now, MAIL, timing=TIMING, **options)  # type: ignore[arg-type]
    session.commit()
    return count


def answer(session: Session, world: World, role: str, what: Answer, meeting=None) -> None:  # type: ignore[no-untyped-def]
    meeting = meeting or world.conference
    record_answer(session, world.invitation(meeting, role), what, via="link", sequence=meeting.sequence,
                  actor="test", now=local(2027, 9, 1, 12, 0))
    session.commit()


# -- before the meeting ----------------------------------------------------------------------------------

def test_the_rsvp_reminder_goes_once_to_those_who_have_not_answered(session, world):
    answer(session, world, "principal", Answer.ACCEPTED)
    answer(session, world, "nurse", Answer.DECLINED)
    assert sweep(session, local(2027, 10, 5, 12, 59)) == 0
    assert sweep(session, local(2027, 10, 5, 13, 0)) == 3
    uid = world.conference.uid
    assert queued(session) == {("rsvp_reminder", "kurator@lillby.example", uid),
                               ("rsvp_reminder", "teacher@lillby.example", uid),
                               ("rsvp_reminder", "contact@lillby.example", uid)}
    assert sweep(session, local(2027, 10, 5, 13, 1)) == 0  # the next sweep queues nothing again


def test_the_pre_meeting_reminder_carries_the_agenda_and_expires_at_the_start(session, world):
    for role in ("director", "secretary", "principal"):
        answer(session, world, role, Answer.ACCEPTED, world.forum)
    answer(session, world, "contact", Answer.TENTATIVE, world.forum)
    sweep(session, local(2027, 10, 18, 13, 0), kinds=[K.PRE_MEETING_REMINDER])
    rows = session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == K.PRE_MEETING_REMINDER)).all()
    assert sorted(r.recipient.split("<")[-1] for r in rows) == [
        "contact@lillby.example>", "director@lillby.example>", "principal@lillby.example>", "secretary@lillby.example>"]
    assert {r.expires_at for r in rows} == {world.forum.starts_at}
    swedish = next(r for r in rows if "director" in r.recipient)
    english = next(r for r in rows if "contact" in r.recipient)
    text = message_from_bytes(swedish.content, policy=policy.default).get_body(("plain",)).get_content()
    assert "Lägesbild i Lillby" in text and "tisdag 19 oktober 2027 kl. 13.00" in text
    message = message_from_bytes(english.content, policy=policy.default)
    assert message["Subject"].startswith("Reminder: Övergripande samverkansforum Tuesday 19 October 2027, 13:00")
    assert message["To"].addresses[0].addr_spec == "contact@lillby.example"
    assert message["Auto-Submitted"] == "auto-generated"
    assert "Agenda:" in message.get_body(("plain",)).get_content()


def test_the_rsvp_reminder_has_working_answer_links_of_that_invitation(session, world, client):
    sweep(session, local(2027, 10, 5, 13, 0), kinds=[K.RSVP_REMINDER])
    row = session.scalars(sa.select(OutboxMessage).where(OutboxMessage.recipient.contains("kurator@"),
                                                         OutboxMessage.kind == K.RSVP_REMINDER)).one()
    text = message_from_bytes(row.content, policy=policy.default).get_body(("plain",)).get_content()
    link = next(line.split(": ", 1)[1] for line in text.splitlines() if line.startswith("Jag kommer: "))
    assert link.startswith(f"{MAIL.base_url}/rsvp/") and link.endswith("?answer=accepted")
    page = client.get(link.removeprefix(MAIL.base_url))
    assert page.status_code == 200 and "Kurt Kurator" in page.get_data(as_text=True)


def test_nobody_who_declined_was_removed_or_delegated_is_reminded(session, world):
    answer(session, world, "nurse", Answer.DECLINED)
    remove_invitee(session, world.conference, world.person("teacher"), actor="test", now=local(2027, 9, 2, 9, 0),
                   mail=MAIL)
    send_deputy(session, world.invitation(world.conference, "kurator"), world.person("deputy"), via="link",
                actor="test", now=local(2027, 9, 2, 9, 0), mail=MAIL)
    session.commit()
    sweep(session, local(2027, 10, 6, 14, 0))
    uid = world.conference.uid
    # nor the principal, who convenes the conference and is not asked to answer their own meeting
    assert queued(session) == {("rsvp_reminder", "contact@lillby.example", uid),
                               ("rsvp_reminder", "deputy@lillby.example", uid)}


def test_a_cancelled_meeting_gets_nothing_and_its_waiting_reminders_are_withdrawn(session, world):
    sweep(session, local(2027, 10, 5, 13, 0))
    assert queued(session)
    cancel_meeting(session, world.conference, actor="test", now=local(2027, 10, 6, 9, 0), mail=MAIL)
    session.commit()
    withdrawn = withdraw_superseded(session, local(2027, 10, 6, 9, 1), TIMING)
    session.commit()
    rows = session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == K.RSVP_REMINDER)).all()
    assert sorted(withdrawn) == sorted(r.id for r in rows)
    assert {(r.state, r.last_error) for r in rows} == {(OutboxState.DEAD, "superseded")}
    for moment in (local(2027, 10, 11, 14, 0), local(2027, 10, 16, 8, 0), local(2027, 10, 27, 8, 0)):
        sweep(session, moment)
    assert world.forum.uid in {key for _, _, key in queued(session)}  # the forum goes on
    assert session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(
        OutboxMessage.meeting_id == world.conference.id, OutboxMessage.kind.in_(REMINDERS))) == len(rows)


def test_a_moved_meeting_is_reminded_at_its_new_time_and_the_old_reminders_are_not_sent(session, world):
    answer(session, world, "principal", Answer.ACCEPTED)
    sweep(session, local(2027, 10, 8, 13, 0), kinds=BEFORE_MEETING)  # the RSVP reminders for 12 October
    old = set(session.scalars(sa.select(OutboxMessage.id).where(OutboxMessage.kind.in_(BEFORE_MEETING))))
    assert len(old) == 4
    move_meeting(session, world.conference, local(2027, 10, 26, 13, 0), local(2027, 10, 26, 14, 0), actor="test",
                 now=local(2027, 10, 8, 15, 0), mail=MAIL)
    session.commit()
    assert sorted(withdraw_superseded(session, local(2027, 10, 8, 15, 1), TIMING)) == sorted(old)
    session.commit()
    before = {"kinds": BEFORE_MEETING}
    assert sweep(session, local(2027, 10, 12, 12, 0), **before) == 0  # nothing at the old time
    assert sweep(session, local(2027, 10, 19, 13, 0), **before) == 4  # the RSVP reminders, a week before the new time
    assert sweep(session, local(2027, 10, 25, 13, 0), **before) == 1  # the principal's pre-meeting reminder
    fresh = session.scalars(sa.select(OutboxMessage).where(OutboxMessage.id.not_in(old),
                                                           OutboxMessage.kind.in_(BEFORE_MEETING))).all()
    assert {r.state for r in fresh} == {OutboxState.PENDING}
    assert all(r.dedupe_key.split(":")[3] == "1" for r in fresh)  # the new SEQUENCE
    # the RSVP reminders for the first half of their week, the pre-meeting reminder until the start
    assert {(r.kind, r.expires_at) for r in fresh} == {(K.RSVP_REMINDER, local(2027, 10, 23, 1, 0)),
                                                       (K.PRE_MEETING_REMINDER, local(2027, 10, 26, 13, 0))}


def test_an_answer_given_after_the_reminder_was_queued_withdraws_it(session, world):
    sweep(session, local(2027, 10, 5, 13, 0))
    answer(session, world, "kurator", Answer.ACCEPTED)
    withdrawn = withdraw_superseded(session, local(2027, 10, 5, 13, 1), TIMING)
    session.commit()
    row = session.scalars(sa.select(OutboxMessage).where(OutboxMessage.id.in_(withdrawn))).one()
    assert "kurator@" in row.recipient and row.state is OutboxState.DEAD


# -- after the meeting ----------------------------------------------------------------------------------------

def test_missing_minutes_go_to_the_keeper_repeatedly_then_to_the_convener(session, world):
    def steps() -> list[tuple[str, str, str]]:
        keys = session.scalars(sa.select(OutboxMessage.dedupe_key).where(
            OutboxMessage.meeting_id == world.conference.id, OutboxMessage.kind.in_(FOLLOW_UP)))
        return sorted((k.split(":")[0], k.split(":")[2], k.split(":")[-1]) for k in keys)

    kurator, principal = str(world.person("kurator").id), str(world.person("principal").id)
    sweep(session, local(2027, 10, 15, 6, 59), kinds=FOLLOW_UP)
    assert steps() == []
    sweep(session, local(2027, 10, 15, 7, 0), kinds=FOLLOW_UP)
    sweep(session, local(2027, 10, 18, 7, 0), kinds=FOLLOW_UP)
    assert steps() == [("minutes_reminder", kurator, "0"), ("minutes_reminder", kurator, "1")]
    sweep(session, local(2027, 10, 26, 7, 0), kinds=FOLLOW_UP)  # after a pause: step 3 (not 2), and the escalation
    assert steps() == [("minutes_escalation", principal, "0"), ("minutes_reminder", kurator, "0"),
                       ("minutes_reminder", kurator, "1"), ("minutes_reminder", kurator, "3")]
    escalation = session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == K.MINUTES_ESCALATION,
                                                                OutboxMessage.meeting_id == world.conference.id)).one()
    text = message_from_bytes(escalation.content, policy=policy.default).get_body(("plain",)).get_content()
    assert "Kurt Kurator" in text


def test_minutes_written_stop_the_reminders_and_withdraw_a_waiting_one(session, world):
    sweep(session, local(2027, 10, 15, 7, 0), kinds=FOLLOW_UP)
    session.add(Minutes(meeting_id=world.conference.id, state=MinutesState.REGISTERED, content={},
                        created_at=local(2027, 10, 15, 9, 0), created_by="kurator@lillby.example",
                        updated_at=local(2027, 10, 15, 9, 0), updated_by="kurator@lillby.example",
                        registered_at=local(2027, 10, 15, 9, 0)))
    session.commit()
    assert len(withdraw_superseded(session, local(2027, 10, 15, 9, 1), TIMING)) == 1
    session.commit()
    sweep(session, local(2027, 10, 30, 7, 0), kinds=FOLLOW_UP)  # no approval reminder: the form asks none
    assert session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(
        OutboxMessage.meeting_id == world.conference.id, OutboxMessage.kind.in_(FOLLOW_UP))) == 1


def test_adjusters_and_then_the_committee_secretary_are_reminded(session, world):
    forum = world.forum
    minutes = Minutes(meeting_id=forum.id, state=MinutesState.REGISTERED, content={},
                      created_at=local(2027, 10, 20, 9, 0), created_by="s", updated_at=local(2027, 10, 20, 9, 0),
                      updated_by="s", registered_at=local(2027, 10, 20, 9, 0),
                      adjusters=[Adjuster(person_id=world.person("principal").id),
                                 Adjuster(person_id=world.person("contact").id,
                                          confirmed_at=local(2027, 10, 21, 9, 0))])
    session.add(minutes)
    session.commit()
    sweep(session, local(2027, 10, 23, 7, 0), kinds=FOLLOW_UP)
    assert {q for q in queued(session) if q[2] == forum.uid} == {
        ("approval_reminder", "principal@lillby.example", forum.uid)}
    minutes.state, minutes.approved_at = MinutesState.APPROVED, local(2027, 10, 24, 10, 0)
    session.commit()
    sweep(session, local(2027, 10, 27, 7, 0), kinds=FOLLOW_UP)
    assert {q for q in queued(session) if q[2] == forum.uid} == {
        ("approval_reminder", "principal@lillby.example", forum.uid),
        ("report_reminder", "secretary@lillby.example", forum.uid)}


def test_an_action_item_reminds_its_owner_before_and_on_its_day(session, world):
    session.add(Minutes(meeting_id=world.conference.id, state=MinutesState.REGISTERED, content={},
                        created_at=local(2027, 10, 13, 9, 0), created_by="k", updated_at=local(2027, 10, 13, 9, 0),
                        updated_by="k", registered_at=local(2027, 10, 13, 9, 0)))
    session.add(ActionItem(meeting_id=world.conference.id, series_key=world.conference.series_key,
                           text="Bjud in fältassistenterna till nästa konferens", owner_id=world.person("nurse").id,
                           due_on=local(2027, 11, 10).date(), created_at=local(2027, 10, 13, 9, 0), created_by="k"))
    session.commit()
    items = [K.ACTION_ITEM_REMINDER]
    assert sweep(session, local(2027, 11, 6, 12, 0), kinds=items) == 0
    assert sweep(session, local(2027, 11, 7, 7, 0), kinds=items) == 1
    assert sweep(session, local(2027, 11, 10, 7, 0), kinds=items) == 1
    assert sweep(session, local(2027, 11, 11, 7, 0), kinds=items) == 0
    rows = session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == K.ACTION_ITEM_REMINDER)
                           .order_by(OutboxMessage.id)).all()
    assert [r.subject for r in rows] == ["Åtgärd att göra senast onsdag 10 november 2027: "
                                         "Bjud in fältassistenterna till nästa konferens"] * 2


# -- all or nothing, and twice at once ----------------------------------------------------------------------

def test_a_sweep_that_fails_half_way_leaves_nothing_and_the_next_does_the_whole_work(session, world, engine):
    inserts = []

    def fail_on_the_second_insert(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if statement.startswith("INSERT INTO outbox_message"):
            inserts.append(statement)
            if len(inserts) == 2:
                raise sa.exc.OperationalError(statement, parameters, Exception("the database went away"))

    before = session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))
    event.listen(engine, "before_cursor_execute", fail_on_the_second_insert)
    try:
        with pytest.raises(sa.exc.OperationalError):
            queue_due(session, local(2027, 10, 15, 14, 0), MAIL, timing=TIMING)  # both meetings owe reminders
    finally:
        event.remove(engine, "before_cursor_execute", fail_on_the_second_insert)
    session.rollback()
    assert len(inserts) == 2
    assert session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == before
    # the conference's minutes reminder, the forum's RSVP reminders (not to the director, who convenes it)
    assert sweep(session, local(2027, 10, 15, 14, 0)) == 4
    assert {uid for _, _, uid in queued(session)} == {world.conference.uid, world.forum.uid}


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)  # SQLite: one jobs process (jobs/leader.py)
def test_two_processes_sweeping_at_once_queue_each_reminder_once(session, world, engine):
    sessions = make_session_factory(engine)
    start = threading.Barrier(4)
    counts: list[int] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with sessions() as own:
                start.wait()
                counts.append(queue_due(own, local(2027, 10, 15, 14, 0), MAIL, timing=TIMING))
                own.commit()
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    keys = session.scalars(sa.select(OutboxMessage.dedupe_key).where(OutboxMessage.kind.in_(REMINDERS))).all()
    assert len(keys) == len(set(keys)) == sum(counts) == 4
