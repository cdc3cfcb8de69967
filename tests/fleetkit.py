"""Several machines behind one address in the tests: a round-robin TCP proxy, as a balancer.

- ``RoundRobinProxy({"a": port_a, "b": port_b})``: listens on ``proxy.url`` and sends each new
  connection to the next machine in turn (A, B, A, ...), whole, in both directions. ``log`` keeps
  (machine, request line) per connection, ``served(fragment)`` names the machines whose requests
  contained ``fragment``, ``upcoming`` is the machine the next connection goes to, and
  ``turn_to(client, machine)`` lets the turn come to ``machine``.
- A client that opens one connection per request (``one_request_per_connection()``) is balanced
  per request, as most balancers do with browsers that do not keep connections alive.
- ``serve(stack, database, folder, ahead=0, **env)``: one real ``prize serve`` process on
  ``database`` with its own storage folder and log in ``folder``, stopped when ``stack`` closes;
  ``ahead`` seconds: its host's clock runs that much fast (``clock_ahead``), so its ``/health``
  fails (``failing=True`` waits for that answer instead of 200).
- ``serve_pair(stack, database, folder, **env)``: machines A and B, started at once.
- ``restart(server, drop=(), **env)``: the same machine started again with other settings.
- ``prize(database, folder, *args, ahead=0, **env)``: a ``prize`` command run as a fleet machine
  runs it (same settings as ``serve``), its result; ``start_prize`` the same, not waited for.
- ``clock_ahead(seconds)``: the environment that makes a process's whole clock (``datetime``,
  ``time.time``, the C library's) run ``seconds`` fast, by libfaketime (``apt-get install
  libfaketime``; CI installs it): a host whose time synchronisation is off, with nothing in the
  app changed. The monotonic clock is left alone (timeouts keep working).
- ``csrf(client, url)``: the CSRF token of the form at ``url``; ``sign_in(client, url,
  password, token=None)``: the secretariat officer's sign-in form sent to ``url`` (its answer).
"""

from __future__ import annotations

import glob
import os
import re
import socket
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, suppress
from pathlib import Path

import httpx2 as httpx

from prize.db import Database
from tests.appkit import TEST_KEYS
from tests.basekit import skip_or_fail
from tests.faultkit import ServerProcess

FAKETIME_LIBRARIES = "/usr/lib/*/faketime/libfaketimeMT.so.1"


def clock_ahead(seconds: float) -> dict[str, str]:
    """The environment that runs a process's clock ``seconds`` fast (libfaketime)."""
    if not seconds:
        return {}
    found = sorted(glob.glob(FAKETIME_LIBRARIES))
    if not found:
        skip_or_fail(
            "libfaketime is not installed (Debian: apt-get install libfaketime): a fleet test "
            "runs one machine's clock fast with it"
        )
    return {
        "LD_PRELOAD": found[0],
        "FAKETIME": f"{seconds:+.0f}",
        "FAKETIME_DONT_FAKE_MONOTONIC": "1",
        "FAKETIME_DONT_RESET": "1",
    }


def machine_env(database: Database, folder: Path, *, ahead: float = 0, **env: str) -> dict:
    """The settings every fleet machine in these tests has (``serve``, ``prize``)."""
    return {
        "PRIZE_DATABASE_URL": database.url,
        "PRIZE_SECRET_KEYS": ",".join(TEST_KEYS),
        "PRIZE_STORAGE_DIR": str(folder / "storage"),
        "PRIZE_BASE_URL": "http://127.0.0.1",
        "PRIZE_CONTACT_EMAIL": "secretariat@example.org",
        "PRIZE_OUTBOX_INTERVAL": "3600",
        "PRIZE_ACCESS_LOG": "false",
        **clock_ahead(ahead),
        **env,
    }


def serve(
    stack: ExitStack,
    database: Database,
    folder: Path,
    *,
    ahead: float = 0,
    failing: bool = False,
    **env: str,
) -> ServerProcess:
    server = ServerProcess(
        machine_env(database, folder, ahead=ahead, **env), folder / "server.log", prize_serve=True
    )
    folder.mkdir(parents=True, exist_ok=True)
    server.start(timeout=120, failing=failing)
    stack.callback(server.stop)
    return server


