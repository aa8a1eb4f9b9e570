"""The identity-number guard against generated corpora rather than a handful of examples.

Positive: every way of putting or not putting a separator between the digits of a number (2^11
groupings of the twelve-digit form, 2^9 of the ten-digit form), times every separator people
type (spaces of several widths, hyphens and dashes, `+`, a hyphen with spaces around it), each
in a sentence. Negative: the look-alikes a district writes every day — phone numbers in the
groupings Swedes use, organisation numbers in every grouping, amounts, dates and times,
diarienummer, postal codes — generated in bulk, none of them flagged.
"""
from __future__ import annotations

import itertools
import random
import time
from datetime import date, timedelta

import pytest

from coordinator.minutes.guard import Kind, find_identity_numbers, masked_text

TODAY = date(2027, 9, 1)
SEPARATORS = (" ", "\u00a0", "\u2009", "\u202f", "\t", "-", "\u2010", "\u2011", "\u2012", "\u2013", "\u2014",
              "\u2212", "+", " - ", " \u2013 ")
P, C, S = Kind.PERSONAL_NUMBER, Kind.COORDINATION_NUMBER, Kind.SUSPECT


def groupings(digits: str, separator: str):
    """Every way of writing `digits` with or without `separator` in each gap: (text, groups, cuts)."""
    for cuts in itertools.product((False, True), repeat=len(digits) - 1):
        text, groups, group = digits[0], [], digits[0]
        for digit, cut in zip(digits[1:], cuts):
            if cut:
                groups.append(group)
                group = ""
            text += (separator if cut else "") + digit
            group += digit
        yield text, groups + [group], cuts


def phone_shaped(groups: list[str]) -> bool:
    """Written like a Swedish phone number: an area code (08, or 0 and two or three digits), then the
    subscriber number in one piece, in groups of two and three digits, or in two of three or four
    (070-123 45 67,
    08-123 456 78, 070-123 4567)."""
    area, rest = groups[0], groups[1:]
    is_area_code = area == "08" or (len(area) in (3, 4) and area[0] == "0" and area[1] != "0")
    return is_area_code and bool(rest) and (len(rest) == 1 or all(len(g) in (2, 3) for g in rest)
                                         or [len(g) for g in rest] in ([3, 4], [4, 4]))


# (digits, kind, kind when a "+" stands between the date and the serial of the ten-digit form)
TWELVE = [("198711259823", P, P), ("198507729807", C, C), ("198711259824", S, S), ("200403159932", P, P),
          ("191212121212", P, P)]
TEN = [("8711259823", P, None),   # with "+": born 1887, older than anyone alive
       ("8507729807", C, None), ("8711259824", S, None),
       ("1212121212", P, P),      # with "+": born 1912
       ("0403159932", P, P),      # born 2004 (or 1904 with "+"); 040 is also Malmö's area code
       ("0802149930", P, P)]      # born 2008; 08 is also Stockholm's area code


@pytest.mark.parametrize(("digits", "kind", "_"), TWELVE, ids=[t[0] for t in TWELVE])
def test_every_grouping_of_the_twelve_digit_form_is_found(digits, kind, _):
    missed = []
    for separator in SEPARATORS:
        for text, _groups, _cuts in groupings(digits, separator):
            hits = find_identity_numbers(f"Eleven {text} togs upp.", TODAY)
            if [hit.kind for hit in hits] != [kind] or hits[0].masked != f"{digits[:8]}-****":
                missed.append(text)
    assert missed == [], f"{len(missed)} groupings missed, e.g. {missed[:5]!r}"


@pytest.mark.parametrize(("digits", "kind", "centenarian"), TEN, ids=[t[0] for t in TEN])
def test_every_grouping_of_the_ten_digit_form_is_found_unless_it_is_a_phone_number(digits, kind, centenarian):
    missed, phone_numbers = [], 0
    for separator in SEPARATORS:
        for text, groups, cuts in groupings(digits, separator):
            expected = centenarian if "+" in separator and cuts[5] else kind
            if phone_shaped(groups):
                expected, phone_numbers = None, phone_numbers + 1
            elif len(groups) == 1 and digits[0] == "0":
                expected = S  # ten digits in one piece starting 01-09 may be a phone number: confirmed
            hits = find_identity_numbers(f"Eleven {text} togs upp.", TODAY)
            if [hit.kind for hit in hits] != ([] if expected is None else [expected]):
                missed.append(text)
    assert missed == [], f"{len(missed)} groupings misjudged, e.g. {missed[:5]!r}"
    # only numbers of people born 2000-2009 can look like a phone number, in a few groupings each
    assert phone_numbers == {"0403159932": 8, "0802149930": 14}.get(digits, 0) * len(SEPARATORS)


def test_separators_may_differ_within_one_number():
    rng = random.Random(12)
    for _ in range(2000):
        digits = rng.choice(TWELVE + TEN)[0]
        text = digits[0] + "".join(rng.choice(("",) * 3 + SEPARATORS[:12]) + d for d in digits[1:])
        groups = [g for g in "".join(c if c.isdigit() else " " for c in text).split()]
        if len(digits) == 10 and (phone_shaped(groups) or "+" in text):
            continue
        assert len(find_identity_numbers(f"({text})", TODAY)) == 1, text


