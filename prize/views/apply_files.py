"""An application's supporting files: their own route (``.../files``, which gets the large body
limit), so a refused file never costs the text typed in the form."""

from __future__ import annotations

from functools import partial
from typing import Any

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute

from prize.domain.applicants import attachments
from prize.domain.applicants.links import Access
from prize.domain.errors import DomainError
from prize.i18n import N_, Message
from prize.models import ContentKind
from prize.security import BodyTooLarge
from prize.storage import megabytes
from prize.views.access import Who, current_applicant, route
from prize.views.apply_access import holds, panel
from prize.views.common import (
    CsrfFailed,
    database,
    file_store,
    flash,
    now,
    parsed_first,
    read_form,
    render,
    settings,
)
from prize.views.refused import recall, refuse

# The pages that open the files page and that it leads back to (``?then=``): the check page's
# "Change" link, and the whole form; else the application's home.
BACK = {
    "check": ("apply_check", N_("Back to check your answers")),
    "form": ("apply_form", N_("Back to the form")),
}


def _then(request: Request) -> str:
    then = request.query_params.get("then", "")
    return then if then in BACK else ""


def _here(request: Request) -> str:
    """The files page's address, with the page it leads back to (after an upload too)."""
    path = request.url_for("apply_files", application_id=request.path_params["application_id"])
    return path.path + (f"?then={_then(request)}" if _then(request) else "")


def _back(context: dict[str, Any]) -> tuple[str, str]:
    """The page the files page leads back to and its link's words, when not named by ``?then``:
    the task list while the application is edited, else its page (a summary once submitted)."""
    content = context["content"]
    editing = context["mode"] == Access.edit.value and (
        content is None or content.kind is ContentKind.draft
    )
    return ("apply_tasks" if editing else "apply_form"), N_("Back to your application")


def _page(request: Request, error: Message | None = None, status: int = 200) -> Response:
    opened = current_applicant(request)
    with database(request).read() as session:
        context = panel(request, session, opened.application, opened.edition, opened.mode)
    conf = settings(request)
    back_to, back_words = BACK.get(_then(request)) or _back(context)
    context.update(
        max_mb=megabytes(conf.max_upload_bytes),
        error=error,
        then=_then(request),
        back_to=back_to,
        back_words=Message(back_words),
    )
    return render(
        request,
        "apply/files.html",
        context,
        status_code=status,
        headers={"Connection": "close"} if status == 413 else None,
    )


def files(request: Request) -> Response:
    if request.method == "GET":
        stash = recall(request, "apply_files")
        return _page(request, stash.problem if stash else None)
    conf = settings(request)
    try:
        form = read_form(request, max_files=1, max_fields=5)
    except BodyTooLarge:
        return _page(
            request,
            Message(
                "This file is larger than %(mb)s MB. Choose a smaller file.",
                {"mb": megabytes(conf.max_upload_bytes)},
            ),
            413,
        )
    except CsrfFailed as failed:
        _close_files(failed.form)
        raise
    try:
        return _attach(request, form.get("file"))
    finally:
        _close_files(form)


def _known(request: Request) -> bool:
    """Whether this browser has opened the application (else its upload is not even read)."""
    return holds(request, request.path_params["application_id"])


def _attach(request: Request, upload: object) -> Response:
    conf = settings(request)
    if not isinstance(upload, UploadFile) or not upload.filename:
        return refuse(
            request, "apply_files", {}, {}, problem=Message("Choose a file to attach."),
            to=_here(request),
        )  # fmt: skip
    try:
        # Copied to the storage folder first, so that the writing transaction (on SQLite, the
        # one write lock of the whole app) is not held while the disk takes the file.
        stored = attachments.store_upload(
            source=upload.file, store=file_store(request), max_bytes=conf.max_upload_bytes
        )
        try:
            with database(request).write() as session:
                application, _, _ = current_applicant(request).reopen(session, request)
                attachment = attachments.attach(
                    session=session,
                    application=application,
                    stored=stored,
                    filename=upload.filename,
                    store=file_store(request),
                    max_files=conf.max_uploads,
                    now=now(request),
                )
        except BaseException:
            attachments.discard(store=file_store(request), stored=stored)
            raise
    except DomainError as error:
        return refuse(request, "apply_files", {}, {}, problem=error.message, to=_here(request))
    flash(request, "Attached: %(name)s", name=attachment.original_name)
    return RedirectResponse(_here(request), status_code=303)


def _close_files(form: FormData) -> None:
    for _, value in form.multi_items():
        if isinstance(value, UploadFile):
            value.file.close()


def download(request: Request) -> Response:
    with database(request).read() as session:
        try:
            attachment = attachments.get_visible(
                session=session,
                application=current_applicant(request).application,
                attachment_id=request.path_params["file_id"],
            )
        except DomainError:
            return render(request, "errors/http.html", {"status": 404}, status_code=404)
    return file_store(request).download_response(attachment)


def remove(request: Request) -> Response:
    read_form(request)
    try:
        with database(request).write() as session:
            application, _, _ = current_applicant(request).reopen(session, request)
            attachments.remove(
                session=session,
                application=application,
                attachment_id=request.path_params["file_id"],
                store=file_store(request),
                now=now(request),
            )
    except DomainError as error:
        return refuse(request, "apply_files", {}, {}, problem=error.message, to=_here(request))
    flash(request, "The file is removed.")
    return RedirectResponse(_here(request), status_code=303)


routes: list[BaseRoute] = [
    route(
        "/apply/{application_id:int}/files",
        files,
        methods=["GET", "POST"],
        access=Who.applicant,
        name="apply_files",
        around=partial(parsed_first, max_files=1, max_fields=5, admitted=_known),
    ),
    route(
        "/apply/{application_id:int}/files/{file_id:int}",
        download,
        access=Who.applicant,
        name="apply_file",
    ),
    route(
        "/apply/{application_id:int}/files/{file_id:int}/delete",
        remove,
        methods=["POST"],
        access=Who.applicant,
        name="apply_file_delete",
    ),
]
