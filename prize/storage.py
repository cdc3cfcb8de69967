"""Uploaded files on disk: checked on their content, stored under random names, given back as
downloads only.

A file is streamed from the request's spooled temporary file to the storage folder in chunks
(constant memory), its SHA-256 computed on the way, its type decided by its first bytes (never by
its name or the type the client claims), its size capped. It is written under a temporary name
and renamed into place, so a half-written file never carries a stored name. Files are readable by
their owner only (0600) and the folder is made 0700, whatever the umask.

A file whose attachment row is gone (a removal the disk refused, a crash between writing a file
and committing its row) is an *orphan*: ``listing`` and ``written_before`` serve the sweep in
``prize.domain.applicants.attachments``, which removes them once they are older than a grace
period; a deletion the disk refuses is logged (by the file's random name only) and left to that
sweep.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import os
import re
import secrets
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import event
from starlette.exceptions import HTTPException
from starlette.responses import FileResponse

from prize.formats import Quantity
from prize.i18n import Message
from prize.models import Attachment

CHUNK = 64 * 1024
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


class Storage:
    """The storage folder (``PRIZE_STORAGE_DIR``); it is never served as static files."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, stored_name: str) -> Path:
        if not _STORED_NAME.match(stored_name):
            raise ValueError("not a stored name")
        return self.root / stored_name

    def make_folder(self) -> None:
        """Create the folder (and its parents) if missing; a folder made here is 0700."""
        if self.root.is_dir():
            return
        self.root.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
        self.root.chmod(FOLDER_MODE)  # the umask may have taken bits off mkdir's mode

    def save(self, source: BinaryIO, *, max_bytes: int) -> StoredFile:
        """Copy ``source`` (read from its start) into the folder, or raise ``UploadRefused``."""
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
        stored_name = secrets.token_hex(24)
        digest = hashlib.sha256()
        size = 0
        temporary = self.root / f"{TEMPORARY_PREFIX}{stored_name}"
        try:
            self.make_folder()
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
            with open(fd, "wb") as target:
                os.fchmod(fd, FILE_MODE)  # whatever the umask
                chunk = head
                while chunk:
                    size += len(chunk)
                    if size > max_bytes:
                        raise UploadRefused(
                            Message(
                                "This file is larger than %(mb)s MB. Choose a smaller file.",
                                {"mb": megabytes(max_bytes)},
                            )
                        )
                    digest.update(chunk)
                    target.write(chunk)
                    chunk = source.read(CHUNK)
                target.flush()
                os.fsync(target.fileno())
            os.replace(temporary, self.root / stored_name)
        except OSError:
            raise UploadRefused(
                Message(
                    "The file could not be stored just now. Your draft is unchanged; please try "
                    "again later, and tell the secretariat if it keeps happening."
                )
            ) from None
        finally:
            with contextlib.suppress(OSError):
                temporary.unlink(missing_ok=True)
        return StoredFile(stored_name, size, digest.hexdigest(), content_type)

    def delete(self, stored_name: str) -> bool:
        """Remove a stored file (or a leftover temporary); False when the disk refused, which is
        logged: the file is then an orphan, and the sweep tries again later."""
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

    def delete_after_commit(self, session: Any, names: Iterable[str]) -> None:
        """Remove ``names`` from disk once ``session``'s transaction commits (never on a
        rollback: the rows that name them are back)."""
        chosen = sorted(set(names))
        if not chosen:
            return

        def remove(_session: Any) -> None:
            for name in chosen:
                self.delete(name)

        event.listen(session, "after_commit", remove, once=True)

    def listing(self) -> list[str]:
        """The folder's own files (stored names and upload temporaries; nothing else is ours), in
        one listing. A missing folder has none; an unreadable one is logged and has none."""
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
        """Those of ``names`` last written before ``before`` (a file gone meanwhile is left out)."""
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

    def download_response(self, attachment: Attachment) -> FileResponse:
        """The file as a download (never shown inline from our origin), under its client name."""
        return self.file_response(
            attachment.stored_name, attachment.content_type, attachment.original_name
        )

    def file_response(self, stored_name: str, content_type: str, filename: str) -> FileResponse:
        """A stored file as a download under ``filename``; 404 when it is not on disk."""
        path = self.path(stored_name)
        if not path.is_file():
            raise HTTPException(404)
        return FileResponse(
            path,
            media_type=content_type,
            filename=filename,
            content_disposition_type="attachment",
            headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"},
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


def zip_stream(storage_dir: Path, entries: Iterable[tuple[str, str]]) -> Iterator[bytes]:
    """A zip archive of stored files, ``(path inside the archive, stored name)``, made as it is
    read: a chunk at a time, in constant memory. The files (PDF, JPEG, PNG) are compressed
    already, so they are stored as they are. A file gone from disk is left out."""
    store = Storage(storage_dir)
    pipe = _Pipe()
    with zipfile.ZipFile(
        pipe, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True
    ) as archive:
        for arcname, stored_name in entries:
            try:
                source = open(store.path(stored_name), "rb")  # noqa: SIM115
            except OSError:
                continue
            with source, archive.open(arcname, mode="w", force_zip64=True) as target:
                while chunk := source.read(CHUNK):
                    target.write(chunk)
                    yield pipe.take()
            yield pipe.take()
    yield pipe.take()


def download_response(*, storage_dir: Path, attachment: Attachment) -> FileResponse:
    """For any view allowed to see ``attachment`` (its applicant, the secretariat)."""
    return Storage(storage_dir).download_response(attachment)


def megabytes(n: int) -> Quantity:
    """A size limit as the pages and refusals state it, in the reader's language: "10" MB, or
    "2.5" (« 2,5 ») MB."""
    return Quantity(n / (1024 * 1024), 1)
