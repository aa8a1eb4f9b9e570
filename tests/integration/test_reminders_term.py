"""A term walked day by day (hour by hour around the meetings) with the injectable clock.

The jobs run as the scheduler runs them — every job each morning, the before-meeting reminders
and delivery every hour in the days before a meeting — against the real SMTP server, while the
people of tests/reminder_world.py answer, send a deputy, move a meeting, write and approve
minutes. At the end the exact list of mails each person received, and when, is asserted.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from coordinator.db import make_session_factory
from coordinator.invitations.services import record_answer, send_deputy
from coordinator.minutes.models import ActionItem, Adjuster, Minutes, MinutesState
from coordinator.outbox.models import OutboxMessage, OutboxState
from coordinator.outbox.transports import transport_from_url
from coordinator.planning.models import Answer, Meeting
from coordinator.planning.services import move_meeting
from coordinator.terms.models import Term
from jobs import job_list
from jobs.tasks import JobContext, run_job
from tests.reminder_world import MAIL, World, build, local
from tests.smtp_server import SMTPServer

BEFORE_MEETING_JOBS = ("meeting_reminders", "outbox_delivery")


def test_a_term_of_reminders_reaches_exactly_the_right_people_at_the_right_time(session, engine, settings):
    world = build(session)
    session.add(Term(municipality_id=world.term.municipality_id, name="VT2028", starts_on=date(2028, 1, 10),
                     ends_on=date(2028, 6, 12)))
    session.commit()
    role = {p.email: r for r, p in world.people.items()}
    meeting = {world.conference.id: "conference", world.forum.id: "forum"}
    events = _events(session, world)

    with SMTPServer() as smtp:
        now = [local(2027, 8, 20, 10, 0)]
        context = JobContext(make_session_factory(engine), dataclasses.replace(settings, mail_url=smtp.url,
                             base_url=MAIL.base_url), transport_from_url(smtp.url), clock=lambda: now[0])
        jobs = job_list(context.settings)
        for moment, hourly in _moments(world):
            while events and events[0][0] <= moment:
                events.pop(0)[1]()
            now[0] = moment
            for job in jobs:
                if not hourly or job.id in BEFORE_MEETING_JOBS:
                    assert run_job(job.id, job.task, context), job.id
        received = [r.message["Message-ID"] for r in smtp.received]

    rows = {r.message_id: r for r in session.scalars(sa.select(OutboxMessage))}
    assert len(received) == len(set(received)), "a message arrived twice"
    assert set(received) == {m for m, r in rows.items() if r.state is OutboxState.SENT}
    mails = sorted((f"{rows[m].sent_at.astimezone(local(2027, 1, 1).tzinfo):%m-%d %H:%M}",
                    role[rows[m].recipient.split("<")[1].rstrip(">")], rows[m].kind.value,
                    meeting.get(rows[m].meeting_id, "-"), _step(rows[m]))
                   for m in received)
    assert mails == EXPECTED
    assert {(r.kind.value, r.last_error) for r in rows.values() if r.state is OutboxState.DEAD} == set()


def _step(row: OutboxMessage) -> str:
    """The reminder's step (the last part of its dedupe key), or its SEQUENCE for calendar mail."""
    parts = row.dedupe_key.split(":")
    return parts[3] if parts[0] in ("invitation", "update") else parts[-1] if row.meeting_id else ""


def _moments(world: World) -> list[tuple[datetime, bool]]:
    """Every morning at 07.30 from mid-September to the end of November, and every hour from three hours
    around a meeting's RSVP moment and from 27 hours before it to its start (`hourly`: only the
    before-meeting jobs run then)."""
    moments = {}
    day = date(2027, 9, 13)
    while day <= date(2027, 11, 29):
        moments[local(day.year, day.month, day.day, 7, 30)] = False
        day += timedelta(days=1)
    for starts_at in (local(2027, 10, 14, 13, 0), local(2027, 10, 19, 13, 0)):  # the conference after its move
        for first, last in ((starts_at - timedelta(days=7, hours=3), starts_at - timedelta(days=7, hours=-3)),
                            (starts_at - timedelta(hours=27), starts_at)):
            moment = first
            while moment <= last:
                moments.setdefault(moment, True)
                moment += timedelta(hours=1)
    return sorted(moments.items())


