"""The demo's agreements, built through the agreement services: a first version, and revisions of it.

Each version is activated at the moment given (the demo with history passes the day it was
activated; without history, the moment the demo is loaded), so the audit trail and the follow-up's
"version in force" read as they would for real data.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from coordinator.agreements.models import Agreement, AgreementVersion
from coordinator.agreements.services import (
    activate_version, add_party, create_agreement, meeting_form_from_defaults, new_version,
)
from coordinator.demo.data import PEOPLE, AgreementData, VersionData
from coordinator.org.functions import Function
from coordinator.org.models import District, Municipality, Person, School

ACTOR = "demo"


@dataclass(frozen=True)
class Organisation:
    """The demo's organisation as stored, by the names its data uses."""
    municipality: Municipality
    districts: dict[str, District]   # by code
    schools: dict[str, School]       # by school-unit code
    people: dict[str, Person]        # by name


def found_agreement(session: Session, data: AgreementData, version: VersionData, org: Organisation,
                    at: datetime) -> Agreement:
    """The agreement with `version` as its first version, active from `at`; a district's schools its parties."""
    district = org.districts[data.district] if data.district else None
    agreement = create_agreement(session, municipality=org.municipality, district=district, title=data.title,
                                 actor=ACTOR, now=at)
    draft = new_version(session, agreement, actor=ACTOR, now=at)
    _dates(draft, version)
    draft.contact_person = org.people[data.contact]
    draft.meeting_forms = [meeting_form_from_defaults(kind, position=i, **changes)
                           for i, (kind, changes) in enumerate(data.forms)]
    if district is not None:
        principals = {p.school: p.name for p in PEOPLE if Function.PRINCIPAL in p.functions}
        for school in sorted((s for s in org.schools.values() if s.district_id == district.id), key=lambda s: s.name):
            add_party(session, draft, school, signed_on=version.signed_on,
                      signed_by=principals.get(school.unit_code), actor=ACTOR, now=at)
    activate_version(session, draft, actor=ACTOR, now=at)
    return agreement


def revise(session: Session, agreement: Agreement, version: VersionData, at: datetime) -> None:
    """A new version of the agreement with `version`'s dates, signed again by the same schools, active from `at`."""
    draft = new_version(session, agreement, revision_due_on=version.revision_due_on, actor=ACTOR, now=at)
    _dates(draft, version)
    for party in draft.parties:
        party.signed_on = version.signed_on
    activate_version(session, draft, actor=ACTOR, now=at)


def _dates(draft: AgreementVersion, version: VersionData) -> None:
    draft.valid_from_on = version.valid_from_on
    draft.valid_to_on = version.valid_to_on
    draft.revision_due_on = version.revision_due_on
