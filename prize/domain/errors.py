"""Errors the domain raises; each carries a translatable message for the person who caused it."""

from __future__ import annotations

import math
from datetime import datetime
from gettext import NullTranslations
from typing import Any

from prize.formats import When
from prize.i18n import Message


class DomainError(Exception):
    """A rule refused an action. ``field`` names the form field it concerns, if any."""

    def __init__(self, msgid: str | Message, *, field: str | None = None, **params: Any) -> None:
        """``msgid`` with ``params``, or a whole ``Message`` (a count: ``i18n.Plural``)."""
        self.message = msgid if isinstance(msgid, Message) else Message(msgid, params)
        super().__init__(self.message.translate(NullTranslations()))  # English, for logs
        self.field = field


class NotFound(DomainError):
    pass


class NotAllowed(DomainError):
    """The actor may not do this (wrong role, wrong state, wrong time)."""


class Conflict(DomainError):
    """The action clashes with the stored state (a double submit, a stale edit)."""


class Throttled(NotAllowed):
    """Too many attempts for a key (an account, an address, a client) in a sliding window.

    With ``retry_at`` (and ``now``), the message may say when the next attempt is counted again:
    its parameters ``minutes`` (rounded up) and ``time`` (Paris time) are filled in.
    """

    def __init__(
        self,
        msgid: str,
        *,
        field: str | None = None,
        retry_at: datetime | None = None,
        now: datetime | None = None,
        **params: Any,
    ) -> None:
        if retry_at is not None and now is not None:
            params["minutes"] = max(1, math.ceil((retry_at - now).total_seconds() / 60))
            params["time"] = When(retry_at, "clock")
        super().__init__(msgid, field=field, **params)
        self.retry_at = retry_at
