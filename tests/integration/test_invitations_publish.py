"""Publishing queues one REQUEST per active invitee in the same transaction; what arrives at a real SMTP
server is read by icalendar and vobject and checked item by item (both databases)."""
from __future__ import annotations

import dataclasses
import gc
import re
import secrets
from collections import Counter
from datetime import timedelta, timezone

import sqlalchemy as sa

from coordinator import create_app
from coordinator.cli import cli
from coordinator.db import make_session_factory
from coordinator.demo import load_demo
from coordinator.invitations.deferred import composers
from coordinator.invitations.messages import COMPOSE
from coordinator.invitations.services import queue_invitations
from coordinator.invitations.tokens import read_token
from coordinator.outbox.delivery import CLAIM_SIZE, deliver_due
from coordinator.outbox.models import MessageKind, OutboxMessage, OutboxState
from coordinator.outbox.transports import transport_from_url
from coordinator.planning.models import Invitation, Meeting, MeetingStatus
from coordinator.planning.services import cancel_meeting, plan_district_term, publish
from tests.invitation_helpers import (
    DIRECTOR, MAIL, OVERARCHING, PLANNED, PUBLISHED, SECRET, calendar_of, deliver, meeting_of, outbox,
    published_demo,
)
from tests.smtp_server import SMTPServer


def active_invitations(session) -> list[Invitation]:
    return [i for i in session.scalars(sa.select(Invitation).join(Meeting).where(
        Meeting.status == MeetingStatus.SCHEDULED)) if i.is_active]


def test_publishing_queues_one_request_per_active_invitee(session):
    published_demo(session, forms=None)

    rows = outbox(session)
    expected = {(i.meeting_id, i.person_id) for i in active_invitations(session)}
    assert len(expected) == 238  # the whole term
    assert {(r.meeting_id, r.person_id) for r in rows} == expected and len(rows) == len(expected)
    assert {r.kind for r in rows} == {MessageKind.INVITATION} and {r.state for r in rows} == {OutboxState.PENDING}
    assert all(r.next_attempt_at == PUBLISHED and r.district_id is not None for r in rows)
    meeting = meeting_of(session, OVERARCHING)
    row = next(r for r in rows if r.meeting_id == meeting.id)
    invited = session.get_one(Invitation, (meeting.id, row.person_id))
    assert row.dedupe_key == f"invitation:{meeting.uid}:{row.person_id}:0:{invited.rsvp_key}"
    assert row.recipient.endswith(f"<{invited.person.email}>")


def test_a_publish_that_is_rolled_back_queues_nothing(session):
    load_demo(session, now=PLANNED)
    plan_district_term(session, "NORRVIKEN", "HT2027", actor=DIRECTOR, now=PLANNED)
    session.commit()

    publish(session, "NORRVIKEN", "HT2027", actor=DIRECTOR, now=PUBLISHED, mail=MAIL)
    assert outbox(session) != []  # in the transaction
    session.rollback()

    assert outbox(session) == []
    assert set(session.scalars(sa.select(Meeting.status))) == {MeetingStatus.DRAFT}


def test_publishing_twice_or_queueing_again_adds_no_duplicate(session):
    published_demo(session)
    first = outbox(session)

    assert publish(session, "NORRVIKEN", "HT2027", actor=DIRECTOR, now=PUBLISHED + timedelta(hours=1),
                   mail=MAIL).published == 0
    assert queue_invitations(session, {r.meeting_id for r in first}, mail=MAIL, now=PUBLISHED) == 0
    session.commit()

    assert [r.id for r in outbox(session)] == [r.id for r in first]


