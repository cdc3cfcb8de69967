"""rehearsal editions, internal notes, guardian consent forms

An edition can be a rehearsal: never public, its e-mails only to the addresses listed for it,
deletable with all its data. A rehearsal must not block the real edition of its year, so the
year is unique among real editions and among rehearsals (one of each a year). Applications get
internal notes by the secretariat; a juror the signed consent form of a minor's guardian.

Revision ID: 0006_sectools
Revises: 0005_multi
Create Date: 2027-02-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes

import prize.models
from alembic import op

revision: str = "0006_sectools"
down_revision: str | None = "0005_multi"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("edition", table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.add_column(
            sa.Column("rehearsal", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("rehearsal_recipients", sa.JSON(), server_default="[]", nullable=False)
        )
        batch_op.drop_constraint("uq_edition_year", type_="unique")
        batch_op.create_unique_constraint("uq_edition_year_rehearsal", ["year", "rehearsal"])
    with op.batch_alter_table("juror", table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.add_column(
            sa.Column(
                "guardian_form",
                sqlmodel.sql.sqltypes.AutoString(length=64),
                server_default="",
                nullable=False,
            )
        )
        batch_op.add_column(
            sa.Column(
                "guardian_form_name",
                sqlmodel.sql.sqltypes.AutoString(length=255),
                server_default="",
                nullable=False,
            )
        )
        batch_op.add_column(
            sa.Column(
                "guardian_form_type",
                sqlmodel.sql.sqltypes.AutoString(length=50),
                server_default="",
                nullable=False,
            )
        )
    op.create_table(
        "application_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", prize.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["application.id"],
            name=op.f("fk_application_note_application_id_application"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["staff.id"], name=op.f("fk_application_note_author_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application_note")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table(
        "application_note", table_kwargs={"sqlite_autoincrement": True}
    ) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_application_note_application_id"), ["application_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_application_note_author_id"), ["author_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("application_note")
    with op.batch_alter_table("juror", table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.drop_column("guardian_form_type")
        batch_op.drop_column("guardian_form_name")
        batch_op.drop_column("guardian_form")
    with op.batch_alter_table("edition", table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.drop_constraint("uq_edition_year_rehearsal", type_="unique")
        batch_op.create_unique_constraint("uq_edition_year", ["year"])
        batch_op.drop_column("rehearsal_recipients")
        batch_op.drop_column("rehearsal")
