"""Use cases of agreements: versions, parties, meeting forms, staffing and revision checks.

Services change the session, flush, and write audit events; the caller commits, so a
change and its audit trail land together or not at all. Broken rules raise `DomainError`
with a Swedish message template the UI translates.
"""
from __future__ import annotations

import enum
from collections.abc import Collection
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from coordinator import audit
from coordinator.agreements import rules
from coordinator.agreements.defaults import default_form
from coordinator.agreements.document import Contact, FormValues, PartyValues, VersionValues
from coordinator.agreements.models import (
    Agreement, AgreementVersion, FormKind, MeetingForm, MeetingFormFunction, Party, Scope, VersionStatus,
)
from coordinator.agreements.staffing import FormNeeds, Holding, StaffingWarning, unstaffed_functions
from coordinator.i18n import N_, DomainError
from coordinator.terms.calendar import DEFAULT_TIMEZONE
from coordinator.org.functions import Function, Level
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


def new_version(session: Session, agreement: Agreement, *, revision_due_on: date | None = None, actor: str,
                now: datetime) -> AgreementVersion:
    """A draft with the next number, copied from the active (or else the latest) version.

    A revision of a version in force asks for its own next revision date, `revision_due_on`: later
    than the active version's and than today (`RulesBroken` otherwise). A first version may leave it
    for the header; every other field is copied.
    """
    source = agreement.active_version or (agreement.versions[-1] if agreement.versions else None)
    active = agreement.active_version
    problem = rules.check_next_revision(revision_due_on, current=active.revision_due_on if active else None,
                                        today=local_day(now), required=active is not None)
    if problem is not None:
        raise rules.RulesBroken({"revision_due_on": problem})
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
    if revision_due_on is not None:
        draft.revision_due_on = revision_due_on
    session.flush()
    audit.record(session, at=now, actor=actor, action="agreement_version.created", entity=draft,
                 district_id=agreement.district_id,
                 after={"number": number, "copied_from": source.number if source else None,
                        "revision_due_on": _json_safe(draft.revision_due_on)})
    return draft


def local_day(now: datetime) -> date:
    """The day of `now` in Stockholm, where the agreements' dates are kept."""
    return now.astimezone(ZoneInfo(DEFAULT_TIMEZONE)).date()


def current_revision_due_on(version: AgreementVersion) -> date | None:
    """The revision date of the version in force that `version` would replace (None for the version in force)."""
    active = version.agreement.active_version
    return active.revision_due_on if active is not None and active is not version else None


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
    # the version's forms as the caller loaded them (the district page loads them with their functions and groups'
    # schools for its table), else loaded here: not read a second time
    if "meeting_forms" in sa.inspect(version).unloaded:
        session.scalars(sa.select(AgreementVersion).where(AgreementVersion.id == version.id).options(
            selectinload(AgreementVersion.meeting_forms).options(
                selectinload(MeetingForm.functions), selectinload(MeetingForm.group).selectinload(SchoolGroup.schools))
        )).all()
    meeting_forms = sorted(version.meeting_forms, key=lambda form: (form.position, form.id))
    forms = [
        FormNeeds(
            name=form.name, scope=form.scope, required=tuple(form.required_functions),
            group_school_ids=frozenset(s.id for s in form.group.schools)
            if form.scope is Scope.GROUP and form.group is not None else None,
        )
        for form in meeting_forms
    ]
    return unstaffed_functions(forms, district_id=agreement.district_id, party_schools=party_schools,
                               holdings=_holdings(session, agreement.municipality_id,
                                                  {f for form in forms for f in form.required},
                                                  district_id=agreement.district_id, school_ids=set(party_schools)))


