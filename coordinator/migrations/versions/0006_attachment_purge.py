"""a minutes attachment's bytes can be purged (gallrad) by a recorded decision

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 14:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import coordinator.db

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # existing files keep their bytes: nothing was purged before this revision
    with op.batch_alter_table('minutes_attachment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('purged_at', coordinator.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('purged_by', sa.String(length=254), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('minutes_attachment', schema=None) as batch_op:
        batch_op.drop_column('purged_by')
        batch_op.drop_column('purged_at')
