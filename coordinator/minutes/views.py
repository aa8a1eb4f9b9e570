"""The minutes pages of one meeting: read, write, attendance, adjusters, action items, files, print, PDF.

Thin views: find the meeting, check the minutes rule (`rights.may`; outside it a 404, so other
districts' minutes are not even seen to exist), call a service, commit or show its message.
A reader who may not do what a button asks (approve without being an adjuster) gets the
service's message, not a 404, since they can see the minutes.
"""
from __future__ import annotations

import dataclasses
import io
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, send_file, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import BadRequest, NotFound
from werkzeug.wrappers import Response

from coordinator.auth.access import current_user
from coordinator.auth.routes import ADMINISTER_MINUTES, CLOSE_ITEM, READ_MINUTES, WRITE_MINUTES, permission
from coordinator.auth.models import User
from coordinator.clock import utcnow
from coordinator.i18n import DomainError
from coordinator.minutes import action_items, participation, redaction, services
from coordinator.minutes.attachments import MAX_ATTACHMENT_BYTES
from coordinator.minutes.document import MinutesDocument, build_document
from coordinator.minutes.forms import (
    AdjustersForm, ButtonForm, CorrectionForm, GuardedForm, ItemForm, RemoveFileForm, TextForm, UploadForm,
)
from coordinator.minutes.guard import Finding, Kind
from coordinator.minutes.models import (
    ActionItem, ActionItemStatus, Attachment, AttendanceStatus, Minutes, MinutesRevision, MinutesState,
)
from coordinator.minutes.rights import MeetingPeople, MinutesAction, may, may_set_item_status
from coordinator.minutes.template import SECTION_TITLES, TYPED_SECTIONS
from coordinator.planning.models import Meeting
from coordinator.web import db, settings

bp = Blueprint("minutes", __name__)

READ, WRITE, CONFIRM, SEE_HISTORY, ADMINISTER = (
    MinutesAction.READ, MinutesAction.WRITE, MinutesAction.CONFIRM, MinutesAction.SEE_HISTORY, MinutesAction.ADMINISTER)
STATE_LABELS = {
    None: _l("Saknas"), MinutesState.DRAFT: _l("Utkast"), MinutesState.REGISTERED: _l("Registrerat"),
    MinutesState.APPROVED: _l("Justerat"), MinutesState.REPORTED: _l("Anmält till nämnden"),
    MinutesState.ARCHIVED: _l("Arkiverat"),
}
ATTENDANCE_LABELS = {AttendanceStatus.PRESENT: _l("Närvarande"), AttendanceStatus.ABSENT: _l("Frånvarande"),
                     AttendanceStatus.REPRESENTED: _l("Ersatt av")}
ITEM_LABELS = {ActionItemStatus.OPEN: _l("Öppen"), ActionItemStatus.DONE: _l("Klar"),
               ActionItemStatus.DROPPED: _l("Struken")}
KIND_LABELS = {Kind.PERSONAL_NUMBER: _l("Personnummer"), Kind.COORDINATION_NUMBER: _l("Samordningsnummer"),
               Kind.SUSPECT: _l("Möjligt personnummer")}
HISTORY_LABELS = {
    "minutes.started": _l("Protokollet skapades"), "minutes.text_saved": _l("Texten ändrades"),
    "minutes.adjusters_chosen": _l("Justerare valdes"), "minutes.registered": _l("Registrerat"),
    "minutes.reopened": _l("Tillbaka till utkast"), "minutes.confirmed": _l("Justerat av en justerare"),
    "minutes.approved": _l("Justerat"), "minutes.reported": _l("Anmält till nämnden"),
    "minutes.archived": _l("Arkiverat"), "minutes.correction_started": _l("Rättelse påbörjad"),
    "attendance.recorded": _l("Närvaro registrerad"), "action_item.added": _l("Uppföljningspunkt tillagd"),
    "action_item.status": _l("Uppföljningspunktens status ändrad"), "attachment.added": _l("Fil bifogad"),
    "attachment.removed": _l("Fil borttagen"), "minutes.redacted": _l("Personnummer maskerade"),
    "attachment.purged": _l("Fil gallrad"),
}
PLACE_LABELS = {"minutes": _l("protokollet"), "revisions": _l("versioner"), "action_items": _l("uppföljningspunkter"),
                "files": _l("gallrade filer"), "audit_events": _l("händelser i historiken"), "mails": _l("utskick")}