def _holdings(session: Session, municipality_id: int, functions: Collection[Function], *,
              district_id: int | None = None, school_ids: Collection[int] = ()) -> list[Holding]:
    """Every one of `functions` held by an active person of the municipality, where it is held, in one query (the
    others cannot staff anything: a city's district page read all 5,000 of them, 0.2 s). For a district's
    agreement (`district_id`) only the holdings that can staff it (`unstaffed_functions`' rule): in the district,
    at one of its party schools (`school_ids`), at city level, or a city-level function anywhere; and each place
    once, not once per person (a city district's page read 3,800 rows, 2,400 of them places, for some 300)."""
    if not functions:
        return []
    district_of = sa.func.coalesce(Person.district_id, School.district_id, Unit.district_id)
    where = [
        Person.municipality_id == municipality_id,
        PersonFunction.function.in_(sorted(functions, key=lambda f: f.value)),
        Person.is_active,
        # someone at a closed school or unit no longer serves there
        sa.or_(School.id.is_(None), School.is_active),
        sa.or_(Unit.id.is_(None), Unit.is_active),
    ]
    if district_id is not None:
        city_functions = sorted((f for f in functions if f.level is Level.CITY), key=lambda f: f.value)
        where.append(sa.or_(district_of == district_id, district_of.is_(None),
                            Person.school_id.in_(sorted(school_ids)), PersonFunction.function.in_(city_functions)))
    rows = session.execute(
        sa.select(PersonFunction.function, district_of, Person.school_id, Unit.kind == UnitKind.POLICE)
        .join(Person, PersonFunction.person_id == Person.id)
        .outerjoin(School, Person.school_id == School.id)
        .outerjoin(Unit, Person.unit_id == Unit.id)
        .where(*where)
        .distinct()
    )
    return [Holding(function, district, school_id, bool(is_police))
            for function, district, school_id, is_police in rows]


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


# --- the editor: drafts are edited, every change is audited with before and after -------------

def snapshot(row: Any, *, exclude: Collection[str] = ("id",)) -> dict[str, Any]:
    """The row's column values as JSON-safe values (enums by value, dates and times as ISO text)."""
    return {attr.key: _json_safe(getattr(row, attr.key))
            for attr in sa.inspect(type(row)).column_attrs if attr.key not in exclude}


