"""Answers and deputies as services: what is recorded, what the deputy's calendar is sent (RFC 5546
delegation), and the answers that are refused (both databases). The whole deputy flow, as the
calendars receive it, is in test_deputies.py."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from coordinator.audit import AuditEvent
from coordinator.i18n import DomainError
from coordinator.invitations.services import deputy_choices, record_answer, send_deputy
from coordinator.planning.models import Answer
from tests.invitation_helpers import (
    MAIL, OVERARCHING, PUBLISHED, calendar_of, deliver, invitation, meeting_of, person, published_demo,
)
from tests.smtp_server import SMTPServer

LATER = PUBLISHED + timedelta(days=2)


def test_an_answer_is_recorded_with_when_how_and_to_which_version(session):
    published_demo(session)
    forum = meeting_of(session, OVERARCHING)
    annika = invitation(session, forum, "Annika Berg")

    assert record_answer(session, annika, Answer.TENTATIVE, via="link", sequence=0, actor="annika", now=LATER)
    session.commit()

    assert (annika.answer, annika.answered_at, annika.answered_via, annika.answer_sequence) == (
        Answer.TENTATIVE, LATER, "link", 0)
    event = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "invitation.answered")).one()
    assert event.before["answer"] == "needs-action" and event.after["answer"] == "tentative"
    # the same answer to the same version again changes nothing
    assert not record_answer(session, annika, Answer.TENTATIVE, via="calendar", sequence=0, actor="a", now=LATER)


def test_the_deputy_gets_an_invitation_of_their_own_naming_whom_they_stand_in_for(session, engine):
    published_demo(session)
    forum = meeting_of(session, OVERARCHING)
    annika = invitation(session, forum, "Annika Berg")
    old_key = annika.rsvp_key
    per = person(session, "Per Olsson")
    with SMTPServer() as smtp:
        deliver(engine, smtp.url)
        first = len(smtp.received)
        deputy = send_deputy(session, annika, per, via="link", actor="annika", now=LATER, mail=MAIL)
        session.commit()
        deliver(engine, smtp.url, LATER)

    assert (deputy.person_id, deputy.function, deputy.delegated_from_id) == (per.id, annika.function, annika.person_id)
    assert deputy.is_active and deputy.answer is Answer.NEEDS_ACTION
    assert annika.answer is Answer.DELEGATED and annika.delegated_to_id == per.id and not annika.is_active
    assert annika.answered_via == "link" and annika.rsvp_key == old_key  # her link now takes it back
    [received] = [r for r in smtp.received[first:] if r.envelope_to == [per.email]]  # Annika gets her own copy
    calendar = calendar_of(received.message)
    assert calendar.part_method == "REQUEST" and str(calendar.event["UID"]) == forum.uid
    attendees = dict(calendar.attendees())
    assert attendees[annika.person.email]["PARTSTAT"] == "DELEGATED"
    assert attendees[annika.person.email]["DELEGATED-TO"] == f"mailto:{per.email}"
    assert attendees[per.email]["DELEGATED-FROM"] == f"mailto:{annika.person.email}"
    assert (attendees[per.email]["PARTSTAT"], attendees[per.email]["RSVP"]) == ("NEEDS-ACTION", "TRUE")
    vobject_attendees = {a.value.lower(): a.params for a in calendar.vobject.vevent.attendee_list}
    assert vobject_attendees[f"mailto:{annika.person.email}"]["PARTSTAT"] == ["DELEGATED"]
    audit = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "invitation.delegated")).one()
    assert audit.after["deputy_id"] == per.id


def test_after_sending_a_deputy_an_answer_alone_is_refused(session):
    """A calendar's Accept from someone who sent a deputy does not undo it: that is done on the answer page."""
    published_demo(session)
    forum = meeting_of(session, OVERARCHING)
    annika = invitation(session, forum, "Annika Berg")
    send_deputy(session, annika, person(session, "Per Olsson"), via="link", actor="a", now=LATER, mail=MAIL)
    session.commit()

    with pytest.raises(DomainError, match="Du har redan skickat Per Olsson i ditt ställe."):
        record_answer(session, annika, Answer.DECLINED, via="calendar", sequence=1, actor="a", now=LATER)


def test_the_named_deputy_comes_first_then_the_colleagues_of_the_same_school(session):
    published_demo(session)
    annika = invitation(session, meeting_of(session, OVERARCHING), "Annika Berg")

    choices = [p.name for p in deputy_choices(session, annika).people]

    assert choices == ["Per Olsson", "Elin Strömberg", "Henrik Dahl", "Sofia Lindberg"]
    per = person(session, "Per Olsson")
    per.is_active = False
    session.commit()
    assert [p.name for p in deputy_choices(session, annika).people] == ["Elin Strömberg", "Henrik Dahl",
                                                                         "Sofia Lindberg"]
