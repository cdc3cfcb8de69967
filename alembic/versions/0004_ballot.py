"""band descriptors of each criterion

Each criterion gets one sentence per band of scores (0-2, 3-5, 6-8, 9-10 on the default scale)
in English and French, as a JSON list of [en, fr] pairs; an empty list means the default
sentences, which is what existing criteria keep.

Revision ID: 0004_ballot
Revises: 0003
Create Date: 2027-02-01
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0004_ballot"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("criterion", table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.add_column(
            sa.Column("bands", sa.JSON(), server_default=sa.text("'[]'"), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("criterion", table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.drop_column("bands")
