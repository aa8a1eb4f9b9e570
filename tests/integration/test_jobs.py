"""The scheduler's job list and its first sweep: agreements whose revision date has passed."""
from __future__ import annotations

import logging
from datetime import date, datetime, timedelta, timezone

from apscheduler.schedulers.background import BackgroundScheduler

from coordinator.agreements.models import Agreement, AgreementVersion, VersionStatus
from coordinator.org.models import District, Municipality
from jobs import configure
from jobs.tasks import flag_overdue_revisions

NOW = datetime(2027, 9, 1, 6, 0, tzinfo=timezone.utc)


def test_every_job_is_registered_once_with_coalescing(app):
    scheduler = BackgroundScheduler(timezone="Europe/Stockholm")
    scheduler.start(paused=True)
    try:
        configure(scheduler, app)
        configure(scheduler, app)  # configuring again replaces, never doubles
        jobs = scheduler.get_jobs()
    finally:
        scheduler.shutdown(wait=False)
    assert [job.id for job in jobs] == ["agreement_revisions"]
    assert all(job.coalesce and job.max_instances == 1 for job in jobs)


def test_overdue_revision_sweep_finds_only_active_overdue_agreements(app, session, caplog):
    city = Municipality(code="0180", name="Stockholms stad")
    district = District(municipality=city, code="NORRVIKEN", name="Norrviken")
    agreement = Agreement(municipality=city, district=district, title="Samverkansöverenskommelse", created_at=NOW)
    today = date.today()
    agreement.versions = [
        AgreementVersion(number=1, status=VersionStatus.SUPERSEDED, revision_due_on=today - timedelta(days=400),
                         created_at=NOW),
        AgreementVersion(number=2, status=VersionStatus.ACTIVE, revision_due_on=today - timedelta(days=1),
                         created_at=NOW),
        AgreementVersion(number=3, status=VersionStatus.DRAFT, revision_due_on=today - timedelta(days=1),
                         created_at=NOW),
    ]
    session.add(agreement)
    session.commit()

    with caplog.at_level(logging.WARNING, logger="coordinator.jobs"):
        assert flag_overdue_revisions(app) == 1
    assert "agreement_revision_overdue" in caplog.text and "version=2" in caplog.text

    agreement.versions[1].revision_due_on = today + timedelta(days=30)
    session.commit()
    assert flag_overdue_revisions(app) == 0
