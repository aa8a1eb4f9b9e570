"""feed_changes: per district, how many changes a feed shows have committed (a feed's version)

Filled from the audit trail as it stands, so the feeds' Last-Modified stays what it was; from now on
`coordinator.audit` bumps a district's row in the transaction of each change a feed shows (decision 71).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 20:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import coordinator.db


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

# as in coordinator.audit when this was written (a migration does not follow the code's later changes)
FEED_ENTITIES = ("Meeting", "Term", "Person", "School", "SchoolGroup", "District", "MeetingForm")
UNSHOWN_ACTIONS = ("invitation.answered",)
TERMS = 0


def upgrade() -> None:
    op.create_table('feed_changes',
    sa.Column('scope', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('last_at', coordinator.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('scope', name=op.f('pk_feed_changes')),
    )
    audit = sa.table('audit_event', sa.column('district_id', sa.Integer()), sa.column('entity_type', sa.String()),
                     sa.column('action', sa.String()), sa.column('at', coordinator.db.UTCDateTime(timezone=True)))
    scope = sa.func.coalesce(audit.c.district_id, TERMS)
    shown = sa.select(scope, sa.func.count(), sa.func.max(audit.c.at)).where(
        audit.c.entity_type.in_(FEED_ENTITIES), audit.c.action.not_in(UNSHOWN_ACTIONS),
        sa.or_(audit.c.district_id.is_not(None), audit.c.entity_type == "Term")).group_by(scope)
    op.execute(sa.table('feed_changes', sa.column('scope'), sa.column('count'), sa.column('last_at'))
               .insert().from_select(['scope', 'count', 'last_at'], shown))


def downgrade() -> None:
    op.drop_table('feed_changes')
