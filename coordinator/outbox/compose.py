"""Building the emails the outbox sends: rendered text and HTML, and the calendar part for invitations.

No Flask: the bodies come from a plain Jinja2 environment over templates/emails/ (autoescaped
for .html), so producers in jobs and CLI commands compose the same mail as the web. Each mail is
one template whose texts are Swedish msgids marked with `_()`/`ngettext()`, translated by the
same catalogue as the pages (coordinator/translations) into the recipient's language.
The MIME shape follows DESIGN.md's interoperability rules: one recipient in To, a
multipart/alternative of text/plain, text/html and `text/calendar; method=X` whose unquoted
method matches the calendar's METHOD. The calendar part is base64, so its CRLF line ends and
UTF-8 reach Outlook unchanged whatever a relay does to line ends or 8-bit bodies.
`as_bytes()` (what the outbox stores) has CRLF line ends throughout.
"""
from __future__ import annotations

import email.policy
import email.utils
import re
import secrets
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from email import encoders
from email.charset import QP, Charset
from email.contentmanager import raw_data_manager
from email.header import Header, decode_header, make_header
from email.message import EmailMessage
from email.mime.base import MIMEBase
from email.utils import formataddr
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from babel.support import NullTranslations, Translations
from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateNotFound,
    pass_context,
    select_autoescape,
)
from jinja2.runtime import Context

from coordinator.config import PROJECT_ROOT
from coordinator.invitations import ics
from coordinator.invitations.ics import CalendarEvent, Party
from coordinator.invitations.tokens import RsvpLinks
from coordinator.terms.calendar import term_label

TEMPLATES = PROJECT_ROOT / "templates" / "emails"
CATALOGUES = PROJECT_ROOT / "coordinator" / "translations"
LANGUAGES = ("sv", "en")
DEFAULT_LANGUAGE = "sv"
DEFAULT_TIMEZONE = "Europe/Stockholm"

# how `local` writes a time, per language: "tisdag 12 oktober 2027 kl. 13.00" / "Tuesday 12 October 2027, 13:00"
DATE_FORMATS = {
    "sv": {"datetime": "EEEE d MMMM y 'kl.' HH.mm", "date": "EEEE d MMMM y", "time": "HH.mm"},
    "en": {"datetime": "EEEE d MMMM y, HH:mm", "date": "EEEE d MMMM y", "time": "HH:mm"},
}

SUBJECTS = {
    "sv": {"invitation": "Inbjudan: %(summary)s %(when)s", "update": "Ändrad tid: %(summary)s %(when)s",
           "cancellation": "Inställt: %(summary)s %(when)s",
           "removed": "Du är inte längre inbjuden: %(summary)s %(when)s",
           "released": "Du behöver inte gå som ersättare: %(summary)s %(when)s",
           "delegated": "Ersättare skickad: %(summary)s %(when)s",
           "taken_back": "Du har tagit tillbaka mötet: %(summary)s %(when)s"},
    "en": {"invitation": "Invitation: %(summary)s %(when)s", "update": "New time: %(summary)s %(when)s",
           "cancellation": "Cancelled: %(summary)s %(when)s",
           "removed": "You are no longer invited: %(summary)s %(when)s",
           "released": "You need not stand in: %(summary)s %(when)s",
           "delegated": "Deputy sent: %(summary)s %(when)s",
           "taken_back": "You have taken the meeting back: %(summary)s %(when)s"},
}

_METHOD_LINE = re.compile(rb"^METHOD:([A-Za-z-]+)\r?$", re.MULTILINE)


def new_message_id(domain: str) -> str:
    """A Message-ID unguessable by others (from `secrets`), kept by every retry of the message."""
    return f"<{secrets.token_hex(16)}@{domain}>"


def language_of(language: object) -> str:
    """The template language for a code or a `Language` member: "en" or "sv", anything unknown is Swedish."""
    code = str(getattr(language, "value", language) or "").lower()
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


def format_local(value: datetime, language: str, timezone: str = DEFAULT_TIMEZONE,
                 style: str = "datetime") -> str:
    """An aware time as the recipient reads it, in the site's zone: style "datetime", "date" or "time"."""
    language = language_of(language)
    return format_datetime(value, DATE_FORMATS[language][style], tzinfo=ZoneInfo(timezone), locale=language)


# -- rendering ------------------------------------------------------------------------------------

@pass_context
def _local(context: Context, value: datetime | None, style: str = "datetime") -> str:
    """The template's `local`: the time in the template's `timezone` and `language`."""
    if value is None:
        return ""
    return format_local(value, context.get("language", DEFAULT_LANGUAGE),
                        context.get("timezone") or DEFAULT_TIMEZONE, style)


