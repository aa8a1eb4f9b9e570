"""The identity-number guard: finds Swedish personnummer and samordningsnummer in text. Pure.

Minutes of forms that forbid identified pupils must not carry a personal identity number.
People write them in many shapes (870412-1234, 19870412 1234, 870412–1234 pasted from Word,
19 87 04 12 12 34 read aloud), so the scan is lenient, then normalises, then validates:

1. A *run* is digits joined by separators: spaces of any width (no-break, thin, narrow), tabs,
   invisible soft hyphens and zero-width spaces, hyphens and dashes, `+`, or a dash with spaces
   around it. Dots, commas, colons and slashes are not separators: they join the digits of
   times (13.00), dates (12.10.2027), decimals and diarienummer (SDN 2027/123-1.2).
2. A run of exactly ten or twelve digits is a candidate however its digits are grouped, unless
   it is written as a Swedish phone number (an area code — 08, or 0 and two or three digits —
   then the subscriber number in one piece or in groups of two and three: 070-123 45 67,
   08-123 456 78), as an amount in thousands followed by its currency (1 101 230 000 kr), or
   continues across a dot, comma, colon or slash into more digits (2008-10-12 13.00).
   Inside a longer run only the usual shapes count: six or eight digits, a separator, four
   digits (or ten or twelve digits in one piece), as in "punkt 3 871125-9823".
3. Each candidate is validated: a real date of birth (coordination numbers add 60 to the day)
   in the past and within 130 years, and the Luhn check digit over the ten-digit form. A `+`
   between the date and the serial of the ten-digit form marks someone of 100 or more.

Organisation numbers (556677-8899, 212000-0142) carry a "month" of 20 or more, so in no grouping
are they a date. A date-shaped number that fails only the check digit may be a mistyped identity
number, so it is a suspect the user must confirm rather than a refusal.

Where a number stands is told by the caller's `Passage` (a Swedish template such as
"%(section)s, rad %(line)d" and its parameters); the number itself is only ever shown masked
except its date part, so an error message never repeats what it refuses. `masked_text` writes a
text with the numbers so masked, for the audit trail and for redaction.
"""
from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

from coordinator.i18n import N_, DomainError

# hyphen-minus, hyphen, non-breaking hyphen, figure dash, en dash, em dash, minus sign
DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2212"
# space, tab, no-break space, the typographic spaces (en quad … hair space), narrow no-break space,
# medium mathematical space, ideographic space; soft hyphen, zero-width space, word joiner
SPACES = " \t\u00a0\u2000-\u200a\u202f\u205f\u3000\u00ad\u200b\u2060"
_GAP = rf"(?:[{SPACES}]{{1,3}}|[{SPACES}]{{0,2}}[{re.escape(DASHES)}+][{SPACES}]{{0,2}})"
_RUN = re.compile(rf"\d+(?:{_GAP}\d+)*")
_GROUP = re.compile(r"\d+")
_GLUE_BEFORE = re.compile(r"\d[.,:/]$")
_GLUE_AFTER = re.compile(r"[.,:/]\d")
_CURRENCY = re.compile(r"[ \u00a0\u202f]*(?:kr|kronor|sek|tkr|mkr|mnkr|msek|:-)(?!\w)", re.IGNORECASE)
_THOUSANDS_GAP = re.compile(r"[ \u00a0\u2009\u202f]")
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
    """A number found in one text: what it is, masked, on which line (1-based) and where it stands.

    `key` is the number's ten digits (YYMMDDNNNC), however it was written: the same number in
    another grouping, or with its century, has the same key. Keep it in memory only.
    """
    kind: Kind
    masked: str
    line: int
    start: int
    end: int
    key: str = field(repr=False)


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


class _Group(NamedTuple):
    start: int
    end: int
    digits: str  # ASCII


def find_identity_numbers(text: str, today: date) -> list[Hit]:
    """Every personnummer, samordningsnummer and suspect in `text`, in the order they stand."""
    hits = []
    for run in _RUN.finditer(text):
        if run.end() - run.start() < 10:  # fewer characters than the shortest number has digits
            continue
        offset = run.start()
        groups = [_Group(offset + g.start(), offset + g.end(), _ascii_digits(g.group()))
                  for g in _GROUP.finditer(run.group())]
        hits.extend(_hits_in_run(text, groups, today))
    return hits


def masked_text(text: str, today: date, keys: Collection[str] | None = None) -> str:
    """`text` with each identity number and suspect (only those whose `key` is in `keys`, if given)
    written masked, "871125-****", however it was grouped."""
    hits = [h for h in find_identity_numbers(text, today) if keys is None or h.key in keys]
    if not hits:
        return text
    parts, at = [], 0
    for hit in hits:
        parts += [text[at:hit.start], hit.masked]
        at = hit.end
    return "".join(parts + [text[at:]])


