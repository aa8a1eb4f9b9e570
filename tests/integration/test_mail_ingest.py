"""Calendar replies as Outlook, Google, Apple and Thunderbird send them, through `coordinator mail ingest`
and through the IMAP poll against a real IMAP server on loopback (both databases)."""
from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from coordinator.audit import AuditEvent
from coordinator.cli import cli
from coordinator.db import make_session_factory
from coordinator.invitations.imap import poll_mailbox
from coordinator.invitations.replies import Outcome
from coordinator.invitations.services import add_invitee
from coordinator.org.models import Person, School
from coordinator.outbox.models import OutboxMessage
from coordinator.planning.models import Answer, Invitation
from coordinator.planning.services import cancel_meeting
from tests.imap_server import IMAPServer
from tests.invitation_helpers import DIRECTOR, MAIL, OVERARCHING, PUBLISHED, meeting_of, outbox, published_demo

REPLIES = Path(__file__).parent.parent / "data" / "replies"
UID = "meeting-42@samverkan.example.se"  # the UID the sample replies answer
ANSWERED = PUBLISHED + timedelta(days=3)
REPLYING = {"Björn Ärlig": "bjorn.arlig@skola.example.se", "Cecilia Dahl": "cecilia.dahl@gmail.com",
            "David Eriksson": "david.eriksson@icloud.com", "Erik Lund": "erik.lund@skola.example.se"}


@pytest.fixture
def forum(session):
    """The published forum with the samples' UID at SEQUENCE 2, and the samples' senders invited."""
    published_demo(session)
    meeting = meeting_of(session, OVERARCHING)
    meeting.uid, meeting.sequence = UID, 2
    school = session.scalars(sa.select(School).where(School.unit_code == "99900101")).one()
    for name, email in [*REPLYING.items(), ("Greta Holm", "greta.holm@skola.example.se")]:
        session.add(Person(municipality_id=school.district.municipality_id, school=school, name=name, email=email))
    session.flush()
    for name in REPLYING:
        add_invitee(session, meeting, _person(session, name), actor=DIRECTOR, now=PUBLISHED, mail=MAIL)
    session.commit()
    return meeting


def _person(session, name: str) -> Person:
    return session.scalars(sa.select(Person).where(Person.name == name)).one()


def answer_of(session, meeting, name: str) -> Invitation:
    session.expire_all()
    return session.get_one(Invitation, (meeting.id, _person(session, name).id))


def snapshot(session) -> tuple:
    """Everything an ignored reply must leave as it was."""
    session.expire_all()
    invitations = sorted((i.meeting_id, i.person_id, i.answer, i.answered_at, i.answered_via, i.answer_sequence,
                          i.delegated_to_id, i.removed_at, i.rsvp_key) for i in session.scalars(sa.select(Invitation)))
    return tuple(invitations), *(session.scalar(sa.select(sa.func.count()).select_from(model))
                                 for model in (OutboxMessage, AuditEvent))


def reply(attendee: str, partstat: str, sequence: int, uid: str = UID) -> bytes:
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\n"
            f"UID:{uid}\r\nDTSTAMP:20271003T100000Z\r\nSEQUENCE:{sequence}\r\n"
            f"ATTENDEE;PARTSTAT={partstat}:mailto:{attendee}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n").encode()


def ingest(runner, *paths: Path):
    return runner.invoke(cli, ["mail", "ingest", *map(str, paths)])


def test_calendar_replies_record_the_answers(session, runner, forum):
    samples = [
        ("outlook-accepted.eml", "Björn Ärlig", Answer.ACCEPTED, 1),     # Exchange: no ORGANIZER, "MAILTO:"
        ("google-tentative.eml", "Cecilia Dahl", Answer.TENTATIVE, 2),   # with ORGANIZER, and an .ics attached too
        ("apple-declined.eml", "David Eriksson", Answer.DECLINED, 1),    # a quoted-printable attachment
    ]
    result = ingest(runner, *(REPLIES / sample for sample, *_ in samples))

    assert result.exit_code == 0, result.output
    for sample, name, answer, sequence in samples:
        assert f"{sample}: recorded: {answer.value} to SEQUENCE {sequence}" in result.output
        invitation = answer_of(session, forum, name)
        assert (invitation.answer, invitation.answered_via, invitation.answer_sequence) == (
            answer, "calendar", sequence)
    events = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "invitation.answered")).all()
    assert sorted(e.actor for e in events) == sorted(REPLYING[name] for _, name, *_ in samples)
    assert {e.after["via"] for e in events} == {"calendar"}


def test_a_reply_older_than_the_answer_already_given_is_ignored(session, runner, forum, tmp_path, caplog):
    assert ingest(runner, REPLIES / "google-tentative.eml").exit_code == 0  # to SEQUENCE 2
    stale = tmp_path / "stale.ics"
    stale.write_bytes(reply("cecilia.dahl@gmail.com", "ACCEPTED", 1))
    before = snapshot(session)

    with caplog.at_level(logging.WARNING, logger="coordinator.invitations"):
        result = ingest(runner, stale)

    assert result.exit_code == 0 and "ignored: stale" in result.output
    assert snapshot(session) == before
    assert answer_of(session, forum, "Cecilia Dahl").answer is Answer.TENTATIVE
    assert any("calendar_reply_ignored" in r.getMessage() and "stale" in r.getMessage() for r in caplog.records)


