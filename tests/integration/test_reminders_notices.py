"""The daily and weekly notices: an agreement due for revision, a term not planned, the directors' digest."""
from __future__ import annotations

from datetime import date
from email import message_from_bytes, policy

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from coordinator.agreements.models import AgreementVersion
from coordinator.outbox.models import MessageKind as K
from coordinator.outbox.models import OutboxMessage, OutboxState
from coordinator.reminders.digest import queue_digests
from coordinator.reminders.notices import queue_revision_notices, queue_term_notices, revision_step
from coordinator.reminders.rules import Timing
from coordinator.terms.models import Term
from tests.reminder_world import MAIL, World, build, local

TIMING = Timing("Europe/Stockholm", reminder_hour=7)


@pytest.fixture
def world(session: Session) -> World:
    return build(session)


def sent_to(session: Session, kind: K) -> list[tuple[str, str]]:
    rows = session.execute(sa.select(OutboxMessage.recipient, OutboxMessage.subject).where(OutboxMessage.kind == kind))
    return sorted((recipient.split("<")[-1].rstrip(">"), subject) for recipient, subject in rows)


def body(session: Session, kind: K, address: str) -> str:
    row = session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == kind,
                                                         OutboxMessage.recipient.contains(address))
                          .order_by(OutboxMessage.id.desc())).first()  # the latest
    assert row is not None
    return message_from_bytes(row.content, policy=policy.default).get_body(("plain",)).get_content()


def test_revision_steps():
    assert revision_step(date(2028, 6, 15), date(2028, 5, 15)) is None
    assert revision_step(date(2028, 6, 15), date(2028, 5, 16)) == "soon"
    assert revision_step(date(2028, 6, 15), date(2028, 6, 15)) == "soon"
    assert revision_step(date(2028, 6, 15), date(2028, 6, 16)) == "overdue"


def test_a_revision_due_within_30_days_is_told_to_the_director_and_the_contact_then_again_when_overdue(
        session, world):
    assert queue_revision_notices(session, local(2028, 5, 15, 7, 5), MAIL, TIMING) == 0
    assert queue_revision_notices(session, local(2028, 5, 16, 7, 5), MAIL, TIMING) == 2
    assert queue_revision_notices(session, local(2028, 5, 17, 7, 5), MAIL, TIMING) == 0
    session.commit()
    assert sent_to(session, K.REVISION_DUE) == [
        ("contact@lillby.example", "The agreement is due for revision by Thursday 15 June 2028: Samverkan i Lillby"),
        ("director@lillby.example", "Överenskommelsen ska revideras senast torsdag 15 juni 2028: Samverkan i Lillby"),
    ]
    assert queue_revision_notices(session, local(2028, 6, 16, 7, 5), MAIL, TIMING) == 2
    session.commit()
    assert "skulle ha reviderats senast torsdag 15 juni 2028" in body(session, K.REVISION_DUE, "director@")


def test_a_new_revision_date_is_a_new_occasion(session, world):
    queue_revision_notices(session, local(2028, 5, 20, 7, 5), MAIL, TIMING)
    version = session.scalars(sa.select(AgreementVersion)).one()
    version.revision_due_on = date(2028, 6, 1)
    session.commit()
    assert queue_revision_notices(session, local(2028, 5, 20, 8, 0), MAIL, TIMING) == 2


def test_a_term_without_meetings_six_weeks_before_it_starts_is_told_to_the_director(session, world):
    spring = Term(municipality_id=world.term.municipality_id, name="VT2028", starts_on=date(2028, 1, 10),
                  ends_on=date(2028, 6, 12))
    session.add(spring)
    session.commit()
    assert queue_term_notices(session, local(2027, 11, 28, 7, 10), MAIL, TIMING, weeks=6) == 0
    assert queue_term_notices(session, local(2027, 11, 29, 7, 10), MAIL, TIMING, weeks=6) == 1
    assert queue_term_notices(session, local(2027, 12, 6, 7, 10), MAIL, TIMING, weeks=6) == 0
    session.commit()
    assert sent_to(session, K.TERM_NOT_PLANNED) == [
        ("director@lillby.example", "VT2028 är inte planerad för Lillby (börjar måndag 10 januari 2028)")]
    assert f"{MAIL.base_url}/districts/LILLBY/terms/VT2028/plan" in body(session, K.TERM_NOT_PLANNED, "director@")


def test_a_planned_term_is_not_told(session, world):
    assert queue_term_notices(session, local(2027, 7, 20, 7, 10), MAIL, TIMING, weeks=6) == 0  # HT2027 has meetings


def test_the_weekly_digest_lists_what_is_open_in_the_district_once_a_week(session, world):
    session.execute(sa.update(OutboxMessage).where(OutboxMessage.recipient.contains("teacher@"))
                    .values(state=OutboxState.DEAD, last_error="550 mailbox unavailable"))
    session.commit()
    assert queue_digests(session, local(2027, 10, 18, 6, 59), MAIL, TIMING) == 0  # Monday, before the hour
    assert queue_digests(session, local(2027, 10, 18, 7, 15), MAIL, TIMING) == 1
    assert queue_digests(session, local(2027, 10, 20, 12, 0), MAIL, TIMING) == 0  # once that week
    session.commit()
    assert sent_to(session, K.DIGEST) == [("director@lillby.example", "Veckans sammanfattning för Lillby, vecka 42")]
    text = body(session, K.DIGEST, "director@")
    assert "Övergripande samverkansforum, tisdag 19 oktober 2027 kl. 13.00: Dora Direktör, Rita Rektor, " \
           "Sam Contact, Sixten Sekreterare" in text
    assert "Elevhälsokonferens (Lillby skola), tisdag 12 oktober 2027 (6 dagar sedan)" in text
    assert "Meddelanden som inte kunde levereras (1):" in text and "550 mailbox unavailable" in text
    assert queue_digests(session, local(2027, 10, 25, 7, 15), MAIL, TIMING) == 1  # the next week


def test_a_digest_with_nothing_open_is_not_sent(session):
    build(session, publish_meetings=False)
    assert queue_digests(session, local(2027, 10, 18, 7, 15), MAIL, TIMING) == 0
