"""What only a browser shows: the app served for real, one Chromium driven by Playwright, and
axe-core's accessibility check.

- ``live_server``: the app served by uvicorn on a free loopback port (on ``sqlite_db`` and
  ``clock``), in a background thread.
- ``browser``: one headless Chromium for the whole run (Debian's, at PRIZE_TEST_CHROMIUM); when
  it or Playwright is missing the test is skipped, or fails with CI=true (see tests/basekit.py).
- ``phone`` (``PHONE``, 390x844) and ``desktop`` (``DESKTOP``): pages that collect their
  console errors in ``page.console_errors``.
- ``html(page)``: the HTML of the page once it has loaded (never of a document being replaced).
- ``assert_accessible(page)``: axe-core finds no WCAG 2.x A/AA violation on the page.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from prize.app import create_app
from prize.db import Database
from prize.settings import Settings
from tests.appkit import Clock
from tests.basekit import free_port, skip_or_fail

CHROMIUM = os.environ.get("PRIZE_TEST_CHROMIUM", "/usr/bin/chromium")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@dataclass
class LiveServer:
    url: str
    app: object
    database: Database
    clock: Clock


@pytest.fixture
def live_server(settings: Settings, sqlite_db: Database, clock: Clock) -> Iterator[LiveServer]:
    """The app served by uvicorn on a free loopback port, in a background thread."""
    import threading
    import time

    import uvicorn

    port = free_port()
    live_settings = settings.with_(base_url=f"http://127.0.0.1:{port}")
    application = create_app(live_settings, clock=clock, database=sqlite_db)
    config = uvicorn.Config(
        application,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="on",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the live server did not start")
        time.sleep(0.02)
    try:
        yield LiveServer(
            url=f"http://127.0.0.1:{port}", app=application, database=sqlite_db, clock=clock
        )
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole run (Debian's, driven by Playwright)."""
    if not Path(CHROMIUM).exists():
        skip_or_fail(
            f"Chromium is not installed at {CHROMIUM}. Install it (Debian: apt-get install "
            "chromium) or set PRIZE_TEST_CHROMIUM to its path."
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("Playwright is not installed: pip install -e '.[test]'")
        raise
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def phone(browser):
    """A page at a phone's size (390x844), with its CSP violations and console errors collected."""
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="en-GB"
    )
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    yield page
    context.close()


@pytest.fixture
def desktop(browser):
    context = browser.new_context(viewport=DESKTOP, locale="en-GB")
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    yield page
    context.close()


def html(page) -> str:
    """The HTML of the page once it has loaded.

    A click that submits a form returns when the next document is committed, not when it is
    parsed: ``page.content()`` read at that instant is an empty document. Wait for the load
    first, as a person does before reading.
    """
    page.wait_for_load_state("load")
    return page.content()


def assert_accessible(page) -> None:
    """axe-core (WCAG 2.x A and AA rules) finds no violation on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    # A click that navigates may return before the next document is there: axe then reads a
    # document being replaced. Check the page that has loaded.
    page.wait_for_load_state("load")
    results = Axe().run(
        page,
        options={
            "runOnly": {
                "type": "tag",
                "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
            },
            "resultTypes": ["violations"],
        },
    )
    violations = results.response["violations"]
    summary = [
        f"{v['id']}: {v['help']} at {[n['target'] for n in v['nodes']][:3]}" for v in violations
    ]
    assert summary == [], f"axe-core violations on {page.url}"
