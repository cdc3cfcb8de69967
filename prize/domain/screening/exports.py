"""CSV and JSON exports of an edition's submitted applications: one row per application.

Drafts are never exported. Dates and times are in Paris time in the CSV ("2027-04-05 23:59",
year first, which every spreadsheet reads as a date) and in UTC ISO 8601 in the JSON. The CSV is safe to open in a spreadsheet: every cell is quoted, and
a quote is put before any formula a spreadsheet could run, at the start of a cell and after any
separator inside one (see ``safe_cell``; OWASP, "CSV injection").
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from prize import countries, formats
from prize.domain.screening.screening import reason_label
from prize.models import (
    Application,
    ApplicationContent,
    ApplicationStatus,
    Attachment,
    ContentKind,
    Edition,
    pk,
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
# Where a spreadsheet may start reading a new cell inside one of ours: the separators of the
# two usual delimiters (a French-locale Excel splits on ";"), and line and tab breaks.
_SEPARATOR = re.compile(r"([,;\t\r\n])")
# A whole cell that starts with a sign and is still plain text or a plain number: a number
# (a telephone number: digits, spaces, dots, slashes, closed brackets) or words of letters.
_PLAIN_SIGNED = re.compile(
    r"[+-] *(?:[0-9][0-9 ./]*(?:\([0-9 ./]*\)[0-9 ./]*)*|[^\W\d_]+(?: [^\W\d_]+)*)? *"
)
_FORMULA_STARTS = "=+-@"


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


def _iso(value: Any) -> Any:
    """A row's value for JSON: dates and instants in ISO 8601 (UTC for instants)."""
    return value.isoformat() if isinstance(value, date) else value


def _row(app: Application, c: ApplicationContent | None, files: dict[int, int]) -> dict[str, Any]:
    codes = list(c.countries) if c else []
    main = codes[0] if codes else ""
    return {
        "reference": app.reference,
        "status": app.status.value,
        "submitted_at": app.submitted_at,
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
        "start_date": c.start_date if c else None,
        "still_running": c.still_running if c else None,
        "end_date": c.end_date if c else None,
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
        "info_due": app.info_due,
        "attachments": files.get(pk(c), 0) if c else 0,
        "translated": sorted(app.translation) if app.translation else [],
    }


def safe_cell(value: Any) -> str:
    """A CSV cell: lists joined with spaces, booleans as yes/no, formulas defused with a quote.

    The rule. The cell is cut into pieces at every ``,`` ``;`` tab, carriage return and line
    break: a spreadsheet that splits on another delimiter than ours, or by lines, starts a new
    cell there. In each piece, the leading spaces (tab and CR included) and double quotes are
    skipped, as a spreadsheet may strip them; if what follows is ``=``, ``+``, ``-`` or ``@``,
    a quote ``'`` goes before it (text in every spreadsheet), with one exception:

    - the cell's own start keeps a sign (``+`` or ``-``) when the whole cell is only a number
      (digits, spaces, dots, slashes, closed brackets: ``-1``, ``+33 (0)3 88 41 20 00``) or
      only words of letters (``+Attitude``, a winning title of 2016). Such a cell holds no
      function call (a name followed by ``(``), no cell reference (``A1``, ``R1C1`` and ``A:A``
      need digits or ``:``), no command (``cmd|' /C calc'!A0`` needs ``|`` and ``!``) and no
      arithmetic joining them (``-2+3``, ``+A1``): at worst a spreadsheet shows ``#NAME?``.

    ``=`` and ``@`` are always quoted (``=HYPERLINK(...)``, ``@SUM(...)``), and so is a sign
    after a separator inside a cell: split there, the new cell would run on into the cells
    that follow ours. A piece that already starts with ``'`` is text and is left alone.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return formats.spreadsheet(value)
    if isinstance(value, list):
        value = " ".join(str(v) for v in value)
    text = str(value)
    plain = _PLAIN_SIGNED.fullmatch(text.strip()) is not None
    pieces = _SEPARATOR.split(text)  # odd indexes hold the separators
    for index in range(0, len(pieces), 2):
        piece = pieces[index]
        start = 0
        while start < len(piece) and (piece[start].isspace() or piece[start] == '"'):
            start += 1
        rest = piece[start:]
        if rest[:1] and rest[0] in _FORMULA_STARTS and not (index == 0 and plain):
            pieces[index] = piece[:start] + "'" + rest
    return "".join(pieces)


def to_csv(data: list[dict[str, Any]]) -> str:
    """UTF-8 CSV text with a byte-order mark (so that spreadsheets read the accents right)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    writer.writerow(COLUMNS)
    for row in data:
        writer.writerow([safe_cell(row[name]) for name in COLUMNS])
    return "\ufeff" + buffer.getvalue()


def to_json(*, edition: Edition, data: list[dict[str, Any]], now: datetime) -> str:
    document: dict[str, Any] = {
        "edition": edition.year,
        **({"rehearsal": True} if edition.rehearsal else {}),
        "exported_at": now.isoformat(),
        "count": len(data),
        "applications": [{name: _iso(value) for name, value in row.items()} for row in data],
    }
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=False) + "\n"


def file_name(edition: Edition, extension: str) -> str:
    """The export's file name; a rehearsal's says so."""
    prefix = "rehearsal-" if edition.rehearsal else ""
    return f"{prefix}applications-{edition.year}.{extension}"
