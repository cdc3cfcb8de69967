"""Uploaded files: checked on their content, stored under random names, given back as downloads
only, in one of two backends chosen by ``PRIZE_STORAGE_URL`` (``Settings.storage``):

- ``FolderStore``, a folder on this machine's disk (one machine, or a folder every machine
  mounts): a file is written under a temporary name and renamed into place, so a half-written
  file never carries a stored name; files are readable by their owner only (0600) and the folder
  is made 0700, whatever the umask.
- ``DatabaseStore``, the database itself (several machines on one PostgreSQL): a file is one
  ``stored_file`` row and its content ``stored_chunk`` rows of ``DB_CHUNK`` bytes, written in one
  transaction (never half there) and read back one chunk per query, so memory stays constant
  whatever the file's size.

Both stream from the request's spooled temporary file in chunks, compute the SHA-256 on the way,
decide the type by the first bytes (never by the name or the type the client claims), cap the
size, and answer downloads with the same headers.

A file whose attachment row is gone (a removal the store refused, a crash between writing a file
and committing its row) is an *orphan*: ``listing`` and ``written_before`` serve the sweep in
``prize.domain.applicants.attachments``, which removes them once they are older than a grace
period; a deletion the store refuses is logged (by the file's random name only) and left to that
sweep.
"""

from __future__ import annotations

import abc
import contextlib
import hashlib
import io
import itertools
import logging
import os
import re
import secrets
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import quote

from sqlalchemy import delete, event, insert, update
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import col, select
from starlette.exceptions import HTTPException
from starlette.responses import FileResponse, Response, StreamingResponse

from prize.db import Database
from prize.formats import Quantity
from prize.i18n import Message
from prize.models import Attachment, StoredChunk, StoredFileRow, utcnow
from prize.settings import DATABASE_STORAGE, Settings

CHUNK = 64 * 1024
PROBE = b"prize health probe\n"
# The size of each stored_chunk row of a file kept in the database.
DB_CHUNK = 256 * 1024
# Allowed types, recognised by their signatures ("magic bytes").
SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
)
_STORED_NAME = re.compile(r"^[0-9a-f]{48}$")
TEMPORARY_PREFIX = ".upload-"
# What the storage folder may hold: stored files, and temporaries a crash left mid-upload.
_OWN_NAME = re.compile(rf"^(?:{re.escape(TEMPORARY_PREFIX)})?[0-9a-f]{{48}}$")
FILE_MODE = 0o600
FOLDER_MODE = 0o700

log = logging.getLogger("prize.storage")


class UploadRefused(Exception):
    """A file that is not stored; ``message`` says why, in words for the person who sent it."""

    def __init__(self, message: Message) -> None:
        super().__init__(message.msgid)
        self.message = message


@dataclass(frozen=True)
class StoredFile:
    stored_name: str
    size: int
    sha256: str
    content_type: str


def sniff(head: bytes) -> str | None:
    """The content type of a file starting with ``head``, if it is one we accept."""
    for signature, content_type, _ in SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


def extension(content_type: str) -> str:
    return next((ext for _, ct, ext in SIGNATURES if ct == content_type), "")


