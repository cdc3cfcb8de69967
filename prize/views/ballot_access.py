"""The juror's link and the end of their ballot session.

The link's token is exchanged for a session at once (``/ballot/link/{token}`` redirects to
``/ballot``); the session holds the juror's id, link version, link secret and session version,
checked on every request by the juror's gate (``prize.views.access``), so a revoked link ends
every session opened with it, and signing out ends every session opened before (a copy of the
cookie included). No URL carries a juror's id: a juror only ever sees their own ballot.
"""

from __future__ import annotations

import dataclasses

from starlette.requests import Request
from starlette.responses import Response

from prize.domain.jury import links as juror_links
from prize.domain.jury import panel
from prize.models import BallotStatus
from prize.tokens import LinkError, LinkExpired
from prize.views.access import JUROR_KEY, current_juror, end_ballot_session
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
        juror, edition = current_juror(request)
        return render(request, "ballot/sign_out.html", {"juror": juror, "edition": edition})
    read_form(request)
    with database(request).write() as session:
        juror, _ = current_juror(request).reopen(session, request)
        juror_links.sign_out(session=session, juror=juror, now=now(request))
    end_ballot_session(request)
    return redirect(request, "ballot_signed_out")


def signed_out(request: Request) -> Response:
    """Where signing out leads (a GET, so Back never posts the sign-out again)."""
    return render(request, "ballot/signed_out.html")
