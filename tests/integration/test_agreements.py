"""Agreement rules on both databases: versions, parties, copying, staffing, overdue revisions."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from coordinator.agreements.models import Agreement, AgreementVersion, FormKind, VersionStatus
from coordinator.agreements.services import (
    activate_version, add_party, create_agreement, meeting_form_from_defaults, new_version,
    overdue_revisions, revision_overdue, staffing_warnings, update_header,
)
from coordinator.agreements.rules import RulesBroken
from coordinator.audit import AuditEvent
from coordinator.i18n import DomainError
from coordinator.org.functions import Function as F
from coordinator.org.models import (
    District, Municipality, OrganiserType, Person, PersonFunction, School, Unit, UnitKind,
)

NOW = datetime(2027, 8, 2, 9, 0, tzinfo=timezone.utc)
NEXT_REVISION = date(2028, 6, 30)
ACTOR = "director@norrviken.example"


@dataclass
class World:
    municipality: Municipality
    north: District
    south: District
    alm: School
    bjork: School
    soder_school: School
    agreement: Agreement


def make_school(district: District, code: str, name: str,
                organiser_type: OrganiserType = OrganiserType.MUNICIPAL) -> School:
    return School(unit_code=code, name=name, district=district, organiser_type=organiser_type, school_forms=["GR"])


def make_person(municipality: Municipality, email: str, *functions: F, **place) -> Person:
    person = Person(municipality_id=municipality.id, name=email.split("@")[0], email=email, **place)
    person.functions = [PersonFunction(function=f) for f in functions]
    return person


@pytest.fixture
def world(session) -> World:
    city = Municipality(code="0180", name="Stockholms stad")
    north = District(municipality=city, code="NORRVIKEN", name="Norrviken")
    south = District(municipality=city, code="SODERBY", name="Söderby")
    alm = make_school(north, "99000001", "Almskolan")
    bjork = make_school(north, "99000002", "Björkskolan", organiser_type=OrganiserType.INDEPENDENT)
    soder_school = make_school(south, "99000003", "Söderskolan")
    session.add_all([city, north, south, alm, bjork, soder_school])
    session.flush()
    agreement = create_agreement(session, municipality=city, district=north,
                                 title="Samverkansöverenskommelse Norrviken", actor=ACTOR, now=NOW)
    return World(city, north, south, alm, bjork, soder_school, agreement)


def draft_with_forms(session, world: World, *kinds: FormKind) -> AgreementVersion:
    draft = new_version(session, world.agreement, actor=ACTOR, now=NOW)
    draft.meeting_forms = [meeting_form_from_defaults(kind, position=i) for i, kind in enumerate(kinds)]
    session.flush()
    return draft


def test_activating_a_draft_supersedes_the_active_version(session, world):
    first = draft_with_forms(session, world, FormKind.OVERARCHING_FORUM)
    activate_version(session, first, actor=ACTOR, now=NOW)
    second = new_version(session, world.agreement, revision_due_on=NEXT_REVISION, actor=ACTOR, now=NOW)
    later = NOW + timedelta(days=30)

    activate_version(session, second, actor=ACTOR, now=later)
    session.commit()
    session.expire_all()

    assert first.status is VersionStatus.SUPERSEDED and first.superseded_at == later
    assert second.status is VersionStatus.ACTIVE and second.activated_at == later
    assert world.agreement.active_version is second
    actions = session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-2:] == ["agreement_version.superseded", "agreement_version.activated"]


def test_the_database_refuses_two_active_versions_of_one_agreement(session, world):
    first = draft_with_forms(session, world)
    activate_version(session, first, actor=ACTOR, now=NOW)
    session.commit()
    # bypass the service: the partial unique index is the last line of defence
    session.add(AgreementVersion(agreement=world.agreement, number=2, status=VersionStatus.ACTIVE, created_at=NOW))

    with pytest.raises(sa.exc.IntegrityError):
        session.flush()
    session.rollback()


@pytest.mark.parametrize("status, message", [
    (VersionStatus.ACTIVE, "Versionen är redan aktiv."),
    (VersionStatus.SUPERSEDED, "Version 1 är ersatt och kan inte aktiveras igen."),
])
def test_only_a_draft_can_be_activated(session, world, status, message):
    version = draft_with_forms(session, world)
    version.status = status

    with pytest.raises(DomainError) as raised:
        activate_version(session, version, actor=ACTOR, now=NOW)

    assert str(raised.value) == message


def test_a_school_is_a_party_once_per_version(session, world):
    draft = draft_with_forms(session, world)
    add_party(session, draft, world.alm, signed_on=date(2027, 6, 1), signed_by="Rektor Alm", actor=ACTOR, now=NOW)

    with pytest.raises(DomainError) as raised:
        add_party(session, draft, world.alm, signed_on=None, signed_by=None, actor=ACTOR, now=NOW)

    assert str(raised.value) == "Almskolan är redan part i version 1."
    assert raised.value.template == "%(school)s är redan part i version %(number)s."
    assert [p.school for p in draft.parties] == [world.alm]


def test_a_school_of_another_district_is_refused(session, world):
    draft = draft_with_forms(session, world)

    with pytest.raises(DomainError) as raised:
        add_party(session, draft, world.soder_school, signed_on=None, signed_by=None, actor=ACTOR, now=NOW)

    assert str(raised.value) == ("Söderskolan hör till Söderby och kan inte bli part i en "
                                 "överenskommelse för Norrviken.")


def test_an_inactive_school_is_refused(session, world):
    draft = draft_with_forms(session, world)
    world.bjork.is_active = False

    with pytest.raises(DomainError, match="Björkskolan är inte en aktiv skolenhet"):
        add_party(session, draft, world.bjork, signed_on=None, signed_by=None, actor=ACTOR, now=NOW)


def test_a_city_level_agreement_takes_schools_of_any_district(session, world):
    city_agreement = create_agreement(session, municipality=world.municipality, district=None,
                                      title="Styrgrupp skolsociala team", actor=ACTOR, now=NOW)
    draft = new_version(session, city_agreement, actor=ACTOR, now=NOW)

    add_party(session, draft, world.alm, signed_on=None, signed_by=None, actor=ACTOR, now=NOW)
    add_party(session, draft, world.soder_school, signed_on=None, signed_by=None, actor=ACTOR, now=NOW)

    assert {p.school.name for p in draft.parties} == {"Almskolan", "Söderskolan"}


def test_a_superseded_version_takes_no_new_parties(session, world):
    first = draft_with_forms(session, world)
    activate_version(session, first, actor=ACTOR, now=NOW)
    activate_version(session, new_version(session, world.agreement, revision_due_on=NEXT_REVISION, actor=ACTOR,
                                          now=NOW), actor=ACTOR, now=NOW)

    with pytest.raises(DomainError, match="ersatt och kan inte ändras"):
        add_party(session, first, world.alm, signed_on=None, signed_by=None, actor=ACTOR, now=NOW)


def test_a_new_version_copies_forms_with_every_field_and_parties(session, world):
    first = draft_with_forms(session, world, FormKind.OVERARCHING_FORUM, FormKind.STUDENT_HEALTH_CONFERENCE)
    first.revision_due_on = date(2028, 5, 31)
    first.meeting_forms[0].preferred_weekday = 1
    first.meeting_forms[0].place = "Stadsdelshuset, sal 3"
    add_party(session, first, world.alm, signed_on=date(2027, 6, 1), signed_by="Rektor Alm", actor=ACTOR, now=NOW)
    activate_version(session, first, actor=ACTOR, now=NOW)
    session.commit()

    second = new_version(session, world.agreement, revision_due_on=date(2029, 5, 31), actor=ACTOR, now=NOW)
    session.commit()
    session.expire_all()

    assert (second.number, second.status) == (2, VersionStatus.DRAFT)
    assert second.revision_due_on == date(2029, 5, 31)  # asked for, not copied
    assert [(p.school_id, p.signed_on, p.signed_by) for p in second.parties] == [
        (world.alm.id, date(2027, 6, 1), "Rektor Alm")]
    assert len(second.meeting_forms) == 2
    for old, new in zip(first.meeting_forms, second.meeting_forms):
        assert new.id != old.id and new.version_id == second.id
        assert _fields(new) == _fields(old)
        assert [(f.function, f.is_required) for f in new.functions] == [
            (f.function, f.is_required) for f in old.functions]
    assert first.status is VersionStatus.ACTIVE  # the copy changes nothing until it is activated


def _fields(form) -> dict:
    return {a.key: getattr(form, a.key) for a in sa.inspect(type(form)).column_attrs
            if a.key not in ("id", "version_id")}


def test_a_revision_asks_for_a_next_revision_date_later_than_the_current_one_and_today(session, world):
    first = draft_with_forms(session, world, FormKind.OVERARCHING_FORUM)
    first.revision_due_on = date(2028, 5, 31)
    activate_version(session, first, actor=ACTOR, now=NOW)
    session.commit()
    refusals = {
        None: "Ange när den nya versionen ska revideras senast.",
        date(2028, 5, 31): "Nästa revision måste vara senare än den gällande versionens, 2028-05-31.",
        date(2027, 12, 31): "Nästa revision måste vara senare än den gällande versionens, 2028-05-31.",
    }
    for revision, message in refusals.items():
        with pytest.raises(RulesBroken) as refused:
            new_version(session, world.agreement, revision_due_on=revision, actor=ACTOR, now=NOW)
        session.rollback()
        assert str(refused.value.problems["revision_due_on"]) == message
    assert [v.number for v in world.agreement.versions] == [1]
    # the version in force is overdue: the next revision must still lie ahead
    with pytest.raises(RulesBroken, match="efter i dag"):
        new_version(session, world.agreement, revision_due_on=date(2028, 6, 1), actor=ACTOR,
                    now=datetime(2028, 7, 1, 9, 0, tzinfo=timezone.utc))
    session.rollback()

    draft = new_version(session, world.agreement, revision_due_on=date(2028, 6, 1), actor=ACTOR, now=NOW)
    session.commit()
    assert draft.revision_due_on == date(2028, 6, 1)
    event = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "agreement_version.created")
                            .order_by(AuditEvent.id.desc())).first()
    assert event.after["revision_due_on"] == "2028-06-01"


def test_a_drafts_header_keeps_the_revision_rule(session, world):
    first = draft_with_forms(session, world, FormKind.OVERARCHING_FORUM)
    first.revision_due_on = date(2028, 5, 31)
    activate_version(session, first, actor=ACTOR, now=NOW)
    draft = new_version(session, world.agreement, revision_due_on=NEXT_REVISION, actor=ACTOR, now=NOW)
    session.commit()

    with pytest.raises(RulesBroken, match="senare än den gällande versionens, 2028-05-31"):
        update_header(session, draft, valid_from_on=None, valid_to_on=None, revision_due_on=date(2028, 1, 1),
                      contact_person_id=None, actor=ACTOR, now=NOW)
    session.rollback()
    assert draft.revision_due_on == NEXT_REVISION


def test_the_first_version_of_a_new_agreement_is_an_empty_draft(session, world):
    draft = new_version(session, world.agreement, actor=ACTOR, now=NOW)

    assert (draft.number, draft.status, draft.parties, draft.meeting_forms) == (1, VersionStatus.DRAFT, [], [])


def test_an_unstaffed_required_function_is_reported_by_name(session, world):
    police = Unit(municipality_id=world.municipality.id, district=world.north, kind=UnitKind.POLICE,
                  name="Lokalpolisområde Norrviken")
    session.add_all([
        police,
        make_person(world.municipality, "dir@n.example", F.DISTRICT_DIRECTOR, district_id=world.north.id),
        make_person(world.municipality, "ifo@n.example", F.HEAD_OF_IFO, district_id=world.north.id),
        make_person(world.municipality, "pre@n.example", F.HEAD_OF_PRESCHOOL, district_id=world.north.id),
        # head of leisure works in the other district: does not count for Norrviken
        make_person(world.municipality, "fri@s.example", F.HEAD_OF_LEISURE, district_id=world.south.id),
        make_person(world.municipality, "chief@city.example", F.DEPUTY_SCHOOL_CHIEF),
        make_person(world.municipality, "alm@n.example", F.PRINCIPAL, school=world.alm),
        make_person(world.municipality, "gone@n.example", F.PRINCIPAL, school=world.bjork, is_active=False),
        make_person(world.municipality, "polis@n.example", F.POLICE_CONTACT, unit=police),
    ])
    draft = draft_with_forms(session, world, FormKind.OVERARCHING_FORUM, FormKind.STAFF_MEETING_VISIT)
    for school in (world.alm, world.bjork):
        add_party(session, draft, school, signed_on=None, signed_by=None, actor=ACTOR, now=NOW)
    session.commit()

    warnings = staffing_warnings(session, draft)

    assert [(w.code, w.form_name, w.function, w.school) for w in warnings] == [
        ("unstaffed_function", "Övergripande samverkansforum", F.HEAD_OF_LEISURE, None),
        ("unstaffed_function", "Socialtjänsten besöker skolans APT", F.SOCIAL_SERVICES_CONTACT, None),
        # the only principal of Björkskolan has left
        ("unstaffed_function", "Socialtjänsten besöker skolans APT", F.PRINCIPAL, "Björkskolan"),
    ]
    assert warnings[0].message() == ("Ingen aktiv person har funktionen avdelningschef fritid "
                                     "för Övergripande samverkansforum.")


def test_an_overdue_revision_is_flagged_and_found(session, world):
    version = draft_with_forms(session, world)
    version.revision_due_on = date(2027, 6, 30)
    activate_version(session, version, actor=ACTOR, now=NOW)
    draft = new_version(session, world.agreement, revision_due_on=NEXT_REVISION, actor=ACTOR, now=NOW)
    draft.revision_due_on = date(2027, 6, 30)  # a draft left lying since before the rule: still not in force
    session.commit()

    assert revision_overdue(version, date(2027, 7, 1)) and version.is_revision_overdue(date(2027, 7, 1))
    assert not revision_overdue(version, date(2027, 6, 30))
    assert not revision_overdue(draft, date(2027, 7, 1))
    assert overdue_revisions(session, date(2027, 7, 1)) == [version]
    assert overdue_revisions(session, date(2027, 6, 30)) == []
