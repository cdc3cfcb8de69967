"""The page crawl: every page of the app, visited in Chromium as the person who sees it, checked
with axe-core and saved for the Nu Html Checker.

A crawl is a list of ``Visit``s, run in order in one browser context (one size, one language):
go to ``path``, do what the person does there (``act``: fill in and send a form), check where the
browser landed and the status it got, run axe-core, save the served HTML. Sessions come the way
people get them: a visit to a signed link, or the sign-in form.

``routes(app)`` lists the app's routes (Mounts included); ``uncovered(app, visits)`` says which
HTML pages no visit reaches. Routes that are not pages are in ``NOT_PAGES``, each with its reason.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from starlette.routing import BaseRoute, Match, Mount, Route

from tests import htmlpages
from tests.basekit import free_port
from tests.browserkit import assert_accessible

# GET routes that do not render an HTML page, each with the reason.
NOT_PAGES: dict[str, str] = {
    "health": "plain-text health check for monitoring",
    "static": "static files (CSS, JS, icons)",
    "results_json": "JSON download of the results",
    "results_csv": "CSV download of the results",
    "staff_applications_csv": "CSV export for the secretariat",
    "staff_applications_json": "JSON export for the secretariat",
    "apply_file": "an applicant's uploaded file, served as an attachment",
    "ballot_attachment": "an application's file for the jury, served as an attachment",
    "staff_application_file": "an application's file for the secretariat, served as an attachment",
    "staff_edition_files": "the eligible applications' files as one zip, for a jury pack",
    "staff_juror_guardian_form": "a guardian's signed consent form, served as an attachment",
}


@dataclass(frozen=True)
class RouteInfo:
    path: str
    name: str
    methods: frozenset[str]
    route: BaseRoute


def routes(app: Any) -> list[RouteInfo]:
    """Every route of the app, Mounts walked recursively (a Mount without routes is one entry)."""

    def walk(items: Iterable[BaseRoute], prefix: str) -> Iterator[RouteInfo]:
        for item in items:
            if isinstance(item, Mount) and item.routes:
                yield from walk(item.routes, prefix + item.path)
            elif isinstance(item, Mount):
                yield RouteInfo(prefix + item.path, item.name or "", frozenset({"GET"}), item)
            elif isinstance(item, Route):
                yield RouteInfo(prefix + item.path, item.name, frozenset(item.methods or ()), item)

    return list(walk(app.routes, ""))


def get_routes(app: Any) -> dict[str, RouteInfo]:
    return {r.name: r for r in routes(app) if "GET" in r.methods}


def route_name(app: Any, path: str) -> str | None:
    """The name of the GET route that serves ``path`` (query string ignored), if any; inside a
    Mount with routes, the inner route's name (as ``routes`` lists it)."""

    def find(items: Iterable[BaseRoute], scope: dict[str, Any]) -> str | None:
        for item in items:
            match, child = item.matches(scope)
            if match is not Match.FULL:
                continue
            if isinstance(item, Mount) and item.routes:
                return find(item.routes, {**scope, **child})
            return getattr(item, "name", None)
        return None

    scope = {"type": "http", "method": "GET", "path": urlsplit(path).path, "root_path": ""}
    return find(app.routes, scope)


# --------------------------------------------------------------------------- serving


@contextlib.contextmanager
def serve(make_app: Callable[[str], Any]) -> Iterator[tuple[str, Any]]:
    """Serve ``make_app(base_url)`` with uvicorn on a free loopback port in a thread; yield the
    base URL and the app."""
    import threading

    import uvicorn

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    app = make_app(base)
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", access_log=False, lifespan="on"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the live server did not start")
        time.sleep(0.02)
    try:
        yield base, app
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@dataclass
class Site:
    """The crawl's data (tests/pagecrawl_data.py) served by one live server, and its visits."""

    url: str
    app: Any
    clock: Any  # tests.appkit.Clock
    data: Any  # tests.pagecrawl_data.CrawlData
    visits: list[Visit]


