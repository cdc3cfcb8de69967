"""What the applicant's pages share: remembering a link opened in this browser, and the status
panel of every page.

A resume link is exchanged for an entry [id, link version, link secret] (``remember``); the
applicant's gate (``prize.views.access``) checks it against the application's current row and
state on every page, so a revoked link's sessions die at once, an entry never opens another row
at the same id, and a closed application shows nothing.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session
from starlette.requests import Request

from prize.domain.applicants import attachments, drafts
from prize.domain.applicants import links as application_links
from prize.domain.applicants.links import Access
from prize.domain.errors import DomainError, Throttled
from prize.domain.results import standing
from prize.domain.screening import screening
from prize.models import Application, ContentKind, Edition
from prize.views.access import APPLICATIONS_KEY, Kept, kept_links
from prize.views.common import lang, settings

MAX_REMEMBERED = 20


def holds(request: Request, application_id: int) -> bool:
    """Whether this browser's session has an entry for the application, by its id alone (what
    else the entry holds is the gate's to check): enough to turn a stranger away before reading
    what they send."""
    return any(k.application_id == application_id for k in kept_links(request))


def remember(request: Request, application: Application) -> None:
    entry = Kept.of(application)
    kept = [k for k in kept_links(request) if k.application_id != entry.application_id] + [entry]
    request.session[APPLICATIONS_KEY] = [list(k) for k in kept[-MAX_REMEMBERED:]]


def client_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


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
        # why it is ineligible: the rule and the secretariat's note ("another reason": the note)
        "reason_text": (
            where.note
            if where.reason == "other"
            else screening.reason_label(where.reason, lang(request))
            if where.reason
            else ""
        ),
        "reason_note": where.note if where.reason and where.reason != "other" else "",
        "contact": settings(request).contact_email,
        "can_delete": application_links.can_delete(application),
        "max_uploads": settings(request).max_uploads,
    }
