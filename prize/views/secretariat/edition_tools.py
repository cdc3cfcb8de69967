"""The secretariat's tools for an edition: a new edition from it, the jury pack of its eligible
applications' files, and deleting it (a rehearsal, or an edition never published without
submitted applications) on its own page where its title is typed."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import BaseRoute

from prize.domain.applicants import trial
from prize.domain.editions import copying, editions, removal
from prize.domain.errors import DomainError, NotAllowed, NotFound
from prize.domain.screening import jury_pack
from prize.domain.staff import staff as staff_domain
from prize.forms import application as application_form
from prize.forms.base import text
from prize.i18n import Message
from prize.models import Edition, Staff
from prize.storage import zip_stream
from prize.views.access import Who, route
from prize.views.common import database, file_store, flash, lang, now, read_form, redirect
from prize.views.links import applicant_links
from prize.views.refused import recall, refuse
from prize.views.secretariat.access import edition_in_path, render_staff, signed_in

# --------------------------------------------------------------------------- a new edition from it


def _copy_page(
    request: Request,
    account: Staff,
    *,
    values: dict[str, Any],
    errors: dict[str, Message],
    status_code: int = 200,
) -> Response:
    with database(request).read() as session:
        source = edition_in_path(session, request)
    return render_staff(
        request,
        "secretariat/edition_copy.html",
        account,
        {"source": source, "values": values, "errors": errors},
        status_code=status_code,
    )


def copy_edition(request: Request) -> Response:
    """GET: the new edition's year (and whether it is a rehearsal); POST: make it, a draft,
    and open its settings to edit."""
    account = signed_in(request)
    if request.method == "GET":
        year = int(request.path_params["year"]) + 1
        shown: dict[str, Any] = {"year": str(year), "rehearsal": False}
        if stash := recall(request, "staff_edition_copy"):
            shown |= stash.values
        return _copy_page(request, account, values=shown, errors=stash.errors if stash else {})
    form = read_form(request)
    values: dict[str, Any] = {
        "year": text(form, "year"),
        "rehearsal": form.get("rehearsal") == "yes",
    }
    errors: dict[str, Message] = {}
    try:
        year = int(values["year"])
    except ValueError:
        errors["year"] = Message("Enter a whole number.")
    if not errors:
        try:
            with database(request).write() as session:
                edition = copying.copy_edition(
                    session=session,
                    actor=staff_domain.actor_of(account),
                    now=now(request),
                    source=edition_in_path(session, request),
                    year=year,
                    rehearsal=values["rehearsal"],
                )
        except DomainError as error:
            errors[error.field or "year"] = error.message
        else:
            flash(
                request,
                "The edition %(year)s is created as a draft from %(source)s: check its settings "
                "and dates.",
                year=edition.year,
                source=request.path_params["year"],
            )
            return redirect(request, "staff_edition_edit", year=edition.path_year)
    return refuse(request, "staff_edition_copy", values, errors)


# --------------------------------------------------------------------------- the jury pack


def jury_files(request: Request) -> Response:
    """Every supporting file of the eligible applications, one zip streamed as it is made."""
    account = signed_in(request)
    with database(request).read() as session:
        edition = edition_in_path(session, request)
        try:
            files = jury_pack.pack(session=session, edition=edition)
        except DomainError as error:
            return render_staff(
                request,
                "secretariat/edition_files.html",
                account,
                {"edition": edition, "problem": error.message},
                status_code=409,
            )
        name = jury_pack.archive_name(edition)
    entries = [(f.path, f.stored_name) for f in files]
    return StreamingResponse(
        zip_stream(file_store(request), entries),
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )


# --------------------------------------------------------------------------- trying its form


def try_application(request: Request) -> Response:
    """A rehearsal's application form, tried by the secretariat: GET asks for the address and
    the title (the account's own address by default); POST starts the draft in the rehearsal
    and opens it here through its resume link. Its e-mails follow the rehearsal's rules."""
    account = signed_in(request)
    values = {"email": account.email, "title": "", "language": lang(request)}
    errors: dict[str, Message] = {}
    problem: Message | None = None
    if request.method == "POST":
        values = application_form.start_fields(read_form(request))
        errors = dict(application_form.start_errors(values))
        if not errors:
            links = applicant_links(request)
            try:
                with database(request).write() as session:
                    application = trial.start_trial(
                        session=session,
                        edition=edition_in_path(session, request),
                        email=values["email"],
                        title=values["title"],
                        language=values["language"],
                        links=links,
                        client=f"staff:{account.id}",
                        now=now(request),
                    )
                    token = links.token(application)
            except NotAllowed as error:
                problem = error.message
            except DomainError as error:
                errors[error.field or "email"] = error.message
            else:
                return redirect(request, "apply_link", token=token)
    with database(request).read() as session:
        edition = edition_in_path(session, request)
    if not edition.rehearsal:
        raise HTTPException(404)
    return render_staff(
        request,
        "secretariat/edition_try.html",
        account,
        {"edition": edition, "values": values, "errors": errors, "problem": problem},
        status_code=400 if request.method == "POST" else 200,
    )


# --------------------------------------------------------------------------- deleting it


def _edition_by_id(session: Session, request: Request) -> Edition:
    try:
        return editions.get_by_id(
            session=session, edition_id=int(request.path_params["edition_id"])
        )
    except NotFound:
        raise HTTPException(404) from None


def _delete_page(
    request: Request,
    account: Staff,
    *,
    values: dict[str, str],
    errors: dict[str, Message],
    status_code: int = 200,
) -> Response:
    with database(request).read() as session:
        edition = _edition_by_id(session, request)
        reason = removal.refusal(session=session, edition=edition)
        counts = removal.holdings(session=session, edition=edition)
    back = request.app.url_path_for("staff_edition", year=edition.path_year)
    return render_staff(
        request,
        "secretariat/edition_delete.html",
        account,
        {
            "edition": edition,
            "refusal": Message(reason) if reason else None,
            "counts": counts,
            "values": values,
            "errors": errors,
            "back_url": back,
        },
        status_code=status_code,
    )


def delete_edition(request: Request) -> Response:
    if request.method == "GET":
        account = signed_in(request)
        if stash := recall(request, "staff_edition_delete"):
            values = {"typed_name": str(stash.values.get("typed_name", ""))}
            return _delete_page(request, account, values=values, errors=stash.errors)
        return _delete_page(request, account, values={"typed_name": ""}, errors={})
    account = signed_in(request)
    form = read_form(request)
    values = {"typed_name": text(form, "typed_name")}
    try:
        with database(request).write() as session:
            edition = _edition_by_id(session, request)
            removed = removal.delete_edition(
                session=session,
                actor=staff_domain.actor_of(account),
                now=now(request),
                edition=edition,
                typed_name=values["typed_name"],
                store=file_store(request),
            )
    except DomainError as error:
        errors = {error.field or "typed_name": error.message}
        return refuse(request, "staff_edition_delete", values, errors)
    flash(request, "The edition %(year)s is deleted, with all its data.", year=removed.year)
    return redirect(request, "staff_editions")


routes: list[BaseRoute] = [
    route(
        "/secretariat/editions/{year:edition}/copy",
        copy_edition,
        methods=["GET", "POST"],
        access=Who.staff_write,
        name="staff_edition_copy",
    ),
    route(
        "/secretariat/editions/{year:edition}/files.zip",
        jury_files,
        access=Who.staff,
        name="staff_edition_files",
    ),
    route(
        "/secretariat/editions/{year:edition}/try-application",
        try_application,
        methods=["GET", "POST"],
        access=Who.staff_write,
        name="staff_edition_try",
    ),
    route(
        "/secretariat/editions/id/{edition_id:int}/delete",
        delete_edition,
        methods=["GET", "POST"],
        access=Who.staff_write,
        name="staff_edition_delete",
    ),
]
