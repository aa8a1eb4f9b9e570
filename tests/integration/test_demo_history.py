"""The demo with its history, loaded as of a fixed moment, on both databases: the previous school year and the
current term so far, each term judged by the agreement then in force, Norrviken keeping its agreement while
Söderby lags, minutes in every state and action items in every outcome, the history's reminders recorded as
sent, and a second load that changes nothing."""
from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from coordinator.agreements.models import Agreement, AgreementVersion, MeetingForm, VersionStatus
from coordinator.audit import AuditEvent
from coordinator.demo import load_demo
from coordinator.demo.outbox import record_history_mail
from coordinator.followup.indicators import Status
from coordinator.followup.services import district_followup
from coordinator.minutes.models import ActionItem, ActionItemStatus, Attendance, Minutes, MinutesState
from coordinator.org.models import District
from coordinator.outbox.models import OutboxMessage, OutboxState
from coordinator.planning.models import Answer, Invitation, Meeting, MeetingStatus
from coordinator.reminders.preview import preview
from coordinator.reminders.rules import Timing
from coordinator.terms.models import Term
from tests.integration.test_demo import row_counts
from tests.invitation_helpers import MAIL

NOW = datetime(2026, 12, 3, 13, 0, tzinfo=timezone.utc)  # a Thursday afternoon of HT2026
FORUM = "Övergripande samverkansforum"


@pytest.fixture
def demo(session):
    load_demo(session, now=NOW, history=True)
    session.commit()
    return session


def district(session, code: str) -> District:
    return session.scalars(sa.select(District).where(District.code == code)).one()


def term(session, name: str) -> Term:
    return session.scalars(sa.select(Term).where(Term.name == name)).one()


def meetings_per_term(session) -> Counter[tuple[str, str]]:
    return Counter(session.execute(sa.select(District.code, Term.name).select_from(Meeting)
                                   .join(District, District.id == Meeting.district_id)
                                   .join(Term, Term.id == Meeting.term_id)).all())


def test_the_history_is_the_previous_school_year_and_the_current_term_so_far(demo):
    held = meetings_per_term(demo)
    for code in ("NORRVIKEN", "SODERBY"):
        assert [name for name in ("HT2025", "VT2026", "HT2026", "VT2027", "HT2027", "VT2028") if held[(code, name)]] == [
            "HT2025", "VT2026", "HT2026"]
    # every term was published before it began, and nobody was mailed for it: those invitations went long ago
    meetings = demo.scalars(sa.select(Meeting)).all()
    assert {m.status for m in meetings} == {MeetingStatus.SCHEDULED, MeetingStatus.CANCELLED}
    assert all(m.published_at < datetime.combine(m.term.starts_on, datetime.min.time(), timezone.utc)
               for m in meetings)
    assert demo.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0
    # the current term so far: attendance for meetings that are over, none for those to come, which have answers
    attended = set(demo.scalars(sa.select(Attendance.meeting_id)))
    current = [m for m in meetings if m.term.name == "HT2026" and m.status is MeetingStatus.SCHEDULED]
    assert any(m.id in attended for m in current if m.ends_at < NOW)
    coming = [m for m in current if m.starts_at > NOW]
    assert coming and not any(m.id in attended for m in coming)
    assert any(i.answer is not Answer.NEEDS_ACTION for m in coming for i in m.invitations)
    # nothing happened after the moment the demo was loaded
    for moment in (Invitation.answered_at, Attendance.recorded_at, Minutes.updated_at, ActionItem.closed_at,
                   AuditEvent.at):
        assert demo.scalar(sa.select(sa.func.max(moment))) <= NOW, moment


def test_each_term_is_judged_by_the_agreement_version_then_in_force(demo):
    def versions(code: str) -> list[tuple[int, VersionStatus, date]]:
        return [(v.number, v.status, v.activated_at.date()) for v in demo.scalars(
            sa.select(AgreementVersion).join(Agreement).join(District).where(District.code == code)
            .order_by(AgreementVersion.number))]

    # Norrviken revised in June 2026, before its revision fell due; Söderby had not by December
    assert versions("NORRVIKEN") == [(1, VersionStatus.SUPERSEDED, date(2025, 6, 12)),
                                     (2, VersionStatus.ACTIVE, date(2026, 6, 15))]
    assert versions("SODERBY") == [(1, VersionStatus.ACTIVE, date(2025, 6, 13))]
    numbers = dict(demo.execute(sa.select(Term.name, sa.func.max(AgreementVersion.number)).select_from(Meeting)
                                .join(Term, Term.id == Meeting.term_id).join(MeetingForm)
                                .join(AgreementVersion).join(Agreement).join(District)
                                .where(District.code == "NORRVIKEN").group_by(Term.name)).all())
    assert numbers == {"HT2025": 1, "VT2026": 1, "HT2026": 2}  # each term planned from the version of its day
    ht2026 = term(demo, "HT2026")
    revised = {code: district_followup(demo, district(demo, code), ht2026, NOW, with_trend=False)
               .reading("agreement.revised").status for code in ("NORRVIKEN", "SODERBY")}
    assert revised == {"NORRVIKEN": Status.GREEN, "SODERBY": Status.RED}


