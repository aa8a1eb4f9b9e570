"""The district-level notices of the daily jobs: an agreement due for revision, a term not yet planned.

Both are state sweeps: whatever the hour they run, they queue what is true now under a dedupe
key that names the occasion (the version and its revision date; the term and the district), so
running them daily, late or twice sends each notice once.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from coordinator.agreements.models import Agreement, AgreementVersion, Cadence, MeetingForm, VersionStatus
from coordinator.invitations.ics import Party
from coordinator.invitations.messages import MailContext
from coordinator.org.functions import Function
from coordinator.org.models import District, Person
from coordinator.outbox import compose
from coordinator.outbox.models import MessageKind
from coordinator.outbox.queue import Outgoing, enqueue
from coordinator.planning.models import Meeting, forum_meeting
from coordinator.reminders.facts import district_people
from coordinator.reminders.messages import AUTOMATIC, day_text
from coordinator.reminders.rules import Timing
from coordinator.terms.models import Term

log = logging.getLogger("coordinator.reminders")

REVISION_NOTICE_DAYS = 30

SUBJECTS = {
    "sv": {MessageKind.REVISION_DUE: "Överenskommelsen ska revideras senast %(day)s: %(title)s",
           MessageKind.TERM_NOT_PLANNED: "%(term)s är inte planerad för %(district)s (börjar %(day)s)"},
    "en": {MessageKind.REVISION_DUE: "The agreement is due for revision by %(day)s: %(title)s",
           MessageKind.TERM_NOT_PLANNED: "%(term)s is not planned for %(district)s (starts %(day)s)"},
}


def revision_step(due_on: date, today: date, within_days: int = REVISION_NOTICE_DAYS) -> str | None:
    """Which revision notice an active version owes today: "soon" within the days before, "overdue" after."""
    if due_on < today:
        return "overdue"
    if due_on <= today + timedelta(days=within_days):
        return "soon"
    return None


def queue_revision_notices(session: Session, now: datetime, mail: MailContext, timing: Timing = Timing()) -> int:
    """Tell the district's directors and the agreement's contact person that a revision is due; how many queued."""
    today = timing.local_day(now)
    versions = list(session.scalars(
        sa.select(AgreementVersion).join(AgreementVersion.agreement)
        .where(AgreementVersion.status == VersionStatus.ACTIVE,
               AgreementVersion.revision_due_on <= today + timedelta(days=REVISION_NOTICE_DAYS))
        .options(selectinload(AgreementVersion.agreement).selectinload(Agreement.district),
                 selectinload(AgreementVersion.contact_person))
        .order_by(AgreementVersion.id)
    ))
    directors = district_people(session, (v.agreement.district_id for v in versions), Function.DISTRICT_DIRECTOR)
    outgoing = []
    for version in versions:
        assert version.revision_due_on is not None
        step = revision_step(version.revision_due_on, today)
        if step is None:
            continue
        district = version.agreement.district
        people = [*directors.get(district.id, []), version.contact_person] if district else [version.contact_person]
        for person in _unique_active(people):
            key = f"revision_due:{version.id}:{version.revision_due_on.isoformat()}:{person.id}:{step}"
            outgoing.append(_notice(
                mail, now, person, MessageKind.REVISION_DUE, key, district,
                {"title": version.agreement.title, "day": _day(version.revision_due_on, person, mail)},
                {"version": version, "agreement": version.agreement, "overdue": step == "overdue",
                 "due_on": _day(version.revision_due_on, person, mail),
                 "agreement_url": mail.links.agreement(version.agreement.id)}))
    queued = enqueue(session, outgoing, now=now)
    log.info("revision_notices_queued count=%d versions=%d", queued, len(versions))
    return queued


@dataclass(frozen=True)
class UnplannedTerm:
    term: Term
    district: District


def unplanned_terms(session: Session, today: date, weeks: int) -> list[UnplannedTerm]:
    """Districts with an active agreement that plans meetings, and no meeting at all in a term starting
    within `weeks` weeks."""
    terms = list(session.scalars(
        sa.select(Term).where(Term.starts_on > today, Term.starts_on <= today + timedelta(weeks=weeks))
        .order_by(Term.starts_on, Term.id)))
    found = []
    for term in terms:
        planning = (
            sa.select(Agreement.district_id).join(AgreementVersion, AgreementVersion.agreement_id == Agreement.id)
            .join(MeetingForm, MeetingForm.version_id == AgreementVersion.id)
            .where(AgreementVersion.status == VersionStatus.ACTIVE, MeetingForm.cadence != Cadence.ON_DEMAND)
        )
        planned = sa.select(Meeting.district_id).where(Meeting.term_id == term.id, Meeting.district_id.is_not(None),
                                                       forum_meeting())
        for district in session.scalars(
                sa.select(District).where(District.municipality_id == term.municipality_id, District.is_active,
                                          District.id.in_(planning), District.id.not_in(planned))
                .order_by(District.name)):
            found.append(UnplannedTerm(term, district))
    return found


def queue_term_notices(session: Session, now: datetime, mail: MailContext, timing: Timing = Timing(), *,
                       weeks: int = 6) -> int:
    """Tell each director whose district has not planned a term starting within `weeks` weeks; how many queued."""
    unplanned = unplanned_terms(session, timing.local_day(now), weeks)
    directors = district_people(session, (u.district.id for u in unplanned), Function.DISTRICT_DIRECTOR)
    outgoing = []
    for entry in unplanned:
        term, district = entry.term, entry.district
        for person in _unique_active(directors.get(district.id, [])):
            day = _day(term.starts_on, person, mail)
            outgoing.append(_notice(
                mail, now, person, MessageKind.TERM_NOT_PLANNED,
                f"term_not_planned:{term.id}:{district.id}:{person.id}",
                district, {"term": compose.term_name(term.name, compose.language_of(person.language)),
                           "district": district.name, "day": day},
                {"term": term, "district": district, "starts_on": day,
                 "plan_url": mail.links.term_plan(district.code, term.name)}))
    queued = enqueue(session, outgoing, now=now)
    log.info("term_notices_queued count=%d unplanned=%d", queued, len(unplanned))
    return queued


# -- shared -----------------------------------------------------------------------------------------

def _unique_active(people: Iterable[Person | None]) -> list[Person]:
    seen: dict[int, Person] = {}
    for person in people:
        if person is not None and person.is_active:
            seen.setdefault(person.id, person)
    return list(seen.values())


def _day(day: date, person: Person, mail: MailContext) -> str:
    return day_text(day, compose.language_of(person.language), mail.timezone)


def _notice(mail: MailContext, now: datetime, person: Person, kind: MessageKind, key: str,
            district: District | None, subject: dict[str, str], context: dict[str, object]) -> Outgoing:
    language = compose.language_of(person.language)
    text, html = compose.render(kind.value, language, recipient=person, timezone=mail.timezone, **context)
    message = compose.compose(
        sender=mail.sender, to=Party(person.name, person.email), subject=SUBJECTS[language][kind] % subject,
        text=text, html=html, message_id=compose.new_message_id(mail.message_domain), date=now,
        headers={"Content-Language": language, **AUTOMATIC})
    return Outgoing(dedupe_key=key, kind=kind, message=message, due_at=now, person_id=person.id,
                    district_id=district.id if district else None)