def _hits_in_run(text: str, groups: list[_Group], today: date) -> Iterator[Hit]:
    """The numbers of one run: the whole run as one number if it may be one, else its usual shapes."""
    total = sum(len(g.digits) for g in groups)
    if total < 10:
        return
    if total in (10, 12) and _may_be_one_number(text, groups):
        hit = _hit(text, groups, today)
        if hit is not None:
            yield hit
            return
    taken_until = -1
    for i, group in enumerate(groups):
        if i <= taken_until:
            continue
        if len(group.digits) in (10, 12):
            window = groups[i:i + 1]
        elif len(group.digits) in (6, 8) and i + 1 < len(groups) and len(groups[i + 1].digits) == 4:
            window = groups[i:i + 2]
        else:
            continue
        if window == groups:  # already judged as the whole run
            continue
        hit = _hit(text, window, today)
        if hit is not None:
            taken_until = i + len(window) - 1
            yield hit


def _may_be_one_number(text: str, groups: list[_Group]) -> bool:
    """Whether a run of ten or twelve digits may be one identity number, whatever its grouping:
    not a phone number, not an amount, not part of a time, decimal or reference number."""
    if _GLUE_BEFORE.search(text, max(0, groups[0].start - 2), groups[0].start):
        return False
    if _GLUE_AFTER.match(text, groups[-1].end):
        return False
    return not _is_phone_number(groups) and not _is_amount(text, groups)


def _is_phone_number(groups: list[_Group]) -> bool:
    """An area code (08, or 0 and two or three digits), then the subscriber number in one piece or
    in groups of two and three digits: 070-123 45 67, 08-123 456 78, 0470-123 456, 070-1234567."""
    area, rest = groups[0].digits, groups[1:]
    is_area_code = area == "08" or (len(area) in (3, 4) and area[0] == "0" and area[1] != "0")
    return is_area_code and bool(rest) and (len(rest) == 1 or all(len(g.digits) in (2, 3) for g in rest))


def _is_amount(text: str, groups: list[_Group]) -> bool:
    """Thousands grouped by spaces and followed by a currency: 1 101 230 000 kr."""
    if len(groups) < 2 or not 1 <= len(groups[0].digits) <= 3 or any(len(g.digits) != 3 for g in groups[1:]):
        return False
    gaps = (text[a.end:b.start] for a, b in zip(groups, groups[1:]))
    return all(len(gap) == 1 and _THOUSANDS_GAP.match(gap) for gap in gaps) and bool(
        _CURRENCY.match(text, groups[-1].end))


def _hit(text: str, groups: list[_Group], today: date) -> Hit | None:
    """The run `groups` judged as one number: a hit, or None when it is no identity number."""
    digits = "".join(g.digits for g in groups)
    date_part, serial = digits[:-4], digits[-4:]
    kind = classify(date_part, _gap_at(text, groups, len(date_part)), serial, today)
    if kind is None:
        return None
    separator = "+" if len(digits) == 10 and "+" in _gap_at(text, groups, 6) else "-"
    start = groups[0].start
    return Hit(kind, f"{date_part}{separator}****", text.count("\n", 0, start) + 1, start, groups[-1].end,
               digits[-10:])


def _gap_at(text: str, groups: list[_Group], position: int) -> str:
    """What stands between the `position`-th and the next digit of the run: a separator, or ""."""
    count = 0
    for group, following in zip(groups, groups[1:]):
        count += len(group.digits)
        if count == position:
            return text[group.end:following.start]
        if count > position:
            break
    return ""


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
    if text.isascii():
        return text
    return "".join(str(unicodedata.digit(c)) for c in text)


class IdentityNumberInText(DomainError):
    """A personnummer, samordningsnummer or a number shaped like one in a short text that has no confirming step."""

    def __init__(self, field: str, masked: str) -> None:
        super().__init__(N_("%(field)s får inte innehålla personnummer eller samordningsnummer (här står "
                            "%(number)s). Ta bort numret; ingenting sparades."), field=field, number=masked)


def refuse_identity_numbers(field: str, text: str, today: date) -> None:
    """Refuse an identity number, or anything shaped like one, in the text of `field` (a Swedish label).

    For short fields (a case reference, a reason, a diarienummer) where nothing like a personnummer
    belongs, a suspect is refused as well: there is nothing to confirm.
    """
    result = check([Passage(field, {}, text)], today)
    found = result.refused + result.suspects
    if found:
        raise IdentityNumberInText(field, found[0].masked)
