"""Memory: the server's resident memory while it receives a 10 MB upload and while it refuses a
200 MB one.

    .venv/bin/python -m bench.memory

One worker (SQLite, core 0) serves an applicant's draft, built through the domain functions.
The RSS of the server (``bench.harness.rss_kib``) is sampled every 5 ms during each request;
the figure is the peak minus the RSS just before the request (after a warm-up upload). The
200 MB file is sent twice: with its Content-Length declared (an honest browser), and streamed in
chunks without one (a client that hides the size), where the server must stop reading at its
limit. Goal (issue #7): grows by less than 20 MB.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx

from bench import harness, scenarios

MB = 1024 * 1024


class Sampler:
    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        while not self.stop.is_set():
            self.peak = max(self.peak, harness.rss_kib(self.pid))
            time.sleep(0.005)

    def __enter__(self) -> Sampler:
        self.before = harness.rss_kib(self.pid)
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()
        self.after = harness.rss_kib(self.pid)


def multipart(csrf: str, size: int, chunk: int = 256 * 1024) -> tuple[str, Iterator[bytes], int]:
    """A multipart body with one PDF of ``size`` bytes, produced in chunks (never whole)."""
    boundary = "prizebenchboundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{csrf}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n%PDF-1.4\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    body = size - len(b"%PDF-1.4\n")

    def parts() -> Iterator[bytes]:
        yield head
        left = body
        block = b"0" * chunk
        while left > 0:
            yield block[: min(chunk, left)]
            left -= chunk
        yield tail

    return f"multipart/form-data; boundary={boundary}", parts(), len(head) + body + len(tail)


def upload(url: str, path: str, cookies: httpx.Cookies, csrf: str, size: int,
           declare: bool) -> tuple[int, str]:  # fmt: skip
    content_type, parts, length = multipart(csrf, size)
    headers = {"Content-Type": content_type}
    if declare:
        headers["Content-Length"] = str(length)
    try:
        with httpx.Client(base_url=url, cookies=cookies, timeout=120) as client:
            response = client.post(path, content=parts, headers=headers)
            return response.status_code, ""
    except httpx.HTTPError as error:  # the server may close before reading everything
        return 0, type(error).__name__


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.parse_args()
    print(harness.describe())
    with tempfile.TemporaryDirectory(prefix="prize-memory-") as tmp:
        built = scenarios.with_demo(scenarios.prepare(Path(tmp)))
        drafts = scenarios.drafts(built, count=4, prefix="memory")
        harness.pin_client()
        with harness.server("prize.app:asgi", env=built.env()) as (url, proc):
            cases = [
                ("warm-up upload 1 MB", 1 * MB, True, 0),
                ("upload 10 MB (accepted)", 10_000_000, True, 1),
                ("upload 200 MB, Content-Length declared", 200 * MB, True, 2),
                ("upload 200 MB, streamed without a length", 200 * MB, False, 3),
            ]
            print(f"server RSS at rest: {harness.rss_kib(proc.pid) / 1024:.1f} MB")
            for name, size, declare, which in cases:
                client = httpx.Client(base_url=url, timeout=30)
                path = (
                    harness.follow_link(client, drafts[which][1]).removesuffix("/tasks") + "/files"
                )
                csrf = dict(harness.html_forms(client.get(path).text)[-1].fields)["csrf_token"]
                with Sampler(proc.pid) as sample:
                    t = time.monotonic()
                    status, error = upload(url, path, client.cookies, csrf, size, declare)
                    took = time.monotonic() - t
                client.close()
                grew = (sample.peak - sample.before) / 1024
                print(f"{name:<44} answer {status or error:<5} in {took:5.2f} s  RSS before "
                      f"{sample.before / 1024:6.1f} MB, peak {sample.peak / 1024:6.1f} MB: "
                      f"grew {grew:5.1f} MB")  # fmt: skip
    print("goal: grows by less than 20 MB")


if __name__ == "__main__":
    main()
