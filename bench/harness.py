"""Shared pieces of the benchmarks: a server pinned to one core, wrk pinned to the other, and a
bare Starlette baseline that renders a Jinja template of the same size from memory.

Benchmarks print figures; they assert nothing about time.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx2 as httpx

ROOT = Path(__file__).resolve().parent.parent
# The source tree the server runs from: this checkout, or another one (for example
# `git archive HEAD | tar -x -C /tmp/before`) to measure "before" and "after" on one machine.
TREE = Path(os.environ.get("PRIZE_BENCH_TREE", str(ROOT))).resolve()
PYTHON = sys.executable
SERVER_CORE = "0"
LOAD_CORE = "1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def taskset(core: str) -> list[str]:
    return ["taskset", "-c", core] if shutil.which("taskset") and (os.cpu_count() or 1) > 1 else []


@contextlib.contextmanager
def server(
    app: str,
    *,
    env: dict[str, str] | None = None,
    factory: bool = True,
    workers: int = 1,
    core: str | None = SERVER_CORE,
    ready_path: str = "/health",
    tree: Path | None = None,
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Run ``uvicorn app`` (one worker by default, pinned to one core) until the block ends,
    from ``tree`` (default: ``TREE``)."""
    port = free_port()
    cmd = [
        *(taskset(core) if core else []),
        PYTHON,
        "-m",
        "uvicorn",
        app,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    if factory:
        cmd.append("--factory")
    proc = subprocess.Popen(cmd, cwd=tree or TREE, env={**os.environ, **(env or {})})
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120  # a loaded machine starts two workers slowly
    while True:
        try:
            if httpx.get(url + ready_path, timeout=1).status_code < 500:
                break
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"server {app} did not start")
        time.sleep(0.1)
    try:
        yield url, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@dataclass
class WrkResult:
    rps: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    errors: int
    requests: int = 0
    cpu_ms: float = float("nan")  # the server's CPU time per request, when measured

    def row(self, name: str, baseline: WrkResult | None = None) -> str:
        ratio = f"{self.rps / baseline.rps:5.2f}" if baseline and baseline.rps else "    -"
        cpu = f"  cpu {self.cpu_ms:5.2f} ms/req" if self.cpu_ms == self.cpu_ms else ""
        return (
            f"{name:<34} {self.rps:7.0f} rps  p50 {self.p50_ms:7.2f} ms  "
            f"p99 {self.p99_ms:7.2f} ms  ratio {ratio}{cpu}  non-2xx {self.non_2xx}  "
            f"errors {self.errors}"
        )


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk(
    url: str,
    *,
    connections: int = 16,
    seconds: int = 10,
    headers: dict[str, str] | None = None,
    threads: int = 2,
    server_pid: int | None = None,
) -> WrkResult:
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    cmd = [
        *taskset(LOAD_CORE),
        "wrk",
        "--latency",
        "-t",
        str(threads),
        "-c",
        str(connections),
        "-d",
        f"{seconds}s",
    ]
    for key, value in (headers or {}).items():
        cmd += ["-H", f"{key}: {value}"]
    cpu_before = cpu_seconds(server_pid) if server_pid else 0.0
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    cpu_used = cpu_seconds(server_pid) - cpu_before if server_pid else float("nan")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    lat = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", out, re.M))

    def parse(v: str) -> float:
        m = re.match(r"([\d.]+)(\w+)", v)
        return _ms(m.group(1), m.group(2)) if m else float("nan")

    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(
        r"Socket errors:.*?connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    done = re.search(r"(\d+) requests in", out)
    requests = int(done.group(1)) if done else 0
    return WrkResult(
        rps=rps,
        p50_ms=parse(lat.get("50", "nan")),
        p99_ms=parse(lat.get("99", "nan")),
        non_2xx=int(non2xx.group(1)) if non2xx else 0,
        errors=sum(int(x) for x in errors.groups()) if errors else 0,
        requests=requests,
        cpu_ms=cpu_used / requests * 1000 if requests else float("nan"),
    )


def pin_client() -> None:
    """Run this (client) process on the load core, away from the server's."""
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(0, {int(LOAD_CORE)})


def describe() -> str:
    """The machine and the tree served, for the head of every benchmark's output."""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"{os.cpu_count()} cores, load average {load:.1f} at start; serving {TREE}; "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
    )


