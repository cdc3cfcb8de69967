"""Two real `prize serve` processes, each with its own storage folder, on one PostgreSQL, and one
browser sent to either in turn (as a round-robin balancer does): a file uploaded through one
downloads through the other and, removed through the other, is gone from the store. (A rolling
rotation of the keys, both steps, is in test_fleet.py.)"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from datetime import timedelta

import httpx2 as httpx
import pytest

from prize.models import utcnow
from prize.storage import DatabaseStore
from tests.applykit import link_maker, make_call, start_application, tiny_pdf
from tests.fleetkit import csrf, serve

NEW = "rotation-new-key-0123456789abcdef"


@pytest.fixture
def browser() -> Iterator[httpx.Client]:
    """One browser: its cookies go to either machine (they share the host, as behind a
    balancer)."""
    with httpx.Client(follow_redirects=False, timeout=60) as client:
        yield client


def test_a_file_uploaded_on_one_machine_is_read_and_removed_on_the_other(
    postgres_db, tmp_path, browser
):
    make_call(postgres_db, utcnow(), opens_at=utcnow() - timedelta(days=1))  # real time: servers
    application = start_application(postgres_db, utcnow())
    files = f"/apply/{application.id}/files"
    with ExitStack() as stack:
        a = serve(stack, postgres_db, tmp_path / "a")
        b = serve(stack, postgres_db, tmp_path / "b")
        opened = browser.get(f"{a.url}/apply/link/{link_maker(clock=utcnow).token(application)}")
        assert opened.status_code == 303
        sent = browser.post(
            a.url + files,
            data={"csrf_token": csrf(browser, a.url + files)},
            files={"file": ("report.pdf", tiny_pdf(), "application/pdf")},
        )
        assert sent.status_code == 303
        listed = browser.get(b.url + files).text
        file_id = listed.split(f'href="{files}/')[1].split('"')[0]
        assert browser.get(f"{b.url}{files}/{file_id}").content == tiny_pdf()
        removed = browser.post(
            f"{b.url}{files}/{file_id}/delete", data={"csrf_token": csrf(browser, b.url + files)}
        )
        assert removed.status_code == 303
        assert browser.get(f"{a.url}{files}/{file_id}").status_code == 404
    assert DatabaseStore(postgres_db).listing() == []
    assert not (tmp_path / "a" / "storage").exists()  # nothing was written to a disk
