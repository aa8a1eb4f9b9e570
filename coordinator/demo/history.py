"""The demo's history: the previous school year and the current term so far, as each district lived them.

`live` activates an agreement's versions and runs its district's terms in the order they
happened. A term is planned by the real planner and published by the real service some weeks
before it starts, without mail: those invitations went out long ago, and hundreds of them in
the mail folder would bury today's. Then each meeting lives its story up to `now`
(meetings.py): answers, attendance, minutes and action items through the domain services,
each at the moment it happened, so deadlines, first fulfilments and audit events are real
facts. What happens is drawn from the district's habits (habits.py) by a random generator
seeded with the district and the term, so the same `now` gives the same history.
"""
from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from coordinator.agreements.models import Agreement, MeetingForm
from coordinator.demo.agreements import Organisation, found_agreement, revise
from coordinator.demo.data import AgreementData, TermData, VersionData
from coordinator.demo.habits import HABITS, Habits
from coordinator.demo.meetings import STOCKHOLM, TermStory, keep_minutes, local, meet, school_year
from coordinator.org.functions import Function
from coordinator.org.models import District, Person
from coordinator.planning.models import Invitation, Meeting
from coordinator.planning.services import plan_district_term, publish
from coordinator.terms.models import Term


def history_terms(terms: Sequence[TermData], now: datetime) -> list[TermData]:
    """The terms the history holds at `now`: those begun by then, from the previous school year on.
    None when `now` is outside the demo's terms (before the first begins or after the last ends)."""
    today = now.astimezone(STOCKHOLM).date()
    if not terms or not terms[0].starts_on <= today <= terms[-1].ends_on:
        return []
    year = school_year(today)
    return [t for t in terms if t.starts_on <= today and school_year(t.starts_on) >= year - 1]


def live(session: Session, data: AgreementData, org: Organisation, terms: Sequence[Term], now: datetime,
         created: Counter[str]) -> bool:
    """The agreement's versions activated by `now` and its district's terms, in the order they happened;
    whether the agreement exists (its first version may be activated after `now`)."""
    today = now.astimezone(STOCKHOLM).date()
    events: list[tuple[datetime, VersionData | Term]] = [
        (local(v.activated_on, 10), v) for v in data.versions if v.activated_on <= today]
    district = org.districts[data.district] if data.district else None
    habits = HABITS.get(district.code) if district else None
    if habits is not None:
        events += [(local(t.starts_on - timedelta(days=habits.plan_days_before), 9), t) for t in terms]
    agreement: Agreement | None = None
    for at, event in sorted(events, key=lambda e: e[0]):
        if isinstance(event, VersionData):
            if agreement is None:
                agreement = found_agreement(session, data, event, org, at)
            else:
                revise(session, agreement, event, at)
        elif agreement is not None and district is not None and habits is not None:
            hold_term(session, org, district, event, habits, at, now, created)
    return agreement is not None


def hold_term(session: Session, org: Organisation, district: District, term: Term, habits: Habits,
              planned_at: datetime, now: datetime, created: Counter[str]) -> None:
    """Plan and publish the district's term, then tell each of its meetings' story up to `now`."""
    director = _holder(org, district, Function.DISTRICT_DIRECTOR)
    published_at = local(term.starts_on - timedelta(days=habits.publish_days_before), 10)
    plan_district_term(session, district, term, actor=director.email, now=planned_at)
    publish(session, district, term, actor=director.email, now=published_at)
    schools = [s for s in org.schools.values() if s.district_id == district.id]
    story = TermStory(district, term, habits, published_at, now, director,
                      _holder(org, district, Function.COMMITTEE_SECRETARY),
                      {s.id: s.organiser_type for s in schools},
                      frozenset(s.id for s in schools if s.unit_code in habits.rarely_attending), created)
    stored = session.scalars(
        sa.select(Meeting).where(Meeting.district_id == district.id, Meeting.term_id == term.id)
        .options(selectinload(Meeting.invitations).selectinload(Invitation.person),
                 selectinload(Meeting.meeting_form).selectinload(MeetingForm.functions)))
    # sorted here: the databases' collations order the series keys differently, and the order is the story's
    meetings = sorted(stored, key=lambda m: (m.starts_at, m.series_key))
    term_rng = random.Random(f"{district.code}:{term.name}")
    # a generator per meeting: how many draws one meeting takes leaves the next one's story alone
    held = [h for m in meetings if (h := meet(session, story, m, random.Random(term_rng.random()))) is not None]
    session.flush()  # the term's answers and attendance in one go, before the minutes read them
    for meeting in held:
        keep_minutes(session, story, meeting)
    created["möten"] += len(meetings)


def _holder(org: Organisation, district: District, function: Function) -> Person:
    """The district's person holding `function` (the demo has one of each)."""
    return next(p for p in org.people.values()
                if p.district_id == district.id and any(f.function is function for f in p.functions))