def _catalogue(language: str) -> NullTranslations:
    """The catalogue a language's mail is translated by; Swedish is the msgids themselves."""
    if language == DEFAULT_LANGUAGE:
        return NullTranslations()
    catalogue = Translations.load(str(CATALOGUES), [language])
    if not isinstance(catalogue, Translations):  # no .mo: the mail would silently be Swedish
        raise RuntimeError(f"no compiled catalogue for {language!r}: run `make translations` "
                           "(python -m coordinator.translations.compile)")
    return catalogue


@lru_cache(maxsize=len(LANGUAGES))
def _environment(language: str) -> Environment:
    """The templates of one language: `_()` and `ngettext()` answer from its catalogue (newstyle:
    placeholders are filled after translating, and escaped in HTML)."""
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n"],
    )
    environment.install_gettext_translations(_catalogue(language), newstyle=True)  # type: ignore[attr-defined]
    environment.filters["local"] = _local
    environment.filters["term_label"] = lambda name: term_name(name, language)
    environment.globals["local"] = _local
    return environment


def term_name(name: str, language: str) -> str:
    """A term's name in a mail's language: HT2027 in Swedish, "Autumn term 2027" in English."""
    return term_label(name, _catalogue(language).gettext)


def render(name: str, language: str, **context: object) -> tuple[str, str | None]:
    """(text, html) from emails/<name>.txt and .html in `language`; html is None when there is no .html.

    Templates get `language` and a `local` filter writing aware times in the `timezone` context
    variable (Europe/Stockholm when absent), with the language's words for days and months.
    """
    language = language_of(language)
    environment = _environment(language)
    values = {"timezone": DEFAULT_TIMEZONE, **context, "language": language}
    text = environment.get_template(f"{name}.txt").render(values)
    try:
        html_template = environment.get_template(f"{name}.html")
    except TemplateNotFound:
        return text, None
    return text, html_template.render(values)


# -- the MIME message ---------------------------------------------------------------------------------

# Messages are EmailMessages under the compat32 policy (with CRLF line ends), filled with the legacy
# calls: the modern policy parses every header when it is set and refolds it when written, which
# was most of the cost of publishing a term. Names and long subjects are therefore encoded here.
class _WirePolicy(email.policy.Compat32):
    """compat32, plus the modern content manager so `get_content()` reads a part's text."""
    content_manager = raw_data_manager


WIRE = _WirePolicy(linesep="\r\n")
_UTF8_QP = Charset("utf-8")
_UTF8_QP.body_encoding = QP  # bodies stay readable; the default for UTF-8 is base64
HEADER_WIDTH = 78  # RFC 5322's recommended line length, "Name: value" included


def compose(*, sender: Party, to: Party, subject: str, text: str, html: str | None = None,
            message_id: str, reply_to: Party | None = None, calendar: bytes | None = None,
            method: str | None = None, date: datetime | None = None,
            headers: dict[str, str] | None = None) -> EmailMessage:
    """One message to one recipient; with a calendar, its part's `method` is the calendar's METHOD.

    `method` may be left out (it is read from the calendar); given, it must match. `date`
    defaults to now.
    """
    message = EmailMessage(policy=WIRE)
    message["From"] = _address(sender)
    message["To"] = _address(to)
    if reply_to is not None:
        message["Reply-To"] = _address(reply_to)
    message["Subject"] = _subject_header(subject)
    message["Date"] = email.utils.format_datetime((date or datetime.now(UTC)).astimezone(UTC))
    message["Message-ID"] = message_id
    message["MIME-Version"] = "1.0"
    alternatives = [_text_part(html, "html")] if html is not None else []
    if calendar is not None:
        alternatives.append(_calendar_part(calendar, method))
    if alternatives:
        message["Content-Type"] = "multipart/alternative"
        for part in [_text_part(text, "plain"), *alternatives]:
            message.attach(part)
    else:
        _fill_text(message, text, "plain")
    for name, value in (headers or {}).items():
        message[name] = value
    return message


def _text_part(body: str, subtype: str) -> EmailMessage:
    part = EmailMessage(policy=WIRE)
    _fill_text(part, body, subtype)
    del part["MIME-Version"]  # said once, by the message
    return part


