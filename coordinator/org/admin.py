"""Pages where a district's administrators keep its schools, units and people current, and import files.

Thin views: parse the form, call `coordinator.org.services`, put the services' problems back on
the form's fields, commit, redirect. Anyone who may view the district sees the lists and each
record (read-only, with its history); only those who may edit it get forms and buttons, and a
POST from anyone else is a 404, as is every page of another district.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import PurePath
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from coordinator.audit import AuditEvent
from coordinator.auth.access import require
from coordinator.auth.routes import KEEP_DISTRICT, READ_DISTRICT, permission
from coordinator.auth.models import User
from coordinator.auth.permissions import Action, allows
from coordinator.clock import utcnow
from coordinator.org import services
from coordinator.org.forms import (
    LANGUAGE_LABELS,
    ConfirmForm,
    PersonRecordForm,
    PersonSearchForm,
    SchoolRecordForm,
    SchoolSearchForm,
    UnitRecordForm,
    UploadForm,
    active_value,
)
from coordinator.org.functions import Function
from coordinator.org.columns import PERSON_COLUMNS, SCHOOL_COLUMNS
from coordinator.org.importers import read_people, read_schools
from coordinator.org.imports import ImportFailed, ImportResult
from coordinator.org.labels import (
    ORGANISER_TYPE_LABELS,
    UNIT_KIND_LABELS,
    school_form_label,
)
from coordinator.org.models import (
    District,
    Language,
    OrganiserType,
    Person,
    UnitKind,
)
from coordinator.org.tables import ImportProblem
from coordinator.pagination import paginate
from coordinator.web import db, requested_page

bp = Blueprint("org_admin", __name__)


def _language() -> str:
    locale = get_locale()
    return locale.language if locale else "sv"


def _save(form: Any, change: Callable[[Session], Any]) -> tuple[bool, Any]:
    """Run a service change and commit it; when it breaks a rule, put the problems on the
    form's fields and write nothing. Whether it was saved, and what the service answered."""
    session = db()
    try:
        result = change(session)
    except services.Invalid as invalid:
        session.rollback()
        form.show_problems(invalid.problems)
        return False, None
    session.commit()
    return True, result


def _district(code: str, action: Action) -> tuple[District, User]:
    """The district and the user, if the user may `action` it; 404 otherwise."""
    district = services.find_district(db(), code)
    if district is None:
        abort(404)
    return district, require(action, district.id)


def _may_edit(user: User, district: District) -> bool:
    return allows(user, Action.EDIT, district.id)


def _translated(template: str, params: dict[str, Any]) -> str:
    return gettext(template) % params if params else gettext(template)


# The schools, units and people share their pages' flow: a new record is saved and the list shown;
# a record's page saves changes for those who may edit; closing or opening one is a button.

def _new_record(district: District, user: User, form: Any, add: Callable[..., Any], listing: str, template: str,
                **context: Any) -> str | Response:
    """The form for a new school, unit or person: saved and back to the list, or shown again with its problems."""
    if form.validate_on_submit():
        saved, record = _save(form, lambda session: add(session, district, form.values(), actor=user.email,
                                                         now=utcnow()))
        if saved:
            flash(gettext("%(name)s är tillagd.", name=record.name), "success")
            return redirect(url_for(listing, code=district.code))
    return render_template(template, district=district, form=form, may_edit=True, **context)


def _record_page(district: District, user: User, record: Any, form: Any, update: Callable[..., Any], listing: str,
                 template: str, **context: Any) -> str | Response:
    """A record's page: changes saved (back to the list) for those who may edit; the form, read-only for
    the others, with the record's history. `context` may name a callable, called only when the page is shown."""
    session = db()
    if request.method == "POST" and form.validate():
        saved, changed = _save(form, lambda session: update(session, record, form.values(), actor=user.email,
                                                             now=utcnow()))
        if saved:
            _flash_saved(changed, record.name)
            return redirect(url_for(listing, code=district.code))
    shown = {key: value() if callable(value) else value for key, value in context.items()}
    return render_template(template, district=district, form=form, may_edit=_may_edit(user, district),
                           title=record.name, **shown, history=history_rows(services.history(session, record)),
                           confirm=ConfirmForm())


