"""The intake group's reminders as a sweep: a report with no meeting after N days, and each working day's
list of deadlines. The rules are rules.py; this loads the open reports once, asks the rules what is
due at `now` and queues it with insert-or-ignore (a second sweep, late or in another process, adds
nothing). The mails name the school, the dates and a link; never the case reference, which stays
in the product. Everything happens in the caller's transaction.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from coordinator.auth.models import Role, User
from coordinator.cases.deadlines import CaseCalendar, days_left
from coordinator.cases.models import ReportOfConcern
from coordinator.cases.rules import (
    OpenReport, deadline_list_due, deadlines_key, unbooked_key, unbooked_reminder_due,
)
from coordinator.invitations.ics import Party
from coordinator.invitations.messages import MailContext
from coordinator.org.functions import Function
from coordinator.org.models import District, Person
from coordinator.outbox import compose
from coordinator.outbox.models import MessageKind
from coordinator.outbox.queue import Outgoing, enqueue
from coordinator.reminders.facts import district_people
from coordinator.reminders.messages import AUTOMATIC, day_text
from coordinator.reminders.rules import Timing

log = logging.getLogger("coordinator.cases")

SUBJECTS = {
    "sv": {MessageKind.CONCERN_UNBOOKED: "Inget anmälningsmöte bokat: anmälan från %(school)s %(received)s",
           MessageKind.CONCERN_DEADLINES: "Anmälningar och sista dagar, %(district)s, %(day)s"},
    "en": {MessageKind.CONCERN_UNBOOKED: "No report meeting booked: report from %(school)s %(received)s",
           MessageKind.CONCERN_DEADLINES: "Reports and their deadlines, %(district)s, %(day)s"},
}


def queue_report_reminders(session: Session, now: datetime, mail: MailContext, *, reminder_days: int,
                           timing: Timing = Timing()) -> int:
    """Queue the reminders and deadline lists due at `now`; how many were queued. The caller commits."""
    reports = list(session.scalars(
        sa.select(ReportOfConcern).where(ReportOfConcern.withdrawn_at.is_(None), ReportOfConcern.outcome.is_(None))
        .options(selectinload(ReportOfConcern.school), selectinload(ReportOfConcern.meeting),
                 selectinload(ReportOfConcern.district))
        .order_by(ReportOfConcern.deadline_on, ReportOfConcern.id)))
    if not reports:
        return 0
    people = intake_people(session, {r.district_id for r in reports})
    today = timing.local_day(now)
    outgoing: list[Outgoing] = []
    for report in reports:
        facts = OpenReport(report.id, report.district_id, report.received_on, report.booked is not None)
        if unbooked_reminder_due(facts, now, reminder_days, timing):
            outgoing += [_unbooked(mail, now, person, report, today) for person in people.get(report.district_id, [])]
    day = deadline_list_due(now, CaseCalendar.swedish(today, today), timing)
    if day is not None:
        by_district: dict[int, list[ReportOfConcern]] = defaultdict(list)
        for report in reports:
            by_district[report.district_id].append(report)
        for district_id, open_reports in by_district.items():
            outgoing += [_deadlines(mail, now, person, open_reports[0].district, open_reports, day)
                         for person in people.get(district_id, [])]
    queued = enqueue(session, outgoing, now=now)
    log.info("report_reminders_queued count=%d open=%d", queued, len(reports))
    return queued


def intake_people(session: Session, district_ids: Iterable[int]) -> dict[int, list[Person]]:
    """Each district's intake group: the active people holding the function, and the people behind its
    intake officers' logins; each once, by name."""
    ids = sorted(set(district_ids))
    found: dict[int, dict[int, Person]] = defaultdict(dict)
    for district_id, holders in district_people(session, ids, Function.INTAKE_GROUP).items():
        found[district_id].update((p.id, p) for p in holders)
    for district_id, person in session.execute(
            sa.select(User.district_id, Person).join(Person, User.person_id == Person.id)
            .where(User.role == Role.INTAKE_OFFICER, User.is_active, Person.is_active, User.district_id.in_(ids))):
        found[district_id].setdefault(person.id, person)
    return {d: sorted(people.values(), key=lambda p: (p.name, p.id)) for d, people in found.items()}


def report_url(mail: MailContext, district: District, report_id: int | None = None) -> str:
    base = f"{mail.base_url}/districts/{district.code}/reports"
    return base if report_id is None else f"{base}/{report_id}"


def _unbooked(mail: MailContext, now: datetime, person: Person, report: ReportOfConcern, today: date) -> Outgoing:
    language = compose.language_of(person.language)
    received = day_text(report.received_on, language, mail.timezone)
    return _message(mail, now, person, MessageKind.CONCERN_UNBOOKED, unbooked_key(report.id, person.id),
                    report.district, {"school": report.school.name, "received": received},
                    {"report": report, "received_on": received,
                     "deadline_on": day_text(report.deadline_on, language, mail.timezone),
                     "days_left": days_left(report.received_on, today),
                     "url": report_url(mail, report.district, report.id)})


def _deadlines(mail: MailContext, now: datetime, person: Person, district: District,
               reports: Sequence[ReportOfConcern], day: date) -> Outgoing:
    language = compose.language_of(person.language)
    rows = [{"school": r.school.name, "received_on": day_text(r.received_on, language, mail.timezone),
             "deadline_on": day_text(r.deadline_on, language, mail.timezone),
             "days_left": days_left(r.received_on, day), "meeting": r.booked,
             "url": report_url(mail, district, r.id)} for r in reports]
    return _message(mail, now, person, MessageKind.CONCERN_DEADLINES, deadlines_key(district.id, person.id, day),
                    district, {"district": district.name, "day": day_text(day, language, mail.timezone)},
                    {"district": district, "rows": rows, "url": report_url(mail, district)})


def _message(mail: MailContext, now: datetime, person: Person, kind: MessageKind, key: str, district: District,
             subject: Mapping[str, str], context: dict[str, object]) -> Outgoing:
    language = compose.language_of(person.language)
    text, html = compose.render(kind.value, language, recipient=person, timezone=mail.timezone, **context)
    message = compose.compose(
        sender=mail.sender, to=Party(person.name, person.email), subject=SUBJECTS[language][kind] % subject,
        text=text, html=html, message_id=compose.new_message_id(mail.message_domain), date=now,
        headers={"Content-Language": language, **AUTOMATIC})
    return Outgoing(dedupe_key=key, kind=kind, message=message, due_at=now, person_id=person.id,
                    district_id=district.id)
