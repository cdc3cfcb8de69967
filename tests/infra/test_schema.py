"""Alembic is the only schema maker: up, down, and no drift from the models, on both engines."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

import prize.models  # noqa: F401
from prize import schema


def test_migrations_match_the_models(db):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == []


def test_database_is_at_head(db):
    assert schema.current_revision(db.engine) == schema.head_revision()


@pytest.mark.parametrize("engine", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_downgrade_to_base_and_up_again(engine, request):
    database = request.getfixturevalue(f"{engine}_db")
    url = database.engine.url.render_as_string(hide_password=False)
    database.dispose()
    schema.downgrade(url, "base")
    assert set(inspect(database.engine).get_table_names()) <= {"alembic_version"}
    database.dispose()
    schema.upgrade(url, "head")
    assert "application" in inspect(database.engine).get_table_names()
