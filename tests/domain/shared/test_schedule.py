"""Scheduled passes run on one process at a time: while one transaction holds a job, another
skips it; once it ends, the job is free again. Publication and reminders skip a held pass."""

from __future__ import annotations

import pytest

from prize.db import Database
from prize.domain import transitions
from prize.domain.applicants import reminders
from prize.domain.shared import schedule
from tests.appkit import Clock
from tests.applykit import link_maker


def test_a_job_held_by_one_transaction_is_skipped_by_another(postgres_db: Database):
    with postgres_db.write() as first:
        assert schedule.one_at_a_time(session=first, job="publication") is True
        with postgres_db.write() as second:
            assert schedule.one_at_a_time(session=second, job="publication") is False
            assert schedule.one_at_a_time(session=second, job="reminders") is True
            assert transitions.publish_due(session=second, now=Clock()()) == []
        with postgres_db.write() as third:
            assert schedule.one_at_a_time(session=third, job="reminders") is True
    with postgres_db.write() as later:
        assert schedule.one_at_a_time(session=later, job="publication") is True


def test_a_held_reminder_pass_queues_nothing(postgres_db: Database):
    with postgres_db.write() as first:
        schedule.one_at_a_time(session=first, job="reminders")
        with postgres_db.write() as second:
            queued = reminders.queue_deadline_reminders(
                session=second, now=Clock()(), links=link_maker()
            )
    assert queued == 0


@pytest.mark.parametrize("job", ["publication", "reminders"])
def test_sqlite_has_one_writer_anyway(sqlite_db: Database, job: str):
    with sqlite_db.write() as session:
        assert schedule.one_at_a_time(session=session, job=job) is True
