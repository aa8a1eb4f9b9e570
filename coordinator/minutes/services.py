"""The life cycle of a meeting's minutes: start, write, attach, register, approve, report, archive, correct.

missing (no row) → draft → registered → approved (every adjuster confirmed) → reported (to
the committee) → archived. Minutes of a form that needs no approval are final once
registered. Plain Python over a session with the actor and the time passed in; services
flush and write an audit event with before and after for every change; callers commit.
Broken rules raise `DomainError` before anything is written.

Decisions:
- Editing registered minutes that wait for approval sends them back to draft and clears the
  confirmations given so far: the adjusters confirm a text, so a changed text is confirmed again.
- Final minutes (approved, reported, or registered where no approval is needed) are never
  edited in place: `start_correction` opens a new revision with a reason, as a draft, and the
  corrected minutes are registered and confirmed again (and reported again if they had been).
  Every revision's text stays readable. Archived minutes are not changed at all.
- Nothing is deleted: a removed attachment keeps its row and its bytes (`removed_at`). The one
  exception is redaction under a stated decision: a change that takes an identity number out
  masks it in every stored copy, and a file holding one is purged (`redaction`).
"""
from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from coordinator import audit
from coordinator.agreements.models import IndividualCases, MeetingForm
from coordinator.audit import AuditEvent
from coordinator.i18n import N_, DomainError
from coordinator.minutes import deadlines, redaction, template
from coordinator.minutes.attachments import MAX_ATTACHMENT_BYTES, read_attachment
from coordinator.minutes.guard import Finding, GuardResult, Passage, check, refuse_identity_numbers
from coordinator.minutes.models import (
    ActionItem, Adjuster, Attachment, Attendance, AttendanceStatus, Minutes, MinutesRevision, MinutesState,
)
from coordinator.org.functions import Function
from coordinator.org.models import Person
from coordinator.planning.models import Meeting, MeetingStatus
from coordinator.terms.calendar import DEFAULT_TIMEZONE

GUARDED_POLICIES = (IndividualCases.NONE, IndividualCases.UNIDENTIFIED)
MAX_ADJUSTERS = 2
MAX_REFERENCE_LENGTH = 60
MAX_REASON_LENGTH = 2000


class IdentityNumbersFound(DomainError):
    """Personnummer or samordningsnummer where the form forbids identified pupils; each named by place."""

    def __init__(self, findings: Sequence[Finding], form: str) -> None:
        super().__init__(N_("%(form)s får inte innehålla personnummer eller samordningsnummer. "
                            "Ta bort dem och spara igen; ingenting sparades."), form=form)
        self.findings = tuple(findings)


class ConfirmationNeeded(DomainError):
    """Numbers shaped like identity numbers (or a file without text) the user must check before saving."""

    def __init__(self, suspects: Sequence[Finding], unreadable: str | None = None) -> None:
        super().__init__(N_("Kontrollera uppgifterna nedan innan du sparar; ingenting sparades."))
        self.suspects = tuple(suspects)
        self.unreadable = unreadable  # the name of a file whose text cannot be read


class FileTooLarge(DomainError):
    def __init__(self, filename: str, limit: int) -> None:
        super().__init__(N_("Filen %(file)s är större än %(size)s MB."), file=filename, size=f"{limit / 2**20:g}")
        self.limit = limit


# -- reading -----------------------------------------------------------------------------------

def minutes_of(session: Session, meeting: Meeting) -> Minutes | None:
    return session.scalars(sa.select(Minutes).where(Minutes.meeting_id == meeting.id)
                           .options(selectinload(Minutes.adjusters), selectinload(Minutes.revisions),
                                    selectinload(Minutes.attachments))).one_or_none()


def minutes_keepers(meeting: Meeting) -> frozenset[int]:
    """The active invitees holding the form's minutes-keeper function (else the convener's)."""
    form = meeting.meeting_form
    function = form.minutes_keeper_function or form.convener_function
    return frozenset(i.person_id for i in meeting.invitations if i.is_active and i.function is function)


def is_final(minutes: Minutes) -> bool:
    """Approved, reported, or registered where the form asks no approval: changed only by a correction."""
    return minutes.state in (MinutesState.APPROVED, MinutesState.REPORTED) or (
        minutes.state is MinutesState.REGISTERED and not minutes.meeting.meeting_form.requires_approval)


