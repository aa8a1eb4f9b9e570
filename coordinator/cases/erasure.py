"""Erasing an external reporter's contact once their report meetings are done with (a daily job).

An external reporter is a `Person` marked `is_external`, entered with a name and an address for
one report meeting. `rules.erasure_due` says when their contact is no longer needed; then the
name becomes "Raderad kontakt", the address one that reaches nobody, the row is deactivated and
marked erased, and the mail the product kept for them (address, the whole message, any error
that quoted the address) is emptied — what was sent, when and what kind stays. Invitations and
reports keep pointing at the row, so the report's history stays whole without the person. Each
erasure is audited without the erased values.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from coordinator import audit
from coordinator.cases.models import ReportOfConcern
from coordinator.cases.rules import ContactUse, erasure_due
from coordinator.org.models import Person
from coordinator.outbox.models import OutboxMessage, OutboxState

log = logging.getLogger("coordinator.cases")

ERASED_NAME = "Raderad kontakt"
ERASED = "erased"  # last_error of a message withdrawn because its recipient was erased
WAITING = (OutboxState.PENDING, OutboxState.FAILED, OutboxState.SENDING)


def erased_email(person_id: int) -> str:
    return f"raderad-{person_id}@raderad.invalid"


def erase_external_contacts(session: Session, now: datetime, *, contact_days: int, timezone: str,
                            actor: str = "system") -> list[int]:
    """Erase every external reporter whose contact is no longer needed at `now`; their ids. The caller commits."""
    people = list(session.scalars(sa.select(Person).where(Person.is_external, Person.erased_at.is_(None))
                                  .order_by(Person.id)))
    if not people:
        return []
    reports: dict[int, list[ReportOfConcern]] = defaultdict(list)
    for report in session.scalars(sa.select(ReportOfConcern)
                                  .where(ReportOfConcern.reporter_id.in_([p.id for p in people]))
                                  .options(selectinload(ReportOfConcern.meeting))):
        reports[report.reporter_id].append(report)
    erased = []
    for person in people:
        uses = [ContactUse(r.received_on, r.booked.ends_at if r.booked else None, r.outcome_at, r.withdrawn_at)
                for r in reports[person.id]]
        if erasure_due(uses, now, contact_days, timezone):
            _erase(session, person, [r.id for r in reports[person.id]],
                   reports[person.id][0].district_id if reports[person.id] else None, actor, now)
            erased.append(person.id)
    log.info("external_contacts_erased count=%d waiting=%d", len(erased), len(people) - len(erased))
    return erased


def _erase(session: Session, person: Person, report_ids: list[int], district_id: int | None, actor: str,
           now: datetime) -> None:
    address = erased_email(person.id)
    person.name, person.email, person.phone = ERASED_NAME, address, None
    person.is_active, person.deactivated_at, person.erased_at = False, now, now
    messages = OutboxMessage.__table__
    mine = messages.c.person_id == person.id
    withdrawn = session.execute(
        sa.update(messages).where(mine, messages.c.state.in_(WAITING))
        .values(state=OutboxState.DEAD, claimed_at=None)).rowcount
    # the row stays as the record that something was sent; an emptied message expires, so it is never retried
    emptied = session.execute(
        sa.update(messages).where(mine)
        .values(recipient=address, content=b"", expires_at=now,
                last_error=sa.case((messages.c.state == OutboxState.DEAD, ERASED), else_=None))).rowcount
    session.flush()
    audit.record(session, at=now, actor=actor, action="external_contact.erased", entity=person,
                 district_id=district_id,
                 after={"report_ids": report_ids, "messages_emptied": emptied, "messages_withdrawn": withdrawn})