# parameters of service messages that are themselves Swedish words to translate
TRANSLATED_PARAMS = ("section", "expected", "found", "status", "field")


@dataclass
class Page:
    """A meeting, its minutes and what the user may do with them."""
    meeting: Meeting
    minutes: Minutes | None
    people: MeetingPeople
    user: User

    def may(self, action: MinutesAction) -> bool:
        return may(self.user, action, self.people)


def meeting_people(meeting: Meeting, minutes: Minutes | None) -> MeetingPeople:
    return MeetingPeople(
        district_id=meeting.district_id,
        invitee_ids=frozenset(i.person_id for i in meeting.invitations if i.removed_at is None),
        keeper_ids=services.minutes_keepers(meeting),
        adjuster_ids=frozenset(a.person_id for a in minutes.adjusters) if minutes else frozenset(),
    )


def _page(meeting_id: int, action: MinutesAction) -> Page:
    meeting = db().get(Meeting, meeting_id)
    if meeting is None or meeting.is_case_meeting:  # a case is documented in social services' own records
        raise NotFound()
    minutes = services.minutes_of(db(), meeting)
    page = Page(meeting, minutes, meeting_people(meeting, minutes), current_user())  # type: ignore[arg-type]
    if not page.may(READ) or not page.may(action):
        raise NotFound()
    return page


def _minutes(page: Page) -> Minutes:
    if page.minutes is None:
        raise NotFound()
    return page.minutes


def _translated(params: dict[str, Any]) -> dict[str, Any]:
    """A message's parameters, those that are Swedish words in the reader's language."""
    return {k: gettext(v) if k in TRANSLATED_PARAMS and isinstance(v, str) else v for k, v in params.items()}


def message(error: DomainError) -> str:
    """A service's message in the reader's language, its Swedish word parameters translated too."""
    return gettext(error.template, **_translated(error.params))


def finding_text(finding: Finding) -> str:
    """"Personnummer 871125-**** – Beslut, rad 3" in the reader's language."""
    return gettext("%(kind)s %(number)s – %(where)s", kind=KIND_LABELS[finding.kind], number=finding.masked,
                   where=gettext(finding.where, **_translated(finding.params)))


def _back(meeting: Meeting, anchor: str | None = None) -> Response:
    return redirect(url_for(".show", meeting_id=meeting.id, _anchor=anchor))


def _now_and_actor() -> tuple[Any, str]:
    return utcnow(), current_user().email  # type: ignore[union-attr]


def _run(change: Any, success: str, meeting: Meeting, anchor: str | None = None) -> Response:
    """Run a change and commit it, or roll back and show why; back to the minutes page either way."""
    session = db()
    try:
        change()
    except DomainError as error:
        session.rollback()
        flash(message(error), "error")
    else:
        session.commit()
        flash(success, "success")
    return _back(meeting, anchor)


