"""Passwords: the length rule, and hashing with argon2id at OWASP's parameters (19 MiB, two passes, one lane).

argon2-cffi's default (RFC 9106's low-memory profile, 64 MiB) made every web worker that checked a password
64 MB larger for good; OWASP's Password Storage Cheat Sheet gives 19 MiB with t=2, p=1 as of equal strength
(decision 85). A hash made with other parameters still verifies and is replaced at its owner's next sign-in."""
from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from coordinator.i18n import N_, DomainError

_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)

# Length is what makes a password strong (NIST SP 800-63B); twelve characters is a short
# sentence. The upper bound keeps one login attempt from hashing megabytes.
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1000


def check_new_password(password: str) -> None:
    """A password someone chooses: not empty, at least MIN_PASSWORD_LENGTH characters, not absurdly long."""
    if not password or not password.strip():
        raise DomainError(N_("Lösenordet får inte vara tomt."), field="password")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(N_("Lösenordet måste vara minst %(min)d tecken långt. Ett par ord i rad går bra."),
                          min=MIN_PASSWORD_LENGTH, field="password")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise DomainError(N_("Lösenordet får vara högst %(max)d tecken långt."), max=MAX_PASSWORD_LENGTH,
                          field="password")


@cache
def _dummy_hash() -> str:
    """Verified against when the email is unknown, so a login takes as long either way.

    Made on first use, not at import: hashing takes argon2's 19 MiB, which processes that never
    log anyone in (the scheduler, the CLI) should not carry.
    """
    return _hasher.hash("not-a-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
