"""The baseline: a bare Starlette endpoint rendering, from memory, a Jinja template of a given
size (``/page?bytes=N``), served exactly as Prize is. Each Prize page is reported next to it.
"""

from __future__ import annotations

from jinja2 import Environment
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse
from starlette.routing import Route

_env = Environment(autoescape=True)
_template = _env.from_string(
    "<!DOCTYPE html><html lang=en><head><title>{{ title }}</title></head><body>"
    "{% for row in rows %}<p class=row>{{ row }}</p>{% endfor %}</body></html>"
)
_ROW = "x" * 80


async def page(request: Request) -> HTMLResponse:
    size = int(request.query_params.get("bytes", "10000"))
    rows = [_ROW] * max(1, size // (len(_ROW) + 20))
    return HTMLResponse(_template.render(title="baseline", rows=rows))


def page_sync(request: Request) -> HTMLResponse:
    """The same, as a plain function: Starlette runs it in its thread pool, as Prize's views."""
    size = int(request.query_params.get("bytes", "10000"))
    rows = [_ROW] * max(1, size // (len(_ROW) + 20))
    return HTMLResponse(_template.render(title="baseline", rows=rows))


async def health(request: Request) -> PlainTextResponse:
    return PlainTextResponse("ok")


def app() -> Starlette:
    return Starlette(
        routes=[Route("/page", page), Route("/page-sync", page_sync), Route("/health", health)]
    )
