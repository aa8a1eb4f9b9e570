"""The package as `pip install` builds it: the English catalogue compiled by the build itself (setup.py),
and a missing catalogue reported when the app starts."""
from __future__ import annotations

import logging
import shutil
import subprocess
import sys
import zipfile
from io import BytesIO
from pathlib import Path

from babel.messages.pofile import read_po
from babel.support import Translations

from coordinator import create_app
from coordinator.config import PROJECT_ROOT, Settings

CATALOGUE = "coordinator/translations/en/LC_MESSAGES/messages"


def test_the_wheel_carries_the_compiled_english_catalogue_of_every_text(tmp_path: Path):
    """What `pip install` of the project installs (about 5 s: a real wheel build, without network)."""
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy(PROJECT_ROOT / name, source / name)
    for folder in ("coordinator", "jobs"):
        shutil.copytree(PROJECT_ROOT / folder, source / folder,
                        ignore=shutil.ignore_patterns("__pycache__", "*.mo"))  # no catalogue compiled beforehand
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet",
                    "--wheel-dir", str(tmp_path / "dist"), str(source)], check=True, capture_output=True)
    wheel = next((tmp_path / "dist").glob("*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        compiled = Translations(BytesIO(archive.read(CATALOGUE + ".mo")))
    with (PROJECT_ROOT / (CATALOGUE + ".po")).open("rb") as po:
        catalogue = read_po(po)
    texts = [m for m in catalogue if m.id and isinstance(m.id, str) and m.string]
    assert len(texts) > 500
    assert all(compiled.gettext(m.id) == m.string for m in texts)  # every English text, as the .po has it


def test_a_missing_catalogue_is_reported_at_start(tmp_path: Path, monkeypatch, caplog):
    from coordinator import web

    monkeypatch.setattr(web, "TRANSLATIONS", tmp_path)  # a folder without the compiled catalogue
    with caplog.at_level(logging.ERROR):
        app = create_app(Settings.from_env({"COORDINATOR_INSTANCE_PATH": str(tmp_path / "instance")}))
    assert any("en/LC_MESSAGES/messages.mo" in r.getMessage() and "English" in r.getMessage()
               for r in caplog.records)
    app.extensions["coordinator.engine"].dispose()
