"""The security headers are on every response: every page of every kind of user, and the
answers nobody plans for (404, 405, 413, 500, 401, 403, 410), redirects, static files,
downloads, JSON and CSV."""

from __future__ import annotations

import pytest
from starlette.requests import Request
from starlette.routing import Route
from starlette.testclient import TestClient

from tests import securityworld
from tests.securitykit import crawl
from tests.securityworld import World

# Its tests share a module fixture that is costly to build: one xdist worker runs them all.
pytestmark = pytest.mark.xdist_group("headers")

HEADERS = {
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
        "base-uri 'none'; object-src 'none'"
    ),
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}


def missing_headers(response) -> dict[str, str | None]:
    wrong = {k: response.headers.get(k) for k, v in HEADERS.items() if response.headers.get(k) != v}
    if "cache-control" not in response.headers:
        wrong["cache-control"] = None
    return wrong


@pytest.fixture(scope="module")
def world(tmp_path_factory, sqlite_template) -> World:
    return securityworld.template(tmp_path_factory, sqlite_template)


def test_every_page_of_every_kind_of_user_has_the_headers(world):
    checked = {}
    for role in ("anonymous", "applicant", "juror", "secretariat"):
        for path, response in crawl(world, role, per_route=2).items():
            checked[f"{role} {response.status_code} {path}"] = missing_headers(response)
    assert {k: v for k, v in checked.items() if v} == {}
    statuses = {key.split()[1] for key in checked}
    assert {"200", "303", "401", "403"} <= statuses
    assert len(checked) > 150


def test_unplanned_answers_have_the_headers(world, tmp_path):
    copy = world.copy(tmp_path)

    def boom(request: Request) -> None:
        raise RuntimeError("a bug, in the test app only")

    copy.app.router.routes.append(Route("/test-only/boom", boom))
    client = copy.client("anonymous")
    juror = copy.client("juror")
    answers = {
        "404": client.get("/no/such/page"),
        "404 edition": client.get("/editions/1999/results"),
        "405": client.get("/secretariat/logout"),
        "405 put": client.put("/", content=b"x"),
        "413": client.post(
            "/apply",
            content=b"x" * (600 * 1024),
            headers={"content-type": "application/x-www-form-urlencoded"},
        ),
        "500": client.get("/test-only/boom"),
        "403 csrf": client.post("/apply", data={"email": "a@example.org"}),
        "400 link": client.get("/ballot/link/tampered.token.value"),
        "401 ballot": client.get("/ballot"),
        "redirect": client.get("/secretariat"),
        "static": client.get("/static/css/prize.css"),
        "head": client.head("/"),
        "json": client.get(f"/editions/{copy.ids['published_year']}/results.json"),
        "csv": client.get(f"/editions/{copy.ids['published_year']}/results.csv"),
        "download": juror.get(
            f"/ballot/applications/{copy.ids['ballot_reference']}/files/{copy.ids['ballot_file']}"
        ),
        "autosave json": juror.post(
            f"/ballot/applications/{copy.ids['ballot_reference']}/save",
            data={"comment": "x", "csrf_token": copy.csrf(juror)},
        ),
    }
    statuses = {name: response.status_code for name, response in answers.items()}
    assert statuses == {
        "404": 404, "404 edition": 404, "405": 405, "405 put": 405, "413": 413, "500": 500,
        "403 csrf": 403, "400 link": 400, "401 ballot": 401, "redirect": 303, "static": 200,
        "head": 200, "json": 200, "csv": 200, "download": 200, "autosave json": 200,
    }  # fmt: skip
    assert {name: missing_headers(r) for name, r in answers.items() if missing_headers(r)} == {}
    assert "<h1>Something went wrong</h1>" in answers["500"].text
    assert "RuntimeError" not in answers["500"].text  # no traceback for the reader
    assert "<h1>Too much data</h1>" in answers["413"].text
    assert answers["download"].headers["content-disposition"].startswith("attachment")


def test_over_https_pages_ask_for_https_and_cookies_are_secure(world, tmp_path):
    secure = world.copy(tmp_path, base_url="https://prize.example.org")
    with TestClient(secure.app, base_url="https://testserver", follow_redirects=False) as client:
        page = client.get("/")
        missing = client.get("/no/such/page")
    for response in (page, missing):
        assert response.headers["strict-transport-security"] == (
            "max-age=63072000; includeSubDomains"
        )
    cookie = page.headers["set-cookie"]
    assert "secure" in cookie.lower() and "httponly" in cookie.lower()
    assert "samesite=lax" in cookie.lower()
