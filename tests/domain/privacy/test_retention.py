"""The retention rule: old drafts deleted with their files, personal data of non-winners erased
24 months after publication, old throttling records pruned; a dry run changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import func, select

from prize import cli
from prize.domain.privacy import retention
from prize.domain.shared import audit
from prize.models import (
    Application,
    ApplicationContent,
    ApplicationStatus,
    Attachment,
    AuditEvent,
    EditionState,
    Juror,
    OutboxMessage,
    RateEvent,
)
from prize.storage import FolderStore
from tests import factories
from tests.appkit import TEST_KEYS

A = ApplicationStatus
DEADLINE = factories.DEADLINE  # 2027-06-30 20:00 UTC
PUBLISHED = datetime(2017, 3, 1, 12, tzinfo=UTC)


def _seed(db, storage_dir):
    with db.write() as session:
        edition = factories.edition(session=session, state=EditionState.screening)
        old_draft = factories.application(
            session=session,
            edition=edition,
            status=A.draft,
            email="gone@example.org",
            attachments=[("draft.pdf", factories.PDF)],
            storage_dir=storage_dir,
        )
        late = factories.application(
            session=session, edition=edition, status=A.draft, late_reason="Flood"
        )
        submitted = factories.application(session=session, edition=edition)
        session.add(
            OutboxMessage(
                kind="application_reminder",
                edition_id=edition.id,
                recipient="gone@example.org",
                subject="One day left",
                body="Finish your draft",
                message_id="<reminder@test>",
            )
        )
        past = factories.edition(
            session=session,
            year=2016,
            state=EditionState.published,
            opens_at=datetime(2016, 1, 1, tzinfo=UTC),
            deadline=datetime(2016, 6, 30, tzinfo=UTC),
            published_at=PUBLISHED,
        )
        winner = factories.application(session=session, edition=past, title="Friday Coffee")
        factories.winner(session=session, application=winner)
        loser = factories.application(session=session, edition=past, title="Other")
        juror = factories.juror(session=session, edition=past)
        now = DEADLINE + timedelta(days=31)
        session.add(RateEvent(key="login:x", at=now - timedelta(days=2)))
        session.add(RateEvent(key="login:x", at=now - timedelta(hours=1)))
    return {
        "old_draft": old_draft,
        "late": late,
        "submitted": submitted,
        "winner": winner,
        "loser": loser,
        "juror": juror,
    }


def test_plan_lists_what_is_due_and_changes_nothing(db, tmp_path):
    seeded = _seed(db, tmp_path)
    with db.read() as session:
        early = retention.plan(session=session, now=DEADLINE + timedelta(days=29))
        due = retention.plan(session=session, now=DEADLINE + timedelta(days=31))
    assert early.drafts == []
    assert [i.id for i in due.drafts] == [seeded["old_draft"].id]  # the late one is kept
    assert [i.id for i in due.applications] == [seeded["loser"].id]  # the winner is kept
    assert [i.id for i in due.jurors] == [seeded["juror"].id]
    assert due.rate_events == 1
    assert due.lines()[0].startswith("Drafts to delete (30 days after the deadline): 1")
    with db.read() as session:
        assert session.exec(select(func.count()).select_from(Application)).one() == 5


def test_personal_data_waits_24_months_after_publication(db, tmp_path):
    _seed(db, tmp_path)
    with db.read() as session:
        before = retention.plan(session=session, now=PUBLISHED + timedelta(days=720))
        after = retention.plan(session=session, now=datetime(2019, 3, 1, 12, tzinfo=UTC))
    assert before.applications == [] and before.jurors == []
    assert len(after.applications) == 1


def test_apply_deletes_drafts_with_files_erases_and_prunes_audited(db, tmp_path):
    storage = tmp_path / "storage"
    seeded = _seed(db, storage)
    files = list(storage.iterdir())
    assert len(files) == 1
    now = DEADLINE + timedelta(days=31)
    with db.write() as session:
        done = retention.apply(session=session, now=now, store=FolderStore(storage))
    assert len(done.drafts) == 1
    assert list(storage.iterdir()) == []
    with db.read() as session:
        assert session.get(Application, seeded["old_draft"].id) is None
        assert session.get(Application, seeded["late"].id) is not None
        assert (
            session.exec(
                select(func.count())
                .select_from(ApplicationContent)
                .where(ApplicationContent.application_id == seeded["old_draft"].id)
            ).one()
            == 0
        )
        assert session.exec(select(func.count()).select_from(Attachment)).one() == 0
        assert session.get_one(Application, seeded["loser"].id).erased_at == now
        assert session.get_one(Application, seeded["winner"].id).erased_at is None
        assert session.get_one(Juror, seeded["juror"].id).last_name == ""
        assert session.exec(select(func.count()).select_from(RateEvent)).one() == 1
        reminder = session.exec(
            select(OutboxMessage).where(OutboxMessage.message_id == "<reminder@test>")
        ).one()
        assert (reminder.recipient, reminder.body) == ("(erased)@erased.invalid", "")
        kinds = [e.kind for e in session.exec(select(AuditEvent))]
        assert kinds.count("retention.draft_deleted") == 1
        assert kinds.count("retention.applied") == 1
        assert audit.verify(session=session).ok
    with db.write() as session:  # nothing left to do: nothing more is written
        again = retention.apply(session=session, now=now, store=FolderStore(storage))
    assert again.empty


def test_months_before_clamps_the_day():
    assert retention.months_before(datetime(2029, 3, 31, tzinfo=UTC), 1) == datetime(
        2029, 2, 28, tzinfo=UTC
    )
    assert retention.months_before(datetime(2029, 1, 15, tzinfo=UTC), 24) == datetime(
        2027, 1, 15, tzinfo=UTC
    )


@pytest.fixture
def env(sqlite_db, tmp_path, monkeypatch):
    url = sqlite_db.engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("PRIZE_DATABASE_URL", url)
    monkeypatch.setenv("PRIZE_SECRET_KEYS", TEST_KEYS[0])
    monkeypatch.setenv("PRIZE_STORAGE_DIR", str(tmp_path / "storage"))
    return tmp_path / "storage"


def test_cli_dry_run_prints_and_changes_nothing_then_runs(sqlite_db, env, capsys):
    """The command runs on the real clock: the data is from editions long past."""
    with sqlite_db.write() as session:
        edition = factories.edition(
            session=session,
            year=2020,
            opens_at=datetime(2020, 1, 1, tzinfo=UTC),
            deadline=datetime(2020, 6, 30, tzinfo=UTC),
        )
        draft = factories.application(
            session=session,
            edition=edition,
            status=A.draft,
            attachments=[("draft.pdf", factories.PDF)],
            storage_dir=env,
        )
    assert cli.main(["retention", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "Dry run: nothing was changed." in out
    assert f"Drafts to delete (30 days after the deadline): 1: draft {draft.id} (2020)" in out
    with sqlite_db.read() as session:
        assert session.get(Application, draft.id) is not None
    assert cli.main(["retention"]) == 0
    assert capsys.readouterr().out.endswith("Done.\n")
    with sqlite_db.read() as session:
        assert session.get(Application, draft.id) is None
        assert audit.verify(session=session).ok
    assert list(env.iterdir()) == []
