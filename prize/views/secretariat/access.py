"""Who is signed in to the back office, and what they may do. Checked on the server, every time."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from sqlmodel import Session
from starlette.convertors import Convertor, register_url_convertor
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import NoMatchFound

from prize.domain.editions import editions
from prize.domain.errors import NotFound
from prize.i18n import N_
from prize.models import Edition, EditionYear, Staff, StaffRole
from prize.views.access import STAFF_KEY as STAFF_KEY
from prize.views.access import current_staff as current_staff
from prize.views.access import require_staff as require_staff
from prize.views.access import signed_in as signed_in
from prize.views.common import database, render

YEAR_KEY = "staff_year"  # the edition chosen in the back office's navigation


class EditionConvertor(Convertor[EditionYear]):
    """``{year:edition}`` in a back-office address: ``2027`` is the real edition of 2027,
    ``2027-rehearsal`` its rehearsal; each opens its own pages, whichever else exists."""

    regex = "[0-9]{1,4}(?:-rehearsal)?"

    def convert(self, value: str) -> EditionYear:
        year, _, rest = value.partition("-")
        return EditionYear(int(year), rehearsal=rest == "rehearsal")

    def to_string(self, value: EditionYear | int) -> str:
        if isinstance(value, EditionYear):
            return value.key
        return str(int(value))


register_url_convertor("edition", EditionConvertor())


def edition_in_path(session: Session, request: Request) -> Edition:
    """The edition the address names (``{year:edition}``): ``2027-rehearsal`` the rehearsal of
    2027, ``2027`` the real one (or the rehearsal when it is the year's only edition, as older
    addresses named it); 404 when there is none."""
    year = request.path_params["year"]
    try:
        return editions.get_by_year(
            session=session, year=int(year), rehearsal=True if year.rehearsal else None
        )
    except NotFound:
        raise HTTPException(404) from None


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

    year: EditionYear | None
    years: list[EditionYear]
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
    the navigation leads to its pages from everywhere; otherwise the newest edition. A
    rehearsal is an edition of its own here, beside the real one of its year."""
    with database(request).read() as session:
        years = [e.path_year for e in editions.all_editions(session=session)]
    by_key = {y.key: y for y in years}
    chosen = request.path_params.get("year")
    if isinstance(edition, Edition):
        chosen = edition.path_year
    key = chosen.key if isinstance(chosen, EditionYear) else None
    if key in by_key:
        if request.session.get(YEAR_KEY) != key:
            request.session[YEAR_KEY] = key
    else:
        key = request.session.get(YEAR_KEY)
        if key not in by_key:
            key = years[0].key if years else None
    year = by_key.get(key) if key is not None else None
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
