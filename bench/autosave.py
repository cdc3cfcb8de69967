"""Autosave: score saves per second through the ballot's JSON endpoint
(``POST /ballot/applications/<reference>/save``, as static/js/ballot.js sends them).

    .venv/bin/python -m bench.autosave [--seconds 10] [--rate-seconds 20] [--compare /tmp/before]

A 40-application first round with seven onboarded jurors is built through the domain functions
(SQLite, one worker on core 0; the client on core 1). Each juror opens their signed link, reads
the CSRF token and the score fields from an application's page, then saves one score per request
(cycling through the applications and criteria, a different value each time). Measured:

1. one juror saving back to back (closed loop): saves/s, p50/p99;
2. seven jurors saving back to back at once (closed loop);
3. the rate seven jurors typing make, times ten, spread evenly (open loop): seven jurors each
   saving once every 2 s make 3.5 saves/s (static/js/ballot.js sends a field after a pause, so a
   juror typing steadily saves about every 1-3 s); the test runs 35 saves/s.

Goal (issue #7): p99 < 100 ms at 10x the typing rate.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import re
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import httpx2 as httpx

from bench import harness, scenarios

JURORS = 7
SAVE_EVERY_S = 2.0  # one save per juror every 2 s while typing
Result = tuple[float, list[float], list[str]]
HEADERS = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}


@dataclass
class Juror:
    client: httpx.AsyncClient
    csrf: str
    fields: list[str]
    references: list[str]
    n: int = 0

    def next_save(self) -> tuple[str, str]:
        self.n += 1
        reference = self.references[self.n % len(self.references)]
        name = self.fields[(self.n // len(self.references)) % len(self.fields)]
        body = urlencode({"csrf_token": self.csrf, name: str(self.n % 11)})
        return f"/ballot/applications/{reference}/save", body


async def open_juror(url: str, link: str, references: list[str]) -> Juror:
    client = httpx.AsyncClient(base_url=url, timeout=30)
    await client.get(link, follow_redirects=True)
    page = await client.get(f"/ballot/applications/{references[0]}")
    form = next(f for f in harness.html_forms(page.text) if f.method == "post" and any(
        re.match(r"score-\d+$", n) for n, _ in f.fields))  # fmt: skip
    fields = dict(form.fields)
    names = sorted(n for n in fields if re.match(r"score-\d+$", n))
    return Juror(client, fields["csrf_token"], names, references)


async def save(juror: Juror, latencies: list[float], errors: list[str]) -> None:
    path, body = juror.next_save()
    t = time.monotonic()
    try:
        response = await juror.client.post(path, content=body, headers=HEADERS)
        ok = response.status_code == 200 and response.json().get("saved") is True
        if not ok:
            errors.append(f"{response.status_code} {response.text[:80]}")
    except httpx.HTTPError as error:
        errors.append(type(error).__name__)
    latencies.append((time.monotonic() - t) * 1000)


async def closed_loop(jurors: list[Juror], seconds: float) -> tuple[float, list[float], list[str]]:
    latencies: list[float] = []
    errors: list[str] = []
    stop = time.monotonic() + seconds

    async def loop(juror: Juror) -> None:
        while time.monotonic() < stop:
            await save(juror, latencies, errors)

    began = time.monotonic()
    await asyncio.gather(*(loop(j) for j in jurors))
    return len(latencies) / (time.monotonic() - began), latencies, errors


async def open_loop(
    jurors: list[Juror], rate: float, seconds: float
) -> tuple[float, list[float], list[str]]:
    latencies: list[float] = []
    errors: list[str] = []
    total = int(rate * seconds)
    start = time.monotonic() + 0.2
    tasks = []
    for i in range(total):
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(save(jurors[i % len(jurors)], latencies, errors)))
    await asyncio.gather(*tasks)
    return len(latencies) / (time.monotonic() - start), latencies, errors


def line(name: str, result: tuple[float, list[float], list[str]], cpu_ms: float) -> str:
    rate, latencies, errors = result
    pct = harness.percentile
    return (f"{name:<44} {rate:7.1f} saves/s  p50 {pct(latencies, 50):6.1f} ms  "
            f"p99 {pct(latencies, 99):6.1f} ms  max {max(latencies, default=0):6.1f} ms  "
            f"server cpu {cpu_ms:5.2f} ms/save  "
            f"errors {len(errors)}{' (' + errors[0] + ')' if errors else ''}")  # fmt: skip


@dataclass
class Target:
    label: str
    url: str
    pid: int
    built: scenarios.Built
    jurors: list[Juror] | None = None


async def measure(targets: list[Target], args: argparse.Namespace) -> list[str]:
    """Each phase on each server in turn (this tree first), so that load hits them alike."""
    for t in targets:
        t.jurors = [await open_juror(t.url, link, t.built.ballot_references)
                    for link in t.built.ballot_links]  # fmt: skip
        await closed_loop(t.jurors[:1], 1)  # warm-up
    typing = JURORS / SAVE_EVERY_S
    phases: list[tuple[str, Callable[[list[Juror]], Awaitable[Result]]]] = [
        ("one juror, back to back", lambda js: closed_loop(js[:1], args.seconds)),
        ("seven jurors at once, back to back", lambda js: closed_loop(js, args.seconds)),
        (f"seven typing: {typing:.1f} saves/s (1x)",
         lambda js: open_loop(js, typing, args.rate_seconds)),
        (f"10x the typing rate: {10 * typing:.0f} saves/s",
         lambda js: open_loop(js, 10 * typing, args.rate_seconds)),
    ]  # fmt: skip
    out = []
    for name, run in phases:
        for t in targets:
            assert t.jurors is not None
            before = harness.cpu_seconds(t.pid)
            result = await run(t.jurors)
            cpu_ms = (harness.cpu_seconds(t.pid) - before) / max(1, len(result[1])) * 1000
            label = f"{name} [{t.label}]" if len(targets) > 1 else name
            out.append(line(label, result, cpu_ms))
    for t in targets:
        for juror in t.jurors or []:
            await juror.client.aclose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rate-seconds", type=float, default=20)
    parser.add_argument("--compare", default="", metavar="TREE",
                        help="also serve another source tree (e.g. /tmp/before) on its own copy "
                        "of the data, phase by phase")  # fmt: skip
    args = parser.parse_args()
    print(harness.describe())
    trees: list[tuple[str, Path | None]] = [("this tree" if args.compare else "prize", None)]
    if args.compare:
        trees.append((args.compare, Path(args.compare)))
    with tempfile.TemporaryDirectory(prefix="prize-autosave-") as tmp, \
            contextlib.ExitStack() as stack:  # fmt: skip
        targets = []
        for n, (label, tree) in enumerate(trees):
            built = scenarios.prepare(Path(tmp) / str(n))
            built.ballot_links, built.ballot_references = scenarios.jury_edition(
                built, year=2031, count=40, juror_count=JURORS
            )
            url, proc = stack.enter_context(
                harness.server("prize.app:asgi", env=built.env(), tree=tree)
            )
            targets.append(Target(label, url, proc.pid, built))
        harness.pin_client()
        lines = asyncio.run(measure(targets, args))
    print("\n".join(lines))
    print("goal: p99 < 100 ms at 10x the typing rate")


if __name__ == "__main__":
    main()
