"""Every UI text marked in the code has an English translation with the same placeholders."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "coordinator/translations/en/LC_MESSAGES/messages.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%[sd]|\{\w+\}")


@pytest.fixture(scope="module")
def english() -> dict[str, str | tuple[str, ...]]:
    with CATALOGUE.open("rb") as f:
        return {m.id if isinstance(m.id, str) else m.id[0]: m.string for m in read_po(f) if m.id}


@pytest.fixture(scope="module")
def marked_in_code(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run(
        [str(Path(sys.executable).parent / "pybabel"), "extract", "-F", "babel.cfg",
         "-k", "N_", "-k", "lazy_gettext", "-k", "_l", "-o", str(pot), "."],
        cwd=ROOT, check=True, capture_output=True,
    )
    with pot.open("rb") as f:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}


def test_every_marked_text_has_an_english_translation(english, marked_in_code):
    missing = sorted(m for m in marked_in_code if not english.get(m))
    assert missing == [], f"{len(missing)} texts lack English (run `make extract-messages`): {missing[:10]}"


def test_translations_keep_every_placeholder(english):
    wrong = []
    for msgid, msgstr in english.items():
        strings = msgstr if isinstance(msgstr, tuple) else (msgstr,)
        for string in strings:
            if string and sorted(PLACEHOLDER.findall(string)) != sorted(PLACEHOLDER.findall(msgid)):
                wrong.append((msgid, string))
    assert wrong == []

