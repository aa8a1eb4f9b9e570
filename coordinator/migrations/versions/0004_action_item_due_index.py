"""index of open action items by due date, for the reminder sweep

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 10:00:00
"""
from __future__ import annotations

from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('action_item', schema=None) as batch_op:
        batch_op.create_index('ix_action_item_status_due_on', ['status', 'due_on'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('action_item', schema=None) as batch_op:
        batch_op.drop_index('ix_action_item_status_due_on')