def _guarded(form: GuardedForm | RemoveFileForm, change: Any) -> bool:
    """Run a guarded change; on a refusal or a warning put it on the form. Whether it was saved."""
    session = db()
    try:
        change()
    except services.IdentityNumbersFound as error:
        session.rollback()
        form.form_errors.append(message(error))
        form.findings = [finding_text(f) for f in error.findings]  # type: ignore[attr-defined]
        return False
    except redaction.RedactionReasonNeeded as error:
        session.rollback()
        form.removed = error.numbers  # type: ignore[attr-defined]
        return False
    except services.ConfirmationNeeded as error:
        session.rollback()
        form.suspects = [finding_text(f) for f in error.suspects]  # type: ignore[attr-defined]
        form.unreadable = error.unreadable  # type: ignore[attr-defined]
        form.warned.data = ",".join(dict.fromkeys(f.masked for f in error.suspects))
        form.confirm.data = False
        return False
    except DomainError as error:
        session.rollback()
        form.form_errors.append(message(error))
        return False
    session.commit()
    return True


# -- the page --------------------------------------------------------------------------------------

@bp.get("/meetings/<int:meeting_id>/minutes")
@permission(READ_MINUTES)
def show(meeting_id: int) -> str:
    """The meeting's minutes: state and steps, text, attendance, adjusters, items, files, revisions, history."""
    page = _page(meeting_id, READ)
    session, meeting, minutes = db(), page.meeting, page.minutes
    attendees = services.attendees(session, meeting)
    adjusters_form = AdjustersForm()
    adjusters_form.adjusters.choices = [(p.id, p.name) for p in attendees]
    adjusters_form.adjusters.data = [a.person_id for a in minutes.adjusters] if minutes else []
    user = page.user
    own_adjuster = next((a for a in minutes.adjusters if a.person_id == user.person_id), None) if minutes else None
    coverage = participation.coverage_of(session, meeting)
    return render_template(
        "minutes/show.html", meeting=meeting, minutes=minutes, page=page, coverage=coverage,
        schools=participation.school_attendance(session, coverage) if coverage.is_recorded else [],
        rows=participation.invitee_rows(session, meeting),
        items=action_items.items_of(session, meeting), earlier_items=action_items.open_items_before(session, meeting),
        attendees=attendees, adjusters_form=adjusters_form, own_adjuster=own_adjuster, button=ButtonForm(),
        may_write=page.may(WRITE), may_administer=page.may(ADMINISTER),
        owned_by=user.person_id if user.person_id is not None else -1,
        editable=minutes is not None and services.is_editable(minutes),
        final=minutes is not None and services.is_final(minutes),
        reportable=minutes is not None and services.is_reportable(minutes),
        history=history_rows(services.history(session, meeting, minutes)) if page.may(SEE_HISTORY) else None,
        held_problem=_held_problem(meeting),
    )


def _held_problem(meeting: Meeting) -> str | None:
    try:
        services.check_held(meeting, utcnow())
    except DomainError as error:
        return message(error)
    return None


@bp.post("/meetings/<int:meeting_id>/minutes")
@permission(WRITE_MINUTES)
def start(meeting_id: int) -> Response:
    """Start the minutes from the form's template."""
    page = _page(meeting_id, WRITE)
    now, actor = _now_and_actor()
    return _run(lambda: services.start_minutes(db(), page.meeting, actor=actor, now=now),
                gettext("Protokollet är skapat. Registrera närvaron och skriv texten."), page.meeting)


@bp.route("/meetings/<int:meeting_id>/minutes/text", methods=["GET", "POST"])
@permission(WRITE_MINUTES)
def edit_text(meeting_id: int) -> str | Response:
    """Write the minutes' sections; the guard checks them where the form forbids identified pupils."""
    page = _page(meeting_id, WRITE)
    minutes = _minutes(page)
    if not services.is_editable(minutes):
        return redirect(url_for(".correction", meeting_id=meeting_id))
    form = TextForm(data=None if request.method == "POST" else {s: minutes.content.get(s, "") for s in TYPED_SECTIONS})
    if form.validate_on_submit():
        now, actor = _now_and_actor()
        sections = {s: getattr(form, s).data or "" for s in TYPED_SECTIONS}
        if _guarded(form, lambda: services.save_text(db(), minutes, sections, confirmed=form.confirmed(),
                                                     redaction_reason=form.redaction_reason.data, actor=actor,
                                                     now=now)):
            flash(gettext("Texten är sparad."), "success")
            _tell_redactions(minutes, now)
            return _back(page.meeting, "text")
    return render_template("minutes/text.html", meeting=page.meeting, minutes=minutes, form=form,
                           was_registered=minutes.state is MinutesState.REGISTERED)


