"""Staff-meeting visits (APT): a party school proposes a day from its own calendar, social services confirms.

The visit is a meeting of the agreement's APT form in the school's series (planning/invitees.py), so
its invitations, reminders and follow-up are every meeting's. Proposing writes a draft (or moves the
draft the district's planner put in the series), confirming publishes that one meeting and queues
the calendar invitations to its invitees — the school's principal, the proposer and social services'
contact — in the same transaction. Refusals raise `DomainError` before anything is written.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from coordinator import audit
from coordinator.agreements.models import Agreement, AgreementVersion, FormKind, MeetingForm, VersionStatus
from coordinator.auth.models import User
from coordinator.auth.permissions import Action, allows
from coordinator.i18n import N_, DomainError
from coordinator.invitations.messages import MailContext
from coordinator.invitations.services import queue_invitations
from coordinator.org.functions import Function
from coordinator.org.models import Person, School
from coordinator.planning.models import Invitation, Meeting, MeetingStatus
from coordinator.planning.services import UID_DOMAIN, add_meeting
from coordinator.terms.calendar import DEFAULT_TIMEZONE, parse_term_name
from coordinator.terms.models import Term
from coordinator.terms.services import calendar_for, terms_of
from coordinator.visits.models import StaffMeetingVisit

# who may propose the school's visit: its principals (the school's contact for the agreement)
PROPOSERS = frozenset({Function.PRINCIPAL, Function.DEPUTY_PRINCIPAL})


def school_year_of(term_name: str) -> int:
    """The school year a term belongs to, named by its autumn's year: HT2027 and VT2028 are 2027."""
    season, year = parse_term_name(term_name)
    return year if season == "HT" else year - 1


def school_year_label(year: int) -> str:
    """2027 -> "2027/28"."""
    return f"{year}/{(year + 1) % 100:02d}"


def visit_form(session: Session, district_id: int) -> MeetingForm | None:
    """The APT form of the district's agreement in force (the first, if it has several)."""
    return session.scalars(
        sa.select(MeetingForm).join(MeetingForm.version).join(AgreementVersion.agreement)
        .where(Agreement.district_id == district_id, AgreementVersion.status == VersionStatus.ACTIVE,
               MeetingForm.kind == FormKind.STAFF_MEETING_VISIT)
        .order_by(MeetingForm.position, MeetingForm.id).limit(1)).one_or_none()


def may_propose(person: Person | None, school: School) -> bool:
    """A principal of the school (or its deputy principal), active."""
    return proposes_for(person, school.id)


def proposes_for(person: Person | None, school_id: int) -> bool:
    """`may_propose` by the school's id: the menu asks it on every page, without loading the school."""
    return (person is not None and person.is_active and person.school_id == school_id
            and any(f.function in PROPOSERS for f in person.functions))


def may_confirm(user: User | None, district_id: int) -> bool:
    """Social services of the school's district: its director, administrators and intake group, or the city."""
    return allows(user, Action.EDIT, district_id) or allows(user, Action.HANDLE_CASES, district_id)


@dataclass(frozen=True)
class SchoolVisit:
    """The school's visit of one school year as the pages show it: none, proposed, or confirmed."""
    school: School
    school_year: int
    meeting: Meeting | None
    visit: StaffMeetingVisit | None

    @property
    def is_confirmed(self) -> bool:
        return self.meeting is not None and self.meeting.status is MeetingStatus.SCHEDULED

    @property
    def is_proposed(self) -> bool:
        return self.visit is not None and not self.is_confirmed


def visit_of_year(session: Session, school: School, school_year: int) -> SchoolVisit:
    """The school's APT visit of the school year that is not cancelled: the school's proposal, or a meeting
    the district planned (a draft of the planner is no visit yet: the school may still propose)."""
    meeting = _live_meeting(session, school, school_year)
    visit = session.scalars(sa.select(StaffMeetingVisit).where(
        StaffMeetingVisit.school_id == school.id, StaffMeetingVisit.school_year == school_year)).one_or_none()
    if visit is not None and visit.meeting.is_cancelled:
        visit = None
    return SchoolVisit(school, school_year, meeting, visit)


