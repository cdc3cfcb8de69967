"""CSV and JSON exports of an edition's submitted applications: one row per application.

Drafts are never exported. The CSV is safe to open in a spreadsheet: a cell that starts with
``=``, ``+``, ``-``, ``@`` (or a tab or carriage return) is prefixed with a quote, so that it is
shown as text and never run as a formula (OWASP, "CSV injection").
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from prize import countries
from prize.domain.screening import reason_label
from prize.models import (
    Application,
    ApplicationContent,
    ApplicationStatus,
    Attachment,
    ContentKind,
    Edition,
)

COLUMNS = (
    "reference",
    "status",
    "submitted_at",
    "late_reason",
    "language",
    "email",
    "title",
    "organisation",
    "country_code",
    "country",
    "countries",
    "young_people",
    "adults",
    "start_date",
    "still_running",
    "end_date",
    "applicant_name",
    "phone",
    "contact_email",
    "website",
    "contact_person",
    "contact_person_email",
    "screening_rule",
    "screening_reason",
    "screening_note",
    "info_message",
    "info_due",
    "attachments",
    "translated",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def rows(*, session: Session, edition: Edition) -> list[dict[str, Any]]:
    """Every submitted application of the edition, by reference (two queries)."""
    found = list(
        session.exec(
            select(Application, ApplicationContent)
            .outerjoin(
                ApplicationContent,
                (col(ApplicationContent.application_id) == col(Application.id))
                & (col(ApplicationContent.kind) == ContentKind.submitted),
            )
            .where(
                Application.edition_id == edition.id, Application.status != ApplicationStatus.draft
            )
            .order_by(col(Application.number), col(Application.id))
        )
    )
    content_ids = [c.id for _, c in found if c is not None]
    files: dict[int, int] = {}
    if content_ids:
        files = {
            content_id: int(n)
            for content_id, n in session.exec(
                select(Attachment.content_id, func.count())
                .where(col(Attachment.content_id).in_(content_ids))
                .group_by(col(Attachment.content_id))
            )
        }
    return [_row(app, content, files) for app, content in found]


def _iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _row(app: Application, c: ApplicationContent | None, files: dict[int, int]) -> dict[str, Any]:
    codes = list(c.countries) if c else []
    main = codes[0] if codes else ""
    return {
        "reference": app.reference,
        "status": app.status.value,
        "submitted_at": _iso(app.submitted_at),
        "late_reason": app.late_reason,
        "language": app.language,
        "email": app.email,
        "title": c.title if c else "",
        "organisation": c.organisation if c else "",
        "country_code": main,
        "country": countries.name(main, "en") if main else "",
        "countries": codes,
        "young_people": c.young_people if c else None,
        "adults": c.adults if c else None,
        "start_date": _iso(c.start_date) if c else None,
        "still_running": c.still_running if c else None,
        "end_date": _iso(c.end_date) if c else None,
        "applicant_name": c.applicant_name if c else "",
        "phone": c.phone if c else "",
        "contact_email": c.contact_email if c else "",
        "website": c.website if c else "",
        "contact_person": c.contact_person if c else "",
        "contact_person_email": c.contact_person_email if c else "",
        "screening_rule": app.screening_reason,
        "screening_reason": reason_label(app.screening_reason) if app.screening_reason else "",
        "screening_note": app.screening_note,
        "info_message": app.info_message,
        "info_due": _iso(app.info_due),
        "attachments": files.get(c.id, 0) if c and c.id is not None else 0,
        "translated": sorted(app.translation) if app.translation else [],
    }


def safe_cell(value: Any) -> str:
    """A CSV cell: lists joined with spaces, booleans as yes/no, formulas defused with a quote."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        value = " ".join(str(v) for v in value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def to_csv(data: list[dict[str, Any]]) -> str:
    """UTF-8 CSV text with a byte-order mark (so that spreadsheets read the accents right)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in data:
        writer.writerow([safe_cell(row[name]) for name in COLUMNS])
    return "\ufeff" + buffer.getvalue()


def to_json(*, edition: Edition, data: list[dict[str, Any]], now: datetime) -> str:
    document = {
        "edition": edition.year,
        "exported_at": now.isoformat(),
        "count": len(data),
        "applications": data,
    }
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