def test_norrviken_keeps_its_agreement_and_soderby_lags(demo):
    for past in (term(demo, "HT2025"), term(demo, "VT2026")):
        norrviken = district_followup(demo, district(demo, "NORRVIKEN"), past, NOW, with_trend=False)
        soderby = district_followup(demo, district(demo, "SODERBY"), past, NOW, with_trend=False)

        assert [r.indicator.id for r in norrviken.readings if r.status is Status.RED] == [], past.name
        assert norrviken.facts.meetings.held == norrviken.facts.meetings.agreed > 0
        reds = {r.indicator.id for r in soderby.readings if r.status is Status.RED}
        assert {"meetings.not_held", "minutes.on_time", "schools.attended.gap", "answers.rate"} <= reds, past.name
        assert soderby.reading("schools.attended.gap").figure.value >= 30  # independent schools seldom come
        assert norrviken.reading("schools.attended.gap").figure.value == 0
        assert soderby.facts.answers.median_days > 3 * norrviken.facts.answers.median_days  # and answer slowly
    # Söderby's overarching forum passes in the spring, and its invitees send deputies more often
    spring = district_followup(demo, district(demo, "SODERBY"), term(demo, "VT2026"), NOW, with_trend=False)
    [forum] = [f.form for f in spring.forms if f.form.name == FORUM]
    assert (forum.meetings.agreed, forum.meetings.held, forum.meetings.not_held) == (1, 0, 1)
    deputies = Counter(demo.scalars(sa.select(District.code).select_from(Invitation)
                                    .join(Meeting).join(District, District.id == Meeting.district_id)
                                    .where(Invitation.answer == Answer.DELEGATED)))
    assert 0 < deputies["NORRVIKEN"] < deputies["SODERBY"]


def test_minutes_are_in_every_state_some_late_and_action_items_in_every_outcome(demo):
    minutes = demo.scalars(sa.select(Minutes)).all()
    assert {m.state for m in minutes} == set(MinutesState)
    assert all(m.due_at is not None and (m.state is MinutesState.DRAFT) == (m.first_registered_at is None)
               for m in minutes)
    registered = [m for m in minutes if m.first_registered_at is not None]
    late = {code: sum(m.first_registered_at > m.due_at for m in registered if m.meeting.district.code == code)
            / sum(m.meeting.district.code == code for m in registered) for code in ("NORRVIKEN", "SODERBY")}
    assert 0 < late["NORRVIKEN"] < 0.1 < 0.3 < late["SODERBY"]
    reported = [m for m in minutes if m.first_reported_at is not None]
    assert reported and all(m.report_due_at and m.committee_reference for m in reported)
    assert all(m.approval_due_at for m in minutes if m.meeting.meeting_form.requires_approval and m.first_registered_at)
    # held (attendance recorded) but the minutes never written: missing
    missing = demo.scalar(sa.select(sa.func.count()).select_from(Meeting).join(MeetingForm)
                          .where(MeetingForm.requires_minutes, Meeting.ends_at < NOW - timedelta(days=30),
                                 Meeting.id.in_(sa.select(Attendance.meeting_id)),
                                 ~Meeting.id.in_(sa.select(Minutes.meeting_id))))
    assert missing > 0

    today = NOW.date()
    items = demo.scalars(sa.select(ActionItem)).all()
    outcomes = {
        "open": any(i.status is ActionItemStatus.OPEN and i.due_on >= today for i in items),
        "overdue": any(i.status is ActionItemStatus.OPEN and i.due_on < today for i in items),
        "done on time": any(i.status is ActionItemStatus.DONE and i.closed_on <= i.due_on for i in items),
        "done late": any(i.status is ActionItemStatus.DONE and i.closed_on > i.due_on for i in items),
        "dropped": any(i.status is ActionItemStatus.DROPPED for i in items),
    }
    assert outcomes == dict.fromkeys(outcomes, True)


def test_the_reminders_of_the_history_are_recorded_as_sent_and_the_first_sweep_sends_nothing_old(demo):
    burst = preview(demo, NOW, MAIL).queued
    assert len(burst) > 20  # months of reminders at once, had the history's mail not been recorded

    recorded = record_history_mail(demo, NOW, MAIL, Timing(), term_plan_weeks=6)
    demo.commit()

    assert recorded >= len(burst)  # one by one, each when it fell due; the burst bundles some per person
    rows = demo.scalars(sa.select(OutboxMessage)).all()
    assert {r.state for r in rows} == {OutboxState.SENT} and all(r.sent_at <= NOW for r in rows)
    first_sweep = preview(demo, NOW, MAIL)
    assert (first_sweep.queued, first_sweep.sent) == ([], [])
    days_later = preview(demo, NOW + timedelta(days=5), MAIL).queued
    assert days_later and all(m.due_at > NOW for m in days_later)  # the scheduler goes on from now


def test_loading_the_demo_again_changes_nothing_even_days_later(demo):
    before = row_counts(demo)

    for later in (NOW, NOW + timedelta(days=40)):
        assert load_demo(demo, now=later, history=True) == Counter()
        demo.commit()
        assert row_counts(demo) == before


@pytest.mark.parametrize("now", [datetime(2025, 3, 1, 12, 0, tzinfo=timezone.utc),
                                 datetime(2028, 8, 1, 12, 0, tzinfo=timezone.utc)])
def test_outside_the_demo_terms_there_is_no_history_to_give(session, now):
    created = load_demo(session, now=now, history=True)

    assert "möten" not in created and session.scalar(sa.select(sa.func.count()).select_from(Meeting)) == 0
    versions = session.scalars(sa.select(AgreementVersion)).all()
    assert len(versions) == 3 and all(v.activated_at == now for v in versions)
