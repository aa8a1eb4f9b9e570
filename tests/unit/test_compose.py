"""The emails: their MIME shape, one recipient each, Swedish or English, and the calendar they carry."""
from __future__ import annotations

import email
import email.policy
import re
import smtplib
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest

from coordinator.invitations.ics import Attendee, CalendarEvent, ICSError, Party, cancel, feed, request
from coordinator.invitations.tokens import rsvp_links
from coordinator.org.models import Language
from coordinator.outbox.compose import (
    cancellation_message, compose, delegation_message, format_local, invitation_message, new_message_id, render,
)
from tests.smtp_server import SMTPServer

STOCKHOLM = ZoneInfo("Europe/Stockholm")
DTSTAMP = datetime(2027, 10, 1, 12, 0, tzinfo=UTC)
SENDER = Party("Samverkan Söderort", "samverkan@example.se")
CONVENER = Party("Åsa Öberg, rektor", "asa.oberg@example.se")
BJORN = Party("Björn Ärlig", "bjorn.arlig@skola.example.se")
LINKS = rsvp_links("https://samverkan.example.se", "TOKEN.abc")
AGENDA = "1. Öppnande\n2. Elever med hög frånvaro <åk 7–9>"
MESSAGE_ID = "<3f2a9c@samverkan.example.se>"


def meeting(**changes: Any) -> CalendarEvent:
    event = CalendarEvent(
        uid="meeting-42@samverkan.example.se", sequence=0, starts_at=datetime(2027, 10, 12, 13, 0, tzinfo=STOCKHOLM),
        ends_at=datetime(2027, 10, 12, 14, 30, tzinfo=STOCKHOLM), summary="Samverkansmöte Årstaskolan",
        organizer=CONVENER, attendees=(Attendee(BJORN.name, BJORN.email),), location="Rum 3, Årstaskolan",
        video_url="https://meet.example.se/j/42",
    )
    return replace(event, **changes)


def invitation(language: str = "sv", *, event: CalendarEvent | None = None, **options: Any) -> EmailMessage:
    """The Swedish invitation to BJORN with agenda and links, unless told otherwise."""
    arguments = {"language": language, "sender": SENDER, "message_id": MESSAGE_ID, "dtstamp": DTSTAMP,
                 "timezone": "Europe/Stockholm", "agenda": AGENDA, "rsvp": LINKS, "reply_to": CONVENER, **options}
    return invitation_message(event or meeting(), BJORN, **arguments)


def cancellation(language: str = "sv", removed: bool = False) -> EmailMessage:
    return cancellation_message(meeting(sequence=1), BJORN, language=language, sender=SENDER, message_id=MESSAGE_ID,
                                dtstamp=DTSTAMP, timezone="Europe/Stockholm", reply_to=CONVENER, removed=removed)


def received(message: EmailMessage) -> EmailMessage:
    """The message as a mail client reads it from the bytes the outbox stores."""
    return email.message_from_bytes(message.as_bytes(), policy=email.policy.default)  # type: ignore[return-value]


def parts(message: EmailMessage) -> list[str]:
    return [part.get_content_type() for part in message.walk()]


def body(message: EmailMessage, subtype: str) -> str:
    """The text as a mail client shows it (the wire's CRLF line ends read as line ends)."""
    part = next(p for p in message.walk() if p.get_content_type() == f"text/{subtype}")
    return part.get_content().replace("\r\n", "\n")


def calendar_of(message: EmailMessage) -> bytes:
    return next(p for p in message.walk() if p.get_content_type() == "text/calendar").get_payload(decode=True)


def raw_header_block(message: EmailMessage, content_type: str) -> str:
    """The headers of the part with this content type, as written on the wire."""
    raw = message.as_bytes().decode("ascii")
    start = raw.index(f"Content-Type: {content_type}")
    return raw[start:raw.index("\r\n\r\n", start)]


# -- message ids, rendering, dates ---------------------------------------------------------------------

def test_message_ids_are_unguessable_and_in_the_sites_domain():
    ids = {new_message_id("samverkan.example.se") for _ in range(200)}

    assert len(ids) == 200
    assert all(re.fullmatch(r"<[0-9a-f]{32}@samverkan\.example\.se>", i) for i in ids)


