"""The identity-number guard: finds Swedish personnummer and samordningsnummer in text. Pure.

Minutes of forms that forbid identified pupils must not carry a personal identity number.
People write them in many shapes (870412-1234, 19870412 1234, 870412–1234 pasted from Word,
19 87 04 12 12 34 read aloud, 870412-⏎1234 broken at the end of a line), so the scan reads a
normalised copy of the text, finds runs of digits, then validates:

0. Normalising: every Unicode dash or hyphen (full-width too) reads as "-", every space as " ",
   every line break as one "\n"; invisible characters (soft hyphens, zero-width spaces and
   joiners, direction marks) are dropped, and a URL's percent-encoded space, hyphen or dash
   (%20, %2D …) reads as what it encodes. Positions still point into the text as written.
1. A *run* is digits joined by separators: any number of spaces, a hyphen, dash or `+` with
   spaces around it or not, one line break (after a hyphen or not), or a dot with no space
   around it. Commas, colons and slashes are not separators: they join the digits of times
   (13:00), decimals and diarienummer (SDN 2027/123-1.2), and a run that continues across one
   into more digits is not a candidate.
2. A run of exactly ten or twelve digits is a candidate however its digits are grouped, unless
   it is written as a Swedish phone number (an area code — 08, or 0 and two or three digits —
   then the subscriber number in one piece, in groups of two and three or in two of three or
   four: 070-123 45 67, 08-123 456 78, 070-123 4567; or after +46, 0046 or "(0)"), or as an amount in thousands followed by its
   currency (1 101 230 000 kr). Inside a longer run (a table row, a list, two numbers on
   adjacent lines) a stretch of ten or twelve digits counts when it is grouped the way identity
   numbers are: cut only between century, year, month, day, serial and the serial's pairs, and
   cut between the date and the serial (87 11 25-98 23 in "punkt 3 87 11 25-98 23").
   A dot may stand only where a date has one: between the date and the serial (871125.9823),
   or between the parts of the date and then any separator (87.11.25-9823); so a date and a
   time (2027-10-12 13.00) or an IP address is never a candidate.
3. Each candidate is validated: a real date of birth (coordination numbers add 60 to the day)
   in the past and within 130 years, and the Luhn check digit over the ten-digit form. A `+`
   between the date and the serial of the ten-digit form marks someone of 100 or more.
4. Ten digits in one piece that begin like a Swedish phone number (0 and a digit 1–9:
   0701234567) may be either: after a word for a phone (ring, tel, mobil …) they pass; after a
   word for an identity number (personnummer, pnr, född …) they are judged as one; otherwise
   a valid one is a suspect the user confirms, and one whose check digit fails passes.

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

# every dash punctuation character (Unicode category Pd: hyphen-minus, Armenian, Hebrew maqaf,
# hyphen, non-breaking hyphen, figure dash, en and em dash, horizontal bar, the CJK wave dashes,
# the small and full-width hyphen-minus …), the minus signs, and the spacing modifier minus
DASHES = ("-\u058a\u05be\u1400\u1806\u2010\u2011\u2012\u2013\u2014\u2015\u2e17\u2e1a\u2e3a\u2e3b\u2e40"
          "\u2e5d\u301c\u3030\u30a0\ufe31\ufe32\ufe58\ufe63\uff0d\U00010ead\u2212\u2796\u02d7\u207b\u208b")
# every space character (Unicode category Zs) and the tab
SPACES = (" \t\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f"
          "\u205f\u3000")
LINE_BREAKS = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"
# soft hyphen, Mongolian vowel separator, zero-width space, non-joiner and joiner, direction marks
# and embeddings, word joiner and the invisible operators, isolates, byte order mark
INVISIBLE = "\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff"
_SAME_WIDTH = str.maketrans({**dict.fromkeys(DASHES, "-"), **dict.fromkeys(SPACES, " "),
                             **dict.fromkeys(LINE_BREAKS, "\n"), "\uff0b": "+", "\ufe62": "+"})
# what a URL encodes as a space, a no-break space, a hyphen, a dash (U+2010-2015) or a plus
_PERCENT_ENCODED = {"%20": " ", "%c2%a0": " ", "%2d": "-", "%2b": "+",
                    **{f"%e2%80%9{d}": "-" for d in "012345"}}
_REWRITTEN = re.compile(rf"[{INVISIBLE}]+|\r(?=\n)|%(?:20|2[dDbB]|[cC]2%[aA]0|[eE]2%80%9[0-5])")
_GAP = r"(?:\.|[ ]+|[ ]*[-+][ ]*|[ ]*-?[ ]*\n[ ]*)"
_RUN = re.compile(rf"\d+(?:{_GAP}\d+)*")
_GROUP = re.compile(r"\d+")
_GLUE_BEFORE = re.compile(r"\d[,:/]$")
_GLUE_AFTER = re.compile(r"[,:/]\d")
_CURRENCY = re.compile(r"[ ]*(?:kr|kronor|sek|tkr|mkr|mnkr|msek|:-)(?!\w)", re.IGNORECASE)
_INTERNATIONAL = re.compile(r"(?:\+|\(0\)[ ]*)$")
_PHONE_WORDS = re.compile(r"\b(?:tel|tfn|tlf|telefon\w*|mobil\w*|mob|ring|ringa|ringer|sms|sms:a|nås|växel|fax|"
                          r"phone|mobile|call|cell)\b", re.IGNORECASE)
_IDENTITY_WORDS = re.compile(r"(?:personn|pers\.?nr|p-?nr|samordningsn|\bfödd|id-?nummer|\bssn\b)", re.IGNORECASE)
CONTEXT_CHARACTERS = 40  # how far before a number a word for a phone or an identity number is looked for
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


class _Scan(NamedTuple):
    """The normalised text, and for each of its characters (and its end) the position in the text as written."""
    text: str
    positions: list[int] | None  # None: the same positions

    def original(self, position: int) -> int:
        return position if self.positions is None else self.positions[position]


def find_identity_numbers(text: str, today: date) -> list[Hit]:
    """Every personnummer, samordningsnummer and suspect in `text`, in the order they stand."""
    scan = _normalised(text)
    hits = []
    for run in _RUN.finditer(scan.text):
        if run.end() - run.start() < 10:  # fewer characters than the shortest number has digits
            continue
        offset = run.start()
        groups = [_Group(offset + g.start(), offset + g.end(), _ascii_digits(g.group()))
                  for g in _GROUP.finditer(run.group())]
        for found, kind in _numbers_in_run(scan.text, groups, today):
            hits.append(_hit(text, scan, found, kind))
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


def _normalised(text: str) -> _Scan:
    """`text` with one character for every dash, space and line break, without invisible characters
    and with a URL's percent-encoded separators decoded; dashes and spaces keep their positions."""
    if not _REWRITTEN.search(text):
        return _Scan(text.translate(_SAME_WIDTH), None)
    parts: list[str] = []
    positions: list[int] = []
    at = 0
    for match in _REWRITTEN.finditer(text):
        parts.append(text[at:match.start()])
        positions.extend(range(at, match.start()))
        replacement = _PERCENT_ENCODED.get(match.group().lower(), "")
        parts.append(replacement)
        positions.extend([match.start()] * len(replacement))
        at = match.end()
    parts.append(text[at:])
    positions.extend(range(at, len(text) + 1))
    return _Scan("".join(parts).translate(_SAME_WIDTH), positions)


