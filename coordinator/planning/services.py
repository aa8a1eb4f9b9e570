"""Planning a district's term: series from its agreement, the pure planner, drafts in bulk, review and publish.

Plain Python over a session; the actor, the time and the settings (time zone, calendar-UID
domain) are passed in. Services flush and write audit events; the caller commits, so a plan
and its audit trail land together or not at all. Broken rules raise `DomainError` with a
Swedish template before anything is written.

A district's plan covers the district's own agreement. City-level agreements (the steering
group) belong to the city and are planned by the same functions with the city as the owner
(`City`, the reserved code `CITY_CODE`): their meetings have no district, and, like every
other district's, make their invitees busy, so no plan double-books anyone.
Who each series invites is invitees.py; the warnings the director sees are warnings.py; the term as
loaded for planning (and the meetings handed back, and the city as a plan's owner) is context.py.
"""
from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from coordinator import audit
from coordinator.agreements.models import (
    Agreement, AgreementVersion, FormKind, MeetingForm, Party, VersionStatus,
)
from coordinator.i18n import N_, DomainError
from coordinator.invitations.messages import MailContext
from coordinator.invitations.services import queue_cancellations, queue_invitations, queue_updates
from coordinator.org.models import District, Municipality, Person, School, SchoolGroup
from coordinator.planning.context import (  # noqa: F401  (CITY_CODE and City are also imported from here)
    CITY_CODE, City, Invitee, MeetingEntry, Owner, PlanContext, is_city_code,
)
from coordinator.planning.invitees import (
    Organisation, Series, load_organisation, ordinal_of, series_of_form, series_of_version,
)
from coordinator.planning.models import Answer, Invitation, Meeting, MeetingStatus, forum_meeting
from coordinator.planning.planner import DEFAULT_MAX_PER_DAY, ExistingMeeting, Plan, plan_term
from coordinator.planning.warnings import PlanningWarning, planning_warnings
from coordinator.terms.calendar import DEFAULT_TIMEZONE, TermCalendar, parse_term_name
from coordinator.terms.services import calendar_for, get_term, municipality_for
from coordinator.terms.models import Term

# the calendar UID's domain when the caller passes none (the web and the CLI pass the site's host)
UID_DOMAIN = "samverkan.invalid"


# -- what the services hand back ---------------------------------------------------------------

@dataclass(frozen=True)
class Publication:
    """What publishing the term's drafts does at a moment: the meetings it schedules, the invitations
    it sends and to how many people, and the drafts it leaves because their time has passed."""
    meetings: int
    invitations: int
    people: int
    past_drafts: int


@dataclass(frozen=True)
class PlanResult:
    district: Owner
    term: Term
    calendar: TermCalendar
    meetings: tuple[MeetingEntry, ...]  # every stored meeting of the district's term, by start
    warnings: tuple[PlanningWarning, ...]
    added: int = 0      # meetings this call planned
    missing: int = 0    # meetings planning would add now (review)
    published: int = 0  # meetings this call published
    publication: Publication | None = None  # what this call published (publish)

    @property
    def drafts(self) -> int:
        return sum(m.status is MeetingStatus.DRAFT for m in self.meetings)


# -- finding things by what the user typed -------------------------------------------------------

def find_district(session: Session, district: Owner | str, *, lock: bool = False) -> Owner:
    """The district of a code (any case), or the city for `CITY_CODE`; `lock` serialises planning and
    publishing per district (the city: per municipality)."""
    if isinstance(district, str) and is_city_code(district):
        district = City(municipality_for(session, None))
    if isinstance(district, City):
        if lock:
            session.execute(sa.select(Municipality.id).where(Municipality.id == district.municipality_id)
                            .with_for_update())
        return district
    if isinstance(district, District):
        found: District | None = district
        if lock:
            session.execute(sa.select(District.id).where(District.id == district.id).with_for_update())
    else:
        query = sa.select(District).where(sa.func.upper(District.code) == district.strip().upper())
        found = session.scalars(query.with_for_update() if lock else query).one_or_none()
    if found is None:
        raise DomainError(N_("Stadsdelen %(code)s finns inte."), code=district)
    if not found.is_active:
        raise DomainError(N_("Stadsdelen %(district)s är nedlagd."), district=found.name)
    return found


