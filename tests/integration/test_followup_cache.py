"""The follow-up views' facts kept for a while (decision 54): the same figures as counted afresh, counted
again after an audited change (but not more often than every `fresh` seconds), and never kept longer than
the time given."""
from __future__ import annotations

import pytest
from tests.followup_world import NOW, build

from coordinator import audit
from coordinator.followup.cache import FactsCache
from coordinator.followup.queries import term_facts


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def world(session):
    return build(session)


def test_kept_facts_are_the_counted_ones_until_an_audited_change(session, world):
    clock = Clock()
    cache = FactsCache(ttl=60, clock=clock)
    city = [world.district.id, 987654]  # the city's view: several districts (the second has nothing to count)
    ask = lambda: cache.term_facts(session, city, [world.term], NOW, "Europe/Stockholm")  # noqa: E731

    first = ask()
    assert first == term_facts(session, city, [world.term], NOW, "Europe/Stockholm")
    assert ask() is first and (cache.hits, cache.misses) == (1, 1)

    meeting = world.meetings["m1"]
    audit.record(session, at=NOW, actor="rektor@example.se", action="answer", entity=meeting,
                 district_id=world.district.id)
    session.commit()
    clock.now += 5
    assert ask() is first  # within `fresh` of the count: kept, whatever was written meanwhile
    clock.now += 6
    assert ask() is not first and cache.misses == 2  # counted again: the change shows


def test_one_districts_facts_show_an_audited_change_at_once(session, world):
    """The district's own people read its view right after changing something (registering minutes)."""
    clock = Clock()
    cache = FactsCache(ttl=60, clock=clock)
    ask = lambda: cache.term_facts(session, [world.district.id], [world.term], NOW, "Europe/Stockholm")  # noqa: E731

    first = ask()
    assert ask() is first  # nothing changed: kept
    audit.record(session, at=NOW, actor="registrator@example.se", action="minutes.registered",
                 entity=world.meetings["m1"], district_id=world.district.id)
    session.commit()
    clock.now += 1
    assert ask() is not first and cache.misses == 2


def test_facts_are_not_kept_past_their_time_or_when_switched_off(session, world):
    clock = Clock()
    cache = FactsCache(ttl=60, clock=clock)
    ask = lambda c: c.term_facts(session, [world.district.id], [world.term], NOW, "Europe/Stockholm")  # noqa: E731
    first = ask(cache)
    clock.now += 59
    assert ask(cache) is first  # nothing audited since: the same version
    clock.now += 2
    assert ask(cache) is not first  # a change nobody audited (or time passing) shows within the minute

    off = FactsCache(ttl=0)
    assert ask(off) is not ask(off) and off.hits == 0
