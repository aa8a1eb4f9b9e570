"""What we send and publish, read by an independent parser: vobject (with dateutil's VTIMEZONE reader).

icalendar both writes and reads in test_ics.py, so a mistake shared by its writer and its reader
would pass there. Here every request, cancellation, feed and invitation email is read by vobject,
which turns the event times into instants through OUR VTIMEZONE (not through a zone database),
so a wrong RRULE or offset shows up as a meeting an hour off, as it would in Outlook.
"""
from __future__ import annotations

import email
import email.policy
import io
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import vobject
from dateutil import tz as dateutil_tz
from hypothesis import given, settings
from hypothesis import strategies as st

from coordinator.invitations.ics import Attendee, CalendarEvent, Party, cancel, feed, request, vtimezone
from coordinator.invitations.tokens import rsvp_links
from coordinator.outbox.compose import cancellation_message, invitation_message

STOCKHOLM = ZoneInfo("Europe/Stockholm")
DTSTAMP = datetime(2027, 10, 1, 12, 30, tzinfo=UTC)
ORGANIZER = Party("Åsa Öberg, rektor", "asa.oberg@example.se")
BJORN = Attendee("Björn Ärlig", "bjorn.arlig@skola.example.se")
WINTER = (datetime(2027, 11, 18, 9, 0, tzinfo=STOCKHOLM), datetime(2027, 11, 18, 8, 0, tzinfo=UTC))
SUMMER = (datetime(2027, 8, 26, 9, 0, tzinfo=STOCKHOLM), datetime(2027, 8, 26, 7, 0, tzinfo=UTC))
DESCRIPTION = "Dagordning:\n1. Öppnande; närvaro, frånvaro\n2. Åtgärder för åk 7–9"


def meeting(starts_at: datetime = WINTER[0], **changes: Any) -> CalendarEvent:
    event = CalendarEvent(
        uid="meeting-42@samverkan.example.se", sequence=2, starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=1), summary="Samverkansmöte Årstaskolan – elevhälsa",
        organizer=ORGANIZER, attendees=(BJORN,), location="Rum 3, Årstaskolan", description=DESCRIPTION,
    )
    return replace(event, **changes)


def read(data: bytes) -> vobject.base.Component:
    return vobject.readOne(data.decode("utf-8"))


def param(line: vobject.base.ContentLine, name: str) -> str:
    [value] = line.params[name]
    return value


def assert_event_as_sent(calendar: vobject.base.Component, event: CalendarEvent, utc: datetime) -> None:
    vevent = calendar.vevent
    assert vevent.uid.value == event.uid
    assert int(vevent.sequence.value) == event.sequence
    assert vevent.dtstamp.value == DTSTAMP
    for line, instant in ((vevent.dtstart, utc), (vevent.dtend, utc + timedelta(hours=1))):
        assert param(line, "X-VOBJ-ORIGINAL-TZID") == "Europe/Stockholm"  # vobject's name for the TZID it used
        assert type(line.value.tzinfo).__name__ == "_tzicalvtz"  # from the VTIMEZONE, not a zone database
        assert line.value.astimezone(UTC) == instant  # through the VTIMEZONE in the calendar
        assert line.value.replace(tzinfo=None) == instant.astimezone(STOCKHOLM).replace(tzinfo=None)
    assert vevent.summary.value == event.summary
    assert vevent.location.value == event.location
    assert vevent.description.value == event.description
    assert vevent.organizer.value == f"mailto:{event.organizer.email}"
    assert param(vevent.organizer, "CN") == event.organizer.name


def assert_vtimezone_as_outlook_reads_it(calendar: vobject.base.Component) -> None:
    [zone] = calendar.vtimezone_list
    assert zone.tzid.value == "Europe/Stockholm"
    parts = {child.name: child for child in zone.getChildren() if child.name in ("STANDARD", "DAYLIGHT")}
    assert set(parts) == {"STANDARD", "DAYLIGHT"}
    assert not any(child.name == "RDATE" for part in parts.values() for child in part.getChildren())
    assert parts["DAYLIGHT"].rrule.value == "FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3"
    assert parts["STANDARD"].rrule.value == "FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10"


@pytest.mark.parametrize(("local", "utc"), [WINTER, SUMMER], ids=["winter", "summer"])
def test_vobject_reads_the_request_item_by_item(local: datetime, utc: datetime):
    event = meeting(local)
    calendar = read(request(event, dtstamp=DTSTAMP))

    assert calendar.method.value == "REQUEST"
    assert calendar.prodid.value == "-//Samverkan coordinator//SV"
    assert calendar.version.value == "2.0"
    assert_vtimezone_as_outlook_reads_it(calendar)
    assert_event_as_sent(calendar, event, utc)
    attendee = calendar.vevent.attendee
    assert attendee.value == "mailto:bjorn.arlig@skola.example.se"
    assert {name: param(attendee, name) for name in ("CN", "ROLE", "PARTSTAT", "RSVP", "CUTYPE")} == {
        "CN": "Björn Ärlig", "ROLE": "REQ-PARTICIPANT", "PARTSTAT": "NEEDS-ACTION", "RSVP": "TRUE",
        "CUTYPE": "INDIVIDUAL"}
    assert calendar.vevent.status.value == "CONFIRMED"


@pytest.mark.parametrize(("local", "utc"), [WINTER, SUMMER], ids=["winter", "summer"])
def test_vobject_reads_the_cancellation_item_by_item(local: datetime, utc: datetime):
    event = meeting(local, sequence=3)
    calendar = read(cancel(event, dtstamp=DTSTAMP))

    assert calendar.method.value == "CANCEL"
    assert_vtimezone_as_outlook_reads_it(calendar)
    assert_event_as_sent(calendar, event, utc)
    assert calendar.vevent.status.value == "CANCELLED"


