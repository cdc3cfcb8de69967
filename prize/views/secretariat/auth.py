"""Signing in and out of the back office, changing a password, and resetting a forgotten one."""

from __future__ import annotations

import functools
import math
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute

from prize.domain.errors import DomainError
from prize.domain.staff import signin
from prize.domain.staff import staff as staff_domain
from prize.forms import staff as staff_forms
from prize.forms.base import text
from prize.models import pk
from prize.security import Passwords
from prize.tokens import LinkError
from prize.views.access import Who, route
from prize.views.common import (
    database,
    flash,
    now,
    read_form,
    redirect,
    render,
    safe_next,
    settings,
    signer,
)
from prize.views.links import staff_links
from prize.views.refused import recall, refuse
from prize.views.secretariat.access import (
    client_of,
    current_staff,
    render_staff,
    sign_in,
    sign_out,
    signed_in,
)

# [staff id, session version, end (a POSIX timestamp)] of a checked reset or invitation link
RESET_KEY = "staff_reset"


@functools.cache
def _passwords_for(fast: bool) -> Passwords:
    return Passwords(fast=fast)


def passwords(request: Request) -> Passwords:
    return _passwords_for(settings(request).argon2_fast)


# --------------------------------------------------------------------------- signing in


def login(request: Request) -> Response:
    next_url = safe_next(request.query_params.get("next"), "/secretariat")
    if request.method == "GET":
        stash = recall(request, "staff_login")
        return render(
            request,
            "secretariat/login.html",
            {
                "next": next_url,
                "email": str(stash.values.get("email", "")) if stash else "",
                "error": stash.problem if stash else None,
            },
        )
    form = read_form(request)
    email = text(form, "email")[:254]
    password = str(form.get("password", ""))[:1024]
    next_url = safe_next(str(form.get("next", "")), "/secretariat")
    try:
        account = signin.authenticate(
            database=database(request),
            passwords=passwords(request),
            email=email,
            password=password,
            client=client_of(request),
            now=now(request),
        )
    except DomainError as error:  # the password typed is never kept
        back = f"{request.url.path}?{urlencode({'next': next_url})}"
        return refuse(request, "staff_login", {"email": email}, {}, problem=error.message, to=back)
    sign_in(request, account)
    return RedirectResponse(next_url, status_code=303)


def logout(request: Request) -> Response:
    read_form(request)
    account = current_staff(request)
    if account is not None:
        with database(request).write() as session:
            staff_domain.sign_out(
                session=session,
                staff_id=pk(account),
                version=account.session_version,
                now=now(request),
            )
    sign_out(request)
    flash(request, "You are signed out.")
    return redirect(request, "staff_login")


# --------------------------------------------------------------------------- own password


def change_password(request: Request) -> Response:
    account = signed_in(request)
    context: dict[str, Any] = {"values": {}, "errors": {}}
    if request.method == "GET":
        if stash := recall(request, "staff_password"):
            context["errors"] = stash.errors
        return render_staff(request, "secretariat/password.html", account, context)
    form = read_form(request)
    result = staff_forms.parse_password_change(form)
    if result.ok:
        try:
            account = signin.change_password(
                database=database(request),
                passwords=passwords(request),
                staff_id=pk(account),
                version=account.session_version,
                current=result.values["current"],
                new=result.values["new"],
                now=now(request),
            )
        except signin.SessionEnded as ended:
            sign_out(request)
            flash(request, ended.message)
            return redirect(request, "staff_login")
        except DomainError as error:
            result.errors[error.field or "new"] = error.message
        else:
            sign_in(request, account)  # this session stays; every other one has ended
            flash(request, "Your password is changed. Your other sessions have been signed out.")
            return redirect(request, "staff_dashboard")
    return refuse(request, "staff_password", {}, result.errors)  # nothing typed is kept


# --------------------------------------------------------------------------- forgotten password