def test_each_invitee_receives_their_own_request_read_alike_by_both_parsers(session, engine):
    published_demo(session, forms=None)
    rows = outbox(session)
    meetings = {m.id: m for m in session.scalars(sa.select(Meeting))}

    with SMTPServer() as smtp:
        deliver(engine, smtp.url)

    assert len(smtp.received) == len(rows)
    assert len({r.session_id for r in smtp.received}) < len(rows)  # batches share a connection
    assert {r.state for r in outbox(session)} == {OutboxState.SENT}
    by_message_id = {r.message_id: r for r in rows}
    for received in smtp.received:
        message = received.message
        row = by_message_id[message["Message-ID"]]
        meeting, person = meetings[row.meeting_id], session.get_one(Invitation, (row.meeting_id, row.person_id)).person
        assert [str(a.addr_spec) for a in message["To"].addresses] == [person.email] == received.envelope_to
        assert message["Message-ID"].endswith("@samverkan.example.se>")
        calendar = calendar_of(message)
        assert calendar.part_method == "REQUEST" == str(calendar.icalendar["METHOD"])
        assert re.search(rb'method=REQUEST(;|\r|$)', received.raw)  # the MIME parameter unquoted
        event = calendar.event
        assert str(event["UID"]) == meeting.uid and int(event["SEQUENCE"]) == 0
        assert event.decoded("DTSTART") == meeting.starts_at and event.decoded("DTEND") == meeting.ends_at
        [(address, params)] = calendar.attendees()
        assert address == person.email and params["CN"] == person.name
        assert (params["PARTSTAT"], params["RSVP"]) == ("NEEDS-ACTION", "TRUE")
        assert params["ROLE"] in ("REQ-PARTICIPANT", "CHAIR")
        assert str(event["ORGANIZER"]) == "mailto:samverkan@example.se"
        # the independent parser reads the same
        vevent = calendar.vobject.vevent
        assert calendar.vobject.method.value == "REQUEST"
        assert vevent.uid.value == meeting.uid and int(vevent.sequence.value) == 0
        assert vevent.dtstart.value.astimezone(timezone.utc) == meeting.starts_at
        assert [a.value.lower() for a in vevent.attendee_list] == [f"mailto:{person.email}"]
        assert vevent.attendee.params["PARTSTAT"] == ["NEEDS-ACTION"]
    per_meeting = Counter(by_message_id[r.message["Message-ID"]].meeting_id for r in smtp.received)
    assert all(per_meeting[m.id] == len([i for i in m.invitations if i.is_active]) for m in meetings.values())


def test_the_convener_organises_chairs_and_is_the_reply_to(session, engine):
    published_demo(session)
    forum = meeting_of(session, OVERARCHING)

    with SMTPServer() as smtp:
        deliver(engine, smtp.url)

    forum_messages = [r.message for r in smtp.received if calendar_of(r.message).event["UID"] == forum.uid]
    assert len(forum_messages) == len(forum.invitations)
    for message in forum_messages:
        calendar = calendar_of(message)
        assert calendar.event["ORGANIZER"].params["CN"] == "Eva Lindqvist"  # the director convenes the forum
        assert calendar.vobject.vevent.organizer.params["CN"] == ["Eva Lindqvist"]
        assert message["Reply-To"].addresses[0].addr_spec == DIRECTOR
        [(address, params)] = calendar.attendees()
        assert params["ROLE"] == ("CHAIR" if address == DIRECTOR else "REQ-PARTICIPANT")
        assert str(calendar.event["SUMMARY"]) == OVERARCHING
        assert str(calendar.event["LOCATION"]).startswith(forum.place)


def test_the_description_carries_the_agenda_and_the_invitees_own_links(session, engine):
    published_demo(session)
    forum = meeting_of(session, OVERARCHING)

    with SMTPServer() as smtp:
        deliver(engine, smtp.url)

    for received in smtp.received:
        event = calendar_of(received.message).event
        if str(event["UID"]) != forum.uid:
            continue
        description = str(event["DESCRIPTION"])
        assert forum.meeting_form.purpose.strip()[:40] in description
        [token] = set(re.findall(r"/rsvp/([\w.-]+)\?answer=accepted", description))
        signed = read_token(SECRET, token)
        invited = session.get_one(Invitation, (signed.meeting_id, signed.person_id))
        assert signed.meeting_id == forum.id and invited.rsvp_key == signed.rsvp_key
        assert received.envelope_to == [invited.person.email]


def test_an_english_speaking_invitee_gets_the_mail_in_english(session, engine):
    published_demo(session)

    with SMTPServer() as smtp:
        deliver(engine, smtp.url)

    subjects = {r.envelope_to[0]: str(r.message["Subject"]).strip() for r in smtp.received}
    english = [s for to, s in subjects.items() if to.startswith("james.whitfield@")]
    swedish = [s for to, s in subjects.items() if to.startswith("annika.berg@")]
    assert english and all(s.startswith("Invitation: ") for s in english)
    assert swedish and all(s.startswith("Inbjudan: ") for s in swedish)