def _json_safe(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (date, time, datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(_json_safe(k)): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_json_safe(v) for v in value]
    return value


def _changes(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the keys whose values differ, before and after."""
    keys = [key for key in after if before.get(key) != after[key]]
    return {key: before.get(key) for key in keys}, {key: after[key] for key in keys}


def require_draft(version: AgreementVersion) -> None:
    """Only a draft is edited; an activated version stays as it was signed."""
    if version.status is not VersionStatus.DRAFT:
        raise DomainError(N_("Version %(number)s har aktiverats och kan inte ändras. Skapa en ny version för "
                             "att ändra överenskommelsen."), number=version.number)


def draft_of(agreement: Agreement) -> AgreementVersion | None:
    """The agreement's draft being edited, if there is one (the newest)."""
    return next((v for v in reversed(agreement.versions) if v.status is VersionStatus.DRAFT), None)


def open_draft(session: Session, agreement: Agreement, *, revision_due_on: date | None = None, actor: str,
               now: datetime) -> tuple[AgreementVersion, bool]:
    """The draft to edit: the one already open, else a new copy of the active version with its next revision
    date; and whether it is new."""
    draft = draft_of(agreement)
    if draft is not None:
        return draft, False
    return new_version(session, agreement, revision_due_on=revision_due_on, actor=actor, now=now), True


def contact_choices(session: Session, agreement: Agreement, *, keep: int | None = None) -> list[Person]:
    """Who may be the social-services contact: active people of the district outside the schools
    (of the whole municipality for a city-level agreement), and `keep` (the current contact) anyway,
    so that saving the header never drops a contact the list would not offer today."""
    offered = [Person.municipality_id == agreement.municipality_id, Person.school_id.is_(None), Person.is_active]
    if agreement.district_id is not None:
        offered.append(Person.district_id == agreement.district_id)
    condition = sa.and_(*offered) if keep is None else sa.or_(sa.and_(*offered), Person.id == keep)
    return list(session.scalars(
        sa.select(Person).where(condition).options(selectinload(Person.functions)).order_by(Person.name)
    ))


HEADER_FIELDS = ("valid_from_on", "valid_to_on", "revision_due_on", "contact_person_id")


def update_header(
    session: Session, version: AgreementVersion, *, valid_from_on: date | None, valid_to_on: date | None,
    revision_due_on: date | None, contact_person_id: int | None, actor: str, now: datetime,
) -> bool:
    """Change a draft's validity, revision date and contact; whether anything changed."""
    require_draft(version)
    values = {"valid_from_on": valid_from_on, "valid_to_on": valid_to_on, "revision_due_on": revision_due_on,
              "contact_person_id": contact_person_id}
    contact_ids = {p.id for p in contact_choices(session, version.agreement, keep=version.contact_person_id)}
    problems = rules.check_header(values, contact_ids=contact_ids, today=local_day(now),
                                  current_revision_due_on=current_revision_due_on(version))
    if problems:
        raise rules.RulesBroken(problems)
    before = {name: _json_safe(getattr(version, name)) for name in HEADER_FIELDS}
    for name, value in values.items():
        setattr(version, name, value)
    after = {name: _json_safe(getattr(version, name)) for name in HEADER_FIELDS}
    before, after = _changes(before, after)
    if not after:
        return False
    session.flush()
    audit.record(session, at=now, actor=actor, action="agreement_version.updated", entity=version,
                 district_id=version.agreement.district_id, before={"number": version.number, **before},
                 after={"number": version.number, **after})
    return True


def joinable_schools(session: Session, version: AgreementVersion) -> list[School]:
    """Active schools that may still sign on to `version`: the district's (the municipality's for the city)."""
    agreement = version.agreement
    joined = {p.school_id for p in version.parties}
    query = sa.select(School).join(School.district).where(School.is_active)
    if agreement.district_id is not None:
        query = query.where(School.district_id == agreement.district_id)
    else:
        query = query.where(District.municipality_id == agreement.municipality_id)
    return [s for s in session.scalars(query.order_by(School.name)) if s.id not in joined]


def add_draft_party(
    session: Session, version: AgreementVersion, school: School, *, signed_on: date | None,
    signed_by: str | None, actor: str, now: datetime,
) -> Party:
    """Sign `school` on to a draft (the editor changes drafts only)."""
    require_draft(version)
    return add_party(session, version, school, signed_on=signed_on, signed_by=signed_by, actor=actor, now=now)


def remove_party(session: Session, party: Party, *, actor: str, now: datetime) -> None:
    """Take a school off a draft's parties."""
    version = party.version
    require_draft(version)
    before = {"version": version.number, "school": party.school.unit_code, "school_name": party.school.name,
              **snapshot(party, exclude=("id", "version_id"))}
    version.parties.remove(party)
    session.flush()
    audit.record(session, at=now, actor=actor, action="party.removed", entity=party,
                 district_id=version.agreement.district_id, before=before)


FORM_KEYS = tuple(attr.key for attr in sa.inspect(MeetingForm).column_attrs
                  if attr.key not in ("id", "version_id", "position"))


def meeting_form_values(form: MeetingForm) -> dict[str, Any]:
    """A stored meeting form in the shape of `default_form(kind)`: its fields and `functions`."""
    values = {key: getattr(form, key) for key in FORM_KEYS}
    values["functions"] = {f.function: f.is_required for f in form.functions}
    return values


def school_groups(session: Session, agreement: Agreement) -> list[SchoolGroup]:
    """The school groups a meeting form of `agreement` may name."""
    query = sa.select(SchoolGroup).order_by(SchoolGroup.name)
    if agreement.district_id is not None:
        query = query.where(SchoolGroup.district_id == agreement.district_id)
    else:
        query = query.join(District, SchoolGroup.district_id == District.id).where(
            District.municipality_id == agreement.municipality_id)
    return list(session.scalars(query))


def form_context(session: Session, version: AgreementVersion) -> rules.FormContext:
    """What the meeting-form rules need to know of `version`."""
    groups = school_groups(session, version.agreement)
    return rules.FormContext(
        party_count=len(version.parties),
        group_ids=frozenset(g.id for g in groups),
        is_city_level=version.agreement.is_city_level,
        bus_group_ids=frozenset(g.id for g in groups if g.is_bus),
    )


def _checked_form_values(session: Session, version: AgreementVersion, values: dict[str, Any]) -> dict[str, Any]:
    values = rules.normalise_form_values(values)
    problems = rules.check_meeting_form(values, form_context(session, version))
    if problems:
        raise rules.RulesBroken(problems)
    return values


def _form_snapshot(form: MeetingForm) -> dict[str, Any]:
    return {**snapshot(form, exclude=("id", "version_id")),
            "functions": {f.function.value: f.is_required for f in form.functions}}


def add_meeting_form(
    session: Session, version: AgreementVersion, values: dict[str, Any], *, actor: str, now: datetime,
) -> MeetingForm:
    """A new meeting form on a draft, last in order; `values` in the shape of `default_form(kind)`."""
    require_draft(version)
    values = _checked_form_values(session, version, values)
    position = max((f.position for f in version.meeting_forms), default=-1) + 1
    changes = {key: value for key, value in values.items() if key != "kind"}
    form = meeting_form_from_defaults(values["kind"], position=position, **changes)
    version.meeting_forms.append(form)
    session.flush()
    audit.record(session, at=now, actor=actor, action="meeting_form.added", entity=form,
                 district_id=version.agreement.district_id,
                 after={"version": version.number, **_form_snapshot(form)})
    return form


def update_meeting_form(
    session: Session, form: MeetingForm, values: dict[str, Any], *, actor: str, now: datetime,
) -> bool:
    """Change a draft's meeting form to `values` (the shape of `default_form`); whether anything changed."""
    version = form.version
    require_draft(version)
    values = _checked_form_values(session, version, values)
    before = _form_snapshot(form)
    for key in FORM_KEYS:
        if key in values:
            setattr(form, key, values[key])
    if "functions" in values:
        wanted: dict[Function, bool] = values["functions"]
        # changed in place: removing and re-adding a function would clash on its primary key
        for held in list(form.functions):
            if held.function in wanted:
                held.is_required = wanted[held.function]
            else:
                form.functions.remove(held)
        present = {held.function for held in form.functions}
        form.functions.extend(MeetingFormFunction(function=f, is_required=required)
                              for f, required in wanted.items() if f not in present)
    session.flush()
    before, after = _changes(before, _form_snapshot(form))
    if not after:
        return False
    audit.record(session, at=now, actor=actor, action="meeting_form.updated", entity=form,
                 district_id=version.agreement.district_id,
                 before={"version": version.number, "name": form.name, **before},
                 after={"version": version.number, "name": form.name, **after})
    return True


def remove_meeting_form(session: Session, form: MeetingForm, *, actor: str, now: datetime) -> None:
    """Take a meeting form out of a draft."""
    version = form.version
    require_draft(version)
    before = {"version": version.number, **_form_snapshot(form)}
    version.meeting_forms.remove(form)
    session.flush()
    audit.record(session, at=now, actor=actor, action="meeting_form.removed", entity=form,
                 district_id=version.agreement.district_id, before=before)


def activation_problems(session: Session, version: AgreementVersion, *, now: datetime,
                        language: str = "sv") -> list[rules.ActivationProblem]:
    """What stops `version` from coming into force at `now`; empty when it may be activated."""
    header = {name: getattr(version, name) for name in HEADER_FIELDS}
    contact_ids = {p.id for p in contact_choices(session, version.agreement)}
    problems = rules.check_activation(
        header, [(f.name, meeting_form_values(f)) for f in version.meeting_forms],
        form_context(session, version), contact_ids=contact_ids, language=language, today=local_day(now),
        current_revision_due_on=current_revision_due_on(version),
    )
    if version.contact_person is not None and not version.contact_person.is_active:
        problems = [p for p in problems if p.message.template != rules.CONTACT_NOT_LISTED]
        problems.insert(0, rules.ActivationProblem(rules.Message(
            N_("Kontakten %(name)s är inte längre aktiv. Välj en ny kontakt i socialtjänsten."),
            {"name": version.contact_person.name})))
    return problems


# --- plain values, for the diff and the document ---------------------------------------------

_CATALOGUE_ORDER = {function: i for i, function in enumerate(Function)}


def version_values(version: AgreementVersion, *, timezone: str) -> VersionValues:
    """A version as plain values (what the diff compares and the document shows)."""
    agreement = version.agreement
    zone = ZoneInfo(timezone)
    contact = version.contact_person
    return VersionValues(
        title=agreement.title,
        owner=agreement.district.name if agreement.district is not None else agreement.municipality.name,
        municipality=agreement.municipality.name,
        is_city_level=agreement.is_city_level,
        number=version.number,
        status=version.status,
        valid_from_on=version.valid_from_on,
        valid_to_on=version.valid_to_on,
        revision_due_on=version.revision_due_on,
        contact=Contact(contact.id, contact.name, contact.email, contact.phone) if contact is not None else None,
        activated_on=version.activated_at.astimezone(zone).date() if version.activated_at else None,
        superseded_on=version.superseded_at.astimezone(zone).date() if version.superseded_at else None,
        parties=tuple(
            PartyValues(p.school_id, p.school.name, p.school.is_independent, p.school.organiser_name,
                        p.signed_on, p.signed_by)
            for p in version.parties
        ),
        forms=tuple(form_values(form) for form in version.meeting_forms),
    )


def form_values(form: MeetingForm) -> FormValues:
    functions = sorted(form.functions, key=lambda f: _CATALOGUE_ORDER[f.function])
    fields = {key: getattr(form, key) for key in FORM_KEYS if key != "group_id"}
    return FormValues(
        **fields,
        group=form.group.name if form.group is not None else None,
        invited=tuple(f.function for f in functions),
        required=tuple(f.function for f in functions if f.is_required),
    )
