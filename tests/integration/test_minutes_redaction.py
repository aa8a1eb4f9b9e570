"""Redacting an identity number from minutes, on both databases: once a correction takes it out,
it is readable in no table at all — not in an earlier (final) revision, the audit trail, an action
item, a queued reminder that quoted it, or a file — and the redaction is recorded with who and why.
Without the decision nothing is written."""
from __future__ import annotations

import email
import email.policy
import io
import json
import re
import zipfile
from datetime import timedelta

import pytest
import sqlalchemy as sa
from pypdf import PdfReader
from tests.minutes_helpers import FORUM, OPERATIVE, after, docx, hold_term, meetings_of, pdf, scanned_pdf
from tests.reminder_world import MAIL

from coordinator.audit import AuditEvent
from coordinator.models import all_models
from coordinator.i18n import DomainError
from coordinator.minutes.action_items import add_action_item
from coordinator.minutes.models import Attachment, AttendanceStatus, Minutes, MinutesRevision
from coordinator.minutes.participation import AttendanceEntry, invitee_rows, record_attendance
from coordinator.minutes.redaction import RedactionReasonNeeded
from coordinator.minutes.services import (
    attach_file, local_date, register_minutes, remove_attachment, save_text, start_correction, start_minutes,
)
from coordinator.outbox.models import MessageKind, OutboxMessage
from coordinator.reminders.rules import Timing
from coordinator.reminders.services import queue_due

KEEPER = "sara.nyberg@stockholm.example"
REGISTRAR = "registrator@stockholm.example"
DECISION = "Personnummer togs bort enligt beslut av stadsdelsdirektören 2027-10-20, SDN 2027/45"
NUMBER = "8711259823"  # 19871125-9823, fictitious


@pytest.fixture
def operative(session):
    """A held meeting of the local operative forum, a form where identified cases (with consent) may be written."""
    hold_term(session)
    return meetings_of(session, OPERATIVE)[0]


def everyone_present(session, meeting):
    record_attendance(session, meeting, [AttendanceEntry(r.person.id, AttendanceStatus.PRESENT)
                                         for r in invitee_rows(session, meeting)], actor=KEEPER, now=after(meeting))


def readable_texts(value) -> list[str]:
    """What a stored value lets a reader see: its text; a mail's subject and decoded parts; a file's text."""
    if value is None:
        return []
    if isinstance(value, (dict, list)):
        return [json.dumps(value, ensure_ascii=False)]
    if not isinstance(value, bytes):
        return [str(value)]
    texts = [value.decode("latin-1")]
    if value.startswith(b"%PDF"):
        texts += [page.extract_text() for page in PdfReader(io.BytesIO(value)).pages]
    elif value.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(value)) as archive:
            texts += [archive.read(name).decode("utf-8", "replace") for name in archive.namelist()]
    elif b"Message-ID" in value:
        message = email.message_from_bytes(value, policy=email.policy.default)
        texts.append(str(message["Subject"]))
        texts += [part.get_content() for part in message.walk() if part.get_content_maintype() == "text"]
    return texts


def places_holding(session, digits: str) -> list[str]:
    """Every table.column where `digits` can be read, written with any separators (or none) between them."""
    session.expire_all()
    found = []
    with session.get_bind().connect() as connection:
        for table in all_models().sorted_tables:
            for row in connection.execute(sa.select(table)).mappings():
                for column, value in row.items():
                    if any(digits in re.sub(r"\D", "", text) for text in readable_texts(value)):
                        found.append(f"{table.name}.{column}")
    return sorted(set(found))


def test_a_corrected_identity_number_is_readable_nowhere_and_the_redaction_says_who_and_why(session, operative):
    now = after(operative)
    minutes = start_minutes(session, operative, actor=KEEPER, now=now)
    everyone_present(session, operative)
    save_text(session, minutes, {**minutes.content, "decisions": "Eleven 19 87 11 25 98 23 följs upp med samtycke."},
              actor=KEEPER, now=now)
    owner = invitee_rows(session, operative)[0].person
    due = local_date(operative.starts_at) + timedelta(days=14)
    add_action_item(session, operative, "Kalla vårdnadshavare till 871125-9823", owner.id, due, actor=KEEPER, now=now)
    attach_file(session, minutes, "protokoll.pdf", pdf("Protokoll\nElev 871125-9823 med samtycke"), actor=KEEPER,
                now=now)
    register_minutes(session, minutes, actor=KEEPER, now=now)  # final: the form asks no approval
    session.commit()
    timing = Timing("Europe/Stockholm", reminder_hour=7)
    assert queue_due(session, timing.morning(due), MAIL, kinds=[MessageKind.ACTION_ITEM_REMINDER], timing=timing) == 1
    session.commit()
    assert places_holding(session, NUMBER) == [
        "action_item.text", "audit_event.after", "minutes.content", "minutes_attachment.data",
        "minutes_revision.content", "outbox_message.content", "outbox_message.subject"]

    later = now + timedelta(days=10)
    start_correction(session, minutes, "Personnumret ska inte stå i protokollet.", actor=REGISTRAR, now=later)
    session.commit()
    corrected = {**minutes.content, "decisions": "Eleven följs upp med samtycke."}
    with pytest.raises(RedactionReasonNeeded) as refused:
        save_text(session, minutes, corrected, actor=REGISTRAR, now=later)
    session.rollback()
    assert refused.value.numbers == ("19871125-****",)
    assert places_holding(session, NUMBER) != []

    save_text(session, minutes, corrected, redaction_reason=DECISION, actor=REGISTRAR, now=later)
    session.commit()

    assert places_holding(session, NUMBER) == []
    event = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "minutes.redacted")).one()
    assert (event.actor, event.at, event.after["reason"], event.after["numbers"]) == (
        REGISTRAR, later, DECISION, ["19871125-****"])
    assert event.after["revisions"] == [1]  # the registered text; the correction's draft no longer holds it
    assert event.after["places"] == {"action_items": 1, "audit_events": 3, "files": 1, "mails": 1, "revisions": 1}
    first = session.scalars(sa.select(MinutesRevision).where(MinutesRevision.number == 1)).one()
    assert first.content["decisions"] == "Eleven 19871125-**** följs upp med samtycke."  # the rest as registered
    file = session.scalars(sa.select(Attachment)).one()
    assert (file.purged_by, file.removed_by, file.data, file.sha256 != "") == (REGISTRAR, REGISTRAR, b"", True)
    mail = session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.kind == MessageKind.ACTION_ITEM_REMINDER)).one()
    assert mail.subject.endswith("Kalla vårdnadshavare till 871125-****")


