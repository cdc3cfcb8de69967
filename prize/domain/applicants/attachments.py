"""Supporting files of an application.

Files belong to a content row (the draft or the submitted version). A revision copies the
submitted version's attachment rows, sharing the stored files; a stored file is deleted from disk
once no row refers to it any more, and only after the transaction that dropped the last
reference has committed (a file written for a transaction that rolls back is removed too).

A file the disk refused to delete then, or one a crash left behind, has no row: an orphan.
``orphans`` finds those older than ``ORPHAN_GRACE`` (younger ones may be uploads whose row is not
committed yet) and ``remove_orphans`` deletes them; ``prize retention`` and every server's
start-up do both, so a failed deletion is retried until the disk lets it happen.

The other way round, rows whose file the store lacks: ``check_store`` (``/health`` and every
server's start-up) tells when the attached files are not where the settings say, as after an
upgrade that made the database the store of an installation whose files are in a folder.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, BinaryIO

from sqlalchemy import event, exists
from sqlmodel import Session, col, delete, func, select

from prize.domain.applicants import drafts
from prize.domain.applicants.links import can_edit
from prize.domain.errors import DomainError, NotAllowed, NotFound
from prize.i18n import Plural
from prize.models import (
    Application,
    ApplicationContent,
    Attachment,
    ContentKind,
    Edition,
    Juror,
    StoredFileRow,
    pk,
)
from prize.storage import DatabaseStore, Store, StoredFile, UploadRefused, clean_filename

# An upload is written to disk before its row is committed (``store_upload``, then ``attach``):
# a file this young without a row may be one in flight, and is left alone.
ORPHAN_GRACE = timedelta(hours=1)


def of_content(*, session: Session, content: ApplicationContent | None) -> list[Attachment]:
    if content is None or content.id is None:
        return []
    return list(
        session.exec(
            select(Attachment)
            .where(Attachment.content_id == content.id)
            .order_by(col(Attachment.id))
        )
    )


def stored_names_of(*, session: Session, content_ids: Iterable[int]) -> set[str]:
    ids = list(content_ids)
    if not ids:
        return set()
    return set(
        session.exec(select(Attachment.stored_name).where(col(Attachment.content_id).in_(ids)))
    )


def same_files(a: list[Attachment], b: list[Attachment]) -> bool:
    def key(items: list[Attachment]) -> list[tuple[str, str]]:
        return sorted((x.stored_name, x.original_name) for x in items)

    return key(a) == key(b)


def delete_rows_of(*, session: Session, content: ApplicationContent) -> set[str]:
    """Delete a content row's attachment rows; return the stored names they used."""
    names = stored_names_of(session=session, content_ids=[content.id] if content.id else [])
    session.exec(delete(Attachment).where(col(Attachment.content_id) == content.id))
    return names


def orphans(*, session: Session, store: Store, now: datetime) -> list[str]:
    """The stored files no attachment row names, last written more than ``ORPHAN_GRACE`` before
    ``now`` (upload temporaries left by a crash included): one listing of the folder and one
    query. ``now`` is compared with the files' modification times: pass the real time."""
    store = store
    on_disk = store.listing()
    if not on_disk:
        return []
    known = set(session.exec(select(Attachment.stored_name).distinct()))
    known |= set(session.exec(select(Juror.guardian_form).where(Juror.guardian_form != "")))
    return store.written_before([n for n in on_disk if n not in known], before=now - ORPHAN_GRACE)


STORE_SAMPLE = 20  # attached files looked for in a folder: this many newest, this many others


@dataclass(frozen=True)
class StoreCheck:
    """How many attached files were looked for in the store, and how many it lacks."""

    checked: int
    missing: int

    @property
    def wrong_store(self) -> bool:
        """Half of them or more missing: the files are somewhere else (a folder left behind by
        an upgrade, a shared folder not mounted on this machine), not one file lost."""
        return self.missing > 0 and 2 * self.missing >= self.checked


