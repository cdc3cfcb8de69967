"""Who is signed in to the back office, and what they may do. Checked on the server, every time."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import NoMatchFound

from prize.domain.editions import editions
from prize.i18n import N_
from prize.models import Edition, Staff, StaffRole
from prize.views.access import STAFF_KEY as STAFF_KEY
from prize.views.access import current_staff as current_staff
from prize.views.access import require_staff as require_staff
from prize.views.access import signed_in as signed_in
from prize.views.common import database, render

YEAR_KEY = "staff_year"  # the edition chosen in the back office's navigation


def sign_in(request: Request, staff: Staff) -> None:
    request.session.pop(STAFF_KEY, None)
    request.session[STAFF_KEY] = [staff.id, staff.session_version]


def sign_out(request: Request) -> None:
    request.session.pop(STAFF_KEY, None)


def can_write(staff: Staff | None) -> bool:
    return staff is not None and staff.active and staff.role is StaffRole.secretariat


def client_of(request: Request) -> str:
    """The client's address, as throttling counts it."""
    return request.client.host if request.client else ""


def render_staff(
    request: Request,
    name: str,
    staff: Staff,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> Response:
    """Render a back-office page: the template also gets ``staff`` and ``can_write``
    (advisers see no buttons; the server refuses their POSTs anyway)."""
    ctx = {"staff": staff, "can_write": can_write(staff), **(context or {})}
    ctx["office"] = office_nav(request, ctx.get("edition"))
    return render(request, name, ctx, status_code=status_code)


@dataclass(frozen=True)
class OfficeNav:
    """The back office's left navigation: the chosen edition, the others, and its pages
    as (msgid, path) pairs."""

    year: int | None
    years: list[int]
    pages: list[tuple[str, str]]


EDITION_PAGES: tuple[tuple[str, str, dict[str, str]], ...] = (
    (N_("Overview and settings"), "staff_edition", {}),
    (N_("Applications"), "staff_applications", {}),
    (N_("Jury"), "staff_jury", {}),
    (N_("First-round tally"), "staff_tally", {"round": "shortlist"}),
    (N_("Final-round tally"), "staff_tally", {"round": "final"}),
    (N_("Decisions and publication"), "staff_decisions", {}),
)


def office_nav(request: Request, edition: object = None) -> OfficeNav:
    """The edition is chosen once (by opening any of its pages) and kept in the session, so
    the navigation leads to its pages from everywhere; otherwise the newest edition."""
    with database(request).read() as session:
        years = [e.year for e in editions.all_editions(session=session)]
    year = request.path_params.get("year")
    if isinstance(edition, Edition):
        year = edition.year
    if isinstance(year, int) and year in years:
        if request.session.get(YEAR_KEY) != year:
            request.session[YEAR_KEY] = year
    else:
        year = request.session.get(YEAR_KEY)
        if year not in years:
            year = years[0] if years else None
    pages = []
    if year is not None:
        for label, route, params in EDITION_PAGES:
            path = optional_url(request, route, year=year, **params)
            if path:
                pages.append((label, path))
    return OfficeNav(year=year, years=years, pages=pages)


def page_url(request: Request, page: int) -> str:
    """This page's address with its filters kept and ``page`` changed (for pagination links)."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "page"]
    params.append(("page", str(page)))
    return f"{request.url.path}?{urlencode(params)}"


def optional_url(request: Request, name: str, /, **params: Any) -> str | None:
    """A route's path, or None when no such route is installed (pages of other areas)."""
    try:
        return str(request.app.url_path_for(name, **params))
    except NoMatchFound:
        return None
