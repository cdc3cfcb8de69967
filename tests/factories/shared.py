"""E-mails in the outbox, made through the models; audit events and e-mails counted by kind."""

from __future__ import annotations

import secrets
from typing import Any

from sqlmodel import Session, func, select

from prize.db import Database
from prize.models import (
    AuditEvent,
    OutboxMessage,
    OutboxStatus,
)


def outbox_message(
    *,
    session: Session,
    status: OutboxStatus = OutboxStatus.queued,
    recipient: str = "a@example.org",
    **fields: Any,
) -> OutboxMessage:
    """An e-mail in the outbox (a failed one with ``status=OutboxStatus.failed``)."""
    values: dict[str, Any] = {
        "kind": "x",
        "subject": "S",
        "body": "B",
        "message_id": f"<{secrets.token_hex(4)}@x>",
        **fields,
    }
    row = OutboxMessage(recipient=recipient, status=status, **values)
    session.add(row)
    session.flush()
    return row


def audit_count(db: Database, kind: str) -> int:
    """How many audit events of ``kind`` are stored (to show that a refusal recorded none)."""
    with db.read() as session:
        return int(
            session.exec(
                select(func.count()).select_from(AuditEvent).where(AuditEvent.kind == kind)
            ).one()
        )


def outbox_count(db: Database, kind: str) -> int:
    """How many e-mails of ``kind`` are in the outbox (to show that a refusal sent none)."""
    with db.read() as session:
        return int(
            session.exec(
                select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == kind)
            ).one()
        )
