"""The storage folder unwritable, or full, during an upload: a clear message beside the file
field, the draft intact (nothing stored, nothing half-written), and the same upload works once
the folder is back.

Tests run as root here, and root writes through ``chmod``: the folder is made unwritable with
``chmod`` when that holds, else with the immutable attribute (``chattr +i``), else by putting a
file where the folder was. "Full" is a real 64 KB tmpfs when this machine lets us mount one, and
otherwise the disk's answer (``ENOSPC``) when the file is flushed to it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import securityworld
from tests.appkit import refused_page
from tests.applykit import tiny_pdf
from tests.faultkit import invariants, run, unwritable
from tests.securitykit import changed_tables, files_in, multipart, snapshot
from tests.securityworld import World

REFUSED = (
    "The file could not be stored just now. Your draft is unchanged; please try again later, "
    "and tell the secretariat if it keeps happening."
)
BIG_PDF = tiny_pdf() + b"%" * (200 * 1024)  # larger than the tiny tmpfs


@pytest.fixture
def world(tmp_path_factory, sqlite_template, tmp_path) -> World:
    return securityworld.template(tmp_path_factory, sqlite_template).copy(tmp_path)


@contextlib.contextmanager
def full(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The folder's disk is full for the duration; yields how that was done."""
    kept = folder.with_name(folder.name + ".kept")
    folder.rename(kept)
    folder.mkdir()
    if run("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)):
        try:
            yield "a 64 KB tmpfs"
        finally:
            run("umount", str(folder))
            folder.rmdir()
            kept.rename(folder)
        return
    folder.rmdir()
    kept.rename(folder)

    def no_space(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with monkeypatch.context() as patch:
        patch.setattr(os, "fsync", no_space)
        yield "ENOSPC from the disk"


def upload(world: World, client, data: bytes = BIG_PDF):
    body, headers = multipart(world.csrf(client), b"annual report.pdf", data)
    return client.post(f"/apply/{world.ids['applicant_app']}/files", content=body, headers=headers)


def error_of(page) -> str:
    marker = '<p class="error" id="file-error">'
    return page.text.split(marker, 1)[1].split("</p>", 1)[0] if marker in page.text else ""


def refused_intact(world: World, fault, monkeypatch) -> str:
    client = world.client("applicant")
    app_id = world.ids["applicant_app"]
    typed = {"summary": "Typed before the upload", "csrf_token": world.csrf(client)}
    assert client.post(f"/apply/{app_id}", data=typed).status_code == 303
    folder = world.settings.storage_dir
    before, files = snapshot(world.database), files_in(folder)
    with fault(folder, monkeypatch) as how:
        page = upload(world, client)
    page = refused_page(client, page)
    assert error_of(page).replace("&#39;", "'") == REFUSED, how
    assert "The rest of your application is unchanged." in page.text
    assert changed_tables(before, snapshot(world.database)) == []
    assert files_in(folder) == files  # no half-written file either
    assert "Typed before the upload" in client.get(f"/apply/{app_id}").text
    assert invariants(world.database, folder) == []
    assert upload(world, client).status_code == 303  # once the folder is back, it works
    assert len(files_in(folder)) == len(files) + 1
    return how


def test_an_unwritable_storage_folder_gets_a_clear_message_and_keeps_the_draft(world, monkeypatch):
    how = refused_intact(world, lambda folder, _: unwritable(folder), monkeypatch)
    print(f"\nstorage made unwritable with {how}")


def test_a_full_storage_disk_gets_a_clear_message_and_keeps_the_draft(world, monkeypatch):
    how = refused_intact(world, full, monkeypatch)
    print(f"\nstorage made full with {how}")


def test_a_full_disk_is_also_caught_when_the_file_is_flushed(world, monkeypatch):
    """Whatever the machine allows, the ENOSPC path itself is exercised too."""

    @contextlib.contextmanager
    def enospc(folder: Path, patch: pytest.MonkeyPatch) -> Iterator[str]:
        def no_space(fd: int) -> None:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        with patch.context() as inner:
            inner.setattr(os, "fsync", no_space)
            yield "ENOSPC on fsync"

    refused_intact(world, enospc, monkeypatch)
    assert shutil.disk_usage(world.settings.storage_dir).free > 0