def propose_visit(
    session: Session, school: School, starts_at: datetime, *, proposer: Person, now: datetime,
    timezone: str = DEFAULT_TIMEZONE, uid_domain: str = UID_DOMAIN,
) -> StaffMeetingVisit:
    """The school proposes a time for this school year's visit; a draft social services confirms."""
    if starts_at.tzinfo is None:
        raise ValueError("a visit's time must be timezone-aware")
    if not may_propose(proposer, school):
        raise DomainError(N_("Bara skolans rektor kan föreslå en tid för socialtjänstens besök på %(school)s."),
                          school=school.name)
    form = visit_form(session, school.district_id)
    if form is None:
        raise DomainError(N_("Stadsdelens överenskommelse har inget besök på skolans APT."))
    if not any(p.school_id == school.id for p in form.version.parties):
        raise DomainError(N_("%(school)s är inte part i överenskommelsen."), school=school.name)
    zone = ZoneInfo(timezone)
    ends_at = starts_at + timedelta(minutes=form.duration_minutes)
    day = starts_at.astimezone(zone).date()
    if starts_at <= now:
        raise DomainError(N_("Tiden %(start)s har redan varit. Föreslå en kommande dag."),
                          start=starts_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"))
    term = _term_of(session, school, day)
    reason = calendar_for(session, term).free_reason(starts_at, ends_at, timezone=timezone)
    if reason is not None:
        raise DomainError(N_("%(day)s är ingen skoldag (%(reason)s). Föreslå en annan dag."),
                          day=day.isoformat(), reason=reason)
    year = school_year_of(term.name)
    existing = visit_of_year(session, school, year)
    if existing.visit is not None or existing.is_confirmed:
        booked = existing.meeting or existing.visit.meeting  # type: ignore[union-attr]
        raise DomainError(N_("%(school)s har redan ett besök på APT läsåret %(year)s, %(day)s."),
                          school=school.name, year=school_year_label(year),
                          day=booked.starts_at.astimezone(zone).date().isoformat())
    actor = _actor(proposer)
    draft = existing.meeting  # the planner's draft of the series, if it put one in the school year
    if draft is not None:
        before = {"starts_at": draft.starts_at.isoformat(), "term_id": draft.term_id}
        draft.starts_at, draft.ends_at, draft.term_id, draft.is_moved_by_hand = starts_at, ends_at, term.id, True
        meeting = draft
        audit.record(session, at=now, actor=actor, action="meeting.moved", entity=meeting,
                     district_id=meeting.district_id, before=before,
                     after={"starts_at": starts_at.isoformat(), "term_id": term.id})
    else:
        meeting = add_meeting(session, form, term, starts_at, ends_at, school=school, actor=actor, now=now,
                              timezone=timezone, uid_domain=uid_domain)
    if all(i.person_id != proposer.id for i in meeting.invitations):
        meeting.invitations.append(Invitation(person_id=proposer.id, function=_school_function(proposer),
                                              school_id=school.id))
    visit = session.scalars(sa.select(StaffMeetingVisit).where(
        StaffMeetingVisit.school_id == school.id, StaffMeetingVisit.school_year == year)).one_or_none()
    if visit is None:  # else the visit proposed before was cancelled: the row takes the new meeting
        visit = StaffMeetingVisit(school_id=school.id, district_id=school.district_id, school_year=year)
        session.add(visit)
    visit.meeting, visit.proposed_by, visit.proposed_at = meeting, proposer, now
    visit.confirmed_by = visit.confirmed_at = None
    session.flush()
    audit.record(session, at=now, actor=actor, action="visit.proposed", entity=visit, district_id=school.district_id,
                 after={"school": school.name, "school_year": year, "meeting_id": meeting.id,
                        "starts_at": starts_at.isoformat()})
    return visit


def confirm_visit(session: Session, visit: StaffMeetingVisit, *, user: User, now: datetime,
                  mail: MailContext | None) -> Meeting:
    """Social services confirms the proposed time: the meeting is published and its invitations queued."""
    if not may_confirm(user, visit.district_id):
        raise DomainError(N_("Bara socialtjänsten i skolans stadsdel kan bekräfta besöket."))
    meeting = visit.meeting
    if meeting.is_cancelled:
        raise DomainError(N_("Besöket är inställt; skolan får föreslå en ny tid."))
    if meeting.status is MeetingStatus.SCHEDULED:
        raise DomainError(N_("Besöket är redan bekräftat."))
    if meeting.starts_at <= now:
        raise DomainError(N_("Den föreslagna tiden har redan varit; skolan får föreslå en ny tid."))
    meeting.status, meeting.published_at, meeting.published_by = MeetingStatus.SCHEDULED, now, user.email
    visit.confirmed_by, visit.confirmed_at = user.email, now
    session.flush()
    if mail is not None:
        queue_invitations(session, [meeting.id], mail=mail, now=now)
    audit.record(session, at=now, actor=user.email, action="visit.confirmed", entity=visit,
                 district_id=visit.district_id, after={"meeting_id": meeting.id, "starts_at": meeting.starts_at.isoformat()})
    return meeting


def proposals(session: Session, district_id: int) -> list[StaffMeetingVisit]:
    """The district's proposed visits not yet confirmed nor cancelled, by time."""
    return list(session.scalars(
        sa.select(StaffMeetingVisit).join(StaffMeetingVisit.meeting)
        .where(StaffMeetingVisit.district_id == district_id, Meeting.status == MeetingStatus.DRAFT)
        .order_by(Meeting.starts_at, StaffMeetingVisit.id)))


# -- helpers ------------------------------------------------------------------------------------------

def _term_of(session: Session, school: School, day: date) -> Term:
    terms = [t for t in terms_of(session, school.district.municipality) if t.starts_on <= day <= t.ends_on]
    if not terms:
        raise DomainError(N_("%(day)s ligger utanför terminerna. Föreslå en dag under en termin."),
                          day=day.isoformat())
    return terms[0]


def _live_meeting(session: Session, school: School, school_year: int) -> Meeting | None:
    """The school's APT meeting of the school year that is not cancelled, published first."""
    names = (f"HT{school_year}", f"VT{school_year + 1}")
    found = list(session.scalars(
        sa.select(Meeting).join(Meeting.meeting_form).join(Term, Meeting.term_id == Term.id)
        .where(Meeting.school_id == school.id, MeetingForm.kind == FormKind.STAFF_MEETING_VISIT,
               Meeting.status != MeetingStatus.CANCELLED, Term.name.in_(names))
        .order_by(Meeting.starts_at, Meeting.id)))
    scheduled = [m for m in found if m.status is MeetingStatus.SCHEDULED]
    return (scheduled or found or [None])[0]


def _school_function(person: Person) -> Function | None:
    return next((f.function for f in person.functions if f.function in PROPOSERS), None)


def _actor(person: Person) -> str:
    return person.email
