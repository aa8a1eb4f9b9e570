"""The structured text of minutes: its sections, and the starting text per meeting-form kind. Pure.

The minutes are a Swedish document (like the agreement), so the starting texts are Swedish
content, not UI; the section titles are UI words too and are marked for translation. The
attendance section is not typed: it is written from the recorded attendance, so what the
adjusters approve names who came, and a later revision keeps what was approved.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from coordinator.agreements.models import FormKind
from coordinator.i18n import N_
from coordinator.minutes.models import AttendanceStatus
from coordinator.org.functions import Function

ATTENDANCE = "attendance"
TYPED_SECTIONS = ("agenda", "decisions", "follow_up", "other")
SECTIONS = (ATTENDANCE, *TYPED_SECTIONS)
SECTION_TITLES = {
    ATTENDANCE: N_("Närvarande och frånvarande"),
    "agenda": N_("Dagordning"),
    "decisions": N_("Beslut"),
    "follow_up": N_("Uppföljning"),
    "other": N_("Övrigt"),
}
MAX_SECTION_LENGTH = 20_000

# The starting text of each kind's sections, from what DOMAIN.md says each forum is for.
_STARTING_TEXT: dict[FormKind, dict[str, str]] = {
    FormKind.OVERARCHING_FORUM: {
        "follow_up": "Uppföljning av samverkansöverenskommelsen denna termin:\n"
                     "- Hölls de överenskomna mötena?\n"
                     "- Var alla skolor, kommunala och fristående, företrädda?\n"
                     "- Behöver överenskommelsen revideras?",
        "other": "Protokollet anmäls till stadsdelsnämnden. Inga enskilda ärenden behandlas i forumet.",
    },
    FormKind.OPERATIVE_FORUM: {
        "decisions": "Gemensam lägesbild i området:\n",
    },
    FormKind.STUDENT_HEALTH_CONFERENCE: {
        "decisions": "Endast avidentifierade elever tas upp; skriv inga namn eller personnummer.\n",
    },
    FormKind.BUS_GROUP: {
        "other": "Enskilda ärenden tas endast upp i individforum, med samtycke.",
    },
    FormKind.STEERING_GROUP: {
        "follow_up": "Lägesrapport från stadsdelarnas skolsociala team:\n",
    },
    FormKind.STAFF_MEETING_VISIT: {
        "decisions": "Frågor från skolans personal och socialtjänstens svar:\n",
    },
}

ATTENDANCE_NOT_RECORDED = "Närvaron är inte registrerad."


@dataclass(frozen=True)
class AttendanceLine:
    """One invitee's attendance as the minutes write it."""
    name: str
    function: Function | None
    status: AttendanceStatus
    represented_by: str | None = None


def starting_content(kind: FormKind, agenda: str | None, attendance: Iterable[AttendanceLine]) -> dict[str, str]:
    """The text new minutes start from: the kind's prompts, the meeting's agenda and the attendance."""
    content = {section: "" for section in TYPED_SECTIONS}
    content.update(_STARTING_TEXT.get(kind, {}))
    content["agenda"] = (agenda or "").strip()
    content[ATTENDANCE] = attendance_text(attendance)
    return content


def attendance_text(lines: Iterable[AttendanceLine]) -> str:
    """Present, represented and absent invitees, each with their function, in Swedish."""
    lines = list(lines)
    if not lines:
        return ATTENDANCE_NOT_RECORDED
    present = [_who(line) for line in lines if line.status is AttendanceStatus.PRESENT]
    represented = [f"{line.represented_by} (ersättare för {_who(line)})"
                   for line in lines if line.status is AttendanceStatus.REPRESENTED]
    absent = [_who(line) for line in lines if line.status is AttendanceStatus.ABSENT]
    parts = []
    for title, names in (("Närvarande", present + represented), ("Frånvarande", absent)):
        parts.append(f"{title}:\n" + ("\n".join(f"- {name}" for name in names) if names else "- ingen"))
    return "\n\n".join(parts)


def normalised(sections: Mapping[str, str]) -> dict[str, str]:
    """The typed sections as stored: every section present, Windows line ends and trailing space gone."""
    return {section: "\n".join(line.rstrip() for line in (sections.get(section) or "").replace("\r\n", "\n")
                                .replace("\r", "\n").split("\n")).strip("\n")
            for section in TYPED_SECTIONS}


def is_empty(content: Mapping[str, str]) -> bool:
    return not any((content.get(section) or "").strip() for section in TYPED_SECTIONS)


def _who(line: AttendanceLine) -> str:
    return f"{line.name}, {line.function.label('sv')}" if line.function else line.name
