"""The follow-up's facts kept for a short while, per process: the city view counts 20-odd aggregates over
every district's term, which no 50 concurrent readers can afford on every request (docs/PERFORMANCE.md).

An entry is kept for the districts, the terms and the time zone with the data's version, the newest
audit event's id: every answer, attendance, minutes or meeting change the product makes is audited (a
new id), so a change is counted on the next request — for the city's views (several districts) not sooner
than `fresh` seconds after the last count, and then in the background (`Recount`): on a Monday morning
answers arrive every second somewhere in the city, and recounting the city on each would be no cache at
all. `ttl` bounds the rest: a change written without an audit event (an
import, a hand edit), one that commits after a newer one, and the passing of time itself (a meeting that
ended becomes "not held") are seen at most `ttl` seconds late. Plain Python: the facts are frozen
values, no ORM objects, so an entry outlives the session that counted it.

`RenderedPages` keeps the pages' content as rendered from the facts, served while `FactsCache.still` says
those facts are still the answer (decision 73).
"""
from __future__ import annotations

import logging
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

logger = logging.getLogger(__name__)


class Recount:
    """How the city's facts are counted again without holding up the request that found them out of date
    (decision 74): `start(job)` runs the job elsewhere (a thread), `open_session` gives it a session of its own,
    `now` the time to count at; the request waits at most `wait` seconds for it, then is answered with the
    facts it has."""

    def __init__(self, open_session: Callable[[], Session], now: Callable[[], datetime],
                 start: Callable[[Callable[[], None]], None] | None = None, wait: float = 0.25) -> None:
        self.open_session, self.now, self.wait = open_session, now, wait
        self.start = start or (lambda job: threading.Thread(target=job, name="followup-recount", daemon=True).start())


class FactsCache:
    """`term_facts` with a memory: the same answer for the same question for `fresh` seconds, and after that
    for as long as the data's version is the same, up to `ttl` seconds.

    With a `recount`, the city's facts (several districts) found out of date but younger than `ttl` are
    counted again in the background, once at a time per question, while the requests meanwhile are answered
    with the facts they replace (after waiting at most `recount.wait` seconds): a recount of the city takes
    1–2 s under load and would otherwise hold up a worker every `fresh` seconds on a busy morning. One
    district's facts are always counted in the request: its view shows an audited change at once."""

    def __init__(self, ttl: float = 60.0, size: int = 256, clock: Callable[[], float] = time.monotonic,
                 fresh: float = 10.0, recount: Recount | None = None) -> None:
        self.ttl, self.size, self.clock, self.fresh, self.recount = ttl, size, clock, min(fresh, ttl), recount
        self._entries: OrderedDict[tuple[Any, ...], tuple[float, Any, dict[Key, TermFacts]]] = OrderedDict()
        self._counting: dict[tuple[Any, ...], threading.Event] = {}
        self._lock = threading.Lock()
        self.hits = self.misses = self.recounts = 0

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
        if found is not None:
            answer = self._answer(key, found, moment, version)
            if answer is not None:
                with self._lock:
                    self._entries.move_to_end(key)
                    self.hits += 1
                return answer
        stamp = version()  # before counting: a change committed while counting is counted again next time
        facts = term_facts(session, district_ids, terms, now, timezone)
        with self._lock:
            self.misses += 1
        self._keep(key, moment, stamp, facts)
        return facts

    def _keep(self, key: tuple[Any, ...], moment: float, stamp: Any, facts: dict[Key, TermFacts]) -> None:
        with self._lock:
            self._entries[key] = (moment, stamp, facts)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

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
            if found is None or found[2] is not facts or self._answer(key, found, moment, version) is not facts:
                return False
        return True

    def _answer(self, key: tuple[Any, ...], found: tuple[float, Any, dict[Key, TermFacts]], moment: float,
                version: _Version) -> dict[Key, TermFacts] | None:
        """The facts a kept entry answers with now, or None to count in this request: the entry's own within
        `fresh` of its count, else while the data's version is the same, up to `ttl`. One district's view is cheap
        and read by the people who just changed it: any audited change shows at once; the floor is for the
        city's views, counted over every district, and so is counting again in the background."""
        age = moment - found[0]
        city = len(key[0]) > 1
        if age < (self.fresh if city else 0.0):
            return found[2]
        if age >= self.ttl:
            return None
        if version() == found[1]:
            return found[2]
        if not city or self.recount is None:
            return None
        self._count_again(key)
        with self._lock:
            now_kept = self._entries.get(key)
        return now_kept[2] if now_kept is not None else found[2]

    def _count_again(self, key: tuple[Any, ...]) -> None:
        """Count `key` again in the background unless that is under way; wait for it at most `recount.wait`."""
        recount = self.recount
        assert recount is not None
        with self._lock:
            done = self._counting.get(key)
            started = done is None
            if started:
                done = self._counting[key] = threading.Event()
                self.recounts += 1
        assert done is not None
        if started:
            def job() -> None:
                try:
                    moment = self.clock()
                    with recount.open_session() as session:
                        terms = [session.get(Term, term_id) for term_id in key[1]]
                        stamp = session.scalar(sa.select(sa.func.max(AuditEvent.id)))
                        facts = term_facts(session, list(key[0]), [t for t in terms if t is not None],
                                           recount.now(), key[2])
                    self._keep(key, moment, stamp, facts)
                except Exception:  # the request's own count is what is left; never a half-kept entry
                    logger.exception("Counting the follow-up's facts again failed")
                finally:
                    with self._lock:
                        self._counting.pop(key, None)
                    done.set()
            recount.start(job)
            done.wait(recount.wait)  # only the request that found it out of date; the others answer at once


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
    the term or year, the sort, the language), the least recently used dropped past `size` characters (a
    city view is about 117,000, a district's 92,000: the default keeps some forty pages, a few MB of a
    worker). An entry is served only while `FactsCache.still` says its facts are the ones the cache would
    answer with: so never longer than the facts themselves, and a page rendered from replaced facts is
    rendered again. The layout (the user's menu, the CSRF token) is not kept: it is rendered for each request
    around the kept content."""

    def __init__(self, size: int = 4_000_000) -> None:
        self.size, self.kept = size, 0
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
            replaced = self._entries.pop(key, None)
            self.kept += _length(rendered) - (_length(replaced) if replaced is not None else 0)
            self._entries[key] = rendered
            while self.kept > self.size and len(self._entries) > 1:
                self.kept -= _length(self._entries.popitem(last=False)[1])


def _length(rendered: Rendered) -> int:
    return len(rendered.title) + len(rendered.content)
