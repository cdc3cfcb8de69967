"""The back office's people: staff accounts, signing in, and POSTs with the CSRF token.

- ``make_staff(database, now, email=..., role=...)``: an account whose password is
  ``STAFF_PASSWORD``; ``login(client, email)`` signs a client in with it.
- Fixtures ``officer`` (secretariat, officer@example.org) and ``staff_client`` (``client``
  signed in as the officer); ``adviser`` and ``adviser_client`` (a second client on the same app,
  signed in as an adviser, who only reads).
- ``staff_post(client, path, data)``: a POST carrying the session's CSRF token.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from starlette.testclient import TestClient

from prize.db import Database
from tests.appkit import Clock, csrf_of

STAFF_PASSWORD = "correct horse battery staple"


def make_staff(
    database: Database, now: datetime, email: str = "officer@example.org", role: str = "secretariat"
):
    from prize.domain.shared import audit
    from prize.domain.staff import staff
    from prize.models import StaffRole
    from prize.security import Passwords

    with database.write() as session:
        return staff.create_staff(
            session=session,
            passwords=Passwords(fast=True),
            actor=audit.SYSTEM,
            now=now,
            email=email,
            password=STAFF_PASSWORD,
            role=StaffRole(role),
        )


def login(
    client: TestClient, email: str = "officer@example.org", password: str = STAFF_PASSWORD
) -> None:
    token = csrf_of(client, "/secretariat/login")
    response = client.post(
        "/secretariat/login", data={"email": email, "password": password, "csrf_token": token}
    )
    assert response.status_code == 303, response.text


@pytest.fixture
def officer(app, sqlite_db: Database, clock: Clock):
    """A secretariat account on the app's database."""
    return make_staff(sqlite_db, clock())


@pytest.fixture
def staff_client(client: TestClient, officer) -> TestClient:
    """A client signed in to the back office as a secretariat officer."""
    login(client)
    return client


def staff_post(client: TestClient, path: str, data: dict | None = None, **kwargs):
    """POST ``data`` to ``path`` with the session's CSRF token, read from the dashboard's form."""
    token = csrf_of(client, "/secretariat/login")
    return client.post(path, data={**(data or {}), "csrf_token": token}, **kwargs)


@pytest.fixture
def adviser(app, sqlite_db: Database, clock: Clock):
    return make_staff(sqlite_db, clock(), email="adviser@example.org", role="adviser")


@pytest.fixture
def adviser_client(app, adviser) -> Iterator[TestClient]:
    """A second client on the same app, signed in as an adviser (reads only)."""
    with TestClient(app, follow_redirects=False) as other:
        login(other, "adviser@example.org")
        yield other
