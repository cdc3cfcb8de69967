"""Who may open which application in this browser: what the session keeps of each link opened.

A resume link is exchanged for an entry [id, link version, link secret] (``remember``); every
applicant page checks it against the application's current row and state (``opened``), so a
revoked link's sessions die at once, an entry never opens another row at the same id, and a
closed application shows nothing.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from sqlmodel import Session
from starlette.requests import Request

from prize.domain.applicants import attachments, drafts
from prize.domain.applicants import links as application_links
from prize.domain.applicants.links import Access
from prize.domain.errors import DomainError, Throttled
from prize.domain.results import standing
from prize.domain.screening import screening
from prize.models import Application, ContentKind, Edition, pk
from prize.tokens import LinkError
from prize.views.access import Denied as Denied
from prize.views.access import guarded as guarded
from prize.views.common import lang, now, render, settings
from prize.views.errors import link_error

SESSION_KEY = "applications"  # [[application id, link version, link secret], ...]
MAX_REMEMBERED = 20


# --------------------------------------------------------------------------- sessions


class Kept(NamedTuple):
    """One link opened in this browser, as the session keeps it."""

    application_id: int
    version: int
    secret: str

    @classmethod
    def of(cls, application: Application) -> Kept:
        return cls(pk(application), application.link_version, application.link_secret)


def pairs(request: Request) -> list[Kept]:
    """The links opened in this browser (entries of another shape are ignored)."""
    value = request.session.get(SESSION_KEY, [])
    if not isinstance(value, list):
        return []
    entries = [[*e, ""] if isinstance(e, list) and len(e) == 2 else e for e in value]  # pre-secret
    return [
        Kept(*entry)
        for entry in entries
        if isinstance(entry, list)
        and len(entry) == 3
        and all(type(x) is int for x in entry[:2])
        and type(entry[2]) is str
    ]


def _keep(request: Request, entries: list[Kept]) -> None:
    request.session[SESSION_KEY] = [list(entry) for entry in entries[-MAX_REMEMBERED:]]


def holds(request: Request, application_id: int) -> bool:
    """Whether this browser's session has an entry for the application, by its id alone (what
    else the entry holds is ``opened``'s to check): enough to turn a stranger away before
    reading what they send."""
    return any(p.application_id == application_id for p in pairs(request))


def remember(request: Request, application: Application) -> None:
    entry = Kept.of(application)
    _keep(request, [p for p in pairs(request) if p[0] != entry.application_id] + [entry])


def forget(request: Request, application_id: int) -> None:
    _keep(request, [p for p in pairs(request) if p[0] != application_id])


def client_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def opened(
    request: Request, session: Session, application_id: int
) -> tuple[Application, Edition, Access]:
    """The application this browser may open, or ``Denied`` with the page to show."""
    pair = next((p for p in pairs(request) if p[0] == application_id), None)
    if pair is None:
        raise Denied(render(request, "apply/need_link.html", status_code=403))
    try:
        return application_links.from_session(
            session=session,
            application_id=pair.application_id,
            version=pair.version,
            secret=pair.secret,
            now=now(request),
        )
    except LinkError as error:
        forget(request, application_id)
        raise Denied(link_error(request, error, kind="application")) from None


def application_id(request: Request) -> int:
    value: int = request.path_params["application_id"]
    return value


def status_code(error: DomainError) -> int:
    return 429 if isinstance(error, Throttled) else 400


def panel(
    request: Request, session: Session, application: Application, edition: Edition, mode: Access
) -> dict[str, Any]:
    """What the status panel (``apply/_status.html``) shows on every applicant page."""
    submitted = drafts.content_of(
        session=session, application=application, kind=ContentKind.submitted
    )
    # Editing: the draft (or revision). Reading only: what was submitted, if anything was.
    content = drafts.current_content(session=session, application=application)
    if mode is not Access.edit and submitted is not None:
        content = submitted
    where = standing.standing_of(session=session, application=application, edition=edition)
    return {
        "application": application,
        "edition": edition,
        "mode": mode.value,
        "content": content,
        "files": attachments.of_content(session=session, content=content),
        "revision": content is not None and submitted is not None and content.id != submitted.id,
        "can_withdraw": application_links.can_withdraw(application, edition),
        "standing": where,
        "reason_text": screening.reason_label(where.reason, lang(request)) if where.reason else "",
        "contact": settings(request).contact_email,
        "can_delete": application_links.can_delete(application),
        "max_uploads": settings(request).max_uploads,
    }
