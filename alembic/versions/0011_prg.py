"""refused form posts kept for the page the browser is sent back to

``refused_post`` keeps, for an hour, what a refused form post typed and why it was refused, so
that every POST answers with a redirect (Post/Redirect/Get) and the page it leads to shows the
same errors and values (``prize.views.refused``). Its ``key`` travels in that page's address;
``owner`` is a hash of the session that posted it.

Revision ID: 0011_prg
Revises: 0010_form
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes

import prize.models
from alembic import op

revision: str = "0011_prg"
down_revision: str | None = "0010_form"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "refused_post",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("owner", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("form", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("created_at", prize.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", prize.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refused_post")),
        sa.UniqueConstraint("key", name=op.f("uq_refused_post_key")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table(
        "refused_post", table_kwargs={"sqlite_autoincrement": True}
    ) as batch_op:
        batch_op.create_index(batch_op.f("ix_refused_post_owner"), ["owner"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_refused_post_expires_at"), ["expires_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table(
        "refused_post", table_kwargs={"sqlite_autoincrement": True}
    ) as batch_op:
        batch_op.drop_index(batch_op.f("ix_refused_post_expires_at"))
        batch_op.drop_index(batch_op.f("ix_refused_post_owner"))
    op.drop_table("refused_post")
