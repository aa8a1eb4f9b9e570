"""Reports of concern as use cases: record one, propose times, book the report meeting, record the outcome, withdraw.

Plain Python over a session with `now`, the actor and the settings' values passed in. Each use case
checks everything before it writes — a broken rule raises `DomainError` with a Swedish template and
nothing is half-written — then writes an audit event with the change and queues its mail into the
outbox in the caller's transaction (invitations/services.py). The caller commits.

Free text (the case reference, the reasons, an external reporter's name, the place) passes the
identity-number guard, which here refuses suspects as well as valid numbers: there is no
confirming step, and a case reference has no business looking like a personnummer.
"""
from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from coordinator import audit
from coordinator.agreements.models import Agreement, AgreementVersion, FormKind, MeetingForm, VersionStatus
from coordinator.cases.deadlines import CaseCalendar, check_received_on, deadline_on, is_in_time, last_meeting_day
from coordinator.cases.models import REPORT_SERIES, NotAppropriateReason, Outcome, ReportOfConcern
from coordinator.cases.proposals import Interval, Proposal, clashes, propose
from coordinator.i18n import N_, DomainError
from coordinator.invitations.messages import MailContext
from coordinator.invitations.services import queue_invitations, queue_updates
from coordinator.minutes.guard import refuse_identity_numbers
from coordinator.org.models import District, Language, Person, School
from coordinator.org.rows import parse_email
from coordinator.planning.models import Answer, Invitation, Meeting, MeetingStatus, invited_school
from coordinator.planning.planner import DEFAULT_WINDOW_END, DEFAULT_WINDOW_START
from coordinator.planning.services import cancel_meeting
from coordinator.terms.calendar import REASON_OUTSIDE_TERM
from coordinator.terms.models import Term
from coordinator.terms.services import breaks_of, current_term, terms_of

MAX_REFERENCE_LENGTH = 60
MAX_REASON_LENGTH = 500
MAX_NAME_LENGTH = 200
DEFAULT_DURATION_MINUTES = 60  # when the district's agreement has no report-meeting form to say

NO_FORM = N_("Stadsdelens gällande samverkansöverenskommelse har ingen mötesform för anmälningsmöten, så inget "
             "möte kan bokas. Be stadsdelsdirektören lägga till mötesformen Anmälningsmöte i överenskommelsen.")


# -- reading ---------------------------------------------------------------------------------------

def district_reports(session: Session, district_id: int, today: date) -> list[ReportOfConcern]:
    """The district's reports: open ones first by deadline, then those with an outcome (newest first),
    then the withdrawn."""
    reports = list(session.scalars(
        sa.select(ReportOfConcern).where(ReportOfConcern.district_id == district_id)
        .options(selectinload(ReportOfConcern.school), selectinload(ReportOfConcern.reporter),
                 selectinload(ReportOfConcern.meeting))))

    def order(report: ReportOfConcern) -> tuple[int, int, int]:
        if report.is_withdrawn:
            return 2, -report.received_on.toordinal(), -report.id
        if report.outcome is not None:
            return 1, -report.received_on.toordinal(), -report.id
        return 0, (report.deadline_on - today).days, report.id

    return sorted(reports, key=order)


def report_form(session: Session, district_id: int) -> MeetingForm | None:
    """The report-meeting form of the district's agreement in force (the first, if it has several)."""
    return session.scalars(
        sa.select(MeetingForm).join(MeetingForm.version).join(AgreementVersion.agreement)
        .where(Agreement.district_id == district_id, AgreementVersion.status == VersionStatus.ACTIVE,
               MeetingForm.kind == FormKind.REPORT_MEETING)
        .options(selectinload(MeetingForm.functions))
        .order_by(MeetingForm.position, MeetingForm.id)).first()


def reporters_of(session: Session, district_id: int) -> list[Person]:
    """Whom a report may name as its reporter: the active people of the district's active schools, by name."""
    return list(session.scalars(
        sa.select(Person).join(School, Person.school_id == School.id)
        .where(School.district_id == district_id, School.is_active, Person.is_active, ~Person.is_external)
        .options(selectinload(Person.school)).order_by(Person.name, Person.id)))


@dataclass(frozen=True)
class Proposals:
    """The free times to offer for a report's meeting, and what bounds them."""
    times: tuple[Proposal, ...]
    last_day: date               # the last working day on or before the deadline
    form: MeetingForm | None     # None: the agreement has no report-meeting form (nothing can be booked)


