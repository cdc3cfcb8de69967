"""The back office's people: staff accounts, signing in, and POSTs with the CSRF token.

- ``make_staff(database, now, email=..., role=...)``: an account whose password is
  ``STAFF_PASSWORD``; ``login(client, email)`` signs a client in with it.
- Fixtures ``officer`` (secretariat, officer@example.org) and ``staff_client`` (``client``
  signed in as the officer); ``adviser`` and ``adviser_client`` (a second client on the same app,
  signed in as an adviser, who only reads).
- ``staff_post(client, path, data)``: a POST carrying the session's CSRF token.
- ``confirmed_post(client, path, data)``: a consequential action asked for, then confirmed on
  its confirmation page as a person would (``typed``, ``reason`` when the page asks);
  ``confirm_fields(page)`` the fields that page's form sends.
- ``edition_edit_form(**changes)``: the edit form of the edition ``tests.factories`` makes
  (2027), as its page posts it unchanged, with ``changes`` (a new ``deadline``, a ``reason``).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from html.parser import HTMLParser

import pytest
from starlette.testclient import TestClient

from prize import countries
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


class _ConfirmForm(HTMLParser):
    """The hidden fields of the form that carries a confirmation token."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[list[tuple[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append([])
        elif tag == "input" and a.get("type") == "hidden" and self.forms and "name" in a:
            self.forms[-1].append((a["name"], a.get("value", "")))


def confirm_fields(page: str) -> list[tuple[str, str]]:
    parser = _ConfirmForm()
    parser.feed(page)
    found = [f for f in parser.forms if any(n == "confirm_token" for n, _ in f)]
    assert len(found) == 1, "no confirmation form on the page"
    return found[0]


def _as_fields(pairs: list) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for key, value in pairs:
        fields.setdefault(key, []).extend(value if isinstance(value, list) else [value])
    return fields


def confirm_page(client: TestClient, response):
    """The confirmation page a first post leads to: the post answers 303 to the page (a GET)."""
    assert response.status_code == 303, response.text[:3000]
    assert "?refused=" in response.headers["location"], response.headers["location"]
    page = client.get(response.headers["location"])
    assert page.status_code == 200, page.text[:3000]
    return page


def confirmed_post(
    client: TestClient,
    path: str,
    data: dict | list | None = None,
    *,
    typed: str | None = None,
    reason: str | None = None,
):
    """Ask for a consequential action with ``data``, read its confirmation page and confirm it;
    returns the answer to the confirming POST. The page must be a confirmation page."""
    pairs = data if isinstance(data, list) else list((data or {}).items())
    token = csrf_of(client, "/secretariat/login")
    page = confirm_page(client, client.post(path, data=_as_fields([*pairs, ("csrf_token", token)])))
    assert "confirm_token" in page.text, page.text[:3000]
    fields = confirm_fields(page.text)
    if typed is not None:
        fields.append(("confirm_typed", typed))
    if reason is not None:
        fields = [f for f in fields if f[0] != "reason"] + [("reason", reason)]
    return client.post(path, data=_as_fields(fields))


def edition_edit_form(**changes: object) -> dict[str, object]:
    """The edit form of the edition ``tests.factories`` makes (2027, opening on 1 January at
    01:00 in Paris), as its page posts it unchanged; ``changes`` on top."""
    return {
        "year": "2027",
        "title_en": "European Drug Prevention Prize 2027",
        "title_fr": "Prix européen de prévention des drogues 2027",
        "opens_at": "2027-01-01T01:00",
        "deadline": "2027-06-30T23:59",
        "countries": list(countries.DEFAULT_ELIGIBLE),
        "shortlist_size": "7",
        "scale_min": "0",
        "scale_max": "10",
        "normalise": "yes",
        "quorum": "3",
        "reason": "",
        **changes,
    }
