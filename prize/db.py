"""Engine, sessions and SQLite pragmas.

SQLite writes go through ``BEGIN IMMEDIATE`` so that a transaction that reads and then writes
waits for the lock (``busy_timeout``) instead of failing with "database is locked"; pages that
only read use a plain deferred transaction. PostgreSQL needs neither.

Every session carries the audit chain's keys in ``session.info`` (``audit_keys``), so that
``prize.domain.shared.audit`` keys what it appends, and checks what it reads, with the keys of the
``Database`` the session came from.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import QueuePool
from sqlmodel import Session

from prize.settings import Settings

BUSY_TIMEOUT_MS = 30_000
# Starlette's thread pool runs at most 40 views at once; the rest wait for a connection.
SQLITE_POOL_SIZE = 8
SQLITE_POOL_OVERFLOW = 40
AUDIT_KEYS = "prize.audit_keys"  # the key of session.info holding the audit chain's keys


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        return _sqlite_engine(url, **kwargs)
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _sqlite_engine(url: str, **kwargs: Any) -> Engine:
    kwargs.setdefault(
        "connect_args", {"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000}
    )
    if ":memory:" not in url and url not in {"sqlite://", "sqlite:///"}:
        # A file database: connections are kept and reused (opening one, with its pragmas and
        # the schema read, costs more than most pages' queries). Each is used by one thread at
        # a time; the pool rolls back what a session left open before lending it again.
        kwargs.setdefault("poolclass", QueuePool)
        kwargs.setdefault("pool_size", SQLITE_POOL_SIZE)
        kwargs.setdefault("max_overflow", SQLITE_POOL_OVERFLOW)
    engine = create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take over pysqlite's own BEGIN handling, so that we choose DEFERRED or IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        write = conn.get_execution_options().get("prize_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def audit_keys(session: Session) -> tuple[bytes, ...]:
    """The audit chain's keys, newest first, of the ``Database`` that opened ``session``."""
    keys: tuple[bytes, ...] = session.info.get(AUDIT_KEYS, ())
    return keys


class Database:
    """The engine, the audit chain's keys, and the two kinds of session the app opens.

    ``audit_keys`` (``Settings.audit_chain_keys``, newest first) go with every session: the
    first keys the audit entries appended through it, all verify.
    """

    def __init__(self, url: str, *, audit_keys: Sequence[bytes], **kwargs: Any) -> None:
        self.url = url
        self.audit_keys = tuple(audit_keys)
        self.engine = make_engine(url, **kwargs)
        self._write_engine = self.engine.execution_options(prize_write=True)
        # SQLite has one writer at a time: this process's writers queue here, each woken as soon
        # as the one before commits, instead of polling SQLite's lock with sleeps of up to
        # 100 ms (its busy handler); other processes still wait through ``busy_timeout``.
        self._writers = threading.RLock() if self.is_sqlite else contextlib.nullcontext()
        # Moves on after every write session this process ends (committed or not): what was
        # read before may have changed (prize/pagecache.py keeps pages until it moves).
        self.generation = 0
        self._writes = itertools.count(1)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for pages that only read; nothing it does is committed."""
        with Session(self.engine, expire_on_commit=False, info=self._info()) as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session whose transaction commits at the end, or rolls back on any exception."""
        try:
            with (
                self._writers,
                Session(self._write_engine, expire_on_commit=False, info=self._info()) as session,
                session.begin(),
            ):
                yield session
        finally:
            self.generation = next(self._writes)

    def _info(self) -> dict[str, Any]:
        return {AUDIT_KEYS: self.audit_keys}

    def now(self) -> datetime:
        """The database's clock: PostgreSQL's ``now()``, which every machine serving the same
        database shares (this host's clock on SQLite, which only one machine serves)."""
        if self.is_sqlite:
            return datetime.now(UTC)
        with self.engine.connect() as connection:
            value: datetime = connection.exec_driver_sql("SELECT now()").scalar_one()
        return value.astimezone(UTC)

    def dispose(self) -> None:
        self.engine.dispose()


class DatabaseClock:
    """This host's clock set to the database's: ``now()`` is the host's time plus the offset
    last measured (``measure``, at start-up and at each pass of the sender), so that every
    machine serving one database judges deadlines and windows by the same clock without a
    query per request. A failed measurement keeps the last offset."""

    def __init__(self, database: Database, *, host: Callable[[], datetime] | None = None) -> None:
        self.database = database
        self.host = host or _host_time
        self.offset = timedelta(0)

    def measure(self) -> timedelta:
        before = self.host()
        theirs = self.database.now()
        after = self.host()
        self.offset = theirs - (before + (after - before) / 2)
        return self.offset

    def __call__(self) -> datetime:
        return self.host() + self.offset


def _host_time() -> datetime:
    return datetime.now(UTC)


def open_database(settings: Settings) -> Database:
    """The installation's database, its PostgreSQL pool sized by ``PRIZE_DB_POOL_SIZE`` and
    ``PRIZE_DB_MAX_OVERFLOW`` (SQLite keeps its own pool: one writer, local connections)."""
    pool: dict[str, Any] = {}
    if not settings.is_sqlite:
        pool = {"pool_size": settings.db_pool_size, "max_overflow": settings.db_max_overflow}
    return Database(settings.database_url, audit_keys=settings.audit_chain_keys, **pool)
