"""Who may do what with a meeting's minutes. Pure, no Flask.

Beyond the district rights of `coordinator.auth.permissions`, minutes have people of their own:
the minutes keeper (the invitee holding the form's minutes-keeper function, else the convener's
function) writes them even as a participant, the adjusters (justerare) confirm them, and every
invitee may read the minutes of a meeting they were invited to; the owner of an action item
marks it done (or open again) themselves. Auditors read and see the history; only the district's administrators, its director and the city administrator report
minutes to the committee and archive them.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass

from coordinator.auth.models import User
from coordinator.auth.permissions import Action, allows


class MinutesAction(enum.Enum):
    READ = "read"                # the minutes, their revisions and attachments, printed or as PDF
    WRITE = "write"              # text, attendance, action items, attachments, adjusters, register, correct
    CONFIRM = "confirm"          # justera: an adjuster confirms the registered text
    SEE_HISTORY = "see_history"  # the audit events of the minutes
    ADMINISTER = "administer"    # report to the committee, archive


@dataclass(frozen=True)
class MeetingPeople:
    """The people of one meeting the rule needs: by person id."""
    district_id: int | None
    invitee_ids: frozenset[int] = frozenset()
    keeper_ids: frozenset[int] = frozenset()
    adjuster_ids: frozenset[int] = frozenset()


def may(user: User | None, action: MinutesAction, people: MeetingPeople) -> bool:
    """Whether `user` may `action` the minutes of the meeting whose people are `people`."""
    if user is None or not user.is_active:
        return False
    person = user.person_id
    if action is MinutesAction.READ:
        return (allows(user, Action.VIEW, people.district_id)
                or person in people.invitee_ids | people.keeper_ids | people.adjuster_ids)
    if action is MinutesAction.WRITE:
        return allows(user, Action.EDIT, people.district_id) or person in people.keeper_ids
    if action is MinutesAction.CONFIRM:
        return person is not None and person in people.adjuster_ids
    if action is MinutesAction.SEE_HISTORY:
        return allows(user, Action.VIEW, people.district_id)
    return allows(user, Action.EDIT, people.district_id)


def may_set_item_status(user: User | None, people: MeetingPeople, owner_id: int | None) -> bool:
    """Whether `user` may close or reopen an action item: those who write the minutes, and the item's owner."""
    if may(user, MinutesAction.WRITE, people):
        return True
    return user is not None and user.is_active and user.person_id is not None and user.person_id == owner_id
