"""The administrators' outbox page: messages by state, the undeliverable ones first with their error.

The city's administrator and the auditors see every message, a district's director and
administrators their district's; the auditors only read. A dead message can be sent again
("Skicka igen"), which is audited.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from coordinator.auth.access import current_user, require
from coordinator.auth.routes import KEEP_DISTRICT, READ_CITY, permission
from coordinator.auth.permissions import Action, visible_district_ids
from coordinator.clock import utcnow
from coordinator.i18n import DomainError
from coordinator.outbox.delivery import STATE_ORDER, list_messages, outbox_counts, retry
from coordinator.outbox.models import MessageKind, OutboxMessage, OutboxState
from coordinator.web import db

bp = Blueprint("outbox", __name__)

PAGE_SIZE = 200

STATES = {
    OutboxState.DEAD: _l("Kunde inte levereras"),
    OutboxState.FAILED: _l("Försöks igen"),
    OutboxState.SENDING: _l("Skickas"),
    OutboxState.PENDING: _l("Väntar"),
    OutboxState.SENT: _l("Skickat"),
    OutboxState.MERGED: _l("Samlat i en påminnelse"),
}
KINDS = {
    MessageKind.INVITATION: _l("Inbjudan"),
    MessageKind.UPDATE: _l("Ändrat möte"),
    MessageKind.CANCELLATION: _l("Inställt möte"),
    MessageKind.RSVP_REMINDER: _l("Påminnelse om svar"),
    MessageKind.PRE_MEETING_REMINDER: _l("Påminnelse före mötet"),
    MessageKind.MINUTES_REMINDER: _l("Påminnelse om protokoll"),
    MessageKind.MINUTES_ESCALATION: _l("Protokoll saknas (till sammankallande)"),
    MessageKind.APPROVAL_REMINDER: _l("Påminnelse om justering"),
    MessageKind.REPORT_REMINDER: _l("Påminnelse om rapport till nämnden"),
    MessageKind.ACTION_ITEM_REMINDER: _l("Påminnelse om åtgärd"),
    MessageKind.REVISION_DUE: _l("Överenskommelsen ska revideras"),
    MessageKind.TERM_NOT_PLANNED: _l("Terminen är inte planerad"),
    MessageKind.DIGEST: _l("Veckosammanfattning"),
    MessageKind.LOGIN_INVITATION: _l("Inbjudan att logga in"),
    MessageKind.PASSWORD_RESET: _l("Nytt lösenord"),
    MessageKind.CATCH_UP: _l("Samlade påminnelser"),
    MessageKind.CONSULTATION_REMINDER: _l("Påminnelse före konsultation"),
}


@bp.get("/outbox")
@permission(READ_CITY)
def index() -> str:
    """The outbox within the user's districts, optionally one state only."""
    district_ids = _visible_districts()
    chosen = request.args.get("state")
    state = OutboxState(chosen) if chosen in {s.value for s in OutboxState} else None
    session = db()
    counts = outbox_counts(session, district_ids=district_ids)
    listed = list_messages(session, state=state, district_ids=district_ids, limit=PAGE_SIZE)
    total = counts[state] if state else sum(counts.values())
    return render_template("outbox/index.html", counts=counts, listed=listed, state=state, total=total,
                           order=STATE_ORDER, states=STATES, kinds=KINDS)


@bp.post("/outbox/<int:message_id>/retry")
@permission(KEEP_DISTRICT)
def send_again(message_id: int) -> Response:
    """Send a dead message once more at the next delivery."""
    district_ids = _visible_districts()
    session = db()
    message = session.get(OutboxMessage, message_id)
    if message is None or (district_ids is not None and message.district_id not in district_ids):
        abort(404)
    user = require(Action.EDIT, message.district_id)
    try:
        retry(session, message, actor=user.email, now=utcnow())
    except DomainError as error:
        session.rollback()
        flash(gettext(error.template, **error.params), "error")
    else:
        session.commit()
        flash(gettext("Meddelandet till %(recipient)s skickas igen inom kort.", recipient=message.recipient),
              "success")
    return redirect(url_for(".index", state=request.form.get("state") or None))


def _visible_districts() -> set[int] | None:
    """The districts whose messages the user sees (None: all); 404 for those who see none."""
    district_ids = visible_district_ids(current_user())
    if district_ids is not None and not district_ids:
        abort(404)
    return district_ids