def district_term(session: Session, district: Owner, term: Term | str) -> Term:
    """The term of a name (HT2027, VT2028) in the district's municipality."""
    if isinstance(term, Term):
        if term.municipality_id != district.municipality_id:
            raise DomainError(N_("Terminen %(term)s hör till en annan kommun än %(district)s."),
                              term=term.name, district=district.name)
        return term
    return get_term(session, district.municipality, term)


def find_meeting(session: Session, district: Owner, meeting_id: int) -> Meeting:
    """A meeting of the district; unknown ones and other districts' are errors alike."""
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise DomainError(N_("Mötet finns inte."))
    _check_owner(meeting, district)
    return meeting


# -- plan, review, publish -----------------------------------------------------------------------

def plan_district_term(
    session: Session, district: Owner | str, term: Term | str, *, actor: str, now: datetime,
    timezone: str = DEFAULT_TIMEZONE, uid_domain: str = UID_DOMAIN, max_per_day: int = DEFAULT_MAX_PER_DAY,
) -> PlanResult:
    """Write the draft meetings missing from the district's term; keep what is there, moved and cancelled ones too.

    A term under way is planned from tomorrow: what the remaining weeks cannot hold is a warning.
    """
    context = _load(session, district, term, timezone, max_per_day, lock=True)
    if context.term.ends_on < plan_from(now, timezone):
        raise DomainError(N_("Terminen %(term)s slutade %(ends_on)s; inga möten kan planeras i den."),
                          term=context.term.name, ends_on=context.term.ends_on.isoformat())
    plan = _run_planner(context, now)
    added = _write(session, context, plan, now, uid_domain)
    if added:
        audit.record(session, at=now, actor=actor, action="meetings.planned", entity=context.term,
                     district_id=context.district.id,
                     after={"term": context.term.name, "added": len(added), "meeting_ids": [m.id for m in added]})
    # what is stored now, without reading it back: what was there and what was just written
    stored = sorted([*context.stored, *added], key=_in_order)
    return PlanResult(context.district, context.term, context.calendar, tuple(stored),
                      planning_warnings(context, plan, stored, now), added=len(added))


def review(
    session: Session, district: Owner | str, term: Term | str, now: datetime, *,
    timezone: str = DEFAULT_TIMEZONE, max_per_day: int = DEFAULT_MAX_PER_DAY,
) -> PlanResult:
    """The term's meetings and warnings as they stand, and how many meetings planning would add; writes nothing."""
    context = _load(session, district, term, timezone, max_per_day)
    plan = _run_planner(context, now)
    return PlanResult(context.district, context.term, context.calendar, tuple(context.stored),
                      planning_warnings(context, plan, context.stored, now), missing=len(plan.meetings))


def publication(session: Session, district: Owner | str, term: Term | str, now: datetime) -> Publication:
    """What `publish` would do at `now`: the director confirms these numbers first. Writes nothing."""
    district = find_district(session, district)
    return _publication(session, district, district_term(session, district, term), now)


def publish(
    session: Session, district: Owner | str, term: Term | str, *, actor: str, now: datetime,
    timezone: str = DEFAULT_TIMEZONE, mail: MailContext | None = None, max_per_day: int = DEFAULT_MAX_PER_DAY,
    confirmed: tuple[int, int] | None = None, compose_later: bool = True,
) -> PlanResult:
    """Make the term's draft meetings that have not begun scheduled, recording who published them and when.

    A draft whose start has passed stays a draft (the plan flags it "i det förflutna" for the
    director to move or cancel): nobody is invited to a meeting in the past. With `mail` (the web,
    the CLI and the jobs always pass it) each active invitee's REQUEST is queued in the outbox in
    this transaction: the mail leaves only if publishing commits. Without it nothing is mailed
    (planning's own tests and benchmarks). `confirmed` holds the meetings and invitations the
    director agreed to publish: when the plan has changed since, nothing is published. The invitations
    are queued to be composed by the sender (`invitations/deferred.py`), unless `compose_later` is
    False (composed here, as before: the publish benchmark's comparison).
    """
    district = find_district(session, district, lock=True)
    term = district_term(session, district, term)
    published = _publication(session, district, term, now)
    if confirmed is not None and confirmed != (published.meetings, published.invitations):
        raise DomainError(N_("Planen har ändrats sedan sidan visades; inget publicerades. Se över siffrorna "
                             "och bekräfta igen."))
    drafts = (Meeting.district_id == district.id, Meeting.term_id == term.id, Meeting.status == MeetingStatus.DRAFT,
              Meeting.starts_at > now)
    ids = list(session.scalars(sa.select(Meeting.id).where(*drafts).order_by(Meeting.starts_at, Meeting.id)))
    if ids:
        session.execute(sa.update(Meeting).where(*drafts).values(
            status=MeetingStatus.SCHEDULED, published_at=now, published_by=actor))
        if mail is not None:
            queue_invitations(session, ids, mail=mail, now=now, compose_later=compose_later)
        audit.record(session, at=now, actor=actor, action="meetings.published", entity=term,
                     district_id=district.id, after={"term": term.name, "published": len(ids), "meeting_ids": ids,
                                                     "past_drafts": published.past_drafts})
        session.flush()
    result = review(session, district, term, now, timezone=timezone, max_per_day=max_per_day)
    return replace(result, published=len(ids), publication=published)


