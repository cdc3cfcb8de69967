"""Countries by ISO 3166 alpha-2 code, named in English and French from Babel's locale data."""

from __future__ import annotations

import functools
import unicodedata

from prize.i18n import locale

# The Council of Europe's 46 member states.
COUNCIL_OF_EUROPE = [
    "AL",
    "AD",
    "AM",
    "AT",
    "AZ",
    "BE",
    "BA",
    "BG",
    "HR",
    "CY",
    "CZ",
    "DK",
    "EE",
    "FI",
    "FR",
    "GE",
    "DE",
    "GR",
    "HU",
    "IS",
    "IE",
    "IT",
    "LV",
    "LI",
    "LT",
    "LU",
    "MT",
    "MD",
    "MC",
    "ME",
    "NL",
    "MK",
    "NO",
    "PL",
    "PT",
    "RO",
    "SM",
    "RS",
    "SK",
    "SI",
    "ES",
    "SE",
    "CH",
    "TR",
    "UA",
    "GB",
]
# Pompidou Group members outside the Council of Europe (as of 2017).
POMPIDOU_OUTSIDE_COE = ("IL", "MX", "MA")
# The MedNET network's other countries.
MEDNET = ("DZ", "EG", "JO", "LB", "PS", "TN")

DEFAULT_ELIGIBLE = (*COUNCIL_OF_EUROPE, *POMPIDOU_OUTSIDE_COE, *MEDNET)


@functools.lru_cache(maxsize=2048)
def name(code: str, language: str = "en") -> str:
    """The country's name in ``language``; the code itself if Babel does not know it."""
    return str(locale(language).territories.get(code.upper(), code.upper()))


@functools.cache
def choices(codes: tuple[str, ...], language: str) -> list[tuple[str, str]]:
    """(code, name) pairs sorted by name in the reader's language."""
    return sorted(((c, name(c, language)) for c in codes), key=lambda p: _collation_key(p[1]))


def is_known(code: str) -> bool:
    return code.upper() in locale("en").territories and len(code) == 2 and code.isalpha()


def _collation_key(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