@pytest.mark.parametrize(("language", "expected"), [
    ("sv", "tisdag 12 oktober 2027 kl. 13.00"),
    ("en", "Tuesday 12 October 2027, 13:00"),
    (Language.EN, "Tuesday 12 October 2027, 13:00"),
    ("de", "tisdag 12 oktober 2027 kl. 13.00"),
])
def test_times_are_written_in_the_recipients_words(language, expected):
    assert format_local(datetime(2027, 10, 12, 11, 0, tzinfo=UTC), language) == expected


def test_times_follow_summer_and_winter_time_in_the_sites_zone():
    assert format_local(datetime(2027, 11, 18, 8, 0, tzinfo=UTC), "sv") == "torsdag 18 november 2027 kl. 09.00"
    assert format_local(datetime(2027, 8, 26, 7, 0, tzinfo=UTC), "sv", "Europe/Stockholm", "time") == "09.00"
    assert format_local(datetime(2027, 8, 26, 7, 0, tzinfo=UTC), "en", "Europe/London", "date") == "Thursday 26 August 2027"


def test_render_gives_text_and_html_and_no_html_where_there_is_no_html_template():
    text, html = render("invitation", "en", event=meeting(), recipient=BJORN, agenda=None, rsvp=None,
                        is_update=False, timezone="Europe/Stockholm")
    description, none = render("invitation_description", "sv", event=meeting(), agenda="Punkt", rsvp=None)

    assert "When: Tuesday 12 October 2027, 13:00–14:30" in text
    assert html is not None and '<html lang="en">' in html
    assert "Dagordning:\nPunkt" in description
    assert none is None


def test_an_unknown_language_renders_the_swedish_templates():
    text, _ = render("cancellation", "fi", event=meeting(), recipient=BJORN, removed=False)

    assert "Mötet är inställt." in text


def test_html_bodies_escape_what_people_typed():
    html = body(invitation(), "html")

    assert "&lt;åk 7–9&gt;" in html
    assert "<åk" not in html


# -- compose --------------------------------------------------------------------------------------------

def test_a_plain_message_is_text_only_with_one_recipient_and_the_given_ids():
    message = received(compose(sender=SENDER, to=BJORN, subject="Påminnelse: möte i morgon", text="Hej Björn!",
                               message_id=MESSAGE_ID, date=DTSTAMP))

    assert parts(message) == ["text/plain"]
    [recipient] = message["To"].addresses
    assert (recipient.display_name, recipient.addr_spec) == (BJORN.name, BJORN.email)
    assert message["Message-ID"] == MESSAGE_ID
    assert message["Subject"] == "Påminnelse: möte i morgon"
    assert message["Date"].datetime == DTSTAMP
    assert body(message, "plain") == "Hej Björn!\n"
    assert message["Reply-To"] is None and message["Cc"] is None and message["Bcc"] is None


def test_text_and_html_make_an_alternative():
    message = received(compose(sender=SENDER, to=BJORN, subject="S", text="T", html="<p>H</p>",
                               message_id=MESSAGE_ID, date=DTSTAMP, headers={"Auto-Submitted": "auto-generated"}))

    assert parts(message) == ["multipart/alternative", "text/plain", "text/html"]
    assert message["Auto-Submitted"] == "auto-generated"


def test_names_with_swedish_letters_are_encoded_words_in_from_to_and_reply_to():
    raw = compose(sender=SENDER, to=BJORN, reply_to=CONVENER, subject="Möte", text="Hej",
                  message_id=MESSAGE_ID, date=DTSTAMP).as_bytes()
    headers = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")  # raises when a header is not plain ASCII
    message = received(email.message_from_bytes(raw, policy=email.policy.default))  # type: ignore[arg-type]

    assert "=?utf-8?" in headers
    assert message["From"].addresses[0].display_name == "Samverkan Söderort"
    assert message["To"].addresses[0].display_name == "Björn Ärlig"
    assert message["Reply-To"].addresses[0].display_name == "Åsa Öberg, rektor"
    assert message["Reply-To"].addresses[0].addr_spec == "asa.oberg@example.se"


