"""E-mails in the outbox, made through the models."""

from __future__ import annotations

import secrets
from typing import Any

from sqlmodel import Session

from prize.models import (
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
