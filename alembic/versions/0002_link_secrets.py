"""ids never reused; a random secret in every link; juror sessions that sign-out ends

SQLite reuses the largest rowid once that row is deleted, unless the table says AUTOINCREMENT,
so a deleted draft's link could open the next applicant's application. Every table is made
anew with AUTOINCREMENT (rows, ids and foreign keys kept), and each table's sequence starts past
every id the audit log names, so even an id freed before this migration is never given again.
PostgreSQL's sequences never go back: there, only the columns are added.

Applications, jurors and staff get a ``link_secret`` that every new link carries and every use
compares. Rows from before keep an empty secret, which is what their earlier links carry, so
every link already sent keeps working. Jurors get a ``session_version``, bumped on sign-out.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels = None
depends_on = None

TABLES = (
    "edition",
    "criterion",
    "application",
    "application_content",
    "attachment",
    "staff",
    "rate_event",
    "juror",
    "conflict",
    "ballot",
    "ballot_entry",
    "score",
    "decision",
    "archive_entry",
    "results_note",
    "audit_event",
    "audit_head",
    "outbox_message",
)
WITH_SECRET = ("application", "juror", "staff")
# Ids the audit log names, by the table they belong to: as an event's subject, or its actor.
AUDITED = {"application": "applicant", "juror": "juror", "staff": "staff"}


def _secret() -> sa.Column[str]:
    return sa.Column("link_secret", sa.String(length=32), nullable=False, server_default="")


def upgrade() -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    for table in TABLES:
        # On SQLite, recreate="always" copies the table into one declared AUTOINCREMENT
        # (alembic/env.py turns foreign keys off around it, so nothing cascades).
        with op.batch_alter_table(
            table,
            recreate="always" if sqlite else "auto",
            table_kwargs={"sqlite_autoincrement": True},
        ) as batch:
            if table in WITH_SECRET:
                batch.add_column(_secret())
            if table == "juror":
                batch.add_column(
                    sa.Column("session_version", sa.Integer(), nullable=False, server_default="1")
                )
    if sqlite:
        _start_sequences_past_audited_ids()


def _start_sequences_past_audited_ids() -> None:
    """Each sequence starts past its table's largest id and every id of it in the audit log."""
    for table in TABLES:
        op.execute(sa.text("DELETE FROM sqlite_sequence WHERE name = :name").bindparams(name=table))
        op.execute(
            sa.text(
                f"""
                INSERT INTO sqlite_sequence (name, seq) SELECT :name, MAX(
                    COALESCE((SELECT MAX(id) FROM "{table}"), 0),
                    COALESCE((SELECT MAX(subject_id) FROM audit_event WHERE subject_kind = :name), 0),
                    COALESCE((SELECT MAX(actor_id) FROM audit_event WHERE actor_kind = :actor), 0))
                """  # noqa: S608  # nosec B608: table names come from the constant above
            ).bindparams(name=table, actor=AUDITED.get(table, ""))
        )


def downgrade() -> None:
    # The tables keep AUTOINCREMENT (harmless, and never reusing ids stays the safe side).
    for table in ("staff", "juror", "application"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("link_secret")
            if table == "juror":
                batch.drop_column("session_version")
