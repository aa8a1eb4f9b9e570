"""No column where a child's identity could be typed escapes the identity-number guard (docs/privacy.md).

Every text-bearing column of the schema (strings, texts, JSON and bytes; enums are closed lists) is
either GUARDED — typed text that passes the guard, each tied to the test that shows the guard
refusing a number there — or in NOT_TYPED_ABOUT_A_CHILD with the reason no child's identity belongs
or can arrive there. A new column fails this test until someone decides which it is.
"""
from __future__ import annotations

import importlib
import inspect
import types
from datetime import date

import sqlalchemy as sa

from coordinator.models import all_models
from coordinator.minutes.guard import Passage, check

# column -> the test ("module::function") that shows the guard refusing an identity number written there
GUARDED = {
    "report_of_concern.case_reference":
        "tests.integration.test_reports_of_concern::test_bad_input_is_refused_in_words_and_nothing_is_written",
    "report_of_concern.late_reason":
        "tests.integration.test_reports_of_concern::test_a_time_after_the_deadline_needs_its_reason_which_is_kept",
    "report_of_concern.withdrawal_reason":
        "tests.integration.test_reports_of_concern::test_a_report_entered_by_mistake_is_withdrawn_with_a_reason_and_"
        "kept",
    "meeting.place":  # typed only when a report meeting is booked; otherwise the agreement's place is copied
        "tests.integration.test_reports_of_concern::test_an_impossible_booking_is_refused_and_sends_nothing",
    "minutes.content": "tests.web.test_minutes_pages::test_the_guard_refuses_a_personnummer_naming_section_and_line",
    "minutes_revision.content":  # a revision keeps the minutes' guarded text as it was
        "tests.web.test_minutes_pages::test_the_guard_refuses_a_personnummer_naming_section_and_line",
    "minutes_revision.reason":
        "tests.integration.test_minutes_lifecycle::test_approved_minutes_change_only_by_a_correction_that_keeps_the_"
        "earlier_text",
    "minutes.committee_reference":
        "tests.web.test_minutes_register::test_a_diarienummer_holding_an_identity_number_is_refused_and_nothing_"
        "changes",
    "action_item.text":
        "tests.integration.test_minutes_lifecycle::test_action_items_have_an_owner_and_a_due_date_and_pass_the_guard",
    "consultation_booking.matter":
        "tests.integration.test_consultations::test_a_matter_holding_an_identity_number_is_refused_and_nothing_is_"
        "written",
    "consultation_booking.booker_name":  # the booker's own name, erased with the booking (docs/privacy.md)
        "tests.integration.test_consultations::test_a_name_holding_an_identity_number_is_refused_and_nothing_is_"
        "written",
    "minutes_attachment.data":
        "tests.web.test_minutes_files::test_bad_files_are_refused_with_a_clear_message_and_nothing_is_stored",
    "minutes_attachment.filename":
        "tests.web.test_minutes_files::test_bad_files_are_refused_with_a_clear_message_and_nothing_is_stored",
}

ACTOR = "the acting user's email address, written by the product"
REGISTER = ("the register of the organisation's adults, schools and units, kept by administrators: no child is "
            "ever registered, and an external reporter's name passes the guard (test_reports_of_concern)")
AGREEMENT = "the agreement's own text, a public document written and activated by the district director"

