"""a login's session version: a sign-out, a new password or a closed login ends every copy of its session cookie

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 17:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # existing sessions carry no version and count as version 0: they stay valid until the next sign-out
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('session_version')
