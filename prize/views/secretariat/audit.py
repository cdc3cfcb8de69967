"""The audit log page: who, when, what and why for every change, filtered and paginated."""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from prize.domain import activity
from prize.domain.editions import editions
from prize.domain.shared import audit, labels
from prize.domain.staff import staff as staff_domain
from prize.forms.base import whole
from prize.models import ActorKind
from prize.views.access import Who, route
from prize.views.common import database
from prize.views.secretariat.access import page_url, render_staff, signed_in

PER_PAGE = 50


def _int(raw: str | None) -> int | None:
    return whole(raw)


def _actor_filter(raw: str) -> tuple[ActorKind | None, int | None]:
    """``system``, ``applicant``, ``juror``, ``staff`` or ``staff:<id>`` (also ``juror:<id>``...)."""
    kind, _, ident = raw.partition(":")
    if kind not in {k.value for k in ActorKind}:
        return None, None
    return ActorKind(kind), _int(ident)


def audit_page(request: Request) -> Response:
    account = signed_in(request)
    query = request.query_params
    edition_id = _int(query.get("edition"))
    actor_raw = query.get("actor", "")
    actor_kind, actor_id = _actor_filter(actor_raw)
    kind = query.get("kind", "")[:60]
    page = _int(query.get("page")) or 1
    with database(request).read() as session:
        found = audit.search(
            session=session,
            edition_id=edition_id,
            actor_kind=actor_kind,
            actor_id=actor_id,
            kind=kind or None,
            page=page,
            per_page=PER_PAGE,
        )
        people = staff_domain.all_staff(session=session)
        kinds = audit.kinds(session=session)
        lines = activity.lines(session=session, events=found.rows)
        all_editions = editions.all_editions(session=session)
    emails = {p.id: p.email for p in people}
    years = {e.id: e.year for e in all_editions}
    return render_staff(
        request,
        "secretariat/audit.html",
        account,
        {
            "found": found,
            "lines": lines,
            "emails": emails,
            "years": years,
            "people": people,
            "kinds": kinds,
            "event": labels.event,
            "editions": all_editions,
            "filters": {"edition": edition_id, "actor": actor_raw, "kind": kind},
            "as_json": lambda data: json.dumps(data, sort_keys=True, ensure_ascii=False, indent=2),
            "page_url": lambda n: page_url(request, n),
        },
    )


routes: list[BaseRoute] = [
    route("/secretariat/audit", audit_page, access=Who.staff, name="staff_audit")
]