def _tell_redactions(minutes: Minutes, now: Any) -> None:
    """Say where a change just masked identity numbers, if it did."""
    for event in redaction.redactions_of(db(), minutes):
        if event.at == now:
            places = ", ".join(gettext("%(count)d %(place)s", count=count, place=PLACE_LABELS[place])
                               for place, count in event.after["places"].items())
            flash(gettext("%(numbers)s är maskerat i %(places)s. Beslutet står i historiken.",
                          numbers=", ".join(event.after["numbers"]), places=places), "info")


@bp.route("/meetings/<int:meeting_id>/minutes/correction", methods=["GET", "POST"])
@permission(WRITE_MINUTES)
def correction(meeting_id: int) -> str | Response:
    """Correct final minutes: a new revision with a reason, registered and confirmed again."""
    page = _page(meeting_id, WRITE)
    minutes = _minutes(page)
    form = CorrectionForm()
    if form.validate_on_submit():
        now, actor = _now_and_actor()
        if _guarded(form, lambda: services.start_correction(db(), minutes, form.reason.data, confirmed=form.confirmed(),
                                                            actor=actor, now=now)):
            flash(gettext("Rättelsen är påbörjad som version %(number)d. Ändra texten och registrera protokollet igen.",
                          number=minutes.revision), "success")
            return redirect(url_for(".edit_text", meeting_id=meeting_id))
    return render_template("minutes/correction.html", meeting=page.meeting, minutes=minutes, form=form)


@bp.route("/meetings/<int:meeting_id>/minutes/attendance", methods=["GET", "POST"])
@permission(WRITE_MINUTES)
def attendance(meeting_id: int) -> str | Response:
    """Record who came: present, absent, or represented by a deputy, for every invitee at once."""
    page = _page(meeting_id, WRITE)
    session, meeting = db(), page.meeting
    rows = participation.invitee_rows(session, meeting)
    form, errors, chosen = ButtonForm(), [], {}
    if form.validate_on_submit():
        entries = []
        for row in rows:
            status = request.form.get(f"status-{row.person.id}")
            deputy = request.form.get(f"deputy-{row.person.id}")
            chosen[row.person.id] = (status, deputy)
            if status not in {s.value for s in AttendanceStatus}:
                errors.append(gettext("Ange närvaro för %(name)s.", name=row.person.name))
                continue
            entries.append(participation.AttendanceEntry(
                row.person.id, AttendanceStatus(status), int(deputy) if deputy and deputy.isdigit() else None))
        if not errors:
            now, actor = _now_and_actor()
            try:
                changed = participation.record_attendance(session, meeting, entries, actor=actor, now=now)
            except DomainError as error:
                session.rollback()
                errors.append(message(error))
            else:
                session.commit()
                flash(gettext("Närvaron är sparad.") if changed else gettext("Närvaron är oförändrad."),
                      "success" if changed else "info")
                return _back(meeting, "attendance")
    return render_template("minutes/attendance.html", meeting=meeting, minutes=page.minutes, rows=rows, form=form,
                           errors=errors, chosen=chosen, deputies=participation.deputy_choices(session, meeting),
                           labels=ATTENDANCE_LABELS)


