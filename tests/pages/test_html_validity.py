"""Every page saved during the run (tests/htmlpages.py) is valid HTML for the Nu Html Checker.

Named to run last: the page crawl (tests/test_zz_accessible_pages.py) and other page tests save
the HTML they were served; the checker runs once over all of them here.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests import htmlpages
from tests.basekit import skip_or_fail

pytestmark = pytest.mark.vnu

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def vnu_command() -> list[str]:
    java = shutil.which("java")
    jar = Path(os.environ.get("PRIZE_VNU_JAR") or DEFAULT_JAR)
    if java is None:
        skip_or_fail("Java is needed for the Nu Html Checker: apt-get install default-jre-headless")
    if not jar.is_file():
        skip_or_fail(
            f"The Nu Html Checker is not at {jar}: run `npm install vnu-jar` in {ROOT}, "
            "or set PRIZE_VNU_JAR to the path of vnu.jar"
        )
    return [str(java), "-jar", str(jar)]


def problems(report: str) -> list[str]:
    """The checker's JSON report as "file: line: message" lines."""
    found = []
    for message in json.loads(report or "{}").get("messages", []):
        if message.get("type") == "info":
            continue
        name = Path(str(message.get("url", "")).removeprefix("file:")).name
        found.append(f"{name}: {message.get('lastLine', '?')}: {message.get('message', '')}")
    return found


def test_every_saved_page_is_valid_html() -> None:
    command = vnu_command()
    pages = htmlpages.saved()
    if not pages:
        pytest.skip("no page was saved in this run: run the page tests with this one")
    result = subprocess.run(
        [*command, "--errors-only", "--format", "json", *map(str, pages)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode in (0, 1), result.stderr[-2000:]  # 1: errors were found
    found = problems(result.stderr or result.stdout)
    assert not found, f"{len(found)} HTML errors in {len(pages)} pages:\n" + "\n".join(found)
    assert result.returncode == 0
