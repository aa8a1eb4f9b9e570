"""The built feeds kept by ETag (decision 54): found by their ETag, the oldest out first past the limit."""
from __future__ import annotations

from coordinator.invitations.feeds import FeedBodies


def test_bodies_are_kept_by_etag_within_the_limit_oldest_out_first():
    bodies = FeedBodies(limit=10)
    bodies.put("a", b"1234")
    bodies.put("b", b"5678")
    assert bodies.get("a") == b"1234"  # now the newest used
    bodies.put("c", b"90ab")  # 12 bytes: the least recently used ("b") goes
    assert (bodies.get("a"), bodies.get("b"), bodies.get("c")) == (b"1234", None, b"90ab")
    bodies.put("huge", b"x" * 11)  # larger than the limit: never kept, nothing else lost
    assert bodies.get("huge") is None and bodies.size == 8
