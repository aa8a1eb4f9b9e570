"""The identity-number guard's rules beyond the corpus: masking, places, several numbers,
today's date as the limit, the check digit, and suspects the user has confirmed."""
from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from coordinator.minutes.guard import Kind, Passage, check, classify, find_identity_numbers, luhn_valid

TODAY = date(2027, 9, 1)


def test_a_number_is_masked_except_its_date_part():
    hits = find_identity_numbers("Eleven 19121212-1212 och 121212+1212.", TODAY)

    assert [hit.masked for hit in hits] == ["19121212-****", "121212+****"]
    assert all("1212-1212" not in hit.masked for hit in hits)


def test_the_line_a_number_stands_on_is_counted_from_one():
    text = "Beslut:\n\n- Kontakta vårdnadshavare till 871125-9823\n- Klart"

    assert [hit.line for hit in find_identity_numbers(text, TODAY)] == [3]


def test_check_names_the_place_of_each_number_and_keeps_suspects_apart():
    passages = [
        Passage("%(section)s, rad %(line)d", {"section": "Beslut"}, "ok\n871125-9823"),
        Passage("%(file)s, sida %(page)d, rad %(line)d", {"file": "bilaga.pdf", "page": 2}, "850772-9808"),
    ]

    result = check(passages, TODAY)

    assert [(f.kind, f.masked, f.where % f.params) for f in result.refused] == [
        (Kind.PERSONAL_NUMBER, "871125-****", "Beslut, rad 2")]
    assert [(f.masked, f.where % f.params) for f in result.suspects] == [("850772-****", "bilaga.pdf, sida 2, rad 1")]
    assert not result.is_clean


def test_a_confirmed_suspect_is_no_longer_unconfirmed():
    result = check([Passage("%(line)d", {}, "871125-9824 och 19121212-1213")], TODAY)

    assert [f.masked for f in result.unconfirmed([])] == ["871125-****", "19121212-****"]
    assert [f.masked for f in result.unconfirmed(["871125-****"])] == ["19121212-****"]
    assert result.unconfirmed(["871125-****", "19121212-****"]) == ()


def test_a_clean_text_is_clean():
    assert check([Passage("%(line)d", {}, "Ring 070-123 45 67 före SDN 2027/1234.")], TODAY).is_clean


def test_a_birthday_later_this_year_in_ten_digits_means_a_century_ago():
    # 12 October 27 has not come yet on 1 September 2027: the person was born in 1927
    assert classify("271012", "-", "1233", TODAY) is Kind.PERSONAL_NUMBER
    assert classify("20271012", "-", "1233", TODAY) is None  # written out, it is a day to come


def test_digits_of_other_scripts_are_read_as_digits():
    assert [hit.kind for hit in find_identity_numbers("８７１１２５-９８２３", TODAY)] == [Kind.PERSONAL_NUMBER]


def test_luhn_accepts_exactly_one_check_digit_per_nine_digits():
    assert [d for d in range(10) if luhn_valid(f"871125982{d}")] == [3]


@given(st.dates(min_value=date(1930, 1, 1), max_value=date(2026, 12, 31)),
       st.integers(min_value=0, max_value=999), st.booleans())
def test_every_valid_number_in_any_shape_is_refused(born, serial, coordination):
    day = born.day + (60 if coordination else 0)
    nine = f"{born:%y%m}{day:02d}{serial:03d}"
    check_digit = next(d for d in range(10) if luhn_valid(f"{nine}{d}"))
    short = f"{nine[:6]}-{nine[6:]}{check_digit}"
    long = f"{born.year // 100}{nine[:6]} {nine[6:]}{check_digit}"
    expected = Kind.COORDINATION_NUMBER if coordination else Kind.PERSONAL_NUMBER

    for text in (short, long, short.replace("-", "\u2013"), f"x{short}y"):
        assert [hit.kind for hit in find_identity_numbers(text, TODAY)] == [expected], text


@given(st.dates(min_value=date(1930, 1, 1), max_value=date(2026, 12, 31)), st.integers(min_value=0, max_value=999))
def test_a_wrong_check_digit_is_only_a_suspect(born, serial):
    nine = f"{born:%y%m%d}{serial:03d}"
    wrong = next(d for d in range(10) if not luhn_valid(f"{nine}{d}"))

    assert [hit.kind for hit in find_identity_numbers(f"{nine[:6]}-{nine[6:]}{wrong}", TODAY)] == [Kind.SUSPECT]