def _hit(text: str, scan: _Scan, groups: list[_Group], kind: Kind) -> Hit:
    digits = "".join(g.digits for g in groups)
    date_part = digits[:-4]
    separator = "+" if len(digits) == 10 and "+" in _gap_at(scan.text, groups, 6) else "-"
    start, end = scan.original(groups[0].start), scan.original(groups[-1].end)
    return Hit(kind, f"{date_part}{separator}****", text.count("\n", 0, start) + 1, start, end, digits[-10:])


def _numbers_in_run(text: str, groups: list[_Group], today: date) -> Iterator[tuple[list[_Group], Kind]]:
    """The numbers of one run, with their kind: the whole run as one number if it may be one, else the
    stretches of it grouped the way identity numbers are."""
    total = sum(len(g.digits) for g in groups)
    if total < 10 or (total <= 15 and _is_international(text, groups)):
        return
    if total in (10, 12) and _may_be_one_number(text, groups):
        kind = _judge(text, groups, today)
        if kind is not None:
            yield groups, kind
            return
    starts = [0]  # how many digits stand before each group, and before the run's end
    for group in groups:
        starts.append(starts[-1] + len(group.digits))
    index_at = {count: index for index, count in enumerate(starts)}
    at = 0
    while at < len(groups):
        for size in (12, 10):  # a stretch from group `at` that ends at a group's end
            end = index_at.get(starts[at] + size)
            if end is None or (at, end) == (0, len(groups)):
                continue
            gaps_around = (text[groups[at - 1].end:groups[at].start] if at else "") + (
                text[groups[end - 1].end:groups[end].start] if end < len(groups) else "")
            if set(gaps_around) - {" ", "\n"} or not _grouped_as_identity_number(groups[at:end]):
                continue  # a stretch stands apart from the digits around it by spaces or a line break, not
                # joined to them by a dash or dot as in a date range (1990-01-01 – 1990-01-03) or a time
            kind = _judge(text, groups[at:end], today)
            if kind is not None:
                yield groups[at:end], kind
                at = end
                break
        else:
            at += 1


def _cuts(groups: list[_Group]) -> list[int]:
    """After how many digits the separators stand."""
    cuts, count = [], 0
    for group in groups[:-1]:
        count += len(group.digits)
        cuts.append(count)
    return cuts