NOT_TYPED_ABOUT_A_CHILD = {
    # written by the product itself
    "action_item.series_key": "a series key the planner makes",
    "meeting.series_key": "a series key the planner makes",
    "meeting.uid": "a random calendar UID",
    "meeting.agenda": "no page types it; invitations send the form's purpose",
    "invitation.answered_via": "one of link, calendar, organiser",
    "invitation.rsvp_key": "a random key",
    "feed_token.token_hash": "a SHA-256",
    "user_account.password_hash": "an argon2 hash",
    "minutes_attachment.sha256": "a SHA-256",
    "minutes_attachment.content_type": "the type read from the file's content",
    "audit_event.actor": ACTOR,
    "audit_event.action": "an event name in code",
    "audit_event.entity_type": "a class name",
    "audit_event.entity_id": "a row id",
    "audit_event.before": "copies of values that passed the guard where they were typed; masked by redaction",
    "audit_event.after": "copies of values that passed the guard where they were typed; masked by redaction",
    "job_run.job_id": "a job name in code",
    "job_run.result": "a job's counts or its error",
    "job_run.host": "hostname:pid",
    "outbox_message.dedupe_key": "built from ids",
    "consultation_booking.uid": "a random calendar UID",
    "consultation_booking.cancel_key": "a random key",
    "consultation_link.key": "a random key",
    "outbox_message.message_id": "a random Message-ID",
    "outbox_message.recipient": "an invitee's address from the register",
    "outbox_message.subject": "built from a meeting's title and time",
    "outbox_message.content": "mail rendered from guarded or register values; masked by redaction, emptied by erasure",
    "outbox_message.last_error": "the mail server's answer",
    "outbox_message.claimed_by": "the sending process: an advisory-lock key, or host, pid and start time",
    "outbox_message.compose": "the name of a composer in code (\"invitation\")",
    # who did it
    "action_item.created_by": ACTOR, "action_item.closed_by": ACTOR, "attendance.recorded_by": ACTOR,
    "feed_token.created_by": ACTOR, "meeting.published_by": ACTOR, "minutes.created_by": ACTOR,
    "minutes.updated_by": ACTOR, "minutes.registered_by": ACTOR, "minutes.reported_by": ACTOR,
    "minutes.archived_by": ACTOR, "minutes_adjuster.confirmed_by": ACTOR, "minutes_attachment.created_by": ACTOR,
    "minutes_attachment.removed_by": ACTOR, "minutes_attachment.purged_by": ACTOR, "minutes_revision.created_by": ACTOR,
    "report_of_concern.recorded_by": ACTOR, "report_of_concern.outcome_by": ACTOR,
    "report_of_concern.withdrawn_by": ACTOR,
    "consultation_hours.created_by": ACTOR, "consultation_hours.closed_by": ACTOR,
    "consultation_link.created_by": ACTOR, "consultation_link.revoked_by": ACTOR,
    "consultation_booking.cancelled_by": ACTOR + ", or the word booker",
    "staff_meeting_visit.confirmed_by": ACTOR,
    # codes and addresses, checked by their own shape
    "municipality.code": "a four-digit municipality code",
    "district.code": "a short district code",
    "school.unit_code": "an eight-digit school-unit code",
    "school.school_forms": "Skolverket's school-form codes",
    "term.name": "HT or VT and a year",
    "school.email": "an email address", "person.email": "an email address", "user_account.email": "an email address",
    "meeting.video_url": "a web address beginning https://",
    "consultation_hours.video_url": "a web address", "consultation_booking.booker_email": "an email address", "meeting_form.video_url": "a web address",
    "school.phone": "a telephone number of a school", "person.phone": "a telephone number of an adult",
    # the register and the agreement
    "municipality.name": REGISTER, "district.name": REGISTER, "school.name": REGISTER,
    "school.organiser_name": REGISTER, "school.address": REGISTER, "school_group.name": REGISTER,
    "unit.name": REGISTER, "person.name": REGISTER, "party.signed_by": REGISTER,
    "term_break.name": "the name of a school break (höstlov ...)",
    "agreement.title": AGREEMENT, "meeting_form.name": AGREEMENT, "meeting_form.purpose": AGREEMENT,
    "meeting_form.place": AGREEMENT,
    "consultation_hours.place": "where the intake group receives, typed by the district's intake officer when "
                                "publishing its hours: a room or an address",
}


def text_columns() -> set[str]:
    found = set()
    for table in all_models().tables.values():
        for column in table.columns:
            kinds = (sa.String, sa.Text, sa.JSON, sa.LargeBinary)
            if isinstance(column.type, kinds) and not isinstance(column.type, sa.Enum):
                found.add(f"{table.name}.{column.name}")
    return found


def test_every_text_column_is_guarded_or_said_why_no_childs_identity_is_typed_there():
    columns = text_columns()
    unclassified = columns - set(GUARDED) - set(NOT_TYPED_ABOUT_A_CHILD)
    assert not unclassified, f"guard each (and test it) or say why no child is typed there: {unclassified}"
    assert not set(GUARDED) & set(NOT_TYPED_ABOUT_A_CHILD)
    assert set(GUARDED) | set(NOT_TYPED_ABOUT_A_CHILD) <= columns, "classified columns that no longer exist"


def test_each_guarded_column_names_a_test_that_feeds_it_an_identity_number():
    for column, reference in GUARDED.items():
        module_name, _, name = reference.partition("::")
        module = importlib.import_module(module_name)
        test = getattr(module, name, None)
        assert callable(test), f"{column}: {reference} does not exist"
        # the number is in the test (its parameters included) or in a constant of its module it reads
        texts = [inspect.getsource(test)] + [repr(value) for key, value in vars(module).items()
                                              if key in test.__code__.co_names and not callable(value)
                                              and not isinstance(value, types.ModuleType)]
        refused = check([Passage("", {}, text) for text in texts], date.today()).refused
        assert refused, f"{column}: {reference} writes no identity number for the guard to refuse"
