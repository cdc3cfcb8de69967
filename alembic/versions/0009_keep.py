"""deadline reminders keyed on the deadline they were sent for

Applications get ``reminded_7_for`` and ``reminded_1_for``: the deadline the 7-day and the
1-day reminder were sent for. A reminder is due again, relative to the new deadline, once the
deadline moves; ``reminded_7_at`` and ``reminded_1_at`` keep when it was last sent. A reminder
sent before this revision was sent for the edition's deadline as it stands.

Revision ID: 0009_keep
Revises: 0008_notify
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa

import prize.models
from alembic import op

revision: str = "0009_keep"
down_revision: str | None = "0008_notify"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = (("reminded_7_for", "reminded_7_at"), ("reminded_1_for", "reminded_1_at"))


def upgrade() -> None:
    with op.batch_alter_table(
        "application", table_kwargs={"sqlite_autoincrement": True}
    ) as batch_op:
        for name, _sent in _COLUMNS:
            batch_op.add_column(
                sa.Column(name, prize.models.UTCDateTime(timezone=True), nullable=True)
            )
    for name, sent in _COLUMNS:
        op.execute(
            f"UPDATE application SET {name} = (SELECT edition.deadline FROM edition "  # noqa: S608  (fixed column names)
            f"WHERE edition.id = application.edition_id) WHERE {sent} IS NOT NULL"
        )


def downgrade() -> None:
    with op.batch_alter_table(
        "application", table_kwargs={"sqlite_autoincrement": True}
    ) as batch_op:
        for name, _sent in reversed(_COLUMNS):
            batch_op.drop_column(name)
