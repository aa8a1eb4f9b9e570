"""The schema from empty, on both databases, and times kept in UTC."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from coordinator.audit import AuditEvent
from coordinator.models import all_models


def test_migrated_schema_has_every_model_table(engine):
    tables = set(sa.inspect(engine).get_table_names())
    assert set(all_models().tables) <= tables


def test_aware_times_come_back_aware_in_utc(session):
    stockholm = datetime(2027, 9, 1, 8, 30, tzinfo=ZoneInfo("Europe/Stockholm"))
    session.add(AuditEvent(at=stockholm, actor="system", action="test", entity_type="X", entity_id="1"))
    session.commit()
    session.expire_all()
    stored = session.scalars(sa.select(AuditEvent.at)).one()
    assert stored.tzinfo is not None
    assert stored.utcoffset() == timedelta(0)
    assert stored == datetime(2027, 9, 1, 6, 30, tzinfo=timezone.utc)
