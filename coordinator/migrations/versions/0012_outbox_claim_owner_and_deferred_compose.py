"""the outbox: which sender holds a claim; messages composed by the sender

`claimed_by` names the sender holding a SENDING row, so a dead sender's claims are taken back
at once (its advisory lock or its process is gone) instead of after a fixed timeout.
`compose` and `sequence`: a message queued to be composed by the sender (publishing a city's
term queues rows, the sender writes their bytes); the Message-ID is fixed when queued.

Existing rows: no owner (a claim of theirs is taken back by the timeout, as before) and
already composed.

Revision ID: 0012
Revises: 0011
Create Date: 2027-02-01 10:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('compose', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('sequence', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_column('sequence')
        batch_op.drop_column('compose')
        batch_op.drop_column('claimed_by')