def proposals_for(session: Session, report: ReportOfConcern, officer: Person | None, *, now: datetime,
                  timezone: str) -> Proposals:
    """Times from tomorrow to the deadline when the reporter and the officer are both free."""
    form = report_form(session, report.district_id)
    today = now.astimezone(ZoneInfo(timezone)).date()
    first, last = today + timedelta(days=1), report.deadline_on
    calendar = _calendar(session, report.district, first, max(first, last))
    if form is None or last < first:
        return Proposals((), last_meeting_day(report.received_on, calendar), form)
    people = [report.reporter_id] + ([officer.id] if officer is not None else [])
    busy = busy_times(session, people, first, last, timezone, leave_out=report.meeting_id)
    window_start, window_end = _window(form)
    times = propose(calendar, [b for person_busy in busy.values() for b in person_busy], first_on=first, last_on=last,
                    window_start=window_start, window_end=window_end,
                    duration_minutes=form.duration_minutes or DEFAULT_DURATION_MINUTES, timezone=timezone,
                    not_before=now)
    return Proposals(tuple(times), last_meeting_day(report.received_on, calendar), form)


def busy_times(session: Session, person_ids: Iterable[int], first: date, last: date, timezone: str, *,
               leave_out: int | None = None) -> dict[int, list[Interval]]:
    """Each person's meetings (not cancelled, their invitation not removed or handed on) touching the days."""
    zone = ZoneInfo(timezone)
    start = datetime.combine(first, datetime.min.time(), zone)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), zone)
    ids = sorted(set(person_ids))
    found: dict[int, list[Interval]] = {person_id: [] for person_id in ids}
    rows = session.execute(
        sa.select(Invitation.person_id, Meeting.starts_at, Meeting.ends_at)
        .join(Meeting, Meeting.id == Invitation.meeting_id)
        .where(Invitation.person_id.in_(ids), Invitation.removed_at.is_(None),
               Meeting.status != MeetingStatus.CANCELLED, Meeting.starts_at < end, Meeting.ends_at > start,
               Invitation.answer != Answer.DELEGATED,
               *([Meeting.id != leave_out] if leave_out is not None else [])))
    for person_id, starts_at, ends_at in rows:
        found[person_id].append((starts_at, ends_at))
    return found


# -- recording a report ----------------------------------------------------------------------------

@dataclass(frozen=True)
class ExternalReporter:
    """Someone outside the register who reported: a name and an address for this meeting only."""
    name: str
    email: str


def record_report(session: Session, district: District, *, received_on: date, school_id: int | None,
                  reporter: Person | ExternalReporter | None, case_reference: str, actor: str, now: datetime,
                  timezone: str) -> ReportOfConcern:
    """A report received from one of the district's schools, with its 14-day deadline."""
    today = now.astimezone(ZoneInfo(timezone)).date()
    check_received_on(received_on, today)
    school = session.get(School, school_id) if school_id is not None else None
    if school is None or school.district_id != district.id or not school.is_active:
        raise DomainError(N_("Välj den skola i stadsdelen som gjorde anmälan."))
    reference = _text(case_reference, N_("Socialtjänstens ärendereferens"), MAX_REFERENCE_LENGTH, today,
                      required=N_("Skriv socialtjänstens egen ärendereferens."))
    person = _reporter(session, district, school, reporter, today)
    terms = terms_of(session, district.municipality)
    report = ReportOfConcern(
        district_id=district.id, school_id=school.id, term_id=current_term(terms, received_on).id if terms else None,
        received_on=received_on, deadline_on=deadline_on(received_on), case_reference=reference, reporter=person,
        recorded_at=now, recorded_by=actor)
    session.add(report)
    session.flush()
    audit.record(session, at=now, actor=actor, action="report.recorded", entity=report, district_id=district.id,
                 after={"school_id": school.id, "received_on": received_on.isoformat(),
                        "deadline_on": report.deadline_on.isoformat(), "case_reference": reference,
                        "reporter_id": person.id, "reporter_is_external": person.is_external})
    return report


