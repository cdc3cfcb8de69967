"""Countries by ISO 3166 alpha-2 code, named in English and French as the Council of Europe
names them (``prize/data/countries.csv``, with its source), else from Babel's locale data."""

from __future__ import annotations

import csv
import functools
import unicodedata

from prize.i18n import locale
from prize.paths import PACKAGE

NAMES_FILE = PACKAGE / "data" / "countries.csv"

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


@functools.cache
def _council_names() -> dict[tuple[str, str], str]:
    """(code, language) -> name, from the data file (lines starting with # are its notes)."""
    with NAMES_FILE.open(encoding="utf-8", newline="") as f:
        rows = csv.DictReader(line for line in f if not line.startswith("#"))
        return {(row["code"], language): row[language] for row in rows for language in ("en", "fr")}


@functools.lru_cache(maxsize=2048)
def name(code: str, language: str = "en") -> str:
    """The country's name in ``language``: the Council of Europe's, else Babel's, else the code
    itself."""
    code = code.upper()
    own = _council_names().get((code, language if language == "fr" else "en"))
    return own or str(locale(language).territories.get(code, code))


@functools.cache
def choices(codes: tuple[str, ...], language: str) -> list[tuple[str, str]]:
    """(code, name) pairs sorted by name in the reader's language."""
    return sorted(((c, name(c, language)) for c in codes), key=lambda p: _collation_key(p[1]))


def is_known(code: str) -> bool:
    return code.upper() in locale("en").territories and len(code) == 2 and code.isalpha()


def _collation_key(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
