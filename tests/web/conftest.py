"""Fixtures of the web tests."""
from __future__ import annotations

import pytest

from coordinator.cli import cli


@pytest.fixture
def demo(app, runner):  # type: ignore[no-untyped-def]
    """The app with the demo municipality loaded through `coordinator demo`, without the history
    (which depends on the day the tests run)."""
    result = runner.invoke(cli, ["demo", "--without-history"])
    assert result.exit_code == 0, result.output
    return app
