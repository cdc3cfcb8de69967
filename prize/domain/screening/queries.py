"""Reading applications for the secretariat: the filtered, paginated list and one application in full.

Every page runs a fixed number of queries whatever the number of applications (no N+1): the list
joins each application to the content the secretariat reads (the submitted version; a draft's
own version for drafts) and counts attachments in the same query.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import String, and_, case, cast, func, literal_column, or_
from sqlmodel import Session, col, select

from prize.domain.editions import editions
from prize.domain.errors import NotFound
from prize.domain.screening import translation
from prize.models import (
    Application,
    ApplicationContent,
    ApplicationStatus,
    Attachment,
    AuditEvent,
    ContentKind,
    Edition,
    Staff,
    pk,
)

A = ApplicationStatus
PER_PAGE = 50
SORTS = {
    "reference": "reference",
    "-reference": "reference, descending",
    "submitted": "submission time",
    "-submitted": "submission time, newest first",
}
DRAFTS = "draft"  # the status filter value that lists drafts (never mixed in by default)


@dataclass(frozen=True)
class Filters:
    """What the list shows: ``status`` "" means every submitted application (no drafts)."""

    status: str = ""
    country: str = ""
    search: str = ""
    sort: str = "reference"
    page: int = 1

    @classmethod
    def parse(cls, params: Any) -> Filters:
        """From query parameters (anything with ``get``); unknown values fall back to defaults."""
        status = str(params.get("status", "") or "")
        if status not in {s.value for s in A}:
            status = ""
        country = str(params.get("country", "") or "").upper()
        if not (len(country) == 2 and country.isalpha()):
            country = ""
        sort = str(params.get("sort", "") or "reference")
        if sort not in SORTS:
            sort = "reference"
        try:
            page = max(1, min(int(str(params.get("page", "1"))), 100_000))
        except ValueError:
            page = 1
        search = str(params.get("q", "") or "").strip()[:100]
        return cls(status=status, country=country, search=search, sort=sort, page=page)

    def query(self, **changes: Any) -> dict[str, str]:
        """Query parameters for a link to this list with ``changes`` (page 1 unless given)."""
        values = {
            "status": self.status,
            "country": self.country,
            "q": self.search,
            "sort": self.sort,
            "page": "1",
        }
        values.update({k: str(v) for k, v in changes.items()})
        return {k: v for k, v in values.items() if v and not (k == "page" and v == "1")}


@dataclass(frozen=True)
class Row:
    id: int
    reference: str | None
    status: ApplicationStatus
    email: str
    language: str
    submitted_at: datetime | None
    created_at: datetime
    late: bool
    has_translation: bool  # some text translated for the jury
    title: str
    organisation: str
    country: str
    attachments: int
    translated: bool = False  # every text the jury reads translated (``translation.complete``)


@dataclass
class ListPage:
    rows: list[Row]
    total: int
    filters: Filters
    counts: dict[str, int]  # status -> number, drafts included
    countries: list[str]  # main countries present among the edition's applications
    per_page: int = PER_PAGE

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def submitted_total(self) -> int:
        return sum(n for s, n in self.counts.items() if s != DRAFTS)


def _visible_kind() -> Any:
    """The content the secretariat reads: a draft's own version, else the submitted one."""
    return case(
        (col(Application.status) == A.draft, literal_column(f"'{ContentKind.draft.value}'")),
        else_=literal_column(f"'{ContentKind.submitted.value}'"),
    )


