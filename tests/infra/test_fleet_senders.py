"""The scheduled work of two serving processes on one PostgreSQL, each with its own app, its own
connection pool and its own sender loop (as `prize serve` runs them), in this process so that one
machine's clock can be shifted: a timed publication happens at the database's instant, whatever a
machine's clock says, and once; the outbox sent by both senders to a slow SMTP server delivers
each message once."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select
from starlette.testclient import TestClient

from prize.app import create_app
from prize.db import Database, DatabaseClock
from prize.domain import transitions
from prize.domain.shared import outbox
from prize.models import AuditEvent, Edition, EditionState, OutboxMessage, OutboxStatus
from prize.settings import Settings
from tests.appkit import TEST_KEYS, Clock
from tests.dbkit import TEST_AUDIT_KEYS
from tests.jurykit import make_decided_edition
from tests.mailkit import Inbox, queue_invitations, running_smtp

AHEAD = timedelta(hours=1)


def _ahead() -> datetime:
    return datetime.now(UTC) + AHEAD  # a machine whose clock runs an hour fast


class Machines:
    """Start serving processes' apps (lifespan and sender loop running) on one database."""

    def __init__(self, stack: ExitStack, database: Database, folder: Path) -> None:
        self.stack, self.database, self.folder = stack, database, folder
        self.apps: list = []

    def start(self, *, smtp_url: str = "", host: Callable[[], datetime] | None = None):
        own = Database(self.database.url, audit_keys=TEST_AUDIT_KEYS)  # its own pool
        self.stack.callback(own.dispose)
        settings = Settings(
            database_url=self.database.url,
            secret_keys=TEST_KEYS,
            base_url="http://testserver",
            contact_email="secretariat@example.org",
            storage_dir=self.folder / f"storage{len(self.apps)}",
            argon2_fast=True,
            demo=False,
            outbox_interval=0.1,
            smtp_url=smtp_url,
        )
        app = create_app(settings, database=own, run_sender=True)
        if host is not None:
            app.state.clock = DatabaseClock(own, host=host)
        self.stack.enter_context(TestClient(app))  # runs the lifespan: measures, starts sending
        self.apps.append(app)
        return app


@pytest.fixture
def machines(postgres_db, tmp_path) -> Iterator[Machines]:
    with ExitStack() as stack:
        yield Machines(stack, postgres_db, tmp_path)


def _wait(condition: Callable[[], bool], seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "not in time"
        time.sleep(0.05)


def test_a_timed_publication_happens_at_the_databases_instant_and_once(
    postgres_db, machines, caplog
):
    caplog.set_level(logging.INFO, logger="prize")
    with postgres_db.write() as session:
        edition = make_decided_edition(session, Clock()).edition
        announce = postgres_db.now() + timedelta(seconds=3)
        edition.announce_at = announce
        session.add(edition)
        year = edition.year
    machines.start()
    fast = machines.start(host=_ahead)
    # The fast machine's pages run on the database's time (its offset measured at start) ...
    assert abs(fast.state.clock() - postgres_db.now()) < timedelta(seconds=2)
    assert _ahead() > announce  # ... though its own clock is past the announcement already

    def state() -> EditionState:
        with postgres_db.read() as session:
            return session.exec(select(Edition).where(Edition.year == year)).one().state

    time.sleep(1)  # several passes of both senders
    assert state() is EditionState.decided
    _wait(lambda: state() is EditionState.published)
    time.sleep(0.5)  # more passes of both, after the publication
    with postgres_db.read() as session:
        published = session.exec(select(Edition).where(Edition.year == year)).one()
        moves = session.exec(
            select(AuditEvent).where(
                AuditEvent.kind == "edition.moved", AuditEvent.edition_id == published.id
            )
        ).all()
    assert announce <= published.published_at < announce + timedelta(seconds=2)
    assert [m.data["to"] for m in moves].count("published") == 1
    said = [r for r in caplog.records if "published at their announcement" in r.getMessage()]
    assert len(said) == 1


def test_both_senders_deliver_each_message_once_to_a_slow_smtp_server(postgres_db, machines):
    with running_smtp(Inbox(delay=0.2)) as smtp:
        machines.start(smtp_url=smtp.url)
        machines.start(smtp_url=smtp.url, host=_ahead)
        queued = queue_invitations(
            postgres_db, outbox.BATCH + 10, postgres_db.now()
        )  # more than one batch, for both
        _wait(lambda: len(smtp.inbox.messages) >= len(queued), seconds=25)
        time.sleep(1)  # both senders keep passing: nothing is sent again
        received = [m["Message-ID"] for m in smtp.inbox.messages]
    assert sorted(received) == sorted(queued)
    with postgres_db.read() as session:
        statuses = session.exec(
            select(OutboxMessage.status).where(col(OutboxMessage.message_id).in_(queued))
        ).all()
    assert set(statuses) == {OutboxStatus.sent}


def test_publication_passes_at_the_same_instant_in_four_processes_publish_once(postgres_db):
    with postgres_db.write() as session:
        edition = make_decided_edition(session, Clock()).edition
        edition.announce_at = postgres_db.now()
        session.add(edition)
    pools = [Database(postgres_db.url, audit_keys=TEST_AUDIT_KEYS) for _ in range(4)]
    together = threading.Barrier(len(pools))

    def one_pass(database: Database) -> int:
        with database.write() as session:
            together.wait(timeout=10)
            return len(transitions.publish_due(session=session, now=database.now()))

    try:
        with ThreadPoolExecutor(max_workers=len(pools)) as pool:
            published = list(pool.map(one_pass, pools))
    finally:
        for database in pools:
            database.dispose()
    assert sorted(published) == [0, 0, 0, 1]
    with postgres_db.read() as session:
        moved = session.exec(select(AuditEvent).where(AuditEvent.kind == "edition.moved")).all()
    assert [m.data["to"] for m in moved].count("published") == 1