def _activity_set(district: District, user: User, record: Any, set_active: Callable[..., Any], page: str,
                  **ids: int) -> Response:
    """A school or unit closed or opened again as the button asks (never deleted); back to its page."""
    session = db()
    is_active = _posted_activity()
    set_active(session, record, is_active, actor=user.email, now=utcnow())
    session.commit()
    flash(gettext("%(name)s är åter aktiv.", name=record.name) if is_active
          else gettext("%(name)s är markerad som nedlagd.", name=record.name), "success")
    return redirect(url_for(page, code=district.code, **ids))


# ---------------------------------------------------------------------------------------------
# Schools


@bp.get("/districts/<code>/schools")
@permission(READ_DISTRICT)
def schools(code: str) -> str:
    """The district's schools, searchable by name or school-unit code, filtered by organiser and status."""
    district, user = _district(code, Action.VIEW)
    search = SchoolSearchForm(request.args)
    found = services.schools_of(db(), district, query=search.q.data or "",
                                organiser_type=search.organiser_type_value(), is_active=active_value(search.active.data))
    return render_template("org/admin/schools.html", district=district, search=search, schools=found,
                           listed=paginate(found, requested_page()),
                           may_edit=_may_edit(user, district))


@bp.route("/districts/<code>/schools/new", methods=["GET", "POST"])
@permission(KEEP_DISTRICT)
def new_school(code: str) -> str | Response:
    """Add a school to the district."""
    district, user = _district(code, Action.EDIT)
    return _new_record(district, user, SchoolRecordForm(), services.add_school, ".schools", "org/admin/school.html",
                       school=None, title=gettext("Ny skola"))


@bp.route("/districts/<code>/schools/<int:school_id>", methods=["GET", "POST"])
@permission(READ_DISTRICT, post=KEEP_DISTRICT)
def school(code: str, school_id: int) -> str | Response:
    """A school's details: a form for those who may edit, read-only for the others; its history."""
    district, user = _district(code, Action.VIEW if request.method == "GET" else Action.EDIT)
    record = services.find_school(db(), district, school_id) or abort(404)
    form = SchoolRecordForm.of(record) if request.method == "GET" else SchoolRecordForm()
    return _record_page(district, user, record, form, services.update_school, ".schools", "org/admin/school.html",
                        school=record)


@bp.post("/districts/<code>/schools/<int:school_id>/active")
@permission(KEEP_DISTRICT)
def school_active(code: str, school_id: int) -> Response:
    """Mark a school as closed (nedlagd) or open again; a school is never deleted."""
    district, user = _district(code, Action.EDIT)
    record = services.find_school(db(), district, school_id) or abort(404)
    return _activity_set(district, user, record, services.set_school_active, ".school", school_id=record.id)


# ---------------------------------------------------------------------------------------------
# Units


@bp.get("/districts/<code>/units")
@permission(READ_DISTRICT)
def units(code: str) -> str:
    """The district's units and the outside organisations it works with."""
    district, user = _district(code, Action.VIEW)
    active = active_value(request.args.get("active"))
    return render_template("org/admin/units.html", district=district,
                           units=services.units_of(db(), district, is_active=active),
                           active=request.args.get("active", ""), may_edit=_may_edit(user, district))


@bp.route("/districts/<code>/units/new", methods=["GET", "POST"])
@permission(KEEP_DISTRICT)
def new_unit(code: str) -> str | Response:
    """Add a unit (or an outside organisation) to the district."""
    district, user = _district(code, Action.EDIT)
    return _new_record(district, user, UnitRecordForm(), services.add_unit, ".units", "org/admin/unit.html",
                       unit=None, title=gettext("Ny enhet"))


