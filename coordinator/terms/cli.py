"""The `coordinator term` group: school terms and planning their meetings."""
from __future__ import annotations

import click


@click.group("term")
def term() -> None:
    """School terms (HT/VT) and planning each term's meetings."""