def store_problem(found: StoreCheck, url: str) -> str:
    """What ``/health`` and the server's start-up say when ``found.wrong_store`` (for whoever
    runs the installation: English, as the logs)."""
    return (
        f"storage: {found.missing} of {found.checked} attached files looked for are not in "
        f"{url}; downloads of them answer 404. If they are in a folder (an installation "
        "upgraded to the database store), move them once with every server stopped: "
        "PRIZE_STORAGE_URL=file:///that/folder prize storage migrate --to database: ; or set "
        "PRIZE_STORAGE_URL to where they are (a shared folder mounted) on every machine"
    )


def check_store(*, session: Session, store: Store, sample: int = STORE_SAMPLE) -> StoreCheck:
    """Whether the attached files are in ``store``: in the database, every one of them (one
    query); in a folder, the ``sample`` newest and ``sample`` others at random."""
    if isinstance(store, DatabaseStore):
        names = select(Attachment.stored_name).distinct().subquery()
        stored = exists().where(col(StoredFileRow.name) == names.c.stored_name)
        checked = session.exec(select(func.count()).select_from(names)).one()
        missing = session.exec(select(func.count()).select_from(names).where(~stored)).one()
        return StoreCheck(checked, missing)
    newest = session.exec(
        select(Attachment.stored_name).order_by(col(Attachment.id).desc()).limit(sample)
    )
    others = session.exec(select(Attachment.stored_name).order_by(func.random()).limit(sample))
    looked_for = set(newest) | set(others)
    return StoreCheck(len(looked_for), len(looked_for - store.present(looked_for)))


def remove_orphans(*, store: Store, names: Iterable[str]) -> list[str]:
    """Delete the orphans ``orphans`` listed; return those removed (a refusal is logged, and the
    next sweep finds the file again)."""
    store = store
    return [name for name in names if store.delete(name)]


def delete_files_after_commit(*, session: Session, store: Store, names: set[str]) -> None:
    """Once committed, remove from disk the stored files no attachment row refers to any more."""
    if not names:
        return
    session.flush()
    unused = {
        name
        for name in names
        if session.exec(
            select(func.count()).select_from(Attachment).where(Attachment.stored_name == name)
        ).one()
        == 0
    }
    if not unused:
        return
    store = store

    def remove(_session: Any) -> None:
        for name in unused:
            store.delete(name)

    event.listen(session, "after_commit", remove, once=True)


def _delete_file_on_rollback(session: Session, store: Store, name: str) -> None:
    def remove(_session: Any) -> None:
        store.delete(name)

    def forget(_session: Any) -> None:
        if event.contains(session, "after_rollback", remove):
            event.remove(session, "after_rollback", remove)

    event.listen(session, "after_rollback", remove, once=True)
    event.listen(session, "after_commit", forget, once=True)


def add(
    *,
    session: Session,
    application: Application,
    source: BinaryIO,
    filename: str,
    store: Store,
    max_bytes: int,
    max_files: int,
    now: datetime,
) -> Attachment:
    """Store one file and attach it to the draft (a revision's, for a submitted application)."""
    _check_can_attach(session=session, application=application, max_files=max_files, now=now)
    stored = store_upload(source=source, store=store, max_bytes=max_bytes)
    _delete_file_on_rollback(session, store, stored.stored_name)
    return _record(
        session=session, application=application, stored=stored, filename=filename, now=now
    )


def store_upload(*, source: BinaryIO, store: Store, max_bytes: int) -> StoredFile:
    """Copy an upload into the storage folder (checked on its content), outside any transaction.

    For ``attach``: copying and flushing a file of several MB inside the writing transaction
    would hold SQLite's one write lock meanwhile, and every other applicant's save would wait
    for the disk (bench/surge.py)."""
    try:
        return store.save(source, max_bytes=max_bytes)
    except UploadRefused as refused:
        raise DomainError(refused.message.msgid, field="file", **refused.message.params) from None