@bp.route("/districts/<code>/units/<int:unit_id>", methods=["GET", "POST"])
@permission(READ_DISTRICT, post=KEEP_DISTRICT)
def unit(code: str, unit_id: int) -> str | Response:
    """A unit's details and history."""
    district, user = _district(code, Action.VIEW if request.method == "GET" else Action.EDIT)
    record = services.find_unit(db(), district, unit_id) or abort(404)
    form = UnitRecordForm.of(record) if request.method == "GET" else UnitRecordForm()
    return _record_page(district, user, record, form, services.update_unit, ".units", "org/admin/unit.html",
                        unit=record)


@bp.post("/districts/<code>/units/<int:unit_id>/active")
@permission(KEEP_DISTRICT)
def unit_active(code: str, unit_id: int) -> Response:
    """Mark a unit as closed or open again; never deleted."""
    district, user = _district(code, Action.EDIT)
    record = services.find_unit(db(), district, unit_id) or abort(404)
    return _activity_set(district, user, record, services.set_unit_active, ".unit", unit_id=record.id)


# ---------------------------------------------------------------------------------------------
# People


@bp.get("/districts/<code>/people")
@permission(READ_DISTRICT)
def people(code: str) -> str:
    """The district's people, searchable by name, email or function, filtered by function and status."""
    district, user = _district(code, Action.VIEW)
    search = PersonSearchForm(request.args)
    search.set_choices(_language())
    listed = services.people_page(db(), district, requested_page(), query=search.q.data or "",
                                  function=search.function_value(), is_active=active_value(search.active.data))
    return render_template("org/admin/people.html", district=district, search=search, listed=listed,
                           may_edit=_may_edit(user, district))


def _person_form(form: PersonRecordForm, district: District, person: Person | None) -> PersonRecordForm:
    """The form with the district's schools, units and possible deputies as choices."""
    session = db()
    schools = [s for s in services.schools_of(session, district) if s.is_active or (person and s.id == person.school_id)]
    units = [u for u in services.units_of(session, district) if u.is_active or (person and u.id == person.unit_id)]
    deputies = [p for p in services.people_of(session, district)
                if p is not person and (p.is_active or (person is not None and p.id == person.deputy_id))]
    form.set_choices(schools=schools, units=units, deputies=deputies, language=_language(),
                     inactive_label=gettext("avslutad"))
    return form


@bp.route("/districts/<code>/people/new", methods=["GET", "POST"])
@permission(KEEP_DISTRICT)
def new_person(code: str) -> str | Response:
    """Add a person with their workplace, functions and deputy."""
    district, user = _district(code, Action.EDIT)
    return _new_record(district, user, _person_form(PersonRecordForm(), district, None), services.add_person,
                       ".people", "org/admin/person.html", person=None, title=gettext("Ny person"))


@bp.route("/districts/<code>/people/<int:person_id>", methods=["GET", "POST"])
@permission(READ_DISTRICT, post=KEEP_DISTRICT)
def person(code: str, person_id: int) -> str | Response:
    """A person's details, functions and deputy; who they stand in for; the history."""
    district, user = _district(code, Action.VIEW if request.method == "GET" else Action.EDIT)
    session = db()
    record = services.find_person(session, district, person_id) or abort(404)
    form = _person_form(PersonRecordForm.of(record) if request.method == "GET" else PersonRecordForm(),
                        district, record)

    def update(session: Session, person: Person, values: Any, **by: Any) -> bool:
        return services.update_person(session, person, district, values, **by)

    return _record_page(district, user, record, form, update, ".people", "org/admin/person.html", person=record,
                        stands_in_for=lambda: [p for p in services.people_of(session, district)
                                               if p.deputy_id == record.id])


@bp.route("/districts/<code>/people/<int:person_id>/deactivate", methods=["GET", "POST"])
@permission(KEEP_DISTRICT)
def deactivate_person(code: str, person_id: int) -> str | Response:
    """A person who leaves: what still names them, then a button; they are kept, never deleted."""
    district, user = _district(code, Action.EDIT)
    session = db()
    record = services.find_person(session, district, person_id) or abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        notices = services.deactivate_person(session, record, actor=user.email, now=utcnow())
        session.commit()
        flash(gettext("%(name)s är avslutad. Personen finns kvar i protokoll, kallelser och som ersättare, "
                      "markerad som avslutad.", name=record.name), "success")
        for notice in notices:
            flash(_translated(notice.template, notice.params), "warning")
        return redirect(url_for(".person", code=district.code, person_id=record.id))
    notices = [_translated(n.template, n.params) for n in services.deactivation_notices(session, record)]
    return render_template("org/admin/person_deactivate.html", district=district, person=record, form=form,
                           notices=notices)


