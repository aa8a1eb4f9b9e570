"""Signed RSVP links: bound to one invitation, revocable, and no use after the meeting.

The token is the invitation (meeting, person) and its `rsvp_key`, signed with the site's
secret key by itsdangerous (HMAC-SHA1 over a URL-safe payload). Renewing an invitation's
`rsvp_key` makes its old links stop working. Whether the meeting is over is checked by the
RSVP service against the meeting's end, not by the token's age.
"""
from __future__ import annotations

from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeSerializer

SALT = "coordinator.rsvp"


@dataclass(frozen=True)
class RsvpToken:
    meeting_id: int
    person_id: int
    rsvp_key: str


@dataclass(frozen=True)
class RsvpLinks:
    """The links an invitation carries; opening one changes nothing until its page's button is pressed."""
    page: str
    accept: str
    tentative: str
    decline: str
    delegate: str


class InvalidToken(Exception):
    """The link is tampered with or not ours."""


def make_token(secret_key: str, meeting_id: int, person_id: int, rsvp_key: str) -> str:
    return URLSafeSerializer(secret_key, salt=SALT).dumps([meeting_id, person_id, rsvp_key])


def read_token(secret_key: str, token: str) -> RsvpToken:
    try:
        meeting_id, person_id, rsvp_key = URLSafeSerializer(secret_key, salt=SALT).loads(token)
    except (BadSignature, ValueError, TypeError) as error:
        raise InvalidToken(str(error)) from error
    if not (isinstance(meeting_id, int) and isinstance(person_id, int) and isinstance(rsvp_key, str)):
        raise InvalidToken("malformed payload")
    return RsvpToken(meeting_id, person_id, rsvp_key)


def rsvp_links(base_url: str, token: str) -> RsvpLinks:
    page = f"{base_url.rstrip('/')}/rsvp/{token}"
    return RsvpLinks(page=page, accept=f"{page}?answer=accepted", tentative=f"{page}?answer=tentative",
                     decline=f"{page}?answer=declined", delegate=f"{page}?answer=delegated")
