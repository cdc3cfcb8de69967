"""Test fixtures: real SQLite and PostgreSQL (schema from Alembic, made once per run and copied
for each test), a real SMTP server in-process, and the app on an injected clock.

PostgreSQL, Chromium and Java are optional on a developer's machine: the tests that need them are
skipped with a message saying how to get them. With CI=true such a skip is a failure instead.
"""

from __future__ import annotations

import os
import shutil
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.message import Message
from pathlib import Path

import psycopg
import pytest
from aiosmtpd.controller import Controller
from starlette.testclient import TestClient

from prize import schema
from prize.app import create_app
from prize.db import Database
from prize.domain import outbox
from prize.settings import Settings

IN_CI = os.environ.get("CI", "").lower() == "true"
PG_ADMIN_URL = os.environ.get(
    "PRIZE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
TEST_KEYS = ("test-key-newest-0123456789abcdef", "test-key-older-0123456789abcdef")


def skip_or_fail(message: str) -> None:
    """Skip with instructions on a developer's machine; fail in CI, where everything must run."""
    if IN_CI:
        pytest.fail(f"CI=true and a required part is missing: {message}", pytrace=False)
    pytest.skip(message)


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


# --------------------------------------------------------------------------- databases


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    schema.upgrade(f"sqlite:///{path}")
    return path


def _pg_admin() -> psycopg.Connection:
    try:
        return psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        skip_or_fail(
            f"PostgreSQL is not reachable at {PG_ADMIN_URL} ({error.__class__.__name__}). "
            "Install and start PostgreSQL (Debian: apt-get install postgresql), or point "
            "PRIZE_TEST_POSTGRES_URL at a server where this user may create databases."
        )
        raise


def _pg_url(name: str) -> str:
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    return f"{base}/{name}"


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    name = f"prize_tpl_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with _pg_admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        schema.upgrade(_pg_url(name))
        yield name
    finally:
        with _pg_admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def new_sqlite_database(template: Path, directory: Path) -> Database:
    path = directory / f"prize-{uuid.uuid4().hex[:8]}.sqlite3"
    shutil.copyfile(template, path)
    return Database(f"sqlite:///{path}")


@pytest.fixture
def sqlite_db(sqlite_template: Path, tmp_path: Path) -> Iterator[Database]:
    database = new_sqlite_database(sqlite_template, tmp_path)
    yield database
    database.dispose()


@pytest.fixture
def postgres_db(request: pytest.FixtureRequest) -> Iterator[Database]:
    template = request.getfixturevalue("pg_template")
    name = f"prize_t_{uuid.uuid4().hex[:12]}"
    with _pg_admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    database = Database(_pg_url(name))
    try:
        yield database
    finally:
        database.dispose()
        with _pg_admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest) -> Database:
    """A fresh, migrated database: each test runs once on SQLite and once on PostgreSQL."""
    database: Database = request.getfixturevalue(f"{request.param}_db")
    return database


# --------------------------------------------------------------------------- app


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        database_url="sqlite://",  # the app gets its Database from the fixture, not this URL
        secret_keys=TEST_KEYS,
        base_url="http://testserver",
        storage_dir=tmp_path / "storage",
        argon2_fast=True,
        demo=False,
    )


@pytest.fixture
def app(settings: Settings, sqlite_db: Database, clock: Clock):  # type: ignore[no-untyped-def]
    """The app on SQLite; page tests run here (domain tests also run on PostgreSQL)."""
    return create_app(settings, clock=clock, database=sqlite_db)


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app, follow_redirects=False) as test_client:
        yield test_client


# --------------------------------------------------------------------------- SMTP


