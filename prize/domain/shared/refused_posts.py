"""Refused form posts, kept for an hour for the page the browser is sent back to.

Every POST answers with a redirect (Post/Redirect/Get), so Back never offers to send a form
again; a refused one leaves here what was typed and why it was refused, and the page it
redirects to reads it back (``prize.views.refused`` is the web side). A row is found by its
random ``key`` and only by the ``owner`` it was kept for; nothing is read after ``expires_at``,
and expired rows are swept each time one is kept and by the retention rule.
"""

from __future__ import annotations

import json
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, delete, select

from prize.models import RefusedPost

KEPT_FOR = timedelta(hours=1)
# Characters of JSON kept at most: a form's body is at most 512 KB (app.SMALL_BODY_LIMIT), which
# escaped as ASCII JSON (up to 12 characters for 4 bytes) stays under this; past it, only why.
MAX_CONTENT = 8 * 1024 * 1024
MAX_PER_OWNER = 20  # stashes of one owner kept at once (older ones go first)


def keep(*, session: Session, owner: str, form: str, content: dict[str, Any], now: datetime) -> str:
    """Keep ``content`` (JSON-able) for ``owner``'s next look at ``form``; its key.

    An earlier stash of the same owner and form is replaced, and expired rows are swept."""
    sweep(session=session, now=now)
    session.exec(
        delete(RefusedPost).where(
            col(RefusedPost.owner) == owner, col(RefusedPost.form) == form[:200]
        )
    )
    older = list(
        session.exec(
            select(RefusedPost.id)
            .where(RefusedPost.owner == owner)
            .order_by(col(RefusedPost.id).desc())
            .offset(MAX_PER_OWNER - 1)
        )
    )
    if older:
        session.exec(delete(RefusedPost).where(col(RefusedPost.id).in_(older)))
    # ASCII only: a lone surrogate or a NUL typed in a field must not stop the row being stored
    text = json.dumps(content, ensure_ascii=True, default=str)
    if len(text) > MAX_CONTENT:  # keep why it was refused, not the values
        text = json.dumps({**content, "values": {}}, ensure_ascii=True, default=str)
    key = secrets.token_urlsafe(24)
    session.add(
        RefusedPost(
            key=key, owner=owner, form=form[:200], content=text, created_at=now,
            expires_at=now + KEPT_FOR,
        )
    )  # fmt: skip
    session.flush()
    return key


def find(
    *, session: Session, key: str, owner: str, form: str, now: datetime
) -> dict[str, Any] | None:
    """What was kept under ``key`` for ``owner`` and ``form``, unless expired; else None."""
    row = session.exec(
        select(RefusedPost).where(
            RefusedPost.key == key[:64],
            RefusedPost.owner == owner,
            RefusedPost.form == form[:200],
            col(RefusedPost.expires_at) > now,
        )
    ).first()
    if row is None:
        return None
    content = json.loads(row.content)
    return content if isinstance(content, dict) else None


def sweep(*, session: Session, now: datetime) -> int:
    """Delete every stash past its hour; how many."""
    result = session.exec(delete(RefusedPost).where(col(RefusedPost.expires_at) <= now))
    return int(result.rowcount or 0)
