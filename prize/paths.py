"""Where the top-level folders (templates, static, alembic) are, installed editable or not.

In a source checkout or an editable install they sit beside the ``prize`` package; a regular
install puts them under ``<prefix>/share/prize`` (see ``[tool.setuptools.data-files]``).
"""

from __future__ import annotations

import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def _root() -> Path:
    checkout = PACKAGE.parent
    if (checkout / "templates").is_dir() and (checkout / "alembic").is_dir():
        return checkout
    installed = Path(sys.prefix) / "share" / "prize"
    if (installed / "templates").is_dir():
        return installed
    raise RuntimeError(f"Cannot find Prize's templates beside {PACKAGE} or in {installed}.")


ROOT = _root()
TEMPLATES = ROOT / "templates"
STATIC = ROOT / "static"
ALEMBIC = ROOT / "alembic"
TRANSLATIONS = PACKAGE / "translations"
