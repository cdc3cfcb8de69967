"""confirmations done once; screening decisions waiting to be e-mailed

``confirmation`` keeps the one-time token of each consequential action the secretariat confirmed
(its confirmation page), so that a second click or a retry of the same page does nothing more.

Applications get ``screening_mail``: a screening decision recorded but not yet e-mailed to its
applicant (it goes with the next batch of screening results, and may be corrected until then),
"decision" when the applicant knows none yet, "change" when it changes one they were told.
Decisions recorded before were e-mailed at once: nothing waits.

Revision ID: 0007_confirm
Revises: 0006_sectools
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes

import prize.models
from alembic import op

revision: str = "0007_confirm"
down_revision: str | None = "0006_sectools"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "confirmation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nonce", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("done_at", prize.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_confirmation")),
        sa.UniqueConstraint("nonce", name=op.f("uq_confirmation_nonce")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table(
        "application", table_kwargs={"sqlite_autoincrement": True}
    ) as batch_op:
        batch_op.add_column(
            sa.Column(
                "screening_mail",
                sqlmodel.sql.sqltypes.AutoString(length=10),
                server_default="",
                nullable=False,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table(
        "application", table_kwargs={"sqlite_autoincrement": True}
    ) as batch_op:
        batch_op.drop_column("screening_mail")
    op.drop_table("confirmation")
