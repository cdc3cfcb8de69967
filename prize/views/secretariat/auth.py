"""Signing in and out of the back office."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from prize.domain import staff as staff_domain
from prize.domain.errors import DomainError
from prize.security import Passwords
from prize.views.common import database, now, read_form, render, safe_next, settings
from prize.views.secretariat.access import require_staff, sign_in, sign_out


def _passwords(request: Request) -> Passwords:
    return Passwords(fast=settings(request).argon2_fast)


def login(request: Request) -> Response:
    next_url = safe_next(request.query_params.get("next"), "/secretariat")
    if request.method == "GET":
        return render(
            request, "secretariat/login.html", {"next": next_url, "email": "", "error": None}
        )
    form = read_form(request)
    email = str(form.get("email", ""))[:254]
    password = str(form.get("password", ""))[:1024]
    next_url = safe_next(str(form.get("next", "")), "/secretariat")
    try:
        with database(request).write() as session:
            account = staff_domain.authenticate(
                session=session,
                passwords=_passwords(request),
                email=email,
                password=password,
                client=request.client.host if request.client else "",
                now=now(request),
            )
    except DomainError as error:
        return render(
            request,
            "secretariat/login.html",
            {"next": next_url, "email": email, "error": error.message},
            status_code=400,
        )
    sign_in(request, account)
    return RedirectResponse(next_url, status_code=303)


def logout(request: Request) -> Response:
    read_form(request)
    sign_out(request)
    return RedirectResponse(request.app.url_path_for("staff_login"), status_code=303)


def dashboard(request: Request) -> Response:
    account = require_staff(request)
    return render(request, "secretariat/dashboard.html", {"staff": account})


routes: list[BaseRoute] = [
    Route("/secretariat/login", login, methods=["GET", "POST"], name="staff_login"),
    Route("/secretariat/logout", logout, methods=["POST"], name="staff_logout"),
    Route("/secretariat", dashboard, name="staff_dashboard"),
]
