"""the first tables: organisation, agreements, users, audit

Revision ID: 0001
Revises: 
Create Date: 2026-11-24 05:35:14.774993
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa
import coordinator.db


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('municipality',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=4), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_municipality')),
    sa.UniqueConstraint('code', name=op.f('uq_municipality_code'))
    )
    op.create_table('district',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_district_municipality_id_municipality')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_district')),
    sa.UniqueConstraint('code', name=op.f('uq_district_code'))
    )
    op.create_table('agreement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('created_at', coordinator.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['district_id'], ['district.id'], name=op.f('fk_agreement_district_id_district')),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_agreement_municipality_id_municipality')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreement'))
    )
    with op.batch_alter_table('agreement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agreement_district_id'), ['district_id'], unique=False)

    op.create_table('audit_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', coordinator.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=254), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('entity_type', sa.String(length=64), nullable=False),
    sa.Column('entity_id', sa.String(length=64), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=True),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['district_id'], ['district.id'], name=op.f('fk_audit_event_district_id_district')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_event'))
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_event_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_event_district_id'), ['district_id'], unique=False)

    op.create_table('school',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_code', sa.String(length=8), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('organiser_type', sa.Enum('municipal', 'independent', name='organisertype', native_enum=False, length=32), nullable=False),
    sa.Column('organiser_name', sa.String(length=200), nullable=True),
    sa.Column('school_forms', sa.JSON(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('address', sa.String(length=300), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['district_id'], ['district.id'], name=op.f('fk_school_district_id_district')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_school')),
    sa.UniqueConstraint('unit_code', name=op.f('uq_school_unit_code'))
    )
    with op.batch_alter_table('school', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_school_district_id'), ['district_id'], unique=False)

    op.create_table('school_group',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['district_id'], ['district.id'], name=op.f('fk_school_group_district_id_district')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_school_group')),
    sa.UniqueConstraint('district_id', 'name', name=op.f('uq_school_group_district_id'))
    )
    op.create_table('unit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('social_services', 'leisure', 'preschool', 'field_workers', 'administration', 'city_administration', 'police', 'association', name='unitkind', native_enum=False, length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['district_id'], ['district.id'], name=op.f('fk_unit_district_id_district')),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_unit_municipality_id_municipality')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unit')),
    sa.UniqueConstraint('municipality_id', 'district_id', 'name', name=op.f('uq_unit_municipality_id'))
    )
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_district_id'), ['district_id'], unique=False)

    op.create_table('person',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=True),
    sa.Column('school_id', sa.Integer(), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('language', sa.Enum('sv', 'en', name='language', native_enum=False, length=32), nullable=False),
    sa.Column('deputy_id', sa.Integer(), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('deactivated_at', coordinator.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['deputy_id'], ['person.id'], name=op.f('fk_person_deputy_id_person')),
    sa.ForeignKeyConstraint(['district_id'], ['district.id'], name=op.f('fk_person_district_id_district')),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_person_municipality_id_municipality')),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_person_school_id_school')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_person_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person')),
    sa.UniqueConstraint('email', name=op.f('uq_person_email'))
    )
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_district_id'), ['district_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_person_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_person_unit_id'), ['unit_id'], unique=False)

    op.create_table('school_group_member',
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['school_group.id'], name=op.f('fk_school_group_member_group_id_school_group'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_school_group_member_school_id_school')),
    sa.PrimaryKeyConstraint('group_id', 'school_id', name=op.f('pk_school_group_member'))
    )
    op.create_table('agreement_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'active', 'superseded', name='versionstatus', native_enum=False, length=32), nullable=False),
    sa.Column('valid_from_on', sa.Date(), nullable=True),
    sa.Column('valid_to_on', sa.Date(), nullable=True),
    sa.Column('revision_due_on', sa.Date(), nullable=True),
    sa.Column('contact_person_id', sa.Integer(), nullable=True),
    sa.Column('created_at', coordinator.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('activated_at', coordinator.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('superseded_at', coordinator.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreement.id'], name=op.f('fk_agreement_version_agreement_id_agreement')),
    sa.ForeignKeyConstraint(['contact_person_id'], ['person.id'], name=op.f('fk_agreement_version_contact_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreement_version')),
    sa.UniqueConstraint('agreement_id', 'number', name=op.f('uq_agreement_version_agreement_id'))
    )
    with op.batch_alter_table('agreement_version', schema=None) as batch_op:
        batch_op.create_index('uq_agreement_version_one_active', ['agreement_id'], unique=True, sqlite_where=sa.text("status = 'active'"), postgresql_where=sa.text("status = 'active'"))

    op.create_table('person_function',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('function', sa.Enum('district_director', 'head_of_ifo', 'head_of_leisure', 'head_of_preschool', 'deputy_school_chief', 'social_services_contact', 'intake_group', 'social_worker', 'field_worker', 'committee_secretary', 'principal', 'deputy_principal', 'kurator', 'school_nurse', 'special_needs_teacher', 'school_psychologist', 'police_contact', 'social_administration_chief', 'education_administration_chief', name='function', native_enum=False, length=32), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_person_function_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('person_id', 'function', name=op.f('pk_person_function'))
    )
    op.create_table('user_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=True),
    sa.Column('role', sa.Enum('city_admin', 'district_director', 'district_admin', 'participant', 'auditor', name='role', native_enum=False, length=32), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('language', sa.Enum('sv', 'en', name='language', native_enum=False, length=32), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', coordinator.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', coordinator.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['district_id'], ['district.id'], name=op.f('fk_user_account_district_id_district')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_user_account_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_account')),
    sa.UniqueConstraint('email', name=op.f('uq_user_account_email'))
    )
    op.create_table('meeting_form',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('overarching_forum', 'operative_forum', 'student_health_conference', 'report_meeting', 'consultation', 'bus_group', 'steering_group', 'staff_meeting_visit', 'other', name='formkind', native_enum=False, length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('scope', sa.Enum('district', 'per_school', 'group', 'city', name='scope', native_enum=False, length=32), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('cadence', sa.Enum('per_term', 'per_year', 'monthly', 'on_demand', name='cadence', native_enum=False, length=32), nullable=False),
    sa.Column('cadence_count', sa.Integer(), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('preferred_weekday', sa.Integer(), nullable=True),
    sa.Column('window_start', sa.Time(), nullable=True),
    sa.Column('window_end', sa.Time(), nullable=True),
    sa.Column('place', sa.String(length=300), nullable=True),
    sa.Column('video_url', sa.String(length=500), nullable=True),
    sa.Column('convener_function', sa.Enum('district_director', 'head_of_ifo', 'head_of_leisure', 'head_of_preschool', 'deputy_school_chief', 'social_services_contact', 'intake_group', 'social_worker', 'field_worker', 'committee_secretary', 'principal', 'deputy_principal', 'kurator', 'school_nurse', 'special_needs_teacher', 'school_psychologist', 'police_contact', 'social_administration_chief', 'education_administration_chief', name='function', native_enum=False, length=32), nullable=False),
    sa.Column('minutes_keeper_function', sa.Enum('district_director', 'head_of_ifo', 'head_of_leisure', 'head_of_preschool', 'deputy_school_chief', 'social_services_contact', 'intake_group', 'social_worker', 'field_worker', 'committee_secretary', 'principal', 'deputy_principal', 'kurator', 'school_nurse', 'special_needs_teacher', 'school_psychologist', 'police_contact', 'social_administration_chief', 'education_administration_chief', name='function', native_enum=False, length=32), nullable=True),
    sa.Column('individual_cases', sa.Enum('none', 'unidentified', 'with_consent', name='individualcases', native_enum=False, length=32), nullable=False),
    sa.Column('requires_minutes', sa.Boolean(), nullable=False),
    sa.Column('minutes_due_days', sa.Integer(), nullable=False),
    sa.Column('requires_approval', sa.Boolean(), nullable=False),
    sa.Column('reports_to_committee', sa.Boolean(), nullable=False),
    sa.Column('invite_lead_days', sa.Integer(), nullable=False),
    sa.Column('rsvp_reminder_days', sa.Integer(), nullable=True),
    sa.Column('pre_meeting_reminder_hours', sa.Integer(), nullable=True),
    sa.Column('minutes_reminder_days', sa.Integer(), nullable=True),
    sa.Column('minutes_reminder_repeat_days', sa.Integer(), nullable=True),
    sa.Column('minutes_escalation_days', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['group_id'], ['school_group.id'], name=op.f('fk_meeting_form_group_id_school_group')),
    sa.ForeignKeyConstraint(['version_id'], ['agreement_version.id'], name=op.f('fk_meeting_form_version_id_agreement_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_form'))
    )
    with op.batch_alter_table('meeting_form', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_form_version_id'), ['version_id'], unique=False)

    op.create_table('party',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('signed_on', sa.Date(), nullable=True),
    sa.Column('signed_by', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_party_school_id_school')),
    sa.ForeignKeyConstraint(['version_id'], ['agreement_version.id'], name=op.f('fk_party_version_id_agreement_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_party')),
    sa.UniqueConstraint('version_id', 'school_id', name=op.f('uq_party_version_id'))
    )
    with op.batch_alter_table('party', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_party_school_id'), ['school_id'], unique=False)

    op.create_table('meeting_form_function',
    sa.Column('meeting_form_id', sa.Integer(), nullable=False),
    sa.Column('function', sa.Enum('district_director', 'head_of_ifo', 'head_of_leisure', 'head_of_preschool', 'deputy_school_chief', 'social_services_contact', 'intake_group', 'social_worker', 'field_worker', 'committee_secretary', 'principal', 'deputy_principal', 'kurator', 'school_nurse', 'special_needs_teacher', 'school_psychologist', 'police_contact', 'social_administration_chief', 'education_administration_chief', name='function', native_enum=False, length=32), nullable=False),
    sa.Column('is_required', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_form_id'], ['meeting_form.id'], name=op.f('fk_meeting_form_function_meeting_form_id_meeting_form'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('meeting_form_id', 'function', name=op.f('pk_meeting_form_function'))
    )


def downgrade() -> None:
    op.drop_table('meeting_form_function')
    with op.batch_alter_table('party', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_party_school_id'))

    op.drop_table('party')
    with op.batch_alter_table('meeting_form', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_form_version_id'))

    op.drop_table('meeting_form')
    op.drop_table('user_account')
    op.drop_table('person_function')
    with op.batch_alter_table('agreement_version', schema=None) as batch_op:
        batch_op.drop_index('uq_agreement_version_one_active', sqlite_where=sa.text("status = 'active'"), postgresql_where=sa.text("status = 'active'"))

    op.drop_table('agreement_version')
    op.drop_table('school_group_member')
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_unit_id'))
        batch_op.drop_index(batch_op.f('ix_person_school_id'))
        batch_op.drop_index(batch_op.f('ix_person_district_id'))

    op.drop_table('person')
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_district_id'))

    op.drop_table('unit')
    op.drop_table('school_group')
    with op.batch_alter_table('school', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_school_district_id'))

    op.drop_table('school')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_event_district_id'))
        batch_op.drop_index(batch_op.f('ix_audit_event_at'))

    op.drop_table('audit_event')
    with op.batch_alter_table('agreement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agreement_district_id'))

    op.drop_table('agreement')
    op.drop_table('district')
    op.drop_table('municipality')
