"""iCalendar for meetings: iTIP requests and cancellations, subscription feeds, and reading replies.

Pure functions over plain values (no Flask, no database), so the invitation, reminder and feed
code can all build the same calendar text. The rules that break calendar clients when forgotten
(DESIGN.md, "Calendar interoperability") live here:

- times are written as wall-clock times with TZID=<zone> and ONE matching VTIMEZONE, built by
  hand from RRULEs (last Sunday of March / October). icalendar's own `Timezone.from_tzid()`
  writes lists of RDATEs, which Outlook ignores, showing every meeting an hour off;
- one stable UID per meeting, SEQUENCE as the caller counts it, DTSTAMP the build time;
- CRLF line endings, lines folded at 75 octets and never inside a UTF-8 character (icalendar
  folds by octets on character boundaries; the tests check every physical line).

Replies are read leniently in shape (Exchange omits ORGANIZER, writes "MAILTO:") and strictly
in substance: one REPLY, one event with a UID, one attendee, or `ICSError`.
"""
from __future__ import annotations

import email.message
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar

PRODID = "-//Samverkan coordinator//SV"
CALENDAR_TYPES = frozenset({"text/calendar", "application/ics"})
CALENDAR_END = b"END:VCALENDAR\r\n"
# EU summer time: from 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of October
EU_SWITCH_UTC_HOUR = 1
# the years a zone's rules are checked against before they are written as two RRULEs
CHECKED_YEARS = range(2000, 2038)


class ICSError(ValueError):
    """A calendar that is malformed, or not the kind that was expected."""


@dataclass(frozen=True)
class Party:
    """An ORGANIZER, or the sender or recipient of a mail."""
    name: str
    email: str


@dataclass(frozen=True)
class Attendee:
    name: str
    email: str
    role: str = "REQ-PARTICIPANT"      # or "OPT-PARTICIPANT", "CHAIR", "NON-PARTICIPANT" (a delegator)
    partstat: str = "NEEDS-ACTION"     # ACCEPTED, TENTATIVE, DECLINED, DELEGATED
    rsvp: bool = True
    delegated_to: str | None = None    # an email address
    delegated_from: str | None = None  # an email address


@dataclass(frozen=True)
class CalendarEvent:
    """One meeting as calendars see it; times are timezone-aware (any zone)."""
    uid: str
    sequence: int
    starts_at: datetime
    ends_at: datetime
    summary: str
    organizer: Party
    attendees: tuple[Attendee, ...] = ()
    location: str | None = None
    video_url: str | None = None     # written into LOCATION after the place, and into DESCRIPTION
    description: str = ""            # the agenda and the RSVP links, plain text
    url: str | None = None           # the meeting's page
    cancelled: bool = False          # STATUS:CANCELLED, else STATUS:CONFIRMED
    last_modified: datetime | None = None
    transparent: bool = False        # free time in the recipient's calendar (TRANSP:TRANSPARENT): they sent a deputy


@dataclass(frozen=True)
class Reply:
    """What an attendee's calendar answered (iMIP METHOD:REPLY)."""
    uid: str
    sequence: int                    # 0 when absent
    attendee_email: str              # lower-case, without "mailto:"
    partstat: str                    # ACCEPTED / TENTATIVE / DECLINED / DELEGATED / NEEDS-ACTION
    delegated_to: str | None
    organizer_email: str | None      # None when absent (Exchange omits ORGANIZER)
    dtstamp: datetime | None
    sent_by: str | None = None       # the ATTENDEE's SENT-BY: who may answer for them (lower-case address)


# -- the time zone ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class _EuZoneRules:
    standard: timedelta
    standard_name: str
    daylight_name: str

    @property
    def daylight(self) -> timedelta:
        return self.standard + timedelta(hours=1)