def is_editable(minutes: Minutes) -> bool:
    """A draft, or registered minutes still waiting for their adjusters."""
    return minutes.state is MinutesState.DRAFT or (minutes.state is MinutesState.REGISTERED and not is_final(minutes))


def attendees(session: Session, meeting: Meeting) -> list[Person]:
    """Who was at the meeting: the invitees present and the deputies who came in someone's place."""
    rows = session.scalars(sa.select(Attendance).where(Attendance.meeting_id == meeting.id)).all()
    ids = {r.person_id for r in rows if r.status is AttendanceStatus.PRESENT}
    ids |= {r.represented_by_id for r in rows if r.status is AttendanceStatus.REPRESENTED and r.represented_by_id}
    return list(session.scalars(sa.select(Person).where(Person.id.in_(ids)).order_by(Person.name))) if ids else []


def history(session: Session, meeting: Meeting, minutes: Minutes | None) -> list[AuditEvent]:
    """The audit events of the minutes, the meeting's attendance, action items and attachments, newest first."""
    items = sa.select(sa.cast(ActionItem.id, sa.String)).where(ActionItem.meeting_id == meeting.id)
    conditions = [
        sa.and_(AuditEvent.entity_type == "Meeting", AuditEvent.entity_id == str(meeting.id),
                AuditEvent.action.like("attendance.%")),
        sa.and_(AuditEvent.entity_type == "ActionItem", AuditEvent.entity_id.in_(items)),
    ]
    if minutes is not None:
        files = sa.select(sa.cast(Attachment.id, sa.String)).where(Attachment.minutes_id == minutes.id)
        conditions += [
            sa.and_(AuditEvent.entity_type == "Minutes", AuditEvent.entity_id == str(minutes.id)),
            sa.and_(AuditEvent.entity_type == "Attachment", AuditEvent.entity_id.in_(files)),
        ]
    return list(session.scalars(sa.select(AuditEvent).where(sa.or_(*conditions))
                                .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())))


# -- starting and writing ------------------------------------------------------------------------

def check_held(meeting: Meeting, now: datetime) -> None:
    """Minutes (and attendance) belong to a published meeting that has begun and is not cancelled."""
    if meeting.status is MeetingStatus.CANCELLED:
        raise DomainError(N_("Mötet är inställt och kan inte få något protokoll."))
    if meeting.status is not MeetingStatus.SCHEDULED:
        raise DomainError(N_("Mötet är inte publicerat än och kan inte få något protokoll."))
    if meeting.starts_at > now:
        raise DomainError(N_("Mötet har inte börjat än; protokollet skrivs när mötet har hållits."))


def start_minutes(session: Session, meeting: Meeting, *, actor: str, now: datetime) -> Minutes:
    """New draft minutes from the form kind's template, the agenda and the attendance recorded so far."""
    check_held(meeting, now)
    form = meeting.meeting_form
    if not form.requires_minutes:
        raise DomainError(N_("%(form)s för inget protokoll i tjänsten."), form=form.name)
    if minutes_of(session, meeting) is not None:
        raise DomainError(N_("Mötet har redan ett protokoll."))
    content = template.starting_content(form.kind, meeting.agenda, attendance_lines(session, meeting))
    minutes = Minutes(meeting=meeting, state=MinutesState.DRAFT, revision=1, content=content,
                      created_at=now, created_by=actor, updated_at=now, updated_by=actor,
                      due_at=deadlines.minutes_due_at(meeting.ends_at, form.minutes_due_days))
    minutes.revisions.append(MinutesRevision(number=1, content=content, created_at=now, created_by=actor))
    session.add(minutes)
    session.flush()
    _audit(session, minutes, "minutes.started", actor, now, after={"state": "draft", "content": content})
    return minutes


