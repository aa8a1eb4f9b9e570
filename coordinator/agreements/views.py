"""The agreement editor: agreements and versions, drafts edited, activation after a diff, the signed document.

Every page checks the permission on the agreement's owner (`require`: 404 outside one's
scope). Reading needs VIEW; changing needs EDIT and a draft, since an activated version
stays as it was signed. Views parse, call a service, commit, and redirect.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext as _
from sqlalchemy.orm import selectinload

from coordinator.agreements import services
from coordinator.agreements.defaults import default_form
from coordinator.agreements.diff import FieldChange, VersionDiff, describe, diff_versions
from coordinator.agreements.document import (
    FORM_KINDS, INDIVIDUAL_CASES, SCOPES, VERSION_STATUSES, build_document, cadence_text, minutes_text,
)
from coordinator.agreements.forms import (
    ActivateForm, HeaderForm, MeetingFormForm, NewAgreementForm, NewVersionForm, PartyForm,
)
from coordinator.agreements.models import (
    Agreement, AgreementVersion, FormKind, MeetingForm, Party, VersionStatus,
)
from coordinator.agreements.rules import RulesBroken
from coordinator.auth.access import require
from coordinator.auth.routes import DECIDE_AGREEMENT, KEEP_CITY, READ_CITY, READ_DISTRICT, permission
from coordinator.auth.models import User
from coordinator.auth.permissions import Action, allows
from coordinator.clock import utcnow
from coordinator.i18n import DomainError
from coordinator.org.functions import Function
from coordinator.org.models import District, Municipality, Person, School
from coordinator.web import db, settings

bp = Blueprint("agreements", __name__)


def _language() -> str:
    locale = get_locale()
    return locale.language if locale else "sv"


@bp.app_context_processor
def words() -> dict[str, Any]:
    """The agreement's codes in words for every page (the district page shows the agreement too),
    in the page's language."""
    language = _language()
    return {
        "kind_label": lambda kind: _(FORM_KINDS[kind]),
        "scope_label": lambda scope: _(SCOPES[scope]),
        "cases_label": lambda cases: _(INDIVIDUAL_CASES[cases]),
        "status_label": lambda status: _(VERSION_STATUSES[status]),
        "function_label": lambda function: Function(function).label(language),
        "cadence_words": lambda form: cadence_text(form.cadence, form.cadence_count, _),
        "minutes_words": lambda form: minutes_text(services.form_values(form), _, language),
        "language": language,
    }


# --- loading, with the permission check ---------------------------------------------------

def _district(code: str) -> District:
    district = db().scalars(sa.select(District).where(District.code == code)).one_or_none()
    if district is None:
        abort(404)
    return district


def _municipality(code: str) -> Municipality:
    municipality = db().scalars(sa.select(Municipality).where(Municipality.code == code)).one_or_none()
    if municipality is None:
        abort(404)
    return municipality


def _agreement(agreement_id: int, action: Action) -> tuple[Agreement, User]:
    agreement = db().get(Agreement, agreement_id)
    if agreement is None:
        abort(404)
    return agreement, require(action, agreement.district_id)


def _version(version_id: int, action: Action) -> tuple[AgreementVersion, User]:
    version = db().get(AgreementVersion, version_id)
    if version is None:
        abort(404)
    return version, require(action, version.agreement.district_id)


def _version_url(version: AgreementVersion, anchor: str | None = None) -> str:
    return url_for("agreements.version", version_id=version.id, _anchor=anchor)


def _read_only(version: AgreementVersion) -> Response | None:
    """A redirect back to the version, with why, when it is not a draft; None for a draft."""
    if version.status is VersionStatus.DRAFT:
        return None
    flash(_("Version %(number)s har aktiverats och kan inte ändras. Skapa en ny version för att ändra "
            "överenskommelsen.", number=version.number), "error")
    return redirect(_version_url(version))


def _domain_error(error: DomainError) -> str:
    return _(error.template, **error.params)


def _local_today() -> date:
    return utcnow().astimezone(ZoneInfo(settings().timezone)).date()


# --- an owner's agreements ------------------------------------------------------------------

def _agreements_of(condition: sa.ColumnElement[bool]) -> list[Agreement]:
    return list(db().scalars(
        sa.select(Agreement).where(condition).options(selectinload(Agreement.versions)).order_by(Agreement.title)
    ))


