"""Applications with their content (draft or submitted) and stored attachments, made through
the models."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session

from prize.models import (
    Application,
    ApplicationContent,
    ApplicationStatus,
    Attachment,
    ContentKind,
    Edition,
)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

GOALS = "Prevent early use of alcohol and cannabis among pupils aged 12 to 16."
SUMMARY = (
    "Young volunteers write and perform short street plays about substance misuse and healthy "
    "living, then talk with the audience."
)
PARTICIPATION = "Young people choose the themes, write the plays, act, and evaluate each season."


def content(
    *,
    session: Session,
    application: Application,
    kind: ContentKind = ContentKind.submitted,
    title: str = "Intercity Theatre",
    organisation: str = "Youth Stage Association",
    countries: Sequence[str] = ("BA",),
    applicant_name: str = "Amra Hodžić",
    **fields: Any,
) -> ApplicationContent:
    """One version of what an applicant typed, every required part filled in."""
    unknown = set(fields) - set(ApplicationContent.model_fields)
    if unknown:
        raise TypeError(f"not an application field: {sorted(unknown)}")
    values: dict[str, Any] = {
        "young_people": 40,
        "adults": 5,
        "start_date": date(2024, 9, 1),
        "still_running": True,
        "address": "Titova 1, 71000 Sarajevo",
        "phone": "+387 33 000 000",
        "contact_email": application.email,
        "website": "https://example.org/theatre",
        "social_links": "",
        "contact_person": applicant_name,
        "contact_person_email": application.email,
        "goals": GOALS,
        "summary": SUMMARY,
        "participation": PARTICIPATION,
        "involvement": {
            part: {"involved": True, "how": "They decide together."}
            for part in ("strategy", "structures", "activities", "evaluation")
        },
        "links": [],
        "consent_processing": True,
        "consent_publication": True,
        "consent_summary": True,
        **fields,
    }
    row = ApplicationContent(
        application_id=application.id,
        kind=kind,
        title=title,
        organisation=organisation,
        countries=list(countries),
        applicant_name=applicant_name,
        updated_at=application.updated_at,
        **values,
    )
    session.add(row)
    session.flush()
    return row


def application(
    *,
    session: Session,
    edition: Edition,
    status: ApplicationStatus = ApplicationStatus.submitted,
    email: str | None = None,
    language: str = "en",
    submitted_at: datetime | None = None,
    draft_revision: bool = False,
    attachments: Sequence[tuple[str, bytes]] = (),
    storage_dir: Path | None = None,
    **content_fields: Any,
) -> Application:
    """An application in ``status``; anything but a draft is numbered and has submitted content.

    ``draft_revision`` adds a draft version beside the submitted one (an edit in progress);
    ``attachments`` are ``(file name, bytes)`` pairs stored under ``storage_dir`` and attached to
    the submitted content (to the draft for a draft application). Other keyword arguments set
    the application's own columns (``late_reason``, ``screening_reason``, ``info_due``, ...) or,
    failing that, its content's (``title``, ``countries``, ``phone``, ...).
    """
    when = submitted_at or edition.deadline - timedelta(days=3)
    own = set(Application.model_fields) - set(ApplicationContent.model_fields)
    app_fields = {k: content_fields.pop(k) for k in list(content_fields) if k in own}
    app = Application(
        edition_id=edition.id,
        email=email or f"applicant-{secrets.token_hex(3)}@example.org",
        language=language,
        status=status,
        created_at=when - timedelta(days=10),
        updated_at=when,
        **app_fields,
    )
    if status is not ApplicationStatus.draft:
        edition.last_number += 1
        app.number = edition.last_number
        prefix = "REHEARSAL" if edition.rehearsal else "EDPP"
        app.reference = f"{prefix}-{edition.year}-{edition.last_number:04d}"
        app.submitted_at = when
        session.add(edition)
    session.add(app)
    session.flush()
    kind = ContentKind.draft if status is ApplicationStatus.draft else ContentKind.submitted
    main = content(session=session, application=app, kind=kind, **content_fields)
    if draft_revision and kind is ContentKind.submitted:
        revised = {**content_fields, "summary": SUMMARY + " A second season started."}
        content(session=session, application=app, kind=ContentKind.draft, **revised)
    for name, data in attachments:
        attachment(session=session, content=main, name=name, data=data, storage_dir=storage_dir)
    return app


def drafts(
    *, session: Session, edition: Edition, people: dict[str, str], **fields: Any
) -> list[Application]:
    """A draft never submitted for each address of ``people`` (address -> language), titled
    "Project of <address>" unless ``fields`` say otherwise."""
    return [
        application(
            session=session,
            edition=edition,
            status=ApplicationStatus.draft,
            email=email,
            language=language,
            **({"title": f"Project of {email}"} | fields),
        )
        for email, language in people.items()
    ]


def attachment(
    *,
    session: Session,
    content: ApplicationContent,
    name: str = "report.pdf",
    data: bytes = PDF,
    content_type: str = "application/pdf",
    storage_dir: Path | None = None,
) -> Attachment:
    """A stored file under a random name (written to ``storage_dir`` when given)."""
    stored = secrets.token_hex(24)  # 48 hex digits, as prize.storage names files
    if storage_dir is not None:
        storage_dir.mkdir(parents=True, exist_ok=True)
        (storage_dir / stored).write_bytes(data)
    row = Attachment(
        content_id=content.id,
        stored_name=stored,
        original_name=name,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )
    session.add(row)
    session.flush()
    return row
