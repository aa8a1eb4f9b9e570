"""The identity-number guard, property by property (Hypothesis): identity numbers, valid and not, in
every way people write them in running text — split at a line break, the date grouped by spaces,
any Unicode dash, zero-width characters and soft hyphens inside, a dot or several spaces as the
separator, in a table cell, a URL, a list — and Swedish phone numbers in every common form, which
are never refused. A large generated set of phone numbers gives the false-alarm rate, reported in
the test run's summary ("figures").

Under CI=true the examples are derandomized, so a run cannot flake.
"""
from __future__ import annotations

import os
import random
import re
from collections import Counter
from datetime import date
from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coordinator.minutes.guard import DASHES, Kind, find_identity_numbers, luhn_valid
from tests.unit.test_guard_groupings import phone_shaped

TODAY = date(2027, 9, 1)
P, C, S = Kind.PERSONAL_NUMBER, Kind.COORDINATION_NUMBER, Kind.SUSPECT
QUICK = settings(max_examples=200, deadline=None, derandomize=os.environ.get("CI", "").lower() == "true",
                 suppress_health_check=[HealthCheck.too_slow])

SEPARATORS = ["-", " ", "  ", "     ", "\t", "\u00a0", "\u202f", "\u2009", " - ", " \u2013 ", "-\n", "\n", " -\n ",
              ".", *DASHES]
URL_SEPARATORS = ["-", " ", "\u2013", "\u00a0", "."]  # what a URL percent-encodes and the guard decodes
INVISIBLE = ["\u200b", "\u00ad", "\u200c", "\u200d", "\u2060", "\ufeff", "\u200e"]
IN_TEXT = ["Eleven {} togs upp på mötet.", "| Elev | {} | åk 9 |", "Elev\t{}\t070-123 45 67",
           "- Kontakta vårdnadshavare\n- {}\n- Nästa möte 2027-10-12 kl. 13.00", "1. {}\n2. Uppföljning",
           "Punkt 3 {}", "Vi diskuterade eleven med\n{} och beslutade", "Elevens personnummer: {}",
           "({})", "Se https://skola.example.se/elev?id={}&visa=1", "https://skola.example.se/elev/{}"]


# -- identity numbers ------------------------------------------------------------------------------

@st.composite
def numbers(draw, check_digit_right: bool = True) -> tuple[str, Kind]:
    """Twelve digits (YYYYMMDDNNNC) of someone alive, and what they are."""
    born = draw(st.dates(min_value=date(1930, 1, 1), max_value=date(2027, 8, 31)))
    coordination = draw(st.booleans())
    serial = draw(st.integers(min_value=0, max_value=999))
    day = born.day + (60 if coordination else 0)
    nine = f"{born:%y%m}{day:02d}{serial:03d}"
    right = next(d for d in range(10) if luhn_valid(f"{nine}{d}"))
    digit = right if check_digit_right else draw(st.sampled_from([d for d in range(10) if d != right]))
    kind = (C if coordination else P) if check_digit_right else S
    return f"{born.year // 100}{nine}{digit}", kind


@st.composite
def written(draw, twelve: str, separators: list[str], invisible: bool) -> tuple[str, str]:
    """`twelve` as someone writes it, and its digits as written (ten or twelve)."""
    digits = twelve if draw(st.booleans()) else twelve[2:]
    date_part, serial = digits[:-4], digits[-4:]
    date_parts = [date_part[:-4], date_part[-4:-2], date_part[-2:]]
    shape = draw(st.sampled_from(["one piece", "spaces", "pairs", "dots", "dashes"]))
    if shape == "one piece":
        date_text = date_part
    elif shape == "pairs":  # as read aloud: 19 87 11 25
        date_text = " ".join(date_part[i:i + 2] for i in range(0, len(date_part), 2))
    else:
        date_text = {"spaces": " ", "dots": ".", "dashes": "-"}[shape].join(date_parts)
    choices = [s for s in separators if s != "." or shape in ("one piece", "dots")]
    separator = draw(st.sampled_from(choices + ([""] if shape == "one piece" else [])))
    if separator not in ("", ".") and draw(st.booleans()):
        serial = f"{serial[:2]} {serial[2:]}"
    text = date_text + separator + serial
    if invisible:
        for _ in range(draw(st.integers(min_value=0, max_value=3))):
            at = draw(st.integers(min_value=1, max_value=len(text) - 1))
            text = text[:at] + draw(st.sampled_from(INVISIBLE)) + text[at:]
    return text, digits


