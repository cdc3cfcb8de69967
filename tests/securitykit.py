"""Helpers of the security, fault and fuzz tests: the app's routes (enumerated, never listed by
hand) and who may post to each, a snapshot of every table, the script payload and its escaped
form, forms read from pages and filled in, and a "world" with every kind of user and an edition
in every state (built once per run, copied for each test that changes it).
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlmodel import SQLModel
from starlette.applications import Starlette
from starlette.routing import BaseRoute, Host, Mount, Route

from prize.db import Database

if TYPE_CHECKING:
    from tests.securityworld import World

# --------------------------------------------------------------------------- routes

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class RouteInfo:
    path: str
    name: str
    methods: frozenset[str]
    params: tuple[str, ...]

    def __str__(self) -> str:
        return f"{'/'.join(sorted(self.methods))} {self.path} ({self.name})"


def walk_routes(routes: list[BaseRoute], prefix: str = "") -> Iterator[RouteInfo]:
    """Every endpoint route of the app, descending into mounts and hosts."""
    for route in routes:
        if isinstance(route, Route):
            path = prefix + route.path
            params = tuple(re.findall(r"{(\w+)(?::\w+)?}", path))
            yield RouteInfo(path, route.name, frozenset(route.methods or ()), params)
        elif isinstance(route, Mount | Host):
            inner = getattr(route, "routes", None) or []
            yield from walk_routes(inner, prefix + getattr(route, "path", ""))


def all_routes(app: Starlette) -> list[RouteInfo]:
    return list(walk_routes(app.routes))


def state_changing_routes(app: Starlette) -> list[RouteInfo]:
    return [r for r in all_routes(app) if r.methods & STATE_CHANGING]


def page_routes(app: Starlette) -> list[RouteInfo]:
    """GET routes, without those that take a link's token (they change who the browser is)."""
    return [r for r in all_routes(app) if "GET" in r.methods and "token" not in r.params]


# Who may post to a route. Anything under /secretariat needs the secretariat role unless listed.
PUBLIC = frozenset(
    {
        "set_language",
        "apply_start",
        "apply_resend",
        "results_receipt",
        "staff_login",
        "staff_logout",  # ends the sender's own sessions, if any; a stranger changes nothing
        "staff_forgot",
    }
)
ANY_STAFF = frozenset({"staff_password"})  # an adviser changes their own password
RESET = frozenset({"staff_reset"})  # needs a checked reset link in the session


class Unclassified(Exception):
    pass


def audience(route: RouteInfo) -> str:
    """``public``, ``reset``, ``staff``, ``secretariat``, ``applicant`` or ``juror``."""
    if route.name in PUBLIC:
        return "public"
    if route.name in RESET:
        return "reset"
    if route.name in ANY_STAFF:
        return "staff"
    if route.path.startswith("/secretariat"):
        return "secretariat"
    if route.path.startswith("/apply/{application_id"):
        return "applicant"
    if route.path.startswith("/ballot"):
        return "juror"
    raise Unclassified(
        f"{route}: say who may post to it in tests/securitykit.py (PUBLIC, ANY_STAFF, ...)"
    )


# Sessions that must be refused, per audience, with what they get.
WRONG_ROLES: dict[str, tuple[str, ...]] = {
    "secretariat": ("anonymous", "applicant", "juror", "adviser"),
    "staff": ("anonymous", "applicant", "juror"),
    "applicant": ("anonymous", "other_applicant", "juror", "secretariat"),
    "juror": ("anonymous", "applicant", "secretariat"),
    "reset": ("anonymous", "secretariat"),
    "public": (),
}
RIGHT_ROLE = {
    "secretariat": "secretariat",
    "staff": "adviser",
    "applicant": "applicant",
    "juror": "juror",
    "reset": "reset",
    "public": "anonymous",
}


# --------------------------------------------------------------------------- what is stored


def snapshot(database: Database) -> dict[str, str]:
    """A digest of every row of every table (so any insert, update or delete shows)."""
    digests = {}
    with database.read() as session:
        for table in SQLModel.metadata.sorted_tables:
            if table.name == "refused_post":  # a refusal's own note of what it refused
                continue
            key = list(table.primary_key.columns) or list(table.columns)
            rows = session.execute(select(table).order_by(*key)).all()
            digests[table.name] = hashlib.sha256(repr(rows).encode()).hexdigest()[:16] + (
                f"/{len(rows)}"
            )
    return digests