@bp.post("/districts/<code>/people/<int:person_id>/reactivate")
@permission(KEEP_DISTRICT)
def reactivate_person(code: str, person_id: int) -> Response:
    """A person who comes back."""
    district, user = _district(code, Action.EDIT)
    session = db()
    record = services.find_person(session, district, person_id) or abort(404)
    services.reactivate_person(session, record, actor=user.email, now=utcnow())
    session.commit()
    flash(gettext("%(name)s är åter aktiv.", name=record.name), "success")
    return redirect(url_for(".person", code=district.code, person_id=record.id))


# ---------------------------------------------------------------------------------------------
# Imports


IMPORTS: dict[str, dict[str, Any]] = {
    "schools": {"title": _l("Importera skolor"), "read": read_schools, "apply": services.import_schools_into,
                "columns": SCHOOL_COLUMNS, "what": _l("Skolor"), "formats": _l("CSV, XLSX eller JSON från "
                                                                             "Skolverkets skolenhetsregister")},
    "people": {"title": _l("Importera personer"), "read": read_people, "apply": services.import_people_into,
               "columns": PERSON_COLUMNS, "what": _l("Personer"), "formats": _l("CSV eller XLSX")},
}


@bp.get("/districts/<code>/import")
@permission(KEEP_DISTRICT)
def imports(code: str) -> str:
    """Where the imports are: schools and people from files."""
    district, _user = _district(code, Action.EDIT)
    return render_template("org/admin/imports.html", district=district, limit=_size(_max_upload()))


@bp.route("/districts/<code>/import/<kind>", methods=["GET", "POST"])
@permission(KEEP_DISTRICT)
def import_file(code: str, kind: str) -> str | Response:
    """Upload a file of schools or people for this district: all or nothing, with the problems listed."""
    if kind not in IMPORTS:
        abort(404)
    district, user = _district(code, Action.EDIT)
    what = IMPORTS[kind]
    form = UploadForm()
    problems: list[dict[str, Any]] = []
    filename = None
    if form.validate_on_submit():
        upload = form.file.data
        filename = PurePath((upload.filename or "fil").replace("\\", "/")).name  # Windows browsers send paths
        file = what["read"](filename, upload.read(), district=district.code)
        session = db()
        try:
            result = what["apply"](session, district, file, actor=user.email, now=utcnow())
        except ImportFailed as failed:
            session.rollback()
            problems = problem_rows(failed.problems)
        else:
            session.commit()
            flash(_result_text(str(what["what"]), result), "success")
            return redirect(url_for(".import_file", code=district.code, kind=kind))
    columns = [c for c in what["columns"] if c.key != "district"]  # the page's district is every row's
    return render_template("org/admin/import.html", district=district, kind=kind, form=form, title=what["title"],
                           formats=what["formats"], columns=columns, problems=problems, filename=filename,
                           limit=_size(_max_upload()))


def problem_rows(problems: Iterable[ImportProblem]) -> list[dict[str, Any]]:
    """Each problem as the error table shows it: line, field and the reason in the user's language."""
    return [{"line": p.line, "field": p.field, "message": _translated(p.template, p.params)} for p in problems]


def _result_text(what: str, result: ImportResult) -> str:
    text = gettext("%(what)s: %(created)d nya, %(updated)d uppdaterade, %(unchanged)d oförändrade.",
                   what=what, created=result.created, updated=result.updated, unchanged=result.unchanged)
    if result.skipped:
        text += " " + gettext("%(num)d hoppades över (ingen skolform som samverkan gäller).", num=result.skipped)
    if result.units_created:
        text += " " + gettext("%(num)d nya enheter.", num=result.units_created)
    return text


