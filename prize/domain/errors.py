"""Errors the domain raises; each carries a translatable message for the person who caused it."""

from __future__ import annotations

from typing import Any

from prize.i18n import Message


class DomainError(Exception):
    """A rule refused an action. ``field`` names the form field it concerns, if any."""

    def __init__(self, msgid: str, *, field: str | None = None, **params: Any) -> None:
        super().__init__(msgid % params if params else msgid)
        self.message = Message(msgid, params)
        self.field = field


class NotFound(DomainError):
    pass


class NotAllowed(DomainError):
    """The actor may not do this (wrong role, wrong state, wrong time)."""


class Conflict(DomainError):
    """The action clashes with the stored state (a double submit, a stale edit)."""
