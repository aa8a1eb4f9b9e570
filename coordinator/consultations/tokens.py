"""Signed links of consultation hours: a school's booking link and a booker's cancel link.

Signed with the site's secret key by itsdangerous, as the RSVP links are (invitations/tokens.py),
each with a salt of its own so one kind of token is never read as the other. A token carries a
stored row's id and its random key: revoking the booking link (or issuing a new one) changes
nothing in the token but makes the stored key no longer match, so old links stop working.
"""
from __future__ import annotations

import secrets

from itsdangerous import BadSignature, URLSafeSerializer

from coordinator.invitations.tokens import InvalidToken

BOOKING_SALT = "coordinator.consultation.booking"
CANCEL_SALT = "coordinator.consultation.cancel"

__all__ = ["InvalidToken", "booking_token", "cancel_token", "new_key", "read_booking_token", "read_cancel_token"]


def new_key() -> str:
    return secrets.token_urlsafe(12)


def booking_token(secret_key: str, link_id: int, key: str) -> str:
    return URLSafeSerializer(secret_key, salt=BOOKING_SALT).dumps([link_id, key])


def read_booking_token(secret_key: str, token: str) -> tuple[int, str]:
    """(link id, key) of a booking link; InvalidToken when it is tampered with or not ours."""
    return _read(secret_key, BOOKING_SALT, token)


def cancel_token(secret_key: str, booking_id: int, key: str) -> str:
    return URLSafeSerializer(secret_key, salt=CANCEL_SALT).dumps([booking_id, key])


def read_cancel_token(secret_key: str, token: str) -> tuple[int, str]:
    """(booking id, cancel key) of a booker's cancel link; InvalidToken when it is tampered with or not ours."""
    return _read(secret_key, CANCEL_SALT, token)


def _read(secret_key: str, salt: str, token: str) -> tuple[int, str]:
    try:
        row_id, key = URLSafeSerializer(secret_key, salt=salt).loads(token)
    except (BadSignature, ValueError, TypeError) as error:
        raise InvalidToken(str(error)) from error
    if not (isinstance(row_id, int) and isinstance(key, str)):
        raise InvalidToken("malformed payload")
    return row_id, key
