"""The databases: real SQLite and PostgreSQL, the schema from ``alembic upgrade head`` made once
per run (a template file, a template database) and copied for each test.

- ``db``: each test that takes it runs once on SQLite and once on PostgreSQL (marked ``postgres``).
- ``sqlite_db`` (the app's database in page tests), ``postgres_db``, and the session-scoped
  ``sqlite_template`` and ``pg_template`` they are copied from.
- ``new_sqlite_database(template, directory)`` and ``new_postgres_database(template)``: one more
  copy, outside a fixture (a module's server, say).
- ``TEST_AUDIT_KEYS``: the audit chain's keys of every test database, those the test settings
  (tests/appkit.py) derive from their secret keys, so that the app and ``prize`` agree.
- ``PG_ADMIN_URL`` (PRIZE_TEST_POSTGRES_URL) is the server where test databases are made; when it
  is not reachable the test is skipped, or fails with CI=true (see tests/basekit.py).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from prize import schema
from prize.db import Database
from prize.settings import Settings
from tests.appkit import TEST_KEYS
from tests.basekit import skip_or_fail

PG_ADMIN_URL = os.environ.get(
    "PRIZE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)

TEST_AUDIT_KEYS = Settings(secret_keys=TEST_KEYS).audit_chain_keys


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
    return Database(f"sqlite:///{path}", audit_keys=TEST_AUDIT_KEYS)


@pytest.fixture
def sqlite_db(sqlite_template: Path, tmp_path: Path) -> Iterator[Database]:
    database = new_sqlite_database(sqlite_template, tmp_path)
    yield database
    database.dispose()


@contextmanager
def new_postgres_database(template: str) -> Iterator[Database]:
    """A fresh copy of the template database, dropped at the end."""
    name = f"prize_t_{uuid.uuid4().hex[:12]}"
    with _pg_admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    database = Database(_pg_url(name), audit_keys=TEST_AUDIT_KEYS)
    try:
        yield database
    finally:
        database.dispose()
        with _pg_admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def postgres_db(request: pytest.FixtureRequest) -> Iterator[Database]:
    with new_postgres_database(request.getfixturevalue("pg_template")) as database:
        yield database


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest) -> Database:
    """A fresh, migrated database: each test runs once on SQLite and once on PostgreSQL."""
    database: Database = request.getfixturevalue(f"{request.param}_db")
    return database