def test_a_calendar_goes_in_as_the_last_alternative_with_the_unquoted_method_and_intact_bytes():
    calendar = request(meeting(), dtstamp=DTSTAMP)
    sent = compose(sender=SENDER, to=BJORN, subject="Inbjudan", text="T", html="<p>H</p>", calendar=calendar,
                   method="REQUEST", message_id=MESSAGE_ID, date=DTSTAMP)
    message = received(sent)

    assert parts(message) == ["multipart/alternative", "text/plain", "text/html", "text/calendar"]
    assert raw_header_block(sent, "text/calendar").startswith(
        'Content-Type: text/calendar; charset="UTF-8"; method=REQUEST\r\n')
    assert calendar_of(message) == calendar


def test_a_calendar_without_html_still_makes_an_alternative_of_two():
    calendar = cancel(meeting(), dtstamp=DTSTAMP)
    message = received(compose(sender=SENDER, to=BJORN, subject="Inställt", text="T", calendar=calendar,
                               message_id=MESSAGE_ID, date=DTSTAMP))

    assert parts(message) == ["multipart/alternative", "text/plain", "text/calendar"]
    assert message.get_payload()[1].get_param("method") == "CANCEL"  # read from the calendar when not given
    assert calendar_of(message) == calendar


def test_a_method_that_contradicts_the_calendar_is_refused():
    with pytest.raises(ICSError):
        compose(sender=SENDER, to=BJORN, subject="S", text="T", calendar=request(meeting(), dtstamp=DTSTAMP),
                method="CANCEL", message_id=MESSAGE_ID)
    with pytest.raises(ICSError):
        compose(sender=SENDER, to=BJORN, subject="S", text="T", calendar=b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
                message_id=MESSAGE_ID)


def test_a_feed_may_be_mailed_as_publish():
    calendar = feed([meeting()], name="Samverkan", dtstamp=DTSTAMP)
    message = received(compose(sender=SENDER, to=BJORN, subject="S", text="T", calendar=calendar,
                               message_id=MESSAGE_ID, date=DTSTAMP))

    assert message.get_payload()[1].get_param("method") == "PUBLISH"


def test_the_stored_bytes_have_crlf_line_ends_throughout():
    raw = invitation().as_bytes()

    assert raw.count(b"\n") == raw.count(b"\r\n")


# -- the invitation -------------------------------------------------------------------------------------

def test_an_invitation_is_text_html_and_a_request_for_its_one_recipient():
    sent = invitation()
    message = received(sent)
    calendar = icalendar.Calendar.from_ical(calendar_of(message))
    [event] = calendar.walk("VEVENT")

    assert parts(message) == ["multipart/alternative", "text/plain", "text/html", "text/calendar"]
    assert message["To"].addresses[0].addr_spec == BJORN.email and len(message["To"].addresses) == 1
    assert message["Message-ID"] == MESSAGE_ID
    assert message["Date"].datetime == DTSTAMP
    assert message["Reply-To"].addresses[0].addr_spec == CONVENER.email
    assert message["Content-Language"] == "sv"
    assert "method=REQUEST\r\n" in raw_header_block(sent, "text/calendar")
    assert calendar["METHOD"] == "REQUEST"
    assert event["ATTENDEE"] == f"mailto:{BJORN.email}"
    assert event["ORGANIZER"].params["CN"] == CONVENER.name


def test_the_swedish_invitation_tells_when_where_the_agenda_and_how_to_answer():
    message = received(invitation())
    text = body(message, "plain")

    assert message["Subject"] == "Inbjudan: Samverkansmöte Årstaskolan tisdag 12 oktober 2027 kl. 13.00"
    assert "Hej Björn Ärlig!" in text
    assert "När: tisdag 12 oktober 2027 kl. 13.00–14.30" in text
    assert "Var: Rum 3, Årstaskolan" in text
    assert "Videolänk: https://meet.example.se/j/42" in text
    assert "Dagordning:\n1. Öppnande\n2. Elever med hög frånvaro <åk 7–9>" in text
    assert f"Jag kommer: {LINKS.accept}" in text
    assert f"Jag kommer kanske: {LINKS.tentative}" in text
    assert f"Jag kommer inte: {LINKS.decline}" in text
    assert f"Skicka min ersättare: {LINKS.delegate}" in text
    assert "svara direkt i din kalender" in text
    html = body(message, "html")
    for link in (LINKS.accept, LINKS.tentative, LINKS.decline, LINKS.delegate, "https://meet.example.se/j/42"):
        assert f'href="{link}"' in html


