"""The answer page's one statement of plain columns (`answer_page`) says what the ORM's rules say, for every
invitation of a published term: the title, the convener (`load_convener`), whether anyone could be sent
(`deputy_choices`), whom the invitee sent and whom a deputy replaces, and the link's state (both databases)."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from coordinator.invitations.answer_page import answer_page, load_stands_in_for
from coordinator.invitations.events import load_convener, meeting_title, stands_in_for
from coordinator.invitations.rsvp import open_link
from coordinator.invitations.services import deputy_choices, remove_invitee, send_deputy
from coordinator.invitations.tokens import make_token
from coordinator.planning.models import Invitation
from tests.invitation_helpers import (
    DIRECTOR, MAIL, OVERARCHING, PUBLISHED, SECRET, meeting_of, person, published_demo,
)

LATER = PUBLISHED + timedelta(days=1)


def test_the_answer_pages_columns_say_what_the_orms_rules_say_for_every_invitation(session):
    published_demo(session, forms=None)
    forum = meeting_of(session, OVERARCHING)
    annika = session.get_one(Invitation, (forum.id, person(session, "Annika Berg").id))
    per = person(session, "Per Olsson")
    send_deputy(session, annika, per, via="link", actor=DIRECTOR, now=LATER, mail=MAIL)
    send_deputy(session, session.get_one(Invitation, (forum.id, per.id)), person(session, "Sofia Lindberg"),
                via="link", actor=DIRECTOR, now=LATER, mail=MAIL)  # a deputy sending one on: a chain
    remove_invitee(session, forum, person(session, "James Whitfield"), actor=DIRECTOR, now=LATER, mail=MAIL)
    session.commit()
    keys = session.execute(sa.select(Invitation.meeting_id, Invitation.person_id, Invitation.rsvp_key)).all()
    assert len(keys) > 100
    offered = 0

    for meeting_id, person_id, rsvp_key in keys:
        token = make_token(SECRET, meeting_id, person_id, rsvp_key)
        page = answer_page(session, SECRET, token, now=LATER)
        link = open_link(session, SECRET, token, now=LATER)
        invitation, meeting = link.invitation, link.meeting
        assert page is not None and invitation is not None and meeting is not None
        convener = load_convener(session, meeting)
        choices = deputy_choices(session, invitation)
        seen = (page.state, page.name, page.language, page.answer, page.answered_at, page.title,
                page.convener.name, page.convener.email, page.anyone_to_send, page.deputy_name,
                load_stands_in_for(session, page, "sv"))
        expected = (link.state, invitation.person.name, invitation.person.language.value, invitation.answer,
                    invitation.answered_at, meeting_title(meeting), convener.name, convener.email,
                    bool(choices.people), invitation.delegated_to.name if link.delegated else None,
                    stands_in_for(invitation, "sv"))
        assert seen == expected, (meeting_id, person_id)
        offered += page.anyone_to_send
    assert 0 < offered < len(keys)  # some may send someone, some have nobody
    tampered = make_token("another-key-of-at-least-thirty-two-characters", *keys[0])
    assert answer_page(session, SECRET, tampered, now=LATER) is None