def plan_from(now: datetime, timezone: str = DEFAULT_TIMEZONE) -> date:
    """The first day a meeting planned at `now` may fall on: tomorrow, so its invitation comes before it."""
    return now.astimezone(ZoneInfo(timezone)).date() + timedelta(days=1)


def _publication(session: Session, district: Owner, term: Term, now: datetime) -> Publication:
    drafts = (Meeting.district_id == district.id, Meeting.term_id == term.id, Meeting.status == MeetingStatus.DRAFT)
    coming = session.execute(
        sa.select(sa.func.count(sa.distinct(Invitation.meeting_id)), sa.func.count(),
                  sa.func.count(sa.distinct(Invitation.person_id)))
        .select_from(Invitation).join(Meeting, Invitation.meeting_id == Meeting.id)
        .where(*drafts, Meeting.starts_at > now, Invitation.removed_at.is_(None),
               Invitation.answer != Answer.DELEGATED)).one()
    meetings, past = session.execute(
        sa.select(sa.func.count().filter(Meeting.starts_at > now), sa.func.count().filter(Meeting.starts_at <= now))
        .where(*drafts)).one()
    return Publication(meetings=meetings, invitations=coming[1], people=coming[2], past_drafts=past)


# -- the director's changes by hand ------------------------------------------------------------

def move_meeting(
    session: Session, meeting: Meeting, starts_at: datetime, ends_at: datetime, *, actor: str, now: datetime,
    district: District | None = None, timezone: str = DEFAULT_TIMEZONE, mail: MailContext | None = None,
) -> Meeting:
    """Move a meeting, never into the past; planning keeps it where it was put. A published one's
    SEQUENCE goes up and, with `mail`, every active invitee is sent the update."""
    _check_owner(meeting, district)
    if meeting.is_cancelled:
        raise DomainError(N_("Mötet är inställt och kan inte flyttas."))
    _check_times(starts_at, ends_at, timezone, now)
    if (meeting.starts_at, meeting.ends_at) == (starts_at, ends_at):
        return meeting
    before = _times(meeting)
    meeting.starts_at, meeting.ends_at = starts_at, ends_at
    meeting.is_moved_by_hand = True
    if meeting.status is MeetingStatus.SCHEDULED:
        meeting.sequence += 1  # the invitees' calendars take the change by a higher SEQUENCE
    session.flush()
    if meeting.status is MeetingStatus.SCHEDULED and mail is not None:
        queue_updates(session, meeting, mail=mail, now=now)
    audit.record(session, at=now, actor=actor, action="meeting.moved", entity=meeting,
                 district_id=meeting.district_id, before=before, after={**_times(meeting), "sequence": meeting.sequence})
    return meeting


def cancel_meeting(
    session: Session, meeting: Meeting, *, actor: str, now: datetime, district: District | None = None,
    mail: MailContext | None = None,
) -> Meeting:
    """Cancel a meeting; it stays stored, so planning again does not replace it. A published one's
    invitees are sent a CANCEL (with `mail`)."""
    _check_owner(meeting, district)
    if meeting.is_cancelled:
        raise DomainError(N_("Mötet är redan inställt."))
    before = meeting.status
    meeting.status = MeetingStatus.CANCELLED
    meeting.cancelled_at = now
    if before is MeetingStatus.SCHEDULED:
        meeting.sequence += 1  # the CANCEL must outrank the REQUEST the invitees have
    session.flush()
    if before is MeetingStatus.SCHEDULED and mail is not None:
        queue_cancellations(session, meeting, mail=mail, now=now)
    audit.record(session, at=now, actor=actor, action="meeting.cancelled", entity=meeting,
                 district_id=meeting.district_id, before={"status": before.value},
                 after={"status": "cancelled", "sequence": meeting.sequence})
    return meeting


