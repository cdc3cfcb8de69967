"""`prize backup` and `prize restore`: a round trip on SQLite and on PostgreSQL gives back every
row and every stored file; a bad or foreign file, or a non-empty installation, is refused."""

from __future__ import annotations

import io
import json
import os
import stat
import tarfile
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import SQLModel

from prize import backup, cli, schema
from prize.db import Database
from prize.domain.screening import screening
from prize.domain.shared import audit
from prize.models import ActorKind, ApplicationStatus, EditionState
from prize.storage import FolderStore
from tests import factories
from tests.appkit import TEST_KEYS
from tests.dbkit import TEST_AUDIT_KEYS, _pg_admin, _pg_url

NOW = datetime(2027, 7, 5, 9, tzinfo=UTC)


def _url(database: Database) -> str:
    return database.engine.url.render_as_string(hide_password=False)


def _seed(database: Database, storage: Path) -> None:
    """Applications with files, a screening decision (audit event and e-mail), a juror."""
    with database.write() as session:
        edition = factories.edition(session=session, state=EditionState.screening)
        app = factories.application(
            session=session,
            edition=edition,
            title="Théâtre intercités",
            attachments=[("report.pdf", factories.PDF), ("photo.png", b"\x89PNG\r\n\x1a\nxx")],
            storage_dir=storage,
        )
        factories.application(session=session, edition=edition, status=ApplicationStatus.draft)
        factories.juror(session=session, edition=edition)
        screening.screen(
            session=session,
            application=app,
            outcome=screening.Outcome(ApplicationStatus.eligible),
            actor=audit.Actor(ActorKind.staff, None),
            now=NOW,
        )