@bp.post("/meetings/<int:meeting_id>/minutes/adjusters")
@permission(WRITE_MINUTES)
def adjusters(meeting_id: int) -> Response:
    """Choose the adjusters among those at the meeting."""
    page = _page(meeting_id, WRITE)
    minutes = _minutes(page)
    form = AdjustersForm()
    form.adjusters.choices = []
    if not form.validate_on_submit():
        flash(gettext("Formuläret kunde inte läsas. Försök igen."), "error")
        return _back(page.meeting, "adjusters")
    now, actor = _now_and_actor()
    return _run(lambda: services.choose_adjusters(db(), minutes, form.adjusters.data or [], actor=actor, now=now),
                gettext("Justerarna är valda."), page.meeting, "adjusters")


@bp.post("/meetings/<int:meeting_id>/minutes/register")
@permission(WRITE_MINUTES)
def register(meeting_id: int) -> Response:
    """Register the draft: the text is final and goes to the adjusters."""
    page = _page(meeting_id, WRITE)
    minutes = _minutes(page)
    now, actor = _now_and_actor()
    return _run(lambda: services.register_minutes(db(), minutes, actor=actor, now=now),
                gettext("Protokollet är registrerat."), page.meeting)


@bp.post("/meetings/<int:meeting_id>/minutes/confirm")
@permission(READ_MINUTES)
def confirm(meeting_id: int) -> Response:
    """An adjuster confirms (justerar) the registered minutes."""
    page = _page(meeting_id, READ)
    minutes = _minutes(page)
    now, actor = _now_and_actor()

    def change() -> None:
        services.confirm_minutes(db(), minutes, person_id=page.user.person_id, actor=actor, now=now)
        if minutes.state is MinutesState.APPROVED:
            flash(gettext("Alla justerare har justerat: protokollet är justerat."), "info")

    return _run(change, gettext("Du har justerat protokollet."), page.meeting)


@bp.post("/meetings/<int:meeting_id>/minutes/archive")
@permission(ADMINISTER_MINUTES)
def archive(meeting_id: int) -> Response:
    """Archive final minutes."""
    page = _page(meeting_id, ADMINISTER)
    minutes = _minutes(page)
    now, actor = _now_and_actor()
    return _run(lambda: services.archive_minutes(db(), minutes, actor=actor, now=now),
                gettext("Protokollet är arkiverat."), page.meeting)


# -- action items ------------------------------------------------------------------------------------

@bp.route("/meetings/<int:meeting_id>/minutes/items/new", methods=["GET", "POST"])
@permission(WRITE_MINUTES)
def add_item(meeting_id: int) -> str | Response:
    """Add an action item with its owner and due date."""
    page = _page(meeting_id, WRITE)
    _minutes(page)
    session, meeting = db(), page.meeting
    form = ItemForm()
    people = participation.deputy_choices(session, meeting)
    form.owner.choices = [("", gettext("Välj ansvarig"))] + [(p.id, p.name) for p in people]
    if form.validate_on_submit():
        now, actor = _now_and_actor()
        if _guarded(form, lambda: action_items.add_action_item(
                session, meeting, form.text.data, form.owner.data, form.due_on.data, confirmed=form.confirmed(),
                actor=actor, now=now)):
            flash(gettext("Punkten är tillagd."), "success")
            return _back(meeting, "items")
    return render_template("minutes/item.html", meeting=meeting, form=form)


@bp.post("/meetings/<int:meeting_id>/minutes/items/<int:item_id>/status")
@permission(CLOSE_ITEM)
def item_status(meeting_id: int, item_id: int) -> Response:
    """Close an item (done or dropped) or open it again: from its own meeting or a later one of the series."""
    page = _page(meeting_id, READ)
    item = db().get(ActionItem, item_id)
    if item is None or item.series_key != page.meeting.series_key or item.meeting.starts_at > page.meeting.starts_at:
        raise NotFound()
    if not may_set_item_status(page.user, page.people, item.owner_id):
        raise NotFound()
    try:
        status = ActionItemStatus(request.form.get("status", ""))
    except ValueError:  # a form without a status the buttons send: bad input
        raise BadRequest() from None
    if not ButtonForm().validate_on_submit():
        flash(gettext("Formuläret kunde inte läsas. Försök igen."), "error")
        return _back(page.meeting, "items")
    now, actor = _now_and_actor()
    return _run(lambda: action_items.set_item_status(db(), item, status, actor=actor, now=now),
                gettext("Punkten är %(status)s.", status=gettext(action_items.STATUS_WORDS[status])), page.meeting,
                "items")


