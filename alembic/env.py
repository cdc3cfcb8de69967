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
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations()
