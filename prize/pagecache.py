"""Public pages kept rendered in memory.

The call and the published results are what everybody opens at once (the last hours before
the deadline, the announcement), and they are the same for every reader of one language. A
kept page is served on the event loop, without a worker thread, a database session or a
template; only the reader's CSRF token (the forms of the language switcher and the receipt
check) is put back in.

A kept page is dropped:

- when this process commits a write (``Database.generation`` moves on), whatever it wrote;
- when the instant its view named passes (``keep_until``: the call's deadline, say);
- after ``seconds`` by the app's clock, which bounds what another worker process shows after
  a write it did not see.

Only a plain ``GET`` without a query string is kept, for a reader whose session holds nothing
that changes the page (a notice, a receipt check's answer), and only a 200 that sets no cookie.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from prize.security import CSRF_SESSION_KEY, csrf_token

UNTIL_KEY = "page_until"
MAX_PAGES = 256
# Stands in for the reader's CSRF token in a kept page; no template writes a NUL.
_MARK = b"\x00csrf\x00"
_DROPPED_HEADERS = {b"content-length", b"etag"}

View = Callable[[Request], Response]


@dataclass(frozen=True)
class Kept:
    body: bytes
    headers: tuple[tuple[bytes, bytes], ...]
    cache_control: str  # non-empty: the response carries an ETag (see ``with_etag``)
    generation: int
    until: datetime


class PageCache:
    def __init__(self, seconds: float) -> None:
        self.lifetime = timedelta(seconds=seconds)
        self._pages: dict[tuple[str, str], Kept] = {}
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.lifetime > timedelta(0)

    def get(self, key: tuple[str, str], generation: int, now: datetime) -> Kept | None:
        kept = self._pages.get(key)
        if kept is None or kept.generation != generation or now >= kept.until:
            return None
        return kept

    def put(self, key: tuple[str, str], kept: Kept) -> None:
        with self._lock:
            if len(self._pages) >= MAX_PAGES:
                self._pages.clear()
            self._pages[key] = kept


def keep_until(request: Request, instant: datetime) -> None:
    """Called by a kept view: its page must not be served after ``instant``."""
    state = request.scope.setdefault("state", {})
    earlier = state.get(UNTIL_KEY)
    state[UNTIL_KEY] = instant if earlier is None else min(earlier, instant)


def with_etag(request: Request, response: Response, cache_control: str) -> Response:
    """An ETag (the body's hash) and ``cache_control``; a browser that sends the ETag back in
    If-None-Match gets 304 Not Modified, without the body."""
    etag = '"' + hashlib.sha256(response.body).hexdigest()[:32] + '"'
    wanted = {
        t.strip().removeprefix("W/") for t in request.headers.get("if-none-match", "").split(",")
    }
    headers = {"ETag": etag, "Cache-Control": cache_control}
    if etag in wanted or "*" in wanted:
        return Response(status_code=304, headers=headers)
    response.headers.update(headers)
    return response


def kept_page(view: View, *, unless: Collection[str] = ()) -> Callable[[Request], object]:
    """The route endpoint for a public ``view``: its page is kept and served again as the
    module's docstring says. ``unless``: session keys whose presence makes the page personal."""

    async def endpoint(request: Request) -> Response:
        cache: PageCache = request.app.state.page_cache
        session = request.session
        if (
            not cache.enabled
            or request.method != "GET"
            or request.url.query
            or any(k in session for k in unless)
        ):
            return await run_in_threadpool(view, request)
        key = (request.url.path, request.scope["state"]["lang"])
        generation = request.app.state.database.generation
        now: datetime = request.app.state.clock()
        kept = cache.get(key, generation, now)
        if kept is not None:
            return _serve(request, kept)
        response = await run_in_threadpool(view, request)
        if response.status_code == 200 and "set-cookie" not in response.headers:
            token = session.get(CSRF_SESSION_KEY)
            body = bytes(response.body)
            if token:
                body = body.replace(token.encode(), _MARK)
            until = now + cache.lifetime
            until = min(until, request.scope["state"].get(UNTIL_KEY, until))
            cache.put(
                key,
                Kept(
                    body=body,
                    headers=tuple(
                        (k, v) for k, v in response.raw_headers if k not in _DROPPED_HEADERS
                    ),
                    cache_control=response.headers.get("cache-control", "")
                    if "etag" in response.headers
                    else "",
                    generation=generation,
                    until=until,
                ),
            )
        return response

    return endpoint


def _serve(request: Request, kept: Kept) -> Response:
    body = kept.body
    if _MARK in body:
        body = body.replace(_MARK, csrf_token(request.session).encode())
    response = Response(body)
    response.raw_headers = [*kept.headers, (b"content-length", str(len(body)).encode())]
    return with_etag(request, response, kept.cache_control) if kept.cache_control else response
