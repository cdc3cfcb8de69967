"""create_app(settings): routes, middleware and lifespan. No logic lives here."""

from __future__ import annotations

import contextlib
import logging
import re
import threading
import time
from collections.abc import AsyncIterator, Callable
from datetime import datetime

import anyio.to_thread
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware
from starlette.requests import Request, cookie_parser
from starlette.responses import Response
from starlette.routing import Mount
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Receive, Scope, Send

from prize import paths
from prize.db import Database, DatabaseClock, open_database
from prize.domain import transitions
from prize.domain.applicants import attachments, reminders
from prize.domain.shared import outbox, refused_posts
from prize.i18n import negotiate
from prize.models import utcnow
from prize.pagecache import PageCache
from prize.security import (
    BodyLimitMiddleware,
    BodyTooLarge,
    RotatingSessionMiddleware,
    SecurityHeadersMiddleware,
    install_log_redaction,
)
from prize.settings import LANGUAGES, Settings, load
from prize.static import FingerprintedStaticFiles
from prize.storage import SIGNATURES, open_store
from prize.templating import make_environment
from prize.tokens import Signer
from prize.views import apply, ballot, common, errors, links, public, results, secretariat

log = logging.getLogger("prize")

# Routes that take uploads get the larger body limit; every other route the small one.
LARGE_BODY_PATHS = re.compile(r"/files$")
SMALL_BODY_LIMIT = 512 * 1024
# Types never compressed: uploaded files are already compressed, and are downloads.
NOT_COMPRESSED = tuple(ct for _, ct, _ in SIGNATURES)


class LanguageMiddleware:
    """The reader's language: the switcher's cookie, else Accept-Language, else the default."""

    def __init__(self, app: ASGIApp, *, default: str) -> None:
        self.app = app
        self.default = default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = Headers(scope=scope)
            chosen = cookie_parser(headers.get("cookie", "")).get(common.LANG_COOKIE, "")
            if chosen not in LANGUAGES:
                chosen = negotiate(headers.get("accept-language", ""), self.default)
            scope.setdefault("state", {})["lang"] = chosen
        await self.app(scope, receive, send)


def create_app(
    settings: Settings,
    *,
    clock: Callable[[], datetime] | None = None,
    database: Database | None = None,
    run_sender: bool = False,
) -> Starlette:
    install_log_redaction()
    database = database or open_database(settings)
    # What must happen once (publication at its instant, reminders, the outbox's claims) is
    # timed by the database's clock, shared by every machine, and requests by this host's clock
    # set to it (DatabaseClock); a test or the demo injects its own clock for both.
    sender_clock = clock or database.now
    clock = clock or DatabaseClock(database)
    templates = Jinja2Templates(
        env=make_environment(), context_processors=[common.context_processor]
    )
    routes = [
        *public.routes,
        *apply.routes,
        *ballot.routes,
        *results.routes,
        *secretariat.routes,
        Mount("/static", app=FingerprintedStaticFiles(directory=paths.STATIC), name="static"),
    ]
    app = Starlette(
        routes=routes,
        # Session cookies are dated by the database's time too, but not by a clock a test or
        # the demo injects (moved by days, it would age every session out): the host's then.
        middleware=_middleware(
            settings, session_clock=clock if isinstance(clock, DatabaseClock) else None
        ),
        exception_handlers={
            HTTPException: errors.http_error,
            BodyTooLarge: errors.body_too_large,
            common.CsrfFailed: errors.csrf_failed,
            common.Redirect: errors.redirect,
        },
        lifespan=_lifespan(run_sender=run_sender),
    )
    app.state.settings = settings
    app.state.database = database
    app.state.store = open_store(settings, database)
    app.state.clock = clock
    app.state.sender_clock = sender_clock
    app.state.signer = Signer(settings.verifying_keys, clock=clock)
    app.state.templates = templates
    app.state.page_cache = PageCache(settings.page_cache_seconds)
    return app


def _lifespan(
    *, run_sender: bool
) -> Callable[[Starlette], contextlib.AbstractAsyncContextManager[None]]:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        stop = threading.Event()
        sender = None
        await anyio.to_thread.run_sync(_set_clock, app)
        await anyio.to_thread.run_sync(_check_store, app)
        if run_sender:  # a serving process: delivers e-mail (when SMTP is set), publishes
            # results when due; first it removes stored files left without a row
            await anyio.to_thread.run_sync(_sweep_orphans, app)
            sender = threading.Thread(
                target=_sender_loop, args=(app, stop), name="prize-outbox", daemon=True
            )
            sender.start()
        try:
            yield
        finally:
            stop.set()
            if sender is not None:
                sender.join(timeout=10)

    return lifespan


