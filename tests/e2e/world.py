"""What the browser tests add to the demo (loaded without its history): a forum that has been held, and the
demo's logins by role."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from coordinator.agreements.models import Agreement, AgreementVersion, FormKind, MeetingForm, Scope, VersionStatus
from coordinator.auth.models import Role
from coordinator.demo.data import LOGINS, login_email
from coordinator.planning.models import Meeting
from coordinator.planning.services import add_meeting, find_district, publish
from coordinator.web import db

STOCKHOLM = ZoneInfo("Europe/Stockholm")
PASSED = datetime(2026, 9, 15, 13, 0, tzinfo=STOCKHOLM)  # in HT2026, before any run of these tests


def email_of(role: Role, district: str | None = "NORRVIKEN") -> str:
    """The demo login of a role (of Norrviken, for the roles that have a district)."""
    return next(login_email(login) for login in LOGINS
                if login.role is role and (not role.needs_district or login.district == district))


def a_forum_held(app, kind: FormKind | None = None) -> int:  # type: ignore[no-untyped-def]
    """A meeting of Norrviken's agreement (its first district-wide form, or the first of `kind`), published for
    15 September 2026, with nothing recorded since; its id."""
    with app.app_context():
        session = db()
        district = find_district(session, "NORRVIKEN")
        query = (sa.select(MeetingForm).join(AgreementVersion, AgreementVersion.id == MeetingForm.version_id)
                 .join(Agreement, Agreement.id == AgreementVersion.agreement_id)
                 .where(Agreement.district_id == district.id, AgreementVersion.status == VersionStatus.ACTIVE,
                        MeetingForm.scope == Scope.DISTRICT).order_by(MeetingForm.position))
        if kind is not None:
            query = query.where(MeetingForm.kind == kind)
        form = session.scalars(query).first()
        before = datetime(2026, 9, 1, 8, 0, tzinfo=STOCKHOLM)
        meeting: Meeting = add_meeting(session, form, "HT2026", PASSED, actor="e2e", now=before)
        publish(session, district, "HT2026", actor="e2e", now=before)
        session.commit()
        return meeting.id
