"""covering indexes of invitation and attendance per meeting, for the follow-up's aggregates

On PostgreSQL the INCLUDE columns let the follow-up's joins of a term's meetings to their invitations
and attendance run as index-only scans (docs/PERFORMANCE.md, "The follow-up"); on SQLite, which has no
INCLUDE, they are plain indexes of meeting_id (what the primary keys' prefix already gives).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 17:45:00
"""
from __future__ import annotations

from alembic import op


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

INVITATION = ['school_id', 'answer', 'answered_via', 'answered_at', 'removed_at', 'delegated_from_id']
ATTENDANCE = ['school_id', 'status', 'function']


def upgrade() -> None:
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.create_index('ix_invitation_followup', ['meeting_id'], unique=False, postgresql_include=INVITATION)
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.create_index('ix_attendance_followup', ['meeting_id'], unique=False, postgresql_include=ATTENDANCE)


def downgrade() -> None:
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.drop_index('ix_attendance_followup')
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.drop_index('ix_invitation_followup')