def clean_filename(name: str, content_type: str) -> str:
    """The client's file name, for display and downloads only: no folders, no control
    characters, at most 255 characters, ending with the extension its content deserves."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(
        c for c in unicodedata.normalize("NFC", name) if unicodedata.category(c)[0] != "C"
    )
    name = name.strip().strip(".") or "file"
    stem, dot, ext = name.rpartition(".")
    wanted = extension(content_type)
    if not dot or f".{ext.lower()}" not in {wanted, ".jpeg" if wanted == ".jpg" else wanted}:
        stem, ext = name, wanted.lstrip(".")
    stem = stem[: 250 - len(ext)]
    return f"{stem}.{ext}" if ext else stem


class MissingFile(Exception):
    """A stored name the store does not hold."""


class Store(abc.ABC):
    """Where uploaded files live; ``open_store`` gives the one the settings choose."""

    #: How the store is named in messages and PRIZE_STORAGE_URL (``database:``, ``file:///...``).
    url: str

    def save(self, source: BinaryIO, *, max_bytes: int) -> StoredFile:
        """Copy ``source`` (read from its start) into the store, or raise ``UploadRefused``."""
        with contextlib.suppress(OSError, ValueError):
            source.seek(0)
        head = source.read(CHUNK)
        if not head:
            raise UploadRefused(Message("The file is empty. Choose another file."))
        content_type = sniff(head)
        if content_type is None:
            raise UploadRefused(
                Message("This file is not a PDF, JPEG or PNG. Choose a file of one of these types.")
            )
        counted = _Counted(_chunks(source, head), max_bytes=max_bytes)
        stored_name = secrets.token_hex(24)
        try:
            self._write(stored_name, counted, content_type)
        except (OSError, SQLAlchemyError):
            raise UploadRefused(
                Message(
                    "The file could not be stored just now. Your draft is unchanged; please try "
                    "again later, and tell the secretariat if it keeps happening."
                )
            ) from None
        return StoredFile(stored_name, counted.size, counted.digest.hexdigest(), content_type)

    def put(self, stored_name: str, chunks: Iterable[bytes], *, content_type: str) -> StoredFile:
        """Store ``chunks`` under a name given (a file moved from another store, or restored)."""
        _check_name(stored_name)
        counted = _Counted(iter(chunks), max_bytes=None)
        self._write(stored_name, counted, content_type)
        return StoredFile(stored_name, counted.size, counted.digest.hexdigest(), content_type)

    def sha256(self, stored_name: str) -> str:
        """The SHA-256 of a stored file's content as read back now (``MissingFile`` if absent)."""
        digest = hashlib.sha256()
        for chunk in self.read(stored_name):
            digest.update(chunk)
        return digest.hexdigest()

    @abc.abstractmethod
    def _write(self, stored_name: str, chunks: Iterable[bytes], content_type: str) -> None:
        """Write all of ``chunks`` under ``stored_name``, all or nothing."""

    @abc.abstractmethod
    def read(self, stored_name: str) -> Iterator[bytes]:
        """A stored file's content in chunks; ``MissingFile`` (at once) when it is not here."""

    @abc.abstractmethod
    def delete(self, stored_name: str) -> bool:
        """Remove a stored file; False when the store refused, which is logged: the file is
        then an orphan, and the sweep tries again later."""

    @abc.abstractmethod
    def listing(self) -> list[str]:
        """Every name the store holds (in a folder, upload temporaries too), in name order."""

    @abc.abstractmethod
    def written_before(self, names: Iterable[str], *, before: datetime) -> list[str]:
        """Those of ``names`` written before ``before`` (a file gone meanwhile is left out)."""

    def present(self, names: Iterable[str]) -> set[str]:
        """Those of ``names`` the store holds now (``/health``'s check of attached files)."""
        return {name for name in names if self._holds(name)}

    @abc.abstractmethod
    def _holds(self, stored_name: str) -> bool:
        """Whether the store holds ``stored_name`` now."""

    def download_response(self, attachment: Attachment) -> Response:
        """The file as a download (never shown inline from our origin), under its client name."""
        return self.file_response(
            attachment.stored_name, attachment.content_type, attachment.original_name
        )

    @abc.abstractmethod
    def file_response(self, stored_name: str, content_type: str, filename: str) -> Response:
        """A stored file as a download under ``filename``; 404 when the store lacks it."""

    def delete_after_commit(self, session: Any, names: Iterable[str]) -> None:
        """Remove ``names`` once ``session``'s transaction commits (never on a rollback: the
        rows that name them are back)."""
        chosen = sorted(set(names))
        if not chosen:
            return

        def remove(_session: Any) -> None:
            for name in chosen:
                self.delete(name)

        event.listen(session, "after_commit", remove, once=True)

    def probe(self) -> bool:
        """Whether a small file can be written, read back whole and deleted now (``/health``)."""
        name = secrets.token_hex(24)
        try:
            self.put(name, [PROBE], content_type="application/octet-stream")
            try:
                return b"".join(self.read(name)) == PROBE
            finally:
                self.delete(name)
        except (OSError, SQLAlchemyError, MissingFile):
            return False

    def make_ready(self) -> None:  # noqa: B027 (nothing to make, but in a folder)
        """Make whatever the store needs before its first file (a folder's folder)."""


