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


def text(form: FormData, name: str, *, max_length: int = 10_000) -> str:
    """A text field, stripped; over-long input is cut by the caller's validation, not here."""
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def word_count(value: str) -> int:
    return len(value.split())
