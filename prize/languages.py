"""The message catalogues (English and French, from ``prize/translations``) and Babel's locales.

Catalogues are read from the ``.po`` files at start-up and compiled in memory, so the repository
holds only the text translators edit. The bottom of the language modules: ``prize.formats`` and
``prize.i18n`` both read from here.
"""

from __future__ import annotations

import functools
import io
from gettext import NullTranslations

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from prize import paths
from prize.settings import LANGUAGES


def N_(message: str) -> str:
    """Mark a string for extraction without translating it here."""
    return message


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


@functools.cache
def locale(language: str) -> Locale:
    return Locale.parse(language)
