"""Who may open a route, declared once in the route table: ``route(path, view, access=...)``.

Every route of the site is made by ``route`` and names who may open it (``Who``), so a reader sees
it next to each address (a test refuses a route without one). The gate reuses the
checks each area always had:

- ``public``: anyone.
- ``applicant``: the browser holds a valid session entry for the application in the path
  (``apply_access.opened``); a view that reaches it without one gets the need-a-link page.
- ``juror``: the browser holds a live ballot session (``ballot_access.current_juror``); without
  one, the no-session page, or why the link no longer opens.
- ``staff``: a signed-in back-office account (advisers included); else the sign-in page.
- ``staff_write``: the secretariat role, whatever the method (advisers get 403).
- ``staff_write_on_post``: any account reads (GET), only the secretariat submits (POST).

The staff gate leaves the account on ``request.state.staff``, where back-office views find it
(``signed_in``), never checking the role again; applicant and juror views open their row in
their own database transaction, as before, since the object must belong to that session.
"""

from __future__ import annotations

import enum
import functools
import inspect
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from prize.models import Staff, StaffRole
from prize.tokens import LinkError
from prize.views.common import Redirect, database, render
from prize.views.errors import link_error

View = Callable[[Request], Response]

JUROR_KEY = "juror"  # the ballot session: see ballot_access
STAFF_KEY = "staff"  # the back office's session: [staff id, session version]


class Who(enum.Enum):
    public = "public"
    applicant = "applicant"
    juror = "juror"
    staff = "staff"
    staff_write = "staff_write"
    staff_write_on_post = "staff_write_on_post"


class Denied(Exception):
    """No valid session entry for this application: ``response`` says why."""

    def __init__(self, response: Response) -> None:
        super().__init__("denied")
        self.response = response


def guarded(view: Callable[..., Response]) -> Callable[[Request], Response]:
    def endpoint(request: Request) -> Response:
        try:
            return view(request)
        except Denied as denied:
            return denied.response

    endpoint.__name__ = view.__name__
    return endpoint


class NoJuror(Exception):
    """No ballot session in this browser: the juror has to open their link."""


def juror_page(view: Callable[[Request], Response]) -> Callable[[Request], Response]:
    """Answer a missing or dead ballot session with a clear page instead of the view."""

    @functools.wraps(view)
    def wrapper(request: Request) -> Response:
        try:
            return view(request)
        except NoJuror:
            return render(request, "ballot/no_session.html", status_code=401)
        except LinkError as error:
            request.session.pop(JUROR_KEY, None)
            return link_error(request, error, kind="ballot")

    return wrapper


class DeclaredRoute(Route):
    """A ``Route`` that says who may open it (``access``)."""

    def __init__(
        self,
        path: str,
        endpoint: Callable[[Request], Any],
        *,
        access: Who,
        methods: Sequence[str] | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(path, endpoint, methods=list(methods) if methods else None, name=name)
        self.access = access


def route(
    path: str,
    view: Callable[[Request], Any],
    *,
    access: Who,
    methods: Sequence[str] | None = None,
    name: str | None = None,
    around: Callable[[View], Callable[[Request], Any]] | None = None,
) -> DeclaredRoute:
    """A route with who may open it: the only way the views declare one.

    ``around`` wraps the checked view (``parsed_first`` for uploads), so the check runs on the
    view itself, as its answer is shaped by the wrapper."""
    if access is not Who.public and inspect.iscoroutinefunction(view):
        raise TypeError(f"{path}: a checked view must be sync; pass its wrapper as ``around``")
    endpoint = gate(view, access)
    return DeclaredRoute(
        path, around(endpoint) if around else endpoint, access=access, methods=methods, name=name
    )


def current_staff(request: Request) -> Staff | None:
    """The signed-in, active account whose session version still matches, or None."""
    if hasattr(request.state, "staff"):
        cached: Staff | None = request.state.staff
        return cached
    value = request.session.get(STAFF_KEY)
    staff = None
    if isinstance(value, list) and len(value) == 2 and all(isinstance(v, int) for v in value):
        with database(request).read() as session:
            found = session.get(Staff, value[0])
        if found is not None and found.active and found.session_version == value[1]:
            staff = found
    request.state.staff = staff
    return staff


def require_staff(request: Request, *, write: bool = False) -> Staff:
    """The signed-in account; ``write`` also requires the secretariat role (advisers only read).

    Not signed in: to the login page, coming back here afterwards. Wrong role: 403.
    """
    staff = current_staff(request)
    if staff is None:
        target = request.url.path if request.method == "GET" else "/secretariat"
        raise Redirect(f"{request.app.url_path_for('staff_login')}?next={quote(target)}")
    if write and staff.role is not StaffRole.secretariat:
        raise HTTPException(403)
    return staff


def signed_in(request: Request) -> Staff:
    """The account the route's gate let in (kept on ``request.state.staff``): how a back-office
    view gets it. What the account may do is the route's ``access``; reached without the gate
    (a helper called elsewhere), a stranger is still sent to the sign-in page."""
    return require_staff(request)


def gate(view: Callable[[Request], Any], access: Who) -> View:
    """The view behind the check ``access`` names."""
    if access is Who.public:
        return view
    if access is Who.applicant:
        return guarded(view)
    if access is Who.juror:
        return juror_page(view)

    @functools.wraps(view)
    def staff_only(request: Request) -> Response:
        write = access is Who.staff_write or (
            access is Who.staff_write_on_post and request.method == "POST"
        )
        require_staff(request, write=write)  # the account is kept on request.state.staff
        response: Response = view(request)
        return response

    return staff_only
