"""The UI in Swedish by default and in English for those who choose it."""
from __future__ import annotations


def test_pages_speak_english_to_english_readers_and_swedish_by_default(client):
    swedish = client.get("/").get_data(as_text=True)
    assert "<h1>Stadsdelar</h1>" in swedish and "Logga in" in swedish
    english = client.get("/?lang=en").get_data(as_text=True)
    assert "<h1>Districts</h1>" in english and "Sign in" in english and "Logga in" not in english
