"""CSRF tokens, security headers, body limits, password hashing and log redaction."""

from __future__ import annotations

import hmac
import logging
import re
import secrets
from collections.abc import Iterable, Mapping, MutableMapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from prize.tokens import Clock, session_signer

CSRF_FIELD = "csrf_token"
CSRF_SESSION_KEY = "csrf"

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)


# --------------------------------------------------------------------------- CSRF


class RotatingSessionMiddleware(SessionMiddleware):
    """Starlette's signed session cookie, verified against every key of ``keys`` (newest first:
    ``PRIZE_SECRET_KEYS`` then ``PRIZE_SECRET_KEYS_VERIFY_ONLY``) and signed with the first. The
    CSRF token lives in the session, so it follows: a form fetched from one machine posts to
    another whatever key each signs with. Cookies are dated by ``clock`` (the app's
    ``DatabaseClock``), so that a machine whose clock is off signs nobody out on the others."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        keys: Sequence[str],
        session_cookie: str,
        max_age: int,
        https_only: bool,
        clock: Clock | None = None,
    ) -> None:
        super().__init__(
            app,
            secret_key=keys[0],
            session_cookie=session_cookie,
            max_age=max_age,
            same_site="lax",
            https_only=https_only,
        )
        self.signer = session_signer(keys, clock)


def csrf_token(session: MutableMapping[str, Any]) -> str:
    """The session's CSRF token, made on first use."""
    token = session.get(CSRF_SESSION_KEY)
    if not isinstance(token, str) or len(token) < 32:
        token = secrets.token_urlsafe(32)
        session[CSRF_SESSION_KEY] = token
    return token


def csrf_ok(session: MutableMapping[str, Any], submitted: object) -> bool:
    expected = session.get(CSRF_SESSION_KEY)
    return (
        isinstance(expected, str)
        and isinstance(submitted, str)
        and hmac.compare_digest(expected.encode(), submitted.encode())
    )


def origin_of(url: str) -> str | None:
    """``scheme://host[:port]`` of a URL, lower-cased, without a default port; None if it has
    none (``null``, a path, garbage)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return None
    default = {"http": 80, "https": 443}[parts.scheme]
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    suffix = f":{port}" if port is not None and port != default else ""
    return f"{parts.scheme}://{host}{suffix}"


def same_origin(headers: Mapping[str, str], own: Iterable[str]) -> bool:
    """Whether a browser says that this request comes from a page of one of the ``own`` URLs.

    In order, the first header present decides:

    - ``Sec-Fetch-Site`` (Fetch Metadata, set by the browser, never by a page): ``same-origin``.
      It comes first because our pages send ``Referrer-Policy: no-referrer``, under which a
      browser sends a form's POST with ``Origin: null`` and no ``Referer`` even to its own site.
    - ``Origin``, unless it is ``null`` (a sandboxed frame, a ``data:`` page, or that policy):
      equal to one of ours.
    - ``Referer``: its origin is one of ours.

    Nothing to go by (``Origin: null`` alone, or no header: a script, an old browser) is not
    same-origin.
    """
    fetch_site = headers.get("sec-fetch-site")
    if fetch_site:
        return fetch_site.strip().lower() == "same-origin"
    ours = {o for o in (origin_of(url) for url in own) if o}
    origin = headers.get("origin")
    if origin and origin.strip().lower() != "null":
        return origin_of(origin) in ours
    referer = headers.get("referer")
    if referer:
        return origin_of(referer) in ours
    return False


# --------------------------------------------------------------------------- passwords

MIN_PASSWORD_LENGTH = 8


class Passwords:
    """argon2id hashing; ``fast`` uses cheap parameters, for tests only."""

    def __init__(self, *, fast: bool = False) -> None:
        self._hasher = (
            PasswordHasher(time_cost=1, memory_cost=8, parallelism=1) if fast else PasswordHasher()
        )

    def hash(self, password: str) -> str:
        return str(self._hasher.hash(password))

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return bool(self._hasher.verify(password_hash, password))
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        return bool(self._hasher.check_needs_rehash(password_hash))


# --------------------------------------------------------------------------- middleware


class SecurityHeadersMiddleware:
    """Strict headers on every response, error pages included."""

    def __init__(self, app: ASGIApp, *, https: bool) -> None:
        self.app = app
        self.https = https

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["Content-Security-Policy"] = CSP
                headers["X-Content-Type-Options"] = "nosniff"
                headers["X-Frame-Options"] = "DENY"
                headers["Referrer-Policy"] = "no-referrer"
                headers["Cross-Origin-Opener-Policy"] = "same-origin"
                headers["Cross-Origin-Resource-Policy"] = "same-origin"
                headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
                if "cache-control" not in headers:
                    headers["Cache-Control"] = "no-store"
                if self.https:
                    headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyTooLarge(Exception):
    """Raised when a request body passes its route's limit; the app answers 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


