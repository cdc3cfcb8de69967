"""Page weight: bytes of HTML, CSS and JavaScript per page, raw and gzip-compressed, and the
requests a page would make to other origins.

    .venv/bin/python -m bench.weight

The pages of bench/pages.py (same data, same sessions), plus a juror's application page. For each
page: the HTML and every stylesheet, script, icon and image it references (``link href``,
``script src``, ``img``/``source`` ``src``/``srcset``, ``iframe src``, and ``url(...)`` in the
stylesheets), fetched once. "gzip" is what the server actually sends to a browser that accepts
gzip (measured on the wire), or, if it sends the file uncompressed, that size; "ideal" is the
file compressed by gzip -6, for comparison. "repeat" is what a second visit downloads, given the
Cache-Control each response carries (a file cached as immutable is not asked for again).
Goal (issue #7): under 50 KB compressed per page, and no request to another origin.
"""

from __future__ import annotations

import gzip
import re
import tempfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx2 as httpx

from bench import harness, scenarios
from bench.pages import Page, open_pages

CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)|@import\s+['\"]([^'\"]+)['\"]")


class Resources(HTMLParser):
    """What a browser loads for a page: stylesheets, scripts, icons, images, frames."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "link" and a.get("href") and set(a.get("rel", "").split()) & {
            "stylesheet", "icon", "preload", "modulepreload", "manifest", "apple-touch-icon"
        }:  # fmt: skip
            self.urls.append(a["href"])
        elif tag in {"script", "img", "iframe", "source", "audio", "video", "embed"}:
            if a.get("src"):
                self.urls.append(a["src"])
            for candidate in a.get("srcset", "").split(","):
                if candidate.strip():
                    self.urls.append(candidate.split()[0])


def transferred(client: httpx.Client, url: str, headers: dict[str, str]) -> tuple[bytes, int, str]:
    """(decoded body, bytes on the wire with Accept-Encoding: gzip, Cache-Control)."""
    with client.stream("GET", url, headers={**headers, "Accept-Encoding": "gzip"}) as response:
        wire = sum(len(chunk) for chunk in response.iter_raw())
        cache = response.headers.get("cache-control", "")
    body = client.get(url, headers={**headers, "Accept-Encoding": "identity"}).content
    return body, wire, cache


def weigh(url: str, page: Page) -> tuple[str, list[str]]:
    headers = {"Cookie": page.cookie} if page.cookie else {}
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(url))
    with httpx.Client(timeout=30) as client:
        html, html_wire, html_cache = transferred(client, url + page.path, headers)
        parser = Resources()
        parser.feed(html.decode())
        queue = [urljoin(url + page.path, u) for u in parser.urls]
        foreign: list[str] = []
        rows = [("html", len(html), html_wire, len(gzip.compress(html, 6)), html_cache)]
        seen = set()
        while queue:
            target = queue.pop(0)
            if target in seen:
                continue
            seen.add(target)
            if "{0.scheme}://{0.netloc}".format(urlsplit(target)) != origin:
                foreign.append(target)
                continue
            body, wire, cache = transferred(client, target, headers)
            kind = Path(urlsplit(target).path).suffix.lstrip(".") or "other"
            rows.append((kind, len(body), wire, len(gzip.compress(body, 6)), cache))
            if kind == "css":
                for m in CSS_URL.finditer(body.decode(errors="replace")):
                    queue.append(urljoin(target, m.group(1) or m.group(2)))
    raw = sum(r[1] for r in rows)
    wire = sum(r[2] for r in rows)
    ideal = sum(r[3] for r in rows)
    repeat = sum(r[2] for r in rows if "immutable" not in r[4] and "max-age=3" not in r[4])
    by_kind: dict[str, list[int]] = {}
    for kind, size, sent, _, _ in rows:
        by_kind.setdefault(kind, [0, 0])
        by_kind[kind][0] += size
        by_kind[kind][1] += sent
    detail = ", ".join(f"{k} {v[0] / 1024:.1f}/{v[1] / 1024:.1f}" for k, v in by_kind.items())
    line = (f"{page.name:<30} raw {raw / 1024:6.1f} KB  gzip {wire / 1024:5.1f} KB  "
            f"(ideal {ideal / 1024:5.1f})  repeat visit {repeat / 1024:5.1f} KB  "
            f"requests {len(rows)}  other origins {len(foreign)}   [{detail}]")  # fmt: skip
    caches = sorted({f"{r[0]}: {r[4] or '-'}" for r in rows})
    return line, [*foreign, *(f"    cache-control {c}" for c in caches)]


def main() -> None:
    print(harness.describe())
    with tempfile.TemporaryDirectory(prefix="prize-weight-") as tmp:
        built = scenarios.pages_data(Path(tmp))
        with harness.server("prize.app:asgi", env=built.env()) as (url, _):
            pages = open_pages(url, built)
            juror = next(p for p in pages if p.name.startswith("ballot"))
            pages.append(Page("ballot: one application", "session",
                              f"/ballot/applications/{built.ballot_references[0]}",
                              juror.cookie))  # fmt: skip
            for page in pages:
                line, notes = weigh(url, page)
                print(line)
                for note in notes:
                    print(note)
    print("sizes in KB raw/sent per kind; goal: under 50 KB compressed per page, 0 other origins")


if __name__ == "__main__":
    main()
