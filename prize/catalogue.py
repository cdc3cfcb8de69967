"""Keeping the message catalogues complete: extract every message id from the code and the
templates, update ``prize/translations/<lang>/LC_MESSAGES/messages.po``, and report what is
untranslated. Used by ``prize translations`` and by the test that keeps French complete.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from prize import paths
from prize.settings import LANGUAGES

# Functions whose argument is a message id: gettext's own (and ``Plural``: singular and plural),
# the lazy marker, domain errors and their subclasses (first argument), and error(name, msgid)
# (second argument). tests/infra/test_translations.py fails when a new one is missing here.
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "N_": None,
    "Message": None,
    "Plural": (1, 2),
    "DomainError": None,
    "NotFound": None,
    "NotAllowed": None,
    "Conflict": None,
    "Throttled": None,
    "ReasonsMissing": None,
    "ImportRefused": None,
    "Incomplete": None,
    "Changed": None,
    "flash": (2,),
    "error": (2,),
}
JINJA_OPTIONS = {"extensions": "jinja2.ext.i18n", "trimmed": "false"}


def _method_map() -> list[tuple[str, str]]:
    return [
        ("prize/**.py", "python"),
        ("templates/**.html", "jinja2.ext:babel_extract"),
        ("templates/**.txt", "jinja2.ext:babel_extract"),
    ]


def extract() -> Catalog:
    """Every translatable message id in prize/ and templates/."""
    catalog = Catalog(project="prize", charset="utf-8")
    root = paths.ROOT
    for filename, lineno, message, comments, context in extract_from_dir(
        str(root),
        method_map=_method_map(),
        options_map={"templates/**.html": JINJA_OPTIONS, "templates/**.txt": JINJA_OPTIONS},
        keywords=KEYWORDS,
        comment_tags=("Translators:",),
        strip_comment_tags=True,
    ):
        if not message or (isinstance(message, str) and not message.strip()):
            continue
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def po_path(language: str) -> Path:
    return paths.TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"


def load(language: str) -> Catalog:
    path = po_path(language)
    if not path.exists():
        return Catalog(locale=language, project="prize", charset="utf-8")
    with path.open("rb") as f:
        return read_po(f, locale=language)


def update(languages: Iterable[str] = LANGUAGES) -> dict[str, list[str]]:
    """Merge the extracted ids into each language's catalogue; return the untranslated ids."""
    template = extract()
    missing: dict[str, list[str]] = {}
    for language in languages:
        if language == "en":
            continue
        catalog = load(language)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        path = po_path(language)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as f:
            write_po(f, catalog, width=100, omit_header=False, sort_output=True)
        missing[language] = untranslated(catalog)
    return missing


def untranslated(catalog: Catalog) -> list[str]:
    out = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings) or message.fuzzy:
            out.append(message.id if isinstance(message.id, str) else message.id[0])
    return out


def missing_from(language: str) -> list[str]:
    """Message ids used in the code or templates that ``language`` does not translate."""
    catalog = load(language)
    known = {
        (m.id if isinstance(m.id, str) else m.id[0])
        for m in catalog
        if m.id
        and m.string
        and (all(m.string) if isinstance(m.string, tuple) else True)
        and not m.fuzzy
    }
    ids = {(m.id if isinstance(m.id, str) else m.id[0]) for m in extract() if m.id}
    return sorted(ids - known)
