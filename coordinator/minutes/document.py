"""Minutes as a document: what the printable page and the PDF both show, in Swedish.

Like the agreement, the minutes are a Swedish public record, so the document is Swedish
whatever the reader's language; the page's toolbar follows the reader. Built from loaded rows
with times in the local zone, so the page and the PDF cannot disagree.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from coordinator.minutes.action_items import STATUS_WORDS
from coordinator.minutes.models import ActionItem, Minutes, MinutesRevision, MinutesState
from coordinator.minutes.services import meeting_title
from coordinator.minutes.template import SECTION_TITLES, SECTIONS

STATE_WORDS = {
    MinutesState.DRAFT: "Utkast", MinutesState.REGISTERED: "Registrerat", MinutesState.APPROVED: "Justerat",
    MinutesState.REPORTED: "Anmält till nämnden", MinutesState.ARCHIVED: "Arkiverat",
}


@dataclass(frozen=True)
class Fact:
    label: str
    value: str


@dataclass(frozen=True)
class MinutesDocument:
    district: str
    title: str
    subtitle: str
    facts: tuple[Fact, ...]
    sections: tuple[tuple[str, str], ...]   # (title, text)
    items: tuple[tuple[str, str, str, str], ...]  # (text, owner, due, status)
    adjusters: tuple[str, ...]               # "Name – justerat 2027-10-20 14:05" or "Name – ej justerat"
    attachments: tuple[str, ...]
    is_draft: bool
    footer: str


def build_document(minutes: Minutes, items: Sequence[ActionItem], *, timezone: str,
                   revision: MinutesRevision | None = None) -> MinutesDocument:
    """The minutes (or one of their earlier revisions) as a document."""
    zone = ZoneInfo(timezone)
    meeting = minutes.meeting
    shown = revision or next(r for r in minutes.revisions if r.number == minutes.revision)
    is_current = shown.number == minutes.revision
    facts = [
        Fact("Mötesform", meeting.meeting_form.name),
        Fact("Tid", f"{_at(meeting.starts_at, zone)}–{meeting.ends_at.astimezone(zone):%H:%M}"),
    ]
    if meeting.school:
        facts.append(Fact("Skola", meeting.school.name))
    if meeting.place:
        facts.append(Fact("Plats", meeting.place))
    facts.append(Fact("Version", f"{shown.number}" + ("" if is_current else f" av {minutes.revision} (ersatt)")))
    if shown.reason:
        facts.append(Fact("Rättelse", shown.reason))
    if is_current:
        facts.append(Fact("Status", STATE_WORDS[minutes.state]))
        if minutes.registered_at:
            facts.append(Fact("Registrerat", f"{_at(minutes.registered_at, zone)} av {minutes.registered_by}"))
        if minutes.approved_at:
            facts.append(Fact("Justerat", _at(minutes.approved_at, zone)))
        if minutes.committee_date:
            facts.append(Fact("Anmält till nämnden",
                              f"{minutes.committee_date.isoformat()}, {minutes.committee_reference}"))
    sections = tuple((SECTION_TITLES[s], shown.content.get(s) or "–") for s in SECTIONS)
    return MinutesDocument(
        district=meeting.district.name if meeting.district else "",
        title=f"Protokoll: {meeting_title(meeting)}",
        subtitle=f"{meeting.starts_at.astimezone(zone):%Y-%m-%d}",
        facts=tuple(facts),
        sections=sections,
        items=tuple((i.text, i.owner.name if i.owner else "–", i.due_on.isoformat() if i.due_on else "–",
                     STATUS_WORDS[i.status]) for i in items),
        adjusters=tuple(f"{a.person.name} – " + (f"justerat {_at(a.confirmed_at, zone)}"
                                                   if a.confirmed_at and is_current else "ej justerat")
                        for a in minutes.adjusters),
        attachments=tuple(f"{a.filename} ({a.size // 1024 or 1} kB, SHA-256 {a.sha256[:16]}…)"
                          for a in minutes.attachments if a.removed_at is None),
        is_draft=not is_current or minutes.state is MinutesState.DRAFT,
        footer=f"{meeting.district.name if meeting.district else ''} · Protokoll version {shown.number}",
    )


def _at(moment: datetime, zone: ZoneInfo) -> str:
    return f"{moment.astimezone(zone):%Y-%m-%d %H:%M}"