# -- attachments -------------------------------------------------------------------------------------

def max_attachment_bytes() -> int:
    return int(current_app.config.get("MINUTES_MAX_ATTACHMENT_BYTES", MAX_ATTACHMENT_BYTES))


# The multipart envelope around the file: field names, the CSRF token, the checkboxes.
FORM_OVERHEAD_BYTES = 64 * 1024


@bp.url_value_preprocessor
def _upload_limit(endpoint: str | None, _values: dict[str, Any] | None) -> None:
    """Minutes files have a limit of their own, below the app's; set before anything (the CSRF check
    first of all) reads the body, since URL-value preprocessors run before every before-request hook."""
    if endpoint == "minutes.upload" and request.method == "POST":
        request.max_content_length = max_attachment_bytes() + FORM_OVERHEAD_BYTES


@bp.errorhandler(413)
def too_large(_error: Exception | None) -> tuple[str, int]:
    """An attachment over the limit: a clear page, in the layout, naming the limit."""
    if "user" not in g:  # the body was refused before the user was loaded
        from coordinator.auth.views import load_user

        load_user()
    meeting_id = (request.view_args or {}).get("meeting_id")
    return render_template("minutes/too_large.html", limit=_size(max_attachment_bytes()),
                           back=url_for(".upload", meeting_id=meeting_id) if meeting_id else None), 413


def _size(limit: int) -> str:
    if limit >= 1024 * 1024:
        return gettext("%(num)s MB", num=f"{limit / (1024 * 1024):g}")
    return gettext("%(num)s kB", num=f"{limit / 1024:g}")


@bp.route("/meetings/<int:meeting_id>/minutes/attachments/new", methods=["GET", "POST"])
@permission(WRITE_MINUTES)
def upload(meeting_id: int) -> str | Response | tuple[str, int]:
    """Attach the minutes as a file: PDF, DOCX or ODT, checked by content and, where needed, for identity numbers."""
    page = _page(meeting_id, WRITE)
    minutes = _minutes(page)
    form = UploadForm()
    if form.validate_on_submit():
        file = form.file.data
        data = file.read()
        if len(data) > max_attachment_bytes():  # within the envelope's slack, over the file's limit
            return too_large(None)
        now, actor = _now_and_actor()
        if _guarded(form, lambda: services.attach_file(
                db(), minutes, file.filename or "", data, confirmed=form.confirmed(),
                unreadable_confirmed=bool(form.unreadable_confirmed.data), max_bytes=max_attachment_bytes(),
                actor=actor, now=now)):
            flash(gettext("Filen är bifogad."), "success")
            return _back(page.meeting, "files")
    return render_template("minutes/upload.html", meeting=page.meeting, form=form,
                           limit=_size(max_attachment_bytes()))


