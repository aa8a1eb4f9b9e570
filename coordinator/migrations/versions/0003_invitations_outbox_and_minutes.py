"""invitations, outbox, feeds, job runs and minutes

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 07:47:11.407001
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa
import coordinator.db


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('job_run',
    sa.Column('job_id', sa.String(length=64), nullable=False),
    sa.Column('started_at', coordinator.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', coordinator.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('duration_ms', sa.Integer(), nullable=True),
    sa.Column('succeeded', sa.Boolean(), nullable=True),
    sa.Column('result', sa.Text(), nullable=True),
    sa.Column('host', sa.String(length=200), nullable=True),
    sa.PrimaryKeyConstraint('job_id', name=op.f('pk_job_run'))
    )
    op.create_table('feed_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('district_id', sa.Integer(), nullable=True),
    sa.Column('created_at', coordinator.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=254), nullable=False),
    sa.Column('revoked_at', coordinator.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('(person_id IS NULL) <> (district_id IS NULL)', name=op.f('ck_feed_token_one_owner')),
    sa.ForeignKeyConstraint(['district_id'], ['district.id'], name=op.f('fk_feed_token_district_id_district')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_feed_token_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feed_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_feed_token_token_hash'))
    )
    with op.batch_alter_table('feed_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feed_token_district_id'), ['district_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_feed_token_person_id'), ['person_id'], unique=False)

    op.create_table('action_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('series_key', sa.String(length=80), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('status', sa.Enum('open', 'done', 'dropped', name='actionitemstatus', native_enum=False, length=32), nullable=False),
    sa.Column('created_at', coordinator.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=254), nullable=False),
    sa.Column('closed_at', coordinator.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_by', sa.String(length=254), nullable=True),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_action_item_meeting_id_meeting')),
    sa.ForeignKeyConstraint(['owner_id'], ['person.id'], name=op.f('fk_action_item_owner_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action_item'))
    )
    with op.batch_alter_table('action_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_action_item_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_action_item_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index('ix_action_item_series_status', ['series_key', 'status'], unique=False)

    op.create_table('attendance',
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('function', sa.Enum('district_director', 'head_of_ifo', 'head_of_leisure', 'head_of_preschool', 'deputy_school_chief', 'social_services_contact', 'intake_group', 'social_worker', 'field_worker', 'committee_secretary', 'principal', 'deputy_principal', 'kurator', 'school_nurse', 'special_needs_teacher', 'school_psychologist', 'police_contact', 'social_administration_chief', 'education_administration_chief', name='function', native_enum=False, length=32), nullable=True),
    sa.Column('status', sa.Enum('present', 'absent', 'represented', name='attendancestatus', native_enum=False, length=32), nullable=False),
    sa.Column('represented_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', coordinator.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recorded_by', sa.String(length=254), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_attendance_meeting_id_meeting')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_attendance_person_id_person')),
    sa.ForeignKeyConstraint(['represented_by_id'], ['person.id'], name=op.f('fk_attendance_represented_by_id_person')),
    sa.PrimaryKeyConstraint('meeting_id', 'person_id', name=op.f('pk_attendance'))
    )
    op.create_table('minutes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.Enum('draft', 'registered', 'approved', 'reported', 'archived', name='minutesstate', native_enum=False, length=32), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('created_at', coordinator.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=254), nullable=False),
    sa.Column('updated_at', coordinator.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=254), nullable=False),
    sa.Column('registered_at', coordinator.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('registered_by', sa.String(length=254), nullable=True),
    sa.Column('approved_at', coordinator.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reported_at', coordinator.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reported_by', sa.String(length=254), nullable=True),
    sa.Column('committee_date', sa.Date(), nullable=True),
    sa.Column('committee_reference', sa.String(length=60), nullable=True),
    sa.Column('archived_at', coordinator.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('archived_by', sa.String(length=254), nullable=True),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_minutes_meeting_id_meeting')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_minutes')),
    sa.UniqueConstraint('meeting_id', name=op.f('uq_minutes_meeting_id'))
    )
    op.create_table('outbox_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dedupe_key', sa.String(length=200), nullable=False),
    sa.Column('message_id', sa.String(length=250), nullable=False),
    sa.Column('kind', sa.Enum('invitation', 'update', 'cancellation', 'rsvp_reminder', 'pre_meeting_reminder', 'minutes_reminder', 'minutes_escalation', 'approval_reminder', 'report_reminder', 'action_item_reminder', 'revision_due', 'term_not_planned', 'digest', name='messagekind', native_enum=False, length=32), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('district_id', sa.Integer(), nullable=True),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('state', sa.Enum('pending', 'sending', 'sent', 'failed', 'dead', name='outboxstate', native_enum=False, length=32), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', coordinator.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', coordinator.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('claimed_at', coordinator.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', coordinator.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', coordinator.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['district_id'], ['district.id'], name=op.f('fk_outbox_message_district_id_district')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_outbox_message_meeting_id_meeting')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_outbox_message_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_message')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_outbox_message_dedupe_key')),
    sa.UniqueConstraint('message_id', name=op.f('uq_outbox_message_message_id'))
    )
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_message_district_id'), ['district_id'], unique=False)
        batch_op.create_index('ix_outbox_message_due', ['state', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_message_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_message_person_id'), ['person_id'], unique=False)

    op.create_table('minutes_adjuster',
    sa.Column('minutes_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('confirmed_at', coordinator.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('confirmed_by', sa.String(length=254), nullable=True),
    sa.ForeignKeyConstraint(['minutes_id'], ['minutes.id'], name=op.f('fk_minutes_adjuster_minutes_id_minutes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_minutes_adjuster_person_id_person')),
    sa.PrimaryKeyConstraint('minutes_id', 'person_id', name=op.f('pk_minutes_adjuster'))
    )
    op.create_table('minutes_attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('minutes_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', coordinator.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=254), nullable=False),
    sa.Column('removed_at', coordinator.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('removed_by', sa.String(length=254), nullable=True),
    sa.ForeignKeyConstraint(['minutes_id'], ['minutes.id'], name=op.f('fk_minutes_attachment_minutes_id_minutes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_minutes_attachment'))
    )
    with op.batch_alter_table('minutes_attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_minutes_attachment_minutes_id'), ['minutes_id'], unique=False)

    op.create_table('minutes_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('minutes_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('created_at', coordinator.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=254), nullable=False),
    sa.ForeignKeyConstraint(['minutes_id'], ['minutes.id'], name=op.f('fk_minutes_revision_minutes_id_minutes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_minutes_revision')),
    sa.UniqueConstraint('minutes_id', 'number', name=op.f('uq_minutes_revision_minutes_id'))
    )
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agenda', sa.Text(), nullable=True))

    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('answer', sa.Enum('needs-action', 'accepted', 'tentative', 'declined', 'delegated', name='answer', native_enum=False, length=32), server_default='needs-action', nullable=False))
        batch_op.add_column(sa.Column('answered_at', coordinator.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('answered_via', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('answer_sequence', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('delegated_to_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('delegated_from_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('removed_at', coordinator.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('rsvp_key', sa.String(length=32), server_default='', nullable=False))
        batch_op.create_foreign_key(batch_op.f('fk_invitation_delegated_to_id_person'), 'person', ['delegated_to_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_invitation_delegated_from_id_person'), 'person', ['delegated_from_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_invitation_delegated_from_id_person'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_invitation_delegated_to_id_person'), type_='foreignkey')
        batch_op.drop_column('rsvp_key')
        batch_op.drop_column('removed_at')
        batch_op.drop_column('delegated_from_id')
        batch_op.drop_column('delegated_to_id')
        batch_op.drop_column('answer_sequence')
        batch_op.drop_column('answered_via')
        batch_op.drop_column('answered_at')
        batch_op.drop_column('answer')

    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_column('agenda')

    op.drop_table('minutes_revision')
    with op.batch_alter_table('minutes_attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_minutes_attachment_minutes_id'))

    op.drop_table('minutes_attachment')
    op.drop_table('minutes_adjuster')
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_message_person_id'))
        batch_op.drop_index(batch_op.f('ix_outbox_message_meeting_id'))
        batch_op.drop_index('ix_outbox_message_due')
        batch_op.drop_index(batch_op.f('ix_outbox_message_district_id'))

    op.drop_table('outbox_message')
    op.drop_table('minutes')
    op.drop_table('attendance')
    with op.batch_alter_table('action_item', schema=None) as batch_op:
        batch_op.drop_index('ix_action_item_series_status')
        batch_op.drop_index(batch_op.f('ix_action_item_owner_id'))
        batch_op.drop_index(batch_op.f('ix_action_item_meeting_id'))

    op.drop_table('action_item')
    with op.batch_alter_table('feed_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feed_token_person_id'))
        batch_op.drop_index(batch_op.f('ix_feed_token_district_id'))

    op.drop_table('feed_token')
    op.drop_table('job_run')
