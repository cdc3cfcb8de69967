"""`prize serve` as the README runs it: with several workers every process logs (start-up and the
access log) with tokens redacted, and the client address behind a proxy is the one the trusted
proxies say (``PRIZE_FORWARDED_ALLOW_IPS``), never one a stranger claims."""

from __future__ import annotations

import re
import shutil
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx2 as httpx
import pytest

import prize
from prize.settings import SettingsError, load
from prize.tokens import Purpose, Signer
from tests.appkit import TEST_KEYS
from tests.faultkit import ServerProcess

ACCESS = re.compile(
    r"INFO uvicorn\.access \[(\d+)\]: 127\.0\.0\.1:\d+ - \"GET (\S+) HTTP/1\.1\" (\d+)"
)
STARTED = re.compile(r"INFO uvicorn\.error \[(\d+)\]: Application startup complete\.")


def server(tmp_path: Path, sqlite_template: Path, **env: str) -> ServerProcess:
    """`prize serve` on a migrated SQLite file of its own, not started yet."""
    database = tmp_path / "prize.sqlite3"
    shutil.copyfile(sqlite_template, database)  # what `prize migrate` makes
    settings = {
        "PYTHONPATH": str(Path(prize.__file__).resolve().parents[1]),  # this checkout's code
        "PRIZE_SECRET_KEYS": ",".join(TEST_KEYS),
        "PRIZE_DATABASE_URL": f"sqlite:///{database}",
        "PRIZE_STORAGE_DIR": str(tmp_path / "storage"),
        "PRIZE_BASE_URL": "http://127.0.0.1",
        "PRIZE_OUTBOX_INTERVAL": "3600",
        "FORWARDED_ALLOW_IPS": "",  # uvicorn's own variable must change nothing
    }
    return ServerProcess({**settings, **env}, tmp_path / "server.log", prize_serve=True, workers=1)


def test_every_worker_logs_its_start_and_its_requests_with_tokens_redacted(
    tmp_path, sqlite_template
):
    process = server(tmp_path, sqlite_template, PRIZE_ACCESS_LOG="true")
    process.workers = 2
    signer = Signer(TEST_KEYS)
    tokens = [signer.dumps(Purpose.application, 7, 1, "s"), signer.dumps(Purpose.ballot, 8, 1, "s")]
    paths = [f"/apply/link/{tokens[0]}", f"/ballot/link/{tokens[1]}"]
    process.start()
    try:
        deadline = time.monotonic() + 30
        while len(set(STARTED.findall(process.log.read_text()))) < 2:  # the second may lag
            assert time.monotonic() < deadline, process.log.read_text()[-3000:]
            time.sleep(0.05)
        seen: set[str] = set()

        def ask(path: str) -> int:
            with httpx.Client(base_url=process.url, timeout=10) as client:  # a new connection
                return client.get(path).status_code

        with ThreadPoolExecutor(8) as pool:
            for _ in range(20):  # until both workers have answered (the kernel picks)
                list(pool.map(ask, paths * 8))
                seen = {m[0] for m in ACCESS.findall(process.log.read_text())}
                if len(seen) >= 2:
                    break
    finally:
        process.stop()
    text = process.log.read_text()
    assert len(set(STARTED.findall(text))) == 2, text[-3000:]
    lines = ACCESS.findall(text)
    assert len({pid for pid, _, _ in lines}) == 2, text[-3000:]
    asked = {path for _, path, _ in lines} - {"/health"}  # the start-up check's
    assert asked == {"/apply/link/[redacted]", "/ballot/link/[redacted]"}
    assert not any(token in text for token in tokens)


def resend_from(process: ServerProcess, forwarded_for: str) -> list[str]:
    """Ask for one's links again with an X-Forwarded-For header; the throttle's keys stored."""
    process.start()
    try:
        with httpx.Client(base_url=process.url, timeout=10) as client:
            form = client.get("/apply/resend").text
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', form)
            assert csrf
            sent = client.post(
                "/apply/resend",
                data={"email": "someone@example.org", "csrf_token": csrf.group(1)},
                headers={"X-Forwarded-For": forwarded_for},
            )
            assert sent.headers["location"] == "/apply/sent"
    finally:
        process.stop()
    database = process.env["PRIZE_DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT key FROM rate_event WHERE key LIKE 'mail:client:%'")
        return [key for (key,) in rows]


@pytest.mark.parametrize(
    ("trusted", "client"),
    [
        ("127.0.0.1", "203.0.113.7"),  # a proxy on this machine: its word is taken
        ("192.0.2.10,198.51.100.0/24", "127.0.0.1"),  # this caller is no trusted proxy
        ("", "203.0.113.7"),  # unset: the loopback addresses are trusted, as uvicorn does
    ],
    ids=["loopback-trusted", "loopback-not-trusted", "default"],
)
def test_the_client_address_comes_from_the_header_only_when_a_trusted_proxy_sends_it(
    tmp_path, sqlite_template, trusted, client
):
    process = server(tmp_path, sqlite_template, PRIZE_FORWARDED_ALLOW_IPS=trusted)
    assert resend_from(process, "203.0.113.7") == [f"mail:client:{client}"]


@pytest.mark.parametrize(
    ("value", "read"),
    [
        ("", ()),
        ("10.0.0.5, 192.168.1.0/24,::1", ("10.0.0.5", "192.168.1.0/24", "::1")),
        ("*", ("*",)),
    ],
)
def test_trusted_proxies_are_read_from_the_environment(value, read):
    settings = load({"PRIZE_SECRET_KEYS": TEST_KEYS[0], "PRIZE_FORWARDED_ALLOW_IPS": value})
    assert settings.forwarded_allow_ips == read
    assert settings.trusted_proxies == (",".join(read) if read else "127.0.0.1,::1")


@pytest.mark.parametrize("value", ["proxy.example.org", "10.0.0.5/8", "*,10.0.0.5", "10.0.0.300"])
def test_a_trusted_proxy_uvicorn_would_quietly_ignore_is_refused(value):
    with pytest.raises(SettingsError) as error:
        load({"PRIZE_SECRET_KEYS": TEST_KEYS[0], "PRIZE_FORWARDED_ALLOW_IPS": value})
    assert str(error.value).startswith(
        "PRIZE_FORWARDED_ALLOW_IPS must list IP addresses or networks separated by commas "
        "(for example 10.0.0.5,192.168.1.0/24; or * alone), not "
    )
