"""Languages and message catalogues (English and French, from ``prize/translations``).

Catalogues are read from the ``.po`` files at start-up and compiled in memory, so the repository
holds only the text translators edit. ``Message`` carries a message id and its parameters from
code that has no request (forms, domain errors) to the place that knows the reader's language.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass, field
from datetime import datetime
from gettext import NullTranslations
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from prize import paths
from prize.settings import LANGUAGES

PARIS = ZoneInfo("Europe/Paris")


def N_(message: str) -> str:
    """Mark a string for extraction without translating it here."""
    return message


@dataclass(frozen=True)
class Message:
    """A message id and its parameters, translated where the reader's language is known."""

    msgid: str
    params: dict[str, Any] = field(default_factory=dict)

    def translate(self, translations: NullTranslations, language: str = "en") -> str:
        """The text in the reader's language; a parameter that is itself a Message is translated
        too, and an instant is shown in Paris time in the reader's locale."""
        text = translations.gettext(self.msgid)
        if not self.params:
            return text
        params = {k: _param(v, translations, language) for k, v in self.params.items()}
        return text % params


def _param(value: Any, translations: NullTranslations, language: str) -> Any:
    if isinstance(value, Message):
        return value.translate(translations, language)
    if isinstance(value, datetime):
        return paris_time(value, language)
    return value


@functools.lru_cache(maxsize=8192)
def paris_time(value: datetime, language: str, fmt: str = "medium") -> str:
    """An instant in Paris time, in the reader's locale, with the zone named (remembered:
    Babel's formatting was a quarter of a 50-row list page)."""
    text = format_datetime(value.astimezone(PARIS), fmt, locale=locale(language))
    return translations(language).gettext("%(time)s, Paris time") % {"time": text}


@functools.cache
def translations(language: str) -> NullTranslations:
    if language == "en" or language not in LANGUAGES:
        return NullTranslations()
    po = paths.TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"
    if not po.exists():
        return NullTranslations()
    with po.open("rb") as f:
        catalog = read_po(f, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


def gettext(language: str, message: str | Message, **params: Any) -> str:
    if isinstance(message, Message):
        return message.translate(translations(language), language)
    text = translations(language).gettext(message)
    return text % params if params else text


def negotiate(accept_language: str, default: str) -> str:
    """The best of our languages for an Accept-Language header."""
    choices: list[tuple[float, str]] = []
    for part in accept_language.split(","):
        bits = part.strip().split(";")
        tag = bits[0].strip().lower()
        quality = 1.0
        for b in bits[1:]:
            if b.strip().startswith("q="):
                try:
                    quality = float(b.strip()[2:])
                except ValueError:
                    quality = 0.0
        primary = tag.split("-")[0]
        if primary in LANGUAGES and quality > 0:
            choices.append((quality, primary))
    if not choices:
        return default
    choices.sort(key=lambda c: -c[0])  # stable: the first listed wins a tie
    return choices[0][1]


@functools.cache
def locale(language: str) -> Locale:
    return Locale.parse(language)