def forgot(request: Request) -> Response:
    if request.method == "GET":
        if sent := recall(request, "staff_forgot_sent"):  # the same answer, known or not
            email = str(sent.values.get("email", ""))
            return render(request, "secretariat/forgot_sent.html", {"email": email})
        stash = recall(request, "staff_forgot")
        return render(
            request,
            "secretariat/forgot.html",
            {
                "email": str(stash.values.get("email", "")) if stash else "",
                "error": stash.problem if stash else None,
            },
        )
    form = read_form(request)
    email = text(form, "email")[:254]
    problem = staff_forms.email_error(email)
    if problem:
        return refuse(request, "staff_forgot", {"email": email}, {}, problem=problem)
    try:
        with database(request).write() as session:
            signin.request_password_reset(
                session=session,
                mailer=staff_links(request),
                email=email,
                client=client_of(request),
                now=now(request),
            )
    except DomainError as error:
        return refuse(request, "staff_forgot", {"email": email}, {}, problem=error.message)
    return refuse(request, "staff_forgot_sent", {"email": email}, {})  # the answer is a GET


def reset_link(request: Request) -> Response:
    """Check the e-mailed link, keep what it proved in the session, and drop the token from the
    address bar at once."""
    token = request.path_params["token"]
    try:
        with database(request).read() as session:
            link = staff_domain.open_password_link(
                session=session, signer=signer(request), token=token, now=now(request)
            )
    except LinkError as error:
        status = 400 if error.reason == "invalid" else 410
        return render(
            request, "secretariat/reset_invalid.html", {"reason": error.reason}, status_code=status
        )
    request.session[RESET_KEY] = [
        link.staff.id,
        link.staff.session_version,
        math.floor(link.expires_at.timestamp()),
    ]
    return redirect(request, "staff_reset")


def _reset_claim(request: Request) -> tuple[int, int, datetime] | None:
    claim = request.session.get(RESET_KEY)
    if not (isinstance(claim, list) and len(claim) == 3 and all(type(v) is int for v in claim)):
        return None
    return claim[0], claim[1], datetime.fromtimestamp(claim[2], UTC)


def reset(request: Request) -> Response:
    """Choose a password, after opening a reset or invitation link (until the link's end)."""
    claim = _reset_claim(request)
    if claim is None:
        return render(
            request, "secretariat/reset_invalid.html", {"reason": "missing"}, status_code=400
        )
    staff_id, version, expires_at = claim
    try:
        with database(request).read() as session:
            account = staff_domain.check_link_claim(
                session=session,
                staff_id=staff_id,
                version=version,
                expires_at=expires_at,
                now=now(request),
            )
    except LinkError as error:
        request.session.pop(RESET_KEY, None)
        return render(
            request, "secretariat/reset_invalid.html", {"reason": error.reason}, status_code=410
        )
    context = {"account": account, "invited": not staff_domain.has_password(account)}
    if request.method == "GET":
        stash = recall(request, "staff_reset")
        return render(
            request, "secretariat/reset.html", {**context, "errors": stash.errors if stash else {}}
        )
    form = read_form(request)
    result = staff_forms.parse_new_password(form)
    if result.ok:
        try:
            password_hash = staff_domain.hash_link_password(
                passwords=passwords(request), staff=account, password=result.values["password"]
            )
            with database(request).write() as session:
                account = staff_domain.set_password_from_link(
                    session=session,
                    staff_id=staff_id,
                    version=version,
                    expires_at=expires_at,
                    password_hash=password_hash,
                    now=now(request),
                )
        except LinkError as error:
            request.session.pop(RESET_KEY, None)
            return render(
                request,
                "secretariat/reset_invalid.html",
                {"reason": error.reason},
                status_code=410,
            )
        except DomainError as error:
            result.errors[error.field or "password"] = error.message
        else:
            request.session.pop(RESET_KEY, None)
            sign_in(request, account)
            flash(request, "Your password is set. You are signed in.")
            return redirect(request, "staff_dashboard")
    return refuse(request, "staff_reset", {}, result.errors)  # nothing typed is kept


routes: list[BaseRoute] = [
    route(
        "/secretariat/login",
        login,
        methods=["GET", "POST"],
        access=Who.public,
        name="staff_login",
    ),
    route("/secretariat/logout", logout, methods=["POST"], access=Who.public, name="staff_logout"),
    route(
        "/secretariat/account/password",
        change_password,
        methods=["GET", "POST"],
        access=Who.staff,
        name="staff_password",
    ),
    route(
        "/secretariat/password/forgot",
        forgot,
        methods=["GET", "POST"],
        access=Who.public,
        name="staff_forgot",
    ),
    route("/secretariat/reset/{token}", reset_link, access=Who.public, name="staff_reset_link"),
    route(
        "/secretariat/password/new",
        reset,
        methods=["GET", "POST"],
        access=Who.public,
        name="staff_reset",
    ),
]
