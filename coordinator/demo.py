"""`coordinator demo`: a realistic fictional municipality."""
from __future__ import annotations

import click


@click.command("demo")
def demo() -> None:
    """Load the demo municipality (loading it twice changes nothing)."""
