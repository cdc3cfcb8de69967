"""Static files with fingerprinted URLs: ``/static/css/prize.css?v=<content hash>``.

Templates keep writing ``url_for('static', path='css/prize.css')``; ``prize.templating.url_for``
appends the hash of the file's content. A request whose ``v`` is the file's current hash is
answered with ``Cache-Control: public, max-age=31536000, immutable`` (the URL changes whenever
the content does); any other request for a static file must revalidate (``no-cache``, with the
ETag and Last-Modified that StaticFiles sends), so nothing stale is ever kept.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
HASH_LENGTH = 12


class FingerprintedStaticFiles(StaticFiles):
    """StaticFiles that knows each file's content hash and sets long cache lifetimes on
    fingerprinted URLs."""

    def __init__(self, *, directory: str | os.PathLike[str]) -> None:
        super().__init__(directory=directory)
        self.root = Path(directory)
        self._hashes: dict[str, str] = {}

    def content_hash(self, path: str) -> str:
        """The hash of ``path`` (relative to the folder), read once; "" for no such file."""
        found = self._hashes.get(path)
        if found is None:
            target = (self.root / path).resolve()
            try:
                if self.root.resolve() not in target.parents:
                    raise FileNotFoundError(path)
                found = hashlib.sha256(target.read_bytes()).hexdigest()[:HASH_LENGTH]
            except OSError:
                found = ""
            self._hashes[path] = found
        return found

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        wanted = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("v", [""])[0]
        try:
            path = str(Path(full_path).resolve().relative_to(self.root.resolve()))
        except ValueError:  # not under the folder once links are resolved: never "immutable"
            path = ""
        fresh = bool(wanted and path) and wanted == self.content_hash(path)
        response.headers["Cache-Control"] = IMMUTABLE if fresh else REVALIDATE
        return response


def fingerprinted(app: Any, url: str, path: str) -> str:
    """``url`` (the static file ``path``'s) with its content hash appended, when it has one."""
    for route in app.routes:
        files = getattr(route, "app", None)
        if getattr(route, "name", None) == "static" and isinstance(files, FingerprintedStaticFiles):
            digest = files.content_hash(path)
            return f"{url}?v={digest}" if digest else url
    return url
