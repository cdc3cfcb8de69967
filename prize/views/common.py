"""What every view shares: the database, the clock, forms with CSRF, rendering and redirects.

Views are plain (synchronous) functions: Starlette runs them in its thread pool, so database
work and password hashing never block the event loop. ``read_form`` reaches back to the loop to
parse the body.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from email.utils import parseaddr
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import anyio.from_thread
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates

from prize.db import Database
from prize.i18n import Message, gettext
from prize.security import CSRF_FIELD, csrf_ok, csrf_token
from prize.settings import LANGUAGES, Settings
from prize.storage import Store
from prize.tokens import Signer

FLASH_KEY = "flash"
# The reader's chosen language: set by the switcher and on a juror's first visit, read by
# app.LanguageMiddleware.
LANG_COOKIE = "lang"


class CsrfFailed(Exception):
    """A form came back with an expired session or a stale token; it is offered to be sent again."""

    def __init__(self, form: FormData) -> None:
        super().__init__("csrf")
        self.form = form


class Redirect(Exception):
    """Raised by an access check to send the browser elsewhere (for example to sign in)."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


def settings(request: Request) -> Settings:
    value: Settings = request.app.state.settings
    return value


def database(request: Request) -> Database:
    value: Database = request.app.state.database
    return value


def file_store(request: Request) -> Store:
    """Where uploaded files live (``PRIZE_STORAGE_URL``)."""
    store: Store = request.app.state.store
    return store


def signer(request: Request) -> Signer:
    value: Signer = request.app.state.signer
    return value


def now(request: Request) -> datetime:
    clock: Callable[[], datetime] = request.app.state.clock
    return clock()


def lang(request: Request) -> str:
    value = request.scope.get("state", {}).get("lang", "en")
    return value if value in LANGUAGES else "en"


def templates(request: Request) -> Jinja2Templates:
    value: Jinja2Templates = request.app.state.templates
    return value


def read_form(
    request: Request,
    *,
    max_files: int = 0,
    max_fields: int = 200,
    max_part_size: int = 64 * 1024,
    check_csrf: bool = True,
) -> FormData:
    """Parse the posted form (from a view running in the thread pool) and check its CSRF token."""
    early = request.scope.get("state", {}).pop(FORM_ERROR_KEY, None)
    if early is not None:  # the body was read before the view (``parsed_first``) and refused
        raise early

    async def parse() -> FormData:
        return await request.form(
            max_files=max_files, max_fields=max_fields, max_part_size=max_part_size
        )

    form = anyio.from_thread.run(parse)
    if check_csrf and not csrf_ok(request.session, form.get(CSRF_FIELD)):
        raise CsrfFailed(form)
    return form


FORM_ERROR_KEY = "form_error"


def parsed_first(
    view: Callable[[Request], Response],
    *,
    max_files: int,
    max_fields: int = 200,
    max_part_size: int = 64 * 1024,
    admitted: Callable[[Request], bool] | None = None,
) -> Callable[[Request], Awaitable[Response]]:
    """A route for a (sync) view that takes file uploads: the body is read on the event loop
    before the view takes a worker thread, and ``read_form`` then finds it parsed.

    Unless ``admitted(request)`` is false (a check of the session alone, on the loop): then the
    body is never read, the view runs (it must refuse such a request before it reads the form,
    as it would anyway) and the connection is closed after its answer, so a stranger cannot make
    the server take in megabytes.

    Reading it from the view (``read_form``) would hold a worker thread while Starlette writes
    each uploaded file past 1 MB to disk through the same thread pool: with as many uploads
    at once as the pool has threads, every thread would wait for one that none could free (a
    deadlock, found by bench/surge.py). A refusal while reading (a body over the limit, a
    client gone) is raised by ``read_form``, where the view expects it, after its own checks.
    """

    async def endpoint(request: Request) -> Response:
        if request.method == "POST" and admitted is not None and not admitted(request):
            response = await run_in_threadpool(view, request)
            response.headers["Connection"] = "close"
            return response
        if request.method == "POST":
            try:
                await request.form(
                    max_files=max_files, max_fields=max_fields, max_part_size=max_part_size
                )
            except Exception as error:  # raised again by read_form, in the view's order
                request.scope.setdefault("state", {})[FORM_ERROR_KEY] = error
        try:
            return await run_in_threadpool(view, request)
        finally:  # the uploads' temporary files, even when the view refused before using them
            await request.close()

    return endpoint


class Notice(NamedTuple):
    """A one-time notice: its words, and the id of the part of the page it belongs beside
    ("": the top of the page; a page that has no such part shows it at the top too)."""

    message: Message
    near: str = ""


def flash(request: Request, message: Message | str, *, near: str = "", **params: Any) -> None:
    """A one-time notice shown on the next page (kept in the session cookie: keep it short),
    at its top or ``near`` one of its parts (``Notice``)."""
    msg = message if isinstance(message, Message) else Message(message, params)
    notes = list(request.session.get(FLASH_KEY, []))
    # Translated now, in the reader's language: the cookie holds plain text, whatever the
    # message's parameters are (an instant, a nested message).
    notes.append([gettext(lang(request), msg), near])
    request.session[FLASH_KEY] = notes[-3:]


def pop_flashes(request: Request) -> list[Notice]:
    notes = request.session.pop(FLASH_KEY, [])
    return [Notice(Message(text), near if isinstance(near, str) else "") for text, near in notes]


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    ctx = {"now": now(request), **(context or {})}
    return templates(request).TemplateResponse(
        request, name, ctx, status_code=status_code, headers=headers
    )


def redirect(request: Request, route: str, /, **path_params: Any) -> RedirectResponse:
    """303 See Other to a named route (after a POST, or to drop a token from the URL)."""
    return RedirectResponse(str(request.url_for(route, **path_params).path), status_code=303)


def remember_language(request: Request, response: Response, language: str) -> None:
    """Keep the reader's language for a year, beyond the session, so that the next visit opens in
    it; only the server reads the cookie."""
    response.set_cookie(
        LANG_COOKIE,
        language,
        max_age=365 * 24 * 3600,
        httponly=True,
        samesite="lax",
        secure=settings(request).https,
    )


def safe_next(target: str | None, default: str = "/") -> str:
    """A local path to go back to; anything pointing elsewhere becomes ``default``."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target:
        return default
    return target


def secretariat_address(request: Request) -> str:
    """Where people write to the secretariat: the contact address, else the sender's."""
    return settings(request).contact_email or parseaddr(settings(request).mail_from)[1]


def context_processor(request: Request) -> dict[str, Any]:
    """What every template gets: the language, a CSRF token, notices, the app's settings."""
    session = request.scope.get("session")  # absent only on an error before the session loaded
    return {
        "lang": lang(request),
        "csrf_field": CSRF_FIELD,
        "csrf_token": csrf_token(session) if session is not None else "",
        "flashes": pop_flashes(request) if session and FLASH_KEY in session else [],
        "demo": settings(request).demo,
        "secretariat_email": secretariat_address(request),
        "current_path": request.url.path,
        # where switching language comes back to: the same page, with what its address carries
        # (a refused form's key, where a section returns to)
        "current_url": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
    }
