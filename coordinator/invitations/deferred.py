"""First invitations composed by the sender: publishing queues rows, delivery writes their bytes.

Publishing a city-scale district's term queues about 1,900 invitations; composing them (text,
HTML, calendar: 1.4 ms each) inside the request took about 3 s. `queue_invitations(...,
compose_later=True)` queues each in the same transaction as the publication with what must not
change — dedupe key, Message-ID, SEQUENCE (also recorded as the invitee's `sent_sequence`),
recipient and subject — and the sender composes it right after claiming it (`delivery.Composer`),
from the meeting as it is then, dated (DTSTAMP) when it was queued. A meeting moved or cancelled
in between sends its UPDATE or CANCEL with a higher SEQUENCE after it, as before.
"""
from __future__ import annotations

from email.message import EmailMessage
from weakref import WeakKeyDictionary

from sqlalchemy.orm import Session

from coordinator.invitations.events import district_directors, load_meetings
from coordinator.invitations.messages import COMPOSE, MailContext, MeetingMail
from coordinator.outbox.delivery import Composer
from coordinator.outbox.models import OutboxMessage



class InvitationComposer:
    """Composes queued first invitations; a meeting is loaded once for its run of invitees, not per invitee.

    Delivery claims rows in due order, and publishing queues a meeting's invitees one after the other,
    so consecutive rows share a meeting: the composer keeps that one meeting (with its invitees) per
    session and lets it go for the next, so a sender holds one meeting's rows, not every meeting of
    its batch (`tests/integration/test_outbox_delivery.py` holds it to that).
    """

    def __init__(self, mail: MailContext) -> None:
        self.mail = mail
        self._current: WeakKeyDictionary[Session, tuple[tuple[int, object], MeetingMail]] = WeakKeyDictionary()

    def __call__(self, session: Session, row: OutboxMessage) -> EmailMessage:
        if row.meeting_id is None or row.person_id is None or row.sequence is None:
            raise ValueError(f"outbox row {row.id} has no meeting, invitee or SEQUENCE to compose from")
        key = (row.meeting_id, row.created_at)
        current = self._current.get(session)
        if current is not None and current[0] == key:
            meeting_mail = current[1]
        else:
            self._current.pop(session, None)  # the previous meeting's rows go before the next is loaded
            [meeting] = load_meetings(session, [row.meeting_id])
            director = district_directors(session, [meeting.district_id]).get(meeting.district_id)
            meeting_mail = MeetingMail(meeting, director, self.mail, row.created_at)
            self._current[session] = (key, meeting_mail)
        [invitation] = [i for i in meeting_mail.meeting.invitations if i.person_id == row.person_id]
        return meeting_mail.request_message(invitation, sequence=row.sequence, is_update=False,
                                            message_id=row.message_id)


def composers(mail: MailContext) -> dict[str, Composer]:
    """The composers a sender needs for every kind of row queued to be composed."""
    return {COMPOSE: InvitationComposer(mail)}
