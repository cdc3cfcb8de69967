"""One clock for every machine: the database's. A host whose clock runs fast still tells the
database's time, the sender's decisions use the database's own clock, and ``/health`` says how
far the host is off and whether the file store works."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from starlette.testclient import TestClient

from prize.app import create_app
from prize.db import Database, DatabaseClock
from prize.models import OutboxMessage
from prize.settings import Settings
from tests.appkit import TEST_KEYS, Clock

FAST = timedelta(minutes=11)


def _settings(database: Database, tmp_path) -> Settings:
    return Settings(
        database_url=database.url,
        secret_keys=TEST_KEYS,
        base_url="http://testserver",
        storage_dir=tmp_path / "storage",
        argon2_fast=True,
    )


def test_the_database_clock_is_now(db):
    assert abs(db.now() - datetime.now(UTC)) < timedelta(seconds=2)


def test_a_host_whose_clock_runs_fast_tells_the_databases_time(db):
    clock = DatabaseClock(db, host=lambda: datetime.now(UTC) + FAST)
    assert abs(clock.measure() + FAST) < timedelta(seconds=2)
    assert abs(clock() - db.now()) < timedelta(seconds=2)


def test_an_app_without_an_injected_clock_takes_the_databases(postgres_db, tmp_path):
    app = create_app(_settings(postgres_db, tmp_path), database=postgres_db)
    assert isinstance(app.state.clock, DatabaseClock)
    assert app.state.sender_clock == postgres_db.now


def test_health_says_ok_with_the_clock_offset(db, tmp_path):
    app = create_app(_settings(db, tmp_path), database=db)
    with TestClient(app) as client:
        answer = client.get("/health")
    assert answer.status_code == 200
    first, offset = answer.text.splitlines()
    assert first == "ok"
    assert offset.startswith("clock offset from the database: ")


def test_health_fails_when_the_host_clock_is_off(sqlite_db, tmp_path, monkeypatch):
    app = create_app(_settings(sqlite_db, tmp_path), database=sqlite_db)
    monkeypatch.setattr("prize.views.public.utcnow", lambda: datetime.now(UTC) + FAST)
    with TestClient(app) as client:
        answer = client.get("/health")
    assert answer.status_code == 503
    assert answer.text.splitlines()[0] == "failing"
    assert "clock: too far from the database's" in answer.text


def test_health_fails_when_the_file_store_cannot_write(sqlite_db, tmp_path):
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the storage folder's parent should be")
    settings = _settings(sqlite_db, tmp_path).with_(storage_dir=blocker / "storage")
    with TestClient(create_app(settings, database=sqlite_db)) as client:
        answer = client.get("/health")
    assert answer.status_code == 503
    assert "storage: a probe file could not be written" in answer.text


def test_health_says_how_long_the_oldest_due_message_has_waited(sqlite_db, tmp_path):
    clock = Clock()
    with sqlite_db.write() as session:
        session.add(
            OutboxMessage(
                kind="test",
                recipient="r@example.org",
                subject="Waiting",
                body="Hello\n",
                message_id="<w@example.org>",
                created_at=clock(),
                next_attempt_at=clock() - timedelta(minutes=5),
            )
        )
    app = create_app(_settings(sqlite_db, tmp_path), database=sqlite_db, clock=clock)
    with TestClient(app) as client:
        answer = client.get("/health")
    assert "outbox: the oldest due message has waited 300 s" in answer.text.splitlines()