def _fill_text(part: EmailMessage, body: str, subtype: str) -> None:
    if not body.endswith("\n"):  # a text part ends with a line end
        body += "\n"
    part["Content-Type"] = f'text/{subtype}; charset="utf-8"'
    part.set_payload(body, _UTF8_QP)  # adds Content-Transfer-Encoding: quoted-printable


def _address(party: Party) -> str | Header:
    """`Name <address>`; a name that is not ASCII in RFC 2047 encoded words (str() reads it decoded)."""
    if party.name.isascii():
        return formataddr((party.name, party.email))
    address = Header(party.name, "utf-8", maxlinelen=HEADER_WIDTH)
    address.append(f"<{party.email}>", "us-ascii")
    return address


def _subject_header(subject: str) -> str | Header:
    """The subject as it folds without changing: plain when it fits on one line, else encoded words.

    The legacy folder breaks plain text at whitespace or after `,;` and may break right after
    "Subject:", which readers unfold into a leading space; encoded words are split inside the
    text, and the whitespace between them is dropped when decoding, so the subject reads as written.
    """
    if subject.isascii() and len("Subject: ") + len(subject) <= HEADER_WIDTH:
        return subject
    return Header(subject, "utf-8", maxlinelen=HEADER_WIDTH, header_name="Subject")


def _calendar_part(calendar: bytes, method: str | None) -> MIMEBase:
    """The text/calendar part, written with the legacy API: the modern one always quotes parameters,
    and Outlook wants `method=REQUEST` bare."""
    found = _METHOD_LINE.search(calendar)
    calendar_method = found.group(1).decode().upper() if found else None
    if calendar_method is None:
        raise ics.ICSError("the calendar has no METHOD")
    if method is not None and method.upper() != calendar_method:
        raise ics.ICSError(f"the part's method {method} differs from the calendar's METHOD:{calendar_method}")
    part = MIMEBase("text", "calendar", policy=WIRE)
    part.set_payload(calendar)
    encoders.encode_base64(part)
    del part["MIME-Version"]
    part.replace_header("Content-Type", f'text/calendar; charset="UTF-8"; method={calendar_method}')
    return part


# -- invitations and cancellations --------------------------------------------------------------------

def invitation_message(event: CalendarEvent, recipient: Party, *, language: str, sender: Party,
                       message_id: str, dtstamp: datetime, timezone: str, agenda: str | None,
                       rsvp: RsvpLinks | None, reply_to: Party | None,
                       is_update: bool = False, stands_in_for: str | None = None) -> EmailMessage:
    """The invitation (or its update) with a METHOD:REQUEST calendar for the event's attendees.

    When the caller leaves the event's DESCRIPTION empty it is written here from the agenda, the
    video link and the answer links, so a calendar shows what the mail shows. A deputy's mail and
    DESCRIPTION say whom they replace (`stands_in_for`: "Anna Berg, rektor på Ekbackens skola").
    """
    language = language_of(language)
    context = {"event": event, "recipient": recipient, "agenda": agenda, "rsvp": rsvp,
               "is_update": is_update, "timezone": timezone, "convener": _convener(event, sender, reply_to),
               "stands_in_for": stands_in_for}
    event = _described(event, "invitation_description", language, context, rsvp)
    text, html = render("invitation", language, **context)
    subject = _subject("update" if is_update else "invitation", event, language, timezone)
    return compose(sender=sender, to=recipient, subject=subject, text=text, html=html, message_id=message_id,
                   reply_to=reply_to, calendar=ics.request(event, dtstamp=dtstamp, timezone=timezone),
                   method="REQUEST", date=dtstamp, headers={"Content-Language": language})


def delegation_message(event: CalendarEvent, recipient: Party, *, language: str, sender: Party,
                       message_id: str, dtstamp: datetime, timezone: str, agenda: str | None,
                       rsvp: RsvpLinks | None, reply_to: Party | None, title: str, deputy: str | None,
                       answer: str | None = None, is_update: bool = False) -> EmailMessage:
    """A METHOD:REQUEST to someone about their own deputy: with `deputy`, that they sent them (the event is
    their delegated copy, free time); without, that they took the meeting back and answered `answer`.

    `title` is the meeting's own name, for the subject and the text (the delegated copy's SUMMARY
    names the deputy too). The answer link stays theirs: until the meeting starts it takes the
    meeting back or changes the deputy.
    """
    language = language_of(language)
    context = {"event": event, "title": title, "recipient": recipient, "agenda": agenda, "rsvp": rsvp,
               "deputy": deputy, "answer": answer, "is_update": is_update, "timezone": timezone,
               "convener": _convener(event, sender, reply_to), "stands_in_for": None}
    event = _described(event, "delegation_description" if deputy else "invitation_description", language,
                       context, rsvp)
    text, html = render("delegation", language, **context)
    kind = "update" if is_update else "delegated" if deputy else "taken_back"
    subject = _subject(kind, replace(event, summary=title), language, timezone)
    return compose(sender=sender, to=recipient, subject=subject, text=text, html=html, message_id=message_id,
                   reply_to=reply_to, calendar=ics.request(event, dtstamp=dtstamp, timezone=timezone),
                   method="REQUEST", date=dtstamp, headers={"Content-Language": language})


