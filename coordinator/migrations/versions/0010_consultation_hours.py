"""consultation hours: the intake group's recurring hours, the schools' booking links, the bookings

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 15:37:22
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import coordinator.db


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # new tables only: nothing to backfill
    op.create_table('consultation_hours',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('window_start', sa.Time(), nullable=False),
    sa.Column('window_end', sa.Time(), nullable=False),
    sa.Column('slot_minutes', sa.Integer(), nullable=False),
    sa.Column('place', sa.String(length=300), nullable=True),
    sa.Column('video_url', sa.String(length=500), nullable=True),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('created_at', coordinator.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=254), nullable=False),
    sa.Column('closed_at', coordinator.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_by', sa.String(length=254), nullable=True),
    sa.ForeignKeyConstraint(['district_id'], ['district.id'], name=op.f('fk_consultation_hours_district_id_district')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_hours'))
    )
    with op.batch_alter_table('consultation_hours', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consultation_hours_district_id'), ['district_id'], unique=False)

    op.create_table('consultation_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('created_at', coordinator.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=254), nullable=False),
    sa.Column('revoked_at', coordinator.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_by', sa.String(length=254), nullable=True),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_consultation_link_school_id_school')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_link'))
    )
    with op.batch_alter_table('consultation_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consultation_link_school_id'), ['school_id'], unique=False)
        batch_op.create_index('uq_consultation_link_one_active', ['school_id'], unique=True, sqlite_where=sa.text('revoked_at IS NULL'), postgresql_where=sa.text('revoked_at IS NULL'))

    op.create_table('consultation_booking',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uid', sa.String(length=120), nullable=False),
    sa.Column('hours_id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('term_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('link_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', coordinator.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', coordinator.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('booker_name', sa.String(length=200), nullable=True),
    sa.Column('booker_email', sa.String(length=254), nullable=True),
    sa.Column('language', sa.Enum('sv', 'en', name='language', native_enum=False, length=32), nullable=False),
    sa.Column('matter', sa.Text(), nullable=False),
    sa.Column('cancel_key', sa.String(length=32), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('booked_at', coordinator.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', coordinator.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('cancelled_by', sa.String(length=254), nullable=True),
    sa.Column('erased_at', coordinator.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['district_id'], ['district.id'], name=op.f('fk_consultation_booking_district_id_district')),
    sa.ForeignKeyConstraint(['hours_id'], ['consultation_hours.id'], name=op.f('fk_consultation_booking_hours_id_consultation_hours')),
    sa.ForeignKeyConstraint(['link_id'], ['consultation_link.id'], name=op.f('fk_consultation_booking_link_id_consultation_link')),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_consultation_booking_school_id_school')),
    sa.ForeignKeyConstraint(['term_id'], ['term.id'], name=op.f('fk_consultation_booking_term_id_term')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_booking')),
    sa.UniqueConstraint('uid', name=op.f('uq_consultation_booking_uid'))
    )
    with op.batch_alter_table('consultation_booking', schema=None) as batch_op:
        batch_op.create_index('ix_consultation_booking_district_start', ['district_id', 'starts_at'], unique=False)
        batch_op.create_index('ix_consultation_booking_district_term', ['district_id', 'term_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_consultation_booking_school_id'), ['school_id'], unique=False)
        batch_op.create_index('uq_consultation_booking_slot', ['hours_id', 'starts_at'], unique=True, sqlite_where=sa.text('cancelled_at IS NULL'), postgresql_where=sa.text('cancelled_at IS NULL'))

    op.create_table('consultation_hours_officer',
    sa.Column('hours_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['hours_id'], ['consultation_hours.id'], name=op.f('fk_consultation_hours_officer_hours_id_consultation_hours'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_consultation_hours_officer_person_id_person')),
    sa.PrimaryKeyConstraint('hours_id', 'person_id', name=op.f('pk_consultation_hours_officer'))
    )


def downgrade() -> None:
    op.drop_table('consultation_hours_officer')
    with op.batch_alter_table('consultation_booking', schema=None) as batch_op:
        batch_op.drop_index('uq_consultation_booking_slot', sqlite_where=sa.text('cancelled_at IS NULL'), postgresql_where=sa.text('cancelled_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_consultation_booking_school_id'))
        batch_op.drop_index('ix_consultation_booking_district_term')
        batch_op.drop_index('ix_consultation_booking_district_start')

    op.drop_table('consultation_booking')
    with op.batch_alter_table('consultation_link', schema=None) as batch_op:
        batch_op.drop_index('uq_consultation_link_one_active', sqlite_where=sa.text('revoked_at IS NULL'), postgresql_where=sa.text('revoked_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_consultation_link_school_id'))

    op.drop_table('consultation_link')
    with op.batch_alter_table('consultation_hours', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consultation_hours_district_id'))

    op.drop_table('consultation_hours')
