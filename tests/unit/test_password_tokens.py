"""The rules of password links: expiry, single use, bound to one login, refused when tampered with."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from itsdangerous import URLSafeSerializer

from coordinator.auth.tokens import (
    LIFETIME, SALT, Purpose, Refusal, TokenRefused, check_stamp, credentials_stamp, issue, read,
)

SECRET = "test-secret"
NOW = datetime(2027, 9, 1, 8, 0, tzinfo=timezone.utc)
HASH = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"


def refusal(text: str, now: datetime = NOW, secret: str = SECRET) -> Refusal:
    with pytest.raises(TokenRefused) as refused:
        read(secret, text, now)
    return refused.value.reason


def test_a_token_says_whom_it_is_for_what_for_and_where_to_go_after():
    text, issued = issue(SECRET, Purpose.FIRST_LOGIN, 42, "", NOW, "/meetings/7/minutes")
    token = read(SECRET, text, NOW + timedelta(days=1))
    assert token == issued
    assert (token.purpose, token.subject_id, token.next_path) == (Purpose.FIRST_LOGIN, 42, "/meetings/7/minutes")
    assert text.isascii() and "/" not in text and "?" not in text  # it is a path segment of the link


@pytest.mark.parametrize("purpose", list(Purpose))
def test_a_token_works_until_its_lifetime_has_passed_and_not_after(purpose):
    text, token = issue(SECRET, purpose, 1, "stamp", NOW)
    assert token.expires_at == NOW + LIFETIME[purpose]
    assert read(SECRET, text, token.expires_at - timedelta(seconds=1)).subject_id == 1
    assert refusal(text, token.expires_at) is Refusal.EXPIRED
    assert refusal(text, token.expires_at + timedelta(days=400)) is Refusal.EXPIRED


def test_a_reset_link_lives_hours_and_an_invitation_days():
    assert LIFETIME[Purpose.RESET] <= timedelta(hours=2)
    assert LIFETIME[Purpose.INVITATION] >= timedelta(days=7)


def test_a_used_link_is_refused_because_setting_the_password_changes_the_stamp():
    before = credentials_stamp(None, None)
    text, _ = issue(SECRET, Purpose.INVITATION, 1, before, NOW)
    token = read(SECRET, text, NOW)
    check_stamp(token, is_active=True, current_stamp=before)  # unused: fine
    after = credentials_stamp(HASH, NOW + timedelta(minutes=5))
    with pytest.raises(TokenRefused) as refused:
        check_stamp(token, is_active=True, current_stamp=after)
    assert refused.value.reason is Refusal.USED


def test_the_same_password_set_again_still_changes_the_stamp():
    # a new hash has a new salt, and the moment of the change is part of the stamp as well
    assert credentials_stamp(HASH, NOW) != credentials_stamp(HASH, NOW + timedelta(seconds=1))
    assert credentials_stamp(HASH, NOW) != credentials_stamp(HASH + "x", NOW)
    assert credentials_stamp(HASH, NOW) == credentials_stamp(HASH, NOW.astimezone(timezone(timedelta(hours=2))))


def test_a_closed_login_refuses_its_links():
    stamp = credentials_stamp(HASH, None)
    token = read(SECRET, issue(SECRET, Purpose.RESET, 1, stamp, NOW)[0], NOW)
    with pytest.raises(TokenRefused) as refused:
        check_stamp(token, is_active=False, current_stamp=stamp)
    assert refused.value.reason is Refusal.CLOSED


def test_a_token_is_bound_to_its_login_and_cannot_be_turned_into_anothers():
    text, _ = issue(SECRET, Purpose.RESET, 1, "stamp", NOW)
    payload, signature = text.rsplit(".", 1)
    other, _ = issue(SECRET, Purpose.RESET, 2, "stamp", NOW)
    other_payload = other.rsplit(".", 1)[0]
    assert refusal(f"{other_payload}.{signature}") is Refusal.TAMPERED  # login 2 with login 1's signature
    forged = URLSafeSerializer("someone-elses-key", salt=SALT).dumps(["reset", 2, "stamp", "", int(NOW.timestamp())])
    assert refusal(forged) is Refusal.TAMPERED


@pytest.mark.parametrize("tampered", [
    "", "x", "not.a.token", "eyJ4Ijp9.abc",
])
def test_garbage_is_refused_as_tampered(tampered):
    assert refusal(tampered) is Refusal.TAMPERED


BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def test_every_changed_character_is_refused():
    text, _ = issue(SECRET, Purpose.INVITATION, 7, "stamp", NOW, "/")
    for i, c in enumerate(text):
        if c == ".":
            continue
        # +32 flips the character's highest bit, which carries data even in the last character
        changed = text[:i] + BASE64[(BASE64.index(c) + 32) % 64] + text[i + 1:]
        assert refusal(changed) is Refusal.TAMPERED, i


def test_a_longer_lifetime_cannot_be_had_by_changing_the_purpose():
    text, _ = issue(SECRET, Purpose.RESET, 1, "stamp", NOW)
    serializer = URLSafeSerializer(SECRET, salt=SALT)
    payload = serializer.loads(text)
    unsigned = URLSafeSerializer(SECRET, salt=SALT).dump_payload(["invitation", *payload[1:]]).decode()
    assert refusal(f"{unsigned}.{text.rsplit('.', 1)[1]}") is Refusal.TAMPERED
    assert refusal(text, NOW + timedelta(days=1)) is Refusal.EXPIRED


def test_another_sites_key_or_a_signed_value_of_another_kind_is_refused():
    assert refusal(issue("another-key", Purpose.RESET, 1, "s", NOW)[0]) is Refusal.TAMPERED
    rsvp = URLSafeSerializer(SECRET, salt="coordinator.rsvp").dumps([1, 2, "key"])
    assert refusal(rsvp) is Refusal.TAMPERED
    malformed = URLSafeSerializer(SECRET, salt=SALT).dumps(["reset", "1", 2, None, "yesterday"])
    assert refusal(malformed) is Refusal.TAMPERED


def test_a_naive_time_is_a_programming_error():
    with pytest.raises(ValueError):
        issue(SECRET, Purpose.RESET, 1, "s", datetime(2027, 9, 1, 8, 0))
