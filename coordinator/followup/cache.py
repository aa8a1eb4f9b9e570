"""The follow-up's facts kept for a short while, per process: the city view counts 20-odd aggregates over
every district's term, which no 50 concurrent readers can afford on every request (docs/PERFORMANCE.md).

An entry is kept for the districts, the terms and the time zone with the data's version, the newest
audit event's id: every answer, attendance, minutes or meeting change the product makes is audited (a
new id), so a change is counted on the next request — for the city's views (several districts) not sooner
than `fresh` seconds after the last count: on a Monday morning answers arrive every second somewhere in the city, and recounting the city on
each would be no cache at all. `ttl` bounds the rest: a change written without an audit event (an
import, a hand edit), one that commits after a newer one, and the passing of time itself (a meeting that
ended becomes "not held") are seen at most `ttl` seconds late. Plain Python: the facts are frozen
values, no ORM objects, so an entry outlives the session that counted it.
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from coordinator.audit import AuditEvent
from coordinator.followup.facts import TermFacts
from coordinator.followup.queries import Key, term_facts
from coordinator.terms.models import Term


class FactsCache:
    """`term_facts` with a memory: the same answer for the same question for `fresh` seconds, and after that
    for as long as the data's version is the same, up to `ttl` seconds."""

    def __init__(self, ttl: float = 60.0, size: int = 256, clock: Callable[[], float] = time.monotonic,
                 fresh: float = 10.0) -> None:
        self.ttl, self.size, self.clock, self.fresh = ttl, size, clock, min(fresh, ttl)
        self._entries: OrderedDict[tuple[Any, ...], tuple[float, Any, dict[Key, TermFacts]]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    @staticmethod
    def key(district_ids: Sequence[int], terms: Sequence[Term], timezone: str) -> tuple[Any, ...]:
        """What an entry is kept under: the districts, the terms and the time zone."""
        return (tuple(district_ids), tuple(t.id for t in terms), timezone)

    def term_facts(self, session: Session, district_ids: Sequence[int], terms: Sequence[Term], now: datetime,
                   timezone: str) -> dict[Key, TermFacts]:
        if self.ttl <= 0:
            return term_facts(session, district_ids, terms, now, timezone)
        key = self.key(district_ids, terms, timezone)
        moment = self.clock()
        with self._lock:
            found = self._entries.get(key)
        version = _Version(session)
        if found is not None and self._holds(key, found, moment, version):
            with self._lock:
                self._entries.move_to_end(key)
                self.hits += 1
            return found[2]
        stamp = version()  # before counting: a change committed while counting is counted again next time
        facts = term_facts(session, district_ids, terms, now, timezone)
        with self._lock:
            self.misses += 1
            self._entries[key] = (moment, stamp, facts)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return facts

    def still(self, session: Session, used: Sequence[tuple[tuple[Any, ...], dict[Key, TermFacts]]]) -> bool:
        """Whether `term_facts` would answer each (key, facts) in `used` with those very facts now, without
        counting: what a page rendered from them (`RenderedPages`) may be served by. One version query at most."""
        if self.ttl <= 0 or not used:
            return False
        moment = self.clock()
        version = _Version(session)
        for key, facts in used:
            with self._lock:
                found = self._entries.get(key)
            if found is None or found[2] is not facts or not self._holds(key, found, moment, version):
                return False
        return True

    def _holds(self, key: tuple[Any, ...], found: tuple[float, Any, dict[Key, TermFacts]], moment: float,
               version: _Version) -> bool:
        """Whether a kept entry is still the answer: within `fresh` of its count, else while the data's version
        is the same, up to `ttl`. One district's view is cheap and read by the people who just changed it: any
        audited change shows at once; the floor is for the city's views, counted over every district."""
        age = moment - found[0]
        fresh = self.fresh if len(key[0]) > 1 else 0.0
        if age < fresh:
            return True
        return age < self.ttl and version() == found[1]


class _Version:
    """The data's version (the newest audit event's id), asked at most once per request."""

    def __init__(self, session: Session) -> None:
        self.session, self.asked, self.value = session, False, None

    def __call__(self) -> Any:
        if not self.asked:
            self.value, self.asked = self.session.scalar(sa.select(sa.func.max(AuditEvent.id))), True
        return self.value


@dataclass(frozen=True)
class Rendered:
    """A follow-up page's own part (its title and content block, as HTML), the facts it was rendered from
    and the district whose access it needs (None: the city's)."""
    title: str
    content: str
    used: tuple[tuple[tuple[Any, ...], dict[Key, TermFacts]], ...]
    district_id: int | None


class RenderedPages:
    """The follow-up pages' content as rendered, per process, under what decides it (the view, the district,
    the term or year, the sort, the language), least recently used dropped past `size`. An entry is served
    only while `FactsCache.still` says its facts are the ones the cache would answer with: so never longer
    than the facts themselves, and a page rendered from replaced facts is rendered again. The layout (the
    user's menu, the CSRF token) is not kept: it is rendered for each request around the kept content."""

    def __init__(self, size: int = 512) -> None:
        self.size = size
        self._entries: OrderedDict[tuple[Any, ...], Rendered] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: tuple[Any, ...]) -> Rendered | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, key: tuple[Any, ...], rendered: Rendered) -> None:
        with self._lock:
            self._entries[key] = rendered
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