def save_text(session: Session, minutes: Minutes, sections: Mapping[str, str], *, confirmed: Collection[str] = (),
              redaction_reason: str | None = None, actor: str, now: datetime) -> bool:
    """Store the typed sections in the current revision; whether anything changed.

    Where the form forbids identified pupils, identity numbers are refused and suspects must be
    among `confirmed` (their masked forms, as the user checked them). A text that takes out an
    identity number (or a suspect) needs `redaction_reason`, the decision under which the number
    is then masked in every stored copy (`redaction.redact`).
    """
    _check_editable(minutes)
    typed = template.normalised(sections)
    for section, text in typed.items():
        if len(text) > template.MAX_SECTION_LENGTH:
            raise DomainError(N_("Avsnittet %(section)s är längre än %(max)d tecken."),
                              section=template.SECTION_TITLES[section], max=template.MAX_SECTION_LENGTH)
    before = {s: minutes.content.get(s, "") for s in template.TYPED_SECTIONS}
    if typed == before:
        return False
    accepted = guard(minutes.meeting, [
        Passage(N_("%(section)s, rad %(line)d"), {"section": template.SECTION_TITLES[s]}, text)
        for s, text in typed.items()], confirmed, now)
    removed = redaction.removed_numbers(before.values(), typed.values(), now.date())
    reason = redaction.decision(removed, redaction_reason, now.date()) if removed else ""
    _reopen_if_registered(session, minutes, actor, now)
    _set_content(minutes, {**minutes.content, **typed}, actor, now)
    changed = [s for s in template.TYPED_SECTIONS if typed[s] != before[s]]
    _audit(session, minutes, "minutes.text_saved", actor, now,
           before={"revision": minutes.revision, **{s: before[s] for s in changed}},
           after={"revision": minutes.revision, **{s: typed[s] for s in changed}, **confirmations(accepted)})
    if removed:
        redaction.redact(session, minutes, removed, reason, actor=actor, now=now)
    return True


def refresh_attendance_text(session: Session, meeting: Meeting, actor: str, now: datetime) -> None:
    """Write the recorded attendance into the minutes' attendance section, if the minutes are open."""
    minutes = minutes_of(session, meeting)
    if minutes is None or not is_editable(minutes):
        return
    text = template.attendance_text(attendance_lines(session, meeting))
    if minutes.content.get(template.ATTENDANCE) != text:
        _set_content(minutes, {**minutes.content, template.ATTENDANCE: text}, actor, now)


def attendance_lines(session: Session, meeting: Meeting) -> list[template.AttendanceLine]:
    rows = session.scalars(sa.select(Attendance).where(Attendance.meeting_id == meeting.id)
                           .options(selectinload(Attendance.person), selectinload(Attendance.represented_by))).all()
    return sorted((template.AttendanceLine(r.person.name, r.function, r.status,
                                           r.represented_by.name if r.represented_by else None) for r in rows),
                  key=lambda line: (_function_order(line.function), line.name))


def _function_order(function: Function | None) -> int:
    return list(Function).index(function) if function else len(Function)


# -- adjusters, register, confirm ----------------------------------------------------------------

def choose_adjusters(session: Session, minutes: Minutes, person_ids: Collection[int], *, actor: str,
                     now: datetime) -> bool:
    """The minutes' adjusters: one or two people who were at the meeting. Whether anything changed."""
    _check_editable(minutes)
    wanted = set(person_ids)
    if not 1 <= len(wanted) <= MAX_ADJUSTERS:
        raise DomainError(N_("Välj en eller två justerare."))
    present = {p.id: p for p in attendees(session, minutes.meeting)}
    strangers = wanted - present.keys()
    if strangers:
        # only the meeting's own people are named: an id typed into the form names nobody outside it
        invited = {i.person_id: i.person.name for i in minutes.meeting.invitations}
        names = sorted(invited[p] for p in strangers if p in invited)
        raise DomainError(N_("Justerare väljs bland dem som var på mötet; %(names)s var inte där."),
                          names=", ".join(names) or "?")
    before = sorted(present.get(a.person_id, a.person).name for a in minutes.adjusters)
    if wanted == {a.person_id for a in minutes.adjusters}:
        return False
    _reopen_if_registered(session, minutes, actor, now)
    minutes.adjusters = [a for a in minutes.adjusters if a.person_id in wanted] + [
        Adjuster(person_id=p) for p in sorted(wanted - {a.person_id for a in minutes.adjusters})]
    _touch(minutes, actor, now)
    session.flush()
    _audit(session, minutes, "minutes.adjusters_chosen", actor, now, before={"adjusters": before},
           after={"adjusters": sorted(present[p].name for p in wanted)})
    return True


