"""Who may open a route, declared once in the route table: ``route(path, view, access=...)``.

Every route of the site is made by ``route`` and names who may open it (``Who``), so a reader sees
it next to each address (a test refuses a route without one). The gate checks, before the view:

- ``public``: anyone.
- ``applicant``: the browser holds a session entry for the application in the path, and the link
  it kept still opens it (its row, version and secret, the application's state): else the
  need-a-link page, or why the link no longer opens (and the entry is forgotten).
- ``juror``: the browser holds a live ballot session (the juror's link still holds, no sign-out
  since): else the no-session page, or why the link no longer opens (and the session ends).
- ``staff``: a signed-in back-office account (advisers included); else the sign-in page.
- ``staff_write``: the secretariat role, whatever the method (advisers get 403).
- ``staff_write_on_post``: any account reads (GET), only the secretariat submits (POST).

The gate leaves who it let in on ``request.state``, where the views find it: ``signed_in``
(the account), ``current_applicant`` (the application, its edition and what the link allows, as
the gate read them) and ``current_juror`` (the juror and their edition). A view that writes opens the row again in
its own transaction (``Applicant.reopen``, ``JurorSession.reopen``), under that transaction's lock
and with the same check, so a link revoked in between writes nothing; the gate answers that
refusal as its own. A route whose caller is a script, or a form being typed, answers the refusal
its own way (``route(..., refused=...)``).
"""

from __future__ import annotations

import enum
import functools
import inspect
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple
from urllib.parse import quote

from sqlmodel import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from prize.domain.applicants import links as application_links
from prize.domain.applicants.links import Access
from prize.domain.jury import jurors
from prize.domain.jury import links as juror_links
from prize.models import Application, Edition, Juror, Staff, StaffRole, pk
from prize.tokens import LinkError
from prize.views.common import Redirect, database, now, render
from prize.views.errors import link_error

View = Callable[[Request], Response]

APPLICATIONS_KEY = "applications"  # [[application id, link version, link secret], ...]
JUROR_KEY = "juror"  # the ballot session: [juror id, link version, link secret, session version]
STAFF_KEY = "staff"  # the back office's session: [staff id, session version]


class Who(enum.Enum):
    public = "public"
    applicant = "applicant"
    juror = "juror"
    staff = "staff"
    staff_write = "staff_write"
    staff_write_on_post = "staff_write_on_post"


class NeedLink(Exception):
    """This browser has not opened the application in the path: the applicant needs their link."""


class NoJuror(Exception):
    """No ballot session in this browser: the juror has to open their link."""


Refusal = NeedLink | NoJuror | LinkError
Refused = Callable[[Request, Refusal], Response]


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
    refused: Refused | None = None,
) -> DeclaredRoute:
    """A route with who may open it: the only way the views declare one.

    ``around`` wraps the checked view (``parsed_first`` for uploads), so the check runs on the
    view itself, as its answer is shaped by the wrapper. ``refused`` answers an applicant or a
    juror the gate turns away, instead of the page that says why."""
    if access is not Who.public and inspect.iscoroutinefunction(view):
        raise TypeError(f"{path}: a checked view must be sync; pass its wrapper as ``around``")
    if refused is not None and access not in (Who.applicant, Who.juror):
        raise TypeError(f"{path}: only the applicant's and the juror's gates answer ``refused``")
    endpoint = gate(view, access, refused)
    return DeclaredRoute(
        path, around(endpoint) if around else endpoint, access=access, methods=methods, name=name
    )


# --------------------------------------------------------------------------- applicants


class Kept(NamedTuple):
    """One link opened in this browser, as the session keeps it."""

    application_id: int
    version: int
    secret: str

    @classmethod
    def of(cls, application: Application) -> Kept:
        return cls(pk(application), application.link_version, application.link_secret)


def kept_links(request: Request) -> list[Kept]:
    """The links opened in this browser (entries of another shape are ignored)."""
    value = request.session.get(APPLICATIONS_KEY, [])
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


def forget(request: Request, application_id: int) -> None:
    """This browser no longer holds the application's link."""
    request.session[APPLICATIONS_KEY] = [
        list(k) for k in kept_links(request) if k.application_id != application_id
    ]


def _forget_link(request: Request) -> None:
    forget(request, request.path_params["application_id"])


class Applicant(NamedTuple):
    """The application the gate let this browser open, its edition and what the link allows
    (``mode``), as the gate read them (the link kept is the application's own: ``Kept.of``)."""

    application: Application
    edition: Edition
    mode: Access

    @property
    def application_id(self) -> int:
        return pk(self.application)

    def reopen(self, session: Session, request: Request) -> tuple[Application, Edition, Access]:
        """The application again in ``session`` (a write's, under its lock, or a read after
        one), if the same link still opens it; else the ``LinkError``, which the gate answers."""
        return _check_link(session, request, Kept.of(self.application))


