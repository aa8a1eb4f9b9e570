"""The identity-number guard: finds Swedish personnummer and samordningsnummer in text. Pure.

Minutes of forms that forbid identified pupils must not carry a personal identity number.
People write them in many shapes (870412-1234, 19870412 1234, 870412–1234 pasted from Word),
so the scan is lenient: a run of 6 or 8 digits, then an optional separator (`-`, `+`, Unicode
dashes, spaces), then 4 digits, with no digit on either side. Only the separator between the
date and the serial is allowed to vary: phone numbers (070-123 45 67, 08-508 000 00), dates
(2027-10-12), amounts (1 250 000 kr), reference numbers (SDN 2027/1234) and school-unit codes
have no such run, and organisation numbers (212000-0142) carry a month of 20 or more, so none
of them is a date. Each candidate is then validated: a real date of birth (coordination
numbers add 60 to the day) in the past and within 130 years, and the Luhn check digit over
the ten-digit form. A date-shaped number that fails only the check digit may be a mistyped
identity number, so it is a suspect the user must confirm rather than a refusal.

Where a number stands is told by the caller's `Passage` (a Swedish template such as
"%(section)s, rad %(line)d" and its parameters); the number itself is only ever shown masked
except its date part, so an error message never repeats what it refuses.
"""
from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

# hyphen-minus, hyphen, non-breaking hyphen, figure dash, en dash, em dash, minus sign
DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2212"
_SPACE = "[ \t\u00a0\u2009\u202f]"
_CANDIDATE = re.compile(
    rf"(?<!\d)(?P<date>\d{{8}}|\d{{6}})"
    rf"(?P<separator>{_SPACE}{{0,2}}[{re.escape(DASHES)}+]{_SPACE}{{0,2}}|{_SPACE}{{1,2}}|)"
    rf"(?P<serial>\d{{4}})(?!\d)"
)
OLDEST_AGE = 130  # years: nobody alive is older, so an older "date of birth" is something else
COORDINATION_DAY_OFFSET = 60


class Kind(enum.Enum):
    PERSONAL_NUMBER = "personal_number"          # personnummer: refused
    COORDINATION_NUMBER = "coordination_number"  # samordningsnummer: refused
    SUSPECT = "suspect"                          # date-shaped, wrong check digit: the user confirms

    @property
    def is_refused(self) -> bool:
        return self is not Kind.SUSPECT


@dataclass(frozen=True)
class Hit:
    """A number found in one text: what it is, masked, and on which line (1-based)."""
    kind: Kind
    masked: str
    line: int


@dataclass(frozen=True)
class Passage:
    """A text and where it stands: a Swedish template (it may use `%(line)d`) and its parameters."""
    where: str
    params: Mapping[str, Any]
    text: str


@dataclass(frozen=True)
class Finding:
    """A number found in a passage, with the place it stands (the passage's, plus the line)."""
    kind: Kind
    masked: str
    where: str
    params: Mapping[str, Any]


@dataclass(frozen=True)
class GuardResult:
    refused: tuple[Finding, ...] = ()
    suspects: tuple[Finding, ...] = field(default=())

    @property
    def is_clean(self) -> bool:
        return not self.refused and not self.suspects

    def unconfirmed(self, confirmed: Iterable[str]) -> tuple[Finding, ...]:
        """The suspects whose masked form the user has not confirmed as no identity number."""
        accepted = set(confirmed)
        return tuple(s for s in self.suspects if s.masked not in accepted)


def find_identity_numbers(text: str, today: date) -> list[Hit]:
    """Every personnummer, samordningsnummer and suspect in `text`, in the order they stand."""
    hits = []
    for match in _CANDIDATE.finditer(text):
        kind = classify(match["date"], match["separator"], match["serial"], today)
        if kind is None:
            continue
        separator = "+" if "+" in match["separator"] else "-"
        hits.append(Hit(kind, f"{_ascii_digits(match['date'])}{separator}****",
                        text.count("\n", 0, match.start()) + 1))
    return hits


def check(passages: Iterable[Passage], today: date) -> GuardResult:
    """The refused numbers and the suspects in `passages`, each with where it stands."""
    refused, suspects = [], []
    for passage in passages:
        for hit in find_identity_numbers(passage.text, today):
            finding = Finding(hit.kind, hit.masked, passage.where, {**passage.params, "line": hit.line})
            (refused if hit.kind.is_refused else suspects).append(finding)
    return GuardResult(tuple(refused), tuple(suspects))


def classify(date_part: str, separator: str, serial: str, today: date) -> Kind | None:
    """What a candidate is: a personnummer, a samordningsnummer, a suspect, or nothing (None).

    `date_part` is YYMMDD or YYYYMMDD; `separator` as written (a `+` marks someone of 100 or
    more in the ten-digit form).
    """
    digits = _ascii_digits(date_part)
    short = digits[-6:]
    year_digits, month, day = int(short[:2]), int(short[2:4]), int(short[4:6])
    is_coordination = day > COORDINATION_DAY_OFFSET
    if is_coordination:
        day -= COORDINATION_DAY_OFFSET
    if len(digits) == 8:
        born = _date(int(digits[:4]), month, day)
    else:
        born = _ten_digit_birth_date(year_digits, month, day, centenarian="+" in separator, today=today)
    if born is None or born > today or born.year < today.year - OLDEST_AGE:
        return None
    if not luhn_valid(short + _ascii_digits(serial)):
        return Kind.SUSPECT
    return Kind.COORDINATION_NUMBER if is_coordination else Kind.PERSONAL_NUMBER


def luhn_valid(ten_digits: str) -> bool:
    """Whether the last digit is the Luhn check digit of the nine before it."""
    total = 0
    for position, char in enumerate(ten_digits[:9]):
        product = int(char) * (2 if position % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    return (10 - total % 10) % 10 == int(ten_digits[9])


def _ten_digit_birth_date(year_digits: int, month: int, day: int, *, centenarian: bool, today: date) -> date | None:
    """The birth date of a YYMMDD number: the latest such date not after today (100 years earlier with `+`).

    1900 was not a leap year and 2000 was, so a 29 February is tried a century earlier too.
    """
    year = today.year - (today.year - year_digits) % 100
    if centenarian:
        year -= 100
    for candidate in (year, year - 100):
        born = _date(candidate, month, day)
        if born is not None and born <= today:
            return born
    return None


def _date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _ascii_digits(text: str) -> str:
    """Digits of any script as 0-9 (`\\d` matches Arabic-Indic and full-width digits too)."""
    return "".join(str(unicodedata.digit(c)) for c in text)