class _Counted:
    """Chunks passed through, counted, hashed and capped (``UploadRefused`` past ``max_bytes``)."""

    def __init__(self, chunks: Iterator[bytes], *, max_bytes: int | None) -> None:
        self.chunks = chunks
        self.max_bytes = max_bytes
        self.size = 0
        self.digest = hashlib.sha256()

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.chunks:
            self.size += len(chunk)
            if self.max_bytes is not None and self.size > self.max_bytes:
                raise UploadRefused(
                    Message(
                        "This file is larger than %(mb)s MB. Choose a smaller file.",
                        {"mb": megabytes(self.max_bytes)},
                    )
                )
            self.digest.update(chunk)
            yield chunk


def _chunks(source: BinaryIO, head: bytes) -> Iterator[bytes]:
    chunk = head
    while chunk:
        yield chunk
        chunk = source.read(CHUNK)


def is_stored_name(name: str) -> bool:
    """Whether ``name`` is a stored file's random name (not a temporary, not a path)."""
    return bool(_STORED_NAME.match(name))


def _check_name(stored_name: str) -> None:
    if not is_stored_name(stored_name):
        raise ValueError("not a stored name")


def _download_headers(filename: str) -> dict[str, str]:
    """The headers of every download, whatever the store (as Starlette's ``FileResponse``
    writes the file name)."""
    quoted = quote(filename)
    if quoted != filename:
        disposition = f"attachment; filename*=utf-8''{quoted}"
    else:
        disposition = f'attachment; filename="{filename}"'
    return {
        "Content-Disposition": disposition,
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-store",
    }


class FolderStore(Store):
    """A storage folder (``file:///...``, or ``PRIZE_STORAGE_DIR``); it is never served as static
    files."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.url = self.root.resolve().as_uri()

    def path(self, stored_name: str) -> Path:
        _check_name(stored_name)
        return self.root / stored_name

    def make_ready(self) -> None:
        """Create the folder (and its parents) if missing; a folder made here is 0700."""
        if self.root.is_dir():
            return
        self.root.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
        self.root.chmod(FOLDER_MODE)  # the umask may have taken bits off mkdir's mode

    make_folder = make_ready

    def _write(self, stored_name: str, chunks: Iterable[bytes], content_type: str) -> None:
        temporary = self.root / f"{TEMPORARY_PREFIX}{stored_name}"
        try:
            self.make_ready()
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
            with open(fd, "wb") as target:
                os.fchmod(fd, FILE_MODE)  # whatever the umask
                for chunk in chunks:
                    target.write(chunk)
                target.flush()
                os.fsync(target.fileno())
            os.replace(temporary, self.root / stored_name)
        finally:
            with contextlib.suppress(OSError):
                temporary.unlink(missing_ok=True)

    def _holds(self, stored_name: str) -> bool:
        return is_stored_name(stored_name) and (self.root / stored_name).is_file()

    def read(self, stored_name: str) -> Iterator[bytes]:
        try:
            handle = self.path(stored_name).open("rb")
        except FileNotFoundError:
            raise MissingFile(stored_name) from None
        return _read_and_close(handle)

    def delete(self, stored_name: str) -> bool:
        if not _OWN_NAME.match(stored_name):
            raise ValueError("not a stored name")
        try:
            (self.root / stored_name).unlink(missing_ok=True)
        except OSError as error:
            log.warning(
                "storage: could not delete the stored file %s (%s); the orphan sweep will try "
                "again",
                stored_name,
                error.strerror or type(error).__name__,
            )
            return False
        return True

    def listing(self) -> list[str]:
        """A missing folder has none; an unreadable one is logged and has none."""
        try:
            return sorted(n for n in os.listdir(self.root) if _OWN_NAME.match(n))
        except FileNotFoundError:
            return []
        except OSError as error:
            log.warning(
                "storage: cannot list the storage folder (%s)",
                error.strerror or type(error).__name__,
            )
            return []

    def written_before(self, names: Iterable[str], *, before: datetime) -> list[str]:
        """Compared with the files' modification times: pass the real time."""
        cutoff = before.timestamp()
        found = []
        for name in names:
            try:
                modified = (self.root / name).stat().st_mtime
            except OSError:
                continue
            if modified < cutoff:
                found.append(name)
        return found

    def file_response(self, stored_name: str, content_type: str, filename: str) -> Response:
        path = self.path(stored_name)
        if not path.is_file():
            raise HTTPException(404)
        headers = _download_headers(filename)
        del headers["Content-Disposition"]  # FileResponse writes it, the same way
        return FileResponse(
            path,
            media_type=content_type,
            filename=filename,
            content_disposition_type="attachment",
            headers=headers,
        )


