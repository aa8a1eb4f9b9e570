"""Password links: an invitation to a login, a forgotten password, a first login for someone who must act.

Pure: no Flask, no database, the time passed in. A token names its purpose, whom it is for (a
login, or for a first login a person), a stamp of that login's credentials, the page to go to
afterwards and when it was issued, signed with the site's secret key (itsdangerous, HMAC).
It is refused when
- tampered with or signed with another key (`Refusal.TAMPERED`),
- older than its purpose's lifetime (`Refusal.EXPIRED`),
- used: setting the password changes the login's stamp, and a first login creates the login,
  so the link works once (`Refusal.USED`, decided by `check_stamp` / the caller),
- closed: closing or reopening a login changes the stamp as well, so older links die with it.
"""
from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer

SALT = "coordinator.password-link"


class Purpose(enum.Enum):
    INVITATION = "invitation"    # an administrator invited the login: choose a first password
    RESET = "reset"              # "forgot my password"
    FIRST_LOGIN = "first_login"  # a keeper, adjuster or owner of an item without a login: make one


# Reset links are short-lived (they arrive at once, and a mailbox is a target); invitations and
# first logins wait for people who read mail between meetings. A reminder repeats with a new link.
LIFETIME = {
    Purpose.INVITATION: timedelta(days=14),
    Purpose.RESET: timedelta(hours=2),
    Purpose.FIRST_LOGIN: timedelta(days=14),
}


class Refusal(enum.Enum):
    TAMPERED = "tampered"
    EXPIRED = "expired"
    USED = "used"
    CLOSED = "closed"


class TokenRefused(Exception):
    def __init__(self, reason: Refusal) -> None:
        self.reason = reason
        super().__init__(reason.value)


@dataclass(frozen=True)
class PasswordToken:
    purpose: Purpose
    subject_id: int    # the login's id; for FIRST_LOGIN the person's
    stamp: str         # credentials_stamp() of the login when issued; "" for FIRST_LOGIN
    next_path: str     # where to go once the password is set ("" for the start page)
    issued_at: datetime

    @property
    def expires_at(self) -> datetime:
        return self.issued_at + LIFETIME[self.purpose]


def credentials_stamp(password_hash: str | None, credentials_changed_at: datetime | None) -> str:
    """A short digest of what using a link (or closing the login) changes; a link carries the one it was issued with."""
    changed = credentials_changed_at.astimezone(UTC).isoformat() if credentials_changed_at else ""
    return hashlib.sha256(f"{password_hash or ''}|{changed}".encode()).hexdigest()[:20]


def issue(secret_key: str, purpose: Purpose, subject_id: int, stamp: str, now: datetime,
          next_path: str = "") -> tuple[str, PasswordToken]:
    """The token text for a link, and what it says."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    issued = int(now.timestamp())  # whole seconds: the link stays short
    token = PasswordToken(purpose, subject_id, stamp, next_path, datetime.fromtimestamp(issued, UTC))
    text = URLSafeSerializer(secret_key, salt=SALT).dumps([purpose.value, subject_id, stamp, next_path, issued])
    return text, token


def read(secret_key: str, text: str, now: datetime) -> PasswordToken:
    """What a link's token says, if it is ours and not expired; TokenRefused otherwise."""
    try:
        purpose, subject_id, stamp, next_path, issued = URLSafeSerializer(secret_key, salt=SALT).loads(text)
        token = PasswordToken(Purpose(purpose), subject_id, stamp, next_path, datetime.fromtimestamp(issued, UTC))
    except (BadSignature, ValueError, TypeError, OverflowError):
        raise TokenRefused(Refusal.TAMPERED) from None
    if not (isinstance(subject_id, int) and isinstance(stamp, str) and isinstance(next_path, str)):
        raise TokenRefused(Refusal.TAMPERED)
    if now >= token.expires_at:
        raise TokenRefused(Refusal.EXPIRED)
    return token


def check_stamp(token: PasswordToken, *, is_active: bool, current_stamp: str) -> None:
    """A login's link is refused once the login is closed, or once its password was set since the link was issued."""
    if not is_active:
        raise TokenRefused(Refusal.CLOSED)
    if token.stamp != current_stamp:
        raise TokenRefused(Refusal.USED)