def test_the_english_invitation_is_in_english():
    message = received(invitation("en"))
    text = body(message, "plain")

    assert message["Subject"] == "Invitation: Samverkansmöte Årstaskolan Tuesday 12 October 2027, 13:00"
    assert message["Content-Language"] == "en"
    assert "When: Tuesday 12 October 2027, 13:00–14:30" in text
    assert f"Send my deputy: {LINKS.delegate}" in text
    assert "reply directly in your calendar" in text
    assert "Dagordning" not in text and "Agenda:" in text
    assert '<html lang="en">' in body(message, "html")


@pytest.mark.parametrize(("language", "subject"), [
    ("sv", "Ändrad tid: Samverkansmöte Årstaskolan tisdag 12 oktober 2027 kl. 13.00"),
    ("en", "New time: Samverkansmöte Årstaskolan Tuesday 12 October 2027, 13:00"),
])
def test_an_update_says_so(language: str, subject: str):
    message = received(invitation(language, is_update=True, event=meeting(sequence=2)))

    assert message["Subject"] == subject
    assert icalendar.Calendar.from_ical(calendar_of(message)).walk("VEVENT")[0]["SEQUENCE"] == 2


def test_the_calendar_description_holds_the_agenda_video_link_and_answer_links_when_left_empty():
    [event] = icalendar.Calendar.from_ical(calendar_of(received(invitation()))).walk("VEVENT")
    description = str(event["DESCRIPTION"])

    assert description.startswith("Dagordning:\n1. Öppnande\n2. Elever med hög frånvaro <åk 7–9>")
    assert "Videolänk: https://meet.example.se/j/42" in description
    assert description.count("https://meet.example.se/j/42") == 1
    for link in (LINKS.accept, LINKS.tentative, LINKS.decline, LINKS.delegate):
        assert link in description
    assert event["URL"] == LINKS.page


def test_a_description_the_caller_wrote_is_kept():
    message = invitation(event=meeting(description="Se dagordningen på intranätet.",
                                       url="https://samverkan.example.se/meetings/42"))
    [event] = icalendar.Calendar.from_ical(calendar_of(received(message))).walk("VEVENT")

    assert event["DESCRIPTION"].startswith("Se dagordningen på intranätet.")
    assert event["URL"] == "https://samverkan.example.se/meetings/42"


def test_an_invitation_without_links_or_agenda_leaves_those_sections_out():
    text = body(received(invitation(rsvp=None, agenda=None, event=meeting(video_url=None))), "plain")

    assert "Svara med en länk" not in text
    assert "Dagordning" not in text
    assert "Videolänk" not in text
    assert "svara direkt i din kalender" in text


# -- deputies --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("language", "replaced", "says"), [
    ("sv", "Anna Berg, rektor på Ekbackens skola", "Du ersätter Anna Berg, rektor på Ekbackens skola."),
    ("en", "Anna Berg, principal at Ekbackens skola", "You stand in for Anna Berg, principal at Ekbackens skola."),
])
def test_a_deputys_invitation_says_whom_they_replace_in_the_text_the_html_and_the_calendar(language, replaced, says):
    message = received(invitation(language, stands_in_for=replaced))
    [event] = icalendar.Calendar.from_ical(calendar_of(message)).walk("VEVENT")

    assert says in body(message, "plain") and says in body(message, "html")
    assert str(event["DESCRIPTION"]).startswith(says)


def delegated(language: str = "sv", deputy: str | None = "Per Olsson", answer: str | None = None) -> EmailMessage:
    event = meeting(transparent=deputy is not None,
                    summary=f"Samverkansmöte Årstaskolan – ersättare: {deputy}" if deputy else "Samverkansmöte Årstaskolan")
    return received(delegation_message(
        event, BJORN, language=language, sender=SENDER, message_id=MESSAGE_ID, dtstamp=DTSTAMP,
        timezone="Europe/Stockholm", agenda=AGENDA, rsvp=LINKS, reply_to=CONVENER, title="Samverkansmöte Årstaskolan",
        deputy=deputy, answer=answer))


