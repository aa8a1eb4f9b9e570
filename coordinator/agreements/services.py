"""Use cases of agreements: versions, parties, meeting forms, staffing and revision checks.

Services change the session, flush, and write audit events; the caller commits, so a
change and its audit trail land together or not at all. Broken rules raise `DomainError`
with a Swedish message template the UI translates.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from coordinator import audit
from coordinator.agreements.defaults import default_form
from coordinator.agreements.models import (
    Agreement, AgreementVersion, FormKind, MeetingForm, MeetingFormFunction, Party, Scope, VersionStatus,
)
from coordinator.agreements.staffing import FormNeeds, Holding, StaffingWarning, unstaffed_functions
from coordinator.i18n import N_, DomainError
from coordinator.org.functions import Function
from coordinator.org.models import (
    District, Municipality, Person, PersonFunction, School, SchoolGroup, Unit, UnitKind,
)


def create_agreement(
    session: Session, *, municipality: Municipality, district: District | None, title: str,
    actor: str, now: datetime,
) -> Agreement:
    """A new agreement of a district (or of the city when `district` is None), without versions yet."""
    agreement = Agreement(municipality=municipality, district=district, title=title, created_at=now)
    session.add(agreement)
    session.flush()
    audit.record(session, at=now, actor=actor, action="agreement.created", entity=agreement,
                 district_id=agreement.district_id, after={"title": title})
    return agreement


def new_version(session: Session, agreement: Agreement, *, actor: str, now: datetime) -> AgreementVersion:
    """A draft with the next number, copied from the active (or else the latest) version."""
    source = agreement.active_version or (agreement.versions[-1] if agreement.versions else None)
    number = max((v.number for v in agreement.versions), default=0) + 1
    draft = AgreementVersion(agreement=agreement, number=number, status=VersionStatus.DRAFT, created_at=now)
    session.add(draft)
    if source is not None:
        draft.valid_from_on = source.valid_from_on
        draft.valid_to_on = source.valid_to_on
        draft.revision_due_on = source.revision_due_on
        draft.contact_person_id = source.contact_person_id
        draft.parties = [Party(school_id=p.school_id, signed_on=p.signed_on, signed_by=p.signed_by)
                         for p in source.parties]
        draft.meeting_forms = [_copy_form(form) for form in source.meeting_forms]
    session.flush()
    audit.record(session, at=now, actor=actor, action="agreement_version.created", entity=draft,
                 district_id=agreement.district_id,
                 after={"number": number, "copied_from": source.number if source else None})
    return draft


def _copy_form(form: MeetingForm) -> MeetingForm:
    """A copy of every field of `form` and its functions, for another version."""
    skipped = {"id", "version_id"}
    values = {attr.key: getattr(form, attr.key)
              for attr in sa.inspect(MeetingForm).column_attrs if attr.key not in skipped}
    copy = MeetingForm(**values)
    copy.functions = [MeetingFormFunction(function=f.function, is_required=f.is_required) for f in form.functions]
    return copy


def meeting_form_from_defaults(kind: FormKind, *, position: int = 0, **changes: Any) -> MeetingForm:
    """A new meeting form of `kind` with the defaults of DOMAIN.md, `changes` applied on top."""
    values = {**default_form(kind), **changes}
    functions: dict[Function, bool] = values.pop("functions")
    form = MeetingForm(position=position, **values)
    form.functions = [MeetingFormFunction(function=f, is_required=required) for f, required in functions.items()]
    return form


def activate_version(
    session: Session, version: AgreementVersion, *, actor: str, now: datetime
) -> AgreementVersion:
    """Make a draft the agreement's active version; the one active until now becomes superseded."""
    if version.status is VersionStatus.ACTIVE:
        raise DomainError(N_("Versionen är redan aktiv."))
    if version.status is VersionStatus.SUPERSEDED:
        raise DomainError(N_("Version %(number)s är ersatt och kan inte aktiveras igen."), number=version.number)
    agreement = version.agreement
    previous = agreement.active_version
    if previous is not None:
        previous.status = VersionStatus.SUPERSEDED
        previous.superseded_at = now
        # flushed first: the database allows one active version per agreement at any moment
        session.flush()
        audit.record(session, at=now, actor=actor, action="agreement_version.superseded", entity=previous,
                     district_id=agreement.district_id,
                     before={"status": "active"}, after={"status": "superseded", "by_number": version.number})
    version.status = VersionStatus.ACTIVE
    version.activated_at = now
    session.flush()
    audit.record(session, at=now, actor=actor, action="agreement_version.activated", entity=version,
                 district_id=agreement.district_id, before={"status": "draft"},
                 after={"status": "active", "number": version.number,
                        "supersedes": previous.number if previous else None})
    return version