def changed_tables(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(t for t in after if before.get(t) != after[t])


SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


def files_in(folder: Path) -> list[str]:
    """The files under ``folder``, but SQLite's own companions of a database file (its
    write-ahead log and shared memory, kept while a pooled connection is open)."""
    if not folder.exists():
        return []
    return sorted(
        str(p.relative_to(folder))
        for p in folder.rglob("*")
        if not p.name.endswith(SQLITE_COMPANIONS)
    )


# --------------------------------------------------------------------------- the payload

PAYLOAD = "\"><script>alert('{tag}')</script><img src=x onerror=alert(2)>"
_RAW = ("<script>alert(", "<img src=x onerror")
_ESCAPED = re.compile(r"&lt;script&gt;alert\((?:&#39;|&#x27;|')([\w.:\-]+)(?:&#39;|&#x27;|')\)")


def payload(tag: str) -> str:
    return PAYLOAD.format(tag=tag)


def raw_payloads(text: str) -> list[str]:
    """Excerpts where the payload came back unescaped (live markup)."""
    found = []
    for marker in _RAW:
        start = 0
        while (at := text.find(marker, start)) >= 0:
            found.append(text[max(0, at - 60) : at + 60])
            start = at + 1
    return found


def escaped_tags(text: str) -> set[str]:
    """The tags of the payloads that came back escaped."""
    return set(_ESCAPED.findall(text))


def is_html(response: Any) -> bool:
    return str(response.headers.get("content-type", "")).startswith("text/html")


# --------------------------------------------------------------------------- forms on a page


@dataclass
class Field:
    tag: str  # input, textarea, select, button
    type: str
    name: str
    value: str = ""
    checked: bool = False
    options: list[str] = field(default_factory=list)
    attrs: dict[str, str] = field(default_factory=dict)


@dataclass
class Form:
    action: str
    method: str
    enctype: str
    fields: list[Field] = field(default_factory=list)

    FREE_TEXT = ("text", "search", "password")
    TYPED = ("email", "url", "tel", "date", "datetime-local", "number", "time", "month")

    def text_fields(self) -> list[Field]:
        """Fields where a person types (the payload goes there)."""
        return [
            f
            for f in self.fields
            if f.tag == "textarea" or (f.tag == "input" and f.type in self.FREE_TEXT + self.TYPED)
        ]


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._textarea: Field | None = None
        self._select: Field | None = None
        self._option: dict[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = Form(
                a.get("action", ""),
                a.get("method", "get").lower(),
                a.get("enctype", "application/x-www-form-urlencoded"),
            )
            self.forms.append(self._form)
        if self._form is None or ("name" not in a and tag != "option"):
            return
        if tag == "input":
            self._form.fields.append(
                Field(
                    "input",
                    a.get("type", "text").lower(),
                    a["name"],
                    a.get("value", ""),
                    "checked" in a,
                    attrs=a,
                )
            )
        elif tag == "button" and a.get("type", "submit") == "submit":
            self._form.fields.append(Field("button", "submit", a["name"], a.get("value", "")))
        elif tag == "textarea":
            self._textarea = Field("textarea", "textarea", a["name"], attrs=a)
            self._form.fields.append(self._textarea)
        elif tag == "select":
            self._select = Field("select", "select", a["name"], attrs=a)
            self._form.fields.append(self._select)
        elif tag == "option" and self._select is not None:
            self._select.options.append(a.get("value", ""))
            if "selected" in a:
                self._select.value = a.get("value", "")

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.value += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None


def forms_on(page: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(page)
    return parser.forms


def fill(form: Form, text: Callable[[Field], str]) -> list[tuple[str, str]]:
    """The form as a browser would send it, every box ticked, the first choice of every list and
    radio group, ``text(field)`` in fields where a person types, and sensible values in typed
    fields (an address, a date, a number) when ``text`` gives None."""
    data: list[tuple[str, str]] = []
    radios: set[str] = set()
    button = False
    for f in form.fields:
        if f.tag == "button":
            if not button:
                data.append((f.name, f.value))
                button = True
        elif f.tag == "select":
            choices = [o for o in f.options if o]
            data.append((f.name, f.value or (choices[0] if choices else "")))
        elif f.type == "hidden":
            data.append((f.name, f.value))
        elif f.type == "checkbox":
            data.append((f.name, f.value or "on"))
        elif f.type == "radio":
            if f.name not in radios:
                radios.add(f.name)
                data.append((f.name, f.value))
        elif f in form.text_fields():
            data.append((f.name, text(f)))
    return data


_counter = iter(range(1, 10**9))


def typical(f: Field) -> str:
    """A valid value for a typed field (or the value the page already shows)."""
    if f.value and f.type != "password":
        return html.unescape(f.value)
    mode = f.attrs.get("inputmode", "")
    if f.type == "email":
        return f"person{next(_counter)}@example.org"
    if f.type == "url":
        return "https://example.org/project"
    if f.type == "tel":
        return "+33 3 88 41 20 00"
    if f.type == "date":
        return "2026-09-01"
    if f.type == "datetime-local":
        return "2027-12-31T12:00"
    if f.type == "number" or mode == "numeric":
        return f.attrs.get("min") or "3"
    if mode == "decimal":
        return "1"
    return "Some words"


def with_text(value: str) -> Callable[[Field], str]:
    """Typing ``value`` into free-text fields and valid values into typed ones."""

    def text(f: Field) -> str:
        typed = f.tag == "input" and (f.type in Form.TYPED or "inputmode" in f.attrs)
        return typical(f) if typed else value

    return text


def with_payload(tag_of: Callable[[Field], str]) -> Callable[[Field], str]:
    """Typing the payload into free-text fields and valid values into typed ones."""

    def text(f: Field) -> str:
        typed = f.tag == "input" and (f.type in Form.TYPED or "inputmode" in f.attrs)
        return typical(f) if typed else payload(tag_of(f))

    return text


# --------------------------------------------------------------------------- crawling


def route_for(app: Starlette, path: str, method: str = "POST") -> str | None:
    """The name of the route that answers ``method path``, if any."""
    from starlette.routing import Match

    scope = {"type": "http", "path": path.split("?")[0], "method": method, "root_path": ""}

    def find(routes: list[BaseRoute]) -> str | None:
        for route in routes:
            matched, _ = route.matches(scope)
            if matched is Match.FULL:
                if isinstance(route, Mount | Host):
                    return find(getattr(route, "routes", None) or [])
                return getattr(route, "name", None)
        return None

    return find(app.routes)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href") if tag == "a" else None
        if href and href.startswith("/") and not href.startswith(("//", "/static/")):
            self.hrefs.append(href.split("#")[0])


def crawl(world: World, role: str, *, per_route: int = 2) -> dict[str, Any]:
    """The pages ``role`` reaches: every GET route (parameters from the world, plus
    ``world.ids["pages"]`` for the staff), then the links on them, at most ``per_route`` pages
    per route."""
    client = world.client(role)
    seeds = [world.path(r) for r in page_routes(world.app)]
    if role in ("secretariat", "adviser"):  # the back office's pages of every edition
        seeds += list(world.ids.get("pages", []))
    queue, seen, pages = list(dict.fromkeys(seeds)), set(seeds), {}
    visits: dict[str, int] = {}
    while queue:
        path = queue.pop(0)
        name = route_for(world.app, path, "GET")
        if name is None or "/link/" in path or "/reset/" in path:
            continue
        if visits.get(name, 0) >= per_route and path not in seeds:
            continue
        visits[name] = visits.get(name, 0) + 1
        response = pages[path] = client.get(path)
        if is_html(response):
            links = _Links()
            links.feed(response.text)
            for href in links.hrefs:
                if href not in seen:
                    seen.add(href)
                    queue.append(href)
    return pages


def forms_by_route(world: World, pages: dict[str, Any]) -> dict[str, list[Form]]:
    """The distinct forms (by their fields and hidden values) found for each state-changing
    route on these pages; the screening page, for one, has three forms for one route."""
    found: dict[str, list[Form]] = {}
    kinds: set[tuple[str, ...]] = set()
    for response in pages.values():
        if not is_html(response):
            continue
        for form in forms_on(response.text):
            if form.method != "post":
                continue
            name = route_for(world.app, html.unescape(form.action))
            if name is None:
                continue
            kind = (name, *sorted(
                f.name + ("=" + f.value if f.type == "hidden" and f.name != "csrf_token" else "")
                for f in form.fields
            ))  # fmt: skip
            if kind not in kinds:
                kinds.add(kind)
                found.setdefault(name, []).append(form)
    return found


def multipart(csrf: str, filename: bytes, data: bytes) -> tuple[bytes, dict[str, str]]:
    """A form with one file, built by hand so that the file name is sent byte for byte."""
    import uuid

    boundary = uuid.uuid4().hex
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{csrf}\r\n'.encode()
        + f"--{boundary}\r\n".encode()
        + b'Content-Disposition: form-data; name="file"; filename="'
        + filename
        + b'"\r\n'
        + b"Content-Type: application/pdf\r\n\r\n"
        + data
        + b"\r\n"
        + f"--{boundary}--\r\n".encode()
    )
    return body, {"content-type": f"multipart/form-data; boundary={boundary}"}


def form_data(pairs: list[tuple[str, str]]) -> dict[str, str | list[str]]:
    """Pairs as the test client takes them (a repeated name becomes a list)."""
    data: dict[str, list[str]] = {}
    for key, value in pairs:
        data.setdefault(key, []).append(value)
    return {k: v[0] if len(v) == 1 else v for k, v in data.items()}
