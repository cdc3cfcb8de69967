"""Rehearsal editions: beside the real edition of their year, never public, their e-mails held
back, and deleted with everything they hold (rows and files)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import col, func, select

from prize.domain.editions import editions, removal
from prize.domain.errors import Conflict, DomainError, NotAllowed
from prize.domain.results import published
from prize.domain.shared import audit, outbox
from prize.models import (
    Application,
    ApplicationContent,
    ApplicationNote,
    ApplicationStatus,
    Attachment,
    AuditEvent,
    Ballot,
    Criterion,
    Edition,
    EditionState,
    Juror,
    OutboxMessage,
    OutboxStatus,
    Round,
    Score,
)
from prize.storage import FolderStore
from tests import factories

NOW = datetime(2027, 3, 1, 10, tzinfo=UTC)


def _create(session, *, year=2028, rehearsal=False, recipients=()):
    return editions.create_edition(
        session=session,
        actor=audit.SYSTEM,
        now=NOW,
        year=year,
        title_en=f"Rehearsal {year}" if rehearsal else f"European Drug Prevention Prize {year}",
        opens_at=datetime(year, 1, 15, tzinfo=UTC),
        deadline=datetime(year, 6, 30, tzinfo=UTC),
        rehearsal=rehearsal,
        rehearsal_recipients=recipients,
    )


def _count(session, table, *where) -> int:
    return session.exec(select(func.count()).select_from(table).where(*where)).one()


def test_a_rehearsal_does_not_block_the_real_edition_of_its_year(db):
    with db.write() as session:
        rehearsal = _create(session, rehearsal=True)
        real = _create(session)
        found = editions.get_by_year(session=session, year=2028)
        assert (rehearsal.rehearsal, real.rehearsal) == (True, False)
        assert found.id == real.id
        with pytest.raises(Conflict) as second:
            _create(session, rehearsal=True)
    assert (
        second.value.message.msgid == "There is already a rehearsal of %(year)s: delete it first."
    )


def test_the_back_office_finds_each_edition_of_a_year_and_the_public_only_the_real_one(db):
    with db.write() as session:
        rehearsal = factories.edition(
            session=session, year=2028, state=EditionState.published, rehearsal=True
        )
        real = factories.edition(session=session, year=2028, state=EditionState.published)
        found = {
            flag: editions.get_by_year(session=session, year=2028, rehearsal=flag).id
            for flag in (True, False, None)
        }
        assert found == {True: rehearsal.id, False: real.id, None: real.id}
        assert editions.get_by_year(session=session, year=2028, public=True).id == real.id
        assert published.get_results(session=session, year=2028).edition.id == real.id
        assert (rehearsal.path_year.key, real.path_year.key) == ("2028-rehearsal", "2028")


def test_a_rehearsal_alone_in_its_year_is_found_only_by_the_back_office(db):
    with db.write() as session:
        rehearsal = factories.edition(session=session, year=2028, rehearsal=True)
        assert editions.get_by_year(session=session, year=2028, rehearsal=True).id == rehearsal.id
        with pytest.raises(DomainError):
            editions.get_by_year(session=session, year=2028, rehearsal=False)


def test_the_public_never_sees_a_rehearsal(db):
    with db.write() as session:
        edition = factories.edition(
            session=session, year=2028, state=EditionState.published, rehearsal=True
        )
        assert editions.public_editions(session=session) == []
        assert editions.current_call(session=session) is None
        with pytest.raises(DomainError):
            editions.get_by_year(session=session, year=2028, public=True)
        with pytest.raises(DomainError):
            published.get_results(session=session, year=2028)
        assert edition.rehearsal


def _queue(session, edition, recipient):
    return outbox.queue(
        session=session,
        kind="application_link",
        recipient=recipient,
        language="en",
        template="application_link",
        context={
            "title": "T",
            "url": "http://x/",
            "deadline": edition.deadline,
            "edition_year": edition.year,
            "reason": "start",
        },
        now=NOW,
        edition_id=edition.id,
    )


def test_a_rehearsals_mail_reaches_only_the_listed_addresses(db, smtp):
    with db.write() as session:
        rehearsal = _create(session, rehearsal=True, recipients=["tester@example.org"])
        real = _create(session, year=2029)
        listed = _queue(session, rehearsal, "Tester@example.org")
        unlisted = _queue(session, rehearsal, "applicant@example.org")
        real_mail = _queue(session, real, "someone@example.org")
        statuses = (listed.status, unlisted.status, real_mail.status)
        held_id = unlisted.id
    assert statuses == (OutboxStatus.queued, OutboxStatus.held, OutboxStatus.queued)
    assert smtp.deliver(db, NOW) == 2
    assert len(smtp.inbox.to("Tester@example.org")) == 1
    assert len(smtp.inbox.to("someone@example.org")) == 1
    assert smtp.inbox.to("applicant@example.org") == []
    with db.read() as session:
        assert session.get_one(OutboxMessage, held_id).status is OutboxStatus.held


def _fill(session, edition, storage_dir):
    """An edition holding an application with a file and a note, a juror with a guardian's
    form and a score, and an e-mail."""
    app = factories.application(
        session=session,
        edition=edition,
        status=ApplicationStatus.eligible,
        attachments=[("plan.pdf", factories.PDF)],
        storage_dir=storage_dir,
    )
    session.add(ApplicationNote(application_id=app.id, text="Call them back."))
    form = "ab" * 24
    (storage_dir / form).write_bytes(factories.PDF)
    juror = factories.juror(session=session, edition=edition, guardian_form=form)
    ballot = Ballot(juror_id=juror.id, round=Round.shortlist)
    session.add(ballot)
    session.flush()
    criterion = session.exec(select(Criterion).where(Criterion.edition_id == edition.id)).one()
    session.add(
        Score(ballot_id=ballot.id, application_id=app.id, criterion_id=criterion.id, value=7)
    )
    _queue(session, edition, app.email)
    session.flush()
    return app


def test_deleting_a_rehearsal_removes_its_rows_and_files_and_audits_it(db, tmp_path):
    storage = tmp_path / "storage"
    storage.mkdir()
    with db.write() as session:
        real = factories.edition(session=session, year=2028, state=EditionState.screening)
        kept = factories.application(
            session=session,
            edition=real,
            attachments=[("kept.pdf", factories.PDF)],
            storage_dir=storage,
        )
        rehearsal = factories.edition(
            session=session,
            year=2028,
            state=EditionState.published,
            rehearsal=True,
            title_en="Rehearsal 2028",
        )
        _fill(session, rehearsal, storage)
        rehearsal_id = rehearsal.id
    assert len(list(storage.iterdir())) == 3
    with db.write() as session:
        removed = removal.delete_edition(
            session=session,
            actor=audit.SYSTEM,
            now=NOW,
            edition=session.get_one(Edition, rehearsal_id),
            typed_name="  rehearsal   2028 ",
            store=FolderStore(storage),
        )
    assert (removed.applications, removed.jurors, removed.files) == (1, 1, 2)
    with db.read() as session:
        assert session.get(Edition, rehearsal_id) is None
        assert [a.id for a in session.exec(select(Application))] == [kept.id]
        assert _count(session, ApplicationContent) == 1
        assert _count(session, Attachment) == 1
        assert _count(session, ApplicationNote) == 0
        assert _count(session, Juror) == 0
        assert _count(session, Score) == 0
        assert _count(session, OutboxMessage) == 0
        event = session.exec(select(AuditEvent).where(AuditEvent.kind == "edition.deleted")).one()
        kept_file = session.exec(select(Attachment.stored_name)).one()
    assert [p.name for p in storage.iterdir()] == [kept_file]
    assert event.data == {
        "year": 2028,
        "title": "Rehearsal 2028",
        "rehearsal": True,
        "applications": 1,
        "jurors": 1,
        "files": 2,
    }


def test_deleting_needs_the_title_typed(db, tmp_path):
    with db.write() as session:
        edition = factories.edition(
            session=session, year=2028, rehearsal=True, title_en="Rehearsal 2028"
        )
        with pytest.raises(DomainError) as refused:
            removal.delete_edition(
                session=session,
                actor=audit.SYSTEM,
                now=NOW,
                edition=edition,
                typed_name="2028",
                store=FolderStore(tmp_path),
            )
    assert refused.value.field == "typed_name"
    with db.read() as session:
        assert _count(session, Edition, col(Edition.year) == 2028) == 1


def test_a_real_edition_is_deleted_only_unpublished_and_without_submissions(db, tmp_path):
    with db.write() as session:
        empty = factories.edition(session=session, year=2030, state=EditionState.open)
        factories.application(session=session, edition=empty, status=ApplicationStatus.draft)
        submitted = factories.edition(session=session, year=2031, state=EditionState.open)
        factories.application(session=session, edition=submitted)
        done = factories.edition(session=session, year=2026, state=EditionState.published)
        assert removal.refusal(session=session, edition=empty) is None
        assert "submitted applications" in (
            removal.refusal(session=session, edition=submitted) or ""
        )
        assert "Published" in (removal.refusal(session=session, edition=done) or "")
        with pytest.raises(NotAllowed):
            removal.delete_edition(
                session=session,
                actor=audit.SYSTEM,
                now=NOW,
                edition=submitted,
                typed_name=submitted.title_en,
                store=FolderStore(tmp_path),
            )
        removal.delete_edition(
            session=session,
            actor=audit.SYSTEM,
            now=NOW,
            edition=empty,
            typed_name=empty.title_en,
            store=FolderStore(tmp_path),
        )
    with db.read() as session:
        assert sorted(session.exec(select(Edition.year))) == [2026, 2031]
