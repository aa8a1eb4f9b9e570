"""The calendars we send and publish, read back with icalendar, and the replies calendars send us.

DESIGN.md's interoperability rules item by item: METHOD, PRODID, VERSION, a stable UID, DTSTAMP,
SEQUENCE, ORGANIZER and ATTENDEE parameters, TZID times with a hand-built RRULE VTIMEZONE, CRLF,
folds at 75 octets never inside a UTF-8 character. vobject's reading is in test_ics_interop.py.
"""
from __future__ import annotations

import email
import email.policy
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coordinator.invitations.ics import (
    Attendee, CalendarEvent, ICSError, Party, Reply, calendar_part, cancel, feed, parse_reply, request,
    vtimezone,
)

STOCKHOLM = ZoneInfo("Europe/Stockholm")
REPLIES = Path(__file__).parent.parent / "data" / "replies"
DTSTAMP = datetime(2027, 10, 1, 12, 30, 15, tzinfo=UTC)
UID = "meeting-42@samverkan.example.se"
ORGANIZER = Party("Åsa Öberg, rektor", "asa.oberg@example.se")
BJORN = Attendee("Björn Ärlig", "bjorn.arlig@skola.example.se")
WINTER = (datetime(2027, 11, 18, 9, 0, tzinfo=STOCKHOLM), datetime(2027, 11, 18, 8, 0, tzinfo=UTC))
SUMMER = (datetime(2027, 8, 26, 9, 0, tzinfo=STOCKHOLM), datetime(2027, 8, 26, 7, 0, tzinfo=UTC))
LONG_SWEDISH = ("Åtgärdsplan för elever med hög frånvaro på Årstaskolan, Älvsjö och Högdalen: "
                "överenskommelse om vårdnadshavares närvaro, ärendegång och återkoppling till skolans "
                "elevhälsoteam – ÅÄÖ åäö ÅÄÖ åäö ÅÄÖ åäö ÅÄÖ åäö ÅÄÖ åäö")


def meeting(starts_at: datetime = WINTER[0], **changes: Any) -> CalendarEvent:
    event = CalendarEvent(
        uid=UID, sequence=0, starts_at=starts_at, ends_at=starts_at + timedelta(minutes=90),
        summary="Samverkansmöte Årstaskolan", organizer=ORGANIZER, attendees=(BJORN,),
        location="Rum 3, Årstaskolan", description="Dagordning:\n1. Öppnande\n2. Elevärenden",
        url="https://samverkan.example.se/rsvp/abc",
    )
    return replace(event, **changes)