@bp.get("/districts/<code>/agreements")
@permission(READ_DISTRICT)
def district_agreements(code: str) -> str:
    """A district's agreements with their versions."""
    district = _district(code)
    user = require(Action.VIEW, district.id)
    agreements = _agreements_of(Agreement.district_id == district.id)
    return render_template(
        "agreements/list.html", owner=district.name, district=district, agreements=agreements,
        may_edit=allows(user, Action.EDIT_AGREEMENT, district.id),
        new_url=url_for(".new_district_agreement", code=code) if not agreements else None,
    )


@bp.get("/municipalities/<code>/agreements")
@permission(READ_CITY)
def city_agreements(code: str) -> str:
    """The city's own (city-level) agreements with their versions."""
    municipality = _municipality(code)
    user = require(Action.VIEW, None)
    agreements = _agreements_of(sa.and_(Agreement.municipality_id == municipality.id, Agreement.district_id.is_(None)))
    return render_template(
        "agreements/list.html", owner=municipality.name, district=None, agreements=agreements,
        may_edit=allows(user, Action.EDIT_AGREEMENT, None), new_url=url_for(".new_city_agreement", code=code),
    )


@bp.route("/districts/<code>/agreements/new", methods=["GET", "POST"])
@permission(DECIDE_AGREEMENT)
def new_district_agreement(code: str) -> str | Response:
    """Start the district's agreement: a title, then a first draft to fill in."""
    district = _district(code)
    user = require(Action.EDIT_AGREEMENT, district.id)
    existing = _agreements_of(Agreement.district_id == district.id)
    if existing:  # one agreement per district; it is revised in new versions
        flash(_("Stadsdelen har redan en överenskommelse. Ändra den i en ny version."), "info")
        return redirect(url_for(".agreement", agreement_id=existing[0].id))
    default_title = _("Lokal samverkansöverenskommelse skola–socialtjänst, %(district)s", district=district.name)
    return _new_agreement(district.municipality, district, user, default_title,
                          back_url=url_for(".district_agreements", code=code), owner=district.name)


@bp.route("/municipalities/<code>/agreements/new", methods=["GET", "POST"])
@permission(KEEP_CITY)
def new_city_agreement(code: str) -> str | Response:
    """Start a city-level agreement (a city-wide group)."""
    municipality = _municipality(code)
    user = require(Action.EDIT_AGREEMENT, None)
    return _new_agreement(municipality, None, user, "",
                          back_url=url_for(".city_agreements", code=code), owner=municipality.name)


def _new_agreement(municipality: Municipality, district: District | None, user: User, default_title: str,
                   *, back_url: str, owner: str) -> str | Response:
    form = NewAgreementForm(data={"title": default_title} if request.method == "GET" else None)
    if form.validate_on_submit():
        session, now = db(), utcnow()
        agreement = services.create_agreement(session, municipality=municipality, district=district,
                                              title=(form.title.data or "").strip(), actor=user.email, now=now)
        version = services.new_version(session, agreement, actor=user.email, now=now)
        session.commit()
        flash(_("Överenskommelsen är skapad som ett utkast. Fyll i uppgifterna, lägg till parter och "
                "mötesformer, och aktivera den sedan."), "success")
        return redirect(_version_url(version))
    return render_template("agreements/new_agreement.html", form=form, back_url=back_url, owner=owner)


# --- one agreement ------------------------------------------------------------------------------

@bp.get("/agreements/<int:agreement_id>")
@permission(READ_DISTRICT)
def agreement(agreement_id: int) -> str:
    """An agreement: its versions, newest first, and what may be done next."""
    agreement, user = _agreement(agreement_id, Action.VIEW)
    return render_template(
        "agreements/agreement.html", agreement=agreement, draft=services.draft_of(agreement),
        may_edit=allows(user, Action.EDIT_AGREEMENT, agreement.district_id),
    )


@bp.route("/agreements/<int:agreement_id>/versions/new", methods=["GET", "POST"])
@permission(DECIDE_AGREEMENT)
def new_version(agreement_id: int) -> str | Response:
    """Start a revision: a draft copied from the version in force (confirmed with a POST)."""
    agreement, user = _agreement(agreement_id, Action.EDIT_AGREEMENT)
    draft = services.draft_of(agreement)
    if draft is not None:
        flash(_("Det finns redan ett utkast, version %(number)s. Fortsätt med det.", number=draft.number), "info")
        return redirect(_version_url(draft))
    form = NewVersionForm()
    if form.validate_on_submit():
        session = db()
        try:
            version, _created = services.open_draft(session, agreement, revision_due_on=form.revision_due_on.data,
                                                    actor=user.email, now=utcnow())
        except RulesBroken as error:
            session.rollback()
            form.add_problems(error.problems)
        else:
            session.commit()
            flash(_("Version %(number)s är skapad som ett utkast. Den gällande versionen gäller tills du aktiverar "
                    "utkastet.", number=version.number), "success")
            return redirect(_version_url(version))
    source = agreement.active_version or (agreement.versions[-1] if agreement.versions else None)
    return render_template("agreements/new_version.html", agreement=agreement, source=source, form=form,
                           active=agreement.active_version)


