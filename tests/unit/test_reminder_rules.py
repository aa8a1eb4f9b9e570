"""The reminder rules: which reminders are due, and still wanted, at a moment (pure: no database, no clock)."""
from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from coordinator.minutes.models import MinutesState
from coordinator.org.functions import Function as F
from coordinator.outbox.models import MessageKind as K
from coordinator.planning.models import Answer
from coordinator.reminders.rules import (
    ActionItemFacts,
    Invitee,
    MeetingFacts,
    MinutesFacts,
    Policy,
    DueReminder,
    Timing,
    catch_ups,
    due_reminders,
    minutes_keeper,
)

STOCKHOLM = ZoneInfo("Europe/Stockholm")
TIMING = Timing("Europe/Stockholm", reminder_hour=7, horizon=timedelta(days=120))
POLICY = Policy(minutes_keeper_function=F.KURATOR, rsvp_reminder_days=7, pre_meeting_reminder_hours=24,
                minutes_reminder_days=3, minutes_reminder_repeat_days=3, minutes_escalation_days=14,
                requires_minutes=True, requires_approval=True, reports_to_committee=True)

CONVENER, KEEPER, PRINCIPAL, NURSE, DEPUTY, DIRECTOR, SECRETARY = 1, 2, 3, 4, 5, 90, 91


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=STOCKHOLM)


