"""Pages: requests/s and latency (p50/p99) with wrk, next to the baseline page of the same size.

    .venv/bin/python -m bench.pages [--seconds 5] [--rounds 3] [--connections 16] [--only NAME]
        [--compare /tmp/before]

The data (the demo, a draft with every field filled, a 40-application jury round with seven
onboarded jurors, a 500-application edition in screening) is built through the domain functions
in a temporary folder. Prize (one worker, ``uvicorn prize.app:asgi --factory``) and the baseline
(bench/baseline.py) are both served on core 0; wrk runs on core 1. Pages behind a session are
opened as a person opens them (signed link, or signing in) with httpx, and wrk sends that
session's cookie. Responses are not compressed (wrk sends no Accept-Encoding), like the baseline.

Goals (issue #7): public pages >= 0.6 of the baseline, pages behind a session >= 0.5.
"""

from __future__ import annotations

import argparse
import contextlib
import tempfile
from dataclasses import dataclass
from pathlib import Path

import httpx2 as httpx

from bench import harness, scenarios


@dataclass
class Page:
    name: str
    kind: str  # "public" or "session"
    path: str
    cookie: str = ""
    size: int = 0

    @property
    def goal(self) -> float:
        return 0.6 if self.kind == "public" else 0.5


def open_pages(url: str, built: scenarios.Built) -> list[Page]:
    pages = [
        Page("call page", "public", "/"),
        Page("results 2016", "public", "/editions/2016/results"),
    ]
    with httpx.Client(base_url=url, timeout=30) as applicant:
        # The link opens the draft's task list; the whole form is the heavier page to measure.
        path = harness.follow_link(applicant, built.draft_link).removesuffix("/tasks")
        pages.append(
            Page("application form (draft)", "session", path, harness.cookie_header(applicant))
        )
    with httpx.Client(base_url=url, timeout=30) as juror:
        harness.follow_link(juror, built.ballot_links[0])
        pages.append(
            Page("ballot round 1 (40 apps)", "session", "/ballot", harness.cookie_header(juror))
        )
    with httpx.Client(base_url=url, timeout=30) as staff:
        harness.staff_login(staff, built.staff_email, built.staff_password)
        pages.append(
            Page(
                "secretariat list (500 apps)",
                "session",
                f"/secretariat/editions/{built.list_year}/applications",
                harness.cookie_header(staff),
            )
        )
    for page in pages:
        headers = {"Cookie": page.cookie} if page.cookie else {}
        response = httpx.get(url + page.path, headers=headers, timeout=30)
        if response.status_code != 200:
            raise RuntimeError(f"{page.name}: {page.path} answered {response.status_code}")
        page.size = len(response.content)
    return pages


@dataclass
class Served:
    label: str
    url: str
    pid: int


def measure_page(
    page: Page, servers: list[Served], base: Served, args: argparse.Namespace
) -> list[str]:
    """Alternate wrk runs on each server and the baseline; the median of each ratio."""
    headers = {"Cookie": page.cookie} if page.cookie else None
    baseline_url = f"{base.url}/page?bytes={page.size}"
    for served in servers:
        harness.wrk(
            served.url + page.path, seconds=1, connections=args.connections, headers=headers
        )  # fmt: skip  (warm-up)
    harness.wrk(baseline_url, seconds=1, connections=args.connections)
    runs: list[list[harness.WrkResult]] = []
    for _ in range(args.rounds):  # alternated, so that noise hits each alike
        row = [
            harness.wrk(served.url + page.path, seconds=args.seconds,
                        connections=args.connections, headers=headers, server_pid=served.pid)
            for served in servers
        ]  # fmt: skip
        row.append(harness.wrk(baseline_url, seconds=args.seconds, connections=args.connections,
                               server_pid=base.pid))  # fmt: skip
        runs.append(row)

    def median(values: list[float]) -> float:
        return sorted(values)[len(values) // 2]

    lines = []
    title = f"{page.name} [{page.kind}, {page.size // 1024} KB, goal {page.goal}]"
    lines.append(title)
    for i, served in enumerate(servers):
        ratios = [r[i].rps / r[-1].rps if r[-1].rps else 0.0 for r in runs]
        cpu_ratio = median([r[-1].cpu_ms / r[i].cpu_ms for r in runs])
        chosen = sorted(runs, key=lambda r: r[i].rps / r[-1].rps if r[-1].rps else 0.0)[
            len(runs) // 2
        ]
        lines.append(chosen[i].row(f"  {served.label}", chosen[-1]) + f"  (ratios "
                     f"{', '.join(f'{x:.2f}' for x in ratios)}; cpu ratio {cpu_ratio:.2f})")  # fmt: skip
    base_run = sorted(runs, key=lambda r: r[-1].rps)[len(runs) // 2][-1]
    lines.append(base_run.row(f"  baseline, {page.size} bytes"))
    if len(servers) == 2:
        speedup = median([r[0].rps / r[1].rps for r in runs if r[1].rps])
        cpu_gain = median([r[1].cpu_ms / r[0].cpu_ms for r in runs])
        lines.append(f"  {servers[0].label} / {servers[1].label}: rps x{speedup:.2f}, "
                     f"cpu per request / {cpu_gain:.2f}")  # fmt: skip
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=5, help="per wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="alternated runs; the median")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--only", default="", help="measure the pages whose name contains this")
    parser.add_argument("--compare", default="", metavar="TREE",
                        help="also serve another source tree (e.g. /tmp/before), same data")  # fmt: skip
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="prize-bench-") as tmp, contextlib.ExitStack() as stack:
        print("building the data through the domain functions…", flush=True)
        built = scenarios.pages_data(Path(tmp))
        url, proc = stack.enter_context(harness.server("prize.app:asgi", env=built.env()))
        servers = [Served("this tree" if args.compare else "prize", url, proc.pid)]
        if args.compare:
            other, other_proc = stack.enter_context(
                harness.server("prize.app:asgi", env=built.env(), tree=Path(args.compare))
            )
            servers.append(Served(args.compare, other, other_proc.pid))
        base_url, base_proc = stack.enter_context(harness.baseline_server())
        base = Served("baseline", base_url, base_proc.pid)
        pages = [p for p in open_pages(url, built) if args.only in p.name]
        print(harness.describe())
        print(f"wrk: {args.connections} connections, {args.rounds} x {args.seconds} s per page "
              "and server, alternating with the baseline (the median ratio is shown); servers "
              "on core 0, wrk on core 1. cpu: the server's CPU time per request; 'cpu ratio' "
              "is baseline cpu / page cpu, what the rps ratio would be on a quiet core.\n")  # fmt: skip
        below = []
        for page in pages:
            lines = measure_page(page, servers, base, args)
            print("\n".join(lines), flush=True)
            ratio = float(lines[1].split("ratio")[1].split()[0])
            if ratio < page.goal:
                below.append(f"{page.name}: {ratio:.2f} < {page.goal}")
        print()
        print("below goal: " + ("; ".join(below) if below else "none"))


if __name__ == "__main__":
    main()