def test_a_confirmed_suspect_taken_out_is_masked_in_every_revision_and_the_history(session):
    hold_term(session)
    forum = meetings_of(session, FORUM)[0]
    now = after(forum)
    minutes = start_minutes(session, forum, actor=KEEPER, now=now)
    save_text(session, minutes, {**minutes.content, "other": "Ärende 871125-9824 nämndes."},
              confirmed=["871125-****"], actor=KEEPER, now=now)
    session.commit()

    save_text(session, minutes, {**minutes.content, "other": "Ett ärende nämndes."}, redaction_reason=DECISION,
              actor=KEEPER, now=now + timedelta(hours=1))
    session.commit()

    assert places_holding(session, "8711259824") == []
    saved = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "minutes.text_saved")
                            .order_by(AuditEvent.id)).all()
    assert saved[0].after["other"] == "Ärende 871125-**** nämndes."
    assert saved[0].after["confirmed_not_identity_numbers"] == ["871125-****"]


def test_an_edit_that_keeps_its_numbers_needs_no_decision(session, operative):
    now = after(operative)
    minutes = start_minutes(session, operative, actor=KEEPER, now=now)
    save_text(session, minutes, {**minutes.content, "decisions": "Eleven 871125-9823."}, actor=KEEPER, now=now)
    # the same number written another way, and text added: nothing is taken out
    assert save_text(session, minutes, {**minutes.content, "decisions": "Eleven 19871125 9823 följs upp."},
                     actor=KEEPER, now=now)
    session.commit()
    assert session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "minutes.redacted")).all() == []


def test_a_file_holding_a_number_is_removed_only_with_a_decision_and_then_purged(session, operative):
    now = after(operative)
    minutes = start_minutes(session, operative, actor=KEEPER, now=now)
    file = attach_file(session, minutes, "bilaga.docx", docx("Elev 871125-9823", header="Norrviken"),
                       actor=KEEPER, now=now)
    session.commit()

    with pytest.raises(RedactionReasonNeeded):
        remove_attachment(session, file, actor=KEEPER, now=now)
    session.rollback()
    assert (file.removed_at, file.purged_at) == (None, None)
    with pytest.raises(DomainError, match="utan personnummer"):
        remove_attachment(session, file, redaction_reason="Beslut om 871125-9823", actor=KEEPER, now=now)
    session.rollback()

    remove_attachment(session, file, redaction_reason=DECISION, actor=KEEPER, now=now)
    session.commit()
    assert places_holding(session, NUMBER) == []
    assert (file.removed_by, file.purged_by, file.filename, file.size > 0) == (KEEPER, KEEPER, "bilaga.docx", True)
    purged = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "attachment.purged")).one()
    assert (purged.actor, purged.after["reason"]) == (KEEPER, DECISION)


def test_a_scanned_file_is_purged_when_a_decision_is_given_and_kept_otherwise(session, operative):
    now = after(operative)
    minutes = start_minutes(session, operative, actor=KEEPER, now=now)
    kept = attach_file(session, minutes, "skannad.pdf", scanned_pdf(), actor=KEEPER, now=now)
    purged = attach_file(session, minutes, "skannad-2.pdf", scanned_pdf() + b"\n", actor=KEEPER, now=now)
    remove_attachment(session, kept, actor=KEEPER, now=now)
    remove_attachment(session, purged, redaction_reason=DECISION, actor=KEEPER, now=now)
    session.commit()
    session.expire_all()

    assert (kept.purged_at, len(kept.data) > 0) == (None, True)
    assert (purged.purged_by, purged.data) == (KEEPER, b"")
    assert session.scalars(sa.select(Minutes)).one().state.value == "draft"
