"""publication consent for the summary

A second publication consent on each version of an application: whether its summary may be
published (the first, ``consent_publication``, covers title, organisation and country). Existing
applications never gave it, so it is false for them.

Revision ID: 0003
Revises: 0002
Create Date: 2027-01-15
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table(
        "application_content", table_kwargs={"sqlite_autoincrement": True}
    ) as batch_op:
        batch_op.add_column(
            sa.Column("consent_summary", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table(
        "application_content", table_kwargs={"sqlite_autoincrement": True}
    ) as batch_op:
        batch_op.drop_column("consent_summary")