def add_meeting(
    session: Session, form: MeetingForm, term: Term | str, starts_at: datetime, ends_at: datetime | None = None,
    *, school: School | None = None, group: SchoolGroup | None = None, actor: str, now: datetime,
    timezone: str = DEFAULT_TIMEZONE, uid_domain: str = UID_DOMAIN,
) -> Meeting:
    """A draft meeting of a form added by hand, with the invitees the planner would give its series.

    It joins its series (the school's, for a per-school form), so it counts toward the cadence.
    `ends_at` defaults to the form's duration. A time that has passed is refused.
    """
    version = form.version
    if version.status is not VersionStatus.ACTIVE:
        raise DomainError(N_("%(form)s hör inte till en stadsdels gällande överenskommelse."), form=form.name)
    agreement = version.agreement
    district = find_district(session, agreement.district or City(agreement.municipality))
    term = district_term(session, district, term)
    if ends_at is None:
        if form.duration_minutes <= 0:
            raise DomainError(N_("%(form)s har mötestiden %(minutes)d minuter; den måste vara längre än noll."),
                              form=form.name, minutes=form.duration_minutes)
        ends_at = starts_at + timedelta(minutes=form.duration_minutes)
    _check_times(starts_at, ends_at, timezone, now)
    org = load_organisation(session, district, [version])
    series = series_of_form(form, org, ordinal_of(form), school=school, group=group)
    meeting = Meeting(
        uid=_uid(uid_domain), meeting_form_id=form.id, term_id=term.id, series_key=series.spec.key,
        district_id=district.id, school_id=series.school_id, group_id=series.group_id,
        starts_at=starts_at, ends_at=ends_at, place=form.place, video_url=form.video_url,
        status=MeetingStatus.DRAFT, is_moved_by_hand=False, is_added_by_hand=True, sequence=0, created_at=now,
        invitations=[Invitation(person_id=p, function=f, school_id=series.schools.get(p))
                     for p, f in sorted(series.invitees.items())],
    )
    session.add(meeting)
    session.flush()
    audit.record(session, at=now, actor=actor, action="meeting.added", entity=meeting, district_id=district.id,
                 after={"form": form.name, "term": term.name, "series_key": meeting.series_key,
                        **_times(meeting), "invitees": len(meeting.invitations)})
    return meeting


def _check_owner(meeting: Meeting, district: Owner | None) -> None:
    if district is not None and meeting.district_id != district.id:
        raise DomainError(N_("Mötet hör inte till %(district)s."), district=district.name)


def _check_times(starts_at: datetime, ends_at: datetime, timezone: str, now: datetime) -> None:
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise ValueError("a meeting's times must be timezone-aware")
    zone = ZoneInfo(timezone)
    if ends_at <= starts_at:
        raise DomainError(N_("Mötet kan inte sluta %(end)s, före eller samtidigt som det börjar %(start)s."),
                          start=_shown(starts_at, zone), end=_shown(ends_at, zone))
    if starts_at <= now:
        # an invitation to it would arrive after it began
        raise DomainError(N_("Mötet kan inte läggas %(start)s: den tiden har redan varit."),
                          start=_shown(starts_at, zone))


def _times(meeting: Meeting) -> dict[str, str]:
    return {"starts_at": meeting.starts_at.isoformat(), "ends_at": meeting.ends_at.isoformat()}