def _family(pid: int) -> list[int]:
    pids = [pid]
    with contextlib.suppress(FileNotFoundError):
        pids += [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    return pids


def cpu_seconds(pid: int) -> float:
    """User + system CPU time used so far by a process (all its threads) and its children
    (uvicorn's workers), in seconds."""
    total = 0
    for p in _family(pid):
        with contextlib.suppress(FileNotFoundError):
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def rss_kib(pid: int) -> int:
    """Resident memory of a process and its children (uvicorn workers), in KiB."""
    total = 0
    for p in _family(pid):
        with contextlib.suppress(FileNotFoundError):
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total


# --------------------------------------------------------------------------- browsing as a person

SESSION_COOKIE = "prize_session"


def cookie_header(client: httpx.Client) -> str:
    """The ``Cookie`` header a browser would send after what ``client`` has seen (for wrk)."""
    return "; ".join(f"{name}={value}" for name, value in client.cookies.items())


def follow_link(client: httpx.Client, path: str) -> str:
    """Open a signed link (exchanged for a session, redirected): the page it leads to."""
    response = client.get(path, follow_redirects=True)
    response.raise_for_status()
    return str(response.url.path)


def staff_login(client: httpx.Client, email: str, password: str) -> None:
    page = client.get("/secretariat/login")
    form = html_forms(page.text)[-1]
    fields = dict(form.fields)
    fields.update(email=email, password=password)
    response = client.post("/secretariat/login", data=fields)
    if response.status_code != 303:
        raise RuntimeError(f"login failed: {response.status_code}")


@dataclass
class HtmlForm:
    action: str
    method: str
    fields: list[tuple[str, str]]
    buttons: list[tuple[str, str]]


def html_forms(html: str) -> list[HtmlForm]:
    """The forms of a page, each with the fields a browser would send (checked boxes, selected
    options, textareas' text); submit buttons apart."""
    from html.parser import HTMLParser

    forms: list[HtmlForm] = []

    class Parser(HTMLParser):
        select: str | None = None
        multiple = False
        chosen: str | None = None
        first: str | None = None
        area: str | None = None

        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.area_text: list[str] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            a = {k: v or "" for k, v in attrs}
            if tag == "form":
                forms.append(HtmlForm(a.get("action", ""), a.get("method", "get").lower(), [], []))
            elif not forms:
                return
            elif tag == "input" and a.get("name"):
                kind = a.get("type", "text").lower()
                if kind in {"checkbox", "radio"} and "checked" not in a:
                    return
                if kind in {"submit", "button", "image"}:
                    forms[-1].buttons.append((a["name"], a.get("value", "")))
                elif kind != "file":
                    forms[-1].fields.append((a["name"], a.get("value", "")))
            elif tag == "button" and a.get("name"):
                forms[-1].buttons.append((a["name"], a.get("value", "")))
            elif tag == "select":
                self.select, self.chosen, self.first = a.get("name"), None, None
                self.multiple = "multiple" in a
            elif tag == "option" and self.select:
                value = a.get("value", "")
                self.first = value if self.first is None else self.first
                if "selected" in a and self.multiple:
                    forms[-1].fields.append((self.select, value))
                elif "selected" in a:
                    self.chosen = value
            elif tag == "textarea":
                self.area, self.area_text = a.get("name"), []

        def handle_endtag(self, tag: str) -> None:
            if tag == "select" and self.select and forms:
                if not self.multiple:
                    forms[-1].fields.append((self.select, self.chosen or self.first or ""))
                self.select = None
            elif tag == "textarea" and self.area and forms:
                forms[-1].fields.append((self.area, "".join(self.area_text).removeprefix("\n")))
                self.area = None

        def handle_data(self, data: str) -> None:
            if self.area:
                self.area_text.append(data)

    Parser().feed(html)
    return forms


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def baseline_server() -> contextlib.AbstractContextManager[tuple[str, subprocess.Popen[bytes]]]:
    """The bare Starlette baseline (bench/baseline.py), served exactly as Prize is."""
    return server("bench.baseline:app", ready_path="/health")