def _reporter(session: Session, district: District, school: School, reporter: Person | ExternalReporter | None,
              today: date) -> Person:
    if isinstance(reporter, Person):
        if not reporter.is_active or reporter.school_id != school.id:
            raise DomainError(N_("%(name)s arbetar inte på %(school)s; välj någon på skolan som gjorde anmälan."),
                              name=reporter.name, school=school.name)
        return reporter
    if reporter is None:
        raise DomainError(N_("Välj vem på skolan som gjorde anmälan, eller skriv namn och e-post för någon som "
                             "inte finns i registret."))
    name = _text(reporter.name, N_("Anmälarens namn"), MAX_NAME_LENGTH, today,
                 required=N_("Skriv anmälarens namn."))
    email = parse_email(reporter.email)
    existing = session.scalars(sa.select(Person).where(Person.email == email)).one_or_none()
    if existing is not None and not existing.is_external:
        raise DomainError(N_("%(email)s tillhör %(name)s, som finns i registret. Välj personen som anmälare i "
                             "stället."), email=email, name=existing.name)
    if existing is not None:  # an external reporter of another report, not yet erased: the same person
        existing.name = name
        return existing
    person = Person(municipality_id=district.municipality_id, name=name, email=email, language=Language.SV,
                    is_external=True, is_active=True)
    session.add(person)
    return person


# -- booking -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Booking:
    """What the officer chose: a time (the end defaults to the form's length), where, and why late if so."""
    starts_at: datetime
    ends_at: datetime | None = None
    place: str = ""
    video_url: str = ""
    late_reason: str = ""


def book_meeting(session: Session, report: ReportOfConcern, booking: Booking, *, officer: Person | None, actor: str,
                 now: datetime, mail: MailContext, timezone: str, uid_domain: str) -> Meeting:
    """Book the report meeting with the reporter and the officer and send both the calendar invitation;
    a report with a meeting on already has it moved (same UID, SEQUENCE up, the update sent)."""
    zone = ZoneInfo(timezone)
    today = now.astimezone(zone).date()
    _check_open(report)
    form = report_form(session, report.district_id)
    if form is None:
        raise DomainError(NO_FORM)
    officer = _officer(officer, report)
    starts_at = booking.starts_at
    ends_at = booking.ends_at or starts_at + timedelta(minutes=form.duration_minutes or DEFAULT_DURATION_MINUTES)
    _check_time(session, report, starts_at, ends_at, now, zone)
    reason = None
    if not is_in_time(report.received_on, ends_at, timezone):
        if not (booking.late_reason or "").strip():
            raise DomainError(N_("Tiden ligger efter sista dagen %(deadline)s. Skriv skälet till den senare tiden; "
                                 "ingenting bokades."), deadline=report.deadline_on.isoformat())
        reason = _text(booking.late_reason, N_("Skälet till den senare tiden"), MAX_REASON_LENGTH, today)
    place = _text(booking.place, N_("Plats"), 300, today) or None
    video_url = _video_url(booking.video_url)
    if place is None and video_url is None:
        raise DomainError(N_("Ange en plats för mötet eller en länk till videomötet."))
    busy = busy_times(session, [report.reporter_id, officer.id], starts_at.astimezone(zone).date(),
                      ends_at.astimezone(zone).date(), timezone, leave_out=report.meeting_id)
    for person in (report.reporter, officer):
        if clashes(busy[person.id], starts_at, ends_at):
            raise DomainError(N_("%(name)s har ett annat möte då. Välj en annan tid."), name=person.name)
    terms = terms_of(session, report.district.municipality)
    if not terms:
        raise DomainError(N_("Kommunen har inga terminer inlagda, så mötet kan inte föras in. Be stadens "
                             "administratör lägga in terminerna."))
    term = current_term(terms, starts_at.astimezone(zone).date())
    times = {"starts_at": starts_at.isoformat(), "ends_at": ends_at.isoformat(), "late_reason": reason}
    booked = report.booked
    if booked is not None:
        before = {"starts_at": booked.starts_at.isoformat(), "ends_at": booked.ends_at.isoformat(),
                  "late_reason": report.late_reason}
        meeting = _move(session, booked, starts_at, ends_at, place, video_url, term, mail, now)
        report.late_reason = reason
        audit.record(session, at=now, actor=actor, action="report.rebooked", entity=report,
                     district_id=report.district_id, before=before, after={**times, "meeting_id": meeting.id})
        return meeting
    meeting = _new_meeting(session, report, form, officer, term, starts_at, ends_at, place, video_url, actor, now,
                           uid_domain)
    queue_invitations(session, [meeting.id], mail=mail, now=now)
    report.meeting = meeting
    report.first_booked_at = report.first_booked_at or now
    report.late_reason = reason
    session.flush()
    audit.record(session, at=now, actor=actor, action="report.booked", entity=report, district_id=report.district_id,
                 after={**times, "meeting_id": meeting.id, "uid": meeting.uid})
    return meeting


