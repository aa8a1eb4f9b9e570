"""Action items (uppföljningspunkter) decided at a meeting: an owner, a due date, open until done or dropped.

An item is part of its meeting's minutes, so it is added while the minutes are open and its
text passes the identity-number guard. Closing it is follow-up, not a change of the minutes:
it is done from any later meeting of the same series (where open items are listed) or from
its own meeting, whatever the state of the minutes. The owners' reminders are the jobs'.
"""
from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from coordinator import audit
from coordinator.i18n import N_, DomainError
from coordinator.minutes.guard import Passage
from coordinator.minutes.models import ActionItem, ActionItemStatus
from coordinator.minutes.services import check_open_for_changes, confirmations, guard, local_date, minutes_of
from coordinator.org.models import Person
from coordinator.planning.models import Meeting

MAX_TEXT_LENGTH = 2000


def items_of(session: Session, meeting: Meeting) -> list[ActionItem]:
    return list(session.scalars(sa.select(ActionItem).where(ActionItem.meeting_id == meeting.id)
                                .options(selectinload(ActionItem.owner)).order_by(ActionItem.id)))


def open_items_before(session: Session, meeting: Meeting) -> list[ActionItem]:
    """Open items of earlier meetings of the same series, oldest first ("Öppna punkter från tidigare möten")."""
    return list(session.scalars(
        sa.select(ActionItem).join(ActionItem.meeting)
        .where(ActionItem.series_key == meeting.series_key, ActionItem.status == ActionItemStatus.OPEN,
               ActionItem.meeting_id != meeting.id, Meeting.starts_at < meeting.starts_at)
        .options(selectinload(ActionItem.owner), selectinload(ActionItem.meeting))
        .order_by(Meeting.starts_at, ActionItem.id)))


def add_action_item(session: Session, meeting: Meeting, text: str, owner_id: int | None, due_on: date | None, *,
                    confirmed: Collection[str] = (), actor: str, now: datetime) -> ActionItem:
    """An open item of the meeting with its owner and due date."""
    if minutes_of(session, meeting) is None:
        raise DomainError(N_("Skapa protokollet innan du lägger till uppföljningspunkter."))
    text = (text or "").strip()
    if not text:
        raise DomainError(N_("Skriv vad som ska göras."))
    if len(text) > MAX_TEXT_LENGTH:
        raise DomainError(N_("Punkten får vara högst %(max)d tecken."), max=MAX_TEXT_LENGTH)
    owner = session.get(Person, owner_id) if owner_id else None
    if owner is None:
        raise DomainError(N_("Välj vem som ansvarar för punkten."))
    if due_on is None:
        raise DomainError(N_("Ange när punkten ska vara klar."))
    if due_on < local_date(meeting.starts_at):
        raise DomainError(N_("Punkten kan inte vara klar %(due)s, före mötet."), due=due_on.isoformat())
    accepted = guard(meeting, [Passage(N_("uppföljningspunkten, rad %(line)d"), {}, text)], confirmed, now)
    check_open_for_changes(session, meeting, actor=actor, now=now)
    item = ActionItem(meeting_id=meeting.id, series_key=meeting.series_key, text=text, owner_id=owner.id,
                      due_on=due_on, status=ActionItemStatus.OPEN, created_at=now, created_by=actor)
    session.add(item)
    session.flush()
    audit.record(session, at=now, actor=actor, action="action_item.added", entity=item,
                 district_id=meeting.district_id,
                 after={"text": text, "owner": owner.name, "due_on": due_on.isoformat(), "status": "open",
                        "meeting_id": meeting.id, **confirmations(accepted)})
    return item


def set_item_status(session: Session, item: ActionItem, status: ActionItemStatus, *, actor: str,
                    now: datetime) -> ActionItem:
    """Close an item (done or dropped) or open it again."""
    if item.status is status:
        raise DomainError(N_("Punkten är redan %(status)s."), status=STATUS_WORDS[status])
    before = item.status
    item.status = status
    is_open = status is ActionItemStatus.OPEN
    item.closed_at, item.closed_by = (None, None) if is_open else (now, actor)
    item.closed_on = None if is_open else local_date(now)
    session.flush()
    audit.record(session, at=now, actor=actor, action="action_item.status", entity=item,
                 district_id=item.meeting.district_id, before={"status": before.value}, after={"status": status.value})
    return item


STATUS_WORDS = {ActionItemStatus.OPEN: N_("öppen"), ActionItemStatus.DONE: N_("klar"),
                ActionItemStatus.DROPPED: N_("struken")}