@st.composite
def numbers_in_text(draw, check_digit_right: bool = True) -> tuple[str, str, Kind]:
    """A sentence, table row, list or URL holding one identity number: (text, its digits, its kind)."""
    twelve, kind = draw(numbers(check_digit_right))
    place = draw(st.sampled_from(IN_TEXT))
    in_url = place.startswith(("Se https", "https"))
    number, digits = draw(written(twelve, URL_SEPARATORS if in_url else SEPARATORS, invisible=not in_url))
    return place.format(quote(number, safe="") if in_url else number), digits, kind


def expected(text: str, digits: str, kind: Kind) -> Kind | None:
    """Ten digits in one piece starting 01-09 may be a phone number: unless a word for an identity
    number stands before them, a valid one is a suspect and one with a wrong check digit passes."""
    visible = re.sub(f"[{''.join(INVISIBLE)}]", "", text)
    one_piece = len(digits) == 10 and digits[0] == "0" and digits[1] != "0" and re.search(
        rf"(?<![\d.]){digits}(?![\d.])", visible)
    if one_piece and "personnummer" not in text:
        return S if kind is not S else None
    written_as = re.search(r"\d[\d .\n+-]*\d", visible.translate(str.maketrans(dict.fromkeys(DASHES, "-")))
                           .replace("%20", " ").replace("%2D", "-").replace("%C2%A0", " ")
                           .replace("%E2%80%93", "-").replace("\u00a0", " ")).group()
    gaps = re.split(r"\d+", written_as)[1:-1]
    hyphen_after_area_code_only = "-" in gaps[0] or not any("-" in gap for gap in gaps[1:]) if gaps else True
    if len(digits) == 10 and phone_shaped(re.findall(r"\d+", written_as)) and hyphen_after_area_code_only:
        return None  # written like a phone number: the known price (docs/decisions.md §24)
    return kind


@QUICK
@given(numbers_in_text())
def test_a_valid_number_is_refused_however_it_is_written(case):
    text, digits, kind = case
    hits = find_identity_numbers(text, TODAY)

    assert [hit.kind for hit in hits] == [expected(text, digits, kind)], repr(text)
    assert hits[0].masked == f"{digits[:-4]}-****"
    assert hits[0].key == digits[-10:]


@QUICK
@given(numbers_in_text(check_digit_right=False))
def test_a_wrong_check_digit_is_a_suspect_however_it_is_written(case):
    text, digits, kind = case

    assert [hit.kind for hit in find_identity_numbers(text, TODAY)] == [
        k for k in [expected(text, digits, kind)] if k is not None], repr(text)


@QUICK
@given(st.integers(min_value=13, max_value=99), st.integers(min_value=0, max_value=99), st.data())
def test_a_number_whose_date_is_no_date_passes_however_it_is_written(month, day, data):
    # month 13-99 (an organisation number's "month" is 20 or more): no date in any century
    twelve = f"19{data.draw(st.integers(min_value=30, max_value=99))}{month:02d}{day:02d}" + \
             f"{data.draw(st.integers(min_value=0, max_value=9999)):04d}"
    number, _ = data.draw(written(twelve, SEPARATORS, invisible=True))
    text = data.draw(st.sampled_from(IN_TEXT)).format(number)

    assert find_identity_numbers(text, TODAY) == [], repr(text)


def test_masking_keeps_the_text_around_a_number_written_with_invisible_characters():
    text = "Elev 8711\u200b25\u00ad-\n98\u200d23 i åk 9."
    [hit] = find_identity_numbers(text, TODAY)

    assert (text[:hit.start], hit.masked, text[hit.end:]) == ("Elev ", "871125-****", " i åk 9.")


# -- phone numbers ---------------------------------------------------------------------------------

MOBILE = ["070", "072", "073", "076", "079"]
LANDLINE = ["08", "011", "013", "018", "019", "021", "026", "031", "035", "036", "040", "044", "046", "054", "060",
            "063", "090", "0470", "0771", "0920", "0980"]
