"""Pages the tests save, checked by the Nu Html Checker (vnu.jar) once, when the run ends.

Any test may call ``save(name, html)`` with a page it rendered. Every page of a run goes to one
folder (PRIZE_TEST_PAGES_DIR, or a fresh temporary one) that the first process makes before the
pytest-xdist workers start, so the workers write there too. When the run ends, that process runs
the checker once over every page saved and the run fails, with the checker's messages, when a page
is invalid. No test has to run last, and a run of one folder or one file checks what it saved.

Without Java or vnu.jar the pages are not checked and the summary says so; with CI=true that is a
failure (tests/basekit.py). ``check(paths)`` runs the checker (tests/pages/test_html_validity.py
shows that it finds what is invalid).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.basekit import IN_CI

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
_ENV = "PRIZE_TEST_PAGES_DIR"


def directory() -> Path:
    """The run's folder of saved pages (made on first use in a process that started none)."""
    if not os.environ.get(_ENV):
        os.environ[_ENV] = tempfile.mkdtemp(prefix="prize-pages-")
    path = Path(os.environ[_ENV])
    path.mkdir(parents=True, exist_ok=True)
    return path


def save(name: str, html: str) -> Path:
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_")[:120] or "page"
    path = directory() / f"{safe}.html"
    path.write_text(html, encoding="utf-8")
    return path


def saved() -> list[Path]:
    return sorted(directory().glob("*.html"))


class CheckerMissing(Exception):
    """Java or vnu.jar is not on this machine; the message says how to get it."""


def vnu_command() -> list[str]:
    java = shutil.which("java")
    jar = Path(os.environ.get("PRIZE_VNU_JAR") or DEFAULT_JAR)
    if java is None:
        raise CheckerMissing(
            "Java is needed for the Nu Html Checker: apt-get install default-jre-headless"
        )
    if not jar.is_file():
        raise CheckerMissing(
            f"The Nu Html Checker is not at {jar}: run `npm install vnu-jar` in {ROOT}, "
            "or set PRIZE_VNU_JAR to the path of vnu.jar"
        )
    return [java, "-jar", str(jar)]


def problems(report: str) -> list[str]:
    """The checker's JSON report as "file: line: message" lines."""
    found = []
    for message in json.loads(report or "{}").get("messages", []):
        if message.get("type") == "info":
            continue
        name = Path(str(message.get("url", "")).removeprefix("file:")).name
        found.append(f"{name}: {message.get('lastLine', '?')}: {message.get('message', '')}")
    return found


def check(pages: list[Path]) -> list[str]:
    """Run the checker once over ``pages``: its errors, one line each (none: all valid)."""
    result = subprocess.run(
        [*vnu_command(), "--errors-only", "--format", "json", *map(str, pages)],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if result.returncode not in (0, 1):  # 1: errors were found
        return [f"the checker stopped (exit {result.returncode}): {result.stderr[-2000:]}"]
    found = problems(result.stderr or result.stdout)
    if result.returncode == 1 and not found:
        return ["the checker exited 1 and reported nothing"]
    return found


# --------------------------------------------------------------------------- the run's check


_REPORT = pytest.StashKey[tuple[str, list[str]]]()  # (verdict, errors) for the summary


def _is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def pytest_configure(config: pytest.Config) -> None:
    if not _is_worker(config):
        directory()  # before the workers start: they inherit the folder through the environment


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    if _is_worker(config) or not (pages := saved()):
        return
    try:
        found = check(pages)
        verdict = f"{len(pages)} saved pages checked, {len(found)} errors"
    except CheckerMissing as missing:
        found = [f"CI=true and a required part is missing: {missing}"] if IN_CI else []
        verdict = f"{len(pages)} saved pages NOT checked: {missing}"
    config.stash[_REPORT] = (verdict, found)
    if found:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    verdict, found = terminalreporter.config.stash.get(_REPORT, ("", []))
    if not verdict:
        return
    terminalreporter.write_sep("=", "Nu Html Checker", red=bool(found), green=not found)
    terminalreporter.write_line(f"{verdict} (in {directory()})")
    for line in found:
        terminalreporter.write_line(line)
