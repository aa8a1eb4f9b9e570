"""`coordinator user create`."""
from __future__ import annotations

import click


@click.group("user")
def user() -> None:
    """Users and their roles."""
