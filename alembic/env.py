"""Alembic environment: the URL comes from the config Prize builds (prize.schema)."""

from __future__ import annotations

from sqlmodel import SQLModel

import prize.models  # noqa: F401  (registers the tables)
from alembic import context
from prize.db import make_engine

config = context.config
target_metadata = SQLModel.metadata


def run_migrations() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url, "sqlalchemy.url is not set"
    engine = make_engine(url)
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # A migration may remake a table (batch mode): with foreign keys on, dropping the old
            # one would cascade to every row that refers to it. The pragma is a no-op inside a
            # transaction, so it is set on the driver's connection before Alembic's begins.
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"foreign keys broken by the migration: {broken[:5]}")
    engine.dispose()


run_migrations()
