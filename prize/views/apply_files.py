"""An application's supporting files: their own route (``.../files``, which gets the large body
limit), so a refused file never costs the text typed in the form."""

from __future__ import annotations

from functools import partial

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from prize.domain.applicants import attachments
from prize.domain.errors import DomainError
from prize.i18n import Message
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
    redirect,
    render,
    settings,
)
from prize.views.refused import recall, refuse


def _page(request: Request, error: Message | None = None, status: int = 200) -> Response:
    opened = current_applicant(request)
    with database(request).read() as session:
        context = panel(request, session, opened.application, opened.edition, opened.mode)
    conf = settings(request)
    context.update(max_mb=megabytes(conf.max_upload_bytes), error=error)
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
        return refuse(request, "apply_files", {}, {}, problem=Message("Choose a file to attach."))
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
        return refuse(request, "apply_files", {}, {}, problem=error.message)
    flash(request, "Attached: %(name)s", name=attachment.original_name)
    return redirect(
        request, "apply_files", application_id=current_applicant(request).application_id
    )


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
        return refuse(
            request, "apply_files", {}, {}, problem=error.message,
            to=request.url_for("apply_files", application_id=current_applicant(request).application_id).path,
        )  # fmt: skip
    flash(request, "The file is removed.")
    return redirect(
        request, "apply_files", application_id=current_applicant(request).application_id
    )


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