def meeting(**changes: object) -> MeetingFacts:
    """A student-health conference on Tuesday 12 October 2027, 13.00–14.30, published in August; the
    keeper's first minutes reminder was queued at its moment, 15 October 07.00."""
    base = MeetingFacts(
        meeting_id=10, uid="m10@test", sequence=0, starts_at=local(2027, 10, 12, 13, 0),
        ends_at=local(2027, 10, 12, 14, 30), is_scheduled=True, policy=POLICY,
        published_at=local(2027, 8, 20, 10, 0),
        invitees=(Invitee(CONVENER, F.PRINCIPAL, Answer.ACCEPTED), Invitee(KEEPER, F.KURATOR, Answer.TENTATIVE),
                  Invitee(PRINCIPAL, F.DEPUTY_PRINCIPAL), Invitee(NURSE, F.SCHOOL_NURSE, Answer.DECLINED)),
        convener_id=CONVENER, directors=(DIRECTOR,), committee_secretaries=(SECRETARY,),
        minutes_reminded_at=local(2027, 10, 15, 7, 0),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def due(facts: MeetingFacts, now: datetime) -> set[tuple[K, int, str]]:
    return {(r.kind, r.person_id, r.step) for r in due_reminders([facts], now, TIMING)}


# -- before the meeting ---------------------------------------------------------------------------

def test_nothing_is_due_before_the_first_reminder_moment():
    assert due(meeting(), local(2027, 10, 5, 12, 59)) == set()


def test_the_rsvp_reminder_goes_to_active_invitees_who_have_not_answered_from_x_days_before():
    assert due(meeting(), local(2027, 10, 5, 13, 0)) == {(K.RSVP_REMINDER, PRINCIPAL, "0")}


def test_the_pre_meeting_reminder_goes_to_those_who_accepted_or_answered_tentatively():
    assert due(meeting(), local(2027, 10, 11, 13, 30)) == {
        (K.PRE_MEETING_REMINDER, CONVENER, "0"), (K.PRE_MEETING_REMINDER, KEEPER, "0"),
    }


def test_the_rsvp_reminder_is_wanted_only_in_the_first_half_of_its_lead():
    # seven days before 12 October 13.00, until three and a half days before (9 October 01.00)
    reminders = due_reminders([meeting()], local(2027, 10, 9, 0, 59), TIMING)
    assert [(r.kind, r.expires_at) for r in reminders] == [(K.RSVP_REMINDER, local(2027, 10, 9, 1, 0))]
    # after an outage, a meeting about to start gets no "please answer"
    assert due(meeting(), local(2027, 10, 9, 1, 0)) == set()
    assert due(meeting(), local(2027, 10, 12, 11, 0)) == {(K.PRE_MEETING_REMINDER, CONVENER, "0"),
                                                          (K.PRE_MEETING_REMINDER, KEEPER, "0")}


def test_the_convener_is_not_reminded_to_answer_their_own_meeting():
    facts = meeting(invitees=(Invitee(CONVENER, F.PRINCIPAL), Invitee(PRINCIPAL, F.DEPUTY_PRINCIPAL)))
    assert due(facts, local(2027, 10, 5, 13, 0)) == {(K.RSVP_REMINDER, PRINCIPAL, "0")}


def test_reminders_before_a_meeting_expire_at_its_start_and_stop_once_it_began():
    reminders = due_reminders([meeting()], local(2027, 10, 12, 12, 59), TIMING)
    assert {(r.kind, r.expires_at) for r in reminders} == {(K.PRE_MEETING_REMINDER, local(2027, 10, 12, 13, 0))}
    assert due(meeting(), local(2027, 10, 12, 13, 0)) == set()


def test_nobody_removed_delegated_or_declined_is_reminded():
    facts = meeting(invitees=(
        Invitee(1, F.PRINCIPAL, Answer.NEEDS_ACTION, is_removed=True),
        Invitee(2, F.PRINCIPAL, Answer.DELEGATED), Invitee(3, F.PRINCIPAL, Answer.DECLINED),
        Invitee(4, F.PRINCIPAL, Answer.ACCEPTED, is_removed=True),
    ))
    assert due(facts, local(2027, 10, 11, 20, 0)) == set()


def test_a_draft_or_cancelled_meeting_gets_no_reminder_at_all():
    for moment in (local(2027, 10, 11, 20, 0), local(2027, 10, 20, 8, 0), local(2027, 11, 1, 8, 0)):
        assert due(meeting(is_scheduled=False), moment) == set()


def test_no_rsvp_reminder_when_the_invitation_went_out_inside_the_reminder_window():
    late = meeting(published_at=local(2027, 10, 8, 9, 0))
    assert (K.RSVP_REMINDER, PRINCIPAL, "0") not in due(late, local(2027, 10, 10, 9, 0))


def test_no_rsvp_reminder_to_someone_invited_after_the_reminder_moment():
    facts = meeting(invitees=(Invitee(PRINCIPAL, F.PRINCIPAL),
                              Invitee(DEPUTY, F.PRINCIPAL, invited_at=local(2027, 10, 6, 9, 0)),
                              Invitee(NURSE, F.SCHOOL_NURSE, invited_at=local(2027, 10, 4, 9, 0))))
    assert due(facts, local(2027, 10, 6, 10, 0)) == {(K.RSVP_REMINDER, PRINCIPAL, "0"), (K.RSVP_REMINDER, NURSE, "0")}


def test_a_moved_meeting_has_new_keys_and_its_reminders_follow_the_new_time():
    moved = meeting(sequence=1, starts_at=local(2027, 10, 19, 13, 0), ends_at=local(2027, 10, 19, 14, 30))
    assert due(moved, local(2027, 10, 11, 20, 0)) == set()  # a week before the new time, not the old
    assert due(moved, local(2027, 10, 12, 20, 0)) == {(K.RSVP_REMINDER, PRINCIPAL, "0")}
    old = {r.dedupe_key for r in due_reminders([meeting()], local(2027, 10, 11, 20, 0), TIMING)}
    new = {r.dedupe_key for r in due_reminders([moved], local(2027, 10, 18, 20, 0), TIMING)}
    assert old and new and not old & new
    assert all(":1:" in key for key in new)


def test_a_policy_of_none_turns_that_reminder_off():
    quiet = meeting(policy=replace(POLICY, rsvp_reminder_days=None, pre_meeting_reminder_hours=None))
    assert due(quiet, local(2027, 10, 12, 12, 0)) == set()


# -- minutes ------------------------------------------------------------------------------------------

def test_missing_minutes_remind_the_keeper_d_days_after_at_the_reminder_hour_then_every_r_days():
    facts = meeting()
    assert due(facts, local(2027, 10, 15, 6, 59)) == set()
    assert due(facts, local(2027, 10, 15, 7, 0)) == {(K.MINUTES_REMINDER, KEEPER, "0")}
    assert due(facts, local(2027, 10, 18, 6, 59)) == {(K.MINUTES_REMINDER, KEEPER, "0")}
    assert due(facts, local(2027, 10, 18, 7, 0)) == {(K.MINUTES_REMINDER, KEEPER, "1")}  # only the latest step


def test_after_e_days_the_convener_is_told_and_the_keeper_still_reminded():
    assert due(meeting(), local(2027, 10, 26, 7, 0)) == {
        (K.MINUTES_REMINDER, KEEPER, "3"), (K.MINUTES_ESCALATION, CONVENER, "0")}


def test_after_an_outage_the_keeper_is_reminded_first_and_the_convener_told_after_the_keepers_time():
    # the scheduler was down from 14 to 26 October: nothing has been queued for the minutes yet
    outage = meeting(minutes_reminded_at=None)
    assert due(outage, local(2027, 10, 26, 7, 0)) == {(K.MINUTES_REMINDER, KEEPER, "3")}
    # the keeper's reminder was queued on the 26th: the convener is told eleven days later (14 − 3)
    reminded = replace(outage, minutes_reminded_at=local(2027, 10, 26, 7, 0, 5))
    assert due(reminded, local(2027, 11, 6, 6, 59)) == {(K.MINUTES_REMINDER, KEEPER, "7")}
    [escalation] = [r for r in due_reminders([reminded], local(2027, 11, 6, 7, 0), TIMING)
                    if r.kind is K.MINUTES_ESCALATION]
    assert (escalation.person_id, escalation.due_at) == (CONVENER, local(2027, 11, 6, 7, 0))


def test_an_escalation_policy_shorter_than_the_reminders_still_waits_a_day_after_the_keeper():
    policy = replace(POLICY, minutes_reminder_days=5, minutes_escalation_days=2)
    facts = meeting(policy=policy, minutes_reminded_at=None)
    assert due(facts, local(2027, 10, 14, 8, 0)) == set()  # two days after, the keeper has not been reminded
    reminded = replace(facts, minutes_reminded_at=local(2027, 10, 17, 7, 0))
    assert due(reminded, local(2027, 10, 17, 8, 0)) == {(K.MINUTES_REMINDER, KEEPER, "0")}
    assert (K.MINUTES_ESCALATION, CONVENER, "0") in due(reminded, local(2027, 10, 18, 7, 0))


def test_without_keeper_reminders_the_escalation_keeps_its_own_day():
    facts = meeting(policy=replace(POLICY, minutes_reminder_days=None), minutes_reminded_at=None)
    assert due(facts, local(2027, 10, 26, 7, 0)) == {(K.MINUTES_ESCALATION, CONVENER, "0")}


def test_when_the_convener_keeps_the_minutes_the_escalation_goes_to_the_director():
    facts = meeting(policy=replace(POLICY, minutes_keeper_function=F.PRINCIPAL))
    assert minutes_keeper(facts) == CONVENER
    assert (K.MINUTES_ESCALATION, DIRECTOR, "0") in due(facts, local(2027, 10, 26, 8, 0))


def test_the_keeper_is_the_convener_when_nobody_holds_the_keepers_function():
    facts = meeting(policy=replace(POLICY, minutes_keeper_function=F.COMMITTEE_SECRETARY))
    assert minutes_keeper(facts) == CONVENER


def test_a_keeper_who_delegated_hands_the_minutes_to_the_deputy():
    facts = meeting(invitees=(Invitee(CONVENER, F.PRINCIPAL, Answer.ACCEPTED),
                              Invitee(KEEPER, F.KURATOR, Answer.DELEGATED),
                              Invitee(DEPUTY, F.KURATOR, Answer.ACCEPTED)))
    assert due(facts, local(2027, 10, 15, 8, 0)) == {(K.MINUTES_REMINDER, DEPUTY, "0")}


def test_a_draft_still_counts_as_missing_registered_minutes_do_not():
    draft = meeting(minutes=MinutesFacts(MinutesState.DRAFT))
    assert due(draft, local(2027, 10, 15, 8, 0)) == {(K.MINUTES_REMINDER, KEEPER, "0")}
    registered = meeting(minutes=MinutesFacts(MinutesState.REGISTERED, registered_at=local(2027, 10, 14, 9, 0),
                                              unconfirmed_adjusters=(PRINCIPAL,)))
    assert due(registered, local(2027, 10, 15, 8, 0)) == set()


def test_registered_minutes_remind_each_adjuster_who_has_not_confirmed():
    facts = meeting(minutes=MinutesFacts(MinutesState.REGISTERED, registered_at=local(2027, 10, 14, 9, 0),
                                         unconfirmed_adjusters=(NURSE, PRINCIPAL)))
    assert due(facts, local(2027, 10, 17, 6, 0)) == set()
    assert due(facts, local(2027, 10, 17, 7, 0)) == {(K.APPROVAL_REMINDER, NURSE, "0"),
                                                     (K.APPROVAL_REMINDER, PRINCIPAL, "0")}


def test_approved_minutes_of_a_reporting_form_remind_the_committee_secretary_weekly_until_reported():
    approved = MinutesFacts(MinutesState.APPROVED, approved_at=local(2027, 10, 20, 15, 0))
    assert due(meeting(minutes=approved), local(2027, 10, 23, 7, 0)) == {(K.REPORT_REMINDER, SECRETARY, "0")}
    assert due(meeting(minutes=approved), local(2027, 10, 30, 7, 0)) == {(K.REPORT_REMINDER, SECRETARY, "1")}
    assert due(meeting(minutes=replace(approved, state=MinutesState.REPORTED)), local(2027, 10, 30, 7, 0)) == set()
    no_report = meeting(minutes=approved, policy=replace(POLICY, reports_to_committee=False))
    assert due(no_report, local(2027, 10, 30, 7, 0)) == set()


def test_follow_ups_stop_at_the_horizon():
    assert due(meeting(), local(2028, 2, 8, 12, 0)) == {(K.MINUTES_REMINDER, KEEPER, "38"),
                                                        (K.MINUTES_ESCALATION, CONVENER, "0")}
    assert due(meeting(), local(2028, 2, 10, 12, 0)) == set()


def test_forms_without_minutes_get_no_minutes_reminders():
    facts = meeting(policy=replace(POLICY, requires_minutes=False))
    assert due(facts, local(2027, 10, 30, 8, 0)) == set()


def test_a_repeated_reminder_stays_at_the_reminder_hour_across_the_change_to_winter_time():
    facts = meeting(starts_at=local(2027, 10, 26, 13, 0), ends_at=local(2027, 10, 26, 14, 0))
    # 29 Oct and 1 Nov 2027 are on either side of the end of summer time (31 Oct)
    first, = due_reminders([facts], local(2027, 10, 29, 7, 0), TIMING)
    second, = due_reminders([facts], local(2027, 11, 1, 7, 0), TIMING)
    assert (first.step, first.due_at.astimezone(UTC).hour) == ("0", 5)
    assert (second.step, second.due_at.astimezone(UTC).hour) == ("1", 6)
    assert due(facts, local(2027, 11, 1, 6, 59)) == {(K.MINUTES_REMINDER, KEEPER, "0")}


# -- action items ---------------------------------------------------------------------------------------

def test_an_open_action_item_reminds_its_owner_three_days_before_and_on_its_day_only():
    facts = meeting(minutes=MinutesFacts(MinutesState.REPORTED),
                    action_items=(ActionItemFacts(7, NURSE, date(2027, 11, 10)),
                                  ActionItemFacts(8, NURSE, date(2027, 11, 10), is_open=False),
                                  ActionItemFacts(9, None, date(2027, 11, 10))))
    assert due(facts, local(2027, 11, 7, 6, 0)) == set()
    assert due(facts, local(2027, 11, 7, 7, 0)) == {(K.ACTION_ITEM_REMINDER, NURSE, "7:before")}
    assert due(facts, local(2027, 11, 10, 7, 0)) == {(K.ACTION_ITEM_REMINDER, NURSE, "7:due")}
    assert due(facts, local(2027, 11, 11, 7, 0)) == set()


# -- catching up after an outage ------------------------------------------------------------------------

def reminder(kind: K, person: int, due_at: datetime, meeting_id: int = 10) -> DueReminder:
    return DueReminder(kind, meeting_id, f"m{meeting_id}@test", 0, person, "0", due_at)


def test_two_reminders_overdue_for_one_person_are_merged_with_the_rest_of_theirs():
    now = local(2027, 10, 26, 7, 0)
    late = [reminder(K.MINUTES_REMINDER, KEEPER, local(2027, 10, 24, 7, 0), 10),
            reminder(K.APPROVAL_REMINDER, KEEPER, local(2027, 10, 20, 7, 0), 11)]
    on_time = reminder(K.ACTION_ITEM_REMINDER, KEEPER, now, 12)
    alone = reminder(K.MINUTES_REMINDER, NURSE, local(2027, 10, 22, 7, 0), 13)   # one late reminder: as usual
    fresh = [reminder(K.REPORT_REMINDER, SECRETARY, now, 14), reminder(K.APPROVAL_REMINDER, SECRETARY, now, 15)]

    merged = catch_ups([*late, on_time, alone, *fresh], now)

    assert merged == {KEEPER: [late[1], late[0], on_time]}


def test_a_reminder_within_the_grace_period_is_not_a_catch_up():
    now = local(2027, 10, 26, 8, 0)
    due_at = [local(2027, 10, 26, 7, 0), local(2027, 10, 26, 7, 30)]  # an hour and half an hour ago

    assert catch_ups([reminder(K.MINUTES_REMINDER, KEEPER, at, n) for n, at in enumerate(due_at)], now) == {}


# -- properties -------------------------------------------------------------------------------------------

ANSWERS = st.sampled_from(list(Answer))
invitees = st.lists(st.builds(Invitee, st.integers(1, 30), st.sampled_from([F.PRINCIPAL, F.KURATOR, None]), ANSWERS,
                              st.booleans()), max_size=8, unique_by=lambda i: i.person_id)
policies = st.builds(Policy, st.sampled_from([F.KURATOR, None]), st.none() | st.integers(0, 14),
                     st.none() | st.integers(0, 72), st.none() | st.integers(0, 10), st.none() | st.integers(0, 10),
                     st.none() | st.integers(0, 30), st.booleans(), st.booleans(), st.booleans())
minutes = st.none() | st.builds(MinutesFacts, st.sampled_from(list(MinutesState)),
                                st.just(local(2027, 10, 14, 9, 0)), st.just(local(2027, 10, 20, 9, 0)),
                                st.lists(st.integers(1, 30), max_size=3, unique=True).map(tuple))
moments = st.datetimes(min_value=datetime(2027, 8, 1), max_value=datetime(2028, 3, 1)).map(
    lambda d: d.replace(tzinfo=UTC))


@settings(max_examples=300, deadline=None)
@given(invitees, policies, minutes, st.booleans(), moments)
def test_every_reminder_is_due_not_expired_and_one_per_key(people, policy, minutes_facts, scheduled, now):
    facts = meeting(invitees=tuple(people), policy=policy, minutes=minutes_facts, is_scheduled=scheduled)
    reminders = due_reminders([facts], now, TIMING)
    keys = [r.dedupe_key for r in reminders]
    assert len(keys) == len(set(keys))
    for reminder in reminders:
        assert scheduled
        assert reminder.due_at <= now
        assert reminder.expires_at is None or now < reminder.expires_at
        person = next((i for i in people if i.person_id == reminder.person_id), None)
        if reminder.kind in (K.RSVP_REMINDER, K.PRE_MEETING_REMINDER):
            assert person is not None and person.is_active and person.answer is not Answer.DECLINED
            assert now < facts.starts_at


@settings(max_examples=200, deadline=None)
@given(invitees, policies, moments, st.integers(1, 3))
def test_raising_the_sequence_replaces_every_key(people, policy, now, raise_by):
    facts = meeting(invitees=tuple(people), policy=policy)
    before = {r.dedupe_key for r in due_reminders([facts], now, TIMING)}
    after = {r.dedupe_key for r in due_reminders([replace(facts, sequence=facts.sequence + raise_by)], now, TIMING)}
    assert len(before) == len(after) and not before & after


sweeps = st.lists(st.integers(0, 45 * 24 * 60), min_size=1, max_size=25, unique=True).map(sorted)


@settings(max_examples=300, deadline=None)
@given(policies, sweeps)
def test_the_escalation_never_leaves_with_the_keepers_reminder(policy, minutes_after_the_meeting):
    """Sweeps at random moments after the meeting (gaps are outages): the escalation is first queued by a
    later sweep, on a later day, than the keeper's first minutes reminder."""
    facts = meeting(policy=replace(policy, requires_minutes=True), minutes_reminded_at=None)
    first_reminder = first_escalation = None
    for minutes in minutes_after_the_meeting:
        now = facts.ends_at + timedelta(minutes=minutes)
        kinds = {r.kind for r in due_reminders([facts], now, TIMING)}
        if K.MINUTES_REMINDER in kinds and first_reminder is None:
            first_reminder = now
            facts = replace(facts, minutes_reminded_at=now)
        if K.MINUTES_ESCALATION in kinds and first_escalation is None:
            first_escalation = now
    if first_escalation is not None and policy.minutes_reminder_days is not None and minutes_keeper(facts):
        assert first_reminder is not None
        assert TIMING.local_day(first_escalation) > TIMING.local_day(first_reminder)
