"""Use cases of agreements: activating versions, parties, staffing and revision checks."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from coordinator.agreements.models import AgreementVersion, VersionStatus


def overdue_revisions(session: Session, today: date) -> list[AgreementVersion]:
    """Active agreement versions whose revision date has passed."""
    return list(session.scalars(
        sa.select(AgreementVersion)
        .where(AgreementVersion.status == VersionStatus.ACTIVE, AgreementVersion.revision_due_on < today)
        .order_by(AgreementVersion.revision_due_on)
    ))