def register_minutes(session: Session, minutes: Minutes, *, actor: str, now: datetime) -> Minutes:
    """Register (diarieför) draft minutes: the text is final and goes to the adjusters (if the form asks)."""
    if minutes.state is not MinutesState.DRAFT:
        raise DomainError(N_("Protokollet är redan registrerat."))
    form = minutes.meeting.meeting_form
    has_file = any(a.removed_at is None for a in minutes.attachments)
    if template.is_empty(minutes.content) and not has_file:
        raise DomainError(N_("Protokollet är tomt. Skriv texten eller bifoga protokollet som fil."))
    if not session.scalar(sa.select(sa.func.count()).select_from(Attendance)
                          .where(Attendance.meeting_id == minutes.meeting_id)):
        raise DomainError(N_("Registrera närvaron innan protokollet registreras."))
    if form.requires_approval and not minutes.adjusters:
        raise DomainError(N_("Välj en eller två justerare innan protokollet registreras."))
    minutes.state = MinutesState.REGISTERED
    minutes.registered_at, minutes.registered_by = now, actor
    if minutes.first_registered_at is None:
        minutes.first_registered_at = now
        if form.requires_approval:
            minutes.approval_due_at = deadlines.approval_due_at(now)
        else:
            _final_for_the_first_time(minutes, now)
    _touch(minutes, actor, now)
    session.flush()
    _audit(session, minutes, "minutes.registered", actor, now, before={"state": "draft"},
           after={"state": "registered", "revision": minutes.revision,
                  "adjusters": [a.person.name for a in minutes.adjusters]})
    return minutes


def confirm_minutes(session: Session, minutes: Minutes, *, person_id: int | None, actor: str, now: datetime) -> Minutes:
    """An adjuster confirms (justerar) the registered text; the minutes are approved when all have.

    The minutes row is locked first, so two adjusters confirming at the same moment see each
    other's confirmation and the last one approves the minutes.
    """
    _lock(session, minutes)
    adjuster = next((a for a in minutes.adjusters if a.person_id == person_id), None) if person_id else None
    if adjuster is None:
        raise DomainError(N_("Du är inte justerare för det här protokollet och kan inte justera det."))
    if minutes.state is MinutesState.DRAFT:
        raise DomainError(N_("Protokollet är inte registrerat än; det justeras när texten är färdig och registrerad."))
    if adjuster.confirmed_at is not None:
        raise DomainError(N_("Du har redan justerat protokollet (%(by)s)."), by=adjuster.confirmed_by or "")
    if minutes.state is not MinutesState.REGISTERED:
        raise DomainError(N_("Protokollet är redan justerat."))
    adjuster.confirmed_at, adjuster.confirmed_by = now, actor
    _audit(session, minutes, "minutes.confirmed", actor, now, before={"confirmed": False},
           after={"confirmed": True, "adjuster": adjuster.person.name, "revision": minutes.revision})
    if all(a.confirmed_at is not None for a in minutes.adjusters):
        minutes.state = MinutesState.APPROVED
        minutes.approved_at = now
        if minutes.first_approved_at is None:
            minutes.first_approved_at = now
            _final_for_the_first_time(minutes, now)
        _audit(session, minutes, "minutes.approved", actor, now, before={"state": "registered"},
               after={"state": "approved", "revision": minutes.revision,
                      "adjusters": [a.person.name for a in minutes.adjusters]})
    _touch(minutes, actor, now)
    session.flush()
    return minutes


# -- the committee and the archive --------------------------------------------------------------

def is_reportable(minutes: Minutes) -> bool:
    """Final minutes of a form that reports to the committee, not yet reported."""
    return (minutes.meeting.meeting_form.reports_to_committee and is_final(minutes)
            and minutes.state is not MinutesState.REPORTED)