def discard(*, store: Store, stored: StoredFile) -> None:
    """Remove a stored upload that was not attached."""
    store.delete(stored.stored_name)


def attach(
    *,
    session: Session,
    application: Application,
    stored: StoredFile,
    filename: str,
    store: Store,
    max_files: int,
    now: datetime,
) -> Attachment:
    """Attach a file ``store_upload`` stored to the draft; refused as ``add`` refuses, and the
    file is removed if this transaction rolls back."""
    _delete_file_on_rollback(session, store, stored.stored_name)
    _check_can_attach(session=session, application=application, max_files=max_files, now=now)
    return _record(
        session=session, application=application, stored=stored, filename=filename, now=now
    )


def _check_can_attach(
    *, session: Session, application: Application, max_files: int, now: datetime
) -> None:

    session.refresh(application, with_for_update=True)  # one request at a time per application
    edition = session.get_one(Edition, application.edition_id)
    if not can_edit(application, edition, now):
        raise NotAllowed(
            "Your application can no longer be changed: the deadline has passed.", field="file"
        )
    current = drafts.current_content(session=session, application=application)
    if len(of_content(session=session, content=current)) >= max_files:
        raise DomainError(
            Plural(
                "You can attach at most %(num)s file. Remove it before adding another.",
                "You can attach at most %(num)s files. Remove one before adding another.",
                max_files,
            ),
            field="file",
        )


def _record(
    *, session: Session, application: Application, stored: StoredFile, filename: str, now: datetime
) -> Attachment:

    draft = drafts.ensure_draft(session=session, application=application, now=now)
    attachment = Attachment(
        content_id=pk(draft),
        stored_name=stored.stored_name,
        original_name=clean_filename(filename, stored.content_type),
        content_type=stored.content_type,
        size=stored.size,
        sha256=stored.sha256,
        created_at=now,
    )
    session.add(attachment)
    draft.updated_at = now
    application.updated_at = now
    session.add(draft)
    session.add(application)
    session.flush()
    return attachment


def get_visible(*, session: Session, application: Application, attachment_id: int) -> Attachment:
    """One of the applicant's own files (of the draft or of the submitted version)."""
    attachment = session.get(Attachment, attachment_id)
    content = session.get(ApplicationContent, attachment.content_id) if attachment else None
    if attachment is None or content is None or content.application_id != application.id:
        raise NotFound("This file is not part of your application.")
    return attachment


def submitted_files(*, session: Session, application: Application) -> list[Attachment]:
    """The files of the submitted version (what the secretariat and jury see)."""
    content = session.exec(
        select(ApplicationContent).where(
            ApplicationContent.application_id == application.id,
            ApplicationContent.kind == ContentKind.submitted,
        )
    ).first()
    return of_content(session=session, content=content)


def remove(
    *,
    session: Session,
    application: Application,
    attachment_id: int,
    store: Store,
    now: datetime,
) -> None:
    """Remove a file from the draft (on a submitted application, from a revision: the submitted
    version keeps it until a resubmit)."""

    session.refresh(application, with_for_update=True)  # one request at a time per application
    edition = session.get_one(Edition, application.edition_id)
    if not can_edit(application, edition, now):
        raise NotAllowed("Your application can no longer be changed: the deadline has passed.")
    attachment = get_visible(session=session, application=application, attachment_id=attachment_id)
    current = drafts.current_content(session=session, application=application)
    if current is None or attachment.content_id != current.id:
        raise NotFound("This file is not part of your application.")
    draft = drafts.ensure_draft(session=session, application=application, now=now)
    if attachment.content_id != draft.id:  # the revision's copy of the same file
        attachment = session.exec(
            select(Attachment).where(
                Attachment.content_id == draft.id,
                Attachment.stored_name == attachment.stored_name,
            )
        ).one()
    name = attachment.stored_name
    session.delete(attachment)
    draft.updated_at = now
    application.updated_at = now
    session.add(draft)
    session.add(application)
    delete_files_after_commit(session=session, store=store, names={name})