# --- one version ----------------------------------------------------------------------------------

@bp.get("/agreements/versions/<int:version_id>")
@permission(READ_DISTRICT)
def version(version_id: int) -> str:
    """A version: header, parties, the schools not yet joined, meeting forms; editable when a draft."""
    version, user = _version(version_id, Action.VIEW)
    session = db()
    agreement = version.agreement
    may_edit = version.status is VersionStatus.DRAFT and allows(user, Action.EDIT_AGREEMENT, agreement.district_id)
    not_joined = services.joinable_schools(session, version) if not agreement.is_city_level else []
    return render_template(
        "agreements/version.html", version=version, agreement=agreement, may_edit=may_edit,
        may_revise=allows(user, Action.EDIT_AGREEMENT, agreement.district_id) and services.draft_of(agreement) is None,
        not_joined=not_joined, warnings=services.staffing_warnings(session, version),
        parties=sorted(version.parties, key=lambda p: p.school.name),
    )


def _person_label(person: Person, language: str) -> str:
    functions = ", ".join(f.function.label(language) for f in person.functions)
    label = f"{person.name} ({functions})" if functions else person.name
    return label if person.is_active else _("%(person)s – inte längre aktiv", person=label)


@bp.route("/agreements/versions/<int:version_id>/header", methods=["GET", "POST"])
@permission(DECIDE_AGREEMENT)
def edit_header(version_id: int) -> str | Response:
    """Change a draft's validity, revision date and social-services contact."""
    version, user = _version(version_id, Action.EDIT_AGREEMENT)
    if (redirected := _read_only(version)) is not None:
        return redirected
    session = db()
    people = services.contact_choices(session, version.agreement, keep=version.contact_person_id)
    data = None
    if request.method == "GET":
        data = {"valid_from_on": version.valid_from_on, "valid_to_on": version.valid_to_on,
                "revision_due_on": version.revision_due_on,
                "contact_person_id": str(version.contact_person_id or "")}
    form = HeaderForm(data=data, contacts=[(p.id, _person_label(p, _language())) for p in people])
    if form.validate_on_submit():
        try:
            changed = services.update_header(session, version, **form.values(), actor=user.email, now=utcnow())
        except RulesBroken as error:
            session.rollback()
            form.add_problems(error.problems)
        else:
            session.commit()
            flash(_("Uppgifterna är sparade.") if changed else _("Inget ändrades."), "success")
            return redirect(_version_url(version))
    return render_template("agreements/header.html", version=version, form=form)


@bp.route("/agreements/versions/<int:version_id>/parties/new", methods=["GET", "POST"])
@permission(DECIDE_AGREEMENT)
def add_party(version_id: int) -> str | Response:
    """Sign a school of the district on to a draft, with the date and who signed."""
    version, user = _version(version_id, Action.EDIT_AGREEMENT)
    if (redirected := _read_only(version)) is not None:
        return redirected
    session = db()
    schools = services.joinable_schools(session, version)
    city = version.agreement.is_city_level
    choices = [(s.id, _school_label(s, with_district=city)) for s in schools]
    data = {"school_id": request.args.get("school", "")} if request.method == "GET" else None
    form = PartyForm(data=data, schools=choices)
    if form.validate_on_submit():
        values = form.values()
        school = session.get_one(School, values["school_id"])
        try:
            services.add_draft_party(session, version, school, signed_on=values["signed_on"],
                                     signed_by=values["signed_by"], actor=user.email, now=utcnow())
        except DomainError as error:
            session.rollback()
            form.school_id.errors = [_domain_error(error)]
        else:
            session.commit()
            flash(_("%(school)s är part i version %(number)s.", school=school.name, number=version.number), "success")
            return redirect(_version_url(version, "parter"))
    return render_template("agreements/party.html", version=version, form=form, schools=schools)


def _school_label(school: School, *, with_district: bool) -> str:
    label = school.name
    if school.is_independent:
        label = _("%(school)s (fristående)", school=label)
    if with_district:
        label = f"{label}, {school.district.name}"
    return label