def snapshot(database: Database) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, in primary-key order."""
    rows = {}
    with database.engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            ordered = select(table).order_by(*table.primary_key.columns)
            rows[table.name] = [tuple(r) for r in conn.execute(ordered)]
    return rows


def files_of(storage: Path) -> dict[str, bytes]:
    return {
        p.relative_to(storage).as_posix(): p.read_bytes() for p in storage.rglob("*") if p.is_file()
    }


def _round_trip(source: Database, target_url: str, tmp_path: Path) -> Database:
    storage = tmp_path / "storage"
    _seed(source, storage)
    archive = tmp_path / "backup.tar.gz"
    manifest = backup.create_backup(
        database_url=_url(source), store=FolderStore(storage), target=archive, now=NOW
    )
    assert manifest["alembic_revision"] == schema.head_revision()
    assert len(manifest["files"]) == 2
    with source.read() as session:
        head = audit.head(session=session)
    assert head is not None and head.id > 0
    assert manifest["audit_head"] == {"id": head.id, "hash": head.hash}
    restored_storage = tmp_path / "restored-storage"
    backup.restore_backup(
        database_url=target_url, store=FolderStore(restored_storage), source=archive
    )
    restored = Database(target_url, audit_keys=TEST_AUDIT_KEYS)
    assert snapshot(restored) == snapshot(source)
    assert snapshot(source)["application"]  # the comparison compared something
    assert files_of(restored_storage) == files_of(storage)
    with restored.read() as session:
        assert audit.verify(session=session, anchor=head).ok
    return restored


# --------------------------------------------------------------------------- round trips


def test_sqlite_round_trip_onto_a_new_file(sqlite_db, tmp_path):
    target = f"sqlite:///{tmp_path / 'new' / 'prize.sqlite3'}"
    restored = _round_trip(sqlite_db, target, tmp_path)
    assert schema.current_revision(restored.engine) == schema.head_revision()
    restored.dispose()


def test_sqlite_round_trip_onto_a_migrated_empty_database(sqlite_db, sqlite_template, tmp_path):
    empty = tmp_path / "empty.sqlite3"
    empty.write_bytes(sqlite_template.read_bytes())
    restored = _round_trip(sqlite_db, f"sqlite:///{empty}", tmp_path)
    restored.dispose()


@pytest.fixture
def empty_pg():
    """A new PostgreSQL database with nothing in it (not even the schema)."""
    name = f"prize_restore_{uuid.uuid4().hex[:10]}"
    with _pg_admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield _pg_url(name)
    with _pg_admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.postgres
def test_postgres_round_trip_with_pg_restore_into_a_fresh_database(postgres_db, empty_pg, tmp_path):
    restored = _round_trip(postgres_db, empty_pg, tmp_path)
    with restored.write() as session:  # sequences came back too: new rows get new ids
        edition = factories.edition(session=session, year=2031)
        assert edition.id == 2
    restored.dispose()


@pytest.mark.postgres
def test_postgres_round_trip_onto_a_migrated_empty_database(postgres_db, empty_pg, tmp_path):
    schema.upgrade(empty_pg)
    restored = _round_trip(postgres_db, empty_pg, tmp_path)
    restored.dispose()


# --------------------------------------------------------------------------- refusals


@pytest.fixture
def archive(sqlite_db, tmp_path) -> Path:
    _seed(sqlite_db, tmp_path / "storage")
    path = tmp_path / "backup.tar.gz"
    backup.create_backup(
        database_url=_url(sqlite_db), store=FolderStore(tmp_path / "storage"), target=path, now=NOW
    )
    return path


def _restore(
    source: Path, tmp_path: Path, url: str | None = None, storage: Path | None = None
) -> None:
    backup.restore_backup(
        database_url=url or f"sqlite:///{tmp_path / 'target.sqlite3'}",
        store=FolderStore(storage or tmp_path / "target-storage"),
        source=source,
    )


def _rewrite(source: Path, target: Path, change) -> Path:
    """A copy of the archive with ``change(name, data) -> (name, data) | None`` applied."""
    with tarfile.open(source, "r:gz") as old, tarfile.open(target, "w:gz") as new:
        for member in old.getmembers():
            data = old.extractfile(member).read()
            changed = change(member.name, data)
            if changed is None:
                continue
            info = tarfile.TarInfo(changed[0])
            info.size = len(changed[1])
            new.addfile(info, io.BytesIO(changed[1]))
    return target


def test_a_file_that_is_not_an_archive_is_refused(tmp_path):
    bad = tmp_path / "holiday.jpg"
    bad.write_bytes(b"\xff\xd8\xff not a backup")
    with pytest.raises(backup.BackupError) as error:
        _restore(bad, tmp_path)
    assert "is not a readable Prize backup (a tar.gz archive)" in str(error.value)
    assert not (tmp_path / "target.sqlite3").exists()


def test_a_foreign_archive_is_refused(tmp_path):
    foreign = tmp_path / "other.tar.gz"
    with tarfile.open(foreign, "w:gz") as tar:
        data = b'{"hello": "world"}'
        info = tarfile.TarInfo("manifest.json")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    with pytest.raises(backup.BackupError) as error:
        _restore(foreign, tmp_path)
    assert str(error.value) == "This archive is not a Prize backup (it has no Prize manifest)."


def test_a_damaged_backup_is_refused(archive, tmp_path):
    def corrupt(name, data):
        return (name, data[:-1] + b"!") if name.startswith("storage/") else (name, data)

    damaged = _rewrite(archive, tmp_path / "damaged.tar.gz", corrupt)
    with pytest.raises(backup.BackupError) as error:
        _restore(damaged, tmp_path)
    assert "The backup is damaged: storage/" in str(error.value)
    assert not (tmp_path / "target.sqlite3").exists()
    assert not (tmp_path / "target-storage").exists()


def test_an_archive_with_a_path_outside_is_refused(archive, tmp_path):
    def escape(name, data):
        return ("storage/../../evil.txt", data) if name.startswith("storage/") else (name, data)

    evil = _rewrite(archive, tmp_path / "evil.tar.gz", escape)
    with pytest.raises(backup.BackupError) as error:
        _restore(evil, tmp_path)
    assert "unsafe entry" in str(error.value)
    assert not (tmp_path.parent / "evil.txt").exists()


def test_a_newer_format_is_refused(archive, tmp_path):
    def bump(name, data):
        if name != "manifest.json":
            return (name, data)
        manifest = json.loads(data)
        manifest["version"] = 99
        return (name, json.dumps(manifest).encode())

    newer = _rewrite(archive, tmp_path / "newer.tar.gz", bump)
    with pytest.raises(backup.BackupError) as error:
        _restore(newer, tmp_path)
    assert "format version is 99" in str(error.value)


def test_restore_onto_a_database_with_rows_is_refused(archive, sqlite_db, tmp_path):
    before = snapshot(sqlite_db)
    with pytest.raises(backup.BackupError) as error:
        _restore(archive, tmp_path, url=_url(sqlite_db))
    assert str(error.value).startswith("The database is not empty (")
    assert "restore onto an empty installation" in str(error.value)
    assert snapshot(sqlite_db) == before


def test_restore_with_a_non_empty_storage_folder_is_refused(archive, tmp_path):
    storage = tmp_path / "busy"
    storage.mkdir()
    (storage / "keep.txt").write_text("mine")
    with pytest.raises(backup.BackupError) as error:
        _restore(archive, tmp_path, storage=storage)
    assert f"The storage folder {storage} is not empty" in str(error.value)
    assert (storage / "keep.txt").read_text() == "mine"
    assert not (tmp_path / "target.sqlite3").exists()


@pytest.mark.postgres
def test_a_sqlite_backup_is_refused_on_postgres(archive, empty_pg, tmp_path):
    with pytest.raises(backup.BackupError) as error:
        _restore(archive, tmp_path, url=empty_pg)
    assert "This backup holds a sqlite database; this installation uses postgresql." in str(
        error.value
    )


def test_backup_refuses_to_overwrite_a_file(sqlite_db, tmp_path):
    target = tmp_path / "exists.tar.gz"
    target.write_text("precious")
    with pytest.raises(backup.BackupError) as error:
        backup.create_backup(
            database_url=_url(sqlite_db), store=FolderStore(tmp_path), target=target, now=NOW
        )
    assert "exists already" in str(error.value)
    assert target.read_text() == "precious"


def test_a_backup_and_the_files_it_restores_are_readable_by_their_owner_only(sqlite_db, tmp_path):
    previous = os.umask(0)  # whatever the umask: here one that takes nothing away
    try:
        storage = tmp_path / "storage"
        _seed(sqlite_db, storage)
        archive = tmp_path / "backup.tar.gz"
        backup.create_backup(
            database_url=_url(sqlite_db), store=FolderStore(storage), target=archive, now=NOW
        )
        restored = tmp_path / "restored-storage"
        backup.restore_backup(
            database_url=f"sqlite:///{tmp_path / 'new.sqlite3'}",
            store=FolderStore(restored),
            source=archive,
        )
    finally:
        os.umask(previous)
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    assert stat.S_IMODE(restored.stat().st_mode) == 0o700
    modes = {stat.S_IMODE(p.stat().st_mode) for p in restored.iterdir()}
    assert len(list(restored.iterdir())) == 2
    assert modes == {0o600}


@pytest.mark.postgres
def test_backup_without_pg_dump_says_what_to_install(postgres_db, tmp_path):
    target = tmp_path / "pg.tar.gz"
    with pytest.raises(backup.BackupError) as error:
        backup.create_backup(
            database_url=_url(postgres_db),
            store=FolderStore(tmp_path),
            target=target,
            now=NOW,
            pg_dump="pg_dump-not-installed",
        )
    assert str(error.value).startswith(
        "pg_dump-not-installed was not found. Install the PostgreSQL"
    )
    assert not target.exists()


# --------------------------------------------------------------------------- the commands


def _env(monkeypatch, url: str, storage: Path) -> None:
    monkeypatch.setenv("PRIZE_DATABASE_URL", url)
    monkeypatch.setenv("PRIZE_SECRET_KEYS", TEST_KEYS[0])
    monkeypatch.setenv("PRIZE_STORAGE_DIR", str(storage))


def test_commands_back_up_and_restore(sqlite_db, tmp_path, monkeypatch, capsys):
    storage = tmp_path / "storage"
    _seed(sqlite_db, storage)
    _env(monkeypatch, _url(sqlite_db), storage)
    with sqlite_db.read() as session:
        head = audit.head(session=session)
    assert head is not None
    file = tmp_path / "nightly.tar.gz"
    assert cli.main(["backup", str(file)]) == 0
    assert capsys.readouterr().out.endswith(
        f"and 2 stored files to {file}.\n"
        f"Audit log head: {head} (keep it elsewhere; `prize audit verify --head` checks it).\n"
    )
    assert cli.main(["restore", str(file)]) == 1  # onto the same, non-empty installation
    assert "prize restore: The database is not empty" in capsys.readouterr().err
    target = tmp_path / "fresh.sqlite3"
    _env(monkeypatch, f"sqlite:///{target}", tmp_path / "fresh-storage")
    assert cli.main(["restore", str(file)]) == 0
    out = capsys.readouterr().out
    assert "Restored the backup made 20" in out
    assert out.endswith(
        f"Its audit log head was {head}: compare it with the copy you kept, then check the log "
        f"with `prize audit verify --head {head.id}:{head.hash}`.\n"
    )
    assert cli.main(["audit", "verify", "--head", f"{head.id}:{head.hash}"]) == 0
    assert f"Nothing up to entry #{head.id} was dropped or changed" in capsys.readouterr().out
    restored = Database(f"sqlite:///{target}", audit_keys=TEST_AUDIT_KEYS)
    assert snapshot(restored) == snapshot(sqlite_db)
    restored.dispose()


def test_restore_command_refuses_a_bad_file(tmp_path, monkeypatch, capsys):
    _env(monkeypatch, f"sqlite:///{tmp_path / 'x.sqlite3'}", tmp_path / "s")
    bad = tmp_path / "notes.txt"
    bad.write_text("hello")
    assert cli.main(["restore", str(bad)]) == 1
    assert "is not a readable Prize backup" in capsys.readouterr().err