def _grouped_as_identity_number(groups: list[_Group]) -> bool:
    """Ten or twelve digits in one piece, or the date and the serial apart, each in one piece or in its
    parts (century, year, month, day; the serial's pairs): 871125-9823, 19 87 11 25 - 98 23."""
    if len(groups) == 1:
        return True
    size, cuts = sum(len(g.digits) for g in groups), set(_cuts(groups))
    boundary = size - 4
    date_cuts, serial_cuts = {c for c in cuts if c < boundary}, cuts - {boundary} - {c for c in cuts if c < boundary}
    date_shapes = ({(), (2, 4)} if size == 10 else {(), (4, 6), (2, 4, 6)})
    return boundary in cuts and tuple(sorted(date_cuts)) in date_shapes and serial_cuts <= {boundary + 2}


def _may_be_one_number(text: str, groups: list[_Group]) -> bool:
    """Whether a run of ten or twelve digits may be one identity number, whatever its grouping:
    not a phone number, not an amount, not part of a time, decimal or reference number."""
    if _GLUE_BEFORE.search(text, max(0, groups[0].start - 2), groups[0].start):
        return False
    if _GLUE_AFTER.match(text, groups[-1].end):
        return False
    return not _is_phone_number(text, groups) and not _is_amount(text, groups)


def _is_international(text: str, groups: list[_Group]) -> bool:
    """A phone number with its country code: +46 70 123 45 67, +46 (0)70-123 45 67, 0046 70 123 45 67."""
    return bool(_INTERNATIONAL.search(text, max(0, groups[0].start - 6), groups[0].start)) or (
        groups[0].digits.startswith("0046"))


def _is_phone_number(text: str, groups: list[_Group]) -> bool:
    """An area code (08, or 0 and two or three digits), then the subscriber number in one piece or
    in groups of two and three digits, or in two of three or four: 070-123 45 67, 08-123 456 78,
    0470-123 456, 070-1234567, 070-123 4567. A hyphen only after the area code, if any."""
    area, rest = groups[0].digits, groups[1:]
    is_area_code = area == "08" or (len(area) in (3, 4) and area[0] == "0" and area[1] != "0")
    gaps = [text[a.end:b.start] for a, b in zip(groups, groups[1:])]
    if any("-" in gap for gap in gaps[1:]) and "-" not in gaps[0]:
        return False  # 08 01 01-00 01: the hyphen stands where an identity number has it, not after the area code
    return is_area_code and bool(rest) and (len(rest) == 1 or all(len(g.digits) in (2, 3) for g in rest)
                                         or [len(g.digits) for g in rest] in ([3, 4], [4, 4]))


def _is_amount(text: str, groups: list[_Group]) -> bool:
    """Thousands grouped by spaces and followed by a currency: 1 101 230 000 kr."""
    if len(groups) < 2 or not 1 <= len(groups[0].digits) <= 3 or any(len(g.digits) != 3 for g in groups[1:]):
        return False
    gaps = (text[a.end:b.start] for a, b in zip(groups, groups[1:]))
    return all(gap == " " for gap in gaps) and bool(_CURRENCY.match(text, groups[-1].end))


def _judge(text: str, groups: list[_Group], today: date) -> Kind | None:
    """What the digits of `groups`, taken as one number, are: see `classify`, and the rules for dots and
    for ten digits in one piece that may be a phone number."""
    digits = "".join(g.digits for g in groups)
    if not _dots_where_a_date_has_them(text, groups):
        return None
    date_part, serial = digits[:-4], digits[-4:]
    kind = classify(date_part, _gap_at(text, groups, len(date_part)), serial, today)
    if kind is None or not (len(groups) == 1 and len(digits) == 10 and digits[0] == "0" and digits[1] != "0"):
        return kind
    before = text[max(0, groups[0].start - CONTEXT_CHARACTERS):groups[0].start]
    if _IDENTITY_WORDS.search(before):
        return kind
    if _PHONE_WORDS.search(before) or not kind.is_refused:
        return None  # "ring 0701234567", or a phone number whose check digit fails as an identity number's
    return Kind.SUSPECT


def _dots_where_a_date_has_them(text: str, groups: list[_Group]) -> bool:
    """A dot stands only between the date and the serial (871125.9823), or between all the parts of the
    date followed by any separator (87.11.25-9823, 1987.11.25 98 23): never inside the serial (13.00)."""
    cuts = _cuts(groups)
    dots = {cut for cut, a, b in zip(cuts, groups, groups[1:]) if text[a.end:b.start] == "."}
    if not dots:
        return True
    size = sum(len(g.digits) for g in groups)
    boundary, date_parts = size - 4, ({2, 4} if size == 10 else {4, 6})
    if not dots <= date_parts | {boundary} or not set(cuts) <= date_parts | {boundary, boundary + 2}:
        return False
    if boundary in dots:  # 871125.9823, 87.11.25.9823
        return set(cuts) - {boundary} in (set(), date_parts) and date_parts & set(cuts) <= dots
    return date_parts <= dots and boundary in cuts  # 87.11.25-9823, 1987.11.25 98 23


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