@bp.post("/agreements/versions/<int:version_id>/parties/<int:party_id>/remove")
@permission(DECIDE_AGREEMENT)
def remove_party(version_id: int, party_id: int) -> Response:
    """Take a school off a draft's parties."""
    version, user = _version(version_id, Action.EDIT_AGREEMENT)
    if (redirected := _read_only(version)) is not None:
        return redirected
    session = db()
    party = session.get(Party, party_id)
    if party is None or party.version_id != version.id:
        abort(404)
    name = party.school.name
    services.remove_party(session, party, actor=user.email, now=utcnow())
    session.commit()
    flash(_("%(school)s är inte längre part i utkastet.", school=name), "success")
    return redirect(_version_url(version, "parter"))


# --- meeting forms -----------------------------------------------------------------------------

def _meeting_form_form(version: AgreementVersion, data: dict[str, Any] | None = None) -> MeetingFormForm:
    session = db()
    groups = [(g.id, g.name) for g in services.school_groups(session, version.agreement)]
    return MeetingFormForm(data=data, context=services.form_context(session, version), groups=groups)


@bp.get("/agreements/versions/<int:version_id>/forms/new")
@permission(DECIDE_AGREEMENT)
def new_form(version_id: int) -> str | Response:
    """Choose the kind of a new meeting form; then its form, filled in with that kind's defaults."""
    version, _user = _version(version_id, Action.EDIT_AGREEMENT)
    if (redirected := _read_only(version)) is not None:
        return redirected
    kind = next((k for k in FormKind if k.value == request.args.get("kind")), None)
    if kind is None:
        kinds = [(k, default_form(k)) for k in FormKind]
        return render_template("agreements/choose_kind.html", version=version, kinds=kinds)
    form = _meeting_form_form(version, MeetingFormForm.data_from(default_form(kind)))
    return render_template("agreements/meeting_form.html", version=version, form=form, heading=_("Ny mötesform"),
                           action=url_for(".create_form", version_id=version.id))


@bp.post("/agreements/versions/<int:version_id>/forms/new")
@permission(DECIDE_AGREEMENT)
def create_form(version_id: int) -> str | Response:
    """Add the meeting form to the draft if it follows the rules; else show why, keeping what was typed."""
    version, user = _version(version_id, Action.EDIT_AGREEMENT)
    if (redirected := _read_only(version)) is not None:
        return redirected
    form = _meeting_form_form(version)
    if form.validate():
        session = db()
        try:
            added = services.add_meeting_form(session, version, form.values(), actor=user.email, now=utcnow())
        except RulesBroken as error:
            session.rollback()
            form.add_problems(error.problems)
        else:
            session.commit()
            flash(_("%(form)s är tillagd i utkastet.", form=added.name), "success")
            return redirect(_version_url(version, "motesformer"))
    return render_template("agreements/meeting_form.html", version=version, form=form, heading=_("Ny mötesform"),
                           action=url_for(".create_form", version_id=version.id))


def _meeting_form(version: AgreementVersion, form_id: int) -> MeetingForm:
    meeting_form = db().get(MeetingForm, form_id)
    if meeting_form is None or meeting_form.version_id != version.id:
        abort(404)
    return meeting_form


@bp.route("/agreements/versions/<int:version_id>/forms/<int:form_id>", methods=["GET", "POST"])
@permission(DECIDE_AGREEMENT)
def edit_form(version_id: int, form_id: int) -> str | Response:
    """Change every field of a draft's meeting form."""
    version, user = _version(version_id, Action.EDIT_AGREEMENT)
    if (redirected := _read_only(version)) is not None:
        return redirected
    meeting_form = _meeting_form(version, form_id)
    session = db()
    data = MeetingFormForm.data_from(services.meeting_form_values(meeting_form)) if request.method == "GET" else None
    form = _meeting_form_form(version, data)
    if request.method == "POST" and form.validate():
        try:
            changed = services.update_meeting_form(session, meeting_form, form.values(), actor=user.email,
                                                   now=utcnow())
        except RulesBroken as error:
            session.rollback()
            form.add_problems(error.problems)
        else:
            session.commit()
            flash(_("%(form)s är sparad.", form=meeting_form.name) if changed else _("Inget ändrades."), "success")
            return redirect(_version_url(version, "motesformer"))
    return render_template("agreements/meeting_form.html", version=version, form=form,
                           heading=_("Ändra mötesformen %(form)s", form=meeting_form.name),
                           action=url_for(".edit_form", version_id=version.id, form_id=meeting_form.id))