def cancel_booking(session: Session, report: ReportOfConcern, *, actor: str, now: datetime, mail: MailContext) -> None:
    """Call off the booked meeting (a CANCEL to both); the report stays open for a new time."""
    _check_open(report)
    meeting = report.booked
    if meeting is None:
        raise DomainError(N_("Inget möte är bokat för anmälan."))
    cancel_meeting(session, meeting, actor=actor, now=now, mail=mail)
    report.late_reason = None
    audit.record(session, at=now, actor=actor, action="report.booking_cancelled", entity=report,
                 district_id=report.district_id, before={"meeting_id": meeting.id})


def _new_meeting(session: Session, report: ReportOfConcern, form: MeetingForm, officer: Person, term: Term,
                 starts_at: datetime, ends_at: datetime, place: str | None, video_url: str | None, actor: str,
                 now: datetime, uid_domain: str) -> Meeting:
    invited = set(form.invited_functions)
    reporter = report.reporter
    function = next((f.function for f in reporter.functions if f.function in invited), None)
    meeting = Meeting(
        uid=f"{secrets.token_hex(16)}@{uid_domain}", meeting_form_id=form.id, term_id=term.id,
        series_key=f"{REPORT_SERIES}{report.id}", district_id=report.district_id, school_id=report.school_id,
        starts_at=starts_at, ends_at=ends_at, place=place, video_url=video_url, status=MeetingStatus.SCHEDULED,
        is_moved_by_hand=False, is_added_by_hand=True, sequence=0, created_at=now, published_at=now,
        published_by=actor,
        # the officer who books convenes: the invitations name them as the organiser (invitations/events.py)
        invitations=[Invitation(person_id=officer.id, function=form.convener_function),
                     Invitation(person_id=reporter.id, function=function,
                                school_id=invited_school(function, reporter.school_id))])
    session.add(meeting)
    session.flush()
    return meeting


def _move(session: Session, meeting: Meeting, starts_at: datetime, ends_at: datetime, place: str | None,
          video_url: str | None, term: Term, mail: MailContext, now: datetime) -> Meeting:
    meeting.starts_at, meeting.ends_at, meeting.place, meeting.video_url = starts_at, ends_at, place, video_url
    meeting.term_id = term.id
    meeting.is_moved_by_hand = True
    meeting.sequence += 1  # the calendars take the new time by a higher SEQUENCE
    session.flush()
    queue_updates(session, meeting, mail=mail, now=now)
    return meeting


def _check_time(session: Session, report: ReportOfConcern, starts_at: datetime, ends_at: datetime, now: datetime,
                zone: ZoneInfo) -> None:
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise ValueError("a meeting's times must be timezone-aware")
    if ends_at <= starts_at:
        raise DomainError(N_("Mötet måste sluta efter att det börjar."))
    if starts_at <= now:
        raise DomainError(N_("Tiden %(time)s har redan varit. Välj en kommande tid."), time=_shown(starts_at, zone))
    day = starts_at.astimezone(zone).date()
    if ends_at.astimezone(zone).date() != day:
        raise DomainError(N_("Mötet måste sluta samma dag som det börjar."))
    reason = _calendar(session, report.district, day, day).free_reason(day)
    if reason is not None:
        raise DomainError(N_("Anmälningsmöten bokas på vardagar; %(day)s är %(reason)s."),
                          day=day.isoformat(), reason=reason)


def _officer(officer: Person | None, report: ReportOfConcern) -> Person:
    if officer is None:
        raise DomainError(N_("Ditt konto är inte kopplat till en person i registret, så du kan inte bjudas in till "
                             "mötet. Be en administratör koppla kontot till dig."))
    if not officer.is_active:
        raise DomainError(N_("%(name)s är avslutad och kan inte bjudas in."), name=officer.name)
    reporter = report.reporter
    if not reporter.is_active:
        raise DomainError(N_("Anmälarens kontaktuppgifter finns inte längre (avslutad eller raderad), så ingen "
                             "inbjudan kan skickas."))
    if reporter.id == officer.id:
        raise DomainError(N_("Anmälaren och handläggaren kan inte vara samma person."))
    return officer


def _video_url(text: str) -> str | None:
    url = (text or "").strip()
    if not url:
        return None
    if not url.startswith(("https://", "http://")) or len(url) > 500 or any(c.isspace() for c in url):
        raise DomainError(N_("Länken till videomötet ska vara en webbadress som börjar med https://."))
    return url


# -- outcome and withdrawal ---------------------------------------------------------------------------

