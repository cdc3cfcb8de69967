"""Uploaded files on disk: type by content, size capped while streaming, random names, downloads
only."""

from __future__ import annotations

import hashlib
import io
import os
import stat
from pathlib import Path

import pytest

from prize.models import Attachment
from prize.storage import CHUNK, FolderStore, UploadRefused, clean_filename, sniff
from tests.applykit import tiny_pdf

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 100
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100


class CountingReader(io.BytesIO):
    """Records the size of every read, to show the copy goes chunk by chunk."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.reads: list[int] = []

    def read(self, size: int | None = -1) -> bytes:
        self.reads.append(-1 if size is None else size)
        return super().read(size)


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (tiny_pdf(), "application/pdf"),
        (JPEG, "image/jpeg"),
        (PNG, "image/png"),
        (b"<html><script>alert(1)</script>", None),
        (b"GIF89a", None),
        (b"PK\x03\x04 a zip or an office file", None),
    ],
)
def test_types_are_recognised_by_their_content(head, expected):
    assert sniff(head) == expected


def test_a_file_is_stored_under_a_random_name_with_its_size_and_digest(tmp_path):
    data = tiny_pdf()
    stored = FolderStore(tmp_path).save(io.BytesIO(data), max_bytes=1024 * 1024)
    assert stored.content_type == "application/pdf"
    assert stored.size == len(data)
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert len(stored.stored_name) == 48
    assert [p.name for p in tmp_path.iterdir()] == [stored.stored_name]
    assert (tmp_path / stored.stored_name).read_bytes() == data


def test_a_large_file_is_copied_in_chunks(tmp_path):
    data = b"%PDF-1.4\n" + b"x" * (5 * CHUNK)
    source = CountingReader(data)
    stored = FolderStore(tmp_path).save(source, max_bytes=10 * CHUNK)
    assert stored.size == len(data)
    assert max(source.reads) == CHUNK and len(source.reads) >= 6


def test_a_file_over_the_limit_is_refused_and_leaves_nothing_behind(tmp_path):
    data = b"%PDF-1.4\n" + b"x" * (3 * 1024 * 1024)
    with pytest.raises(UploadRefused) as refused:
        FolderStore(tmp_path).save(io.BytesIO(data), max_bytes=2 * 1024 * 1024)
    assert refused.value.message.msgid.startswith("This file is larger than %(mb)s MB.")
    assert str(refused.value.message.params["mb"]) == "2"  # (shown in the reader's language)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("data", "start"),
    [
        (b"", "The file is empty."),
        (b"MZ\x90\x00 an executable named report.pdf", "This file is not a PDF, JPEG or PNG."),
    ],
)
def test_empty_and_disguised_files_are_refused(tmp_path, data, start):
    with pytest.raises(UploadRefused) as refused:
        FolderStore(tmp_path).save(io.BytesIO(data), max_bytes=1024)
    assert refused.value.message.msgid.startswith(start)
    assert list(tmp_path.iterdir()) == []


def test_an_unwritable_storage_folder_refuses_with_a_message(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be")
    with pytest.raises(UploadRefused) as refused:
        FolderStore(blocker / "storage").save(io.BytesIO(tiny_pdf()), max_bytes=1024 * 1024)
    assert refused.value.message.msgid.startswith("The file could not be stored just now.")


@pytest.fixture
def open_umask():
    """A umask that takes nothing away, as a careless service manager might leave it."""
    previous = os.umask(0)
    yield
    os.umask(previous)


def test_stored_files_are_readable_by_their_owner_only_whatever_the_umask(tmp_path, open_umask):
    storage = tmp_path / "new" / "storage"
    stored = FolderStore(storage).save(io.BytesIO(tiny_pdf()), max_bytes=1024 * 1024)
    assert stat.S_IMODE((storage / stored.stored_name).stat().st_mode) == 0o600
    assert stat.S_IMODE(storage.stat().st_mode) == 0o700


@pytest.mark.parametrize(
    ("name", "content_type", "expected"),
    [
        ("report.pdf", "application/pdf", "report.pdf"),
        ("../../etc/passwd", "application/pdf", "passwd.pdf"),
        ("C:\\Users\\me\\photo.JPEG", "image/jpeg", "photo.JPEG"),
        ("invoice.pdf.exe", "application/pdf", "invoice.pdf.exe.pdf"),
        ("name\r\nwith\x00controls.png", "image/png", "namewithcontrols.png"),
        ("", "image/png", "file.png"),
        ("x" * 400 + ".pdf", "application/pdf", "x" * 247 + ".pdf"),
    ],
)
def test_client_file_names_are_cleaned_for_display(name, content_type, expected):
    assert clean_filename(name, content_type) == expected


def test_downloads_are_attachments_never_inline(tmp_path):
    stored = FolderStore(tmp_path).save(io.BytesIO(tiny_pdf()), max_bytes=1024 * 1024)
    attachment = Attachment(
        content_id=1,
        stored_name=stored.stored_name,
        original_name="Rapport d'activité.pdf",
        content_type=stored.content_type,
        size=stored.size,
        sha256=stored.sha256,
    )
    response = FolderStore(tmp_path).download_response(attachment)
    assert response.headers["content-disposition"].startswith("attachment;")
    assert (
        "filename*=utf-8''Rapport%20d%27activit%C3%A9.pdf"
        in response.headers["content-disposition"]
    )
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.media_type == "application/pdf"


def test_a_stored_name_that_is_not_ours_is_never_opened(tmp_path):
    with pytest.raises(ValueError):
        FolderStore(tmp_path).path("../secret")
    assert isinstance(FolderStore(tmp_path).root, Path)
