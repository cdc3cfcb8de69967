"""A link opens only the row it was made for: ids are never given twice, and every link and
session carries the row's random secret, compared on every use. Migrating keeps every row and
every link already sent."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import select

from prize import schema
from prize.db import Database
from prize.domain.applicants import applications
from prize.domain.applicants import links as application_links
from prize.models import Application, AuditEvent
from prize.storage import FolderStore
from prize.tokens import LinkRevoked, Purpose
from tests.appkit import make_signer
from tests.applykit import link_maker, make_call, start_application
from tests.dbkit import TEST_AUDIT_KEYS


def open_link(db, token, clock):
    """Open ``token`` now, on ``clock`` (the signer's clock and the domain's)."""
    with db.read() as session:
        return application_links.open_link(
            session=session, signer=make_signer(clock), token=token, now=clock()
        )


def delete(db, application_id, now, storage):
    with db.write() as session:
        applications.delete_draft(
            session=session,
            application=session.get_one(Application, application_id),
            store=FolderStore(storage),
            now=now,
        )


# --------------------------------------------------------------------------- domain


def test_a_deleted_drafts_id_is_never_given_to_the_next_applicant(db, clock, tmp_path):
    make_call(db, clock())
    first = start_application(db, clock(), email="a@example.org", title="A's project")
    old_link = link_maker(clock=clock).token(first)
    delete(db, first.id, clock(), tmp_path)
    second = start_application(db, clock(), email="b@example.org", title="B's project")
    assert second.id != first.id
    with pytest.raises(LinkRevoked):
        open_link(db, old_link, clock)
    with db.read() as session:  # the deleted draft's history stays its own
        named = session.exec(
            select(AuditEvent.kind).where(
                AuditEvent.subject_kind == "application", AuditEvent.subject_id == first.id
            )
        ).all()
    assert list(named) == ["application.started", "application.deleted"]


def test_a_link_never_opens_another_row_at_the_same_id(db, clock):
    """Even were an id given twice (an old database, an operator's restore), the secret differs."""
    make_call(db, clock())
    application = start_application(db, clock())
    forged = make_signer(clock).dumps(
        Purpose.application, application.id, application.link_version, "someone-elses-secret"
    )
    with pytest.raises(LinkRevoked):
        open_link(db, forged, clock)
    with db.read() as session, pytest.raises(LinkRevoked):
        application_links.from_session(
            session=session,
            application_id=application.id,
            version=application.link_version,
            secret="someone-elses-secret",
            now=clock(),
        )
    assert open_link(db, link_maker(clock=clock).token(application), clock).id == application.id


def test_every_row_gets_its_own_random_secret(db, clock):
    make_call(db, clock())
    made = [start_application(db, clock(), email=f"x{i}@example.org") for i in range(3)]
    secrets = {a.link_secret for a in made}
    assert len(secrets) == 3 and all(len(s) >= 20 for s in secrets)


def test_every_table_is_declared_autoincrement_on_sqlite(sqlite_db):
    with sqlite_db.engine.connect() as conn:
        tables = dict(
            conn.exec_driver_sql(
                "SELECT name, sql FROM sqlite_master WHERE type = 'table' "
                "AND name NOT IN ('alembic_version', 'sqlite_sequence')"
            ).all()
        )
    assert len(tables) == 23
    # Stored files are keyed by their random 48-hex names (and chunk numbers), never by an
    # integer id SQLite could reuse.
    keyed_by_name = {"stored_file", "stored_chunk"}
    without = [name for name, sql in tables.items() if "AUTOINCREMENT" not in sql]
    assert sorted(without) == sorted(keyed_by_name)


# --------------------------------------------------------------------------- pages


def test_a_deleted_drafts_old_link_does_not_open_the_next_applicants_draft(
    app, open_call, sqlite_db, clock
):
    """The assessment's reproduction: A starts and deletes a draft, B starts one, A follows
    their old link and their old session."""
    from starlette.testclient import TestClient

    from tests.appkit import csrf_of

    with TestClient(app, follow_redirects=False) as a:
        first = start_application(sqlite_db, clock(), email="a@example.org", title="A's draft")
        old_link = link_maker(clock=clock).token(first)
        a.get(f"/apply/link/{old_link}")
        token = csrf_of(a, f"/apply/{first.id}/delete")
        deleted = a.post(f"/apply/{first.id}/delete", data={"csrf_token": token})
        assert deleted.status_code == 303
        second = start_application(
            sqlite_db, clock(), email="b@example.org", title="B's secret project"
        )
        for path in (f"/apply/{first.id}", f"/apply/{second.id}"):
            page = a.get(path)
            assert "B&#39;s secret project" not in page.text and "b@example.org" not in page.text
        followed = a.get(f"/apply/link/{old_link}")
        assert followed.status_code == 410
        assert "<h1>This link is no longer valid</h1>" in followed.text
        assert "B&#39;s secret project" not in followed.text


# --------------------------------------------------------------------------- migration


def _database_at_0001(engine: str, request: pytest.FixtureRequest, tmp_path: Path) -> Database:
    if engine == "sqlite":  # a database made before 0002, with the tables 0001 made
        url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
        schema.upgrade(url, "0001")
        return Database(url, audit_keys=TEST_AUDIT_KEYS)
    database: Database = request.getfixturevalue("postgres_db")
    url = database.engine.url.render_as_string(hide_password=False)
    database.dispose()
    schema.downgrade(url, "0001")
    return database


def _insert(conn: sa.Connection, table: str, **given: object) -> None:
    """A row with ``given`` values and a plain value in every other required column."""
    columns = sa.Table(table, sa.MetaData(), autoload_with=conn).columns
    now = datetime(2027, 3, 1, tzinfo=UTC)
    plain = {sa.Integer: 0, sa.Boolean: False, sa.DateTime: now, sa.Date: date(2026, 1, 1)}
    row = dict(given)
    for column in columns:
        if column.name in row or column.nullable or column.primary_key:
            continue
        kind = next((v for t, v in plain.items() if isinstance(column.type, t)), "")
        row[column.name] = [] if isinstance(column.type, sa.JSON) else kind
    conn.execute(sa.insert(sa.Table(table, sa.MetaData(), autoload_with=conn)).values(**row))


@pytest.mark.parametrize("engine", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_migrating_keeps_rows_and_links_and_never_reuses_an_audited_id(
    engine, request, tmp_path, clock
):
    database = _database_at_0001(engine, request, tmp_path)
    url = database.engine.url.render_as_string(hide_password=False)
    with database.engine.begin() as conn:
        _insert(conn, "edition", id=1, year=2027, title_en="Call", state="draft")
        for number in (1, 2, 3):
            _insert(
                conn,
                "application",
                id=number,
                edition_id=1,
                email=f"{number}@example.org",
                status="draft",
                language="en",
                link_version=1,
            )
            _insert(
                conn,
                "application_content",
                application_id=number,
                kind="draft",
                title=f"Project {number}",
            )
        # Draft 3 was deleted, and a draft 5 before it (ids named only by the audit log).
        conn.execute(sa.text("DELETE FROM application_content WHERE application_id = 3"))
        conn.execute(sa.text("DELETE FROM application WHERE id = 3"))
        _insert(
            conn,
            "audit_event",
            id=1,
            actor_kind="applicant",
            actor_id=5,
            kind="x",
            subject_kind="application",
            subject_id=5,
            prev_hash="0",
            hash="0",
        )
        conn.execute(sa.text("UPDATE audit_head SET last_id = 1"))
        if engine == "postgres":  # rows made through the sequences, as PostgreSQL makes them
            for table, last in (("edition", 1), ("application", 5), ("application_content", 3)):
                conn.execute(
                    sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {last})")
                )
    # A link e-mailed before the migration carries [id, version] and no secret.
    sent_before = make_signer(clock)._serializer(Purpose.application).dumps([1, 1])
    database.dispose()

    schema.upgrade(url, "head")

    with database.read() as session:
        kept = session.exec(select(Application).order_by(Application.id)).all()
        titles = session.exec(sa.text("SELECT title FROM application_content ORDER BY id")).all()
    assert [(a.id, a.email, a.link_secret) for a in kept] == [
        (1, "1@example.org", ""),
        (2, "2@example.org", ""),
    ]
    assert [t for (t,) in titles] == ["Project 1", "Project 2"]  # nothing cascaded away
    assert open_link(database, sent_before, clock).id == 1
    make_call(database, clock(), year=2028)
    newcomer = start_application(database, clock(), email="new@example.org")
    assert newcomer.id is not None and newcomer.id > 5
    assert newcomer.link_secret != ""
    database.dispose()
