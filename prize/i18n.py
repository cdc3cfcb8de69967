"""Languages and message catalogues (English and French, from ``prize/translations``).

The catalogues themselves are read by ``prize.languages``. ``Message`` carries a message id and its parameters from
code that has no request (forms, domain errors) to the place that knows the reader's language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from gettext import NullTranslations
from typing import Any, Protocol, runtime_checkable

from prize import formats
from prize.languages import N_ as N_
from prize.languages import locale as locale
from prize.languages import translations as translations
from prize.settings import LANGUAGES


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


@dataclass(frozen=True)
class Sentences:
    """Messages given to a message as one parameter, each translated, one after the other
    (a sentence per placeholder a text cannot fill, before what to do about them)."""

    messages: tuple[Message, ...]

    def shown_in(self, language: str) -> str:
        return " ".join(gettext(language, message) for message in self.messages)


def _param(value: Any, translations: NullTranslations, language: str) -> Any:
    if isinstance(value, Message):
        return value.translate(translations, language)
    if isinstance(value, Shown):
        return value.shown_in(language)
    if isinstance(value, datetime):
        return formats.date_time(value, language)
    return value


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
