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
from coordinator.invitations.services import add_invitee, remove_invitee
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


def calendar(attendee: str, partstat: str, sequence: int, uid: str = UID, parameters: str = "") -> bytes:
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\n"
            f"UID:{uid}\r\nDTSTAMP:20271003T100000Z\r\nSEQUENCE:{sequence}\r\n"
            f"ATTENDEE;PARTSTAT={partstat}{parameters}:mailto:{attendee}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n").encode()


def as_mail(ics: bytes, sender: str) -> bytes:
    """The calendar as a client mails it: a text/calendar part, from `sender`."""
    return (f"From: {sender}\r\nTo: samverkan@example.se\r\nSubject: Svar\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/calendar; charset=utf-8; method=REPLY\r\n\r\n").encode() + ics


def reply(attendee: str, partstat: str, sequence: int, uid: str = UID) -> bytes:
    """A reply mailed by the attendee themselves."""
    return as_mail(calendar(attendee, partstat, sequence, uid), attendee)


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
    stale = tmp_path / "stale.eml"
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
    newer = tmp_path / "newer.eml"
    newer.write_bytes(reply("bjorn.arlig@skola.example.se", "DECLINED", 2))

    assert "recorded: declined to SEQUENCE 2" in ingest(runner, newer).output
    assert answer_of(session, forum, "Björn Ärlig").answer is Answer.DECLINED


def test_replies_that_match_nothing_or_are_malformed_are_ignored_and_change_nothing(session, runner, forum, tmp_path):
    cases = [
        (reply("bjorn.arlig@skola.example.se", "ACCEPTED", 1, uid="someone-else@example.com"), "unknown UID"),
        (reply("stranger@example.com", "ACCEPTED", 1), "unknown attendee"),
        (reply("greta.holm@skola.example.se", "ACCEPTED", 1), "unknown attendee"),  # known, but not invited
        (reply("bjorn.arlig@skola.example.se", "ACCEPTED", 3), "SEQUENCE 3 is newer than the 2 the attendee was sent"),
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


def test_a_delegated_reply_sends_the_named_person_in_their_place(session, runner, forum, tmp_path):
    mailed = tmp_path / "thunderbird-delegated.eml"
    mailed.write_bytes(as_mail((REPLIES / "thunderbird-delegated.ics").read_bytes(), "Erik Lund <erik.lund@skola.example.se>"))
    result = ingest(runner, mailed)

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


def test_a_reply_counts_only_from_the_attendee_or_the_sent_by_they_name(session, runner, forum, tmp_path, caplog):
    """Anyone can mail a calendar naming someone else: the mail's From must be the attendee (or their SENT-BY)."""
    forged = tmp_path / "forged.eml"
    forged.write_bytes(as_mail(calendar("bjorn.arlig@skola.example.se", "DECLINED", 1), "Mallory <mallory@example.com>"))
    claimed = tmp_path / "claimed-sent-by.eml"  # a SENT-BY that is not the sender
    claimed.write_bytes(as_mail(calendar("cecilia.dahl@gmail.com", "DECLINED", 1,
                                         parameters=';SENT-BY="mailto:assistent@skola.example.se"'),
                                "Mallory <mallory@example.com>"))
    bare = tmp_path / "bare.ics"  # a bare calendar has no sender to check
    bare.write_bytes(calendar("david.eriksson@icloud.com", "DECLINED", 1))
    before = snapshot(session)

    with caplog.at_level(logging.WARNING, logger="coordinator.invitations"):
        result = ingest(runner, forged, claimed, bare)

    assert result.exit_code == 0, result.output
    assert f"{forged}: ignored: sent by mallory@example.com, not by the attendee" in result.output
    assert (f"{claimed}: ignored: sent by mallory@example.com, not by the attendee or their SENT-BY "
            "assistent@skola.example.se") in result.output
    assert f"{bare}: ignored: no sender" in result.output
    assert snapshot(session) == before
    assert sum("calendar_reply_ignored" in r.getMessage() and "sent by mallory" in r.getMessage()
               for r in caplog.records) == 2

    secretary = tmp_path / "sent-by.eml"  # Erik's assistant answers for him, as his ATTENDEE says
    secretary.write_bytes(as_mail(calendar("erik.lund@skola.example.se", "ACCEPTED", 1,
                                           parameters=';SENT-BY="mailto:Assistent@skola.example.se"'),
                                  "Assistent <assistent@skola.example.se>"))
    assert f"{secretary}: recorded: accepted to SEQUENCE 1" in ingest(runner, secretary).output
    assert answer_of(session, forum, "Erik Lund").answer is Answer.ACCEPTED


def test_a_reply_is_checked_against_the_sequence_its_sender_was_sent(session, runner, forum, tmp_path):
    """Removed and invited again, Greta's calendar holds a SEQUENCE above the meeting's: her reply to it counts."""
    greta = _person(session, "Greta Holm")
    add_invitee(session, forum, greta, actor=DIRECTOR, now=PUBLISHED, mail=MAIL)
    remove_invitee(session, forum, greta, actor=DIRECTOR, now=PUBLISHED, mail=MAIL)
    add_invitee(session, forum, greta, actor=DIRECTOR, now=PUBLISHED, mail=MAIL)
    session.commit()
    assert (forum.sequence, answer_of(session, forum, "Greta Holm").sent_sequence) == (2, 4)
    answered = tmp_path / "greta.eml"
    answered.write_bytes(reply("greta.holm@skola.example.se", "ACCEPTED", 4))

    assert f"{answered}: recorded: accepted to SEQUENCE 4" in ingest(runner, answered).output
    assert answer_of(session, forum, "Greta Holm").answer is Answer.ACCEPTED
