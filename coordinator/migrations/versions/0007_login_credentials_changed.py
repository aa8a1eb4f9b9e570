"""when a login's password was last set or the login closed: older sessions and password links stop working

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 10:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from coordinator.db import UTCDateTime

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # existing logins keep NULL: nothing has been invalidated yet, so their sessions stay valid
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('credentials_changed_at', UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('credentials_changed_at')
