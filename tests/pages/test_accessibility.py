"""Every page of every kind of person, in English and French, at a phone's and a desktop's size:
no axe-core violation (WCAG 2.2 A and AA rules). The served HTML of each page is saved for the
Nu Html Checker, which checks it when the run ends (tests/htmlpages.py).

The data (an edition in every state, applicants, jurors at every step, staff; see
tests/pagecrawl_data.py) is built once for the module and served by one live server; each
size and language gets one browser context that visits the pages in tests/pagecrawl_plan.py.
A test lists the app's routes and fails when a page is not in the crawl.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import pagecrawl
from tests.browserkit import DESKTOP, PHONE
from tests.pagecrawl import Site


@pytest.fixture(scope="module")
def site(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with pagecrawl.site(sqlite_template, tmp_path_factory.mktemp("crawl")) as served:
        yield served


def test_every_html_page_of_the_app_is_in_the_crawl(site: Site) -> None:
    pages = pagecrawl.get_routes(site.app)
    assert pagecrawl.uncovered(site.app, site.visits) == []
    assert sorted(set(pagecrawl.NOT_PAGES) - set(pages)) == []  # no stale entry
    assert pagecrawl.duplicates(site.visits) == []


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_every_page_is_accessible(site: Site, browser, lang: str, size: str) -> None:
    if size == "phone":
        # A phone's layout (CSS pixels, touch, the viewport meta honoured); drawn at scale 1,
        # which changes nothing axe-core checks and draws four times fewer pixels.
        context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    else:
        context = browser.new_context(viewport=DESKTOP)
    context.add_cookies([{"name": "lang", "value": lang, "url": site.url}])
    try:
        crawl = pagecrawl.Crawl(
            page=context.new_page(),
            base=site.url,
            label=f"{lang}-{size}",
            lang=lang,
            clock=site.clock,
            save_as=lang if size == "phone" else None,
        )
        problems = crawl.run(site.visits)
    finally:
        context.close()
    print("\n" + crawl.summary())
    assert not problems, "\n".join(problems)
    assert crawl.checked == len(site.visits)
