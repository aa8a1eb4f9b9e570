"""The follow-up's facts kept for a short while, per process: the city view counts 20-odd aggregates over
every district's term, which no 50 concurrent readers can afford on every request (docs/PERFORMANCE.md).

An entry is keyed on the districts, the terms, the time zone and the data's version, the newest audit
event's id: every answer, attendance, minutes or meeting change the product makes is audited (a new id),
so a change is seen on the next request. `ttl` bounds the rest: a change written without an audit event
(an import, a hand edit), one that commits after a newer one, and the passing of time itself (a meeting
that ended becomes "not held") are seen at most `ttl` seconds late. Plain Python: the facts are frozen
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
    """`term_facts` with a memory: the same answer for the same question and data version within `ttl` s."""

    def __init__(self, ttl: float = 60.0, size: int = 256, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl, self.size, self.clock = ttl, size, clock
        self._entries: OrderedDict[tuple[Any, ...], tuple[float, dict[Key, TermFacts]]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def term_facts(self, session: Session, district_ids: Sequence[int], terms: Sequence[Term], now: datetime,
                   timezone: str) -> dict[Key, TermFacts]:
        if self.ttl <= 0:
            return term_facts(session, district_ids, terms, now, timezone)
        version = session.scalar(sa.select(sa.func.max(AuditEvent.id)))
        key = (tuple(district_ids), tuple(t.id for t in terms), timezone, version)
        moment = self.clock()
        with self._lock:
            found = self._entries.get(key)
            if found is not None and moment - found[0] < self.ttl:
                self._entries.move_to_end(key)
                self.hits += 1
                return found[1]
        facts = term_facts(session, district_ids, terms, now, timezone)
        with self._lock:
            self.misses += 1
            self._entries[key] = (moment, facts)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return facts