def test_a_newer_reply_replaces_the_answer(session, runner, forum, tmp_path):
    assert ingest(runner, REPLIES / "outlook-accepted.eml").exit_code == 0  # to SEQUENCE 1
    newer = tmp_path / "newer.ics"
    newer.write_bytes(reply("bjorn.arlig@skola.example.se", "DECLINED", 2))

    assert "recorded: declined to SEQUENCE 2" in ingest(runner, newer).output
    assert answer_of(session, forum, "Björn Ärlig").answer is Answer.DECLINED


def test_replies_that_match_nothing_or_are_malformed_are_ignored_and_change_nothing(session, runner, forum, tmp_path):
    cases = [
        (reply("bjorn.arlig@skola.example.se", "ACCEPTED", 1, uid="someone-else@example.com"), "unknown UID"),
        (reply("stranger@example.com", "ACCEPTED", 1), "unknown attendee"),
        (reply("greta.holm@skola.example.se", "ACCEPTED", 1), "unknown attendee"),  # known, but not invited
        (reply("bjorn.arlig@skola.example.se", "ACCEPTED", 3), "SEQUENCE 3 is newer"),
        (reply("bjorn.arlig@skola.example.se", "NEEDS-ACTION", 1), "no answer in the reply"),
        (b"From: x@example.com\r\nSubject: Out of office\r\n\r\nI am away.\r\n", "no calendar"),
        *(((REPLIES / name).read_bytes(), "") for name in sorted(p.name for p in REPLIES.glob("malformed-*"))),
    ]
    before = snapshot(session)
    for number, (content, why) in enumerate(cases):
        path = tmp_path / f"reply-{number}.eml"
        path.write_bytes(content)

        result = ingest(runner, path)

        assert result.exit_code == 0, result.output
        assert "ignored:" in result.output and why in result.output
    assert snapshot(session) == before


def test_a_reply_to_a_cancelled_meeting_is_ignored(session, runner, forum):
    cancel_meeting(session, forum, actor=DIRECTOR, now=ANSWERED, mail=MAIL)
    session.commit()
    before = snapshot(session)

    result = ingest(runner, REPLIES / "outlook-accepted.eml")

    assert result.exit_code == 0 and "ignored: the meeting is cancelled" in result.output
    assert snapshot(session) == before


def test_an_unreadable_file_is_an_error(session, runner, forum, tmp_path):
    result = ingest(runner, REPLIES / "outlook-accepted.eml", tmp_path / "missing.eml")

    assert result.exit_code == 1
    assert "missing.eml: unreadable" in result.output
    assert answer_of(session, forum, "Björn Ärlig").answer is Answer.ACCEPTED  # the readable one counted


def test_a_delegated_reply_sends_the_named_person_in_their_place(session, runner, forum):
    result = ingest(runner, REPLIES / "thunderbird-delegated.ics")

    assert result.exit_code == 0 and "delegated: delegated to greta.holm@skola.example.se" in result.output
    erik, greta = answer_of(session, forum, "Erik Lund"), answer_of(session, forum, "Greta Holm")
    assert (erik.answer, erik.answered_via, erik.delegated_to_id) == (Answer.DELEGATED, "calendar", greta.person_id)
    assert greta.delegated_from_id == erik.person_id and greta.is_active
    assert [r.kind.value for r in outbox(session, meeting_id=forum.id, person_id=greta.person_id)] == ["invitation"]


def test_the_mailbox_poll_ingests_each_unseen_message_once_and_marks_it_seen(session, engine, forum):
    sessions = make_session_factory(engine)
    with IMAPServer() as imap:
        outlook = imap.deliver((REPLIES / "outlook-accepted.eml").read_bytes())
        google = imap.deliver((REPLIES / "google-tentative.eml").read_bytes())
        garbage = imap.deliver((REPLIES / "malformed-garbage.ics").read_bytes())
        report = poll_mailbox(sessions, imap.url, mail=MAIL, now=ANSWERED)
        seen = [imap.seen(uid) for uid in (outlook, google, garbage)]
        later = imap.deliver(reply("david.eriksson@icloud.com", "ACCEPTED", 2))
        second = poll_mailbox(sessions, imap.url, mail=MAIL, now=ANSWERED)

    assert (report.count(Outcome.RECORDED), report.count(Outcome.IGNORED), report.failed) == (2, 1, 0)
    assert seen == [True, True, True]
    assert [r.attendee for r in second.results] == ["david.eriksson@icloud.com"] and later == 4
    assert answer_of(session, forum, "Björn Ärlig").answer is Answer.ACCEPTED
    assert answer_of(session, forum, "Cecilia Dahl").answer is Answer.TENTATIVE
    assert answer_of(session, forum, "David Eriksson").answer is Answer.ACCEPTED


def test_the_mailbox_poll_refuses_a_wrong_password(session, engine, forum):
    with IMAPServer() as imap:
        imap.deliver((REPLIES / "outlook-accepted.eml").read_bytes())
        wrong = imap.url.replace("hemligt", "fel")
        with pytest.raises(Exception, match="AUTHENTICATIONFAILED"):
            poll_mailbox(make_session_factory(engine), wrong, mail=MAIL, now=ANSWERED)
        assert not imap.seen(1)
