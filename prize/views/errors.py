"""Error pages: every one in the reader's language, with the security headers of any page."""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.middleware.sessions import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from prize.security import CSRF_FIELD, BodyTooLarge, csrf_ok, same_origin
from prize.tokens import LinkError
from prize.views.common import CsrfFailed, Redirect, render, settings

log = logging.getLogger("prize")


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)  # nosec B101: Starlette calls this handler only for this exception class
    return render(
        request,
        "errors/http.html",
        {"status": exc.status_code},
        status_code=exc.status_code,
        headers=dict(exc.headers or {}),
    )


async def redirect(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Redirect)  # nosec B101: Starlette calls this handler only for this exception class
    return RedirectResponse(exc.url, status_code=303)


async def body_too_large(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, BodyTooLarge)  # nosec B101: Starlette calls this handler only for this exception class
    return render(
        request,
        "errors/too_large.html",
        {"limit": exc.limit},
        status_code=413,
        headers={"Connection": "close"},
    )


PASSWORD_FIELDS = frozenset({"password", "current", "new", "again"})


async def csrf_failed(request: Request, exc: Exception) -> Response:
    """A form whose CSRF check failed: offered again, or refused.

    Offered again, filled in, with a fresh token (nothing typed is lost) only when the form is
    one of ours gone stale: its token was right (the view found the visitor signed out while
    they typed), or it carries a token and the browser says it comes from a page of this site
    (an expired session, a page left open). Anything else (no token, or a page of another site:
    a forged request) is refused with a page that echoes nothing, holds no token and leaves the
    visitor's session cookie as it was.
    """
    assert isinstance(exc, CsrfFailed)  # nosec B101: Starlette calls this handler only for this exception class
    submitted = exc.form.get(CSRF_FIELD)
    ours = (str(request.base_url), settings(request).base_url)
    if not csrf_ok(request.session, submitted) and not (
        isinstance(submitted, str) and submitted and same_origin(request.headers, ours)
    ):
        return _refused(request)
    items = [(k, v) for k, v in exc.form.multi_items() if k != CSRF_FIELD]
    fields = [(k, v) for k, v in items if isinstance(v, str) and k not in PASSWORD_FIELDS]
    # A password is never written back into a page: it is asked for again.
    passwords = sorted({k for k, v in items if isinstance(v, str) and k in PASSWORD_FIELDS})
    had_files = any(not isinstance(v, str) for _, v in items)
    return render(
        request,
        "errors/resend.html",
        {
            "fields": fields,
            "passwords": passwords,
            "action": request.url.path,
            "had_files": had_files,
        },
        status_code=403,
    )


def _refused(request: Request) -> Response:
    """The refusal of a form that is not ours, rendered without the session: the page holds no
    CSRF token and shows no notice, and the session cookie is neither replaced nor extended
    (a forged cross-site POST arrives without the Lax cookie: writing a fresh session would
    sign the visitor out)."""
    without_session = Request(
        {k: v for k, v in request.scope.items() if k != "session"}, request.receive
    )
    response = render(without_session, "errors/refused.html", status_code=403)
    session = request.scope.get("session")
    if session is not None:  # whatever the view did before reading the form is not kept
        request.scope["session"] = Session(session)
    return response


def link_error(request: Request, error: LinkError, *, kind: str) -> Response:
    """A clear page for an expired, revoked or tampered link; nothing about whose link it was."""
    status = {"expired": 410, "revoked": 410}.get(error.reason, 400)
    return render(
        request, "errors/link.html", {"reason": error.reason, "kind": kind}, status_code=status
    )


class ServerErrorPageMiddleware:
    """Turns an unhandled error into the 500 page *inside* the middleware that adds headers.

    (Starlette's own ServerErrorMiddleware sits outside every user middleware, so a page it
    renders would miss the security headers.)
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            log.error("unhandled error on %s %s", scope["method"], scope["path"], exc_info=exc)
            if started:
                raise
            request = Request(scope)
            response = render(request, "errors/http.html", {"status": 500}, status_code=500)
            await response(scope, receive, send)
