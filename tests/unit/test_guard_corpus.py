"""The identity-number guard against its corpus (tests/data/personnummer/corpus.tsv): every
personnummer and samordningsnummer is refused, date-shaped numbers with a wrong check digit
are suspects, and the look-alikes a district writes every day (phone numbers, the committee's
reference numbers, school-unit codes, dates, amounts, organisation numbers) pass. A line break,
a tab and a carriage return in a case's text are written \\n, \\t and \\r."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from coordinator.minutes.guard import Kind, find_identity_numbers

CORPUS = Path(__file__).resolve().parents[1] / "data" / "personnummer" / "corpus.tsv"
TODAY = date(2027, 9, 1)
EXPECTED = {"personnummer": Kind.PERSONAL_NUMBER, "samordningsnummer": Kind.COORDINATION_NUMBER,
            "suspect": Kind.SUSPECT, "pass": None}


def cases() -> list[pytest.param]:
    found = []
    for number, line in enumerate(CORPUS.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        expected, text, why = line.split("\t")
        text = text.replace("\\n", "\n").replace("\\r", "\r").replace("\\t", "\t")  # written escaped
        found.append(pytest.param(EXPECTED[expected], text, id=f"{number}-{why}"))
    return found


@pytest.mark.parametrize(("expected", "text"), cases())
def test_the_corpus(expected, text):
    hits = find_identity_numbers(text, TODAY)

    assert [hit.kind for hit in hits] == ([] if expected is None else [expected])


def test_the_corpus_covers_every_kind():
    kinds = {case.values[0] for case in cases()}

    assert kinds == set(EXPECTED.values())
    assert sum(case.values[0] is None for case in cases()) >= 25
