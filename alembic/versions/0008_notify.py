"""whether the shortlist e-mail is under embargo, per edition

Editions get ``shortlist_embargo``: true (the e-mail telling shortlisted applicants asks them to
keep the news confidential until the results are published, as every edition did before), or
false (they may share it at once).

Revision ID: 0008_notify
Revises: 0007_confirm
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0008_notify"
down_revision: str | None = "0007_confirm"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("edition", table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.add_column(
            sa.Column("shortlist_embargo", sa.Boolean(), server_default=sa.true(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("edition", table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.drop_column("shortlist_embargo")