def test_masking_rewrites_the_number_in_any_grouping():
    assert masked_text("Elev 19 87 11 25 98 23 och 8711 25-98 23.", TODAY) == "Elev 19871125-**** och 871125-****."


# -- look-alikes: none of them is flagged ----------------------------------------------------------

def assert_none_flagged(texts):
    flagged = [t for t in texts if find_identity_numbers(t, TODAY)]
    assert flagged == [], f"{len(flagged)} look-alikes flagged, e.g. {flagged[:5]!r}"


def test_organisation_numbers_pass_in_every_grouping():
    # the third digit of an organisation number is 2 or more: its "month" is 20 or more, never a date
    for digits in ("5566778899", "2120000142", "165566778899"):
        assert_none_flagged([f"Org.nr {text}" for separator in SEPARATORS
                             for text, _, _ in groupings(digits, separator)])


NO_BREAK_SPACE = "\u00a0"


def _phone_numbers(rng: random.Random):
    for _ in range(3000):
        area = rng.choice(("08", "070", "072", "073", "076", "079", "031", "040", "018", "0470", "0771", "0980"))
        subscriber = "".join(rng.choice("0123456789") for _ in range(10 - len(area)))
        if len(subscriber) == 8:
            shapes = [(3, 3, 2), (2, 2, 2, 2), (8,)]
        elif len(subscriber) == 7:
            shapes = [(3, 2, 2), (2, 3, 2), (7,)]
        else:
            shapes = [(3, 3), (2, 2, 2), (6,)]
        for shape in shapes:
            parts, at = [], 0
            for size in shape:
                parts.append(subscriber[at:at + size])
                at += size
            for after_area in ("-", " ", "\u2013", " - "):
                yield f"Ring {area}{after_area}{' '.join(parts)} vid frågor."
                yield f"Ring {area}{after_area}{NO_BREAK_SPACE.join(parts)}, eller mejla."
        yield f"Tel. +46 {area[1:]} {' '.join(subscriber[i:i + 2] for i in range(0, len(subscriber), 2))}"
        yield f"Tel. 0046 {area[1:]}-{subscriber}"


def test_phone_numbers_pass():
    assert_none_flagged(_phone_numbers(random.Random(8)))


def test_two_phone_numbers_in_a_row_pass():
    assert_none_flagged(["Ring 070-123 45 67 070-234 56 78", "08-508 000 00 08-121 256 78",
                         "Kontakt: 070-867 02 34 eller 073-110 12 98"])


def test_amounts_pass():
    rng = random.Random(4)
    texts = ["Budget: 1 200 000 kr", "1 250 000 kr", "12 500 000,00 kr", "1250000 kr"]
    for _ in range(3000):
        value = rng.randrange(10**9, 10**12)
        grouped = f"{value:,}".replace(",", rng.choice((" ", "\u00a0", "\u202f")))
        texts.append(f"Ramen är {grouped} {rng.choice(('kr', 'kronor', 'SEK', 'tkr'))} för året.")
    assert_none_flagged(texts)


def test_dates_and_times_pass():
    texts, day = [], date(1990, 1, 1)
    while day <= TODAY:
        texts += [f"Nästa möte {day:%Y-%m-%d} {day.day % 12 + 8:02d}.00–{day.day % 12 + 10:02d}.00.",
                  f"Mötet {day:%Y-%m-%d} kl. 13.00", f"{day:%d.%m.%Y} 13.15", f"{day:%Y%m%d}",
                  f"{day:%Y-%m-%d} – {day + timedelta(days=2):%Y-%m-%d}", f"{day:%y%m%d}"]
        day += timedelta(days=1)
    assert_none_flagged(texts)


def test_reference_numbers_and_postal_codes_pass():
    rng = random.Random(9)
    texts = ["SDN 2026/123-1.2", "Dnr 2027-001234", "SDN 2026/1234-1.2.3", "Box 123, 118 27 Stockholm",
             "Hornsgatan 12, 118 27 Stockholm", "Skolenhetskod 99900101", "Bankgiro 5050-1055"]
    for _ in range(2000):
        year = rng.randrange(2015, 2028)
        texts += [f"Ärendet har {rng.choice(('SDN', 'Dnr', 'dnr'))} {year}/{rng.randrange(1, 9999)}"
                  f"-{rng.randrange(1, 9)}.{rng.randrange(1, 9)}",
                  f"Dnr {year}-{rng.randrange(0, 999999):06d}",
                  f"{rng.randrange(100, 999)} {rng.randrange(10, 99)} Stockholm"]
    assert_none_flagged(texts)


def test_a_long_minutes_text_is_checked_in_milliseconds():
    line = ("Rektor för Norrvikens skola redogjorde för läget; nästa möte 2027-10-12 kl. 13.00–15.00, "
            "ring 070-123 45 67. Budget 1 250 000 kr, SDN 2027/123-1.2.\n")
    text = (line * (20_000 // len(line) + 1))[:20_000]
    find_identity_numbers(text, TODAY)
    started = time.perf_counter()
    for _ in range(10):
        find_identity_numbers(text, TODAY)
    assert (time.perf_counter() - started) / 10 < 0.05