def record_outcome(session: Session, report: ReportOfConcern, outcome: Outcome,
                   reason: NotAppropriateReason | None = None, *, actor: str, now: datetime, mail: MailContext,
                   timezone: str) -> None:
    """What became of the report meeting. Any outcome but "held" calls off a booked meeting not yet begun."""
    zone = ZoneInfo(timezone)
    if report.is_withdrawn:
        raise DomainError(N_("Anmälan är återtagen."))
    booked = report.booked
    held_on = None
    if outcome is Outcome.HELD:
        if booked is None:
            raise DomainError(N_("Inget möte är bokat, så inget kan ha hållits. Boka mötet först."))
        if booked.starts_at > now:
            raise DomainError(N_("Mötet börjar %(time)s och kan inte ha hållits än."),
                              time=_shown(booked.starts_at, zone))
        held_on = booked.starts_at.astimezone(zone).date()
    if outcome is Outcome.NOT_APPROPRIATE and reason is None:
        raise DomainError(N_("Välj varför ett anmälningsmöte inte är lämpligt."))
    if outcome is Outcome.NOT_HELD_IN_TIME and now.astimezone(zone).date() <= report.deadline_on:
        raise DomainError(N_("Sista dagen %(deadline)s har inte passerat än."), deadline=report.deadline_on.isoformat())
    before = _outcome_state(report)
    if outcome is not Outcome.HELD and booked is not None and booked.starts_at > now:
        cancel_meeting(session, booked, actor=actor, now=now, mail=mail)
    report.outcome = outcome
    report.not_appropriate_reason = reason if outcome is Outcome.NOT_APPROPRIATE else None
    report.held_on = held_on
    report.outcome_at, report.outcome_by = now, actor
    session.flush()
    audit.record(session, at=now, actor=actor, action="report.outcome", entity=report, district_id=report.district_id,
                 before=before, after=_outcome_state(report))


def withdraw(session: Session, report: ReportOfConcern, reason: str, *, actor: str, now: datetime,
             mail: MailContext, timezone: str) -> None:
    """Withdraw a report entered by mistake: it stays stored, with who, when and why; a booked meeting not
    yet begun is called off."""
    if report.is_withdrawn:
        raise DomainError(N_("Anmälan är redan återtagen."))
    today = now.astimezone(ZoneInfo(timezone)).date()
    why = _text(reason, N_("Skälet"), MAX_REASON_LENGTH, today,
                required=N_("Skriv varför anmälan återtas; ingenting ändrades."))
    booked = report.booked
    if booked is not None and booked.starts_at > now:
        cancel_meeting(session, booked, actor=actor, now=now, mail=mail)
    report.withdrawn_at, report.withdrawn_by, report.withdrawal_reason = now, actor, why
    session.flush()
    audit.record(session, at=now, actor=actor, action="report.withdrawn", entity=report, district_id=report.district_id,
                 before={"withdrawn": False}, after={"withdrawn": True, "reason": why})


def _check_open(report: ReportOfConcern) -> None:
    if report.is_withdrawn:
        raise DomainError(N_("Anmälan är återtagen."))
    if report.outcome is not None:
        raise DomainError(N_("Utfallet är redan registrerat; inget möte kan bokas eller ändras."))


def _outcome_state(report: ReportOfConcern) -> dict[str, object]:
    return {"outcome": report.outcome.value if report.outcome else None,
            "reason": report.not_appropriate_reason.value if report.not_appropriate_reason else None,
            "held_on": report.held_on.isoformat() if report.held_on else None}


# -- helpers -----------------------------------------------------------------------------------------

def _text(value: str | None, field: str, limit: int, today: date, *, required: str | None = None) -> str:
    """Typed text, stripped and guarded; `required` is the message when it is empty (else "" is returned)."""
    text = (value or "").strip()
    if not text:
        if required is not None:
            raise DomainError(required)
        return ""
    if len(text) > limit:
        raise DomainError(N_("%(field)s får vara högst %(max)d tecken."), field=field, max=limit)
    refuse_identity_numbers(field, text, today)
    return text


def _window(form: MeetingForm) -> tuple[time, time]:
    return form.window_start or DEFAULT_WINDOW_START, form.window_end or DEFAULT_WINDOW_END


def _calendar(session: Session, district: District, first: date, last: date) -> CaseCalendar:
    """Working days from `first` to `last`, with the days the municipality's schools are closed noted."""
    terms: Sequence[Term] = terms_of(session, district.municipality)
    notes = {}
    day = first
    while day <= last:
        term = next((t for t in terms if t.starts_on <= day <= t.ends_on), None)
        note = REASON_OUTSIDE_TERM if term is None else next(
            (b.name for b in breaks_of(term) if b.covers(day)), None)
        if note is not None:
            notes[day] = note
        day += timedelta(days=1)
    return CaseCalendar.swedish(first, last, notes)


def _shown(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")
