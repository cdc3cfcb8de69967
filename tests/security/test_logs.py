"""No link token, CSRF token or password reaches a log line, at any level: every record the app
and its libraries log while links are followed, people sign in (and fail to), reset and change
passwords, and an error happens on a link's address; and the access log of a real server."""

from __future__ import annotations

import dataclasses
import logging
import re

import httpx2 as httpx
import pytest
from starlette.requests import Request
from starlette.routing import Route

from prize.security import redact
from prize.tokens import Purpose, Signer
from tests import securityworld
from tests.appkit import TEST_KEYS, make_signer
from tests.faultkit import ServerProcess
from tests.securityworld import World
from tests.staffkit import STAFF_PASSWORD

NEW_PASSWORD = "orange kayak thunder meadow"
WRONG_PASSWORD = "Wrong-Secret-2027!"


@pytest.fixture
def world(tmp_path_factory, sqlite_template, tmp_path) -> World:
    return securityworld.template(tmp_path_factory, sqlite_template).copy(tmp_path)


def secrets_of(world: World) -> list[str]:
    return [*world.tokens.values(), STAFF_PASSWORD, NEW_PASSWORD, WRONG_PASSWORD]


def on_the_real_clock(world: World) -> World:
    """The world with the links ``exercise`` follows made again on the real clock, as a server
    process (which runs on it) would make them."""
    tokens = dict(world.tokens)
    for role, purpose in (("applicant", Purpose.application), ("juror", Purpose.ballot),
                          ("reset", Purpose.password_reset)):  # fmt: skip
        claim = make_signer(world.clock).loads(purpose, world.tokens[role])
        tokens[role] = Signer(TEST_KEYS).dumps(
            purpose, claim.subject_id, claim.version, claim.secret
        )
    return dataclasses.replace(world, tokens=tokens)


def csrf_on(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match
    return match.group(1)


def exercise(world: World, client) -> list[str]:
    """Follow every kind of link, sign in and out, fail, reset and change a password.
    Returns the CSRF tokens used (they are secrets too)."""
    used = []
    for role, route in (("applicant", "/apply/link/"), ("juror", "/ballot/link/"),
                        ("reset", "/secretariat/reset/")):  # fmt: skip
        value = world.tokens[role]
        client.get(f"{route}{value}")
        client.get(f"{route}{value}?token={value}&password={WRONG_PASSWORD}")
    token = csrf_on(client.get("/secretariat/password/new").text)
    used.append(token)
    client.post(
        "/secretariat/password/new",
        data={"password": NEW_PASSWORD, "again": NEW_PASSWORD, "csrf_token": token},
    )
    client.get(f"/secretariat/reset/{world.tokens['reset']}")  # used: refused, and logged
    for password in (WRONG_PASSWORD, STAFF_PASSWORD):
        token = csrf_on(client.get("/secretariat/login").text)
        used.append(token)
        client.post(
            "/secretariat/login",
            data={"email": "officer@example.org", "password": password, "csrf_token": token},
        )
    token = csrf_on(client.get("/secretariat/account/password").text)
    used.append(token)
    client.post(
        "/secretariat/account/password",
        data={
            "current": STAFF_PASSWORD,
            "new": NEW_PASSWORD,
            "again": NEW_PASSWORD,
            "csrf_token": token,
        },
    )
    return used


def test_no_log_record_at_any_level_holds_a_token_or_a_password(world, caplog):
    def boom(request: Request) -> None:
        raise RuntimeError(f"cannot handle {request.url.path}?{request.url.query}")

    world.app.router.routes.append(Route("/test-only/link/{token}", boom))
    client = world.client("anonymous")
    with caplog.at_level(logging.DEBUG):
        used = exercise(world, client)
        crashed = client.get(f"/test-only/link/{world.tokens['juror']}?token=x")
    assert crashed.status_code == 500
    assert "<h1>Something went wrong</h1>" in crashed.text
    assert "RuntimeError" not in crashed.text and "cannot handle" not in crashed.text
    # Every record but the test client's own (it logs the URLs it asks for, as a browser would).
    records = [r for r in caplog.records if not r.name.startswith("httpx")]
    text = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in records)
    assert "unhandled error on GET /test-only/link/[redacted]" in text  # it was logged
    assert "Traceback" in text and "RuntimeError: cannot handle /test-only/link/[redacted]" in text
    leaks = [s for s in [*secrets_of(world), *used] if s in text]
    assert leaks == []


@pytest.mark.parametrize("prize_serve", [False, True], ids=["uvicorn-factory", "prize-serve"])
def test_a_real_servers_log_holds_no_token_or_password(world, tmp_path, prize_serve):
    world = on_the_real_clock(world)
    log = tmp_path / "server.log"
    server = ServerProcess(
        {
            "PRIZE_SECRET_KEYS": ",".join(TEST_KEYS),
            "PRIZE_DATABASE_URL": world.database.url,
            "PRIZE_STORAGE_DIR": str(world.settings.storage_dir),
            "PRIZE_BASE_URL": "http://127.0.0.1",
            "PRIZE_OUTBOX_INTERVAL": "3600",
        },
        log,
        log_level="debug",
        prize_serve=prize_serve,
    )
    server.start()
    try:
        with httpx.Client(base_url=server.url, follow_redirects=False, timeout=30) as client:
            used = exercise(world, client)
    finally:
        server.stop()
    text = log.read_text()
    assert re.search(r'"GET /ballot/link/\[redacted\] HTTP/1.1" 303', text), text[-3000:]
    assert "/secretariat/reset/[redacted]" in text
    leaks = [s for s in [*secrets_of(world), *used] if s in text]
    assert leaks == []


@pytest.mark.parametrize(
    "line",
    [
        '127.0.0.1:5000 - "GET /apply/link/WzEsMV0.abc.def HTTP/1.1" 303',
        '127.0.0.1:5000 - "GET /ballot/link/WzEsMV0.abc.def?x=1 HTTP/1.1" 303',
        "GET /secretariat/reset/WzEsMV0.abc.def",
        '"GET /apply/link//WzEsMV0.abc.def HTTP/1.1" 404',  # however many slashes
        '"GET /ballot/link/x/WzEsMV0.abc.def/y HTTP/1.1" 404',  # in every later segment
        "GET /apply?token=WzEsMV0.abc.def&lang=fr",
        "POST /secretariat/login password=WzEsMV0.abc.def&csrf_token=WzEsMV0.abc.def",
    ],
)
def test_the_redaction_covers_paths_and_query_strings(line):
    assert "WzEsMV0.abc.def" not in redact(line)
    assert "[redacted]" in redact(line)