PHONE_WORDS = ["Ring {}.", "Tel. {}", "Tel: {}", "Mobil: {}", "Nås på {} eller e-post.", "Telefon {}"]
PHONE_PLACES = ["{}", "Kontakta Anna Svensson, {}, om eleven.", "| Anna Svensson | Rektor | {} |",
                "- Anna, {}\n- Bo, 073-110 12 98", "Anna Svensson\n{}\nanna.svensson@example.se",
                "Anna Svensson\t{}\tRektor"]


def phone_forms(area: str, subscriber: str) -> dict[str, str]:
    """The common ways of writing one Swedish phone number, by name."""
    national, at, parts = area[1:], 0, []
    for size in {8: (3, 3, 2), 7: (3, 2, 2), 6: (2, 2, 2)}[len(subscriber)]:  # 08-123 456 78, 070-123 45 67
        parts.append(subscriber[at:at + size])
        at += size
    pairs = " ".join(parts)
    return {
        "070-123 45 67": f"{area}-{pairs}",
        "070 123 45 67": f"{area} {pairs}",
        "070 - 123 45 67": f"{area} - {pairs}",
        "070–123 45 67": f"{area}\u2013{pairs}",
        "070-123\u00a045\u00a067": f"{area}-{pairs.replace(' ', chr(0xa0))}",
        "070-1234567": f"{area}-{subscriber}",
        "070 1234567": f"{area} {subscriber}",
        "070-123 4567": f"{area}-{subscriber[:-4]} {subscriber[-4:]}",
        "070.123 45 67": f"{area}.{pairs}",
        "0701234567": f"{area}{subscriber}",
        "+46 70 123 45 67": f"+46 {national} {pairs}",
        "+46 (0)70-123 45 67": f"+46 (0){national}-{pairs}",
        "+46701234567": f"+46{national}{subscriber}",
        "0046 70 123 45 67": f"0046 {national} {pairs}",
    }


def phone_number(rng: random.Random) -> tuple[str, str]:
    area = rng.choice(MOBILE) if rng.random() < 0.7 else rng.choice(LANDLINE)
    return area, "".join(rng.choice("0123456789") for _ in range(10 - len(area)))


@QUICK
@given(st.randoms(use_true_random=False), st.sampled_from(PHONE_WORDS + PHONE_PLACES))
def test_a_phone_number_is_never_refused(rng, place):
    area, subscriber = phone_number(rng)
    for form, written_as in phone_forms(area, subscriber).items():
        text = place.format(written_as)
        refused = [hit for hit in find_identity_numbers(text, TODAY) if hit.kind.is_refused]
        assert refused == [], f"{form}: {text!r}"


def test_the_false_alarm_rate_over_a_large_set_of_phone_numbers(record_property):
    rng = random.Random(2027)
    texts, asked, refused = Counter(), Counter(), Counter()
    for _ in range(1500):
        area, subscriber = phone_number(rng)
        for form, written_as in phone_forms(area, subscriber).items():
            with_word = rng.random() < 0.5
            context = "after a word for a phone" if with_word else "without one"
            text = rng.choice(PHONE_WORDS if with_word else PHONE_PLACES).format(written_as)
            kinds = [hit.kind for hit in find_identity_numbers(text, TODAY)]
            for key in ("all", form, f"{form}, {context}"):
                texts[key] += 1
                asked[key] += S in kinds
                refused[key] += any(kind.is_refused for kind in kinds)
    rate = {key: asked[key] / texts[key] for key in texts}
    worst = max((key for key in texts if key != "all"), key=rate.get)
    record_property("figure", f"guard: {texts['all']} phone numbers in {len(phone_forms('070', '1234567'))} forms: "
                              f"{refused['all']} refused, {asked['all']} asked to confirm "
                              f"({rate['all']:.2%}); worst: {worst} {asked[worst]}/{texts[worst]} "
                              f"({rate[worst]:.2%})")

    assert refused["all"] == 0, {key: n for key, n in refused.items() if n}
    assert rate["all"] < 0.01
    # only ten digits in one piece, with no word for a phone before them, can be asked about
    assert {key for key in asked if asked[key] and key != "all"} <= {"0701234567", "0701234567, without one"}
