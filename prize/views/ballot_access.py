"""Who the juror is: the ballot session opened by a signed link, checked on every request.

The link's token is exchanged for a session at once (``/ballot/link/{token}`` redirects to
``/ballot``); the session holds the juror's id, link version, link secret and session version,
checked on every request, so a revoked link ends every session opened with it, and signing out
ends every session opened before (a copy of the cookie included). No URL carries a juror's id: a
juror only ever sees their own ballot.
"""

from __future__ import annotations

import dataclasses

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response

from prize.domain.jury import jurors, panel
from prize.domain.jury import links as juror_links
from prize.models import BallotStatus, Edition, Juror
from prize.tokens import LinkError, LinkExpired
from prize.views.access import JUROR_KEY as JUROR_KEY
from prize.views.access import NoJuror as NoJuror
from prize.views.access import juror_page as juror_page
from prize.views.common import (
    LANG_COOKIE,
    database,
    now,
    read_form,
    redirect,
    remember_language,
    render,
    signer,
)
from prize.views.errors import link_error


def current_juror(request: Request, session: Session) -> tuple[Juror, Edition]:
    """The juror whose link opened this session, if it still holds (else a ``LinkError``)."""
    kept = _kept(request.session.get(JUROR_KEY))
    if kept is None:
        raise NoJuror()
    juror = juror_links.juror_for_session(session=session, kept=kept, now=now(request))
    return juror, jurors.edition_of(session=session, juror=juror)


def _kept(value: object) -> juror_links.BallotSession | None:
    """The ballot session kept in the cookie, if it has the shape this version writes."""
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


# --------------------------------------------------------------------------- the link


def open_link(request: Request) -> Response:
    token = request.path_params["token"]
    try:
        with database(request).read() as session:
            juror = juror_links.juror_for_token(
                session=session, signer=signer(request), token=token, now=now(request)
            )
    except LinkExpired as error:
        return _after_publication(request, token) or link_error(request, error, kind="ballot")
    except LinkError as error:
        return link_error(request, error, kind="ballot")
    request.session[JUROR_KEY] = list(dataclasses.astuple(juror_links.BallotSession.of(juror)))
    response = redirect(request, "ballot_home")
    if LANG_COOKIE not in request.cookies:
        remember_language(request, response, juror.language)
    return response


def _after_publication(request: Request, token: str) -> Response | None:
    """A juror's link after the results were published: thanks, their receipt codes and the
    results' link, on a page that opens nothing else (no ballot session)."""
    with database(request).read() as session:
        found = juror_links.juror_after_publication(
            session=session, signer=signer(request), token=token
        )
        if found is None:
            return None
        juror, edition = found
        receipts = [
            b.receipt_code
            for b in panel.ballots_of(session=session, juror=juror)
            if b.receipt_code and b.status is BallotStatus.submitted
        ]
    return render(
        request, "ballot/thanks.html", {"juror": juror, "edition": edition, "receipts": receipts}
    )


def sign_out(request: Request) -> Response:
    """Asks first (a juror has no password to come back with), then ends every session and
    redirects to the same address, which then says so (once)."""
    if request.method != "POST":
        if request.session.pop(SIGNED_OUT_KEY, None):
            return render(request, "ballot/signed_out.html")
        with database(request).read() as session:
            juror, edition = current_juror(request, session)
        return render(request, "ballot/sign_out.html", {"juror": juror, "edition": edition})
    read_form(request)
    with database(request).write() as session:
        juror, _ = current_juror(request, session)
        juror_links.sign_out(session=session, juror=juror, now=now(request))
    request.session.pop(JUROR_KEY, None)
    request.session[SIGNED_OUT_KEY] = True
    return redirect(request, "ballot_sign_out")


SIGNED_OUT_KEY = "ballot_signed_out"