def _middleware(
    settings: Settings, *, session_clock: Callable[[], datetime] | None
) -> list[Middleware]:
    """Outermost first."""
    return [
        # Compresses pages, styles, scripts and JSON over 1 KB for clients that accept gzip;
        # uploaded files (PDF, JPEG, PNG: attachment downloads) are passed through untouched.
        Middleware(
            GZipMiddleware,
            minimum_size=1024,
            compresslevel=6,
            exclude_content_types=(*DEFAULT_EXCLUDED_CONTENT_TYPES, *NOT_COMPRESSED),
        ),
        Middleware(SecurityHeadersMiddleware, https=settings.https),
        Middleware(errors.ServerErrorPageMiddleware),
        Middleware(
            BodyLimitMiddleware,
            small=SMALL_BODY_LIMIT,
            large=settings.max_body_bytes,
            large_paths=LARGE_BODY_PATHS,
        ),
        Middleware(
            RotatingSessionMiddleware,
            keys=settings.verifying_keys,
            session_cookie="prize_session",
            max_age=settings.session_max_age,
            https_only=settings.https,
            clock=session_clock,
        ),
        Middleware(LanguageMiddleware, default=settings.default_language),
    ]


def _sweep_orphans(app: Starlette) -> None:
    """Remove the stored files no attachment row names (older than the grace period): one
    listing of the folder and one query, so start-up stays fast. Never stops the start."""
    try:
        with app.state.database.read() as session:
            # The real time, not the app's clock: it is compared with the files' times on disk.
            names = attachments.orphans(session=session, store=app.state.store, now=utcnow())
        removed = attachments.remove_orphans(store=app.state.store, names=names)
    except Exception:
        log.exception(
            "storage: the sweep of orphaned files failed; it runs again at the next start"
        )
        return
    if names:
        log.info("storage: removed %s of %s orphaned files", len(removed), len(names))


def _check_store(app: Starlette) -> None:
    """Warn when the attached files are not in the configured store (``/health`` then fails):
    an upgrade that made the database the store of files kept in a folder. Never stops."""
    try:
        with app.state.database.read() as session:
            found = attachments.check_store(session=session, store=app.state.store)
    except Exception:
        log.exception("storage: could not check that the attached files are in the store")
        return
    if found.wrong_store:
        log.warning(attachments.store_problem(found, app.state.store.url))


def _set_clock(app: Starlette) -> None:
    """Measure this host's offset from the database's clock (``DatabaseClock``); warn when it is
    past ``PRIZE_MAX_CLOCK_OFFSET`` (``/health`` then fails). Never stops the caller."""
    clock = app.state.clock
    if not isinstance(clock, DatabaseClock):
        return  # a clock injected by a test or the demo
    try:
        offset = clock.measure().total_seconds()
    except Exception:
        log.exception("clock: could not read the database's clock; keeping the last offset")
        return
    if abs(offset) > app.state.settings.max_clock_offset:
        log.warning(
            "clock: this machine's clock is %+.1f s off the database's; requests use the "
            "database's time, but fix the host's time synchronisation (NTP)",
            -offset,
        )


# How often a serving process deletes the refused forms past their hour (what was typed in
# them is personal data: kept about an hour, not until the next refusal or retention run).
SWEEP_EVERY = 600.0  # seconds


def _sender_loop(app: Starlette, stop: threading.Event) -> None:
    settings: Settings = app.state.settings
    next_sweep = time.monotonic()
    while not stop.wait(settings.outbox_interval):
        _set_clock(app)
        try:
            with app.state.database.write() as session:  # results due at their announcement
                published = transitions.publish_due(
                    session=session,
                    now=app.state.sender_clock(),
                    links=links.for_jurors(settings, app.state.signer),
                )
            for edition in published:
                log.info("results of %s published at their announcement instant", edition.year)
        except Exception:
            log.exception("results: publication pass failed")
        try:
            with app.state.database.write() as session:  # deadline reminders to drafts
                reminded = reminders.queue_deadline_reminders(
                    session=session,
                    now=app.state.sender_clock(),
                    links=links.for_applicants(app.state.settings, app.state.signer),
                )
            if reminded:
                log.info("queued %s deadline reminders", reminded)
        except Exception:
            log.exception("applications: reminder pass failed")
        if time.monotonic() >= next_sweep:
            next_sweep = time.monotonic() + SWEEP_EVERY
            try:
                with app.state.database.write() as session:  # refused form posts past their hour
                    refused_posts.sweep(session=session, now=app.state.sender_clock())
            except Exception:
                log.exception("refused posts: sweep failed")
        if not settings.smtp_url:
            continue
        try:
            outbox.deliver_due(
                database=app.state.database,
                smtp_url=settings.smtp_url,
                mail_from=settings.mail_from,
                contact=settings.contact_email,
                now=app.state.sender_clock(),
                clock=app.state.sender_clock,
            )
        except Exception:  # keep sending later; the error is in the log
            log.exception("outbox: delivery pass failed")


def asgi() -> Starlette:
    """Entry point for ``uvicorn --factory prize.app:asgi`` (settings from the environment)."""
    return create_app(load(need_contact=True), run_sender=True)


__all__ = ["Request", "Response", "create_app"]
