"""Compile the .po catalogues to .mo (what `make` does), for tests and fresh checkouts."""
from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).parent


def compile_catalogues(root: Path = TRANSLATIONS) -> list[Path]:
    """Write each messages.mo that is missing or older than its .po; the files written."""
    written = []
    for po in root.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as source:
            catalogue = read_po(source)
        with mo.open("wb") as target:
            write_mo(target, catalogue, use_fuzzy=True)
        written.append(mo)
    return written


if __name__ == "__main__":
    compile_catalogues()
