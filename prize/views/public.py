"""Public pages: the call, the editions, the youth jury, and the language switcher."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from prize import countries
from prize.domain.editions import editions
from prize.domain.editions.criteria import criteria_of
from prize.domain.results import published
from prize.pagecache import keep_until, kept_page
from prize.settings import LANGUAGES
from prize.views.common import (
    FLASH_KEY,
    database,
    lang,
    now,
    read_form,
    remember_language,
    render,
    safe_next,
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
    with database(request).read() as session:
        editions.current_call(session=session)
    return Response("ok\n", media_type="text/plain")


routes: list[BaseRoute] = [
    Route("/", kept_page(home, unless=[FLASH_KEY]), name="home"),
    Route("/editions", kept_page(editions_page, unless=[FLASH_KEY]), name="editions"),
    Route("/jury", kept_page(jury_page, unless=[FLASH_KEY]), name="jury"),
    Route("/language", set_language, methods=["POST"], name="set_language"),
    Route("/health", health, name="health"),
]