class Inbox:
    """Collects what the in-process SMTP server receives."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        message = message_from_bytes(envelope.original_content or envelope.content)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if address in m["X-Envelope-To"]]

    def clear(self) -> None:
        self.messages.clear()


def body_of(message: Message) -> str:
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode(message.get_content_charset() or "utf-8")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Smtp:
    inbox: Inbox
    url: str
    controller: Controller

    def deliver(
        self, database: Database, now: datetime, mail_from: str = "prize@example.org"
    ) -> int:
        """Run the outbox sender until nothing is due; return how many were sent."""
        sent = 0
        while True:
            report = outbox.deliver_due(
                database=database, smtp_url=self.url, mail_from=mail_from, now=now
            )
            sent += report.sent
            if report.sent == 0:
                return sent


@pytest.fixture
def smtp() -> Iterator[Smtp]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield Smtp(inbox=inbox, url=f"smtp://127.0.0.1:{port}", controller=controller)
    finally:
        controller.stop()


# --------------------------------------------------------------------------- browser

CHROMIUM = os.environ.get("PRIZE_TEST_CHROMIUM", "/usr/bin/chromium")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@dataclass
class LiveServer:
    url: str
    app: object
    database: Database
    clock: Clock


@pytest.fixture
def live_server(settings: Settings, sqlite_db: Database, clock: Clock) -> Iterator[LiveServer]:
    """The app served by uvicorn on a free loopback port, in a background thread."""
    import threading
    import time

    import uvicorn

    port = free_port()
    live_settings = settings.with_(base_url=f"http://127.0.0.1:{port}")
    application = create_app(live_settings, clock=clock, database=sqlite_db)
    config = uvicorn.Config(
        application,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="on",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the live server did not start")
        time.sleep(0.02)
    try:
        yield LiveServer(
            url=f"http://127.0.0.1:{port}", app=application, database=sqlite_db, clock=clock
        )
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    """One headless Chromium for the whole run (Debian's, driven by Playwright)."""
    if not Path(CHROMIUM).exists():
        skip_or_fail(
            f"Chromium is not installed at {CHROMIUM}. Install it (Debian: apt-get install "
            "chromium) or set PRIZE_TEST_CHROMIUM to its path."
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("Playwright is not installed: pip install -e '.[test]'")
        raise
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def phone(browser):  # type: ignore[no-untyped-def]
    """A page at a phone's size (390x844), with its CSP violations and console errors collected."""
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="en-GB"
    )
    page = context.new_page()
    page.console_errors = []  # type: ignore[attr-defined]
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))  # type: ignore[attr-defined]
    yield page
    context.close()


@pytest.fixture
def desktop(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=DESKTOP, locale="en-GB")
    page = context.new_page()
    page.console_errors = []  # type: ignore[attr-defined]
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))  # type: ignore[attr-defined]
    yield page
    context.close()


def assert_accessible(page) -> None:  # type: ignore[no-untyped-def]
    """axe-core (WCAG 2.x A and AA rules) finds no violation on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        page,
        options={
            "runOnly": {
                "type": "tag",
                "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
            },
            "resultTypes": ["violations"],
        },
    )
    violations = results.response["violations"]
    summary = [
        f"{v['id']}: {v['help']} at {[n['target'] for n in v['nodes']][:3]}" for v in violations
    ]
    assert summary == [], f"axe-core violations on {page.url}"


# --------------------------------------------------------------------------- people

STAFF_PASSWORD = "correct horse battery staple"


def make_staff(
    database: Database, now: datetime, email: str = "officer@example.org", role: str = "secretariat"
):  # type: ignore[no-untyped-def]
    from prize.domain import audit, staff
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


def csrf_of(client: TestClient, path: str = "/") -> str:
    """The CSRF token of the client's session, read from a page's form as a browser would."""
    import re

    page = client.get(path)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match, f"no CSRF field on {path}"
    return match.group(1)


def login(
    client: TestClient, email: str = "officer@example.org", password: str = STAFF_PASSWORD
) -> None:
    token = csrf_of(client, "/secretariat/login")
    response = client.post(
        "/secretariat/login", data={"email": email, "password": password, "csrf_token": token}
    )
    assert response.status_code == 303, response.text


@pytest.fixture
def officer(app, sqlite_db: Database, clock: Clock):  # type: ignore[no-untyped-def]
    """A secretariat account on the app's database."""
    return make_staff(sqlite_db, clock())


@pytest.fixture
def staff_client(client: TestClient, officer) -> TestClient:  # type: ignore[no-untyped-def]
    """A client signed in to the back office as a secretariat officer."""
    login(client)
    return client
