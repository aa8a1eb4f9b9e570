"""The models registry: every capability's tables on one metadata (for the app factory, Alembic and tests).

Apart from `db.py` so that the capabilities' models, which import `db.Base`, are not imported by
it in turn: the registry sits above them all, `db.py` below.
"""
from __future__ import annotations

import sqlalchemy as sa

from coordinator import audit, jobruns  # noqa: F401  (each import registers its tables)
from coordinator.agreements import models as _agreements  # noqa: F401
from coordinator.auth import models as _auth  # noqa: F401
from coordinator.cases import models as _cases  # noqa: F401
from coordinator.consultations import models as _consultations  # noqa: F401
from coordinator.db import Base
from coordinator.invitations import models as _invitations  # noqa: F401
from coordinator.minutes import models as _minutes  # noqa: F401
from coordinator.org import models as _org  # noqa: F401
from coordinator.outbox import models as _outbox  # noqa: F401
from coordinator.planning import models as _planning  # noqa: F401
from coordinator.terms import models as _terms  # noqa: F401
from coordinator.visits import models as _visits  # noqa: F401


def all_models() -> sa.MetaData:
    """The metadata with every capability's models imported."""
    return Base.metadata