def _read_and_close(handle: BinaryIO) -> Iterator[bytes]:
    with handle:
        while chunk := handle.read(CHUNK):
            yield chunk


class DatabaseStore(Store):
    """Files in the database's ``stored_file`` and ``stored_chunk`` tables (``database:``),
    where every machine serving the same database reads them."""

    url = DATABASE_STORAGE

    def __init__(self, database: Database) -> None:
        self.database = database

    def _write(self, stored_name: str, chunks: Iterable[bytes], content_type: str) -> None:
        files, pieces = StoredFileRow.__table__, StoredChunk.__table__  # type: ignore[attr-defined]
        with self.database.write() as session:
            session.execute(
                insert(files).values(
                    name=stored_name,
                    size=0,
                    sha256="",
                    content_type=content_type,
                    created_at=self.database.now(),  # one clock for every machine
                )
            )
            size, digest = 0, hashlib.sha256()
            for seq, piece in enumerate(_pieces(chunks, DB_CHUNK)):
                session.execute(insert(pieces).values(name=stored_name, seq=seq, data=piece))
                size += len(piece)
                digest.update(piece)
            session.execute(
                update(files)
                .where(files.c.name == stored_name)
                .values(size=size, sha256=digest.hexdigest())
            )

    def _size(self, stored_name: str) -> int | None:
        with self.database.read() as session:
            row = session.get(StoredFileRow, stored_name)
            return None if row is None else row.size

    def _holds(self, stored_name: str) -> bool:
        return self._size(stored_name) is not None

    def present(self, names: Iterable[str]) -> set[str]:
        wanted = sorted(set(names))
        found: set[str] = set()
        for start in range(0, len(wanted), 1000):  # one query per thousand names
            with self.database.read() as session:
                found.update(
                    session.exec(
                        select(StoredFileRow.name).where(
                            col(StoredFileRow.name).in_(wanted[start : start + 1000])
                        )
                    )
                )
        return found

    def read(self, stored_name: str) -> Iterator[bytes]:
        _check_name(stored_name)
        if self._size(stored_name) is None:
            raise MissingFile(stored_name)
        return self._pieces_of(stored_name)

    def _pieces_of(self, stored_name: str) -> Iterator[bytes]:
        """One query (and one pooled connection, given back) per chunk."""
        data = StoredChunk.__table__.c.data  # type: ignore[attr-defined]
        seq = 0
        while True:
            with self.database.read() as session:
                piece = session.execute(
                    select(data).where(
                        col(StoredChunk.name) == stored_name, col(StoredChunk.seq) == seq
                    )
                ).scalar()
            if piece is None:
                return
            yield bytes(piece)
            seq += 1

    def delete(self, stored_name: str) -> bool:
        _check_name(stored_name)
        try:
            with self.database.write() as session:
                session.execute(delete(StoredChunk).where(col(StoredChunk.name) == stored_name))
                session.execute(delete(StoredFileRow).where(col(StoredFileRow.name) == stored_name))
        except SQLAlchemyError as error:
            log.warning(
                "storage: could not delete the stored file %s (%s); the orphan sweep will try "
                "again",
                stored_name,
                type(error).__name__,
            )
            return False
        return True

    def listing(self) -> list[str]:
        with self.database.read() as session:
            return list(session.exec(select(StoredFileRow.name).order_by(col(StoredFileRow.name))))

    def written_before(self, names: Iterable[str], *, before: datetime) -> list[str]:
        """``before`` is by this host's clock, as for a folder; the rows are dated by the
        database's, so it is moved by the difference: a sweeping machine whose clock runs fast
        must not take another machine's upload in flight for an old orphan."""
        wanted = set(names)
        if not wanted:
            return []
        before += self.database.now() - utcnow()
        with self.database.read() as session:
            older = session.exec(
                select(StoredFileRow.name).where(col(StoredFileRow.created_at) < before)
            )
            return sorted(name for name in older if name in wanted)

    def file_response(self, stored_name: str, content_type: str, filename: str) -> Response:
        size = self._size(stored_name)
        if size is None:
            raise HTTPException(404)
        headers = _download_headers(filename) | {"Content-Length": str(size)}
        return StreamingResponse(
            self._pieces_of(stored_name),
            media_type=content_type,
            headers=headers,
        )