@contextlib.contextmanager
def site(sqlite_template: Path, folder: Path) -> Iterator[Site]:
    """Build the crawl's data on a copy of the schema in ``folder`` and serve it (the clock at
    ``pagecrawl_data.NOW``, the demonstration banner on: e-mails readable in the outbox)."""
    import shutil

    from prize.app import create_app
    from prize.db import Database
    from prize.settings import Settings
    from tests import pagecrawl_plan
    from tests.appkit import TEST_KEYS, Clock
    from tests.dbkit import TEST_AUDIT_KEYS
    from tests.pagecrawl_data import NOW, build

    shutil.copyfile(sqlite_template, folder / "crawl.sqlite3")
    database = Database(f"sqlite:///{folder / 'crawl.sqlite3'}", audit_keys=TEST_AUDIT_KEYS)
    data = build(database, folder / "storage")
    settings = Settings(
        database_url="sqlite://",
        secret_keys=TEST_KEYS,
        storage_dir=folder / "storage",
        argon2_fast=True,
        demo=True,
    )
    clock = Clock(now=NOW)

    def make_app(base: str) -> object:
        return create_app(settings.with_(base_url=base), clock=clock, database=database)

    try:
        with serve(make_app) as (url, app):
            yield Site(url, app, clock, data, pagecrawl_plan.everything(data))
    finally:
        database.dispose()


# --------------------------------------------------------------------------- visits

Act = Callable[[Any], None]


@dataclass(frozen=True)
class Visit:
    """One page as a person reaches it.

    ``path``: where the browser goes; ``act``: what the person then does there (sends a form),
    or None to check the page at ``path`` itself; ``lands``: the path the browser must end on
    (default: ``path`` without its query); ``status``: the status of the page checked; ``at``:
    the server's time during the visit, when it is not the crawl's usual one.
    """

    name: str
    path: str
    status: int = 200
    lands: str | None = None
    act: Act | None = None
    at: datetime | None = None  # the server's clock for this visit (then set back)

    @property
    def landing(self) -> str:
        return self.lands if self.lands is not None else urlsplit(self.path).path


def uncovered(app: Any, visits: Iterable[Visit]) -> list[str]:
    """The GET routes (pages) that no visit reaches and that are not in ``NOT_PAGES``."""
    reached = set()
    for visit in visits:
        for path in (visit.path, visit.landing):
            name = route_name(app, path)
            if name:
                reached.add(name)
    return sorted(set(get_routes(app)) - reached - set(NOT_PAGES))


# --------------------------------------------------------------------------- acts (language-free)


def send(
    action: str, fields: dict[str, str] | None = None, *, button: str = "", within: str = ""
) -> Act:
    """Fill ``fields`` (CSS selector inside the form -> value, or "check") of the form posting to
    ``action`` (``within``: more of the form's selector) and press its submit button (``button``:
    a CSS selector to choose another one)."""

    def act(page: Any) -> None:
        form = page.locator(f'form[action="{action}"]{within}').first
        for selector, value in (fields or {}).items():
            target = form.locator(selector).first
            if value == "check":
                target.check()
            elif target.evaluate("e => e.tagName") == "SELECT":
                target.select_option(value)
            else:
                target.fill(value)
        form.locator(button or "button[type=submit]").first.click()

    return act


def tampered(
    action: str, fields: dict[str, str] | None = None, *, token: str = "stale-token"
) -> Act:
    """Send the form with a wrong CSRF token (a stale page): the resend page answers; with an
    empty one (a form that is not ours), the refusal."""

    def act(page: Any) -> None:
        page.locator(f'form[action="{action}"] input[name="csrf_token"]').evaluate(
            "(e, token) => { e.value = token }", token
        )
        send(action, fields)(page)

    return act


def oversized(action: str, field: str) -> Act:
    """Send the form with a field far over the body limit: the 413 page answers."""

    def act(page: Any) -> None:
        page.locator(f'form[action="{action}"] [name="{field}"]').evaluate(
            "e => { e.removeAttribute('maxlength'); e.value = 'x'.repeat(700 * 1024) }"
        )
        page.locator(f'form[action="{action}"] button[type=submit]').first.click()

    return act


# --------------------------------------------------------------------------- the crawl