def test_term_publish_queues_and_outbox_send_delivers(session, settings):
    load_demo(session, now=PLANNED)
    plan_district_term(session, "NORRVIKEN", "HT2027", actor=DIRECTOR, now=PLANNED)
    session.commit()
    with SMTPServer() as smtp:
        app = create_app(dataclasses.replace(settings, mail_url=smtp.url,
                                             base_url="https://samverkan.example.se",
                                             secret_key=secrets.token_urlsafe(48)))  # https: a real key
        runner = app.test_cli_runner()
        try:
            published = runner.invoke(cli, ["term", "publish", "--district", "NORRVIKEN", "--term", "HT2027"])
            assert published.exit_code == 0, published.output
            queued = len(outbox(session))
            sent = runner.invoke(cli, ["outbox", "send"])
            assert sent.exit_code == 0, sent.output
            again = runner.invoke(cli, ["outbox", "send"])
        finally:
            app.extensions["coordinator.engine"].dispose()

    assert queued == len(active_invitations(session)) == len(smtp.received)
    assert again.exit_code == 0 and len(smtp.received) == queued  # nothing sent twice
    assert all(r.message["Message-ID"].endswith("@samverkan.example.se>") for r in smtp.received)
    assert "/rsvp/" in str(calendar_of(smtp.received[0].message).event["DESCRIPTION"])


def test_a_cancelled_draft_is_not_mailed_when_the_term_is_published(session):
    load_demo(session, now=PLANNED)
    plan_district_term(session, "NORRVIKEN", "HT2027", actor=DIRECTOR, now=PLANNED)
    cancel_meeting(session, meeting_of(session, OVERARCHING), actor=DIRECTOR, now=PLANNED, mail=MAIL)
    publish(session, "NORRVIKEN", "HT2027", actor=DIRECTOR, now=PUBLISHED, mail=MAIL)
    session.commit()

    assert meeting_of(session, OVERARCHING).id not in {r.meeting_id for r in outbox(session)}


def test_publishing_fixes_each_message_and_leaves_its_composing_to_the_sender(session, engine):
    published_demo(session)  # the overarching forum's meetings of the term
    queued = outbox(session)
    assert queued and {(r.compose, r.content, r.sequence) for r in queued} == {("invitation", b"", 0)}
    assert all(r.subject.startswith(("Inbjudan: ", "Invitation: ")) and r.message_id.endswith("@samverkan.example.se>")
               for r in queued)
    assert {session.get_one(Invitation, (r.meeting_id, r.person_id)).sent_sequence for r in queued} == {0}

    with SMTPServer() as smtp:
        deliver(engine, smtp.url)

    sent = {r.message_id: r for r in outbox(session)}
    assert set(sent) == {r.message_id for r in queued}  # the Message-IDs fixed at publishing
    assert {(r.state, r.compose) for r in sent.values()} == {(OutboxState.SENT, None)}
    for received in smtp.received:
        row = sent[received.message["Message-ID"]]
        assert received.raw.replace(b"\r\n", b"\n") == row.content.replace(b"\r\n", b"\n")  # stored as sent
        assert received.message["Subject"] == row.subject
        assert int(calendar_of(received.message).event["SEQUENCE"]) == row.sequence


def test_the_sender_holds_one_meeting_and_one_group_at_a_time_however_long_the_outbox(session, engine, tmp_path):
    """Memory of a sender (issue 16): composing a city's published term must not keep every meeting it composed,
    nor every row it sent, in the session: what it holds stays bounded as the outbox grows."""
    published_demo(session, forms=None)  # the whole term: 238 invitations over many meetings
    queued = outbox(session)
    assert len({r.meeting_id for r in queued}) > 10
    session.close()
    composer = composers(MAIL)[COMPOSE]
    held: list[tuple[int, int]] = []

    def observed(delivery_session, row):  # the composer as delivery calls it, counting what the session holds
        message = composer(delivery_session, row)
        if not held or held[-1][0] != row.meeting_id:  # a meeting's first invitee: the previous meeting is done
            gc.collect()  # the identity map holds weakly: what is still in it is held by someone
            kept = list(delivery_session.identity_map.values())
            held.append((row.meeting_id, sum(isinstance(o, Meeting) for o in kept),
                         sum(isinstance(o, OutboxMessage) for o in kept)))
        return message

    report = deliver_due(make_session_factory(engine), transport_from_url(f"file://{tmp_path}"), now=PUBLISHED,
                         sender=MAIL.sender.email, composers={COMPOSE: observed})

    assert report.sent == len(queued) and len(held) >= len({r.meeting_id for r in queued})
    assert [meetings for _, meetings, _ in held] == [1] * len(held)  # the one being composed, not earlier ones
    assert max(rows for _, _, rows in held) <= CLAIM_SIZE  # the group being sent, not the rows sent before it
