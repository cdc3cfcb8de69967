"""Backing up an installation into one file, and restoring it onto an empty one.

The archive is a ``tar.gz`` holding:

- ``manifest.json``: the format and its version, when it was made, the database engine, the
  Alembic revision, the audit chain's head (``audit_head``: the newest entry's id and hash when
  the backup began, every entry up to it being in the archive: keep it, and check a restored
  database with ``prize audit verify --head ID:HASH``), and the size and SHA-256 of every other
  member;
- ``database/prize.sqlite3`` (SQLite's online backup API, consistent while the app runs) or
  ``database/prize.pgdump`` (``pg_dump --format=custom``);
- ``storage/NAME``: every uploaded file, read from the store whatever its backend (a folder, or
  the database, where the dump holds them too). A backup refuses, naming the attachment, when an
  attachment's file is missing from the store.

The archive holds everyone's personal data: it is written readable by its owner only (0600),
whatever the umask, and so are the files a restore puts back (in a 0700 storage folder).

``restore_backup`` checks the whole archive (members, checksums, engine, revision) before it
touches anything, and restores only onto an empty installation: a database without rows (no
tables, or a freshly migrated schema) and an empty storage folder; the files go into the
installation's store, whichever backend it has (so a restore also moves files between backends).
Every refusal is a
``BackupError`` whose message says what is wrong and what to do.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess  # nosec B404: only to run the PostgreSQL client programs, with argument lists, never a shell
import tarfile
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import func, inspect, select, table
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col

from prize import schema
from prize.db import make_engine
from prize.domain.shared import audit
from prize.models import Attachment
from prize.storage import FolderStore, MissingFile, Store, is_stored_name, sniff

FORMAT = "prize-backup"
VERSION = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database/prize.sqlite3"
PG_MEMBER = "database/prize.pgdump"
STORAGE_PREFIX = "storage/"
CHUNK = 1024 * 1024
PRIVATE_FILE = 0o600


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why and what to do."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _entry(path: Path, name: str) -> dict[str, Any]:
    return {"path": name, "size": path.stat().st_size, "sha256": _sha256(path)}


def engine_name(url: str) -> str:
    backend = make_url(url).get_backend_name()
    if backend not in {"sqlite", "postgresql"}:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {backend}.")
    return backend


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("The database is in memory: there is nothing on disk to back up.")
    return Path(database)


def _pg_args(url: URL) -> tuple[list[str], dict[str, str]]:
    """Connection options for pg_dump/pg_restore, and the environment (the password stays in
    the environment, never on a command line)."""
    args: list[str] = []
    if url.host:
        args += ["--host", url.host]
    if url.port:
        args += ["--port", str(url.port)]
    if url.username:
        args += ["--username", url.username]
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    sslmode = url.query.get("sslmode")
    if isinstance(sslmode, str):
        env["PGSSLMODE"] = sslmode
    return args, env


def _program(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} was not found. Install the PostgreSQL client programs, of a version at "
            "least the server's (Debian: apt-get install postgresql-client), and try again."
        )
    return found


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603  # nosec B603: an argument list built here from settings, no shell and no user input
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()[-5:]
        raise BackupError(f"{Path(command[0]).name} failed: " + " / ".join(detail))


def _sqlite_copy(source: Path, target: Path) -> None:
    """Copy an SQLite database with SQLite's online backup API: consistent even while the app
    writes to ``source``, and waiting for a writer of ``target``."""
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(target, timeout=30)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


@contextlib.contextmanager
def _private_file(path: Path) -> Iterator[BinaryIO]:
    """A new file readable and writable by its owner only (0600), whatever the umask: a backup
    holds every applicant's and juror's personal data."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    with open(fd, "wb") as raw:
        os.fchmod(fd, PRIVATE_FILE)
        yield raw


@contextlib.contextmanager
def _engine(url: str) -> Iterator[Engine]:
    engine = make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


# --------------------------------------------------------------------------- backup


def create_backup(
    *,
    database_url: str,
    store: Store,
    target: Path,
    now: datetime,
    pg_dump: str = "pg_dump",
) -> dict[str, Any]:
    """Write one archive of the database and the stored files to ``target``; return its manifest."""
    engine = engine_name(database_url)
    if target.exists():
        raise BackupError(f"{target} exists already: choose another file name.")
    with _engine(database_url) as connection_engine:
        revision = schema.current_revision(connection_engine)
        if revision is None:
            raise BackupError("The database has no schema yet (run `prize migrate` first).")
        # Read before the dump: entries are only ever appended, so the dump holds this one.
        with Session(connection_engine) as session:
            head = audit.head(session=session)
            attached = list(
                session.execute(select(col(Attachment.id), col(Attachment.stored_name)))
            )
    with tempfile.TemporaryDirectory(prefix="prize-backup-") as work:
        dump = Path(work) / "database"
        member = _dump_database(database_url, engine=engine, dump=dump, pg_dump=pg_dump)
        files = _stored_files(store, attached, Path(work) / "storage")
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "created_at": now.isoformat(),
            "engine": engine,
            "alembic_revision": revision,
            "audit_head": None if head is None else {"id": head.id, "hash": head.hash},
            "database": _entry(dump, member),
            "files": [_entry(path, name) for path, name in files],
        }
        manifest_path = Path(work) / MANIFEST
        manifest_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        partial = target.with_name(target.name + ".partial")
        partial.unlink(missing_ok=True)  # left by an interrupted backup
        try:
            with _private_file(partial) as raw, tarfile.open(fileobj=raw, mode="w:gz") as archive:
                archive.add(manifest_path, MANIFEST)
                archive.add(dump, member)
                for path, name in files:
                    archive.add(path, name)
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
    return manifest


