"""deadlines kept as facts, the school each invitee and attendee stands for, follow-up indexes

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 14:00:00
"""
from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from alembic import op
import sqlalchemy as sa
import coordinator.db


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

APPROVAL_DAYS = 7   # coordinator/minutes/deadlines.py, as they were when this ran
REPORT_DAYS = 60
SCHOOL_FUNCTIONS = ('principal', 'deputy_principal', 'kurator', 'school_nurse', 'special_needs_teacher',
                    'school_psychologist')


def upgrade() -> None:
    with op.batch_alter_table('minutes', schema=None) as batch_op:
        for name in ('due_at', 'first_registered_at', 'approval_due_at', 'first_approved_at', 'report_due_at',
                     'first_reported_at'):
            batch_op.add_column(sa.Column(name, coordinator.db.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('action_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closed_on', sa.Date(), nullable=True))
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('school_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_invitation_school_id_school'), 'school', ['school_id'], ['id'])
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.add_column(sa.Column('school_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_attendance_school_id_school'), 'school', ['school_id'], ['id'])
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        # the follow-up reads a district's terms: every aggregate filters on both
        batch_op.create_index('ix_meeting_district_term', ['district_id', 'term_id'], unique=False)
    _backfill()


def _backfill() -> None:
    """What the rows already say: deadlines from the meeting and form, first fulfilments from the current times."""
    bind = op.get_bind()
    minutes = sa.table('minutes', *(sa.column(c, sa.DateTime) for c in (
        'due_at', 'first_registered_at', 'approval_due_at', 'first_approved_at', 'report_due_at', 'first_reported_at',
        'registered_at', 'approved_at', 'reported_at')), sa.column('id'), sa.column('meeting_id'))
    meeting = sa.table('meeting', sa.column('id'), sa.column('meeting_form_id'), sa.column('ends_at', sa.DateTime))
    form = sa.table('meeting_form', sa.column('id'), sa.column('minutes_due_days'), sa.column('requires_approval'),
                    sa.column('reports_to_committee'))
    rows = bind.execute(
        sa.select(minutes.c.id, meeting.c.ends_at, form.c.minutes_due_days, form.c.requires_approval,
                  form.c.reports_to_committee, minutes.c.registered_at, minutes.c.approved_at, minutes.c.reported_at)
        .join(meeting, meeting.c.id == minutes.c.meeting_id).join(form, form.c.id == meeting.c.meeting_form_id)).all()
    for row_id, ends_at, days, approval, reports, registered, approved, reported in rows:
        bind.execute(minutes.update().where(minutes.c.id == row_id).values(
            due_at=ends_at + timedelta(days=days), first_registered_at=registered,
            approval_due_at=registered + timedelta(days=APPROVAL_DAYS) if registered and approval else None,
            first_approved_at=approved,
            report_due_at=approved + timedelta(days=REPORT_DAYS) if approved and reports else None,
            first_reported_at=reported))

    item = sa.table('action_item', sa.column('id'), sa.column('closed_at', sa.DateTime), sa.column('closed_on'))
    stockholm = ZoneInfo('Europe/Stockholm')
    for row_id, closed_at in bind.execute(sa.select(item.c.id, item.c.closed_at).where(item.c.closed_at.is_not(None))):
        aware = closed_at if closed_at.tzinfo else closed_at.replace(tzinfo=ZoneInfo('UTC'))
        bind.execute(item.update().where(item.c.id == row_id).values(closed_on=aware.astimezone(stockholm).date()))

    invitation = sa.table('invitation', sa.column('meeting_id'), sa.column('person_id'), sa.column('function'),
                          sa.column('school_id'), sa.column('delegated_from_id'))
    person = sa.table('person', sa.column('id'), sa.column('school_id'))
    bind.execute(invitation.update().where(invitation.c.function.in_(SCHOOL_FUNCTIONS))
                 .values(school_id=sa.select(person.c.school_id).where(person.c.id == invitation.c.person_id)
                         .scalar_subquery()))
    delegator = invitation.alias('delegator')
    bind.execute(invitation.update().where(invitation.c.delegated_from_id.is_not(None))
                 .values(school_id=sa.select(delegator.c.school_id)
                         .where(delegator.c.meeting_id == invitation.c.meeting_id,
                                delegator.c.person_id == invitation.c.delegated_from_id).scalar_subquery()))
    attendance = sa.table('attendance', sa.column('meeting_id'), sa.column('person_id'), sa.column('school_id'))
    bind.execute(attendance.update().values(school_id=sa.select(invitation.c.school_id).where(
        invitation.c.meeting_id == attendance.c.meeting_id, invitation.c.person_id == attendance.c.person_id)
        .scalar_subquery()))


def downgrade() -> None:
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_index('ix_meeting_district_term')
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_attendance_school_id_school'), type_='foreignkey')
        batch_op.drop_column('school_id')
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_invitation_school_id_school'), type_='foreignkey')
        batch_op.drop_column('school_id')
    with op.batch_alter_table('action_item', schema=None) as batch_op:
        batch_op.drop_column('closed_on')
    with op.batch_alter_table('minutes', schema=None) as batch_op:
        for name in ('first_reported_at', 'report_due_at', 'first_approved_at', 'approval_due_at',
                     'first_registered_at', 'due_at'):
            batch_op.drop_column(name)
