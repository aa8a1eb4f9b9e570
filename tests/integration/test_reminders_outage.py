"""Reminders after a scheduler outage, on both databases: no burst of stale or doubled messages.

The keeper is reminded before the convener is told, one person's overdue reminders arrive as one
catch-up mail (delivered to a real SMTP server), and a meeting about to start gets no "please answer".
"""
from __future__ import annotations

import dataclasses
from datetime import datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from coordinator import create_app
from coordinator.minutes.models import ActionItem
from coordinator.outbox.models import MessageKind as K
from coordinator.outbox.models import OutboxMessage, OutboxState
from coordinator.planning.models import Answer
from coordinator.reminders.rules import BEFORE_MEETING, FOLLOW_UP, Timing
from coordinator.reminders.services import queue_due
from coordinator.invitations.services import record_answer
from jobs import job_list
from jobs.tasks import JobContext, run_job
from tests.reminder_world import MAIL, World, build, local
from tests.smtp_server import SMTPServer

TIMING = Timing("Europe/Stockholm", reminder_hour=7)


@pytest.fixture
def world(session: Session) -> World:
    return build(session)


def sweep(session: Session, now: datetime, kinds=FOLLOW_UP) -> int:  # type: ignore[no-untyped-def]
    count = queue_due(session, now, MAIL, kinds=kinds, timing=TIMING)
    session.commit()
    return count


def of_kind(session: Session, kind: K, meeting_id: int) -> list[OutboxMessage]:
    return list(session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == kind,
                                                               OutboxMessage.meeting_id == meeting_id)
                                .order_by(OutboxMessage.id)))


def test_after_an_outage_the_keeper_is_reminded_before_the_convener_is_told(session, world):
    # the scheduler was down from 14 to 27 October: the conference's minutes (kept by the kurator)
    # were due on the 15th, the escalation to the principal who convenes it on the 26th
    conference = world.conference
    sweep(session, local(2027, 10, 27, 7, 0))

    assert [r.recipient for r in of_kind(session, K.MINUTES_REMINDER, conference.id)] == [
        "Kurt Kurator <kurator@lillby.example>"]
    assert of_kind(session, K.MINUTES_ESCALATION, conference.id) == []
    # the keeper has the eleven days the policy gives between reminder and escalation (14 − 3)
    for day in range(28, 32):
        sweep(session, local(2027, 10, day, 7, 0))
    for day in range(1, 7):
        sweep(session, local(2027, 11, day, 7, 0))
    assert of_kind(session, K.MINUTES_ESCALATION, conference.id) == []
    sweep(session, local(2027, 11, 7, 7, 0))
    [escalation] = of_kind(session, K.MINUTES_ESCALATION, conference.id)
    assert (escalation.recipient, escalation.next_attempt_at) == ("Rita Rektor <principal@lillby.example>",
                                                                  local(2027, 11, 7, 7, 0))


def test_after_an_outage_one_person_gets_one_catch_up_mail_instead_of_one_per_reminder(settings, session, world):
    kurator = world.person("kurator")
    for text, due_day in (("Boka lokal för föräldramötet", 21), ("Skicka lägesbilden till rektorerna", 22)):
        session.add(ActionItem(meeting_id=world.conference.id, series_key=world.conference.series_key, text=text,
                               owner_id=kurator.id, due_on=local(2027, 10, due_day).date(),
                               created_at=local(2027, 10, 12, 15, 0), created_by="kurator@lillby.example"))
    session.commit()
    now = [local(2027, 10, 20, 7, 0)]  # the scheduler was down from 14 to 20 October
    with SMTPServer() as smtp:
        app = create_app(dataclasses.replace(settings, mail_url=smtp.url))
        context = JobContext.from_app(app, clock=lambda: now[0])
        jobs = {job.id: job for job in job_list(context.settings)}
        for job_id in ("follow_ups", "outbox_delivery"):
            assert run_job(job_id, jobs[job_id].task, context)
        first_run = [(r.envelope_to[0], r.message) for r in smtp.received]
        assert run_job("follow_ups", jobs["follow_ups"].task, context)  # a second run adds nothing
        # the next morning the first item is due, and the minutes' next step
        now[0] = local(2027, 10, 21, 7, 0)
        for job_id in ("follow_ups", "outbox_delivery"):
            assert run_job(job_id, jobs[job_id].task, context)
        next_day = [(r.envelope_to[0], r.message["Subject"]) for r in smtp.received[len(first_run):]]
        app.extensions["coordinator.engine"].dispose()

    # besides the invitation queued at publishing, which had waited in the outbox too
    to_kurator = [message for to, message in first_run
                  if to == "kurator@lillby.example" and not message["Subject"].startswith("Inbjudan")]
    [mail] = to_kurator
    assert mail["Subject"] == "Du har 3 saker att göra i samverkanssystemet"
    text = mail.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "i ett mejl i stället för 3" in text
    # by the moment each fell due: the item of the 21st and the minutes on the 18th, the other item on the 19th
    items = [line for line in text.splitlines() if line[:3] in ("1. ", "2. ", "3. ")]
    assert items == ["1. Åtgärd att göra senast torsdag 21 oktober 2027: Boka lokal för föräldramötet",
                     "2. Protokollet saknas: Elevhälsokonferens (Lillby skola) tisdag 12 oktober 2027",
                     "3. Åtgärd att göra senast fredag 22 oktober 2027: Skicka lägesbilden till rektorerna"]
    html = mail.get_body(("html",)).get_content()
    assert html.count("<li><a href=") == 3
    merged = session.scalars(sa.select(OutboxMessage).where(OutboxMessage.state == OutboxState.MERGED)).all()
    assert sorted(r.kind.value for r in merged) == ["action_item_reminder", "action_item_reminder", "minutes_reminder"]
    assert {r.person_id for r in merged} == {kurator.id} and all(r.sent_at is None for r in merged)
    [catch_up] = session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == K.CATCH_UP)).all()
    assert (catch_up.state, catch_up.district_id) == (OutboxState.SENT, world.district.id)
    assert session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)
                          .where(OutboxMessage.kind == K.CATCH_UP)) == 1
    # the next morning's reminders are on time: each goes by itself, as without an outage
    assert sorted(next_day) == [
        ("kurator@lillby.example", "Protokollet saknas: Elevhälsokonferens (Lillby skola) tisdag 12 oktober 2027"),
        ("kurator@lillby.example", "Åtgärd att göra senast torsdag 21 oktober 2027: Boka lokal för föräldramötet")]


def test_a_single_overdue_reminder_is_sent_as_itself(session, world):
    sweep(session, local(2027, 10, 20, 7, 0))  # only the minutes are owed to the kurator

    [row] = session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind.in_(FOLLOW_UP))).all()
    assert (row.kind, row.state) == (K.MINUTES_REMINDER, OutboxState.PENDING)
    assert session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)
                          .where(OutboxMessage.kind == K.CATCH_UP)) == 0


def test_after_an_outage_a_meeting_about_to_start_gets_no_rsvp_reminder(session, world):
    record_answer(session, world.invitation(world.conference, "kurator"), Answer.ACCEPTED, via="link", sequence=0,
                  actor="kurator", now=local(2027, 9, 1, 9, 0))
    session.commit()

    sweep(session, local(2027, 10, 11, 14, 0), kinds=BEFORE_MEETING)  # the day before, back from a week away

    kinds = {(row.kind, row.recipient.split("<")[1].rstrip(">")) for row in session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.kind.in_(BEFORE_MEETING)))}
    assert kinds == {(K.PRE_MEETING_REMINDER, "kurator@lillby.example")}  # the agenda still goes
