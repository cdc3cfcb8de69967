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
from typing import Any, Protocol, runtime_checkable

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from prize import paths
from prize.settings import LANGUAGES


def N_(message: str) -> str:
    """Mark a string for extraction without translating it here."""
    return message


@runtime_checkable
class Shown(Protocol):
    """A message parameter that shows itself in the reader's language (``formats.When``)."""

    def shown_in(self, language: str) -> str: ...


@dataclass(frozen=True)
class Message:
    """A message id and its parameters, translated where the reader's language is known.

    ``plural``: the plural message id, for a message about a count (``params["num"]``); made
    with ``Plural``, so that the catalogue holds both forms."""

    msgid: str
    params: dict[str, Any] = field(default_factory=dict)
    plural: str | None = None

    def translate(self, translations: NullTranslations, language: str = "en") -> str:
        """The text in the reader's language; a parameter that is itself a Message is translated
        too, and an instant or a ``formats.When`` is shown in the reader's words."""
        if self.plural is not None:
            text = translations.ngettext(self.msgid, self.plural, int(self.params["num"]))
        else:
            text = translations.gettext(self.msgid)
        if not self.params:
            return text
        params = {k: _param(v, translations, language) for k, v in self.params.items()}
        return text % params


def Plural(singular: str, plural: str, num: int, **params: Any) -> Message:
    """A message about ``num`` things ("%(num)s juror" / "%(num)s jurors"), in the form the
    reader's language takes for that number."""
    return Message(singular, {"num": num, **params}, plural)


def _param(value: Any, translations: NullTranslations, language: str) -> Any:
    if isinstance(value, Message):
        return value.translate(translations, language)
    if isinstance(value, Shown):
        return value.shown_in(language)
    if isinstance(value, datetime):
        from prize import formats  # formats reads the catalogues: imported when first needed

        return formats.date_time(value, language)
    return value


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
