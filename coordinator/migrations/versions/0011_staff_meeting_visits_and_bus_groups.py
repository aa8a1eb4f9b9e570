"""staff-meeting visits proposed by the schools; BUS groups among the school groups

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 17:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import coordinator.db


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # the existing groups are general ones: the server default fills them
    with op.batch_alter_table('school_group', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.Enum('general', 'bus', name='groupkind', native_enum=False,
                                                      length=32), server_default='general', nullable=False))

    op.create_table('staff_meeting_visit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('school_year', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('proposed_by_id', sa.Integer(), nullable=False),
    sa.Column('proposed_at', coordinator.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('confirmed_by', sa.String(length=254), nullable=True),
    sa.Column('confirmed_at', coordinator.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['district_id'], ['district.id'], name=op.f('fk_staff_meeting_visit_district_id_district')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_staff_meeting_visit_meeting_id_meeting')),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['person.id'], name=op.f('fk_staff_meeting_visit_proposed_by_id_person')),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_staff_meeting_visit_school_id_school')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_meeting_visit')),
    sa.UniqueConstraint('meeting_id', name=op.f('uq_staff_meeting_visit_meeting_id')),
    sa.UniqueConstraint('school_id', 'school_year', name=op.f('uq_staff_meeting_visit_school_id')),
    )
    with op.batch_alter_table('staff_meeting_visit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_meeting_visit_district_id'), ['district_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('staff_meeting_visit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_meeting_visit_district_id'))
    op.drop_table('staff_meeting_visit')
    with op.batch_alter_table('school_group', schema=None) as batch_op:
        batch_op.drop_column('kind')
