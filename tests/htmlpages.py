"""Pages saved during the run, checked once at the end by the Nu Html Checker (vnu.jar).

Any test may call ``save(name, html)`` with a page it rendered; ``tests/test_zz_html_validity.py``
(named to run last) runs the checker once over every saved page.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

_DIR = Path(os.environ.get("PRIZE_TEST_PAGES_DIR") or tempfile.mkdtemp(prefix="prize-pages-"))


def directory() -> Path:
    return _DIR


def save(name: str, html: str) -> Path:
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_")[:120] or "page"
    path = _DIR / f"{safe}.html"
    path.write_text(html, encoding="utf-8")
    return path


def saved() -> list[Path]:
    return sorted(_DIR.glob("*.html"))
