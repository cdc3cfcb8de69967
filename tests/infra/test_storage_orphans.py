"""Stored files without an attachment row (a deletion the disk refused, a crash mid-upload) are
found and removed by `prize retention` and when a server starts, once older than an hour (a
younger one may be an upload whose row is not committed yet); a refused deletion is logged and
tried again until the disk lets it happen."""

from __future__ import annotations

import logging
import os
import re
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from prize import cli
from prize.app import create_app
from prize.domain.privacy import retention
from prize.models import Attachment, AuditEvent
from prize.storage import FolderStore
from tests import factories, securityworld
from tests.appkit import TEST_KEYS
from tests.faultkit import unwritable
from tests.securityworld import World

LINE = "Orphaned files (stored without an attachment row, older than an hour) to remove:"


def aged(path: Path, **age: float) -> str:
    """Make ``path`` look last written ``age`` ago (by the real clock, as the disk keeps it)."""
    when = (datetime.now(UTC) - timedelta(**age)).timestamp()
    os.utime(path, (when, when))
    return path.name


def orphan(storage: Path, **age: float) -> str:
    """A file under a stored name that no row names, last written ``age`` ago."""
    storage.mkdir(parents=True, exist_ok=True)
    path = storage / secrets.token_hex(24)
    path.write_bytes(factories.PDF)
    return aged(path, **age)


def attached(db, storage: Path) -> str:
    """An application's file (a row names it), written long ago."""
    with db.write() as session:
        edition = factories.edition(session=session)
        factories.application(
            session=session,
            edition=edition,
            attachments=[("report.pdf", factories.PDF)],
            storage_dir=storage,
        )
        name = session.exec(select(Attachment.stored_name)).one()
    return aged(storage / name, days=5)


def test_retention_removes_orphans_older_than_an_hour_and_keeps_every_other_file(db, tmp_path):
    storage = tmp_path / "storage"
    kept = attached(db, storage)
    old = orphan(storage, hours=2)
    young = orphan(storage, minutes=10)  # perhaps an upload whose row is being committed
    crashed = storage / f".upload-{secrets.token_hex(24)}"  # a crash mid-upload
    crashed.write_bytes(b"%PDF-half")
    aged(crashed, hours=3)
    (storage / "README.txt").write_text("an operator's note: not ours, never touched")
    aged(storage / "README.txt", days=30)
    with db.write() as session:
        done = retention.apply(session=session, now=datetime.now(UTC), store=FolderStore(storage))
    assert sorted(done.orphans) == sorted([old, crashed.name])
    assert sorted(p.name for p in storage.iterdir()) == sorted([kept, young, "README.txt"])
    with db.read() as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.kind == "retention.applied")).one()
    assert event.data["orphaned_files_removed"] == 2


@pytest.fixture
def env(sqlite_db, tmp_path, monkeypatch):
    url = sqlite_db.engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("PRIZE_DATABASE_URL", url)
    monkeypatch.setenv("PRIZE_SECRET_KEYS", TEST_KEYS[0])
    monkeypatch.setenv("PRIZE_STORAGE_DIR", str(tmp_path / "storage"))
    return tmp_path / "storage"


def test_a_dry_run_lists_orphans_by_name_and_removes_nothing(sqlite_db, env, capsys):
    kept = attached(sqlite_db, env)
    old = orphan(env, hours=2)
    young = orphan(env, minutes=10)
    assert cli.main(["retention", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert f"{LINE} 1: {old}\n" in out
    assert "Dry run: nothing was changed." in out
    assert sorted(p.name for p in env.iterdir()) == sorted([kept, old, young])
    assert cli.main(["retention"]) == 0
    assert f"{LINE} 1: {old}\n" in capsys.readouterr().out
    assert sorted(p.name for p in env.iterdir()) == sorted([kept, young])


def test_a_starting_server_removes_old_orphans(sqlite_db, settings, caplog):
    storage = settings.storage_dir
    kept = attached(sqlite_db, storage)
    old = orphan(storage, hours=2)
    young = orphan(storage, minutes=10)
    app = create_app(settings.with_(outbox_interval=3600), database=sqlite_db, run_sender=True)
    with caplog.at_level(logging.INFO, logger="prize"), TestClient(app):
        assert sorted(p.name for p in storage.iterdir()) == sorted([kept, young])
    assert old not in caplog.text
    assert "storage: removed 1 of 1 orphaned files" in caplog.text


@pytest.fixture
def world(tmp_path_factory, sqlite_template, tmp_path) -> World:
    return securityworld.template(tmp_path_factory, sqlite_template).copy(tmp_path)


def test_a_removal_the_disk_refuses_is_logged_and_the_file_goes_at_the_next_start(world, caplog):
    storage = world.settings.storage_dir
    app_id, file_id = world.ids["applicant_app"], world.ids["applicant_file"]
    with world.database.read() as session:
        name = session.get_one(Attachment, file_id).stored_name
    client = world.client("applicant")
    data = {"csrf_token": world.csrf(client)}
    with caplog.at_level(logging.INFO), unwritable(storage):
        removed = client.post(f"/apply/{app_id}/files/{file_id}/delete", data=data)
    # The applicant removed it from the application, and it is: nobody can open it any more.
    assert removed.status_code == 303
    page = client.get(removed.headers["location"]).text
    assert "The file is removed." in page
    assert f"/apply/{app_id}/files/{file_id}" not in page
    with world.database.read() as session:
        assert session.get(Attachment, file_id) is None
    # The disk kept it: said in the log, by its random name only.
    assert (storage / name).is_file()
    refused = [r for r in caplog.records if r.name == "prize.storage"]
    assert [r.levelno for r in refused] == [logging.WARNING]
    assert re.fullmatch(
        rf"storage: could not delete the stored file {name} \(.+\); the orphan sweep will try "
        "again",
        refused[0].getMessage(),
    )
    assert not any(secret in caplog.text for secret in world.tokens.values())
    # The next start (or `prize retention`), an hour on, removes it.
    aged(storage / name, hours=2)
    restarted = create_app(
        world.settings.with_(outbox_interval=3600), database=world.database, run_sender=True
    )
    with TestClient(restarted):
        assert not (storage / name).exists()


def test_retention_says_when_the_disk_refuses_and_removes_the_file_on_a_later_run(
    sqlite_db, env, capsys
):
    old = orphan(env, hours=2)
    with unwritable(env) as how:
        if how == "a file in its place":  # then the folder cannot even be listed
            pytest.skip("needs a folder that lists its files but refuses to delete them")
        status = cli.main(["retention"])
        captured = capsys.readouterr()
    assert status == 1
    assert (
        "Orphaned files the disk refused to delete (tried again on the next run): "
        f"1: {old}\n" in captured.out
    )
    assert "Done, but some files could not be deleted: see the log above." in captured.err
    assert (env / old).is_file()
    assert cli.main(["retention"]) == 0
    assert f"{LINE} 1: {old}\n" in capsys.readouterr().out
    assert not (env / old).exists()
