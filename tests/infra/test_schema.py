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


def before(name: str) -> str:
    """The revision the migration named ``name`` (``NNNN_<name>``) follows, whatever the chain's
    numbers."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(schema.alembic_config("sqlite://"))
    (found,) = [s for s in script.walk_revisions() if s.revision.endswith("_" + name)]
    down = found.down_revision
    assert isinstance(down, str)
    return down


@pytest.mark.parametrize("engine", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_applications_there_at_the_upgrade_count_as_confirmed(engine, request, clock):
    """0008: every application that exists already came from an e-mailed link."""
    from sqlmodel import select

    from prize.models import Application
    from tests.applykit import make_call, start_application

    database = request.getfixturevalue(f"{engine}_db")
    make_call(database, clock())
    started = start_application(database, clock())
    assert started.email_confirmed_at is None  # a new start, at head, is not confirmed yet
    url = database.engine.url.render_as_string(hide_password=False)
    database.dispose()
    schema.downgrade(url, before("form"))
    database.dispose()
    schema.upgrade(url, "head")
    with database.read() as session:
        [application] = session.exec(select(Application)).all()
    assert application.email_confirmed_at == application.created_at == started.created_at