def _events(session: Session, world: World) -> list[tuple[datetime, Callable[[], None]]]:
    """What the people do during the term, by when."""
    conference, forum = world.conference, world.forum

    def commit(work: Callable[[], object]) -> Callable[[], None]:
        def run() -> None:
            work()
            session.commit()
        return run

    def answer(meeting: Meeting, who: str, what: Answer, at: datetime) -> tuple[datetime, Callable[[], None]]:
        return at, commit(lambda: record_answer(session, world.invitation(meeting, who), what, via="link",
                                                sequence=meeting.sequence, actor=who, now=at))

    def minutes(meeting: Meeting, at: datetime, adjusters: tuple[str, ...] = ()) -> tuple[datetime, Callable[[], None]]:
        return at, commit(lambda: session.add(Minutes(
            meeting_id=meeting.id, state=MinutesState.REGISTERED, content={}, created_at=at, created_by="k",
            updated_at=at, updated_by="k", registered_at=at,
            adjusters=[Adjuster(person_id=world.person(a).id) for a in adjusters])))

    def confirm(meeting: Meeting, who: str, at: datetime, approved: bool) -> tuple[datetime, Callable[[], None]]:
        def run() -> None:
            found = session.scalars(sa.select(Minutes).where(Minutes.meeting_id == meeting.id)).one()
            next(a for a in found.adjusters if a.person_id == world.person(who).id).confirmed_at = at
            if approved:
                found.state, found.approved_at = MinutesState.APPROVED, at
        return at, commit(run)

    def reported(meeting: Meeting, at: datetime) -> tuple[datetime, Callable[[], None]]:
        def run() -> None:
            found = session.scalars(sa.select(Minutes).where(Minutes.meeting_id == meeting.id)).one()
            found.state, found.reported_at = MinutesState.REPORTED, at
        return at, commit(run)

    def action_item(at: datetime) -> tuple[datetime, Callable[[], None]]:
        return at, commit(lambda: session.add(ActionItem(
            meeting_id=conference.id, series_key=conference.series_key, text="Kartlägg frånvaron i årskurs 8",
            owner_id=world.person("nurse").id, due_on=date(2027, 11, 10), created_at=at, created_by="k")))

    events = [
        answer(conference, "principal", Answer.ACCEPTED, local(2027, 8, 25, 9, 0)),
        answer(conference, "nurse", Answer.DECLINED, local(2027, 8, 25, 9, 30)),
        answer(forum, "director", Answer.ACCEPTED, local(2027, 8, 25, 10, 0)),
        answer(forum, "secretary", Answer.ACCEPTED, local(2027, 8, 26, 10, 0)),
        answer(forum, "contact", Answer.TENTATIVE, local(2027, 9, 1, 10, 0)),
        # the conference is moved from Tuesday 12 to Thursday 14 October: every invitee gets the update
        (local(2027, 10, 1, 15, 0), commit(lambda: move_meeting(
            session, conference, local(2027, 10, 14, 13, 0), local(2027, 10, 14, 14, 0), actor="principal",
            now=local(2027, 10, 1, 15, 0), mail=MAIL))),
        answer(conference, "teacher", Answer.ACCEPTED, local(2027, 10, 8, 8, 0)),  # after her RSVP reminder
        # the principal sends a deputy after the forum's RSVP moment: the deputy's invitation is fresh, no RSVP nag;
        # her own calendar gets the meeting as free time (SEQUENCE 1), and no reminders any more
        (local(2027, 10, 13, 9, 0), commit(lambda: send_deputy(
            session, world.invitation(forum, "principal"), world.person("deputy"), via="link", actor="principal",
            now=local(2027, 10, 13, 9, 0), mail=MAIL))),
        answer(forum, "deputy", Answer.ACCEPTED, local(2027, 10, 14, 16, 0)),
        action_item(local(2027, 10, 14, 15, 0)),
        minutes(forum, local(2027, 10, 21, 16, 0), adjusters=("director", "contact")),
        minutes(conference, local(2027, 10, 22, 11, 0)),
        confirm(forum, "contact", local(2027, 10, 22, 12, 0), approved=False),
        confirm(forum, "director", local(2027, 10, 27, 9, 0), approved=True),
        reported(forum, local(2027, 11, 8, 14, 0)),
    ]
    return sorted(events, key=lambda e: e[0])


