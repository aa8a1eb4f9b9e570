"""reports of concern and their report meetings; external reporters on the person table

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 10:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import coordinator.db

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # every person so far is of the register: none is an external reporter, none was erased
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_external', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('erased_at', coordinator.db.UTCDateTime(timezone=True), nullable=True))

    op.create_table(
        'report_of_concern',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('district_id', sa.Integer(), nullable=False),
        sa.Column('school_id', sa.Integer(), nullable=False),
        sa.Column('term_id', sa.Integer(), nullable=True),
        sa.Column('received_on', sa.Date(), nullable=False),
        sa.Column('deadline_on', sa.Date(), nullable=False),
        sa.Column('case_reference', sa.String(length=60), nullable=False),
        sa.Column('reporter_id', sa.Integer(), nullable=False),
        sa.Column('recorded_at', coordinator.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('recorded_by', sa.String(length=254), nullable=False),
        sa.Column('meeting_id', sa.Integer(), nullable=True),
        sa.Column('first_booked_at', coordinator.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('late_reason', sa.String(length=500), nullable=True),
        sa.Column('outcome', sa.Enum('held', 'declined', 'not_appropriate', 'not_held_in_time', name='outcome',
                                     native_enum=False, create_constraint=False, length=32), nullable=True),
        sa.Column('not_appropriate_reason', sa.Enum('suspected_crime', 'ongoing_investigation', 'moved', 'other',
                                                    name='notappropriatereason', native_enum=False,
                                                    create_constraint=False, length=32), nullable=True),
        sa.Column('held_on', sa.Date(), nullable=True),
        sa.Column('outcome_at', coordinator.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('outcome_by', sa.String(length=254), nullable=True),
        sa.Column('withdrawn_at', coordinator.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('withdrawn_by', sa.String(length=254), nullable=True),
        sa.Column('withdrawal_reason', sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(['district_id'], ['district.id'],
                                name=op.f('fk_report_of_concern_district_id_district')),
        sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_report_of_concern_meeting_id_meeting')),
        sa.ForeignKeyConstraint(['reporter_id'], ['person.id'], name=op.f('fk_report_of_concern_reporter_id_person')),
        sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_report_of_concern_school_id_school')),
        sa.ForeignKeyConstraint(['term_id'], ['term.id'], name=op.f('fk_report_of_concern_term_id_term')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_of_concern')),
    )
    with op.batch_alter_table('report_of_concern', schema=None) as batch_op:
        batch_op.create_index('ix_report_of_concern_district_term', ['district_id', 'term_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_of_concern_reporter_id'), ['reporter_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_of_concern_school_id'), ['school_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('report_of_concern', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_of_concern_school_id'))
        batch_op.drop_index(batch_op.f('ix_report_of_concern_reporter_id'))
        batch_op.drop_index('ix_report_of_concern_district_term')
    op.drop_table('report_of_concern')
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_column('erased_at')
        batch_op.drop_column('is_external')