def vtimezone(tzid: str = "Europe/Stockholm") -> icalendar.Timezone:
    """The zone as a VTIMEZONE with one STANDARD and one DAYLIGHT part, each defined by an RRULE.

    Only zones that follow the EU summer-time rule can be written so; any other raises ICSError
    rather than produce a VTIMEZONE that puts meetings at the wrong hour.
    """
    rules = _eu_zone_rules(tzid)
    # the local wall-clock times of the switches at 01:00 UTC, on the first such Sundays of 1970
    spring = datetime(1970, 3, 29) + timedelta(hours=EU_SWITCH_UTC_HOUR) + rules.standard
    autumn = datetime(1970, 10, 25) + timedelta(hours=EU_SWITCH_UTC_HOUR) + rules.daylight
    zone = icalendar.Timezone()
    zone.add("TZID", tzid)
    daylight = icalendar.TimezoneDaylight()
    daylight.add("TZNAME", rules.daylight_name)
    daylight.add("TZOFFSETFROM", rules.standard)
    daylight.add("TZOFFSETTO", rules.daylight)
    daylight.add("DTSTART", spring)
    daylight.add("RRULE", {"FREQ": "YEARLY", "BYMONTH": 3, "BYDAY": "-1SU"})
    standard = icalendar.TimezoneStandard()
    standard.add("TZNAME", rules.standard_name)
    standard.add("TZOFFSETFROM", rules.daylight)
    standard.add("TZOFFSETTO", rules.standard)
    standard.add("DTSTART", autumn)
    standard.add("RRULE", {"FREQ": "YEARLY", "BYMONTH": 10, "BYDAY": "-1SU"})
    zone.add_component(daylight)
    zone.add_component(standard)
    return zone


@lru_cache(maxsize=16)
def _eu_zone_rules(tzid: str) -> _EuZoneRules:
    """The zone's standard offset and names, after checking it keeps the EU rule in CHECKED_YEARS."""
    try:
        zone = ZoneInfo(tzid)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ICSError(f"unknown time zone {tzid!r}") from error
    january = datetime(CHECKED_YEARS[0], 1, 1, tzinfo=UTC).astimezone(zone)
    july = datetime(CHECKED_YEARS[0], 7, 1, tzinfo=UTC).astimezone(zone)
    rules = _EuZoneRules(january.utcoffset(), january.tzname(), july.tzname())
    second = timedelta(seconds=1)
    for year in CHECKED_YEARS:
        spring = _last_sunday(year, 3, EU_SWITCH_UTC_HOUR)
        autumn = _last_sunday(year, 10, EU_SWITCH_UTC_HOUR)
        expected = [(spring - second, rules.standard), (spring, rules.daylight),
                    (autumn - second, rules.daylight), (autumn, rules.standard)]
        expected += [(datetime(year, month, 1, tzinfo=UTC), rules.daylight if 4 <= month <= 10 else rules.standard)
                     for month in range(1, 13)]
        if any(instant.astimezone(zone).utcoffset() != offset for instant, offset in expected):
            raise ICSError(f"the time zone {tzid!r} does not follow the EU summer-time rule")
    return rules


def _last_sunday(year: int, month: int, utc_hour: int) -> datetime:
    last = (date(year, month + 1, 1) if month < 12 else date(year + 1, 1, 1)) - timedelta(days=1)
    sunday = last - timedelta(days=(last.weekday() - 6) % 7)
    return datetime(sunday.year, sunday.month, sunday.day, utc_hour, tzinfo=UTC)


# -- building calendars ------------------------------------------------------------------------------

def request(event: CalendarEvent, *, dtstamp: datetime, timezone: str = "Europe/Stockholm") -> bytes:
    """An iTIP METHOD:REQUEST: the invitation, or its update (same UID, a higher SEQUENCE)."""
    if event.cancelled:
        raise ICSError("a cancelled meeting is sent with cancel(), not request()")
    return _itip("REQUEST", event, dtstamp, timezone)


def cancel(event: CalendarEvent, *, dtstamp: datetime, timezone: str = "Europe/Stockholm") -> bytes:
    """An iTIP METHOD:CANCEL with STATUS:CANCELLED; callers pass the raised SEQUENCE."""
    return _itip("CANCEL", event, dtstamp, timezone)