def _described(event: CalendarEvent, template: str, language: str, context: dict[str, object],
               rsvp: RsvpLinks | None) -> CalendarEvent:
    """The event with its DESCRIPTION (when the caller left it empty) and URL filled in from the mail's content."""
    if not event.description:
        description, _ = render(template, language, **context)
        event = replace(event, description=description.strip())
    if event.url is None and rsvp is not None:
        event = replace(event, url=rsvp.page)
    return event


def cancellation_message(event: CalendarEvent, recipient: Party, *, language: str, sender: Party,
                         message_id: str, dtstamp: datetime, timezone: str, reply_to: Party | None,
                         removed: bool = False, released_from: str | None = None) -> EmailMessage:
    """A METHOD:CANCEL for a cancelled meeting, or (`removed`) for an invitee taken off a going one — a deputy
    no longer needed in the place of `released_from`."""
    language = language_of(language)
    text, html = render("cancellation", language, event=event, recipient=recipient, removed=removed,
                        released_from=released_from, timezone=timezone, convener=_convener(event, sender, reply_to))
    subject = _subject("released" if released_from else "removed" if removed else "cancellation", event, language,
                       timezone)
    return compose(sender=sender, to=recipient, subject=subject, text=text, html=html, message_id=message_id,
                   reply_to=reply_to, calendar=ics.cancel(event, dtstamp=dtstamp, timezone=timezone),
                   method="CANCEL", date=dtstamp, headers={"Content-Language": language})


def _convener(event: CalendarEvent, sender: Party, reply_to: Party | None) -> Party:
    """Who calls the meeting, as the mail names them: the ORGANIZER's name with the person's own address.

    The ORGANIZER's address is the service's own (`sender`) when replies are ingested, which is
    nobody's to write to; the convener's own address is the Reply-To. Without either, the name alone.
    """
    if reply_to is not None:
        return Party(event.organizer.name, reply_to.email)
    own = event.organizer.email if event.organizer.email.lower() != sender.email.lower() else ""
    return Party(event.organizer.name, own)


def recipient_header(party: Party) -> str:
    """The To header as the outbox stores it (`OutboxMessage.recipient`), read decoded."""
    return str(_address(party))


def invitation_subject(event: CalendarEvent, language: str, timezone: str, *, is_update: bool = False) -> str:
    """The subject `invitation_message` gives the event: known when queued, before the message is composed."""
    return _subject("update" if is_update else "invitation", event, language_of(language), timezone)


def _subject(kind: str, event: CalendarEvent, language: str, timezone: str) -> str:
    return SUBJECTS[language][kind] % {"summary": event.summary,
                                       "when": format_local(event.starts_at, language, timezone)}


# -- rewriting a stored message -------------------------------------------------------------------

def rewrite_texts(content: bytes, change: Callable[[str], str]) -> bytes:
    """A stored message with its subject and its text and HTML parts passed through `change`.

    Used to mask an identity number in mail already queued or sent: the other headers (the
    Message-ID above all, which a retry keeps) and any calendar part stay as they were, and a
    message that `change` leaves alone comes back as the very same bytes.
    """
    message = email.message_from_bytes(content, _class=EmailMessage, policy=WIRE)
    changed = False
    if message["Subject"] is not None:
        subject = str(make_header(decode_header(message["Subject"])))
        new_subject = change(subject)
        if new_subject != subject:
            message.replace_header("Subject", _subject_header(new_subject))
            changed = True
    for part in message.walk():
        subtype = part.get_content_subtype()
        if part.get_content_maintype() != "text" or subtype not in ("plain", "html"):
            continue
        body = part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8").replace("\r\n", "\n")
        new_body = change(body)
        if new_body != body:
            del part["Content-Transfer-Encoding"]
            del part["Content-Type"]
            _fill_text(part, new_body, subtype)
            if part is not message:
                del part["MIME-Version"]  # said once, by the message
            changed = True
    return message.as_bytes() if changed else content
