"""The pure parts of redaction: which numbers a change takes out, masking only those, and a stored
mail rewritten with its texts masked and everything else (Message-ID, calendar) as it was."""
from __future__ import annotations

import email
import email.policy
from datetime import date

from tests.unit.test_compose import invitation, meeting

from coordinator.minutes.guard import masked_text
from coordinator.minutes.redaction import removed_numbers
from coordinator.outbox.compose import rewrite_texts

TODAY = date(2027, 9, 1)


def test_a_number_written_another_way_is_not_taken_out():
    before = ["Eleven 871125-9823 och 850772-9807.", "Anna 0701234569."]
    after = ["Eleven 19 87 11 25 98 23.", "Anna 070-123 45 69."]

    # the suspect 0701234569 is gone as a number: written as a phone number it no longer reads as one
    assert removed_numbers(before, after, TODAY) == {"8507729807": "850772-****", "0701234569": "070123-****"}


def test_only_the_numbers_given_are_masked():
    text = "Elev 87 11 25 98 23 och elev 850772-9807."

    assert masked_text(text, TODAY, {"8711259823"}) == "Elev 871125-**** och elev 850772-9807."
    assert masked_text(text, TODAY) == "Elev 871125-**** och elev 850772-****."


def test_a_stored_mail_is_rewritten_in_its_texts_only():
    message = invitation(event=meeting(summary="Möte om elev 871125-9823"), agenda="Elev 871125-9823")
    stored = message.as_bytes()

    rewritten = rewrite_texts(stored, lambda text: masked_text(text, TODAY))

    parsed = email.message_from_bytes(rewritten, policy=email.policy.default)
    original = email.message_from_bytes(stored, policy=email.policy.default)
    texts = [p for p in parsed.walk() if p.get_content_type() in ("text/plain", "text/html")]
    assert "Möte om elev 871125-****" in str(parsed["Subject"])
    assert all("871125-****" in p.get_content() and "9823" not in p.get_content() for p in texts)
    assert parsed["Message-ID"] == original["Message-ID"] and parsed["To"] == original["To"]
    calendars = [part.get_content() for message in (parsed, original) for part in message.walk()
                 if part.get_content_type() == "text/calendar"]
    assert len(calendars) == 2 and calendars[0] == calendars[1]
    assert rewrite_texts(stored, lambda text: text) is stored