def _shown(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _uid(domain: str) -> str:
    return f"{secrets.token_hex(16)}@{domain}"


# -- loading: a few queries per district, whatever its size --------------------------------------

def _load(session: Session, district: Owner | str, term: Term | str, timezone: str, max_per_day: int, *,
          lock: bool = False) -> PlanContext:
    district = find_district(session, district, lock=lock)
    term = district_term(session, district, term)
    calendar = calendar_for(session, term)
    versions = list(session.scalars(
        sa.select(AgreementVersion).join(AgreementVersion.agreement)
        .where(Agreement.municipality_id == district.municipality_id, Agreement.district_id == district.id,
               AgreementVersion.status == VersionStatus.ACTIVE)
        .options(
            selectinload(AgreementVersion.agreement),
            selectinload(AgreementVersion.contact_person),
            selectinload(AgreementVersion.parties).selectinload(Party.school),
            selectinload(AgreementVersion.meeting_forms).selectinload(MeetingForm.functions),
            selectinload(AgreementVersion.meeting_forms).selectinload(MeetingForm.group)
            .selectinload(SchoolGroup.schools),
        )
        .order_by(Agreement.id)
    ))
    org = load_organisation(session, district, versions)
    series = [s for version in versions for s in series_of_version(session, version, org)]
    series = _without_proposed_visits(session, district, term, series)
    stored = _stored(session, district, term)
    person_ids = {p for s in series for p in s.invitees} | {p for m in stored for p in m.person_ids}
    elsewhere, elsewhere_names = _elsewhere(session, district, term, person_ids)
    return PlanContext(district, term, calendar, timezone, max_per_day, org, series, stored, elsewhere,
                       elsewhere_names)


def _without_proposed_visits(session: Session, district: Owner, term: Term, series: list[Series]) -> list[Series]:
    """The series without the staff-meeting visits (APT) the schools proposed for the term's school year
    themselves (visits/): a school's proposal is its visit of the year, whichever term it falls in."""
    from coordinator.visits.models import StaffMeetingVisit  # visits/ builds on planning
    season, year = parse_term_name(term.name)
    proposed = set(session.scalars(
        sa.select(StaffMeetingVisit.school_id).join(Meeting, StaffMeetingVisit.meeting_id == Meeting.id)
        .where(StaffMeetingVisit.district_id == district.id,
               StaffMeetingVisit.school_year == (year if season == "HT" else year - 1),
               Meeting.status != MeetingStatus.CANCELLED)))
    if not proposed:
        return series
    return [s for s in series
            if not (s.form.kind is FormKind.STAFF_MEETING_VISIT and s.school_id in proposed)]


_ENTRY_COLUMNS = (
    Meeting.id, Meeting.uid, Meeting.series_key, Meeting.meeting_form_id, MeetingForm.name, MeetingForm.position,
    MeetingForm.kind, MeetingForm.scope, School.name, SchoolGroup.name, Meeting.starts_at, Meeting.ends_at,
    Meeting.status, Meeting.is_moved_by_hand, Meeting.is_added_by_hand, Meeting.sequence, Meeting.published_at,
    Meeting.published_by,
)


def _stored(session: Session, district: Owner, term: Term) -> list[MeetingEntry]:
    """The district's meetings of the term with their invitees: two queries."""
    of_term = (Meeting.district_id == district.id, Meeting.term_id == term.id, forum_meeting())
    invitees: dict[int, list[Invitee]] = defaultdict(list)
    for meeting_id, person_id, function, name, email in session.execute(
        sa.select(Invitation.meeting_id, Invitation.person_id, Invitation.function, Person.name, Person.email)
        .join(Meeting, Invitation.meeting_id == Meeting.id).join(Person, Invitation.person_id == Person.id)
        .where(*of_term)
    ):
        invitees[meeting_id].append(Invitee(person_id, name, email, function))
    for people in invitees.values():
        people.sort(key=lambda i: (i.name, i.person_id))
    rows = session.execute(
        sa.select(*_ENTRY_COLUMNS)
        .join(MeetingForm, Meeting.meeting_form_id == MeetingForm.id)
        .outerjoin(School, Meeting.school_id == School.id)
        .outerjoin(SchoolGroup, Meeting.group_id == SchoolGroup.id)
        .where(*of_term)
    )
    entries = []
    for row in rows:
        people = tuple(invitees.get(row[0], ()))
        entries.append(MeetingEntry(*row, invitees=people, person_ids=frozenset(p.person_id for p in people)))
    return sorted(entries, key=_in_order)


def _in_order(meeting: MeetingEntry) -> tuple[datetime, str, int]:
    """By start, then series: sorted here, since the databases' collations order text differently."""
    return meeting.starts_at, meeting.series_key, meeting.id


def _elsewhere(session: Session, district: Owner, term: Term,
               person_ids: set[int]) -> tuple[list[ExistingMeeting], dict[str, str]]:
    """The term's meetings outside the district's plan (not cancelled) that one of `person_ids` is invited to:
    other districts' and the city's, and the district's own case meetings (kept out of its plan)."""
    if not person_ids:
        return [], {}
    people = sorted(person_ids)
    # outside the plan: other owners' meetings, and the owner's own case meetings (kept out of its plan)
    others = Meeting.district_id.is_not(None) if district.id is None else \
        sa.or_(Meeting.district_id != district.id, Meeting.district_id.is_(None))
    # driven from the people's invitations: SQLite would otherwise probe every meeting of the term
    their_meetings = sa.select(Invitation.meeting_id).where(Invitation.person_id.in_(people))
    rows = session.execute(
        sa.select(Meeting.id, Meeting.series_key, Meeting.starts_at, Meeting.ends_at, MeetingForm.name,
                  District.name, Invitation.person_id)
        .join(Invitation, Invitation.meeting_id == Meeting.id)
        .join(MeetingForm, Meeting.meeting_form_id == MeetingForm.id)
        .outerjoin(District, Meeting.district_id == District.id)
        .where(Meeting.id.in_(their_meetings), Meeting.term_id == term.id,
               Meeting.status != MeetingStatus.CANCELLED,
               sa.or_(others, ~forum_meeting()),
               Invitation.person_id.in_(people))
        .order_by(Meeting.id)
    )
    meetings: dict[int, tuple[str, datetime, datetime]] = {}
    invited: dict[int, set[int]] = defaultdict(set)
    names: dict[str, str] = {}
    for meeting_id, key, starts_at, ends_at, form_name, district_name, person_id in rows:
        meetings[meeting_id] = (key, starts_at, ends_at)
        invited[meeting_id].add(person_id)
        names[key] = f"{form_name} ({district_name})" if district_name else form_name
    return [ExistingMeeting(key, starts_at, ends_at, False, frozenset(invited[meeting_id]), meeting_id)
            for meeting_id, (key, starts_at, ends_at) in meetings.items()], names


# -- planning and writing ------------------------------------------------------------------------

def _run_planner(context: PlanContext, now: datetime) -> Plan:
    existing = [ExistingMeeting(m.series_key, m.starts_at, m.ends_at, m.is_cancelled, m.person_ids, m.id)
                for m in context.stored]
    return plan_term(context.calendar, [s.spec for s in context.series], [*existing, *context.elsewhere],
                     timezone=context.timezone, plan_from=plan_from(now, context.timezone),
                     max_per_day=context.max_per_day)


def _write(session: Session, context: PlanContext, plan: Plan, now: datetime, uid_domain: str) -> list[MeetingEntry]:
    """Insert the plan's meetings and their invitations, one statement each; the new meetings as stored."""
    if not plan.meetings:
        return []
    by_key = {s.spec.key: s for s in context.series}
    rows = []
    for planned in plan.meetings:
        series = by_key[planned.series_key]
        rows.append({
            "uid": _uid(uid_domain), "meeting_form_id": planned.form_id, "term_id": context.term.id,
            "series_key": planned.series_key, "district_id": context.district.id,
            "school_id": series.school_id, "group_id": series.group_id,
            "starts_at": planned.starts_at.astimezone(UTC), "ends_at": planned.ends_at.astimezone(UTC),
            "place": series.form.place, "video_url": series.form.video_url, "status": MeetingStatus.DRAFT,
            "is_moved_by_hand": False, "is_added_by_hand": False, "sequence": 0, "created_at": now,
        })
    # Core statements on the tables: the ORM's bulk path costs more than the database here
    ids = list(session.scalars(
        sa.insert(Meeting.__table__).returning(Meeting.__table__.c.id, sort_by_parameter_order=True), rows))
    invited = [{"meeting_id": meeting_id, "person_id": person_id, "function": function,
                "school_id": by_key[planned.series_key].schools.get(person_id)}
               for meeting_id, planned in zip(ids, plan.meetings)
               for person_id, function in by_key[planned.series_key].invitees.items()]
    if invited:  # an empty list would be one INSERT of nothing but defaults
        session.execute(sa.insert(Invitation.__table__), invited)
    return [_entry(meeting_id, row, by_key[row["series_key"]], context.org) for meeting_id, row in zip(ids, rows)]


def _entry(meeting_id: int, row: Mapping[str, Any], series: Series, org: Organisation) -> MeetingEntry:
    """A just-written meeting as `_stored` would read it back."""
    form, school = series.form, org.party_schools.get(series.school_id) if series.school_id else None
    invitees = sorted((Invitee(p, *org.people[p], function) for p, function in series.invitees.items()),
                      key=lambda i: (i.name, i.person_id))
    return MeetingEntry(
        meeting_id, row["uid"], row["series_key"], form.id, form.name, form.position, form.kind, form.scope,
        school.name if school else None, series.group_name, row["starts_at"], row["ends_at"], MeetingStatus.DRAFT,
        False, False, 0, None, None, tuple(invitees), series.spec.person_ids)