def feed(events: Iterable[CalendarEvent], *, name: str, dtstamp: datetime,
         timezone: str = "Europe/Stockholm") -> bytes:
    """A subscription calendar (METHOD:PUBLISH) of the events, cancelled ones marked so.

    Attendees are left out: a published calendar informs, it asks nobody to answer.
    """
    zone_component = vtimezone(timezone)  # first: an unusable zone is an ICSError
    zone, stamp = ZoneInfo(timezone), _utc(dtstamp, "dtstamp")
    calendar = _calendar("PUBLISH")
    calendar.add("NAME", name)
    calendar.add("X-WR-CALNAME", name)
    calendar.add("X-WR-TIMEZONE", timezone)
    calendar.add("REFRESH-INTERVAL", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("X-PUBLISHED-TTL", "PT1H")
    calendar.add_component(zone_component)
    for event in events:
        calendar.add_component(_vevent(event, zone, stamp, cancelled=event.cancelled, attendees=False))
    return calendar.to_ical()


def _itip(method: str, event: CalendarEvent, dtstamp: datetime, timezone: str) -> bytes:
    """The calendar, written as icalendar writes a Calendar holding the VTIMEZONE and the VEVENT.

    Everything but the VEVENT is the same for every message of a method and zone, so it is
    serialised once (`_calendar_head`, `_vtimezone_lines`) and only the VEVENT per message:
    publishing a district's term writes thousands of these in one transaction.
    """
    zone_lines = _vtimezone_lines(timezone)  # first: an unusable zone is an ICSError
    vevent = _vevent(event, ZoneInfo(timezone), _utc(dtstamp, "dtstamp"), cancelled=method == "CANCEL",
                     attendees=True)
    return _calendar_head(method) + zone_lines + vevent.to_ical() + CALENDAR_END


@lru_cache(maxsize=16)
def _vtimezone_lines(tzid: str) -> bytes:
    """The zone's VTIMEZONE as serialised lines, built and checked once per zone."""
    return vtimezone(tzid).to_ical()


@lru_cache(maxsize=8)
def _calendar_head(method: str) -> bytes:
    """The VCALENDAR's opening line and properties: its serialisation without the closing line."""
    lines = _calendar(method).to_ical()
    if not lines.endswith(CALENDAR_END):  # pragma: no cover - a change in icalendar's writer
        raise ICSError("icalendar no longer ends a calendar with END:VCALENDAR")
    return lines[:-len(CALENDAR_END)]


def _calendar(method: str) -> icalendar.Calendar:
    calendar = icalendar.Calendar()
    calendar.add("PRODID", PRODID)
    calendar.add("VERSION", "2.0")
    calendar.add("CALSCALE", "GREGORIAN")
    calendar.add("METHOD", method)
    return calendar


def _vevent(event: CalendarEvent, zone: ZoneInfo, dtstamp: datetime, *, cancelled: bool,
            attendees: bool) -> icalendar.Event:
    starts_at, ends_at = _aware(event.starts_at, "starts_at"), _aware(event.ends_at, "ends_at")
    if ends_at <= starts_at:
        raise ICSError(f"the event {event.uid} ends before it starts")
    vevent = icalendar.Event()
    vevent.add("UID", event.uid)
    vevent.add("DTSTAMP", dtstamp)
    vevent.add("SEQUENCE", event.sequence)
    vevent.add("DTSTART", starts_at.astimezone(zone))
    vevent.add("DTEND", ends_at.astimezone(zone))
    vevent.add("SUMMARY", event.summary)
    location = ", ".join(part for part in (event.location, event.video_url) if part)
    if location:
        vevent.add("LOCATION", location)
    description = event.description
    if event.video_url and event.video_url not in description:
        description = f"{description}\n\n{event.video_url}" if description else event.video_url
    if description:
        vevent.add("DESCRIPTION", description)
    if event.url:
        vevent.add("URL", event.url)
    vevent.add("ORGANIZER", _address(event.organizer.email), parameters={"CN": event.organizer.name})
    if attendees:
        for attendee in event.attendees:
            vevent.add("ATTENDEE", _address(attendee.email), parameters=_attendee_parameters(attendee))
    vevent.add("STATUS", "CANCELLED" if cancelled else "CONFIRMED")
    vevent.add("TRANSP", "TRANSPARENT" if event.transparent else "OPAQUE")
    if event.transparent:
        # Exchange takes an attendee's busy status from these before TRANSP (MS-OXCICAL): "free", also
        # once the update is processed, in Outlook and Outlook on the web
        vevent.add("X-MICROSOFT-CDO-BUSYSTATUS", "FREE")
        vevent.add("X-MICROSOFT-CDO-INTENDEDSTATUS", "FREE")
    if event.last_modified is not None:
        vevent.add("LAST-MODIFIED", _utc(event.last_modified, "last_modified"))
    return vevent


def _attendee_parameters(attendee: Attendee) -> dict[str, str]:
    parameters = {"CUTYPE": "INDIVIDUAL", "ROLE": attendee.role, "PARTSTAT": attendee.partstat,
                  "RSVP": "TRUE" if attendee.rsvp else "FALSE", "CN": attendee.name}
    if attendee.delegated_to:
        parameters["DELEGATED-TO"] = _address(attendee.delegated_to)
    if attendee.delegated_from:
        parameters["DELEGATED-FROM"] = _address(attendee.delegated_from)
    return parameters


def _address(email_address: str) -> icalendar.vCalAddress:
    return icalendar.vCalAddress(f"mailto:{email_address}")


def _aware(value: datetime, what: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ICSError(f"{what} must be timezone-aware")
    return value


def _utc(value: datetime, what: str) -> datetime:
    return _aware(value, what).astimezone(UTC).replace(microsecond=0)


# -- reading replies ---------------------------------------------------------------------------------

def parse_reply(data: bytes | str) -> Reply:
    """The answer in an iMIP METHOD:REPLY calendar, or ICSError when it is not exactly one."""
    try:
        calendar = icalendar.Calendar.from_ical(data)
    except Exception as error:  # icalendar raises ValueError, KeyError, IndexError… on garbage
        raise ICSError(f"not an iCalendar object: {error}") from error
    if not isinstance(calendar, icalendar.Calendar):
        raise ICSError("not a VCALENDAR")
    method = str(calendar.get("METHOD", "")).strip().upper()
    if method != "REPLY":
        raise ICSError(f"METHOD is {method or 'missing'}, not REPLY")
    events = calendar.walk("VEVENT")
    if not events:
        raise ICSError("no VEVENT in the reply")
    event = events[0]  # a reply to one meeting; recurrences are not ours to answer
    uid = str(event.get("UID", "")).strip()
    if not uid:
        raise ICSError("the reply has no UID")
    attendees = event.get("ATTENDEE")
    attendees = attendees if isinstance(attendees, list) else [attendees] if attendees is not None else []
    if len(attendees) != 1:
        raise ICSError(f"a reply must name exactly one ATTENDEE, this one names {len(attendees)}")
    attendee = attendees[0]
    attendee_email = _email_of(attendee)
    if not attendee_email:
        raise ICSError("the ATTENDEE has no address")
    delegated_to = _first(attendee.params.get("DELEGATED-TO"))
    sent_by = _first(attendee.params.get("SENT-BY"))
    organizer = event.get("ORGANIZER")  # Exchange leaves it out
    return Reply(
        uid=uid,
        sequence=_sequence(event),
        attendee_email=attendee_email,
        partstat=str(attendee.params.get("PARTSTAT", "NEEDS-ACTION")).strip().upper(),
        delegated_to=_email_of(delegated_to) if delegated_to else None,
        sent_by=_email_of(sent_by) if sent_by else None,
        organizer_email=(_email_of(organizer) or None) if organizer is not None else None,
        dtstamp=_dtstamp(event),
    )


def _first(value: object) -> object:
    """A parameter's value, the first when it has several."""
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _email_of(address: object) -> str:
    text = str(address).strip().strip('"')
    if text[:7].lower() == "mailto:":
        text = text[7:]
    return text.strip().lower()


def _sequence(event: icalendar.Event) -> int:
    value = event.get("SEQUENCE")
    if value is None:
        return 0
    try:
        return int(value)
    except (TypeError, ValueError) as error:
        raise ICSError(f"SEQUENCE is not a number: {value!r}") from error


def _dtstamp(event: icalendar.Event) -> datetime | None:
    value = event.get("DTSTAMP")
    moment = getattr(value, "dt", None)
    if not isinstance(moment, datetime):
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def calendar_part(message: email.message.Message) -> bytes | None:
    """The first calendar in a mail — a text/calendar part or an .ics attachment — as UTF-8 bytes."""
    for part in message.walk():
        if part.is_multipart():
            continue
        filename = (part.get_filename() or "").lower()
        if part.get_content_type() not in CALENDAR_TYPES and not filename.endswith(".ics"):
            continue
        payload = part.get_payload(decode=True)
        if payload is None:
            continue
        charset = (part.get_content_charset() or "utf-8").lower()
        if charset not in ("utf-8", "utf8", "us-ascii"):
            try:
                payload = payload.decode(charset).encode("utf-8")
            except (LookupError, UnicodeDecodeError):
                pass  # a wrong label: leave the bytes for the parser to judge
        return payload
    return None
