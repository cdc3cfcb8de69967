"""The retention rule run from cron on a fleet machine whose whole clock is wrong (libfaketime,
tests/fleetkit.py): what is due is dated by the database's clock, so a host two weeks fast
erases nothing early."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from prize.models import Application, ApplicationStatus
from tests import factories
from tests.fleetkit import prize

AHEAD = 15 * 24 * 3600  # seconds: the machine's clock runs two weeks fast


def test_a_machine_two_weeks_fast_deletes_no_draft_early(postgres_db, tmp_path):
    now = postgres_db.now()
    with postgres_db.write() as session:
        drafts = {}
        for year, days_past in ((2025, 31), (2026, 20)):  # the rule: 30 days after the deadline
            edition = factories.edition(
                session=session,
                year=year,
                opens_at=now - timedelta(days=days_past + 90),
                deadline=now - timedelta(days=days_past),
            )
            draft = factories.application(
                session=session, edition=edition, status=ApplicationStatus.draft
            )
            drafts[year] = draft.id

    status, out = prize(postgres_db, tmp_path, "retention", ahead=AHEAD)

    assert status == 0, out
    assert f"Drafts to delete (30 days after the deadline): 1: draft {drafts[2025]} (2025)" in out
    with postgres_db.read() as session:
        left = session.exec(select(Application.id)).all()
    assert left == [drafts[2026]]  # 20 days past in the database's time, 35 on the host's
