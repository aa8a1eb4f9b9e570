"""A small city for the follow-up tests, whose every figure is counted by hand (test_followup_figures.py).

Ekdal (district EKDAL) has five schools: Mossen and Norra (municipal), Ugglan and Vinden
(independent) and Åsen (independent, never joined). Its agreement (activated 1 June 2027,
revision due 1 June 2028, contact Sara Kontakt) has three forms:
- F1 Övergripande forum: the district, 2 per term, requires the director and every principal;
  minutes due in 14 days, approved, reported to the committee.
- F2 Elevhälsokonferens: per school, 1 per term, requires the school's principal; minutes due
  in 7 days, no approval, not reported.
- F3 Nätverksträff: the district, 1 per term, no required functions, no minutes.
- F4 Anmälningsmöte: per school, on demand (nothing agreed); its meetings are booked for reports of concern
  and counted with them, never with the forums.
Mossen, Norra and Ugglan signed on 1 June 2027; Vinden on 15 November 2027 (so its conference
is not agreed in HT2027: about 30 % of the term remained); Åsen not at all.
HT2027 (19 August – 21 December 2027) is judged at NOW, 10 December 2027 12.00. Everything is
published 20 August 2027 10.00 (Stockholm); answers come whole days after that.

Meetings of HT2027 (times in Stockholm):
- m1, F1, 15 Sep 13–15: director (answered in 1 day, link), Mossen (2 days, calendar), Norra (sent
  deputy Nils Ersättare after 3 days; Nils accepted by link), Ugglan (never answered, absent).
  Minutes registered 20 Sep (on time), approved 25 Sep 15.00, never reported.
- m2, F1, 20 Nov 13–15: director (1 day, by the organiser), Mossen (1), Norra (5), Vinden (4), all by
  link; all came. Minutes registered 6 Dec (due 4 Dec 15.00: late), approved 8 Dec 15.00, reported
  9 Dec 15.00.
- m3, F1, 1 Oct: cancelled (its invitation is not counted).
- c1, F2 at Mossen, 5 Oct 9–10: the principal answered in 1 day and came; minutes registered 8 Oct.
  c2 at Norra, 6 Oct: no answer, nothing recorded (not held). c3 at Ugglan, 15 Dec: to come, no answer.
- n1, F3, 20 Sep: the director answered in 6 days and came.
Action items at m1: A due 1 Oct, done 28 Sep; B due 15 Oct, done 20 Oct; C due 1 Nov, open; E dropped;
at m2: D due 15 Jan 2028, open.

Reports of concern in Ekdal, HT2027 (the intake officer is Sara Kontakt):
- r1 Mossen (municipal), received Mon 6 Sep; booked 9 Sep, held Tue 14 Sep (8 days) with Maja Mossen.
- r2 Norra (municipal), received Mon 4 Oct (deadline 18 Oct); booked 6 Oct for 22 Oct with a stated reason,
  held then (18 days: late).
- r3 Ugglan (independent), received 11 Oct: not appropriate (an investigation is going on).
- r4 Vinden (independent), received 1 Nov; booked 3 Nov for 10 Nov, declined (the meeting cancelled).
- r5 Ugglan (independent), received 29 Nov; held Fri 3 Dec (4 days) with Ulla Ugglan, who accepted.
- r6 Mossen (municipal), received 6 Dec: open, nothing booked yet.
- r7 Norra, received 20 Sep: withdrawn (entered by mistake), counted nowhere.
Lunda: r8 Lundaskolan, received 1 Oct, held 8 Oct (7 days).
Consultations (the intake group's hours, Tuesdays 13–15 in 20-minute slots, answered by Ivar Intag), booked
with the schools' links: Mossen 14 Sep and 12 Oct, and 21 Sep cancelled; Norra 16 Nov; Ugglan 14 Dec (to
come); Vinden 18 Jan 2028 (in VT2028). Åsen booked none. So HT2027 has 4 booked (3 from the 2 municipal
schools, 1 from the 3 independent ones) and 1 cancelled.

Lunda (LUNDA) has an agreement with only an on-demand form: nothing agreed. Kvarn (KVARN) has no
agreement at all.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from coordinator.agreements.models import (
    Agreement, AgreementVersion, Cadence, FormKind, IndividualCases, MeetingForm, MeetingFormFunction, Party, Scope,
    VersionStatus,
)
from coordinator.cases.models import REPORT_SERIES, NotAppropriateReason, Outcome, ReportOfConcern
from coordinator.consultations.models import BookingLink, ConsultationBooking, ConsultationHours
from coordinator.minutes.models import (
    ActionItem, ActionItemStatus, Attendance, AttendanceStatus, Minutes, MinutesState,
)
from coordinator.org.functions import Function as F
from coordinator.org.models import District, Municipality, OrganiserType, Person, PersonFunction, School, Unit, UnitKind
from coordinator.planning.models import Answer, Invitation, Meeting, MeetingStatus
from coordinator.terms.models import Term

STOCKHOLM = ZoneInfo("Europe/Stockholm")
NOW = datetime(2027, 12, 10, 12, 0, tzinfo=STOCKHOLM)
PUBLISHED = datetime(2027, 8, 20, 10, 0, tzinfo=STOCKHOLM)
P, A, R = AttendanceStatus.PRESENT, AttendanceStatus.ABSENT, AttendanceStatus.REPRESENTED


def at(month: int, day: int, hour: int = 13, year: int = 2027) -> datetime:
    return datetime(year, month, day, hour, 0, tzinfo=STOCKHOLM)


@dataclass
class World:
    district: District
    lunda: District
    kvarn: District
    term: Term
    next_term: Term
    people: dict[str, Person] = field(default_factory=dict)
    schools: dict[str, School] = field(default_factory=dict)
    meetings: dict[str, Meeting] = field(default_factory=dict)
    forms: dict[str, MeetingForm] = field(default_factory=dict)


def build(session: Session) -> World:
    city = Municipality(code="0180", name="Stockholms stad")
    ekdal, lunda, kvarn = (District(municipality=city, code=c, name=n, is_active=True)
                           for c, n in (("EKDAL", "Ekdal"), ("LUNDA", "Lunda"), ("KVARN", "Kvarn")))
    term = Term(municipality=city, name="HT2027", starts_on=date(2027, 8, 19), ends_on=date(2027, 12, 21))
    next_term = Term(municipality=city, name="VT2028", starts_on=date(2028, 1, 10), ends_on=date(2028, 6, 12))
    session.add_all([city, ekdal, lunda, kvarn, term, next_term])
    session.flush()
    world = World(ekdal, lunda, kvarn, term, next_term)
    for name, kind, district, code in (
            ("Mossen", OrganiserType.MUNICIPAL, ekdal, "10000001"), ("Norra", OrganiserType.MUNICIPAL, ekdal, "10000002"),
            ("Ugglan", OrganiserType.INDEPENDENT, ekdal, "10000003"),
            ("Vinden", OrganiserType.INDEPENDENT, ekdal, "10000004"),
            ("Åsen", OrganiserType.INDEPENDENT, ekdal, "10000005"),
            ("Lundaskolan", OrganiserType.MUNICIPAL, lunda, "20000001"),
            ("Kvarnskolan", OrganiserType.INDEPENDENT, kvarn, "30000001")):
        world.schools[name] = School(name=name, unit_code=code, district=district, organiser_type=kind, is_active=True)
    admin = Unit(municipality_id=city.id, district=ekdal, kind=UnitKind.ADMINISTRATION, name="Ekdals ledning")
    ifo = Unit(municipality_id=city.id, district=ekdal, kind=UnitKind.SOCIAL_SERVICES, name="Ekdals IFO")
    session.add_all([*world.schools.values(), admin, ifo])

    def person(name: str, function: F, *, school: str | None = None, unit: Unit | None = None) -> Person:
        found = Person(municipality_id=city.id, district_id=ekdal.id, name=name, email=f"{name.split()[0].lower()}@ekdal.example",
                       school=world.schools[school] if school else None, unit=unit,
                       functions=[PersonFunction(function=function)])
        world.people[name] = found
        return found

    person("Dora Direktör", F.DISTRICT_DIRECTOR, unit=admin)
    person("Sara Kontakt", F.SOCIAL_SERVICES_CONTACT, unit=ifo)
    for name, school in (("Maja Mossen", "Mossen"), ("Nora Norra", "Norra"), ("Ulla Ugglan", "Ugglan"),
                         ("Vera Vinden", "Vinden")):
        person(name, F.PRINCIPAL, school=school)
    person("Nils Ersättare", F.DEPUTY_PRINCIPAL, school="Norra")
    person("Ivar Intag", F.INTAKE_GROUP, unit=ifo)
    session.add_all(world.people.values())
    session.flush()

    version = _agreement(session, city, ekdal, world)
    _lunda(session, city, lunda)
    _meetings(session, world, version)
    _reports(session, world, lunda)
    _consultations(session, world)
    session.commit()
    return world


def _form(version: AgreementVersion, position: int, kind: FormKind, name: str, scope: Scope, cadence: Cadence,
          required: tuple[F, ...], **policy: object) -> MeetingForm:
    form = MeetingForm(position=position, kind=kind, name=name, scope=scope, cadence=cadence, cadence_count=policy.pop(
        "count", 1), convener_function=F.DISTRICT_DIRECTOR, individual_cases=IndividualCases.NONE,
        functions=[MeetingFormFunction(function=f, is_required=True) for f in required], **policy)
    version.meeting_forms.append(form)
    return form


def _agreement(session: Session, city: Municipality, district: District, world: World) -> AgreementVersion:
    agreement = Agreement(municipality=city, district=district, title="Samverkan i Ekdal", created_at=at(5, 1))
    version = AgreementVersion(agreement=agreement, number=1, status=VersionStatus.ACTIVE, created_at=at(5, 1),
                               activated_at=at(6, 1), revision_due_on=date(2028, 6, 1),
                               contact_person=world.people["Sara Kontakt"])
    world.forms["F1"] = _form(version, 0, FormKind.OVERARCHING_FORUM, "Övergripande forum", Scope.DISTRICT,
                              Cadence.PER_TERM, (F.DISTRICT_DIRECTOR, F.PRINCIPAL), count=2, minutes_due_days=14,
                              requires_minutes=True, requires_approval=True, reports_to_committee=True)
    world.forms["F2"] = _form(version, 1, FormKind.STUDENT_HEALTH_CONFERENCE, "Elevhälsokonferens", Scope.PER_SCHOOL,
                              Cadence.PER_TERM, (F.PRINCIPAL,), minutes_due_days=7, requires_minutes=True,
                              requires_approval=False, reports_to_committee=False)
    world.forms["F3"] = _form(version, 2, FormKind.OTHER, "Nätverksträff", Scope.DISTRICT, Cadence.PER_TERM, (),
                              requires_minutes=False, requires_approval=False)
    world.forms["F4"] = _form(version, 3, FormKind.REPORT_MEETING, "Anmälningsmöte", Scope.PER_SCHOOL,
                              Cadence.ON_DEMAND, (F.SOCIAL_SERVICES_CONTACT,), requires_minutes=False,
                              requires_approval=False)
    for school, signed in (("Mossen", date(2027, 6, 1)), ("Norra", date(2027, 6, 1)), ("Ugglan", date(2027, 6, 1)),
                           ("Vinden", date(2027, 11, 15))):
        version.parties.append(Party(school=world.schools[school], signed_on=signed))
    session.add(agreement)
    session.flush()
    return version


def _lunda(session: Session, city: Municipality, district: District) -> None:
    agreement = Agreement(municipality=city, district=district, title="Samverkan i Lunda", created_at=at(5, 1))
    version = AgreementVersion(agreement=agreement, number=1, status=VersionStatus.ACTIVE, created_at=at(5, 1),
                               activated_at=at(6, 1), revision_due_on=date(2027, 11, 1))
    _form(version, 0, FormKind.CONSULTATION, "Konsultation", Scope.DISTRICT, Cadence.ON_DEMAND, (F.PRINCIPAL,))
    session.add(agreement)


def _meetings(session: Session, world: World, version: AgreementVersion) -> None:
    p, s = world.people, world.schools
    key = f"a{version.agreement_id}"

    def meeting(name: str, form: str, kind: str, starts: datetime, hours: float, *, school: str | None = None,
                status: MeetingStatus = MeetingStatus.SCHEDULED) -> Meeting:
        series = f"{key}:{kind}:1" + (f":s{s[school].id}" if school else "")
        found = Meeting(uid=f"{secrets.token_hex(8)}@test", meeting_form=world.forms[form], term=world.term,
                        series_key=series, district=world.district, school=s[school] if school else None,
                        starts_at=starts, ends_at=starts + timedelta(hours=hours), status=status, sequence=0,
                        created_at=at(8, 1), published_at=PUBLISHED)
        world.meetings[name] = found
        session.add(found)
        return found

    def invite(meeting: Meeting, name: str, function: F, school: str | None, answer: Answer = Answer.NEEDS_ACTION,
               days: int | None = None, via: str = "link", **extra: object) -> None:
        meeting.invitations.append(Invitation(
            person=p[name], function=function, school_id=s[school].id if school else None, answer=answer,
            answered_at=PUBLISHED + timedelta(days=days) if days is not None else None,
            answered_via=via if days is not None else None, **extra))

    m1 = meeting("m1", "F1", "overarching_forum", at(9, 15), 2)
    invite(m1, "Dora Direktör", F.DISTRICT_DIRECTOR, None, Answer.ACCEPTED, 1)
    invite(m1, "Maja Mossen", F.PRINCIPAL, "Mossen", Answer.ACCEPTED, 2, "calendar")
    invite(m1, "Nora Norra", F.PRINCIPAL, "Norra", Answer.DELEGATED, 3, delegated_to=p["Nils Ersättare"])
    invite(m1, "Nils Ersättare", F.PRINCIPAL, "Norra", Answer.ACCEPTED, 4, delegated_from=p["Nora Norra"])
    invite(m1, "Ulla Ugglan", F.PRINCIPAL, "Ugglan")
    m2 = meeting("m2", "F1", "overarching_forum", at(11, 20), 2)
    invite(m2, "Dora Direktör", F.DISTRICT_DIRECTOR, None, Answer.ACCEPTED, 1, "organiser")
    for name, school, days in (("Maja Mossen", "Mossen", 1), ("Nora Norra", "Norra", 5), ("Vera Vinden", "Vinden", 4)):
        invite(m2, name, F.PRINCIPAL, school, Answer.ACCEPTED, days)
    m3 = meeting("m3", "F1", "overarching_forum", at(10, 1), 2, status=MeetingStatus.CANCELLED)
    invite(m3, "Dora Direktör", F.DISTRICT_DIRECTOR, None)
    c1 = meeting("c1", "F2", "student_health_conference", at(10, 5, 9), 1, school="Mossen")
    invite(c1, "Maja Mossen", F.PRINCIPAL, "Mossen", Answer.ACCEPTED, 1)
    c2 = meeting("c2", "F2", "student_health_conference", at(10, 6, 9), 1, school="Norra")
    invite(c2, "Nora Norra", F.PRINCIPAL, "Norra")
    c3 = meeting("c3", "F2", "student_health_conference", at(12, 15, 9), 1, school="Ugglan")
    invite(c3, "Ulla Ugglan", F.PRINCIPAL, "Ugglan")
    n1 = meeting("n1", "F3", "other", at(9, 20), 1)
    invite(n1, "Dora Direktör", F.DISTRICT_DIRECTOR, None, Answer.ACCEPTED, 6)
    session.flush()

    def attend(meeting: Meeting, name: str, function: F, school: str | None, status: AttendanceStatus,
               deputy: str | None = None) -> None:
        session.add(Attendance(meeting_id=meeting.id, person_id=p[name].id, function=function,
                               school_id=s[school].id if school else None, status=status,
                               represented_by_id=p[deputy].id if deputy else None,
                               recorded_at=meeting.ends_at, recorded_by="test"))

    attend(m1, "Dora Direktör", F.DISTRICT_DIRECTOR, None, P)
    attend(m1, "Maja Mossen", F.PRINCIPAL, "Mossen", P)
    attend(m1, "Nora Norra", F.PRINCIPAL, "Norra", R, "Nils Ersättare")
    attend(m1, "Ulla Ugglan", F.PRINCIPAL, "Ugglan", A)
    attend(m2, "Dora Direktör", F.DISTRICT_DIRECTOR, None, P)
    for name, school in (("Maja Mossen", "Mossen"), ("Nora Norra", "Norra"), ("Vera Vinden", "Vinden")):
        attend(m2, name, F.PRINCIPAL, school, P)
    attend(c1, "Maja Mossen", F.PRINCIPAL, "Mossen", P)
    attend(n1, "Dora Direktör", F.DISTRICT_DIRECTOR, None, P)

    def minutes(meeting: Meeting, state: MinutesState, days: int, registered: datetime, approved: datetime | None = None,
                reported: datetime | None = None) -> None:
        session.add(Minutes(meeting=meeting, state=state, revision=1, content={}, created_at=registered,
                            created_by="test", updated_at=registered, updated_by="test",
                            registered_at=registered, approved_at=approved, reported_at=reported,
                            due_at=meeting.ends_at + timedelta(days=days), first_registered_at=registered,
                            first_approved_at=approved, first_reported_at=reported))

    minutes(m1, MinutesState.APPROVED, 14, at(9, 20), at(9, 25, 15))
    minutes(m2, MinutesState.REPORTED, 14, at(12, 6), at(12, 8, 15), at(12, 9, 15))
    minutes(c1, MinutesState.REGISTERED, 7, at(10, 8))

    def item(meeting: Meeting, text: str, due: date, status: ActionItemStatus = ActionItemStatus.OPEN,
             closed: date | None = None) -> None:
        session.add(ActionItem(meeting=meeting, series_key=meeting.series_key, text=text, owner=p["Dora Direktör"],
                               due_on=due, status=status, created_at=meeting.ends_at, created_by="test",
                               closed_at=at(closed.month, closed.day) if closed else None, closed_on=closed))

    item(m1, "A", date(2027, 10, 1), ActionItemStatus.DONE, date(2027, 9, 28))
    item(m1, "B", date(2027, 10, 15), ActionItemStatus.DONE, date(2027, 10, 20))
    item(m1, "C", date(2027, 11, 1))
    item(m1, "E", date(2027, 11, 1), ActionItemStatus.DROPPED, date(2027, 10, 2))
    item(m2, "D", date(2028, 1, 15))


def _reports(session: Session, world: World, lunda: District) -> None:
    p, s = world.people, world.schools

    def report(name: str, school: str, received: date, *, district: District | None = None,
               **facts: object) -> ReportOfConcern:
        found = ReportOfConcern(district=district or world.district, school=s[school], term=world.term,
                                received_on=received, deadline_on=received + timedelta(days=14),
                                case_reference=f"IFO {name}", reporter=p["Sara Kontakt"],
                                recorded_at=at(received.month, received.day, 9), recorded_by="test", **facts)
        session.add(found)
        session.flush()
        return found

    def meeting(found: ReportOfConcern, starts: datetime, invitee: str | None, answer: Answer = Answer.ACCEPTED,
                status: MeetingStatus = MeetingStatus.SCHEDULED) -> None:
        booked = Meeting(uid=f"{secrets.token_hex(8)}@test", meeting_form=world.forms["F4"], term=world.term,
                         series_key=f"{REPORT_SERIES}{found.id}", district=found.district, school=found.school,
                         starts_at=starts, ends_at=starts + timedelta(hours=1), status=status, sequence=0,
                         created_at=found.recorded_at, published_at=found.recorded_at,
                         invitations=[Invitation(person=p["Sara Kontakt"], function=F.SOCIAL_SERVICES_CONTACT,
                                                 answer=Answer.ACCEPTED, answered_at=found.recorded_at,
                                                 answered_via="link")])
        if invitee is not None:
            booked.invitations.append(Invitation(person=p[invitee], function=F.PRINCIPAL, school_id=found.school_id,
                                                 answer=answer, answered_at=found.recorded_at, answered_via="link"))
        found.meeting = booked
        found.first_booked_at = found.recorded_at

    def held(found: ReportOfConcern, day: date) -> None:
        found.outcome, found.held_on = Outcome.HELD, day
        found.outcome_at, found.outcome_by = at(day.month, day.day, 15), "test"

    r1 = report("r1", "Mossen", date(2027, 9, 6))
    meeting(r1, at(9, 14, 9), "Maja Mossen")
    held(r1, date(2027, 9, 14))
    r2 = report("r2", "Norra", date(2027, 10, 4), late_reason="Vårdnadshavarna kunde först efter den 18 oktober")
    meeting(r2, at(10, 22, 9), "Nora Norra")
    held(r2, date(2027, 10, 22))
    report("r3", "Ugglan", date(2027, 10, 11), outcome=Outcome.NOT_APPROPRIATE,
           not_appropriate_reason=NotAppropriateReason.ONGOING_INVESTIGATION, outcome_at=at(10, 12), outcome_by="test")
    r4 = report("r4", "Vinden", date(2027, 11, 1), outcome=Outcome.DECLINED, outcome_at=at(11, 5), outcome_by="test")
    meeting(r4, at(11, 10, 9), "Vera Vinden", Answer.DECLINED, MeetingStatus.CANCELLED)
    r5 = report("r5", "Ugglan", date(2027, 11, 29))
    meeting(r5, at(12, 3, 9), "Ulla Ugglan")
    held(r5, date(2027, 12, 3))
    report("r6", "Mossen", date(2027, 12, 6))
    report("r7", "Norra", date(2027, 9, 20), withdrawn_at=at(9, 21), withdrawn_by="test",
           withdrawal_reason="Registrerad av misstag")
    report("r8", "Lundaskolan", date(2027, 10, 1), district=lunda, first_booked_at=at(10, 2), outcome=Outcome.HELD,
           held_on=date(2027, 10, 8), outcome_at=at(10, 8, 15), outcome_by="test")


def _consultations(session: Session, world: World) -> None:
    hours = ConsultationHours(district=world.district, weekday=1, window_start=time(13), window_end=time(15),
                              slot_minutes=20, video_url="https://video.example/ekdal", starts_on=date(2027, 8, 19),
                              ends_on=date(2028, 6, 12), created_at=at(8, 1), created_by="test",
                              officers=[world.people["Ivar Intag"]])
    links = {name: BookingLink(school=world.schools[name], key=f"key-{name}", created_at=at(8, 1), created_by="test")
             for name in ("Mossen", "Norra", "Ugglan", "Vinden")}
    session.add_all([hours, *links.values()])
    session.flush()
    for school, starts, term, cancelled in (
            ("Mossen", at(9, 14), world.term, None), ("Mossen", at(10, 12), world.term, None),
            ("Mossen", at(9, 21), world.term, at(9, 20, 9)), ("Norra", at(11, 16), world.term, None),
            ("Ugglan", at(12, 14), world.term, None), ("Vinden", at(1, 18, 13, 2028), world.next_term, None)):
        session.add(ConsultationBooking(
            uid=f"{secrets.token_hex(8)}@test", hours=hours, district_id=world.district.id, term_id=term.id,
            school=world.schools[school], link_id=links[school].id, starts_at=starts, ends_at=starts + timedelta(minutes=20),
            booker_name="Bo Bokare", booker_email="bo@skola.example", matter="En elev i åk 8 är ofta borta.",
            cancel_key="k", booked_at=at(9, 1), cancelled_at=cancelled, cancelled_by="booker" if cancelled else None))