def main_country() -> Any:
    """The first listed country (where the project mainly runs), as text, on both engines."""
    return col(ApplicationContent.countries)[0].as_string()


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def list_applications(*, session: Session, edition: Edition, filters: Filters) -> ListPage:
    """One page of the edition's applications (five queries at most, whatever their number)."""
    conditions = _conditions(edition, filters)
    join = and_(
        col(ApplicationContent.application_id) == col(Application.id),
        cast(col(ApplicationContent.kind), String) == _visible_kind(),
    )
    base = select(Application.id).outerjoin(ApplicationContent, join).where(*conditions)
    total = int(session.exec(select(func.count()).select_from(base.subquery())).one())
    stmt = (
        _row_columns()
        .outerjoin(ApplicationContent, join)
        .where(*conditions)
        .order_by(*_order(filters))
        .limit(PER_PAGE)
        .offset((filters.page - 1) * PER_PAGE)
    )
    return ListPage(
        rows=_with_translation_state(session, [_row(values) for values in session.exec(stmt)]),
        total=total,
        filters=filters,
        counts=status_counts(session=session, edition=edition),
        countries=_countries(session, edition),
    )


def _conditions(edition: Edition, filters: Filters) -> list[Any]:
    """The filters as conditions on an application and its visible content."""
    conditions: list[Any] = [Application.edition_id == edition.id]
    if filters.status:
        conditions.append(Application.status == A(filters.status))
    else:
        conditions.append(Application.status != A.draft)
    if filters.country:
        conditions.append(main_country() == filters.country)
    if filters.search:
        pattern = _like(filters.search)
        conditions.append(
            or_(
                *(
                    func.lower(func.coalesce(c, "")).like(pattern, escape="\\")
                    for c in (
                        col(Application.reference),
                        col(Application.email),
                        col(ApplicationContent.title),
                        col(ApplicationContent.organisation),
                        col(ApplicationContent.contact_email),
                    )
                )
            )
        )
    return conditions


def _order(filters: Filters) -> list[Any]:
    """By number or by date of submission, then by id, each ascending or descending."""
    order: list[Any]
    descending = filters.sort.startswith("-")
    if filters.sort.endswith("submitted"):
        key = func.coalesce(col(Application.submitted_at), col(Application.created_at))
        order = [key.desc() if descending else key.asc()]
    else:
        number = func.coalesce(col(Application.number), 0)
        order = [number.desc() if descending else number.asc()]
    order.append(col(Application.id).desc() if descending else col(Application.id).asc())
    return order


def _row_columns() -> Any:
    """The columns the list shows, not whole rows: no object built per application."""
    attachments = (
        select(func.count(col(Attachment.id)))
        .where(Attachment.content_id == ApplicationContent.id)
        .correlate(ApplicationContent)
        .scalar_subquery()
    )
    return select(  # type: ignore[call-overload]
        col(Application.id),
        col(Application.reference),
        col(Application.status),
        col(Application.email),
        col(Application.language),
        col(Application.submitted_at),
        col(Application.created_at),
        col(Application.late_reason),
        col(Application.translation),
        col(ApplicationContent.title),
        col(ApplicationContent.organisation),
        main_country(),
        attachments,
    )


def _with_translation_state(session: Session, rows: list[Row]) -> list[Row]:
    """The rows, those whose every text the jury reads is translated marked so (one query, for
    the rows of the page that have a translation)."""
    ids = [r.id for r in rows if r.has_translation]
    if not ids:
        return rows
    found = session.exec(
        select(Application, ApplicationContent)
        .join(ApplicationContent, col(ApplicationContent.application_id) == col(Application.id))
        .where(col(Application.id).in_(ids), ApplicationContent.kind == ContentKind.submitted)
    ).all()
    done = {
        app.id for app, content in found if translation.complete(content, app.translation or {})
    }
    return [replace(r, translated=r.id in done) for r in rows]


def _row(values: Any) -> Row:
    """A ``Row`` from the values of ``_row_columns``, in its order."""
    (
        app_id,
        reference,
        status,
        email,
        language,
        submitted_at,
        created_at,
        late_reason,
        translation,
        title,
        organisation,
        main,
        n,
    ) = values
    return Row(
        id=app_id,
        reference=reference,
        status=status,
        email=email,
        language=language,
        submitted_at=submitted_at,
        created_at=created_at,
        late=bool(late_reason),
        has_translation=bool(translation),
        title=title or "",
        organisation=organisation or "",
        country=main or "",
        attachments=int(n or 0),
    )


