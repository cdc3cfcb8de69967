"""Shared parsing for forms: every refusal is a translatable message attached to its field."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import FormData

from prize.i18n import Message


@dataclass
class FormResult:
    """The values a form gave (as typed, for re-display) and the errors by field name."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, Message] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, name: str, msgid: str, **params: Any) -> None:
        self.errors.setdefault(name, Message(msgid, params))


def text(form: FormData, name: str) -> str:
    """A text field, stripped, its line breaks all "\n" whatever the browser sent (a form posts
    a textarea's as "\r\n", a script may send "\n"): every form reads its texts here, so what is
    stored never depends on how it was sent. Over-long input is cut by the caller's validation,
    not here."""
    value = form.get(name, "")
    if not isinstance(value, str):
        return ""
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


def word_count(value: str) -> int:
    return len(value.split())


MAX_WHOLE = 2**31 - 1  # the largest value of an integer column, on PostgreSQL as on SQLite


def whole(raw: object, *, maximum: int = MAX_WHOLE) -> int | None:
    """``raw`` as a whole number from 0 to ``maximum`` if it is one, written in ASCII digits;
    else None. (``str.isdigit`` alone lets "²" through, which ``int`` refuses, and lets numbers
    through that no column holds.)"""
    if not isinstance(raw, str) or not raw.isascii() or not raw.isdigit() or len(raw) > 12:
        return None
    value = int(raw)
    return value if value <= maximum else None
