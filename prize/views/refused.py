"""Post/Redirect/Get for refused forms: a refused POST is answered with a redirect too.

A signed session cookie is too small to carry a form back, so a refused post leaves what was
typed and why it was refused in the database for an hour (``domain/shared/refused_posts``) and
sends the browser, with a 303, to the page's address with ``?refused=<random key>``; that page
(a GET) reads it back and shows the same page the refusal showed: the error summary, each error
by its field, everything typed. Back and Forward then move between pages, never offering to
post a form again, and reloading the refused page shows it again.

- ``refuse(request, form, values, errors, problem=..., **extra)`` in the POST: the redirect.
- ``recall(request, form)`` in the GET: a ``Recalled`` (values, errors, problem, extra), or None
  when the address carries no key, or another person's, another form's, or an expired one.

A stash is readable only by who posted it: its owner is a hash of the subject the route opened
(the application in the path, the juror's ballot session, the signed-in staff account and its
session version) and of a random key this browser's session keeps, so the address alone, in
another browser or another person's session, opens nothing. Passwords and CSRF tokens are never
kept (any field whose name says so is dropped), and messages are kept in each language, so that
the page shows them in the reader's language even after switching language on it.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse

from prize.domain.shared import refused_posts
from prize.i18n import Message, gettext
from prize.security import CSRF_FIELD
from prize.settings import LANGUAGES
from prize.views.access import JUROR_KEY
from prize.views.common import database, lang, now

QUERY = "refused"  # the address's parameter that names the stash
BROWSER_KEY = "browser"  # a random key of this browser's session, part of every stash's owner
# Never kept, whatever the form: a field whose name says it is a secret.
SECRET_FIELD = re.compile(r"password|passphrase|secret|token|csrf", re.IGNORECASE)

Errors = Mapping[str, Message | str] | Iterable[tuple[str, Message | str]]


@dataclass(frozen=True)
class Recalled:
    """A refused post, read back: ``values`` as typed, ``errors`` by field (in the page's
    order), ``problem`` the page's own message, ``extra`` what else the page was shown with."""

    values: dict[str, Any]
    errors: dict[str, Message]
    problem: Message | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def refuse(
    request: Request,
    form: str,
    values: Mapping[str, Any] | FormData | None,
    errors: Errors | None,
    *,
    problem: Message | str | None = None,
    to: str | None = None,
    **extra: Any,
) -> RedirectResponse:
    """Keep the refused post and send the browser (303) to ``to`` (by default the address it
    posted to; a ``#fragment`` is kept) with the stash's key, where ``recall(request, form)``
    reads it."""
    content = {
        "values": kept_values(values),
        "errors": [[name, _words(message)] for name, message in _items(errors)],
        "problem": _words(problem) if problem is not None else None,
        "extra": extra,
    }
    with database(request).write() as session:
        key = refused_posts.keep(
            session=session, owner=_owner(request), form=form, content=content, now=now(request)
        )
    target, hashmark, fragment = (to or request.url.path).partition("#")
    joiner = "&" if "?" in target else "?"
    return RedirectResponse(f"{target}{joiner}{QUERY}={key}{hashmark}{fragment}", status_code=303)


def recall(request: Request, form: str) -> Recalled | None:
    """The refused post this address names, if it was this person's, of ``form``, and unexpired."""
    key = request.query_params.get(QUERY)
    if not key or not isinstance(request.session.get(BROWSER_KEY), str):
        return None
    with database(request).read() as session:
        content = refused_posts.find(
            session=session, key=key, owner=_owner(request), form=form, now=now(request)
        )
    if content is None:
        return None
    language = lang(request)
    values = content.get("values")
    errors: dict[str, Message] = {}
    for item in content.get("errors") or []:
        words = _in(language, item[1]) if isinstance(item, list) and len(item) == 2 else None
        if words is not None:
            errors[str(item[0])] = Message(words)
    problem = _in(language, content.get("problem"))
    extra = content.get("extra")
    return Recalled(
        values=values if isinstance(values, dict) else {},
        errors=errors,
        problem=Message(problem) if problem is not None else None,
        extra=extra if isinstance(extra, dict) else {},
    )


def kept_values(values: Mapping[str, Any] | FormData | None) -> dict[str, Any]:
    """What may be kept of the values typed: no secret field, no file (a field sent several
    times keeps every value, as a list)."""
    if values is None:
        return {}
    if isinstance(values, FormData):
        grouped: dict[str, list[Any]] = {}
        for name, value in values.multi_items():
            if not isinstance(value, UploadFile):
                grouped.setdefault(name, []).append(value)
        values = {name: items[0] if len(items) == 1 else items for name, items in grouped.items()}
    return {
        str(name): value
        for name, value in values.items()
        if name != CSRF_FIELD and not SECRET_FIELD.search(str(name))
        and not isinstance(value, UploadFile)
    }  # fmt: skip


def _items(errors: Errors | None) -> list[tuple[str, Message | str]]:
    if errors is None:
        return []
    if isinstance(errors, Mapping):
        return list(errors.items())
    return list(errors)


def _words(message: Message | str) -> dict[str, str]:
    """A message in each language: the page may be read again in the other one."""
    return {language: gettext(language, message) for language in LANGUAGES}


def _in(language: str, words: object) -> str | None:
    """A kept message in ``language`` (or in the one it has)."""
    if isinstance(words, str):
        return words
    if isinstance(words, dict) and words:
        found = words.get(language, next(iter(words.values())))
        return found if isinstance(found, str) else None
    return None


def _subject(request: Request) -> str:
    """Who the route opened for this request: the signed-in account, the application in the
    path (the applicant gate checked the session holds it), the ballot session, or nobody."""
    staff = getattr(request.state, "staff", None)
    if staff is not None:
        return f"staff:{staff.id}:{staff.session_version}"
    application_id = request.path_params.get("application_id")
    if application_id is not None:
        return f"application:{application_id}"
    juror = request.session.get(JUROR_KEY)
    if juror is not None:
        return f"juror:{juror!r}"
    return "public"


def _owner(request: Request) -> str:
    browser = request.session.get(BROWSER_KEY)
    if not isinstance(browser, str):
        browser = secrets.token_urlsafe(16)
        request.session[BROWSER_KEY] = browser
    return hashlib.sha256(f"{_subject(request)}\n{browser}".encode()).hexdigest()
