"""The migration that keys deadline reminders on their deadline: a reminder sent before it was
sent for the edition's deadline as it stands, so it is not sent again; on both engines."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlmodel import select

from prize import schema
from prize.models import Application, ApplicationStatus, EditionState
from tests import factories


def _before_the_keys() -> str:
    """The revision just before the one that adds ``reminded_7_for`` (whatever its number)."""
    scripts = ScriptDirectory.from_config(schema.alembic_config("sqlite://"))
    for script in scripts.walk_revisions():
        if script.path and '"reminded_7_for"' in Path(script.path).read_text(encoding="utf-8"):
            assert isinstance(script.down_revision, str)
            return script.down_revision
    raise AssertionError("no migration adds reminded_7_for")


@pytest.mark.parametrize("engine", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_a_reminder_sent_before_the_migration_counts_for_the_current_deadline(engine, request):
    database = request.getfixturevalue(f"{engine}_db")
    sent = datetime(2027, 6, 23, 20, tzinfo=UTC)
    with database.write() as session:
        edition = factories.edition(session=session, state=EditionState.open)
        reminded = factories.application(
            session=session, edition=edition, status=ApplicationStatus.draft
        )
        reminded.reminded_7_at = sent
        factories.application(session=session, edition=edition, status=ApplicationStatus.draft)
        deadline = edition.deadline
    url = database.engine.url.render_as_string(hide_password=False)
    database.dispose()
    schema.downgrade(url, _before_the_keys())
    schema.upgrade(url, "head")
    database.dispose()
    with database.read() as session:
        rows = session.exec(select(Application).order_by(Application.id)).all()
        found = [(a.reminded_7_at, a.reminded_7_for, a.reminded_1_for) for a in rows]
    assert found == [(sent, deadline, None), (None, None, None)]