def _max_upload() -> int | None:
    return current_app.config.get("MAX_CONTENT_LENGTH")


def _size(limit: int | None) -> str:
    if not limit:
        return ""
    if limit >= 1024 * 1024:
        return gettext("%(num)s MB", num=f"{limit / (1024 * 1024):g}")
    return gettext("%(num)s kB", num=f"{limit / 1024:g}")


@bp.app_errorhandler(413)
def too_large(_error: Exception) -> tuple[str, int]:
    """A request over MAX_CONTENT_LENGTH (an upload too big): say so, in the layout, instead of a bare 413."""
    if "user" not in g:  # the CSRF check reads the form before the user is loaded
        from coordinator.auth.views import load_user

        load_user()
    back = request.path if request.endpoint == "org_admin.import_file" else None
    return render_template("org/admin/too_large.html", limit=_size(_max_upload()), back=back), 413


# ---------------------------------------------------------------------------------------------
# Shared


def _posted_activity() -> bool:
    """The activity a button asks for; its CSRF token is checked by CSRFProtect before the view."""
    value = request.form.get("active")
    if value not in ("0", "1"):
        abort(400)
    return value == "1"


def _flash_saved(changed: bool, name: str) -> None:
    if changed:
        flash(gettext("Ändringarna av %(name)s är sparade.", name=name), "success")
    else:
        flash(gettext("Inget ändrades för %(name)s.", name=name), "info")


ACTIONS = {
    "created": _l("Tillagd"), "updated": _l("Ändrad"), "deactivated": _l("Avslutad"),
    "reactivated": _l("Aktiv igen"), "import.create": _l("Tillagd genom import"),
    "import.update": _l("Ändrad genom import"),
}
FIELDS = {
    "unit_code": _l("Skolenhetskod"), "name": _l("Namn"), "district": _l("Stadsdel"),
    "organiser_type": _l("Huvudman"), "organiser_name": _l("Huvudmannens namn"), "school_forms": _l("Skolformer"),
    "email": _l("E-post"), "phone": _l("Telefon"), "address": _l("Besöksadress"), "is_active": _l("Aktiv"),
    "kind": _l("Slag"), "language": _l("Språk"), "school": _l("Skola"), "unit": _l("Enhet"),
    "functions": _l("Funktioner"), "deputy": _l("Ersättare"),
}


def history_rows(events: Iterable[AuditEvent]) -> list[dict[str, Any]]:
    """Audit events as the "Historik" list shows them: when, who, what, and each changed field."""
    rows = []
    for event in events:
        action = event.action if event.action.startswith("import.") else event.action.rpartition(".")[2]
        before, after = event.before or {}, event.after or {}
        changes = [] if event.before is None else [
            {"field": str(FIELDS.get(key, key)), "before": _shown(key, before.get(key)),
             "after": _shown(key, after.get(key))}
            for key in after if before.get(key) != after.get(key)]
        rows.append({"at": event.at, "actor": event.actor, "action": str(ACTIONS.get(action, event.action)),
                     "changes": changes})
    return rows


_CODES: dict[str, Callable[[str], str]] = {
    "organiser_type": lambda v: str(ORGANISER_TYPE_LABELS.get(OrganiserType(v), v)),
    "kind": lambda v: str(UNIT_KIND_LABELS.get(UnitKind(v), v)),
    "language": lambda v: str(LANGUAGE_LABELS.get(Language(v), v)),
    "school_forms": school_form_label,
    "functions": lambda v: Function(v).label(_language()),
}


def _shown(key: str, value: Any) -> str:
    """A snapshot's value in words ("–" for nothing)."""
    if value is None or value == "" or value == []:
        return "–"
    if isinstance(value, bool):
        return gettext("Ja") if value else gettext("Nej")
    name = _CODES.get(key)
    try:
        if isinstance(value, list):
            return ", ".join(name(v) if name else str(v) for v in value)
        return name(value) if name else str(value)
    except ValueError:  # a code the catalogue no longer has: show it as stored
        return str(value)
