"""Errors the domain raises; each carries a translatable message for the person who caused it."""

from __future__ import annotations

from gettext import NullTranslations
from typing import Any

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
