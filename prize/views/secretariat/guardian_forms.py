"""A minor juror's guardian's signed consent form: uploaded on the juror's page (PDF, JPEG or
PNG, checked as applicants' files are), given back to staff as a download only."""

from __future__ import annotations

from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from prize.domain.applicants import attachments
from prize.domain.errors import DomainError
from prize.domain.jury import jurors
from prize.domain.staff import staff as staff_domain
from prize.i18n import Message
from prize.models import Juror, Staff
from prize.security import BodyTooLarge
from prize.storage import Store, megabytes
from prize.views.access import Who, route
from prize.views.common import database, file_store, flash, now, read_form, redirect, settings
from prize.views.secretariat.access import signed_in
from prize.views.secretariat.jurors import juror_or_404, refused_on_juror, render_juror_page


def upload(request: Request) -> Response:
    account = signed_in(request)
    conf = settings(request)
    try:
        form = read_form(request, max_files=1, max_fields=5)
    except BodyTooLarge:
        return _refused(
            request,
            Message(
                "This file is larger than %(mb)s MB. Choose a smaller file.",
                {"mb": megabytes(conf.max_upload_bytes)},
            ),
            413,
        )
    try:
        return _store(request, account, form, file_store(request), conf.max_upload_bytes)
    finally:
        for _, value in form.multi_items():
            if isinstance(value, UploadFile):
                value.file.close()


def _store(
    request: Request, account: Staff, form: FormData, store: Store, max_bytes: int
) -> Response:
    upload = form.get("guardian_form")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _refused(request, Message("Choose the signed form to upload."), 400)
    try:
        stored = attachments.store_upload(source=upload.file, store=store, max_bytes=max_bytes)
        try:
            with database(request).write() as session:
                jurors.attach_guardian_form(
                    session=session,
                    actor=staff_domain.actor_of(account),
                    now=now(request),
                    juror=juror_or_404(session, request),
                    stored=stored,
                    filename=upload.filename,
                    store=store,
                )
        except BaseException:
            attachments.discard(store=store, stored=stored)
            raise
    except DomainError as error:
        return _refused(request, error.message, 400)
    flash(request, "The guardian's signed form is kept.")
    response = redirect(request, "staff_juror", juror_id=request.path_params["juror_id"])
    response.headers["location"] += "#consent"
    return response


def _refused(request: Request, message: Message, status: int) -> Response:
    """The juror's page with the refusal: a redirect to it (a body over the limit, never read
    to its end, is answered at once instead)."""
    if status != 413:
        return refused_on_juror(request, errors={"guardian_form": message})
    return render_juror_page(
        request,
        signed_in(request),
        errors={"guardian_form": message},
        status_code=status,
    )


def download(request: Request) -> Response:
    signed_in(request)
    with database(request).read() as session:
        juror: Juror = juror_or_404(session, request)
    if not juror.guardian_form:
        raise HTTPException(404)
    return file_store(request).file_response(
        juror.guardian_form, juror.guardian_form_type, juror.guardian_form_name
    )


routes: list[BaseRoute] = [
    # ".../files": the upload routes' larger body limit (prize.app.LARGE_BODY_PATHS).
    route(
        "/secretariat/jurors/{juror_id:int}/guardian/files",
        upload,
        methods=["POST"],
        access=Who.staff_write,
        name="staff_juror_guardian_upload",
    ),
    route(
        "/secretariat/jurors/{juror_id:int}/guardian/form",
        download,
        access=Who.staff,
        name="staff_juror_guardian_form",
    ),
]