@bp.get("/meetings/<int:meeting_id>/minutes/attachments/<int:attachment_id>")
@permission(READ_MINUTES)
def download(meeting_id: int, attachment_id: int) -> Response:
    """The stored file, as an attachment with the type found from its content; never shown inline."""
    page = _page(meeting_id, READ)
    attachment = _attachment(page, attachment_id)
    if attachment.purged_at is not None:
        flash(gettext("Filen %(file)s är gallrad; innehållet finns inte kvar.", file=attachment.filename), "info")
        return _back(page.meeting, "files")
    response = send_file(io.BytesIO(attachment.data), mimetype=attachment.content_type, as_attachment=True,
                         download_name=attachment.filename, etag=attachment.sha256, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/meetings/<int:meeting_id>/minutes/attachments/<int:attachment_id>/remove", methods=["GET", "POST"])
@permission(WRITE_MINUTES)
def remove(meeting_id: int, attachment_id: int) -> str | Response:
    """Take a file off the minutes: kept, marked removed; purged (gallrad) under a stated decision, which a
    file holding an identity number needs."""
    page = _page(meeting_id, WRITE)
    attachment = _attachment(page, attachment_id)
    form = RemoveFileForm()
    if form.validate_on_submit():
        now, actor = _now_and_actor()
        reason = form.redaction_reason.data
        if _guarded(form, lambda: services.remove_attachment(db(), attachment, redaction_reason=reason, actor=actor,
                                                             now=now)):
            flash(gettext("Filen är gallrad: den är borttagen och innehållet finns inte kvar.") if reason
                  else gettext("Filen är borttagen från protokollet."), "success")
            _tell_redactions(page.minutes, now)  # type: ignore[arg-type]
            return _back(page.meeting, "files")
    elif request.method == "POST":
        flash(gettext("Formuläret kunde inte läsas. Försök igen."), "error")
        return _back(page.meeting, "files")
    return render_template("minutes/remove.html", meeting=page.meeting, attachment=attachment, form=form)


def _attachment(page: Page, attachment_id: int) -> Attachment:
    attachment = db().get(Attachment, attachment_id)
    if attachment is None or page.minutes is None or attachment.minutes_id != page.minutes.id:
        raise NotFound()
    return attachment


# -- printing ------------------------------------------------------------------------------------------

@bp.get("/meetings/<int:meeting_id>/minutes/print")
@permission(READ_MINUTES)
def printable(meeting_id: int) -> str:
    """The minutes as a document ready to print."""
    page = _page(meeting_id, READ)
    minutes = _minutes(page)
    return render_template("minutes/document.html", meeting=page.meeting, document=_document(page, minutes),
                           revision=None)


@bp.get("/meetings/<int:meeting_id>/minutes.pdf")
@permission(READ_MINUTES)
def pdf(meeting_id: int) -> Response:
    """The minutes as a PDF."""
    page = _page(meeting_id, READ)
    minutes = _minutes(page)
    day = services.local_date(page.meeting.starts_at).isoformat()
    from coordinator.minutes.pdf import render_pdf  # fpdf2 on the first PDF only: ~20 MB a worker need not carry

    return Response(render_pdf(_document(page, minutes)), mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="protokoll-{page.meeting.id}-{day}.pdf"',
        "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"})


@bp.get("/meetings/<int:meeting_id>/minutes/revisions/<int:number>")
@permission(READ_MINUTES)
def revision(meeting_id: int, number: int) -> str:
    """An earlier revision of the minutes, as it read."""
    page = _page(meeting_id, READ)
    minutes = _minutes(page)
    shown = next((r for r in minutes.revisions if r.number == number), None)
    if shown is None:
        raise NotFound()
    masked = [e for e in redaction.redactions_of(db(), minutes) if shown.number in e.after.get("revisions", [])]
    return render_template("minutes/document.html", meeting=page.meeting, document=_document(page, minutes, shown),
                           revision=shown, redactions=masked)


def _document(page: Page, minutes: Minutes, revision: MinutesRevision | None = None) -> MinutesDocument:
    """The minutes (or an earlier revision of them) as a document, for print and PDF."""
    return build_document(minutes, action_items.items_of(db(), page.meeting), timezone=settings().timezone,
                          revision=revision)


# -- history ---------------------------------------------------------------------------------------------