def _check_link(
    session: Session, request: Request, kept: Kept
) -> tuple[Application, Edition, Access]:
    return application_links.from_session(
        session=session,
        application_id=kept.application_id,
        version=kept.version,
        secret=kept.secret,
        now=now(request),
    )


def current_applicant(request: Request) -> Applicant:
    """Who the applicant's gate let in (checked here if nothing did: ``NeedLink`` or the
    ``LinkError``)."""
    found: Applicant | None = getattr(request.state, "applicant", None)
    if found is not None:
        return found
    wanted: int = request.path_params["application_id"]
    kept = next((k for k in kept_links(request) if k.application_id == wanted), None)
    if kept is None:
        raise NeedLink()
    with database(request).read() as session:
        found = Applicant(*_check_link(session, request, kept))
    request.state.applicant = found
    return found


# --------------------------------------------------------------------------- jurors


def _ballot_session(request: Request) -> juror_links.BallotSession | None:
    """The ballot session kept in the cookie, if it has the shape this version writes."""
    value = request.session.get(JUROR_KEY)
    if isinstance(value, list) and len(value) == 2:  # from before secrets: [id, link version]
        value = [*value, "", 1]
    if not (isinstance(value, list) and len(value) == 4):
        return None
    juror_id, link_version, link_secret, session_version = value
    numbers = (juror_id, link_version, session_version)
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in numbers):
        return None
    if not isinstance(link_secret, str):
        return None
    return juror_links.BallotSession(juror_id, link_version, link_secret, session_version)


def end_ballot_session(request: Request) -> None:
    request.session.pop(JUROR_KEY, None)


class JurorSession(NamedTuple):
    """The juror the gate let in by their ballot session, and their edition, as the gate read
    them (the session kept is the juror's own: ``BallotSession.of``)."""

    juror: Juror
    edition: Edition

    def reopen(self, session: Session, request: Request) -> tuple[Juror, Edition]:
        """The juror again in ``session`` (a write's, under its lock, or a read after one), if
        the session still holds; else the ``LinkError``, which the gate answers."""
        return _check_session(session, request, juror_links.BallotSession.of(self.juror))


def _check_session(
    session: Session, request: Request, kept: juror_links.BallotSession
) -> tuple[Juror, Edition]:
    juror = juror_links.juror_for_session(session=session, kept=kept, now=now(request))
    return juror, jurors.edition_of(session=session, juror=juror)


def current_juror(request: Request) -> JurorSession:
    """Who the juror's gate let in (checked here if nothing did: ``NoJuror`` or the
    ``LinkError``)."""
    found: JurorSession | None = getattr(request.state, "juror", None)
    if found is not None:
        return found
    kept = _ballot_session(request)
    if kept is None:
        raise NoJuror()
    with database(request).read() as session:
        seated = JurorSession(*_check_session(session, request, kept))
    request.state.juror = seated
    return seated


# --------------------------------------------------------------------------- staff


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


# --------------------------------------------------------------------------- the gate


def applicant_refused(request: Request, refusal: Refusal) -> Response:
    """The page that tells an applicant turned away why, and what to do."""
    if isinstance(refusal, LinkError):
        return link_error(request, refusal, kind="application")
    return render(request, "apply/need_link.html", status_code=403)


def juror_refused(request: Request, refusal: Refusal) -> Response:
    """The page that tells a juror turned away why, and what to do."""
    if isinstance(refusal, LinkError):
        return link_error(request, refusal, kind="ballot")
    return render(request, "ballot/no_session.html", status_code=401)


def gate(view: Callable[[Request], Any], access: Who, refused: Refused | None = None) -> View:
    """The view behind the check ``access`` names; ``refused`` answers an applicant or a juror
    turned away (by default, the page that says why and what to do)."""
    if access is Who.public:
        return view
    if access is Who.applicant:
        return _by_link(view, current_applicant, _forget_link, refused or applicant_refused)
    if access is Who.juror:
        return _by_link(view, current_juror, end_ballot_session, refused or juror_refused)

    @functools.wraps(view)
    def staff_only(request: Request) -> Response:
        write = access is Who.staff_write or (
            access is Who.staff_write_on_post and request.method == "POST"
        )
        require_staff(request, write=write)  # the account is kept on request.state.staff
        response: Response = view(request)
        return response

    return staff_only


def _by_link(
    view: Callable[[Request], Any],
    let_in: Callable[[Request], object],
    drop: Callable[[Request], None],
    refused: Refused,
) -> View:
    """``view`` for whoever ``let_in`` lets in (kept on ``request.state``); a link that no longer
    opens, found here or in the view's own transaction, is dropped from this browser (``drop``)."""

    @functools.wraps(view)
    def by_link(request: Request) -> Response:
        try:
            let_in(request)
            response: Response = view(request)
        except (NeedLink, NoJuror) as refusal:
            return refused(request, refusal)
        except LinkError as refusal:
            drop(request)
            return refused(request, refusal)
        return response

    return by_link
