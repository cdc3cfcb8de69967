"""One person's data in the back office: what is held about an e-mail address, its export as
JSON, and its erasure after publication. For the secretariat only: advisers get 403 here.

Addresses are posted, never put in a URL, so that they stay out of access logs.
"""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from prize.domain.errors import DomainError
from prize.domain.privacy import personal_data
from prize.domain.staff import staff as staff_domain
from prize.i18n import Message
from prize.models import Staff
from prize.views.access import Who, route
from prize.views.common import database, file_store, flash, now, read_form, redirect
from prize.views.refused import recall, refuse
from prize.views.secretariat.access import render_staff, signed_in
from prize.views.secretariat.applications import STATUS_LABELS


def _person_page(
    request: Request,
    account: Staff,
    *,
    email: str = "",
    error: Message | None = None,
    erase_error: Message | None = None,
    status_code: int = 200,
) -> Response:
    """The lookup form and, for a known address, what is held about it."""
    found = None
    if email and error is None:
        try:
            with database(request).read() as session:
                found = personal_data.export_person(session=session, email=email, now=now(request))
        except DomainError as refused:
            error, status_code = refused.message, 400
    return render_staff(
        request,
        "secretariat/applications_personal_data.html",
        account,
        {
            "email": email,
            "found": found,
            "error": error,
            "erase_error": erase_error,
            "status_labels": STATUS_LABELS,
        },
        status_code=status_code,
    )


def person(request: Request) -> Response:
    """Look up what is held about an address (posted, so that it stays out of access logs, and
    kept for the page the post redirects to, as a refused post is)."""
    account = signed_in(request)
    if request.method == "GET":
        stash = recall(request, FORM)
        if stash is None:
            return _person_page(request, account)
        return _person_page(
            request,
            account,
            email=str(stash.values.get("email", "")),
            error=stash.errors.get("email"),
            erase_error=stash.errors.get("erase"),
        )
    form = read_form(request)
    email = str(form.get("email", "")).strip()[:254]
    if not email:
        return _back(request, "", {"email": Message("Enter an e-mail address.")})
    return _back(request, email, {})


FORM = "staff_personal_data"


def _back(request: Request, email: str, errors: dict[str, Message]) -> Response:
    """To the lookup page (303), which shows ``email``'s data and ``errors`` (by "email" for
    the lookup and the export, "erase" for the erasure)."""
    to = str(request.url_for("staff_personal_data").path)
    return refuse(request, FORM, {"email": email}, errors, to=to)


def person_export(request: Request) -> Response:
    account = signed_in(request)
    form = read_form(request)
    email = str(form.get("email", "")).strip()[:254]
    try:
        with database(request).write() as session:
            document = personal_data.export_person(
                session=session,
                email=email,
                now=now(request),
                actor=staff_domain.actor_of(account),
            )
    except DomainError as error:
        return _back(request, email, {"email": error.message})
    return Response(
        json.dumps(document, ensure_ascii=False, indent=2) + "\n",
        media_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="personal-data.json"'},
    )


def person_erase(request: Request) -> Response:
    account = signed_in(request)
    form = read_form(request)
    email = str(form.get("email", "")).strip()[:254]
    if form.get("confirm") != "yes":
        return _back(request, email, {"erase": Message("Tick the box to confirm the erasure.")})
    try:
        with database(request).write() as session:
            report = personal_data.erase_person(
                session=session,
                email=email,
                actor=staff_domain.actor_of(account),
                now=now(request),
                store=file_store(request),
            )
    except DomainError as error:
        return _back(request, email, {"erase": error.message})
    flash(
        request,
        "Personal data erased from %(apps)s applications and %(jurors)s juror records.",
        apps=len(report.applications),
        jurors=len(report.jurors),
    )
    if report.waiting:
        flash(
            request,
            "Records in editions not published yet were kept: %(years)s.",
            years=", ".join(str(y) for y in report.waiting),
        )
    return redirect(request, "staff_personal_data")


routes: list[BaseRoute] = [
    route(
        "/secretariat/personal-data",
        person,
        methods=["GET", "POST"],
        access=Who.staff_write,
        name="staff_personal_data",
    ),
    route(
        "/secretariat/personal-data/export",
        person_export,
        methods=["POST"],
        access=Who.staff_write,
        name="staff_personal_data_export",
    ),
    route(
        "/secretariat/personal-data/erase",
        person_erase,
        methods=["POST"],
        access=Who.staff_write,
        name="staff_personal_data_erase",
    ),
]
