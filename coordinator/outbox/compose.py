"""Building the emails the outbox sends: rendered text and HTML, and the calendar part for invitations.

No Flask: the bodies come from a plain Jinja2 environment over templates/emails/<language>/
(autoescaped for .html), so producers in jobs and CLI commands compose the same mail as the web.
The MIME shape follows DESIGN.md's interoperability rules: one recipient in To, a
multipart/alternative of text/plain, text/html and `text/calendar; method=X` whose unquoted
method matches the calendar's METHOD. The calendar part is base64, so its CRLF line ends and
UTF-8 reach Outlook unchanged whatever a relay does to line ends or 8-bit bodies.
The message uses the SMTP policy, so `as_bytes()` (what the outbox stores) has CRLF line ends.
"""
from __future__ import annotations

import email.policy
import re
import secrets
from dataclasses import replace
from datetime import UTC, datetime
from email import encoders
from email.headerregistry import Address
from email.message import EmailMessage
from email.mime.base import MIMEBase
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateNotFound, pass_context, select_autoescape
from jinja2.runtime import Context

from coordinator.config import PROJECT_ROOT
from coordinator.invitations import ics
from coordinator.invitations.ics import CalendarEvent, Party
from coordinator.invitations.tokens import RsvpLinks

TEMPLATES = PROJECT_ROOT / "templates" / "emails"
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
           "removed": "Du är inte längre inbjuden: %(summary)s %(when)s"},
    "en": {"invitation": "Invitation: %(summary)s %(when)s", "update": "New time: %(summary)s %(when)s",
           "cancellation": "Cancelled: %(summary)s %(when)s",
           "removed": "You are no longer invited: %(summary)s %(when)s"},
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


@lru_cache(maxsize=1)
def _environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )
    environment.filters["local"] = _local
    environment.globals["local"] = _local
    return environment


def render(name: str, language: str, **context: object) -> tuple[str, str | None]:
    """(text, html) from emails/<language>/<name>.txt and .html; html is None when there is no .html.

    Templates get `language` and a `local` filter writing aware times in the `timezone` context
    variable (Europe/Stockholm when absent), with the language's words for days and months.
    """
    language = language_of(language)
    environment = _environment()
    values = {"timezone": DEFAULT_TIMEZONE, **context, "language": language}
    text = environment.get_template(f"{language}/{name}.txt").render(values)
    try:
        html_template = environment.get_template(f"{language}/{name}.html")
    except TemplateNotFound:
        return text, None
    return text, html_template.render(values)


# -- the MIME message ---------------------------------------------------------------------------------

def compose(*, sender: Party, to: Party, subject: str, text: str, html: str | None = None,
            message_id: str, reply_to: Party | None = None, calendar: bytes | None = None,
            method: str | None = None, date: datetime | None = None,
            headers: dict[str, str] | None = None) -> EmailMessage:
    """One message to one recipient; with a calendar, its part's `method` is the calendar's METHOD.

    `method` may be left out (it is read from the calendar); given, it must match. `date`
    defaults to now.
    """
    message = EmailMessage(policy=email.policy.SMTP)
    message["From"] = _address(sender)
    message["To"] = _address(to)
    if reply_to is not None:
        message["Reply-To"] = _address(reply_to)
    message["Subject"] = subject
    message["Date"] = (date or datetime.now(UTC)).astimezone(UTC)
    message["Message-ID"] = message_id
    message.set_content(text, cte="quoted-printable")
    if html is not None:
        message.add_alternative(html, subtype="html", cte="quoted-printable")
    if calendar is not None:
        if html is None:
            message.make_alternative()
        message.attach(_calendar_part(calendar, method))
    # last: making the message multipart moves every Content-* header into its first part
    for name, value in (headers or {}).items():
        message[name] = value
    return message


def _address(party: Party) -> Address:
    return Address(display_name=party.name, addr_spec=party.email)


def _calendar_part(calendar: bytes, method: str | None) -> MIMEBase:
    """The text/calendar part, written with the legacy API: the modern one always quotes parameters,
    and Outlook wants `method=REQUEST` bare."""
    found = _METHOD_LINE.search(calendar)
    calendar_method = found.group(1).decode().upper() if found else None
    if calendar_method is None:
        raise ics.ICSError("the calendar has no METHOD")
    if method is not None and method.upper() != calendar_method:
        raise ics.ICSError(f"the part's method {method} differs from the calendar's METHOD:{calendar_method}")
    part = MIMEBase("text", "calendar")
    part.set_payload(calendar)
    encoders.encode_base64(part)
    del part["MIME-Version"]
    part.replace_header("Content-Type", f'text/calendar; charset="UTF-8"; method={calendar_method}')
    return part


# -- invitations and cancellations --------------------------------------------------------------------

def invitation_message(event: CalendarEvent, recipient: Party, *, language: str, sender: Party,
                       message_id: str, dtstamp: datetime, timezone: str, agenda: str | None,
                       rsvp: RsvpLinks | None, reply_to: Party | None,
                       is_update: bool = False) -> EmailMessage:
    """The invitation (or its update) with a METHOD:REQUEST calendar for the event's attendees.

    When the caller leaves the event's DESCRIPTION empty it is written here from the agenda, the
    video link and the answer links, so a calendar shows what the mail shows.
    """
    language = language_of(language)
    context = {"event": event, "recipient": recipient, "agenda": agenda, "rsvp": rsvp,
               "is_update": is_update, "timezone": timezone}
    if not event.description:
        description, _ = render("invitation_description", language, **context)
        event = replace(event, description=description.strip())
    if event.url is None and rsvp is not None:
        event = replace(event, url=rsvp.page)
    text, html = render("invitation", language, **context)
    subject = _subject("update" if is_update else "invitation", event, language, timezone)
    return compose(sender=sender, to=recipient, subject=subject, text=text, html=html, message_id=message_id,
                   reply_to=reply_to, calendar=ics.request(event, dtstamp=dtstamp, timezone=timezone),
                   method="REQUEST", date=dtstamp, headers={"Content-Language": language})


def cancellation_message(event: CalendarEvent, recipient: Party, *, language: str, sender: Party,
                         message_id: str, dtstamp: datetime, timezone: str, reply_to: Party | None,
                         removed: bool = False) -> EmailMessage:
    """A METHOD:CANCEL for a cancelled meeting, or (`removed`) for an invitee taken off a going one."""
    language = language_of(language)
    text, html = render("cancellation", language, event=event, recipient=recipient, removed=removed,
                        timezone=timezone)
    subject = _subject("removed" if removed else "cancellation", event, language, timezone)
    return compose(sender=sender, to=recipient, subject=subject, text=text, html=html, message_id=message_id,
                   reply_to=reply_to, calendar=ics.cancel(event, dtstamp=dtstamp, timezone=timezone),
                   method="CANCEL", date=dtstamp, headers={"Content-Language": language})


def _subject(kind: str, event: CalendarEvent, language: str, timezone: str) -> str:
    return SUBJECTS[language][kind] % {"summary": event.summary,
                                       "when": format_local(event.starts_at, language, timezone)}