def history_rows(events: list[Any]) -> list[dict[str, Any]]:
    """Audit events as the history table shows them: when, who, what, and a short account of it."""
    rows = []
    for event in events:
        after, before = event.after or {}, event.before or {}
        details = []
        if event.action == "minutes.text_saved":
            changed = [gettext(SECTION_TITLES[s]) for s in TYPED_SECTIONS if s in after]
            details.append(gettext("Ändrade avsnitt: %(sections)s", sections=", ".join(changed)))
        elif event.action == "attendance.recorded":
            counts = {s: sum(1 for v in after.values() if str(v).split(":")[0] == s.value) for s in AttendanceStatus}
            details.append(gettext("%(present)d närvarande, %(absent)d frånvarande, %(represented)d ersatta",
                                   present=counts[AttendanceStatus.PRESENT], absent=counts[AttendanceStatus.ABSENT],
                                   represented=counts[AttendanceStatus.REPRESENTED]))
        elif event.action in ("attachment.added", "attachment.removed"):
            details.append(after.get("filename", ""))
        elif event.action == "action_item.added":
            details.append(after.get("text", ""))
        elif event.action == "action_item.status":
            details.append(gettext("%(before)s → %(after)s",
                                   before=gettext(ITEM_LABELS[ActionItemStatus(before["status"])]),
                                   after=gettext(ITEM_LABELS[ActionItemStatus(after["status"])])))
        elif event.action == "minutes.adjusters_chosen":
            details.append(", ".join(after.get("adjusters", [])))
        elif event.action == "minutes.confirmed":
            details.append(after.get("adjuster", ""))
        elif event.action == "minutes.reported":
            details.append(f"{after.get('committee_date')}, {after.get('committee_reference')}")
        elif event.action == "minutes.redacted":
            details.append(gettext("%(numbers)s, beslut: %(reason)s", numbers=", ".join(after.get("numbers", [])),
                                   reason=after.get("reason")))
        elif event.action == "attachment.purged":
            details.append(gettext("%(file)s, beslut: %(reason)s", file=after.get("filename"),
                                   reason=after.get("reason")))
        elif event.action == "minutes.correction_started":
            details.append(gettext("Version %(number)s: %(reason)s", number=after.get("revision"),
                                   reason=after.get("reason")))
        if after.get("confirmed_not_identity_numbers"):
            details.append(gettext("Kontrollerat att %(numbers)s inte är personnummer",
                                   numbers=", ".join(after["confirmed_not_identity_numbers"])))
        rows.append({"at": event.at, "actor": event.actor,
                     "action": HISTORY_LABELS.get(event.action, event.action), "details": details})
    return rows


# -- the summary on the organiser's meeting page -------------------------------------------------------

@bp.app_template_global()
def minutes_summary(meeting: Meeting, people: MeetingPeople | None = None) -> dict[str, Any] | None:
    """The minutes' state, the required functions and a link, for `minutes/_on_meeting.html`; None if the
    reader may not see the minutes. `people` without the adjusters, when the page has read the invitees already
    (the organiser's page, as columns: the meeting's invitations are not loaded again)."""
    user = current_user()
    minutes = services.minutes_of(db(), meeting)
    if people is None:
        people = meeting_people(meeting, minutes)
    elif minutes is not None:
        people = dataclasses.replace(people, adjuster_ids=frozenset(a.person_id for a in minutes.adjusters))
    if not may(user, READ, people):
        return None
    coverage = participation.coverage_of(db(), meeting)
    return {"state": STATE_LABELS[minutes.state if minutes else None], "coverage": coverage,
            "requires_minutes": meeting.meeting_form.requires_minutes,
            "url": url_for("minutes.show", meeting_id=meeting.id)}


@bp.app_template_global()
def function_names(functions: Any) -> str:
    """Functions in the reader's language, as a list in words."""
    from flask_babel import get_locale

    language = get_locale().language if get_locale() else "sv"
    return ", ".join(f.label(language) for f in functions)


@bp.context_processor
def labels() -> dict[str, Any]:
    return {"state_labels": STATE_LABELS, "attendance_labels": ATTENDANCE_LABELS, "item_labels": ITEM_LABELS,
            "section_titles": SECTION_TITLES}
