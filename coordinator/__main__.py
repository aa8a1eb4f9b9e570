"""`python -m coordinator` is the `coordinator` command."""
from coordinator.cli import cli

cli()
