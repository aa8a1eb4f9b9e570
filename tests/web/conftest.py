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


# logins of the hand-counted follow-up world (tests/followup_world.py): email -> (role, district)
FOLLOWUP_LOGINS = {
    "stad@stockholm.example": ("city_admin", None),
    "revisor@stockholm.example": ("auditor", None),
    "dora@ekdal.example": ("district_director", "EKDAL"),   # Dora Direktör, Ekdal's director
    "kansli@ekdal.example": ("district_admin", "EKDAL"),
    "chef@lunda.example": ("district_director", "LUNDA"),
    "maja@ekdal.example": ("participant", None),            # Maja Mossen, a principal
}


@pytest.fixture
def followup_world(app, session):  # type: ignore[no-untyped-def]
    """The follow-up's hand-counted world in the app's database, judged at its NOW, with a login per role
    (without passwords: the tests log in through the session, and hashing six passwords would cost seconds)."""
    import sqlalchemy as sa

    from coordinator.auth.models import Role, User
    from coordinator.clock import fixed
    from coordinator.org.models import District
    from tests.followup_world import NOW, build

    world = build(session)
    app.extensions["coordinator.clock"] = fixed(NOW)
    districts = {d.code: d for d in session.scalars(sa.select(District))}
    session.add_all(User(email=email, role=Role(role), district=districts.get(district), is_active=True,
                         created_at=NOW) for email, (role, district) in FOLLOWUP_LOGINS.items())
    session.commit()
    return world
