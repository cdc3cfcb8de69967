"""The app under test, on an injected clock.

- ``Clock`` and the ``clock`` fixture: the app's clock (2027-03-01 10:00 UTC), moved by tests
  instead of sleeping.
- ``TEST_KEYS``: the secret keys of the test settings; ``make_signer(clock)`` signs and reads
  links with them on the test's clock (by default the clock fixture's first instant), as the app
  does: a link's age is judged by the clock that reads it.
- Fixtures ``settings`` (cheap argon2, storage under ``tmp_path``), ``app`` (on ``sqlite_db``,
  see tests/dbkit.py) and ``client`` (a Starlette TestClient that does not follow redirects).
- ``csrf_of(client, path)``: the session's CSRF token, read from a page's form.
- ``refused_page(client, response)``: the page a refused post redirects to (Post/Redirect/Get).
- ``text_of(html)``: a page's words as a person reads them (no tags, entities decoded, spaces
  collapsed), for sentences that cross an element.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from prize.app import create_app
from prize.db import Database
from prize.settings import Settings
from prize.tokens import Signer

TEST_KEYS = ("test-key-newest-0123456789abcdef", "test-key-older-0123456789abcdef")


# --------------------------------------------------------------------------- clock


@dataclass
class Clock:
    """The app's clock, moved by tests instead of sleeping."""

    now: datetime = field(default_factory=lambda: datetime(2027, 3, 1, 10, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now = self.now + timedelta(**delta)
        return self.now

    def set(self, when: datetime) -> datetime:
        self.now = when
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def make_signer(
    clock: Callable[[], datetime] | None = None, keys: Sequence[str] = TEST_KEYS
) -> Signer:
    """A signer with the test keys on ``clock`` (by default ``Clock()``'s first instant)."""
    return Signer(keys, clock=clock or Clock())


# --------------------------------------------------------------------------- app


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        database_url="sqlite://",  # the app gets its Database from the fixture, not this URL
        secret_keys=TEST_KEYS,
        base_url="http://testserver",
        contact_email="secretariat@example.org",
        storage_dir=tmp_path / "storage",
        argon2_fast=True,
        demo=False,
    )


@pytest.fixture
def app(settings: Settings, sqlite_db: Database, clock: Clock):
    """The app on SQLite; page tests run here (domain tests also run on PostgreSQL)."""
    return create_app(settings, clock=clock, database=sqlite_db)


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app, follow_redirects=False) as test_client:
        yield test_client


def refused_page(client: TestClient, response: Any) -> Any:
    """The page a refused post leads to (Post/Redirect/Get): the post answers 303 to an address
    naming the kept refusal, and that page (a GET) shows the errors and what was typed."""
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert "?refused=" in location or "&refused=" in location, location
    page = client.get(location)
    assert page.status_code == 200, page.text
    return page


def text_of(html: str) -> str:
    """A page's words as a person reads them: tags removed, entities decoded, spaces collapsed."""
    import re
    from html import unescape

    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def csrf_of(client: TestClient, path: str = "/") -> str:
    """The CSRF token of the client's session, read from a page's form as a browser would."""
    import re

    page = client.get(path)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match, f"no CSRF field on {path}"
    return match.group(1)
