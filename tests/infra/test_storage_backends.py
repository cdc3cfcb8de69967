"""Uploaded files in a folder or in the database: the same checks, the same downloads, the same
sweep of orphans, moved between the two by ``prize storage migrate`` and kept by backups; and two
app instances on one PostgreSQL, each with its own disk, serving each other's uploads."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlmodel import select
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.testclient import TestClient

from prize import backup, cli
from prize.app import create_app
from prize.db import Database, open_database
from prize.domain.applicants import attachments
from prize.models import Attachment, StoredFileRow, utcnow
from prize.settings import Settings, SettingsError, load
from prize.storage import (
    DB_CHUNK,
    DatabaseStore,
    FolderStore,
    MissingFile,
    MoveFailed,
    Store,
    UploadRefused,
    move_files,
)
from tests.appkit import TEST_KEYS, Clock, csrf_of
from tests.applykit import attach_file, link_maker, make_call, start_application, tiny_pdf

NOW = Clock()()  # inside the test call's window


@pytest.fixture(params=["folder", "database"])
def store(request: pytest.FixtureRequest, db: Database, tmp_path) -> Store:
    return FolderStore(tmp_path / "storage") if request.param == "folder" else DatabaseStore(db)


def _content(store: Store, name: str) -> bytes:
    return b"".join(store.read(name))


def test_a_stored_file_reads_back_whole_with_its_size_and_digest(store):
    data = tiny_pdf() + os.urandom(3 * DB_CHUNK + 17)  # several chunks, the last one short
    stored = store.save(io.BytesIO(data), max_bytes=10 * DB_CHUNK)
    assert _content(store, stored.stored_name) == data
    assert (stored.size, stored.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    assert store.sha256(stored.stored_name) == stored.sha256
    assert stored.content_type == "application/pdf"
    assert store.listing() == [stored.stored_name]


def test_a_file_over_the_limit_is_refused_and_leaves_nothing(store):
    with pytest.raises(UploadRefused) as refused:
        store.save(io.BytesIO(tiny_pdf() + b"%" * (2 * DB_CHUNK)), max_bytes=DB_CHUNK)
    assert refused.value.message.msgid.startswith("This file is larger than %(mb)s MB.")
    assert store.listing() == []


def test_a_disguised_file_is_refused_by_its_content(store):
    with pytest.raises(UploadRefused, match="not a PDF, JPEG or PNG"):
        store.save(io.BytesIO(b"<html>not a pdf</html>"), max_bytes=DB_CHUNK)
    assert store.listing() == []


def test_a_deleted_file_is_gone(store):
    stored = store.save(io.BytesIO(tiny_pdf()), max_bytes=DB_CHUNK)
    assert store.delete(stored.stored_name) is True
    assert store.listing() == []
    with pytest.raises(MissingFile):
        store.read(stored.stored_name)


def test_downloads_read_the_same_from_either_store(db, tmp_path):
    data = tiny_pdf() + os.urandom(DB_CHUNK)
    answers = []
    for store in (FolderStore(tmp_path / "storage"), DatabaseStore(db)):
        stored = store.save(io.BytesIO(data), max_bytes=4 * DB_CHUNK)
        attachment = Attachment(
            content_id=1,
            stored_name=stored.stored_name,
            original_name="Rapport été.pdf",
            content_type=stored.content_type,
            size=stored.size,
            sha256=stored.sha256,
        )
        route = Route("/f", lambda _request, s=store, a=attachment: s.download_response(a))
        with TestClient(Starlette(routes=[route])) as client:
            answers.append(client.get("/f"))
    folder, database = answers
    assert folder.content == database.content == data
    for header in (
        "content-type",
        "content-disposition",
        "content-length",
        "x-content-type-options",
        "cache-control",
    ):
        assert folder.headers[header] == database.headers[header], header
    assert database.headers["content-disposition"].startswith("attachment;")


def test_a_missing_file_downloads_as_not_found(db):
    attachment = Attachment(
        content_id=1,
        stored_name="0" * 48,
        original_name="gone.pdf",
        content_type="application/pdf",
        size=1,
        sha256="",
    )
    route = Route("/f", lambda _request: DatabaseStore(db).download_response(attachment))
    with TestClient(Starlette(routes=[route])) as client:
        assert client.get("/f").status_code == 404


def test_orphans_in_the_database_are_swept_after_the_grace_period(db):
    store = DatabaseStore(db)
    stored = store.save(io.BytesIO(tiny_pdf()), max_bytes=DB_CHUNK)
    with db.read() as session:
        young = attachments.orphans(session=session, store=store, now=utcnow())
        old = attachments.orphans(session=session, store=store, now=utcnow() + timedelta(hours=2))
    assert young == []
    assert old == [stored.stored_name]
    assert attachments.remove_orphans(store=store, names=old) == old
    with db.read() as session:
        assert session.exec(select(StoredFileRow)).all() == []


def test_a_sweeping_machine_whose_clock_runs_fast_leaves_an_upload_in_flight(
    postgres_db, monkeypatch
):
    store = DatabaseStore(postgres_db)
    in_flight = store.save(io.BytesIO(tiny_pdf()), max_bytes=DB_CHUNK)  # its row not yet made
    fast = utcnow() + timedelta(hours=2)  # the sweeping machine's clock, two hours fast
    monkeypatch.setattr("prize.storage.utcnow", lambda: fast)
    with postgres_db.read() as session:
        assert attachments.orphans(session=session, store=store, now=fast) == []
    assert store.present([in_flight.stored_name]) == {in_flight.stored_name}


def test_files_move_from_a_folder_to_the_database_and_back_each_checked(db, tmp_path):
    clock = Clock()
    make_call(db, clock())
    application = start_application(db, clock())
    folder, database = FolderStore(tmp_path / "storage"), DatabaseStore(db)
    first = attach_file(db, folder, application.id, tiny_pdf(), NOW)
    second = attach_file(db, folder, application.id, tiny_pdf() + b"% two", NOW)
    expected = {first.stored_name: first.sha256, second.stored_name: second.sha256}

    moved = move_files(folder, database, expected=expected)

    assert sorted(moved) == sorted(expected)
    assert folder.listing() == []
    assert {name: database.sha256(name) for name in database.listing()} == expected
    assert move_files(database, folder, expected=expected) == sorted(expected)
    assert _content(folder, second.stored_name) == tiny_pdf() + b"% two"
    assert database.listing() == []


def test_a_move_whose_copy_does_not_match_deletes_nothing(db, tmp_path):
    folder = FolderStore(tmp_path / "storage")
    stored = folder.save(io.BytesIO(tiny_pdf()), max_bytes=DB_CHUNK)
    with pytest.raises(MoveFailed, match=stored.stored_name):
        move_files(folder, DatabaseStore(db), expected={stored.stored_name: "0" * 64})
    assert folder.listing() == [stored.stored_name]


def test_the_storage_command_moves_the_files_into_the_database(
    sqlite_db, tmp_path, monkeypatch, capsys
):
    make_call(sqlite_db, NOW)
    application = start_application(sqlite_db, NOW)
    folder = FolderStore(tmp_path / "files")
    attached = attach_file(sqlite_db, folder, application.id, tiny_pdf(), NOW)
    monkeypatch.setenv("PRIZE_DATABASE_URL", sqlite_db.url)
    monkeypatch.setenv("PRIZE_STORAGE_URL", folder.url)
    monkeypatch.setenv("PRIZE_SECRET_KEYS", TEST_KEYS[0])

    assert cli.main(["storage", "migrate", "--to", "database:"]) == 0

    assert "Moved 1 stored files" in capsys.readouterr().out
    assert folder.listing() == []
    assert DatabaseStore(sqlite_db).sha256(attached.stored_name) == attached.sha256


def test_the_storage_setting_defaults_to_the_database_on_postgresql(tmp_path):
    assert load({}, need_secret=False).storage == ("file", Settings().storage_dir)
    on_pg = load({"PRIZE_DATABASE_URL": "postgresql+psycopg://db/prize"}, need_secret=False)
    assert on_pg.storage == ("database", None)
    folder = load({"PRIZE_STORAGE_URL": (tmp_path / "x").as_uri()}, need_secret=False)
    assert folder.storage == ("file", tmp_path / "x")
    with pytest.raises(SettingsError, match="PRIZE_STORAGE_URL must be database: or file:///"):
        load({"PRIZE_STORAGE_URL": "s3://bucket"}, need_secret=False)


def test_a_backup_takes_the_files_from_the_database_and_restores_them_into_a_folder(
    sqlite_db, sqlite_template, tmp_path
):
    make_call(sqlite_db, NOW)
    application = start_application(sqlite_db, NOW)
    attached = attach_file(sqlite_db, DatabaseStore(sqlite_db), application.id, tiny_pdf(), NOW)
    archive = tmp_path / "backup.tar.gz"
    manifest = backup.create_backup(
        database_url=sqlite_db.url, store=DatabaseStore(sqlite_db), target=archive, now=NOW
    )
    assert [f["path"] for f in manifest["files"]] == [f"storage/{attached.stored_name}"]

    target_url = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    restored_folder = FolderStore(tmp_path / "restored-storage")
    backup.restore_backup(database_url=target_url, store=restored_folder, source=archive)

    assert restored_folder.sha256(attached.stored_name) == attached.sha256


def test_a_backup_fails_naming_the_attachment_whose_file_is_missing(sqlite_db, tmp_path):
    make_call(sqlite_db, NOW)
    application = start_application(sqlite_db, NOW)
    store = DatabaseStore(sqlite_db)
    attached = attach_file(sqlite_db, store, application.id, tiny_pdf(), NOW)
    store.delete(attached.stored_name)
    with pytest.raises(backup.BackupError) as refused:
        backup.create_backup(
            database_url=sqlite_db.url, store=store, target=tmp_path / "b.tar.gz", now=NOW
        )
    assert f"Attachment {attached.id} refers to the stored file {attached.stored_name}" in str(
        refused.value
    )
    assert not (tmp_path / "b.tar.gz").exists()


# --------------------------------------------------------------------------- two machines


@contextlib.contextmanager
def _machine(postgres_db: Database, folder, clock: Clock) -> Iterator[Starlette]:
    """One app server: its own disk folder, its own connections, the shared PostgreSQL."""
    settings = Settings(
        database_url=postgres_db.url,
        secret_keys=TEST_KEYS,
        base_url="http://testserver",
        storage_dir=folder,
        argon2_fast=True,
    )
    assert settings.storage == ("database", None)  # the default on PostgreSQL
    database = open_database(settings)
    try:
        yield create_app(settings, clock=clock, database=database)
    finally:
        database.dispose()


def _file_link(page_text: str, application_id: int) -> str:
    return page_text.split(f'href="/apply/{application_id}/files/')[1].split('"')[0]


def test_an_upload_through_one_machine_downloads_and_is_removed_through_the_other(
    postgres_db, tmp_path
):
    clock = Clock()
    make_call(postgres_db, clock())
    application = start_application(postgres_db, clock())
    link = f"/apply/link/{link_maker().token(application)}"
    data = tiny_pdf() + os.urandom(DB_CHUNK + 5)
    with (
        _machine(postgres_db, tmp_path / "disk-a", clock) as a,
        _machine(postgres_db, tmp_path / "disk-b", clock) as b,
        TestClient(a, follow_redirects=False) as on_a,
        TestClient(b, follow_redirects=False) as on_b,
    ):
        on_a.get(link)
        on_b.get(link)
        token = csrf_of(on_a, f"/apply/{application.id}/files")
        sent = on_a.post(
            f"/apply/{application.id}/files",
            data={"csrf_token": token},
            files={"file": ("report.pdf", data, "application/pdf")},
        )
        assert sent.status_code == 303
        page = on_b.get(f"/apply/{application.id}/files")
        file_id = _file_link(page.text, application.id)
        download = on_b.get(f"/apply/{application.id}/files/{file_id}")
        assert download.content == data

        removed = on_b.post(
            f"/apply/{application.id}/files/{file_id}/delete",
            data={"csrf_token": csrf_of(on_b, f"/apply/{application.id}/files")},
        )
        assert removed.status_code == 303
        assert on_a.get(f"/apply/{application.id}/files/{file_id}").status_code == 404
    assert DatabaseStore(postgres_db).listing() == []
    assert not (tmp_path / "disk-a").exists() or list((tmp_path / "disk-a").iterdir()) == []
