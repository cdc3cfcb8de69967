"""The jury pack: every supporting file of an edition's eligible applications, listed for one
zip archive with a folder per application named by its reference."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from prize.domain.applicants.attachments import submitted_files
from prize.domain.errors import DomainError
from prize.formats import Quantity
from prize.models import Application, ApplicationStatus, Edition

# The most a pack may hold: the archive is streamed (constant memory), but a download this large
# is a mistake rather than a jury pack.
MAX_PACK_BYTES = 4 * 1024**3
MAX_PACK_FILES = 2000


@dataclass(frozen=True)
class PackedFile:
    path: str  # inside the archive: "EDPP-2027-0001/plan.pdf"
    stored_name: str
    size: int


def archive_name(edition: Edition) -> str:
    prefix = "rehearsal-" if edition.rehearsal else ""
    return f"{prefix}edpp-{edition.year}-eligible-files.zip"


def pack(*, session: Session, edition: Edition) -> list[PackedFile]:
    """The files, in reference order; refused when there are none, or too many."""
    applications = session.exec(
        select(Application)
        .where(
            Application.edition_id == edition.id,
            Application.status == ApplicationStatus.eligible,
        )
        .order_by(col(Application.number))
    ).all()
    files: list[PackedFile] = []
    for application in applications:
        folder = application.reference or f"application-{application.id}"
        taken: set[str] = set()
        for attachment in submitted_files(session=session, application=application):
            name = _unique(attachment.original_name.replace("/", "_"), taken)
            files.append(PackedFile(f"{folder}/{name}", attachment.stored_name, attachment.size))
    if not files:
        raise DomainError("No eligible application of this edition has a supporting file.")
    total = sum(f.size for f in files)
    if len(files) > MAX_PACK_FILES or total > MAX_PACK_BYTES:
        raise DomainError(
            "The files are too many for one archive (%(count)s files, %(gb)s GB): download them "
            "from each application instead.",
            count=len(files),
            gb=Quantity(total / 1024**3, 1),
        )
    return files


def _unique(name: str, taken: set[str]) -> str:
    """``name``, or ``name (2).pdf`` and so on when an application has two files so named."""
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    candidate, n = name, 1
    while candidate.casefold() in taken:
        n += 1
        candidate = f"{stem} ({n}).{ext}" if ext else f"{stem} ({n})"
    taken.add(candidate.casefold())
    return candidate