@pytest.mark.parametrize(("language", "subject", "says", "until"), [
    ("sv", "Ersättare skickad: Samverkansmöte Årstaskolan tisdag 12 oktober 2027 kl. 13.00",
     "Du har skickat Per Olsson i ditt ställe.", "Fram till mötets början kan du ta tillbaka mötet eller byta ersättare"),
    ("en", "Deputy sent: Samverkansmöte Årstaskolan Tuesday 12 October 2027, 13:00",
     "You have sent Per Olsson in your place.", "Until the meeting starts you can take it back or change your deputy"),
])
def test_a_delegators_copy_says_whom_they_sent_and_frees_their_time(language, subject, says, until):
    message = delegated(language)
    [event] = icalendar.Calendar.from_ical(calendar_of(message)).walk("VEVENT")

    assert message["Subject"] == subject
    assert says in body(message, "plain") and says in body(message, "html")
    assert f"{until}:\n{LINKS.page}" in body(message, "plain")
    assert str(event["DESCRIPTION"]).startswith(says) and LINKS.page in str(event["DESCRIPTION"])
    assert event["TRANSP"] == "TRANSPARENT" and str(event["SUMMARY"]).endswith("ersättare: Per Olsson")


@pytest.mark.parametrize(("language", "answer", "says"), [
    ("sv", "accepted", "Ditt svar: du kommer."), ("sv", "declined", "Ditt svar: du kommer inte."),
    ("en", "tentative", "Your answer: you might attend."),
])
def test_taking_the_meeting_back_is_confirmed_with_the_answer_given(language, answer, says):
    message = delegated(language, deputy=None, answer=answer)
    [event] = icalendar.Calendar.from_ical(calendar_of(message)).walk("VEVENT")

    assert message["Subject"].startswith(("Du har tagit tillbaka mötet: ", "You have taken the meeting back: "))
    assert says in body(message, "plain")
    assert event["TRANSP"] == "OPAQUE" and LINKS.accept in str(event["DESCRIPTION"])


@pytest.mark.parametrize(("language", "subject", "says"), [
    ("sv", "Du behöver inte gå som ersättare: ", "Du behöver inte längre ersätta Anna Berg på det här mötet."),
    ("en", "You need not stand in: ", "You no longer need to stand in for Anna Berg at this meeting."),
])
def test_a_deputy_no_longer_needed_is_told_in_whose_place(language, subject, says):
    message = received(cancellation_message(
        meeting(sequence=1), BJORN, language=language, sender=SENDER, message_id=MESSAGE_ID, dtstamp=DTSTAMP,
        timezone="Europe/Stockholm", reply_to=CONVENER, removed=True, released_from="Anna Berg"))

    assert message["Subject"].startswith(subject)
    assert says in body(message, "plain") and says in body(message, "html")


# -- the cancellation -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("language", "removed", "subject", "says"), [
    ("sv", False, "Inställt: Samverkansmöte Årstaskolan tisdag 12 oktober 2027 kl. 13.00", "Mötet är inställt."),
    ("en", False, "Cancelled: Samverkansmöte Årstaskolan Tuesday 12 October 2027, 13:00",
     "The meeting is cancelled."),
    ("sv", True, "Du är inte längre inbjuden: Samverkansmöte Årstaskolan tisdag 12 oktober 2027 kl. 13.00",
     "Du är inte längre inbjuden till det här mötet."),
    ("en", True, "You are no longer invited: Samverkansmöte Årstaskolan Tuesday 12 October 2027, 13:00",
     "You are no longer invited to this meeting."),
])
def test_a_cancellation_is_a_cancel_in_the_recipients_language(language, removed, subject, says):
    sent = cancellation(language, removed)
    message = received(sent)
    calendar = icalendar.Calendar.from_ical(calendar_of(message))
    [event] = calendar.walk("VEVENT")

    assert message["Subject"] == subject
    assert says in body(message, "plain")
    assert says in body(message, "html")
    assert parts(message) == ["multipart/alternative", "text/plain", "text/html", "text/calendar"]
    assert "method=CANCEL\r\n" in raw_header_block(sent, "text/calendar")
    assert calendar["METHOD"] == "CANCEL"
    assert (event["STATUS"], event["SEQUENCE"]) == ("CANCELLED", 1)


# -- through a real SMTP server -----------------------------------------------------------------------------