def report_to_committee(session: Session, district_id: int, minutes_ids: Collection[int], committee_date: date | None,
                        reference: str, *, actor: str, now: datetime) -> list[Minutes]:
    """Mark minutes reported to the committee (anmälda till nämnden) in one go: all of them, or none."""
    reference = (reference or "").strip()
    if not minutes_ids:
        raise DomainError(N_("Välj minst ett protokoll att anmäla."))
    if committee_date is None:
        raise DomainError(N_("Ange datum för nämndens sammanträde."))
    if not reference:
        raise DomainError(N_("Ange nämndens diarienummer, till exempel SDN 2027/123."))
    if len(reference) > MAX_REFERENCE_LENGTH:
        raise DomainError(N_("Diarienumret får vara högst %(max)d tecken."), max=MAX_REFERENCE_LENGTH)
    refuse_identity_numbers(N_("Nämndens diarienummer"), reference, now.date())
    found = list(session.scalars(sa.select(Minutes).join(Minutes.meeting)
                                 .where(Minutes.id.in_(set(minutes_ids)), Meeting.district_id == district_id)
                                 .order_by(Meeting.starts_at, Minutes.id)
                                 .with_for_update(of=Minutes).execution_options(populate_existing=True)))
    if len(found) != len(set(minutes_ids)):
        raise DomainError(N_("Något av de valda protokollen finns inte i stadsdelen. Inget anmäldes."))
    not_ready = [m for m in found if not is_reportable(m)]
    if not_ready:
        raise DomainError(N_("Inget anmäldes: %(meetings)s är inte justerade eller redan anmälda."),
                          meetings=", ".join(_title(m.meeting) for m in not_ready))
    early = [m for m in found if local_date(m.meeting.starts_at) > committee_date]
    if early:
        raise DomainError(N_("Inget anmäldes: nämndens sammanträde %(date)s är före mötet %(meeting)s."),
                          date=committee_date.isoformat(), meeting=_title(early[0].meeting))
    for minutes in found:
        before = {"state": minutes.state.value}
        minutes.state = MinutesState.REPORTED
        minutes.reported_at, minutes.reported_by = now, actor
        minutes.first_reported_at = minutes.first_reported_at or now
        minutes.committee_date, minutes.committee_reference = committee_date, reference
        _touch(minutes, actor, now)
        _audit(session, minutes, "minutes.reported", actor, now, before=before,
               after={"state": "reported", "committee_date": committee_date.isoformat(),
                      "committee_reference": reference})
    session.flush()
    return found


def archive_minutes(session: Session, minutes: Minutes, *, actor: str, now: datetime) -> Minutes:
    """Archive final minutes (reported ones, where the form reports to the committee)."""
    if minutes.state is MinutesState.ARCHIVED:
        raise DomainError(N_("Protokollet är redan arkiverat."))
    if not is_final(minutes):
        raise DomainError(N_("Protokollet kan arkiveras först när det är justerat."))
    if is_reportable(minutes):
        raise DomainError(N_("Protokollet ska anmälas till nämnden innan det arkiveras."))
    before = {"state": minutes.state.value}
    minutes.state = MinutesState.ARCHIVED
    minutes.archived_at, minutes.archived_by = now, actor
    _touch(minutes, actor, now)
    session.flush()
    _audit(session, minutes, "minutes.archived", actor, now, before=before, after={"state": "archived"})
    return minutes


# -- corrections ---------------------------------------------------------------------------------

