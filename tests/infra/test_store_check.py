"""The attached files where the settings say: a PostgreSQL installation upgraded to the database
store while its files are still in its folder answers every download with 404 until they are
moved; `/health` fails saying so, and how to fix it, and `prize serve` warns at its start. So
does a machine whose shared folder is not mounted. One lost file is told, not failed on."""

from __future__ import annotations

import logging

from starlette.testclient import TestClient

from prize import cli
from prize.app import create_app
from prize.db import Database
from prize.settings import Settings
from prize.storage import FolderStore, Store
from tests.appkit import TEST_KEYS, Clock
from tests.applykit import attach_file, make_call, start_application, tiny_pdf

NOW = Clock()()


def _attach(db: Database, store: Store, application_id: int, data: bytes) -> str:
    return attach_file(db, store, application_id, data, NOW).stored_name


def _health(database: Database, storage_url: str = "") -> tuple[int, str]:
    settings = Settings(
        database_url=database.url,
        secret_keys=TEST_KEYS,
        base_url="http://testserver",
        storage_url=storage_url,
        argon2_fast=True,
    )
    with TestClient(create_app(settings, database=database)) as client:
        answer = client.get("/health")
    return answer.status_code, answer.text


def test_an_upgraded_installation_with_its_files_in_a_folder_fails_until_they_are_moved(
    postgres_db, tmp_path, monkeypatch, caplog, capsys
):
    make_call(postgres_db, NOW)
    application = start_application(postgres_db, NOW)
    folder = FolderStore(tmp_path / "storage")  # before the upgrade: the folder was the store
    for n in range(3):
        _attach(postgres_db, folder, application.id, tiny_pdf() + b"%" * n)
    assert _health(postgres_db, folder.url)[0] == 200

    caplog.set_level(logging.WARNING, logger="prize")
    status, text = _health(postgres_db)  # upgraded: the database is the default store
    assert status == 503
    lines = text.splitlines()
    assert lines[0] == "failing"
    problem = next(line for line in lines if line.startswith("storage: "))
    assert problem.startswith("storage: 3 of 3 attached files looked for are not in database:;")
    assert "prize storage migrate --to database:" in problem
    assert "set PRIZE_STORAGE_URL to where they are" in problem
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert problem in warned  # said at the start as well, in the log

    monkeypatch.setenv("PRIZE_DATABASE_URL", postgres_db.url)
    monkeypatch.setenv("PRIZE_STORAGE_URL", folder.url)
    monkeypatch.setenv("PRIZE_SECRET_KEYS", TEST_KEYS[0])
    assert cli.main(["storage", "migrate", "--to", "database:"]) == 0
    assert "Moved 3 stored files" in capsys.readouterr().out
    status, text = _health(postgres_db)
    assert status == 200
    assert text.startswith("ok\n") and "storage:" not in text


def test_a_machine_whose_shared_folder_is_not_mounted_fails(db, tmp_path):
    make_call(db, NOW)
    application = start_application(db, NOW)
    shared = FolderStore(tmp_path / "shared")
    for n in range(2):
        _attach(db, shared, application.id, tiny_pdf() + b"%" * n)
    assert _health(db, shared.url)[0] == 200
    unmounted = FolderStore(tmp_path / "mnt" / "empty")  # the mount point, nothing mounted
    status, text = _health(db, unmounted.url)
    assert status == 503
    assert f"storage: 2 of 2 attached files looked for are not in {unmounted.url};" in text


def test_one_lost_file_is_told_and_does_not_fail_the_machine(db, tmp_path):
    make_call(db, NOW)
    application = start_application(db, NOW)
    folder = FolderStore(tmp_path / "storage")
    names = [_attach(db, folder, application.id, tiny_pdf() + b"%" * n) for n in range(3)]
    folder.delete(names[1])
    status, text = _health(db, folder.url)
    assert status == 200
    assert text.splitlines()[0] == "ok"
    assert "storage: 1 of 3 attached files are missing" in text.splitlines()