def serve_pair(
    stack: ExitStack, database: Database, folder: Path, **env: str
) -> tuple[ServerProcess, ServerProcess]:
    """Machines A and B (``serve``, in ``folder / "a"`` and ``folder / "b"``), started at once."""
    servers = []
    for name in ("a", "b"):
        (folder / name).mkdir(parents=True, exist_ok=True)
        server = ServerProcess(
            machine_env(database, folder / name, **env),
            folder / name / "server.log",
            prize_serve=True,
        )
        stack.callback(server.stop)
        servers.append(server)
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(lambda server: server.start(timeout=120), servers))
    return servers[0], servers[1]


def restart(server: ServerProcess, *, drop: tuple[str, ...] = (), **env: str) -> None:
    """Stop ``server``, change its settings (``drop`` removes some) and start it again on the
    same port: one machine of a rolling change."""
    server.stop()
    for name in drop:
        server.env.pop(name, None)
    server.env.update(env)
    server.start(timeout=120)


def start_prize(
    database: Database, folder: Path, *args: str, ahead: float = 0, **env: str
) -> subprocess.Popen[str]:
    """``prize *args`` started as a fleet machine runs it; its output is read when it ends."""
    folder.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [sys.executable, "-m", "prize.cli", *args],
        env={**os.environ, **machine_env(database, folder, ahead=ahead, **env)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def prize(
    database: Database, folder: Path, *args: str, ahead: float = 0, **env: str
) -> tuple[int, str]:
    """``prize *args`` run as a fleet machine runs it: its exit status and output."""
    process = start_prize(database, folder, *args, ahead=ahead, **env)
    out, _ = process.communicate(timeout=300)
    return process.returncode, out


def csrf(client: httpx.Client, url: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(url).text)
    assert match, url
    return match.group(1)


def sign_in(
    client: httpx.Client, url: str, password: str, token: str | None = None
) -> httpx.Response:
    """Send the officer's (tests/staffkit.py) sign-in form at ``url``: ``password`` with
    ``token``, or with a CSRF token read from the form first."""
    return client.post(
        url + "/secretariat/login",
        data={
            "email": "officer@example.org",
            "password": password,
            "csrf_token": token or csrf(client, url + "/secretariat/login"),
        },
    )


class RoundRobinProxy:
    def __init__(self, backends: dict[str, int]) -> None:
        self.backends = list(backends.items())
        self.log: list[tuple[str, str]] = []
        self._turn = 0
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        threading.Thread(target=self._accept, name="proxy", daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def upcoming(self) -> str:
        with self._lock:
            return self.backends[self._turn % len(self.backends)][0]

    def served(self, fragment: str) -> list[str]:
        return [name for name, line in self.log if fragment in line]

    def turn_to(self, client: httpx.Client, machine: str) -> None:
        """Let the turn come to ``machine``: ``client`` checks the health of the other ones."""
        while self.upcoming != machine:
            assert client.get(self.url + "/health").status_code in (200, 503)

    def close(self) -> None:
        self._listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                name, port = self.backends[self._turn % len(self.backends)]
                self._turn += 1
            threading.Thread(target=self._carry, args=(client, name, port), daemon=True).start()

    def _carry(self, client: socket.socket, name: str, port: int) -> None:
        with client, socket.create_connection(("127.0.0.1", port)) as upstream:
            first = client.recv(65536)
            with self._lock:
                self.log.append((name, first.split(b"\r\n", 1)[0].decode("latin-1")))
            upstream.sendall(first)
            back = threading.Thread(target=_copy, args=(upstream, client), daemon=True)
            back.start()
            _copy(client, upstream)
            back.join(timeout=120)


def _copy(source: socket.socket, target: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            target.sendall(data)
    except OSError:
        pass
    finally:
        with suppress(OSError):
            target.shutdown(socket.SHUT_WR)


def one_request_per_connection(**kwargs: object) -> httpx.Client:
    """A browser that the proxy balances per request (no connection kept alive)."""
    return httpx.Client(
        follow_redirects=False,
        timeout=60,
        limits=httpx.Limits(max_keepalive_connections=0),
        **kwargs,  # type: ignore[arg-type]
    )