# (sent, recipient, kind, meeting, step or SEQUENCE); delivery runs right after each sweep
EXPECTED = [
    ('09-13 07:30', 'contact', 'invitation', 'conference', '0'),
    ('09-13 07:30', 'contact', 'invitation', 'forum', '0'),
    ('09-13 07:30', 'director', 'invitation', 'forum', '0'),
    ('09-13 07:30', 'kurator', 'invitation', 'conference', '0'),
    ('09-13 07:30', 'nurse', 'invitation', 'conference', '0'),
    ('09-13 07:30', 'principal', 'invitation', 'conference', '0'),
    ('09-13 07:30', 'principal', 'invitation', 'forum', '0'),
    ('09-13 07:30', 'secretary', 'invitation', 'forum', '0'),
    ('09-13 07:30', 'teacher', 'invitation', 'conference', '0'),
    ('09-15 07:30', 'director', 'digest', '-', ''),
    ('09-20 07:30', 'director', 'digest', '-', ''),
    ('09-27 07:30', 'director', 'digest', '-', ''),
    ('10-02 07:30', 'contact', 'update', 'conference', '1'),
    ('10-02 07:30', 'kurator', 'update', 'conference', '1'),
    ('10-02 07:30', 'nurse', 'update', 'conference', '1'),
    ('10-02 07:30', 'principal', 'update', 'conference', '1'),
    ('10-02 07:30', 'teacher', 'update', 'conference', '1'),
    ('10-04 07:30', 'director', 'digest', '-', ''),
    ('10-07 13:00', 'contact', 'rsvp_reminder', 'conference', '0'),
    ('10-07 13:00', 'kurator', 'rsvp_reminder', 'conference', '0'),
    ('10-07 13:00', 'teacher', 'rsvp_reminder', 'conference', '0'),
    ('10-11 07:30', 'director', 'digest', '-', ''),
    ('10-12 13:00', 'principal', 'rsvp_reminder', 'forum', '0'),
    ('10-13 10:00', 'deputy', 'invitation', 'forum', '0'),
    ('10-13 10:00', 'principal', 'update', 'forum', '1'),  # her own copy, freed (RFC 5546 delegation)
    ('10-13 13:00', 'principal', 'pre_meeting_reminder', 'conference', '0'),
    ('10-13 13:00', 'teacher', 'pre_meeting_reminder', 'conference', '0'),
    ('10-17 07:30', 'kurator', 'minutes_reminder', 'conference', '0'),
    ('10-18 07:30', 'director', 'digest', '-', ''),
    ('10-18 13:00', 'contact', 'pre_meeting_reminder', 'forum', '0'),
    ('10-18 13:00', 'deputy', 'pre_meeting_reminder', 'forum', '0'),
    ('10-18 13:00', 'director', 'pre_meeting_reminder', 'forum', '0'),
    ('10-18 13:00', 'secretary', 'pre_meeting_reminder', 'forum', '0'),
    ('10-20 07:30', 'kurator', 'minutes_reminder', 'conference', '1'),
    ('10-24 07:30', 'director', 'approval_reminder', 'forum', '0'),
    ('10-27 07:30', 'director', 'approval_reminder', 'forum', '1'),
    ('10-30 07:30', 'secretary', 'report_reminder', 'forum', '0'),
    ('11-06 07:30', 'secretary', 'report_reminder', 'forum', '1'),
    ('11-07 07:30', 'nurse', 'action_item_reminder', 'conference', 'before'),
    ('11-10 07:30', 'nurse', 'action_item_reminder', 'conference', 'due'),
    ('11-29 07:30', 'director', 'term_not_planned', '-', ''),
]