def parse(data: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(data)


def the_event(calendar: icalendar.Calendar) -> icalendar.Event:
    [event] = calendar.walk("VEVENT")
    return event


def content_lines(data: bytes) -> list[str]:
    """The unfolded lines, as text."""
    return data.replace(b"\r\n ", b"").decode().split("\r\n")


# -- the request ----------------------------------------------------------------------------------------

def test_a_request_carries_every_property_the_interoperability_rules_name():
    calendar = parse(request(meeting(sequence=3), dtstamp=DTSTAMP))
    event = the_event(calendar)

    assert calendar["METHOD"] == "REQUEST"
    assert calendar["PRODID"] == "-//Samverkan coordinator//SV"
    assert calendar["VERSION"] == "2.0"
    assert calendar["CALSCALE"] == "GREGORIAN"
    assert len(calendar.walk("VTIMEZONE")) == 1
    assert event["UID"] == UID
    assert event["SEQUENCE"] == 3
    assert event.decoded("DTSTAMP") == DTSTAMP
    assert event["SUMMARY"] == "Samverkansmöte Årstaskolan"
    assert event["LOCATION"] == "Rum 3, Årstaskolan"
    assert event["DESCRIPTION"] == "Dagordning:\n1. Öppnande\n2. Elevärenden"
    assert event["URL"] == "https://samverkan.example.se/rsvp/abc"
    assert event["STATUS"] == "CONFIRMED"
    assert event["TRANSP"] == "OPAQUE"
    assert event["ORGANIZER"] == "mailto:asa.oberg@example.se"
    assert event["ORGANIZER"].params["CN"] == "Åsa Öberg, rektor"


def test_each_attendee_has_cn_role_partstat_rsvp_and_cutype():
    chair = Attendee("Cecilia Dahl", "cecilia.dahl@example.se", role="CHAIR", partstat="ACCEPTED", rsvp=False)
    event = the_event(parse(request(meeting(attendees=(BJORN, chair)), dtstamp=DTSTAMP)))

    first, second = event["ATTENDEE"]
    assert first == "mailto:bjorn.arlig@skola.example.se"
    assert dict(first.params) == {"CN": "Björn Ärlig", "ROLE": "REQ-PARTICIPANT", "PARTSTAT": "NEEDS-ACTION",
                                  "RSVP": "TRUE", "CUTYPE": "INDIVIDUAL"}
    assert second == "mailto:cecilia.dahl@example.se"
    assert (second.params["ROLE"], second.params["PARTSTAT"], second.params["RSVP"]) == ("CHAIR", "ACCEPTED", "FALSE")


def test_a_delegation_names_both_sides_as_mailto_addresses():
    delegator = Attendee("Erik Lund", "erik.lund@example.se", partstat="DELEGATED", rsvp=False,
                         delegated_to="greta.holm@example.se")
    deputy = Attendee("Greta Holm", "greta.holm@example.se", delegated_from="erik.lund@example.se")
    event = the_event(parse(request(meeting(attendees=(delegator, deputy)), dtstamp=DTSTAMP)))

    erik, greta = event["ATTENDEE"]
    assert erik.params["PARTSTAT"] == "DELEGATED"
    assert erik.params["DELEGATED-TO"] == "mailto:greta.holm@example.se"
    assert greta.params["DELEGATED-FROM"] == "mailto:erik.lund@example.se"
    assert 'DELEGATED-TO="mailto:greta.holm@example.se"' in "".join(content_lines(request(
        meeting(attendees=(delegator,)), dtstamp=DTSTAMP)))


@pytest.mark.parametrize(("local", "utc"), [WINTER, SUMMER], ids=["winter", "summer"])
def test_times_are_stockholm_wall_clock_with_tzid_and_the_right_instant(local: datetime, utc: datetime):
    data = request(meeting(local), dtstamp=DTSTAMP)
    event = the_event(parse(data))

    wall_clock = local.strftime("%Y%m%dT%H%M%S")
    assert f"DTSTART;TZID=Europe/Stockholm:{wall_clock}" in content_lines(data)
    assert event["DTSTART"].params["TZID"] == "Europe/Stockholm"
    assert event.decoded("DTSTART") == utc
    assert event.decoded("DTEND") == utc + timedelta(minutes=90)


def test_times_given_in_utc_are_written_in_the_calendars_zone():
    data = request(meeting(WINTER[1]), dtstamp=DTSTAMP)

    assert "DTSTART;TZID=Europe/Stockholm:20271118T090000" in content_lines(data)
    assert "DTEND;TZID=Europe/Stockholm:20271118T103000" in content_lines(data)


def test_dtstamp_is_the_build_time_in_utc():
    data = request(meeting(), dtstamp=datetime(2027, 10, 1, 14, 30, 15, 999, tzinfo=STOCKHOLM))

    assert "DTSTAMP:20271001T123015Z" in content_lines(data)


def test_the_video_link_goes_into_location_after_the_place_and_into_the_description():
    video = "https://meet.example.se/j/123?pwd=x"
    event = the_event(parse(request(meeting(video_url=video), dtstamp=DTSTAMP)))

    assert event["LOCATION"] == f"Rum 3, Årstaskolan, {video}"
    assert event["DESCRIPTION"] == f"Dagordning:\n1. Öppnande\n2. Elevärenden\n\n{video}"


def test_a_video_link_already_in_the_description_is_not_repeated():
    video = "https://meet.example.se/j/123"
    event = the_event(parse(request(meeting(video_url=video, location=None, description=f"Länk: {video}"),
                                    dtstamp=DTSTAMP)))

    assert event["LOCATION"] == video
    assert event["DESCRIPTION"] == f"Länk: {video}"


def test_a_meeting_without_place_description_or_page_leaves_those_properties_out():
    event = the_event(parse(request(meeting(location=None, description="", url=None), dtstamp=DTSTAMP)))

    assert not {"LOCATION", "DESCRIPTION", "URL"} & set(event)


def test_last_modified_is_written_in_utc_when_known():
    data = request(meeting(last_modified=datetime(2027, 9, 30, 10, 0, tzinfo=STOCKHOLM)), dtstamp=DTSTAMP)

    assert "LAST-MODIFIED:20270930T080000Z" in content_lines(data)


@pytest.mark.parametrize("change", [
    {"starts_at": datetime(2027, 11, 18, 9, 0)},
    {"ends_at": WINTER[0]},
    {"cancelled": True},
], ids=["naive time", "ends when it starts", "cancelled"])
def test_a_request_refuses_what_no_calendar_could_show_right(change: dict[str, object]):
    with pytest.raises(ICSError):
        request(meeting(**change), dtstamp=DTSTAMP)


def test_a_request_refuses_a_naive_dtstamp():
    with pytest.raises(ICSError):
        request(meeting(), dtstamp=datetime(2027, 10, 1, 12, 0))


# -- the cancellation ------------------------------------------------------------------------------------

def test_a_cancellation_keeps_the_uid_and_carries_the_raised_sequence():
    sent = the_event(parse(request(meeting(sequence=2), dtstamp=DTSTAMP)))
    calendar = parse(cancel(meeting(sequence=3), dtstamp=DTSTAMP + timedelta(days=1)))
    cancelled = the_event(calendar)

    assert calendar["METHOD"] == "CANCEL"
    assert cancelled["STATUS"] == "CANCELLED"
    assert cancelled["UID"] == sent["UID"] == UID
    assert cancelled["SEQUENCE"] == 3
    assert cancelled.decoded("DTSTAMP") == DTSTAMP + timedelta(days=1)
    assert cancelled["ATTENDEE"] == "mailto:bjorn.arlig@skola.example.se"
    assert cancelled["ORGANIZER"].params["CN"] == "Åsa Öberg, rektor"
    assert len(calendar.walk("VTIMEZONE")) == 1


# -- the VTIMEZONE ---------------------------------------------------------------------------------------

def test_the_stockholm_vtimezone_is_two_rrule_parts_and_no_rdates():
    data = request(meeting(), dtstamp=DTSTAMP)
    [zone] = parse(data).walk("VTIMEZONE")

    assert zone["TZID"] == "Europe/Stockholm"
    assert "RDATE" not in data.decode()
    [daylight] = zone.walk("DAYLIGHT")
    [standard] = zone.walk("STANDARD")
    assert _sorted_lines(daylight) == sorted([
        "TZNAME:CEST", "TZOFFSETFROM:+0100", "TZOFFSETTO:+0200", "DTSTART:19700329T020000",
        "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3"])
    assert _sorted_lines(standard) == sorted([
        "TZNAME:CET", "TZOFFSETFROM:+0200", "TZOFFSETTO:+0100", "DTSTART:19701025T030000",
        "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10"])


def _sorted_lines(component: icalendar.cal.Component) -> list[str]:
    return sorted(component.to_ical().decode().split("\r\n")[1:-2])


@pytest.mark.parametrize(("tzid", "standard", "daylight", "names", "spring", "autumn"), [
    ("Europe/London", "+0000", "+0100", ("GMT", "BST"), "19700329T010000", "19701025T020000"),
    ("Europe/Helsinki", "+0200", "+0300", ("EET", "EEST"), "19700329T030000", "19701025T040000"),
    ("Europe/Berlin", "+0100", "+0200", ("CET", "CEST"), "19700329T020000", "19701025T030000"),
])
def test_other_eu_rule_zones_get_their_own_offsets_and_switch_times(tzid, standard, daylight, names, spring,
                                                                     autumn):
    zone = vtimezone(tzid)
    [summer] = zone.walk("DAYLIGHT")
    [winter] = zone.walk("STANDARD")

    assert zone["TZID"] == tzid
    assert {f"TZOFFSETFROM:{standard}", f"TZOFFSETTO:{daylight}", f"TZNAME:{names[1]}",
            f"DTSTART:{spring}"} <= set(_sorted_lines(summer))
    assert {f"TZOFFSETFROM:{daylight}", f"TZOFFSETTO:{standard}", f"TZNAME:{names[0]}",
            f"DTSTART:{autumn}"} <= set(_sorted_lines(winter))


@pytest.mark.parametrize("tzid", ["America/New_York", "Asia/Tokyo", "UTC", "Europe/Moscow", "Nowhere/Atlantis"])
def test_a_zone_that_does_not_keep_the_eu_rule_is_refused_rather_than_written_wrong(tzid: str):
    with pytest.raises(ICSError):
        vtimezone(tzid)
    with pytest.raises(ICSError):
        request(meeting(), dtstamp=DTSTAMP, timezone=tzid)


def test_a_request_in_another_zone_writes_its_tzid_and_its_vtimezone():
    data = request(meeting(WINTER[0]), dtstamp=DTSTAMP, timezone="Europe/Helsinki")
    calendar = parse(data)

    assert "DTSTART;TZID=Europe/Helsinki:20271118T100000" in content_lines(data)
    assert [zone["TZID"] for zone in calendar.walk("VTIMEZONE")] == ["Europe/Helsinki"]
    assert the_event(calendar).decoded("DTSTART") == WINTER[1]


# -- line format ------------------------------------------------------------------------------------------

def assert_well_formed_lines(data: bytes) -> None:
    """CRLF everywhere, no physical line over 75 octets, and each one valid UTF-8 on its own."""
    assert data.endswith(b"\r\n")
    assert data.count(b"\n") == data.count(b"\r\n")
    assert b"\r" not in data.replace(b"\r\n", b"")
    for line in data.split(b"\r\n")[:-1]:
        assert len(line) <= 75, line
        line.decode("utf-8")  # a fold inside a multi-octet character fails here


def swedish_heavy_event() -> CalendarEvent:
    return meeting(
        summary=LONG_SWEDISH, location=LONG_SWEDISH, description="\n".join([LONG_SWEDISH] * 3),
        organizer=Party("Åsa-Märta Öhrström Ängdahl, biträdande rektor för årskurs 7–9", "asa@example.se"),
        attendees=(Attendee("Örjan Åkesson-Älvström, socialsekreterare på Söderförorternas förvaltning",
                            "orjan@example.se"),),
    )


@pytest.mark.parametrize("build", [
    lambda e: request(e, dtstamp=DTSTAMP),
    lambda e: cancel(e, dtstamp=DTSTAMP),
    lambda e: feed([e, e], name="Mina möten – Åsa Öberg", dtstamp=DTSTAMP),
], ids=["request", "cancel", "feed"])
def test_long_swedish_lines_are_folded_at_75_octets_between_characters(build):
    event = swedish_heavy_event()
    data = build(event)

    assert_well_formed_lines(data)
    parsed = the_event(parse(data)) if b"METHOD:PUBLISH" not in data else parse(data).walk("VEVENT")[0]
    assert parsed["SUMMARY"] == LONG_SWEDISH
    assert parsed["LOCATION"] == LONG_SWEDISH
    assert parsed["DESCRIPTION"] == event.description
    assert parsed["ORGANIZER"].params["CN"] == event.organizer.name


@settings(max_examples=60, deadline=None)
@given(summary=st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=300),
       description=st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r"), max_size=300))
def test_any_text_survives_the_round_trip_in_well_formed_lines(summary: str, description: str):
    data = request(meeting(summary=summary, description=description), dtstamp=DTSTAMP)

    assert_well_formed_lines(data)
    event = the_event(parse(data))
    assert event["SUMMARY"] == summary
    assert event.get("DESCRIPTION", "") == description


# -- the feed --------------------------------------------------------------------------------------------

def test_a_feed_publishes_every_meeting_with_one_vtimezone_and_its_refresh_hints():
    events = [meeting(uid=f"meeting-{n}@samverkan.example.se", starts_at=WINTER[0] + timedelta(days=n))
              for n in range(3)]
    events.append(meeting(uid="cancelled@samverkan.example.se", starts_at=SUMMER[0], sequence=4, cancelled=True))
    data = feed(events, name="Samverkan – Åsa Öberg", dtstamp=DTSTAMP)
    calendar = parse(data)
    lines = content_lines(data)

    assert calendar["METHOD"] == "PUBLISH"
    assert calendar["X-WR-CALNAME"] == "Samverkan – Åsa Öberg"
    assert calendar["X-WR-TIMEZONE"] == "Europe/Stockholm"
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H" in lines
    assert "X-PUBLISHED-TTL:PT1H" in lines
    assert len(calendar.walk("VTIMEZONE")) == 1
    published = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    assert list(published) == [e.uid for e in events]
    assert [str(e["STATUS"]) for e in published.values()] == ["CONFIRMED"] * 3 + ["CANCELLED"]
    assert published["cancelled@samverkan.example.se"]["SEQUENCE"] == 4
    assert published["cancelled@samverkan.example.se"].decoded("DTSTART") == SUMMER[1]
    assert not any("ATTENDEE" in e for e in published.values())
    assert all(e.decoded("DTSTAMP") == DTSTAMP for e in published.values())


def test_a_transparent_meeting_is_free_time_in_outlook_google_and_apple():
    """A delegator's copy: TRANSP frees the slot in Google and Apple; Exchange reads its own busy status first."""
    for data in (request(meeting(transparent=True), dtstamp=DTSTAMP),
                 feed([meeting(transparent=True)], name="Samverkan", dtstamp=DTSTAMP)):
        event = the_event(parse(data))
        assert (event["TRANSP"], event["X-MICROSOFT-CDO-BUSYSTATUS"], event["X-MICROSOFT-CDO-INTENDEDSTATUS"]) == (
            "TRANSPARENT", "FREE", "FREE")
    busy = the_event(parse(request(meeting(), dtstamp=DTSTAMP)))
    assert busy["TRANSP"] == "OPAQUE" and "X-MICROSOFT-CDO-BUSYSTATUS" not in busy


def test_an_empty_feed_is_still_a_calendar_clients_subscribe_to():
    calendar = parse(feed([], name="Inga möten", dtstamp=DTSTAMP))

    assert calendar["METHOD"] == "PUBLISH"
    assert calendar.walk("VEVENT") == []
    assert len(calendar.walk("VTIMEZONE")) == 1


def test_a_feed_accepts_any_iterable_of_events():
    data = feed((meeting(uid=f"m{n}") for n in range(2)), name="Samverkan", dtstamp=DTSTAMP)

    assert [str(e["UID"]) for e in parse(data).walk("VEVENT")] == ["m0", "m1"]


# -- replies ---------------------------------------------------------------------------------------------

def reply_in(name: str) -> bytes:
    data = (REPLIES / name).read_bytes()
    if name.endswith(".eml"):
        found = calendar_part(email.message_from_bytes(data, policy=email.policy.default))
        assert found is not None
        return found
    return data


@pytest.mark.parametrize(("name", "expected"), [
    ("outlook-accepted.eml", Reply(  # Exchange: no ORGANIZER, "MAILTO:" in capitals, mixed-case address
        uid=UID, sequence=1, attendee_email="bjorn.arlig@skola.example.se", partstat="ACCEPTED",
        delegated_to=None, organizer_email=None, dtstamp=datetime(2027, 10, 2, 7, 45, 12, tzinfo=UTC))),
    ("google-tentative.eml", Reply(
        uid=UID, sequence=2, attendee_email="cecilia.dahl@gmail.com", partstat="TENTATIVE",
        delegated_to=None, organizer_email="asa.oberg@example.se",
        dtstamp=datetime(2027, 10, 2, 8, 15, 1, tzinfo=UTC))),
    ("apple-declined.eml", Reply(
        uid=UID, sequence=1, attendee_email="david.eriksson@icloud.com", partstat="DECLINED",
        delegated_to=None, organizer_email="asa.oberg@example.se",
        dtstamp=datetime(2027, 10, 2, 9, 11, 22, tzinfo=UTC))),
    ("thunderbird-delegated.ics", Reply(
        uid=UID, sequence=1, attendee_email="erik.lund@skola.example.se", partstat="DELEGATED",
        delegated_to="greta.holm@skola.example.se", organizer_email="asa.oberg@example.se",
        dtstamp=datetime(2027, 10, 2, 10, 0, tzinfo=UTC))),
])
def test_replies_as_calendar_clients_send_them_are_read(name: str, expected: Reply):
    assert parse_reply(reply_in(name)) == expected


def test_a_reply_is_read_from_text_too():
    assert parse_reply(reply_in("thunderbird-delegated.ics").decode()).partstat == "DELEGATED"


@pytest.mark.parametrize("name", [
    "malformed-garbage.ics", "malformed-request.ics", "malformed-two-attendees.ics", "malformed-no-uid.ics",
    "malformed-no-event.ics",
])
def test_a_calendar_that_is_not_exactly_one_answer_is_refused(name: str):
    with pytest.raises(ICSError):
        parse_reply(reply_in(name))


@pytest.mark.parametrize("data", [b"", b"\x00\xff\xfe", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", b"BEGIN:VEVENT"])
def test_empty_and_binary_data_are_refused(data: bytes | str):
    with pytest.raises(ICSError):
        parse_reply(data)


def test_our_own_request_is_not_taken_for_a_reply():
    with pytest.raises(ICSError, match="REQUEST"):
        parse_reply(request(meeting(), dtstamp=DTSTAMP))


def test_a_reply_without_sequence_or_partstat_reads_as_sequence_0_needing_action():
    data = (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//EN\r\nMETHOD:reply\r\nBEGIN:VEVENT\r\n"
            b"UID:m-1\r\nATTENDEE:mailto:Someone@Example.SE\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")

    assert parse_reply(data) == Reply(uid="m-1", sequence=0, attendee_email="someone@example.se",
                                      partstat="NEEDS-ACTION", delegated_to=None, organizer_email=None,
                                      dtstamp=None)


def test_a_reply_names_whoever_may_send_it_for_the_attendee():
    data = (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//EN\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\nUID:m-1\r\n"
            b"ATTENDEE;PARTSTAT=ACCEPTED;SENT-BY=\"MAILTO:Assistent@Skola.example.se\":mailto:chef@skola.example.se\r\n"
            b"END:VEVENT\r\nEND:VCALENDAR\r\n")

    reply = parse_reply(data)

    assert (reply.attendee_email, reply.sent_by) == ("chef@skola.example.se", "assistent@skola.example.se")


def test_a_reply_with_a_sequence_that_is_no_number_is_refused():
    data = (b"BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\nUID:m-1\r\nSEQUENCE:two\r\n"
            b"ATTENDEE;PARTSTAT=ACCEPTED:mailto:a@example.se\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")

    with pytest.raises(ICSError):
        parse_reply(data)


# -- finding the calendar in a mail ------------------------------------------------------------------------

def test_the_calendar_part_is_found_inside_alternative_and_mixed_parts_and_decoded():
    outlook = email.message_from_bytes((REPLIES / "outlook-accepted.eml").read_bytes(), policy=email.policy.default)
    apple = email.message_from_bytes((REPLIES / "apple-declined.eml").read_bytes(), policy=email.policy.default)

    for message in (outlook, apple):
        data = calendar_part(message)
        assert data is not None
        assert data.startswith(b"BEGIN:VCALENDAR\r\n")
        assert data.count(b"\n") == data.count(b"\r\n")
        assert "Årstaskolan" in data.decode("utf-8")


def test_an_ics_attachment_alone_is_found():
    message = email.message.EmailMessage()
    message["Subject"] = "Svar"
    message.set_content("Se bilagan.")
    message.add_attachment(reply_in("thunderbird-delegated.ics"), maintype="application", subtype="ics",
                           filename="invite.ics")

    assert calendar_part(message) == reply_in("thunderbird-delegated.ics")


def test_a_calendar_in_another_charset_is_handed_on_as_utf8():
    text = reply_in("thunderbird-delegated.ics").decode()
    message = email.message.EmailMessage()
    message.set_content(text.encode("latin-1", errors="replace"), maintype="text", subtype="calendar",
                        cte="base64", params={"charset": "iso-8859-1", "method": "REPLY"})

    data = calendar_part(message)
    assert data is not None
    assert parse_reply(data).attendee_email == "erik.lund@skola.example.se"
    assert "ORGANIZER;CN=\"Åsa Öberg, rektor\"" in data.decode("utf-8")


def test_a_mail_without_a_calendar_has_none():
    message = email.message.EmailMessage()
    message.set_content("Jag kommer!")
    message.add_alternative("<p>Jag kommer!</p>", subtype="html")

    assert calendar_part(message) is None
