"""A report meeting is the case's, not the forums' (both databases): the term's plan leaves it out but keeps its
people busy, and the protocol register and the district's feed do not show it, while the invitees' own
feeds do."""
from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from coordinator.invitations.feeds import create_feed, feed_content, feed_version
from coordinator.minutes.register import protocol_register
from coordinator.planning.models import Invitation, Meeting
from coordinator.planning.services import plan_district_term, review
from coordinator.terms.services import get_term
from tests.report_helpers import ACTOR, NOW, REPORTER, STOCKHOLM, ZONE, book, demo, norrviken, person, report


def test_the_plan_leaves_the_report_meeting_out_and_plans_around_it(session):
    demo(session)
    kurator = person(session, REPORTER)
    plan_district_term(session, "NORRVIKEN", "HT2027", actor=ACTOR, now=NOW - timedelta(days=90))
    # the planner's slot for a meeting of the kurator's, after the report meeting is booked below
    theirs = session.scalars(sa.select(Meeting).join(Invitation).where(Invitation.person_id == kurator.id))
    slot = min((m for m in theirs if m.starts_at > NOW), key=lambda m: m.starts_at)
    starts_at, ends_at = slot.starts_at, slot.ends_at
    session.rollback()
    found = report(session, (starts_at - timedelta(days=5)).astimezone(STOCKHOLM).date(),
                   now=starts_at - timedelta(days=3))
    booked = book(session, found, starts_at, now=starts_at - timedelta(days=3))

    result = plan_district_term(session, "NORRVIKEN", "HT2027", actor=ACTOR, now=NOW - timedelta(days=90))
    session.commit()

    assert booked.id not in {m.id for m in result.meetings}
    assert result.added > 0
    theirs = [m for m in result.meetings if kurator.id in m.person_ids]
    assert theirs and not any(m.starts_at < booked.ends_at and booked.starts_at < m.ends_at for m in theirs)
    assert booked.id not in {m.id for m in review(session, "NORRVIKEN", "HT2027", NOW).meetings}


def test_the_register_and_the_districts_feed_leave_it_out_the_invitees_feed_has_it(session):
    demo(session)
    found = report(session, date(2027, 10, 15))
    booked = book(session, found, NOW + timedelta(days=2))
    district = norrviken(session)

    rows = protocol_register(session, district, get_term(session, district.municipality, "HT2027"), NOW)
    assert booked.id not in {r.meeting_id for r in rows}
    district_token = create_feed(session, district, actor=ACTOR, now=NOW)
    own_token = create_feed(session, person(session, REPORTER), actor=ACTOR, now=NOW)
    session.commit()

    def uids(token: str) -> bytes:
        version = feed_version(session, token, sender_email="samverkan@example.se", timezone=ZONE, now=NOW)
        assert version is not None
        return feed_content(session, version, sender_email="samverkan@example.se", timezone=ZONE, now=NOW)

    assert booked.uid.encode() not in uids(district_token)
    assert booked.uid.encode() in uids(own_token)
