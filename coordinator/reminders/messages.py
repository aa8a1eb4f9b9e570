"""The reminder mails: one message per due reminder, in the recipient's language, ready for the outbox.

Bodies come from templates/emails/<kind>.txt and .html (the kind's value, e.g.
`rsvp_reminder`), rendered by `outbox.compose`; subjects are here. Reminders carry no calendar
part (the calendar already has the meeting) and are marked `Auto-Submitted: auto-generated`
(RFC 3834) so out-of-office replies do not answer them. Reply-To is the convener, so "I'll be
late" reaches a person. A catch-up message (after an outage) lists one person's reminders of a
sweep, each by the subject line it would have had, with the link to act on it.
"""
from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from coordinator.auth.accounts import first_login_link
from coordinator.invitations.events import agenda_of, convener_of, meeting_title
from coordinator.invitations.ics import Party
from coordinator.invitations.messages import MailContext
from coordinator.invitations.tokens import RsvpLinks
from coordinator.minutes.models import ActionItem
from coordinator.org.models import Person
from coordinator.outbox import compose
from coordinator.outbox.models import MessageKind
from coordinator.outbox.queue import Outgoing
from coordinator.planning.models import Invitation, Meeting
from coordinator.reminders.rules import DueReminder

SUBJECTS: dict[str, dict[MessageKind, str]] = {
    "sv": {
        MessageKind.RSVP_REMINDER: "Påminnelse: svara på inbjudan – %(title)s %(when)s",
        MessageKind.PRE_MEETING_REMINDER: "Påminnelse: %(title)s %(when)s",
        MessageKind.MINUTES_REMINDER: "Protokollet saknas: %(title)s %(day)s",
        MessageKind.MINUTES_ESCALATION: "Protokollet saknas fortfarande: %(title)s %(day)s",
        MessageKind.APPROVAL_REMINDER: "Justera protokollet: %(title)s %(day)s",
        MessageKind.REPORT_REMINDER: "Anmäl protokollet till nämnden: %(title)s %(day)s",
        MessageKind.ACTION_ITEM_REMINDER: "Åtgärd att göra senast %(due)s: %(item)s",
    },
    "en": {
        MessageKind.RSVP_REMINDER: "Reminder: please answer the invitation – %(title)s %(when)s",
        MessageKind.PRE_MEETING_REMINDER: "Reminder: %(title)s %(when)s",
        MessageKind.MINUTES_REMINDER: "Minutes missing: %(title)s %(day)s",
        MessageKind.MINUTES_ESCALATION: "Minutes still missing: %(title)s %(day)s",
        MessageKind.APPROVAL_REMINDER: "Please approve the minutes: %(title)s %(day)s",
        MessageKind.REPORT_REMINDER: "Report the minutes to the committee: %(title)s %(day)s",
        MessageKind.ACTION_ITEM_REMINDER: "Action due %(due)s: %(item)s",
    },
}
CATCH_UP_SUBJECTS = {
    "sv": ("Du har 1 sak att göra i samverkanssystemet", "Du har %(count)d saker att göra i samverkanssystemet"),
    "en": ("You have 1 thing to do in the collaboration system", "You have %(count)d things to do in the "
                                                                  "collaboration system"),
}
ITEM_IN_SUBJECT = 60  # characters of an action item's text in the subject line

# RFC 3834: an automatic message, not to be answered by autoresponders
AUTOMATIC = {"Auto-Submitted": "auto-generated"}

# who must act on minutes or an item gets, without a login, a link to make one that lands on the page
FIRST_LOGIN_KINDS = frozenset({MessageKind.MINUTES_REMINDER, MessageKind.APPROVAL_REMINDER,
                               MessageKind.ACTION_ITEM_REMINDER})


@dataclass(frozen=True)
class CatchUpItem:
    """One reminder in a catch-up message: what it says, and where the recipient acts on it."""
    text: str
    link: str