def _dump_database(database_url: str, *, engine: str, dump: Path, pg_dump: str) -> str:
    """Copy the database to ``dump`` (SQLite's backup API, or ``pg_dump``); return the member
    name it takes in the archive."""
    if engine == "sqlite":
        source = _sqlite_path(database_url)
        if not source.is_file():
            raise BackupError(f"The database file {source} does not exist.")
        _sqlite_copy(source, dump)
        return SQLITE_MEMBER
    url = make_url(database_url)
    args, env = _pg_args(url)
    command = [_program(pg_dump), "--format=custom", "--no-owner", "--no-privileges"]
    _run([*command, *args, "--file", str(dump), str(url.database)], env)
    return PG_MEMBER


def _stored_files(store: Store, attached: list[Any], work: Path) -> list[tuple[Path, str]]:
    """Each stored file an attachment refers to, copied from ``store`` into ``work``, and its
    member name in the archive, in name order; ``BackupError`` naming an attachment whose file
    the store does not hold."""
    work.mkdir(mode=0o700, exist_ok=True)
    files = []
    for name in sorted({stored_name for _, stored_name in attached}):
        path = work / name
        try:
            with _private_file(path) as copy:
                for chunk in store.read(name):
                    copy.write(chunk)
        except MissingFile:
            ids = ", ".join(str(i) for i, stored_name in attached if stored_name == name)
            raise BackupError(
                f"Attachment {ids} refers to the stored file {name}, which {store.url} does not "
                "hold: nothing was backed up. Put the file back (or remove the attachment), "
                "then back up again."
            ) from None
        files.append((path, STORAGE_PREFIX + name))
    return files


# --------------------------------------------------------------------------- restore


def _safe_member(name: str) -> bool:
    path = PurePosixPath(name)
    return not path.is_absolute() and ".." not in path.parts and name == path.as_posix()


def _read_manifest(archive: tarfile.TarFile) -> dict[str, Any]:
    try:
        member = archive.getmember(MANIFEST)
        raw = archive.extractfile(member)
        manifest = json.loads(raw.read(1024 * 1024)) if raw else None
    except (KeyError, ValueError, UnicodeDecodeError):
        manifest = None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError("This archive is not a Prize backup (it has no Prize manifest).")
    if manifest.get("version") != VERSION:
        raise BackupError(
            f"This backup's format version is {manifest.get('version')!r}; this Prize reads "
            f"version {VERSION}. Restore it with the Prize version that made it."
        )
    if manifest.get("engine") not in {"sqlite", "postgresql"} or not isinstance(
        manifest.get("database"), dict
    ):
        raise BackupError("The backup's manifest is damaged (engine or database missing).")
    return manifest


def _unpack(source: Path, work: Path) -> dict[str, Any]:
    """Extract and check the archive into ``work``; return its manifest."""
    if not source.is_file():
        raise BackupError(f"{source} does not exist.")
    try:
        with tarfile.open(source, "r:gz") as archive:
            manifest = _read_manifest(archive)
            expected = {manifest["database"].get("path")}
            expected |= {f.get("path") for f in manifest.get("files", []) if isinstance(f, dict)}
            for member in archive.getmembers():
                if not _safe_member(member.name) or not (member.isfile() or member.isdir()):
                    raise BackupError(f"The backup holds an unsafe entry ({member.name!r}).")
                if member.isfile() and member.name != MANIFEST and member.name not in expected:
                    raise BackupError(f"The backup holds an unexpected file ({member.name!r}).")
            archive.extractall(work, filter="data")
    except (tarfile.TarError, EOFError, OSError, ValueError) as error:
        raise BackupError(
            f"{source} is not a readable Prize backup (a tar.gz archive): {error}"
        ) from None
    entries = [manifest["database"], *manifest.get("files", [])]
    for entry in entries:
        name = str(entry.get("path", ""))
        path = work / name
        if not _safe_member(name) or not path.is_file():
            raise BackupError(f"The backup is incomplete: {name or 'a file'} is missing.")
        if path.stat().st_size != entry.get("size") or _sha256(path) != entry.get("sha256"):
            raise BackupError(f"The backup is damaged: {name} does not match its checksum.")
    database_member = manifest["database"]["path"]
    wanted = SQLITE_MEMBER if manifest["engine"] == "sqlite" else PG_MEMBER
    if database_member != wanted:
        raise BackupError("The backup's manifest is damaged (database member).")
    return manifest