def next_to_screen(*, session: Session, edition: Edition, after: Application) -> Application | None:
    """The next submitted application waiting for screening, by reference after ``after``
    (round to the first when none follows), never ``after`` itself."""
    waiting = list(
        session.exec(
            select(Application)
            .where(
                Application.edition_id == edition.id,
                Application.status == A.submitted,
                Application.id != after.id,
            )
            .order_by(col(Application.number))
        )
    )
    position = after.number or 0
    return next((a for a in waiting if (a.number or 0) > position), waiting[0] if waiting else None)


def status_counts(*, session: Session, edition: Edition) -> dict[str, int]:
    """How many applications the edition has in each status (every status listed, drafts too)."""
    return {s.value: 0 for s in A} | editions.status_counts(session=session, edition=edition)


def _countries(session: Session, edition: Edition) -> list[str]:
    country = main_country()
    found = session.exec(
        select(country)
        .select_from(Application)
        .join(ApplicationContent, col(ApplicationContent.application_id) == col(Application.id))
        .where(Application.edition_id == edition.id)
        .distinct()
    )
    return sorted({str(c) for c in found if c})


# --------------------------------------------------------------------------- one application


@dataclass
class Dossier:
    """One application in full: what the secretariat reads on its page."""

    application: Application
    edition: Edition
    submitted: ApplicationContent | None
    draft: ApplicationContent | None  # a draft application, or an edit in progress
    attachments: dict[int, list[Attachment]] = field(default_factory=dict)  # content id -> files
    history: list[AuditEvent] = field(default_factory=list)
    staff_names: dict[int, str] = field(default_factory=dict)

    @property
    def shown(self) -> ApplicationContent | None:
        """The version that stands: the submitted one, or a draft's own version."""
        return self.submitted or self.draft

    @property
    def revision_in_progress(self) -> bool:
        return self.submitted is not None and self.draft is not None


def load_application(*, session: Session, application_id: int) -> Dossier:
    """The application, its versions, their attachments and its audit history (five queries)."""
    found = session.exec(
        select(Application, Edition)
        .join(Edition, col(Edition.id) == Application.edition_id)
        .where(Application.id == application_id)
    ).first()
    if found is None:
        raise NotFound("There is no application %(id)s.", id=application_id)
    application, edition = found
    contents = {
        c.kind: c
        for c in session.exec(
            select(ApplicationContent).where(ApplicationContent.application_id == application_id)
        )
    }
    files: dict[int, list[Attachment]] = {pk(c): [] for c in contents.values()}
    if files:
        for attachment in session.exec(
            select(Attachment)
            .where(col(Attachment.content_id).in_(list(files)))
            .order_by(col(Attachment.id))
        ):
            files[attachment.content_id].append(attachment)
    history = list(
        session.exec(
            select(AuditEvent)
            .where(
                AuditEvent.subject_kind == "application", AuditEvent.subject_id == application_id
            )
            .order_by(col(AuditEvent.id))
        )
    )
    staff_ids = sorted({e.actor_id for e in history if e.actor_kind == "staff" and e.actor_id})
    names = (
        {
            pk(s): s.name or s.email
            for s in session.exec(select(Staff).where(col(Staff.id).in_(staff_ids)))
        }
        if staff_ids
        else {}
    )
    return Dossier(
        application=application,
        edition=edition,
        submitted=contents.get(ContentKind.submitted),
        draft=contents.get(ContentKind.draft),
        attachments=files,
        history=history,
        staff_names=names,
    )


def find_attachment(*, session: Session, application_id: int, attachment_id: int) -> Attachment:
    """An attachment of this application (of any of its versions), or NotFound."""
    attachment = session.exec(
        select(Attachment)
        .join(ApplicationContent, col(ApplicationContent.id) == Attachment.content_id)
        .where(Attachment.id == attachment_id, ApplicationContent.application_id == application_id)
    ).first()
    if attachment is None:
        raise NotFound("There is no such file.")
    return attachment
