"""The package build compiles the translation catalogues (.po → .mo), so any install of the project — a
wheel, `pip install .`, `pip install -e .` — has the English UI, not only `make` and the Dockerfile.

Everything else about the package is in pyproject.toml; this adds only the build step.
"""
from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

CATALOGUES = Path("coordinator") / "translations"


def compile_catalogues(root: Path) -> None:
    """Each messages.po under `root` to the messages.mo beside it (Babel, as `make translations` does)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in sorted(root.glob("*/LC_MESSAGES/messages.po")):
        with po.open("rb") as source:
            catalogue = read_po(source)
        with po.with_suffix(".mo").open("wb") as target:
            write_mo(target, catalogue, use_fuzzy=True)


class BuildWithCatalogues(build_py):
    def run(self) -> None:
        super().run()
        # an editable install reads the catalogues from the source tree; a wheel from what it packs
        compile_catalogues(CATALOGUES if self.editable_mode else Path(self.build_lib) / CATALOGUES)


setup(cmdclass={"build_py": BuildWithCatalogues})
