"""Reading the outbox for the secretariat's pages: one page of messages, one message, and counts
per status."""

from __future__ import annotations

from sqlmodel import Session, col, func, select

from prize.domain.errors import NotFound
from prize.domain.shared.paging import Page
from prize.models import OutboxMessage, OutboxStatus


def search(
    *, session: Session, status: OutboxStatus | None = None, page: int = 1, per_page: int = 25
) -> Page[OutboxMessage]:
    """Messages newest first, optionally of one status."""
    where = [] if status is None else [OutboxMessage.status == status]
    total = int(session.exec(select(func.count()).select_from(OutboxMessage).where(*where)).one())
    page = max(1, page)
    rows = session.exec(
        select(OutboxMessage)
        .where(*where)
        .order_by(col(OutboxMessage.created_at).desc(), col(OutboxMessage.id).desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    return Page(rows=list(rows), total=total, page=page, per_page=per_page)


def status_counts(*, session: Session) -> dict[str, int]:
    rows = session.exec(
        select(OutboxMessage.status, func.count()).group_by(col(OutboxMessage.status))
    )
    return {OutboxStatus(status).value: int(n) for status, n in rows}


def message(*, session: Session, message_id: int) -> OutboxMessage:
    """One message of the outbox, whatever its status."""
    found = session.get(OutboxMessage, message_id)
    if found is None:
        raise NotFound("There is no such message.")
    return found
