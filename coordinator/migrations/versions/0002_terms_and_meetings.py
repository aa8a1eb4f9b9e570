"""terms, breaks, meetings and invitations

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 05:52:32.606018
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa
import coordinator.db


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('term',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=6), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_term_municipality_id_municipality')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_term')),
    sa.UniqueConstraint('municipality_id', 'name', name=op.f('uq_term_municipality_id'))
    )
    op.create_table('term_break',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('term_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('hostlov', 'jullov', 'sportlov', 'pasklov', 'study_day', 'other', name='breakkind', native_enum=False, length=32), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['term_id'], ['term.id'], name=op.f('fk_term_break_term_id_term'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_term_break'))
    )
    with op.batch_alter_table('term_break', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_term_break_term_id'), ['term_id'], unique=False)

    op.create_table('meeting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uid', sa.String(length=120), nullable=False),
    sa.Column('meeting_form_id', sa.Integer(), nullable=False),
    sa.Column('term_id', sa.Integer(), nullable=False),
    sa.Column('series_key', sa.String(length=80), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=True),
    sa.Column('school_id', sa.Integer(), nullable=True),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('starts_at', coordinator.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', coordinator.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('place', sa.String(length=300), nullable=True),
    sa.Column('video_url', sa.String(length=500), nullable=True),
    sa.Column('status', sa.Enum('draft', 'scheduled', 'cancelled', name='meetingstatus', native_enum=False, length=32), nullable=False),
    sa.Column('is_moved_by_hand', sa.Boolean(), nullable=False),
    sa.Column('is_added_by_hand', sa.Boolean(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('created_at', coordinator.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('published_at', coordinator.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('published_by', sa.String(length=254), nullable=True),
    sa.Column('cancelled_at', coordinator.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['district_id'], ['district.id'], name=op.f('fk_meeting_district_id_district')),
    sa.ForeignKeyConstraint(['group_id'], ['school_group.id'], name=op.f('fk_meeting_group_id_school_group')),
    sa.ForeignKeyConstraint(['meeting_form_id'], ['meeting_form.id'], name=op.f('fk_meeting_meeting_form_id_meeting_form')),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_meeting_school_id_school')),
    sa.ForeignKeyConstraint(['term_id'], ['term.id'], name=op.f('fk_meeting_term_id_term')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting')),
    sa.UniqueConstraint('uid', name=op.f('uq_meeting_uid'))
    )
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_district_id'), ['district_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_meeting_form_id'), ['meeting_form_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_starts_at'), ['starts_at'], unique=False)
        batch_op.create_index('ix_meeting_term_series', ['term_id', 'series_key'], unique=False)

    op.create_table('invitation',
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('function', sa.Enum('district_director', 'head_of_ifo', 'head_of_leisure', 'head_of_preschool', 'deputy_school_chief', 'social_services_contact', 'intake_group', 'social_worker', 'field_worker', 'committee_secretary', 'principal', 'deputy_principal', 'kurator', 'school_nurse', 'special_needs_teacher', 'school_psychologist', 'police_contact', 'social_administration_chief', 'education_administration_chief', name='function', native_enum=False, length=32), nullable=True),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_invitation_meeting_id_meeting'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_invitation_person_id_person')),
    sa.PrimaryKeyConstraint('meeting_id', 'person_id', name=op.f('pk_invitation'))
    )
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invitation_person_id'), ['person_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invitation_person_id'))

    op.drop_table('invitation')
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_index('ix_meeting_term_series')
        batch_op.drop_index(batch_op.f('ix_meeting_starts_at'))
        batch_op.drop_index(batch_op.f('ix_meeting_meeting_form_id'))
        batch_op.drop_index(batch_op.f('ix_meeting_district_id'))

    op.drop_table('meeting')
    with op.batch_alter_table('term_break', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_term_break_term_id'))

    op.drop_table('term_break')
    op.drop_table('term')
