"""The committee report (uppföljningsrapport till stadsdelsnämnden) of a district's term, in Swedish:
the indicators with their definitions, each forum with its meetings' minutes status and committee
reference, the schools not taking part, the open action items and the agreement's revision status.

`committee_report` gathers it once; `report_pdf.report_pdf`, `report_csv` and `report_xlsx` write the same
content for the committee's papers, and `city_table` the districts side by side (`--city`).
A director attaches the PDF as it is, so it carries its district, term and date on every page.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from coordinator.followup.details import Drill, drill
from coordinator.followup.indicators import (
    Figure, Section, Status, Unit, section_name, shown, status_name,
)
from coordinator.followup.queries import is_held, is_not_held
from coordinator.followup.services import (
    CityFollowUp, DistrictFollowUp, FormReading, Reading, district_followup,
)
from coordinator.invitations.events import meeting_title
from coordinator.minutes.export import Cell, to_csv, to_xlsx_sheets
from coordinator.minutes.models import Minutes
from coordinator.org.models import District, OrganiserType, School
from coordinator.planning.models import Meeting, MeetingStatus
from coordinator.terms.calendar import DEFAULT_TIMEZONE
from coordinator.terms.models import Term

WHOLE_DISTRICT = "Hela stadsdelen"
INDICATOR_HEADER = ("Avsnitt", "Mötesform", "Indikator", "Värde", "Tal", "Täljare", "Nämnare", "Status", "Definition")
MEETING_HEADER = ("Mötesform", "Datum", "Möte", "Mötet", "Protokoll", "Nämndens sammanträde", "Nämndens diarienummer")
SCHOOL_HEADER = ("Skola", "Skolenhetskod", "Huvudman", "Part", "Deltog")
ACTION_HEADER = ("Åtgärd", "Ansvarig", "Klar senast", "Försenad", "Möte")
MINUTES_STATES = {"draft": "utkast", "registered": "registrerat", "approved": "justerat",
                  "reported": "anmält till nämnden", "archived": "arkiverat"}


@dataclass(frozen=True)
class ForumMeeting:
    starts_at: datetime            # local, naive (as printed)
    title: str
    status: str                    # hållet, inte hållet, inställt, kommande, utkast
    minutes: str                   # the minutes' state, or "saknas" / "inget protokoll krävs"
    committee_date: date | None
    committee_reference: str | None


@dataclass(frozen=True)
class Forum:
    reading: FormReading
    meetings: tuple[ForumMeeting, ...]


@dataclass(frozen=True)
class SchoolLine:
    school: School
    is_party: bool
    attended: bool


@dataclass(frozen=True)
class CommitteeReport:
    followup: DistrictFollowUp
    generated_on: date
    forums: tuple[Forum, ...]
    schools_not_taking_part: tuple[SchoolLine, ...]  # parties that did not attend, then those not joined
    open_items: Drill

    @property
    def district(self) -> District:
        return self.followup.district

    @property
    def term(self) -> Term:
        return self.followup.term

    @property
    def title(self) -> str:
        return f"Uppföljning av samverkansöverenskommelsen – {self.district.name} {self.term.name}"

    @property
    def footer(self) -> str:
        return f"{self.district.name}, {self.term.name} · uppföljningsrapport skapad {self.generated_on.isoformat()}"

    def sections(self) -> list[tuple[Section, list[Reading]]]:
        return [(section, self.followup.section(section)) for section in Section]

    def agreement_lines(self) -> list[tuple[str, str]]:
        facts = self.followup.facts.agreement
        if not facts.has_agreement:
            return [("Överenskommelse", "Ingen gällande överenskommelse för terminen.")]
        revision = facts.revision_due_on.isoformat() if facts.revision_due_on else "inget datum angivet"
        revised = "" if facts.is_revised_on_time is None else (
            " (i tid)" if facts.is_revised_on_time else " (datumet har passerat)")
        return [("Överenskommelse", f"Version {facts.version_number}, gällande"),
                ("Nästa revision", revision + revised),
                ("Kontakt i socialtjänsten", facts.contact_name or "ingen namngiven")]


def committee_report(session: Session, district: District, term: Term, now: datetime, *,
                     timezone: str = DEFAULT_TIMEZONE) -> CommitteeReport:
    followup = district_followup(session, district, term, now, timezone=timezone, with_trend=False)
    zone = ZoneInfo(timezone)
    return CommitteeReport(followup, now.astimezone(zone).date(), _forums(session, followup, now, zone),
                           _schools(session, followup), drill(session, district, term, "actions.open", now,
                                                              timezone=timezone))


def _forums(session: Session, followup: DistrictFollowUp, now: datetime, zone: ZoneInfo) -> tuple[Forum, ...]:
    held, not_held = is_held(now).label("held"), is_not_held(now).label("not_held")
    rows = session.execute(
        sa.select(Meeting, Minutes, held, not_held).outerjoin(Minutes, Minutes.meeting_id == Meeting.id)
        .where(Meeting.district_id == followup.district.id, Meeting.term_id == followup.term.id)
        .options(selectinload(Meeting.meeting_form), selectinload(Meeting.school), selectinload(Meeting.group))
        .order_by(Meeting.starts_at, Meeting.id)).all()
    by_slot: dict[str, list[ForumMeeting]] = defaultdict(list)
    slots = [f.form.key for f in followup.forms]
    for meeting, minutes, is_held_now, is_not_held_now in rows:
        slot = next((k for k in slots if meeting.series_key == k or meeting.series_key.startswith(f"{k}:")), None)
        if slot is None:
            continue
        by_slot[slot].append(ForumMeeting(
            meeting.starts_at.astimezone(zone).replace(tzinfo=None, second=0, microsecond=0), meeting_title(meeting),
            _meeting_status(meeting, bool(is_held_now), bool(is_not_held_now), now),
            _minutes_status(meeting, minutes), minutes.committee_date if minutes else None,
            minutes.committee_reference if minutes else None))
    return tuple(Forum(f, tuple(by_slot[f.form.key])) for f in followup.forms)


def _meeting_status(meeting: Meeting, held: bool, not_held: bool, now: datetime) -> str:
    if meeting.status is MeetingStatus.CANCELLED:
        return "inställt"
    if held:
        return "hållet"
    if not_held:
        return "inte hållet"
    if meeting.status is MeetingStatus.DRAFT:
        return "utkast"
    return "kommande" if meeting.starts_at > now else "pågår eller ej registrerat"


def _minutes_status(meeting: Meeting, minutes: Minutes | None) -> str:
    if minutes is not None:
        state = MINUTES_STATES[minutes.state.value]
        late = minutes.first_registered_at is not None and minutes.due_at is not None \
            and minutes.first_registered_at > minutes.due_at
        return f"{state}, registrerat för sent" if late else state
    return "saknas" if meeting.meeting_form.requires_minutes else "inget protokoll krävs"


def _schools(session: Session, followup: DistrictFollowUp) -> tuple[SchoolLine, ...]:
    facts = followup.facts
    absent = [(s, True) for counts in (facts.independent, facts.municipal) for s in counts.parties - counts.attended]
    outside = [(s, False) for s in facts.agreement.not_joined]
    ids = [s for s, _ in absent + outside]
    schools = {s.id: s for s in session.scalars(sa.select(School).where(School.id.in_(ids)))} if ids else {}
    lines = [SchoolLine(schools[s], party, False) for s, party in absent + outside if s in schools]
    return tuple(sorted(lines, key=lambda line: (not line.is_party, not line.school.is_independent,
                                                 line.school.name)))


# -- as tables ----------------------------------------------------------------------------------------

def _number(figure: Figure, unit: Unit) -> str:
    """The figure as a plain number in Swedish notation (decimal comma), for a spreadsheet."""
    value = figure.value
    if value is None or unit is Unit.FUNCTION:
        return ""
    if unit is Unit.YES_NO:
        return "1" if value else "0"
    if unit is Unit.SHARE:
        value = round(100 * value, 1)
    return f"{value:g}".replace(".", ",")


def _indicator_row(reading: Reading, form: str, language: str = "sv") -> tuple[Cell, ...]:
    i, figure = reading.indicator, reading.figure
    return (section_name(i.section, language), form, i.name(language), shown(figure, i.unit, language),
            _number(figure, i.unit), figure.numerator if i.unit is Unit.SHARE else None,
            figure.denominator if i.unit is Unit.SHARE else None, status_name(reading.status, language),
            i.definition(language))


def indicator_rows(report: CommitteeReport) -> list[tuple[Cell, ...]]:
    """Every indicator for the whole district, then the per-form ones for each forum."""
    rows = [_indicator_row(r, WHOLE_DISTRICT) for r in report.followup.readings]
    for forum in report.forums:
        rows += [_indicator_row(r, forum.reading.form.name) for r in forum.reading.readings]
    return rows


def meeting_rows(report: CommitteeReport) -> list[tuple[Cell, ...]]:
    return [(forum.reading.form.name, m.starts_at, m.title, m.status, m.minutes, m.committee_date,
             m.committee_reference) for forum in report.forums for m in forum.meetings]


def school_rows(report: CommitteeReport) -> list[tuple[Cell, ...]]:
    return [(line.school.name, line.school.unit_code,
             "fristående" if line.school.organiser_type is OrganiserType.INDEPENDENT else "kommunal",
             "ja" if line.is_party else "nej", "ja" if line.attended else "nej")
            for line in report.schools_not_taking_part]


def action_rows(report: CommitteeReport) -> list[tuple[Cell, ...]]:
    today = report.generated_on
    return [(text, owner, due, "ja" if due is not None and due < today else "nej", meeting)
            for text, owner, due, _closed, meeting in report.open_items.rows]


def report_csv(report: CommitteeReport) -> bytes:
    """The indicators (for the district and per forum) as one table: what a spreadsheet needs to compare."""
    return to_csv(INDICATOR_HEADER, indicator_rows(report))


def report_xlsx(report: CommitteeReport) -> bytes:
    return to_xlsx_sheets([("Indikatorer", INDICATOR_HEADER, indicator_rows(report)),
                           ("Möten", MEETING_HEADER, meeting_rows(report)),
                           ("Skolor som inte deltar", SCHOOL_HEADER, school_rows(report)),
                           ("Öppna åtgärdspunkter", ACTION_HEADER, action_rows(report))])


def city_rows(city: CityFollowUp) -> tuple[tuple[str, ...], list[tuple[Cell, ...]]]:
    """The districts side by side (`coordinator report --city`): the shown figure of each headline
    indicator, then the city's median and range."""
    header = ("Stadsdel", "Gällande överenskommelse", *(i.name("sv") for i in city.indicators))
    rows: list[tuple[Cell, ...]] = [
        (row.district.name, "ja" if row.has_agreement else "nej",
         *(shown(r.figure, r.indicator.unit) for r in row.readings)) for row in city.rows]
    for label, attribute in (("Staden, median", "median"), ("Staden, lägst", "lowest"), ("Staden, högst", "highest")):
        rows.append((label, "", *(shown(Figure(getattr(s, attribute)), i.unit) if i.unit is not Unit.FUNCTION else ""
                                  for s, i in zip(city.spreads, city.indicators))))
    return header, rows