def _check_revision(revision: object) -> None:
    scripts = ScriptDirectory.from_config(schema.alembic_config("sqlite://"))
    try:
        known = isinstance(revision, str) and scripts.get_revision(revision) is not None
    except CommandError:
        known = False
    if not known:
        raise BackupError(
            f"The backup's schema revision {revision!r} is unknown to this Prize version: "
            "restore it with the version that made it (or a newer one)."
        )


def _rows_in(engine: Engine) -> tuple[list[str], str | None, dict[str, int]]:
    """The tables, the Alembic revision and the tables holding rows of their own."""
    names = inspect(engine).get_table_names()
    busy: dict[str, int] = {}
    with engine.connect() as conn:
        for name in names:
            if name == "alembic_version":
                continue
            n = int(conn.execute(select(func.count()).select_from(table(name))).scalar_one())
            if name == "audit_head":
                n = int(conn.exec_driver_sql("SELECT last_id FROM audit_head").scalar() or 0)
            if n:
                busy[name] = n
    revision = schema.current_revision(engine) if "alembic_version" in names else None
    return names, revision, busy


def check_empty(*, database_url: str, store: Store, revision: str | None = None) -> bool:
    """Refuse (``BackupError``) unless the installation is empty; True when it has a schema."""
    names: list[str] = []
    if engine_name(database_url) != "sqlite" or _has_file(_sqlite_path(database_url)):
        names = _check_database(database_url, revision)
    if isinstance(store, FolderStore) and store.root.exists() and any(store.root.iterdir()):
        raise BackupError(
            f"The storage folder {store.root} is not empty: restore onto an empty installation "
            "(a new database and an empty storage folder)."
        )
    return bool(names)


def _has_file(path: Path) -> bool:
    """An SQLite file with something in it (SQLite makes an empty one on first connection)."""
    return path.exists() and path.stat().st_size > 0


def _check_database(database_url: str, revision: str | None) -> list[str]:
    try:
        with _engine(database_url) as engine:
            names, current, busy = _rows_in(engine)
    except OperationalError as error:
        raise BackupError(f"Cannot open the database: {error.orig}") from None
    if busy:
        described = ", ".join(f"{n} rows in {t}" for t, n in sorted(busy.items())[:3])
        raise BackupError(
            f"The database is not empty ({described}): restore onto an empty installation "
            "(a new database and an empty storage folder)."
        )
    if names and revision is not None and current != revision:
        raise BackupError(
            f"The database has a schema at revision {current!r}, the backup {revision!r}: "
            "restore onto a new, empty database."
        )
    return names


def restore_backup(
    *,
    database_url: str,
    store: Store,
    source: Path,
    pg_restore: str = "pg_restore",
) -> dict[str, Any]:
    """Bring a backup back onto an empty installation; return the backup's manifest."""
    engine = engine_name(database_url)
    with tempfile.TemporaryDirectory(prefix="prize-restore-") as tmp:
        work = Path(tmp)
        manifest = _unpack(source, work)
        if manifest["engine"] != engine:
            raise BackupError(
                f"This backup holds a {manifest['engine']} database; this installation uses "
                f"{engine}. Restore it onto a {manifest['engine']} installation."
            )
        _check_revision(manifest.get("alembic_revision"))
        has_schema = check_empty(
            database_url=database_url,
            store=store,
            revision=manifest["alembic_revision"],
        )
        dump = work / manifest["database"]["path"]
        if engine == "sqlite":
            target = _sqlite_path(database_url)
            target.parent.mkdir(parents=True, exist_ok=True)
            _sqlite_copy(dump, target)
        else:
            url = make_url(database_url)
            args, env = _pg_args(url)
            command = [_program(pg_restore), "--no-owner", "--no-privileges"]
            command += ["--single-transaction", "--exit-on-error"]
            if has_schema:
                command += ["--clean", "--if-exists"]
            _run([*command, *args, "--dbname", str(url.database), str(dump)], env)
        _put_files(store, work, manifest.get("files", []))
    return manifest


def _put_files(store: Store, work: Path, entries: list[dict[str, Any]]) -> None:
    """Put the archive's files into ``store`` (a file the restored database already holds, in a
    database store, is kept as it is once its checksum matches)."""
    store.make_ready()
    held = set(store.listing())
    for entry in entries:
        member = str(entry["path"])
        name = member.removeprefix(STORAGE_PREFIX)
        if not is_stored_name(name):
            continue  # an upload's temporary, in a backup from an earlier version
        if name in held and store.sha256(name) == entry.get("sha256"):
            continue
        with (work / member).open("rb") as source_file:
            content_type = sniff(source_file.read(16)) or "application/octet-stream"
            source_file.seek(0)
            store.put(name, iter(lambda: source_file.read(CHUNK), b""), content_type=content_type)
