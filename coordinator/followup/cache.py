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

    def term_facts(self, session: Session, district_ids: Sequence[int], terms: Sequence[Term], now: datetime,
                   timezone: str) -> dict[Key, TermFacts]:
        if self.ttl <= 0:
            return term_facts(session, district_ids, terms, now, timezone)
        key = (tuple(district_ids), tuple(t.id for t in terms), timezone)
        # one district's view is cheap and read by the people who just changed it: any audited change shows
        # at once; the floor is for the city's views, counted over every district
        fresh = self.fresh if len(district_ids) > 1 else 0.0
        moment = self.clock()
        with self._lock:
            found = self._entries.get(key)
        age = moment - found[0] if found is not None else None
        version = None
        if age is not None and age >= fresh:
            version = session.scalar(sa.select(sa.func.max(AuditEvent.id)))
        if found is not None and age is not None and (age < fresh or (age < self.ttl and version == found[1])):
            with self._lock:
                self._entries.move_to_end(key)
                self.hits += 1
            return found[2]
        if version is None:
            version = session.scalar(sa.select(sa.func.max(AuditEvent.id)))
        facts = term_facts(session, district_ids, terms, now, timezone)
        with self._lock:
            self.misses += 1
            self._entries[key] = (moment, version, facts)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return facts