class BodyLimitMiddleware:
    """Refuses request bodies over a limit: ``large`` for upload routes, ``small`` elsewhere.

    Reading the body raises ``BodyTooLarge`` as soon as the declared Content-Length or the bytes
    actually received pass the limit, before anything is kept; the app turns it into a 413 page
    (or, on the upload route, a message beside the file field).
    """

    def __init__(
        self, app: ASGIApp, *, small: int, large: int, large_paths: re.Pattern[str]
    ) -> None:
        self.app = app
        self.small = small
        self.large = large
        self.large_paths = large_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in {"GET", "HEAD", "OPTIONS"}:
            await self.app(scope, receive, send)
            return
        limit = self.large if self.large_paths.search(scope["path"]) else self.small
        scope.setdefault("state", {})["body_limit"] = limit
        declared = Headers(scope=scope).get("content-length", "")
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            if declared.isdigit() and int(declared) > limit:
                raise BodyTooLarge(limit)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, limited_receive, send)


# --------------------------------------------------------------------------- logs

# Everything after /link/ or /reset/ up to the query string: every later segment too, and
# however many slashes an odd request puts before the token.
_TOKEN_IN_PATH = re.compile(r"(/(?:link|reset)/)[^\s?#\"']+")
_TOKEN_IN_QUERY = re.compile(r"((?:token|csrf_token|password)=)[^&\s\"']+")


def redact(text: str) -> str:
    return _TOKEN_IN_QUERY.sub(r"\1[redacted]", _TOKEN_IN_PATH.sub(r"\1[redacted]", text))


class RedactingFilter(logging.Filter):
    """Removes link tokens and passwords from log records, the access log's included."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {
                k: redact(v) if isinstance(v, str) else v for k, v in record.args.items()
            }
        if record.exc_info and not record.exc_text:  # a traceback may quote the URL
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def install_log_redaction() -> None:
    redactor = RedactingFilter()
    for name in ("", "uvicorn", "uvicorn.access", "uvicorn.error", "prize"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(redactor)
    for handler in logging.getLogger().handlers + logging.getLogger("uvicorn.access").handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(redactor)


LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(process)d]: %(message)s"


def log_config(level: str = "INFO") -> dict[str, Any]:
    """The logging set-up of ``prize serve``, for ``uvicorn.run(log_config=...)``.

    uvicorn applies it in the serving process and again in each worker it starts (a fresh
    process, which would otherwise log nothing below a warning, access log included). Every
    line goes to standard error through ``RedactingFilter`` on the handler itself, so a record
    from any logger is redacted, whichever logger it propagated from; each line names its
    process, to tell workers apart. (uvicorn drops the access log's handlers itself when
    ``access_log`` is off.)"""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"redact": {"()": "prize.security.RedactingFilter"}},
        "formatters": {
            "default": {"format": LOG_FORMAT},
            "access": {"format": LOG_FORMAT},
        },
        "handlers": {
            "default": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "default",
                "filters": ["redact"],
            },
        },
        "loggers": {
            "uvicorn": {"level": level},
            "uvicorn.error": {"level": level},
            "uvicorn.access": {"level": level},
            "prize": {"level": level},
        },
        "root": {"level": level, "handlers": ["default"]},
    }