@bp.post("/agreements/versions/<int:version_id>/forms/<int:form_id>/remove")
@permission(DECIDE_AGREEMENT)
def remove_form(version_id: int, form_id: int) -> Response:
    """Take a meeting form out of a draft."""
    version, user = _version(version_id, Action.EDIT_AGREEMENT)
    if (redirected := _read_only(version)) is not None:
        return redirected
    meeting_form = _meeting_form(version, form_id)
    name = meeting_form.name
    session = db()
    services.remove_meeting_form(session, meeting_form, actor=user.email, now=utcnow())
    session.commit()
    flash(_("%(form)s är borttagen ur utkastet.", form=name), "success")
    return redirect(_version_url(version, "motesformer"))


# --- activation ----------------------------------------------------------------------------------

@bp.route("/agreements/versions/<int:version_id>/activate", methods=["GET", "POST"])
@permission(DECIDE_AGREEMENT)
def activate(version_id: int) -> str | Response:
    """Show what changes against the version in force; activate on confirmation."""
    version, user = _version(version_id, Action.EDIT_AGREEMENT)
    if (redirected := _read_only(version)) is not None:
        return redirected
    session = db()
    active = version.agreement.active_version
    compared_with = str(active.id) if active is not None else ""
    timezone = settings().timezone
    diff = diff_versions(services.version_values(active, timezone=timezone) if active is not None else None,
                         services.version_values(version, timezone=timezone))
    problems = services.activation_problems(session, version, now=utcnow(), language=_language())
    form = ActivateForm(data={"compared_with": compared_with} if request.method == "GET" else None)
    if form.validate_on_submit():
        if form.compared_with.data != compared_with:
            flash(_("Den gällande versionen har ändrats sedan du såg jämförelsen. Se den igen innan du "
                    "aktiverar."), "warning")
            return redirect(url_for(".activate", version_id=version.id))
        if not problems:
            services.activate_version(session, version, actor=user.email, now=utcnow())
            session.commit()
            if active is not None:
                flash(_("Version %(number)s gäller nu. Version %(previous)s är ersatt och går fortfarande att "
                        "läsa. Möten som redan är planerade ligger kvar.", number=version.number,
                        previous=active.number), "success")
            else:
                flash(_("Version %(number)s gäller nu.", number=version.number), "success")
            return redirect(_version_url(version))
    return render_template(
        "agreements/activate.html", version=version, active=active, form=form,
        problems=[(problem.form, problem.message.text(_)) for problem in problems],
        diff=_diff_in_words(diff),
    )


def _diff_in_words(diff: VersionDiff) -> dict[str, Any]:
    language = _language()

    def sentences(changes: tuple[FieldChange, ...]) -> list[str]:
        return [describe(change, _, language) for change in changes]

    return {
        "is_empty": diff.is_empty,
        "header": sentences(diff.header),
        "forms_added": [form.name for form in diff.forms_added],
        "forms_removed": [form.name for form in diff.forms_removed],
        "forms_changed": [(change.name, sentences(change.changes)) for change in diff.forms_changed],
        "parties_added": diff.parties_added,
        "parties_removed": diff.parties_removed,
        "parties_changed": [(change.school, sentences(change.changes)) for change in diff.parties_changed],
    }


# --- the document ------------------------------------------------------------------------------

def _document(version: AgreementVersion) -> Any:
    values = services.version_values(version, timezone=settings().timezone)
    return build_document(values, today=_local_today())  # in Swedish: the language of the signed document


@bp.get("/agreements/versions/<int:version_id>/document")
@permission(READ_DISTRICT)
def document(version_id: int) -> str:
    """The version as the document a district signs and publishes, ready to print."""
    version, _user = _version(version_id, Action.VIEW)
    return render_template("agreements/document.html", version=version, document=_document(version))


@bp.get("/agreements/versions/<int:version_id>/document.pdf")
@permission(READ_DISTRICT)
def document_pdf(version_id: int) -> Response:
    """The same document as a PDF."""
    version, _user = _version(version_id, Action.VIEW)
    from coordinator.agreements.pdf import render_pdf  # fpdf2 on the first PDF only: ~20 MB a worker need not carry

    pdf = render_pdf(_document(version))
    filename = f"{_slug(version.agreement.title)}-version-{version.number}.pdf"
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{filename}"'})


def _slug(text: str) -> str:
    """`text` as a file name: letters without their accents, anything else a single dash."""
    letters = "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "-", letters).strip("-")[:80].strip("-") or "overenskommelse"
