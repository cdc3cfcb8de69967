"""Public pages: the call, the editions, the youth jury, and the language switcher."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute

from prize import countries
from prize.domain.applicants import attachments
from prize.domain.editions import editions
from prize.domain.editions.criteria import criteria_of
from prize.domain.results import published
from prize.domain.shared import outbox
from prize.models import utcnow
from prize.pagecache import keep_until, kept_page
from prize.settings import LANGUAGES
from prize.views.access import Who, route
from prize.views.common import (
    FLASH_KEY,
    database,
    file_store,
    lang,
    now,
    read_form,
    remember_language,
    render,
    safe_next,
    settings,
)


def home(request: Request) -> Response:
    """The call while one is open; else what comes next (the announcement's date) and the
    latest results, which the page leads with once they are the current edition's."""
    with database(request).read() as session:
        edition = editions.current_call(session=session)
        criteria = criteria_of(session=session, edition=edition) if edition else []
        latest = published.latest_results(session=session)
    if edition is not None:  # the page says whether applications are accepted now
        for instant in (edition.opens_at, edition.deadline, edition.announce_at):
            if instant is not None and now(request) < instant:
                keep_until(request, instant)
    return render(
        request,
        "public/home.html",
        {
            "edition": edition,
            "latest": latest,
            "criteria": criteria,
            "accepting": edition is not None
            and editions.accepts_applications(edition, now(request)),
            "eligible": countries.choices(tuple(edition.eligible_countries), lang(request))
            if edition
            else [],
        },
    )


def editions_page(request: Request) -> Response:
    with database(request).read() as session:
        items = editions.public_editions(session=session)
    return render(request, "public/editions.html", {"editions": items})


def jury_page(request: Request) -> Response:
    return render(request, "public/jury.html")


def set_language(request: Request) -> Response:
    form = read_form(request)
    choice = str(form.get("lang", ""))
    response = RedirectResponse(safe_next(str(form.get("next", "/"))), status_code=303)
    if choice in LANGUAGES:
        remember_language(request, response, choice)
    return response


def health(request: Request) -> Response:
    """For a load balancer: 200 when the database answers, the file store writes, reads and
    deletes a probe, the attached files are in it (``attachments.check_store``: not half of
    them missing), and this host's clock is within ``PRIZE_MAX_CLOCK_OFFSET`` of the
    database's; else 503, each line saying what is wrong. It also says how long the oldest due
    e-mail has waited (for monitoring: a stopped sender shows as a growing wait)."""
    with database(request).read() as session:
        editions.current_call(session=session)
        waiting = outbox.oldest_due(session=session, now=now(request))
        files = attachments.check_store(session=session, store=file_store(request))
    offset = (database(request).now() - utcnow()).total_seconds()
    lines = [f"clock offset from the database: {-offset:+.3f} s"]
    if waiting is not None:
        lines.append(f"outbox: the oldest due message has waited {waiting.total_seconds():.0f} s")
    failing = abs(offset) > settings(request).max_clock_offset
    if failing:
        lines.append("clock: too far from the database's (fix the host's time synchronisation)")
    if not file_store(request).probe():
        failing = True
        lines.append("storage: a probe file could not be written, read back and deleted")
    if files.wrong_store:
        failing = True
        lines.append(attachments.store_problem(files, file_store(request).url))
    elif files.missing:
        lines.append(f"storage: {files.missing} of {files.checked} attached files are missing")
    body = "\n".join(["failing" if failing else "ok", *lines]) + "\n"
    return Response(body, status_code=503 if failing else 200, media_type="text/plain")


routes: list[BaseRoute] = [
    route("/", kept_page(home, unless=[FLASH_KEY]), access=Who.public, name="home"),
    route(
        "/editions",
        kept_page(editions_page, unless=[FLASH_KEY]),
        access=Who.public,
        name="editions",
    ),
    route("/jury", kept_page(jury_page, unless=[FLASH_KEY]), access=Who.public, name="jury"),
    route("/language", set_language, methods=["POST"], access=Who.public, name="set_language"),
    route("/health", health, access=Who.public, name="health"),
]