def start_correction(session: Session, minutes: Minutes, reason: str, *, confirmed: Collection[str] = (),
                     actor: str, now: datetime) -> Minutes:
    """Open a new revision of final minutes, with the reason; it is a draft until registered and confirmed again."""
    if minutes.state is MinutesState.ARCHIVED:
        raise DomainError(N_("Protokollet är arkiverat och kan inte rättas."))
    if not is_final(minutes):
        raise DomainError(N_("Protokollet är inte justerat än; ändra texten direkt i stället."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(N_("Skriv varför protokollet rättas."))
    if len(reason) > MAX_REASON_LENGTH:
        raise DomainError(N_("Skälet får vara högst %(max)d tecken."), max=MAX_REASON_LENGTH)
    accepted = guard(minutes.meeting, [Passage(N_("skälet till rättelsen, rad %(line)d"), {}, reason)], confirmed, now)
    before = _state_snapshot(minutes)
    minutes.revision += 1
    minutes.revisions.append(MinutesRevision(number=minutes.revision, content=dict(minutes.content), reason=reason,
                                             created_at=now, created_by=actor))
    minutes.state = MinutesState.DRAFT
    minutes.registered_at = minutes.registered_by = minutes.approved_at = None
    minutes.reported_at = minutes.reported_by = minutes.committee_date = minutes.committee_reference = None
    for adjuster in minutes.adjusters:
        adjuster.confirmed_at = adjuster.confirmed_by = None
    _touch(minutes, actor, now)
    session.flush()
    _audit(session, minutes, "minutes.correction_started", actor, now, before=before,
           after={**_state_snapshot(minutes), "reason": reason, **confirmations(accepted)})
    return minutes


# -- attachments ---------------------------------------------------------------------------------

def attach_file(session: Session, minutes: Minutes, filename: str, data: bytes, *, confirmed: Collection[str] = (),
                unreadable_confirmed: bool = False, max_bytes: int = MAX_ATTACHMENT_BYTES, actor: str,
                now: datetime) -> Attachment:
    """Attach a PDF, DOCX or ODT, its kind checked by content and its text by the guard; stored with SHA-256."""
    _check_editable(minutes)
    filename = _file_name(filename)
    if len(data) > max_bytes:
        raise FileTooLarge(filename, max_bytes)
    read = read_attachment(filename, data)
    digest = hashlib.sha256(data).hexdigest()
    if any(a.sha256 == digest and a.removed_at is None for a in minutes.attachments):
        raise DomainError(N_("Filen %(file)s är redan bifogad."), file=filename)
    guarded = minutes.meeting.meeting_form.individual_cases in GUARDED_POLICIES
    if guarded and not read.has_text and not unreadable_confirmed:
        raise ConfirmationNeeded((), unreadable=filename)
    # the file's name is stored and shown as well as its text
    accepted = guard(minutes.meeting, [Passage(N_("filnamnet"), {}, filename), *read.passages], confirmed, now)
    _reopen_if_registered(session, minutes, actor, now)
    attachment = Attachment(minutes=minutes, filename=filename, content_type=read.kind.content_type, size=len(data),
                            sha256=digest, data=data, created_at=now, created_by=actor)
    session.add(attachment)
    _touch(minutes, actor, now)
    session.flush()
    audit.record(session, at=now, actor=actor, action="attachment.added", entity=attachment,
                 district_id=minutes.meeting.district_id,
                 after={"filename": filename, "content_type": attachment.content_type, "size": len(data),
                        "sha256": digest, "minutes_id": minutes.id,
                        **({"text_unchecked": True} if guarded and not read.has_text else {}),
                        **confirmations(accepted)})
    return attachment


def remove_attachment(session: Session, attachment: Attachment, *, redaction_reason: str | None = None, actor: str,
                      now: datetime) -> None:
    """Take a file off the minutes; its row and bytes are kept (records are never deleted).

    A file whose text holds an identity number (or a suspect) is removed only with
    `redaction_reason`, the decision under which its bytes are purged and the numbers masked in
    every stored copy; any other file is purged too when a decision is given (a scanned page).
    """
    minutes = attachment.minutes
    _check_editable(minutes)
    if attachment.removed_at is not None:
        raise DomainError(N_("Filen %(file)s är redan borttagen."), file=attachment.filename)
    numbers = redaction.numbers_in_file(attachment, now.date())
    reason = redaction.decision(numbers, redaction_reason, now.date()) if numbers or redaction_reason else ""
    _reopen_if_registered(session, minutes, actor, now)
    attachment.removed_at, attachment.removed_by = now, actor
    _touch(minutes, actor, now)
    session.flush()
    audit.record(session, at=now, actor=actor, action="attachment.removed", entity=attachment,
                 district_id=minutes.meeting.district_id, before={"filename": attachment.filename, "removed": False},
                 after={"filename": attachment.filename, "removed": True})
    if reason:
        redaction.purge(session, attachment, reason, actor=actor, now=now)
    if numbers:
        redaction.redact(session, minutes, numbers, reason, actor=actor, now=now)


# -- the guard, for every text of minutes -----------------------------------------------------------

def guard(meeting: Meeting, passages: Sequence[Passage], confirmed: Collection[str], now: datetime) -> GuardResult:
    """Refuse identity numbers where the form forbids identified pupils; suspects need confirming."""
    form: MeetingForm = meeting.meeting_form
    if form.individual_cases not in GUARDED_POLICIES:
        return GuardResult()
    result = check(passages, now.date())
    if result.refused:
        raise IdentityNumbersFound(result.refused, form.name)
    unconfirmed = result.unconfirmed(confirmed)
    if unconfirmed:
        raise ConfirmationNeeded(unconfirmed)
    return result


def check_open_for_changes(session: Session, meeting: Meeting, *, actor: str, now: datetime) -> None:
    """Before a change of what the minutes record (attendance, action items): refuse on final minutes,
    send registered ones back to draft."""
    minutes = minutes_of(session, meeting)
    if minutes is not None:
        _check_editable(minutes)
        _reopen_if_registered(session, minutes, actor, now)


# -- helpers -------------------------------------------------------------------------------------

def _check_editable(minutes: Minutes) -> None:
    if minutes.state is MinutesState.ARCHIVED:
        raise DomainError(N_("Protokollet är arkiverat och kan inte ändras."))
    if is_final(minutes):
        raise DomainError(N_("Protokollet är justerat och kan bara ändras genom en rättelse med skäl."))


def _lock(session: Session, minutes: Minutes) -> None:
    """Lock the minutes row (PostgreSQL) and read it and its adjusters again as they now are."""
    session.flush()
    session.refresh(minutes, with_for_update=True)
    session.refresh(minutes, ["adjusters"])
    for adjuster in minutes.adjusters:
        session.refresh(adjuster)


def _reopen_if_registered(session: Session, minutes: Minutes, actor: str, now: datetime) -> None:
    """A change to registered minutes waiting for approval sends them back to draft, confirmations cleared."""
    if minutes.state is not MinutesState.REGISTERED:
        return
    confirmed = [a.person.name for a in minutes.adjusters if a.confirmed_at is not None]
    minutes.state = MinutesState.DRAFT
    minutes.registered_at = minutes.registered_by = None
    for adjuster in minutes.adjusters:
        adjuster.confirmed_at = adjuster.confirmed_by = None
    _audit(session, minutes, "minutes.reopened", actor, now, before={"state": "registered", "confirmed_by": confirmed},
           after={"state": "draft", "confirmed_by": []})


def _final_for_the_first_time(minutes: Minutes, now: datetime) -> None:
    """Final minutes of a form that reports to the committee start the report's deadline."""
    if minutes.meeting.meeting_form.reports_to_committee and minutes.report_due_at is None:
        minutes.report_due_at = deadlines.report_due_at(now)


def _set_content(minutes: Minutes, content: dict[str, str], actor: str, now: datetime) -> None:
    """The current text, in the minutes and in their current revision (a draft revision is edited in place)."""
    minutes.content = content
    current = next(r for r in minutes.revisions if r.number == minutes.revision)
    current.content = dict(content)
    _touch(minutes, actor, now)


def _touch(minutes: Minutes, actor: str, now: datetime) -> None:
    minutes.updated_at, minutes.updated_by = now, actor


def _audit(session: Session, minutes: Minutes, action: str, actor: str, now: datetime, *,
           before: dict[str, Any] | None = None, after: dict[str, Any] | None = None) -> None:
    audit.record(session, at=now, actor=actor, action=action, entity=minutes,
                 district_id=minutes.meeting.district_id, before=before, after=after)


def confirmations(result: GuardResult) -> dict[str, Any]:
    """What the user confirmed as no identity number, for the audit trail."""
    return {"confirmed_not_identity_numbers": [s.masked for s in result.suspects]} if result.suspects else {}


def _state_snapshot(minutes: Minutes) -> dict[str, Any]:
    return {
        "state": minutes.state.value, "revision": minutes.revision,
        "approved_at": minutes.approved_at.isoformat() if minutes.approved_at else None,
        "committee_date": minutes.committee_date.isoformat() if minutes.committee_date else None,
        "committee_reference": minutes.committee_reference,
        "confirmed_by": [a.confirmed_by for a in minutes.adjusters if a.confirmed_by],
    }


def meeting_title(meeting: Meeting) -> str:
    """The form's name with the school or group of its series."""
    where = meeting.school.name if meeting.school else meeting.group.name if meeting.group else None
    return f"{meeting.meeting_form.name} ({where})" if where else meeting.meeting_form.name


def _title(meeting: Meeting) -> str:
    return f"{meeting_title(meeting)} {local_date(meeting.starts_at).isoformat()}"


def local_date(moment: datetime) -> date:
    """The day of `moment` in Stockholm, where the meetings are held."""
    return moment.astimezone(ZoneInfo(DEFAULT_TIMEZONE)).date()


def _file_name(filename: str) -> str:
    """The name's last part (browsers may send a path), without control characters, at most 255 long."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if c.isprintable()).strip() or "bilaga"
    return name[-255:]