def test_the_stored_bytes_arrive_over_smtp_with_the_calendar_unchanged():
    messages = [invitation(), cancellation("en")]
    with SMTPServer() as smtp, smtplib.SMTP("127.0.0.1", smtp.port, timeout=10) as client:
        for message in messages:  # as the outbox sends them: the bytes it stored
            client.sendmail(SENDER.email, [BJORN.email], message.as_bytes())

    arrived = [r.message for r in smtp.received]
    assert [r.envelope_to for r in smtp.received] == [[BJORN.email], [BJORN.email]]
    assert [m["Message-ID"] for m in arrived] == [MESSAGE_ID, MESSAGE_ID]
    assert calendar_of(arrived[0]) == calendar_of(received(messages[0]))
    assert calendar_of(arrived[1]).count(b"\n") == calendar_of(arrived[1]).count(b"\r\n")
    assert arrived[0]["Subject"].startswith("Inbjudan: Samverkansmöte")
    assert [p.get_param("method") for m in arrived for p in m.walk()
            if p.get_content_type() == "text/calendar"] == ["REQUEST", "CANCEL"]
    assert arrived[1]["Date"].datetime - DTSTAMP == timedelta(0)


@pytest.mark.parametrize("subject", [
    ("Inbjudan: Övergripande samverkansforum skola–socialtjänst (Norrvikens stadsdelsförvaltning, område nord) "
     "tisdag 12 oktober 2027 kl. 13.00"),
    "Invitation: Overarching collaboration forum for schools and social services (Norrviken) Tuesday 12 October",
    "Inbjudan: Samverkansforum-för-skola-och-socialtjänst-i-Norrvikens-stadsdelsförvaltning-område-nord tisdag",
    "Invitation:Overarching-collaboration-forum-for-schools-and-social-services-in-Norrviken,district;north",
    "Påminnelse:  två  mellanslag, komma; semikolon och ett långt ord " + "x" * 90,
    "Kort ämne",
])
def test_a_subject_of_any_length_reads_as_written(subject: str):
    raw = compose(sender=SENDER, to=BJORN, subject=subject, text="T", message_id=MESSAGE_ID, date=DTSTAMP).as_bytes()
    headers = raw[:raw.index(b"\r\n\r\n")].decode("ascii")

    assert email.message_from_bytes(raw, policy=email.policy.default)["Subject"] == subject
    assert not re.search(r"^Subject:[ \t]*\r\n", headers, re.MULTILINE)  # not folded right after the name
    assert all(len(line) <= 78 for line in headers.split("\r\n"))


def test_the_stored_recipient_and_subject_read_as_people_wrote_them():
    message = compose(sender=SENDER, to=BJORN, subject="Inställt: Samverkansmöte", text="T", message_id=MESSAGE_ID)

    assert str(message["To"]) == "Björn Ärlig <bjorn.arlig@skola.example.se>"
    assert str(message["Subject"]) == "Inställt: Samverkansmöte"


def test_the_convener_is_named_with_their_own_address_not_the_services():
    """The ORGANIZER carries the service's address (replies are ingested there); the mail shows the person."""
    eva = Party("Eva Lindqvist", "eva.lindqvist@stockholm.example")
    event = meeting(organizer=Party(eva.name, SENDER.email))
    for message in (received(invitation(event=event, reply_to=eva)),
                    received(cancellation_message(replace(event, sequence=1), BJORN, language="sv", sender=SENDER,
                                                  message_id=MESSAGE_ID, dtstamp=DTSTAMP,
                                                  timezone="Europe/Stockholm", reply_to=eva))):
        text, html = body(message, "plain"), body(message, "html")
        assert "Sammankallande: Eva Lindqvist <eva.lindqvist@stockholm.example>" in text
        assert 'href="mailto:eva.lindqvist@stockholm.example"' in html
        assert SENDER.email not in text and SENDER.email not in html
        assert message["Reply-To"].addresses[0].addr_spec == eva.email


def test_a_convener_without_an_address_of_their_own_is_named_alone():
    message = received(invitation("en", event=meeting(organizer=Party("Norrviken", SENDER.email)), reply_to=None))
    text, html = body(message, "plain"), body(message, "html")

    assert "Convener: Norrviken\n" in text
    assert SENDER.email not in text and SENDER.email not in html
