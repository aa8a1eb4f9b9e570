"""A merge's leftovers never land: no tracked text file holds a conflict marker line."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MARKER = re.compile(r"^(<{7} |={7}$|>{7} )", re.MULTILINE)


def tracked_text_files() -> list[Path]:
    listed = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    return [ROOT / name for name in listed if (ROOT / name).suffix in {".py", ".md", ".html", ".txt", ".po", ".pot",
                                                                      ".toml", ".cfg", ".css", ".js", ".json", ".yml"}]


def test_no_tracked_file_holds_a_merge_conflict_marker() -> None:
    files = tracked_text_files()
    assert len(files) > 100  # the listing worked: a test over no files would pass on nothing
    found = [f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, m.start()) + 1}"
             for path in files for text in [path.read_text(errors="replace")] for m in MARKER.finditer(text)]
    assert found == []
