"""the SEQUENCE each invitee was last sent (invitation.sent_sequence)

Each invitee's calendar compares a message's SEQUENCE with the copy it holds, so a message that
changes one person's copy (a removal's CANCEL, an invitation again, a delegation) must carry a
SEQUENCE newer than the one that person last received, not merely the meeting's.

Existing rows: an invitee of a published meeting has received at most the meeting's current
SEQUENCE (every message so far carried the SEQUENCE of its moment), so it is taken as theirs;
an invitee of a draft has received nothing.

Revision ID: 0008
Revises: 0007
Create Date: 2027-01-10 10:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sent_sequence', sa.Integer(), nullable=True))
    invitation = sa.table('invitation', sa.column('meeting_id', sa.Integer()),
                          sa.column('sent_sequence', sa.Integer()))
    meeting = sa.table('meeting', sa.column('id', sa.Integer()), sa.column('sequence', sa.Integer()),
                       sa.column('published_at', sa.DateTime()))
    op.execute(invitation.update()
               .where(invitation.c.meeting_id.in_(sa.select(meeting.c.id).where(meeting.c.published_at.is_not(None))))
               .values(sent_sequence=sa.select(meeting.c.sequence).where(meeting.c.id == invitation.c.meeting_id)
                       .scalar_subquery()))


def downgrade() -> None:
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.drop_column('sent_sequence')