def test_vobject_reads_every_event_of_the_feed_at_its_instant():
    events = [meeting(WINTER[0], uid="winter@samverkan.example.se"),
              meeting(SUMMER[0], uid="summer@samverkan.example.se", cancelled=True)]
    calendar = read(feed(events, name="Samverkan – Söderort", dtstamp=DTSTAMP))

    assert calendar.method.value == "PUBLISH"
    assert calendar.x_wr_calname.value == "Samverkan – Söderort"
    assert calendar.x_wr_timezone.value == "Europe/Stockholm"
    assert calendar.contents["refresh-interval"][0].value == "PT1H"
    assert param(calendar.contents["refresh-interval"][0], "VALUE") == "DURATION"
    assert calendar.x_published_ttl.value == "PT1H"
    assert_vtimezone_as_outlook_reads_it(calendar)
    published = calendar.vevent_list
    assert [v.uid.value for v in published] == ["winter@samverkan.example.se", "summer@samverkan.example.se"]
    assert [v.dtstart.value.astimezone(UTC) for v in published] == [WINTER[1], SUMMER[1]]
    assert [v.status.value for v in published] == ["CONFIRMED", "CANCELLED"]


def test_vobject_unfolds_long_swedish_lines_to_the_very_text_we_wrote():
    long_text = ("Åtgärdsplan för elever med hög frånvaro på Årstaskolan, Älvsjö och Högdalen: överenskommelse "
                 "om vårdnadshavares närvaro; ärendegång och återkoppling – ÅÄÖ åäö " * 3)
    name = "Örjan Åkesson-Älvström, socialsekreterare på Söderförorternas förvaltning"
    event = meeting(summary=long_text, location=long_text, description=f"{long_text}\n{long_text}",
                    attendees=(Attendee(name, "orjan@example.se"),))
    data = request(event, dtstamp=DTSTAMP)
    vevent = read(data).vevent

    assert max(len(line) for line in data.split(b"\r\n")) <= 75
    assert (vevent.summary.value, vevent.location.value) == (long_text, long_text)
    assert vevent.description.value == event.description
    assert param(vevent.attendee, "CN") == name


@pytest.mark.parametrize("tzid", ["Europe/Stockholm", "Europe/London", "Europe/Helsinki"])
@settings(max_examples=80, deadline=None)
@given(moment=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2037, 12, 31)))
def test_the_vtimezone_gives_the_zone_databases_offset_at_every_moment(tzid: str, moment: datetime):
    """dateutil reads our VTIMEZONE as a client would; its offsets must be the tz database's."""
    ours = dateutil_tz.tzical(_as_file(vtimezone(tzid).to_ical())).get(tzid)
    instant = moment.replace(tzinfo=UTC)

    assert instant.astimezone(ours).utcoffset() == instant.astimezone(ZoneInfo(tzid)).utcoffset()


@pytest.mark.parametrize("instant", [
    datetime(2027, 3, 28, 0, 59, 59, tzinfo=UTC), datetime(2027, 3, 28, 1, 0, tzinfo=UTC),
    datetime(2027, 10, 31, 0, 59, 59, tzinfo=UTC), datetime(2027, 10, 31, 1, 0, tzinfo=UTC),
], ids=["before spring", "spring", "before autumn", "autumn"])
def test_the_vtimezone_switches_at_the_very_second_the_tz_database_does(instant: datetime):
    ours = dateutil_tz.tzical(_as_file(vtimezone().to_ical())).get("Europe/Stockholm")

    assert instant.astimezone(ours).utcoffset() == instant.astimezone(STOCKHOLM).utcoffset()


def _as_file(data: bytes) -> io.StringIO:
    return io.StringIO(data.decode())


# -- the emails ------------------------------------------------------------------------------------------

def test_the_invitation_emails_calendar_is_read_by_vobject_with_the_parts_method():
    recipient = Party(BJORN.name, BJORN.email)
    message = invitation_message(
        meeting(SUMMER[0], description=""), recipient, language="en", sender=Party("Samverkan", "samverkan@example.se"),
        message_id="<1@example.se>", dtstamp=DTSTAMP, timezone="Europe/Stockholm", agenda="1. Öppnande",
        rsvp=rsvp_links("https://samverkan.example.se", "T"), reply_to=None)
    arrived = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    [part] = [p for p in arrived.walk() if p.get_content_type() == "text/calendar"]
    calendar = read(part.get_payload(decode=True))

    assert part.get_param("method") == calendar.method.value == "REQUEST"
    assert calendar.vevent.dtstart.value.astimezone(UTC) == SUMMER[1]
    assert calendar.vevent.description.value.startswith("Agenda:\n1. Öppnande")
    assert [a.value for a in calendar.vevent.attendee_list] == ["mailto:bjorn.arlig@skola.example.se"]


def test_the_cancellation_emails_calendar_is_read_by_vobject_with_the_parts_method():
    message = cancellation_message(
        meeting(WINTER[0], sequence=5), Party(BJORN.name, BJORN.email), language="sv",
        sender=Party("Samverkan", "samverkan@example.se"), message_id="<2@example.se>", dtstamp=DTSTAMP,
        timezone="Europe/Stockholm", reply_to=None, removed=True)
    arrived = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    [part] = [p for p in arrived.walk() if p.get_content_type() == "text/calendar"]
    calendar = read(part.get_payload(decode=True))

    assert part.get_param("method") == calendar.method.value == "CANCEL"
    assert (calendar.vevent.status.value, int(calendar.vevent.sequence.value)) == ("CANCELLED", 5)
    assert calendar.vevent.dtstart.value.astimezone(UTC) == WINTER[1]
