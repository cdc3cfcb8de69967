"""uploaded files in the database

Two tables for the database storage backend (``PRIZE_STORAGE_URL=database:``): ``stored_file``,
one row per stored file (its random name, size, SHA-256 and type), and ``stored_chunk``, its
content in ordered pieces, so that a file is written and read back at constant memory. Empty
until files are stored there (or moved there by ``prize storage migrate``).

Revision ID: 0005_multi
Revises: 0004_ballot
Create Date: 2027-01-20
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes

import prize.models
from alembic import op

revision: str = "0005_multi"
down_revision: str | None = "0004_ballot"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "stored_file",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("content_type", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column("created_at", prize.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_stored_file")),
    )
    op.create_table(
        "stored_chunk",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["name"],
            ["stored_file.name"],
            name=op.f("fk_stored_chunk_name_stored_file"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("name", "seq", name=op.f("pk_stored_chunk")),
    )


def downgrade() -> None:
    op.drop_table("stored_chunk")
    op.drop_table("stored_file")