def add_party(
    session: Session, version: AgreementVersion, school: School, *, signed_on: date | None,
    signed_by: str | None, actor: str, now: datetime,
) -> Party:
    """Sign `school` on to `version` (a draft, or the active version a school joins later)."""
    agreement = version.agreement
    if version.status is VersionStatus.SUPERSEDED:
        raise DomainError(N_("Version %(number)s är ersatt och kan inte ändras."), number=version.number)
    if any(p.school_id == school.id for p in version.parties):
        raise DomainError(N_("%(school)s är redan part i version %(number)s."),
                          school=school.name, number=version.number)
    if not school.is_active:
        raise DomainError(N_("%(school)s är inte en aktiv skolenhet och kan inte bli part."), school=school.name)
    if agreement.district_id is not None and school.district_id != agreement.district_id:
        raise DomainError(N_("%(school)s hör till %(school_district)s och kan inte bli part i en "
                             "överenskommelse för %(district)s."),
                          school=school.name, school_district=school.district.name,
                          district=agreement.district.name if agreement.district else "")
    if agreement.district_id is None and school.district.municipality_id != agreement.municipality_id:
        raise DomainError(N_("%(school)s ligger inte i %(municipality)s."),
                          school=school.name, municipality=agreement.municipality.name)
    party = Party(school=school, signed_on=signed_on, signed_by=signed_by)
    version.parties.append(party)
    session.flush()
    audit.record(session, at=now, actor=actor, action="party.added", entity=party,
                 district_id=agreement.district_id,
                 after={"version": version.number, "school": school.unit_code,
                        "signed_on": signed_on.isoformat() if signed_on else None, "signed_by": signed_by})
    return party


def staffing_warnings(session: Session, version: AgreementVersion) -> list[StaffingWarning]:
    """Each required function of the version's meeting forms that nobody active holds where needed."""
    agreement = version.agreement
    party_schools = dict(session.execute(
        sa.select(School.id, School.name).join(Party, Party.school_id == School.id)
        .where(Party.version_id == version.id)
    ).all())
    meeting_forms = session.scalars(
        sa.select(MeetingForm)
        .where(MeetingForm.version_id == version.id)
        .order_by(MeetingForm.position, MeetingForm.id)
        .options(selectinload(MeetingForm.functions),
                 selectinload(MeetingForm.group).selectinload(SchoolGroup.schools))
    )
    forms = [
        FormNeeds(
            name=form.name, scope=form.scope, required=tuple(form.required_functions),
            group_school_ids=frozenset(s.id for s in form.group.schools)
            if form.scope is Scope.GROUP and form.group is not None else None,
        )
        for form in meeting_forms
    ]
    return unstaffed_functions(forms, district_id=agreement.district_id, party_schools=party_schools,
                               holdings=_holdings(session, agreement.municipality_id))


def _holdings(session: Session, municipality_id: int) -> list[Holding]:
    """Every function held by an active person of the municipality, with where it is held, in one query."""
    rows = session.execute(
        sa.select(
            PersonFunction.function,
            sa.func.coalesce(Person.district_id, School.district_id, Unit.district_id),
            Person.school_id,
            Unit.kind == UnitKind.POLICE,
        )
        .join(Person, PersonFunction.person_id == Person.id)
        .outerjoin(School, Person.school_id == School.id)
        .outerjoin(Unit, Person.unit_id == Unit.id)
        .where(
            Person.municipality_id == municipality_id,
            Person.is_active,
            # someone at a closed school or unit no longer serves there
            sa.or_(School.id.is_(None), School.is_active),
            sa.or_(Unit.id.is_(None), Unit.is_active),
        )
    )
    return [Holding(function, district_id, school_id, bool(is_police))
            for function, district_id, school_id, is_police in rows]


def revision_overdue(version: AgreementVersion, today: date) -> bool:
    """Whether the version is in force and its revision date has passed."""
    return version.status is VersionStatus.ACTIVE and version.is_revision_overdue(today)


def overdue_revisions(session: Session, today: date) -> list[AgreementVersion]:
    """Active agreement versions whose revision date has passed."""
    return list(session.scalars(
        sa.select(AgreementVersion)
        .where(AgreementVersion.status == VersionStatus.ACTIVE, AgreementVersion.revision_due_on < today)
        .order_by(AgreementVersion.revision_due_on)
    ))
