"""The follow-up views' facts kept for a while (decision 54): the same figures as counted afresh, counted
again after an audited change (but not more often than every `fresh` seconds), and never kept longer than
the time given."""
from __future__ import annotations

import pytest
from sqlalchemy.orm import Session
from tests.followup_world import NOW, build

from coordinator import audit
from coordinator.followup.cache import FactsCache, Recount, Rendered, RenderedPages
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


# -- counting the city again in the background (decision 74) -------------------------------------------

class Jobs:
    """The recount's background, run by hand: what was started, and running it when the test says."""

    def __init__(self) -> None:
        self.waiting: list = []

    def __call__(self, job) -> None:  # type: ignore[no-untyped-def]
        self.waiting.append(job)

    def run(self) -> None:
        jobs, self.waiting = self.waiting, []
        for job in jobs:
            job()


def recounting(session, jobs, wait: float = 0.0) -> Recount:  # type: ignore[no-untyped-def]
    return Recount(lambda: Session(session.get_bind()), lambda: NOW, start=jobs, wait=wait)


def change(session, world) -> None:  # type: ignore[no-untyped-def]
    audit.record(session, at=NOW, actor="rektor@example.se", action="answer", entity=world.meetings["m1"],
                 district_id=world.district.id)
    session.commit()


def test_the_city_is_counted_again_in_the_background_while_its_old_facts_are_served(session, world):
    clock, jobs = Clock(), Jobs()
    cache = FactsCache(ttl=60, clock=clock, recount=recounting(session, jobs))
    city = [world.district.id, 987654]
    ask = lambda: cache.term_facts(session, city, [world.term], NOW, "Europe/Stockholm")  # noqa: E731
    first = ask()
    used = [(cache.key(city, [world.term], "Europe/Stockholm"), first)]

    change(session, world)
    clock.now += 11
    assert ask() is first and len(jobs.waiting) == 1  # out of date: answered with what there is, counted aside
    assert ask() is first and cache.still(session, used) and len(jobs.waiting) == 1  # one recount at a time
    assert cache.misses == 1 and cache.recounts == 1

    jobs.run()
    again = ask()
    assert again is not first and again == term_facts(session, city, [world.term], NOW, "Europe/Stockholm")
    assert not cache.still(session, used)  # a page rendered from the old facts is rendered again
    assert cache.misses == 1  # no request counted


def test_the_request_that_starts_the_recount_waits_for_it_a_moment(session, world):
    clock = Clock()
    cache = FactsCache(ttl=60, clock=clock, recount=recounting(session, lambda job: job(), wait=1.0))
    city = [world.district.id, 987654]
    ask = lambda: cache.term_facts(session, city, [world.term], NOW, "Europe/Stockholm")  # noqa: E731
    first = ask()
    change(session, world)
    clock.now += 11
    assert ask() is not first and cache.recounts == 1 and cache.misses == 1  # done within the wait: the new facts


def test_one_district_and_facts_past_their_time_are_counted_in_the_request(session, world):
    clock, jobs = Clock(), Jobs()
    cache = FactsCache(ttl=60, clock=clock, recount=recounting(session, jobs))
    district = lambda: cache.term_facts(session, [world.district.id], [world.term], NOW,  # noqa: E731
                                        "Europe/Stockholm")
    city = lambda: cache.term_facts(session, [world.district.id, 987654], [world.term], NOW,  # noqa: E731
                                    "Europe/Stockholm")
    one, several = district(), city()
    change(session, world)
    clock.now += 1
    assert district() is not one and not jobs.waiting  # an audited change shows at once in a district's view
    clock.now += 60
    assert city() is not several and not jobs.waiting and cache.misses == 4  # past `ttl`: nothing old is served


def test_a_failed_recount_keeps_the_old_facts_and_is_tried_again(session, world):
    clock, jobs = Clock(), Jobs()
    broken = Recount(lambda: (_ for _ in ()).throw(RuntimeError("no database")), lambda: NOW, start=jobs, wait=0)
    cache = FactsCache(ttl=60, clock=clock, recount=broken)
    city = [world.district.id, 987654]
    ask = lambda: cache.term_facts(session, city, [world.term], NOW, "Europe/Stockholm")  # noqa: E731
    first = ask()
    change(session, world)
    clock.now += 11
    assert ask() is first
    jobs.run()
    assert ask() is first and len(jobs.waiting) == 1 and cache.recounts == 2


def test_rendered_pages_keep_the_most_recently_used_within_their_size():
    pages = RenderedPages(size=25)
    page = lambda text: Rendered("t", text, (), None)  # noqa: E731
    pages.put(("a",), page("x" * 9))
    pages.put(("b",), page("y" * 9))
    assert pages.get(("a",)) is not None  # now the most recently used
    pages.put(("c",), page("z" * 9))
    assert pages.get(("b",)) is None and pages.get(("a",)) is not None and pages.get(("c",)) is not None
    pages.put(("a",), page("w"))  # replaced: its old size no longer counted
    assert pages.kept == 12
    pages.put(("d",), page("v" * 99))  # larger than the whole: kept alone
    assert pages.get(("d",)) is not None and pages.get(("a",)) is None and pages.kept == 100
