"""The Nu Html Checker that every saved page goes through (tests/htmlpages.py) finds invalid HTML.

Pages are saved by the tests that render them (the page crawl of tests/pages/test_accessibility.py
saves every page of the app in both languages) and checked once when the run ends, by whichever
process started it; no test has to run after another. This test shows the checker at work on a
page with a mistake and on one without.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import htmlpages
from tests.basekit import skip_or_fail

pytestmark = pytest.mark.vnu

VALID = (
    '<!doctype html><html lang="en"><head><title>Home</title></head><body><p>Hi</p></body></html>'
)
INVALID = VALID.replace("<p>Hi</p>", "<p><div>Hi</div></p><span id=a></span><i id=a></i>")


def test_the_checker_reports_each_mistake_of_an_invalid_page_and_nothing_of_a_valid_one(
    tmp_path: Path,
) -> None:
    try:
        htmlpages.vnu_command()
    except htmlpages.CheckerMissing as missing:
        skip_or_fail(str(missing))
    (tmp_path / "valid.html").write_text(VALID, encoding="utf-8")
    (tmp_path / "invalid.html").write_text(INVALID, encoding="utf-8")

    found = htmlpages.check(sorted(tmp_path.glob("*.html")))

    assert found, "the checker found nothing wrong in an invalid page"
    assert all(line.startswith("invalid.html: 1: ") for line in found), found
    assert any("Duplicate ID “a”" in line for line in found), found


def test_saved_pages_go_to_the_one_folder_of_the_run() -> None:
    path = htmlpages.save("a page / with: odd characters", VALID)

    assert path.parent == htmlpages.directory()
    assert path.name == "a_page_with_odd_characters.html"
    assert path in htmlpages.saved()
    path.unlink()  # a page of this test's own, not one of the app's to check