class _Pipe(io.RawIOBase):
    """A write-only stream that keeps what was written until it is taken (for streaming a zip
    archive: zipfile writes, the response takes)."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []
        self._written = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self._chunks.append(chunk)
        self._written += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self._written

    def take(self) -> bytes:
        taken, self._chunks = b"".join(self._chunks), []
        return taken


def zip_stream(store: Store, entries: Iterable[tuple[str, str]]) -> Iterator[bytes]:
    """A zip archive of stored files, ``(path inside the archive, stored name)``, made as it is
    read: a chunk at a time, in constant memory. The files (PDF, JPEG, PNG) are compressed
    already, so they are stored as they are. A file the store lacks is left out."""
    pipe = _Pipe()
    with zipfile.ZipFile(
        pipe, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True
    ) as archive:
        for arcname, stored_name in entries:
            try:
                chunks = store.read(stored_name)
            except (MissingFile, OSError):
                continue
            with archive.open(arcname, mode="w", force_zip64=True) as target:
                for chunk in chunks:
                    target.write(chunk)
                    yield pipe.take()
            yield pipe.take()
    yield pipe.take()


def _pieces(chunks: Iterable[bytes], size: int) -> Iterator[bytes]:
    """``chunks`` regrouped into pieces of ``size`` bytes (the last one shorter)."""
    buffer = bytearray()
    for chunk in chunks:
        buffer += chunk
        while len(buffer) >= size:
            yield bytes(buffer[:size])
            del buffer[:size]
    if buffer:
        yield bytes(buffer)


class MoveFailed(Exception):
    """A file that did not arrive intact in the target store; the message names it."""


def move_files(source: Store, target: Store, *, expected: Mapping[str, str]) -> list[str]:
    """Copy every stored file of ``source`` into ``target``, check each copy's SHA-256 (against
    ``expected``, the attachments' recorded checksums by stored name, else the source's own),
    and only once all are verified delete them from ``source``; return the names moved.

    ``MoveFailed`` stops it before anything is deleted, so running it again finishes the move
    (a file already in ``target`` with the right checksum is not copied twice)."""
    names = [name for name in source.listing() if is_stored_name(name)]
    target.make_ready()
    held = set(target.listing())
    for name in names:
        wanted = expected.get(name) or source.sha256(name)
        if name in held and target.sha256(name) == wanted:
            continue
        chunks = source.read(name)
        first = next(chunks, b"")
        content_type = sniff(first) or "application/octet-stream"
        target.put(name, itertools.chain([first], chunks), content_type=content_type)
        if target.sha256(name) != wanted:
            raise MoveFailed(
                f"The stored file {name} read back from {target.url} does not match its "
                f"SHA-256 {wanted}: nothing was deleted from {source.url}."
            )
    for name in names:
        source.delete(name)
    return names


def open_store(settings: Settings, database: Database) -> Store:
    """The store ``PRIZE_STORAGE_URL`` chooses (see ``Settings.storage``)."""
    kind, folder = settings.storage
    if kind == "database" or folder is None:
        return DatabaseStore(database)
    return FolderStore(folder)


def store_at(url: str, database: Database) -> Store:
    """The store a URL names (``database:`` or ``file:///folder``), as for ``prize storage``."""
    return open_store(Settings(storage_url=url), database)


def megabytes(n: int) -> Quantity:
    """A size limit as the pages and refusals state it, in the reader's language: "10" MB, or
    "2.5" (« 2,5 ») MB."""
    return Quantity(n / (1024 * 1024), 1)