class ReminderMail:
    """Builds the messages of one sweep; the meetings, items and people are loaded once by the caller."""

    def __init__(self, meetings: Mapping[int, Meeting], action_items: Mapping[int, ActionItem],
                 people: Mapping[int, Person], directors: Mapping[int, Person], mail: MailContext,
                 now: datetime, *, logins: Collection[int]) -> None:
        self.meetings, self.action_items, self.people = meetings, action_items, people
        self.directors, self.mail, self.now = directors, mail, now
        self.logins = logins  # the people with a login (open or closed); the others may get a first-login link

    def outgoing(self, reminder: DueReminder) -> Outgoing | None:
        """The reminder's message; None when its recipient has left (an inactive person gets no mail)."""
        person = self.people.get(reminder.person_id)
        if person is None or not person.is_active:
            return None
        meeting = self.meetings[reminder.meeting_id]
        language = compose.language_of(person.language)
        convener = convener_of(meeting, self.directors.get(meeting.district_id) if meeting.district_id else None)
        invitation = self._invitation(meeting, person.id)
        item, item_due = self._item(reminder, language)
        keeper = self.people.get(reminder.keeper_id) if reminder.keeper_id else None
        rsvp = self.mail.rsvp_links(invitation) if invitation is not None else None
        action_url, first_login_until = self._action(reminder.kind, meeting, item, person, rsvp, language)
        context = {
            "recipient": person, "meeting": meeting, "title": meeting_title(meeting),
            "agenda": agenda_of(meeting) or None, "convener": convener.name, "keeper": keeper, "item": item,
            "item_due": item_due,
            "rsvp": rsvp, "action_url": action_url, "first_login_until": first_login_until,
            "minutes_due_days": meeting.meeting_form.minutes_due_days,
            "timezone": self.mail.timezone,
        }
        text, html = compose.render(reminder.kind.value, language, **context)
        message = compose.compose(
            sender=self.mail.sender, to=Party(person.name, person.email),
            subject=self._subject(reminder.kind, language, meeting, item, item_due),
            text=text, html=html, message_id=compose.new_message_id(self.mail.message_domain),
            reply_to=convener.reply_to, date=self.now, headers={"Content-Language": language, **AUTOMATIC},
        )
        return Outgoing(dedupe_key=reminder.dedupe_key, kind=reminder.kind, message=message, due_at=reminder.due_at,
                        meeting_id=meeting.id, person_id=person.id, district_id=meeting.district_id,
                        expires_at=reminder.expires_at)

    def _action(self, kind: MessageKind, meeting: Meeting, item: ActionItem | None, person: Person,
                rsvp: RsvpLinks | None, language: str) -> tuple[str | None, str | None]:
        """The page where the recipient acts; for someone without a login who must act, a link that makes one
        and lands there, with the day it stops working."""
        links = self.mail.links
        if kind in (MessageKind.RSVP_REMINDER, MessageKind.PRE_MEETING_REMINDER):
            return (rsvp.page if rsvp is not None else None), None
        if kind is MessageKind.REPORT_REMINDER and meeting.district is not None:
            return links.committee(meeting.district.code), None
        meeting_id = item.meeting_id if item is not None else meeting.id
        page = links.minutes(meeting_id, "items" if item is not None else None)
        if kind in FIRST_LOGIN_KINDS and person.id not in self.logins:
            url, expires_at = first_login_link(self.mail, person, links.path(links.minutes(meeting_id)), self.now)
            return url, compose.format_local(expires_at, language, self.mail.timezone)
        return page, None

    def catch_up(self, person_id: int, reminders: Sequence[DueReminder]) -> Outgoing | None:
        """One message with all of `reminders` (one person's, of one sweep); None when the person has left.

        Its dedupe key is made of the reminders' keys, so two sweeps at once queue it once.
        """
        person = self.people.get(person_id)
        if person is None or not person.is_active or not reminders:
            return None
        language = compose.language_of(person.language)
        items = []
        for reminder in reminders:
            meeting = self.meetings[reminder.meeting_id]
            item, item_due = self._item(reminder, language)
            invitation = self._invitation(meeting, person.id)
            rsvp = self.mail.rsvp_links(invitation) if invitation is not None else None
            link = self._action(reminder.kind, meeting, item, person, rsvp, language)[0] or self.mail.base_url
            items.append(CatchUpItem(self._subject(reminder.kind, language, meeting, item, item_due), link))
        text, html = compose.render(MessageKind.CATCH_UP.value, language, recipient=person, items=items,
                                    base_url=self.mail.base_url, timezone=self.mail.timezone)
        one, many = CATCH_UP_SUBJECTS[language]
        message = compose.compose(
            sender=self.mail.sender, to=Party(person.name, person.email),
            subject=one if len(items) == 1 else many % {"count": len(items)}, text=text, html=html,
            message_id=compose.new_message_id(self.mail.message_domain), date=self.now,
            headers={"Content-Language": language, **AUTOMATIC})
        members = hashlib.sha256("\n".join(sorted(r.dedupe_key for r in reminders)).encode()).hexdigest()[:24]
        districts = {self.meetings[r.meeting_id].district_id for r in reminders}
        return Outgoing(dedupe_key=f"catch_up:{person.id}:{members}", kind=MessageKind.CATCH_UP, message=message,
                        due_at=self.now, person_id=person.id,
                        district_id=districts.pop() if len(districts) == 1 else None)

    def _invitation(self, meeting: Meeting, person_id: int) -> Invitation | None:
        return next((i for i in meeting.invitations if i.person_id == person_id), None)

    def _item(self, reminder: DueReminder, language: str) -> tuple[ActionItem | None, str]:
        """The reminder's action item, if any, and its due day in the recipient's words."""
        item = self.action_items.get(reminder.action_item_id) if reminder.action_item_id else None
        return item, day_text(item.due_on, language, self.mail.timezone) if item is not None and item.due_on else ""

    def _subject(self, kind: MessageKind, language: str, meeting: Meeting, item: ActionItem | None,
                 item_due: str) -> str:
        zone = self.mail.timezone
        text = item.text.strip().splitlines()[0] if item is not None and item.text.strip() else ""
        return SUBJECTS[language][kind] % {
            "title": meeting_title(meeting),
            "when": compose.format_local(meeting.starts_at, language, zone),
            "day": compose.format_local(meeting.starts_at, language, zone, "date"),
            "due": item_due,
            "item": text if len(text) <= ITEM_IN_SUBJECT else text[:ITEM_IN_SUBJECT - 1] + "…",
        }


def day_text(day: date, language: str, timezone: str) -> str:
    """A date in the recipient's words ("fredag 15 oktober 2027" / "Friday 15 October 2027")."""
    return compose.format_local(datetime.combine(day, time(12), ZoneInfo(timezone)), language, timezone, "date")