@dataclass
class Crawl:
    """Visits pages in one browser page, collecting problems instead of stopping at the first."""

    page: Any
    base: str
    label: str  # "en-phone", ...
    lang: str  # every page must be in this language (<html lang>)
    save_as: str | None = None  # a prefix: save each page's served HTML under it
    clock: Any = None  # the live server's clock (tests.appkit.Clock), for visits with ``at``
    accessible: bool = True  # run axe-core on each page
    served: dict[str, str] | None = None  # when given: each visit's served HTML, by name
    problems: list[str] | None = None
    checked: int = 0
    timings: list[tuple[str, float, float]] | None = None  # (page, loading s, checking s)

    def __post_init__(self) -> None:
        self.problems = []
        self.timings = []
        self._fresh = False  # the page shows the last visit's page, untouched by any form
        self._documents: list[Any] = []
        self.page.on("response", self._document)
        self.page.set_default_timeout(15_000)

    def _document(self, response: Any) -> None:
        request = response.request
        if request.is_navigation_request() and request.frame == self.page.main_frame:
            self._documents.append(response)

    def visit(self, visit: Visit) -> None:
        if visit.at is None:
            self._visit(visit)
            return
        assert self.clock is not None, f"{visit.name}: the crawl has no clock to move"
        usual = self.clock.now
        self.clock.set(visit.at)
        try:
            self._visit(visit)
        finally:
            self.clock.set(usual)
            self._fresh = False  # the page shows another time's state

    def _visit(self, visit: Visit) -> None:
        assert self.problems is not None
        where = f"{self.label} {visit.name}"
        started = time.perf_counter()
        try:
            if not (visit.act and self.page.url == self.base + visit.path and self._fresh):
                self._documents.clear()
                self.page.goto(self.base + visit.path)  # (a form is sent from the page as it is)
            self._fresh = False
            if visit.act is not None:
                self._documents.clear()
                with self.page.expect_navigation():
                    visit.act(self.page)
            self.page.wait_for_load_state("load")
            response = self._documents[-1] if self._documents else None
            status = response.status if response is not None else None
            landed = urlsplit(self.page.url).path
            if landed != visit.landing or status != visit.status:
                self.problems.append(
                    f"{where}: landed on {landed} with status {status}, "
                    f"expected {visit.landing} with {visit.status}"
                )
                return
            shown_in = self.page.locator("html").get_attribute("lang")
            if shown_in != self.lang:
                self.problems.append(f"{where}: the page is in {shown_in!r}, not {self.lang!r}")
            if self.save_as is not None and response is not None:
                htmlpages.save(f"{self.save_as}-{visit.name}", response.text())
            if self.served is not None and response is not None:
                self.served[visit.name] = response.text()
            loaded = time.perf_counter()
            if self.accessible:
                try:
                    assert_accessible(self.page)
                except AssertionError:
                    self.problems.append(f"{where} ({visit.path}): {_violations(self.page)}")
            self.checked += 1
            self._fresh = visit.act is None and visit.status == 200
            assert self.timings is not None
            self.timings.append((visit.name, loaded - started, time.perf_counter() - loaded))
        except Exception as error:  # a timeout, a missing form: say which page, go on
            self.problems.append(f"{where} ({visit.path}): {type(error).__name__}: {error}")

    def summary(self) -> str:
        timings = self.timings or []
        slowest = sorted(timings, key=lambda t: -(t[1] + t[2]))[:5]
        return (
            f"{self.label}: {self.checked} pages checked; loading {sum(t[1] for t in timings):.0f} s, "
            f"axe-core {sum(t[2] for t in timings):.0f} s; slowest: "
            + ", ".join(f"{name} {load + check:.1f} s" for name, load, check in slowest)
        )

    def run(self, visits: Iterable[Visit]) -> list[str]:
        for visit in visits:
            self.visit(visit)
        assert self.problems is not None
        return self.problems


def _violations(page: Any) -> str:
    """Every violation on the page, for the report (assert_accessible said there are some)."""
    from axe_playwright_python.sync_playwright import Axe

    tags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
    found = (
        Axe()
        .run(
            page,
            options={"runOnly": {"type": "tag", "values": tags}, "resultTypes": ["violations"]},
        )
        .response["violations"]
    )
    return "; ".join(
        f"{v['id']} at {[n['target'] for n in v['nodes']][:4]}"
        + (f" ({_summary(v)})" if _summary(v) else "")
        for v in found
    )


def _summary(violation: dict[str, Any]) -> str:
    node = violation["nodes"][0] if violation["nodes"] else {}
    text = str(node.get("failureSummary", ""))
    return re.sub(r"\s+", " ", text)[:300]


def duplicates(visits: list[Visit]) -> list[str]:
    seen: set[str] = set()
    return [v.name for v in visits if v.name in seen or seen.add(v.name)]
