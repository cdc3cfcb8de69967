"""an applicant's e-mail address is confirmed before they submit

Starting an application now opens its draft at once in the applicant's browser; the e-mailed
link stays the way back. ``application.email_confirmed_at`` is when a link e-mailed to the
address was first opened: until then the application cannot be submitted. Every application
that exists at upgrade time was opened from an e-mailed link, so it counts as confirmed when it
was created.

Revision ID: 0010_form
Revises: 0009_keep
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa

import prize.models
from alembic import op

revision: str = "0010_form"
down_revision: str | None = "0009_keep"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table(
        "application", table_kwargs={"sqlite_autoincrement": True}
    ) as batch_op:
        batch_op.add_column(
            sa.Column("email_confirmed_at", prize.models.UTCDateTime(timezone=True), nullable=True)
        )
    op.execute("UPDATE application SET email_confirmed_at = created_at")


def downgrade() -> None:
    with op.batch_alter_table(
        "application", table_kwargs={"sqlite_autoincrement": True}
    ) as batch_op:
        batch_op.drop_column("email_confirmed_at")
