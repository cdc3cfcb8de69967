"""The applicant's pages: start, resume links, the form, submission, withdrawal and deletion.

An applicant has no account: a resume link (``/apply/link/<token>``) is exchanged for a session
entry ``[application id, link version]`` and the browser goes on to ``/apply/<id>``. Every page
checks that entry against the application's current link version and state, every time.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from prize import countries
from prize.domain.applicants import applications, drafts, submissions
from prize.domain.applicants import links as application_links
from prize.domain.applicants.links import Access
from prize.domain.editions import editions
from prize.domain.errors import DomainError
from prize.domain.results import standing
from prize.domain.shared.email_addresses import normalise_email
from prize.forms import application as application_form
from prize.i18n import Message
from prize.models import Application, ContentKind, Edition
from prize.tokens import LinkError
from prize.views import apply_files
from prize.views.apply_access import (
    Denied,
    Kept,
    application_id,
    client_of,
    forget,
    guarded,
    opened,
    pairs,
    panel,
    remember,
    status_code,
)
from prize.views.common import (
    CsrfFailed,
    database,
    flash,
    lang,
    now,
    read_form,
    redirect,
    render,
    settings,
    signer,
)
from prize.views.errors import link_error
from prize.views.links import applicant_links

SENT_KEY = "apply_sent"


# --------------------------------------------------------------------------- start, resend


def start(request: Request) -> Response:
    with database(request).read() as session:
        edition = editions.current_call(session=session)
    accepting = edition is not None and editions.accepts_applications(edition, now(request))
    values = {"email": "", "title": "", "language": lang(request)}
    errors = application_form.Messages()
    status = 200
    if request.method == "POST":
        form = read_form(request)
        values = application_form.start_fields(form)
        try:
            with database(request).write() as session:
                applications.start_application(
                    session=session,
                    edition=editions.current_call(session=session),
                    email=values["email"],
                    title=values["title"],
                    language=values["language"],
                    links=applicant_links(request),
                    client=client_of(request),
                    now=now(request),
                )
        except DomainError as error:
            errors[error.field or "email"] = error.message
            status = status_code(error)
        else:
            request.session[SENT_KEY] = ["start", normalise_email(values["email"])]
            return redirect(request, "apply_sent")
    return render(
        request,
        "apply/start.html",
        {
            "edition": edition,
            "accepting": accepting,
            "values": values,
            "errors": errors,
        },
        status_code=status,
    )


def resend(request: Request) -> Response:
    values = {"email": ""}
    errors = application_form.Messages()
    status = 200
    if request.method == "POST":
        form = read_form(request)
        values = {"email": application_form.start_fields(form)["email"]}
        try:
            with database(request).write() as session:
                applications.resend_links(
                    session=session,
                    edition=editions.current_call(session=session),
                    email=values["email"],
                    links=applicant_links(request),
                    client=client_of(request),
                    now=now(request),
                )
        except DomainError as error:
            errors["email"] = error.message
            status = status_code(error)
        else:
            request.session[SENT_KEY] = ["resend", normalise_email(values["email"])]
            return redirect(request, "apply_sent")
    return render(
        request, "apply/resend.html", {"values": values, "errors": errors}, status_code=status
    )


def sent(request: Request) -> Response:
    value = request.session.pop(SENT_KEY, None)
    kind, email = value if isinstance(value, list) and len(value) == 2 else ("resend", "")
    return render(request, "apply/sent.html", {"kind": kind, "email": email})


def follow_link(request: Request) -> Response:
    token = str(request.path_params["token"])
    try:
        with database(request).read() as session:
            application = application_links.open_link(
                session=session, signer=signer(request), token=token, now=now(request)
            )
    except LinkError as error:
        return link_error(request, error, kind="application")
    remember(request, application)
    return redirect(request, "apply_form", application_id=application.id)


def mine(request: Request) -> Response:
    kept = pairs(request)
    with database(request).read() as session:
        items = []
        for application in applications.applications_of(session=session, ids=[p[0] for p in kept]):
            if Kept.of(application) not in kept:  # a revoked link's entry, or another row's
                continue
            content = drafts.current_content(session=session, application=application)
            edition = session.get_one(Edition, application.edition_id)
            where = standing.standing_of(session=session, application=application, edition=edition)
            items.append((application, content.title if content else "", where.stand.value))
    return render(request, "apply/mine.html", {"items": items})


# --------------------------------------------------------------------------- the form


def _page(
    request: Request,
    session: Session,
    application: Application,
    edition: Edition,
    mode: Access,
    *,
    typed: dict[str, Any] | None = None,
    messages: dict[str, Message] | None = None,
    missing: list[tuple[str, Message]] | None = None,
    problem: Message | None = None,
    status: int = 200,
) -> Response:
    context = panel(request, session, application, edition, mode)
    context["problem"] = problem
    content = context["content"]
    if mode is not Access.edit and typed is None:
        return render(request, "apply/view.html", context, status_code=status)
    eligible = sorted(edition.eligible_countries)
    context.update(
        typed=application_form.Typed(
            typed if typed is not None else application_form.initial(content)
        ),
        messages=application_form.Messages(
            messages if messages is not None else application_form.word_warnings(content)
        ),
        missing=missing or [],
        countries=countries.choices(tuple(eligible), lang(request)),
        limits=drafts.WORD_LIMITS,
        areas=drafts.INVOLVEMENT_AREAS,
        link_count=drafts.MAX_LINKS,
    )
    return render(request, "apply/form.html", context, status_code=status)


@guarded
def application_page(request: Request) -> Response:
    app_id = application_id(request)
    if request.method == "GET":
        with database(request).read() as session:
            application, edition, mode = opened(request, session, app_id)
            return _page(request, session, application, edition, mode)

    form = read_form(request, max_part_size=512 * 1024)
    with database(request).read() as session:
        try:
            application, edition, mode = opened(request, session, app_id)
        except Denied:
            raise CsrfFailed(form) from None  # signed out while typing: offer to send it again
        parsed = application_form.parse(
            form, eligible=edition.eligible_countries, today=now(request).date()
        )
    submitting = form.get("action") == "submit"

    def again(**kw: Any) -> Response:
        with database(request).read() as session:
            application, edition, mode = opened(request, session, app_id)
            kw.setdefault("typed", parsed.values)
            kw.setdefault("messages", parsed.messages())
            return _page(request, session, application, edition, mode, **kw)

    try:
        with database(request).write() as session:
            application, _, _ = opened(request, session, app_id)
            drafts.save_draft(
                session=session, application=application, values=parsed.clean, now=now(request)
            )
    except DomainError as error:
        return again(problem=error.message, status=409)
    if parsed.errors:
        note = (
            Message("Not submitted. Correct the answers marked below, then submit again.")
            if submitting
            else Message(
                "Your draft is saved, except the answers marked below: correct them and save again."
            )
        )
        return again(problem=note, status=400)
    if not submitting:
        flash(request, "Your draft is saved. You can come back to it with your link.")
        return redirect(request, "apply_form", application_id=app_id)
    try:
        with database(request).write() as session:
            application, _, _ = opened(request, session, app_id)
            submissions.submit(
                session=session,
                application=application,
                links=applicant_links(request),
                storage_dir=settings(request).storage_dir,
                now=now(request),
            )
    except submissions.Incomplete as incomplete:
        messages = {**parsed.messages(), **dict(reversed(incomplete.missing))}
        return again(messages=messages, missing=incomplete.missing, status=400)
    except DomainError as error:
        return again(problem=error.message, status=409)
    return redirect(request, "apply_done", application_id=app_id)


@guarded
def done(request: Request) -> Response:
    with database(request).read() as session:
        application, edition, mode = opened(request, session, application_id(request))
        content = drafts.content_of(
            session=session, application=application, kind=ContentKind.submitted
        )
    if content is None:
        return redirect(request, "apply_form", application_id=application.id)
    return render(
        request,
        "apply/done.html",
        {"application": application, "edition": edition, "content": content, "mode": mode.value},
    )


# --------------------------------------------------------------------------- withdraw, delete, revoke


def _confirm(
    request: Request, what: str, problem: Message | None = None, status: int = 200
) -> Response:
    with database(request).read() as session:
        application, edition, _ = opened(request, session, application_id(request))
        content = drafts.current_content(session=session, application=application)
    return render(
        request,
        "apply/confirm.html",
        {
            "what": what,
            "application": application,
            "edition": edition,
            "title": content.title if content else "",
            "problem": problem,
            "allowed": {
                "withdraw": application_links.can_withdraw(application, edition),
                "delete": application_links.can_delete(application),
                "revoke": True,
            }[what],
        },
        status_code=status,
    )


@guarded
def withdraw(request: Request) -> Response:
    if request.method == "GET":
        return _confirm(request, "withdraw")
    form = read_form(request)
    try:
        with database(request).write() as session:
            application, _, _ = opened(request, session, application_id(request))
            submissions.withdraw(
                session=session,
                application=application,
                links=applicant_links(request),
                now=now(request),
                reason=str(form.get("reason", "")),
            )
    except DomainError as error:
        return _confirm(request, "withdraw", error.message, 409)
    flash(request, "Your application is withdrawn. We have sent you a confirmation by e-mail.")
    return redirect(request, "apply_form", application_id=application_id(request))


@guarded
def delete(request: Request) -> Response:
    if request.method == "GET":
        return _confirm(request, "delete")
    read_form(request)
    try:
        with database(request).write() as session:
            application, _, _ = opened(request, session, application_id(request))
            applications.delete_draft(
                session=session,
                application=application,
                storage_dir=settings(request).storage_dir,
                now=now(request),
            )
    except DomainError as error:
        return _confirm(request, "delete", error.message, 409)
    forget(request, application_id(request))
    flash(request, "Your draft is deleted, with its files.")
    return redirect(request, "home")


@guarded
def revoke(request: Request) -> Response:
    if request.method == "GET":
        return _confirm(request, "revoke")
    read_form(request)
    try:
        with database(request).write() as session:
            application, _, _ = opened(request, session, application_id(request))
            applications.revoke_link(
                session=session,
                application=application,
                links=applicant_links(request),
                client=client_of(request),
                now=now(request),
            )
    except DomainError as error:
        return _confirm(request, "revoke", error.message, status_code(error))
    remember(request, application)
    flash(
        request,
        "Your earlier links no longer work. We have e-mailed you a new link; this browser stays "
        "signed in.",
    )
    return redirect(request, "apply_form", application_id=application_id(request))


routes: list[BaseRoute] = [
    Route("/apply", start, methods=["GET", "POST"], name="apply_start"),
    Route("/apply/resend", resend, methods=["GET", "POST"], name="apply_resend"),
    Route("/apply/sent", sent, name="apply_sent"),
    Route("/apply/mine", mine, name="apply_mine"),
    Route("/apply/link/{token}", follow_link, name="apply_link"),
    Route(
        "/apply/{application_id:int}",
        application_page,
        methods=["GET", "POST"],
        name="apply_form",
    ),
    Route("/apply/{application_id:int}/submitted", done, name="apply_done"),
    Route(
        "/apply/{application_id:int}/withdraw",
        withdraw,
        methods=["GET", "POST"],
        name="apply_withdraw",
    ),
    Route(
        "/apply/{application_id:int}/delete", delete, methods=["GET", "POST"], name="apply_delete"
    ),
    Route(
        "/apply/{application_id:int}/new-link",
        revoke,
        methods=["GET", "POST"],
        name="apply_revoke",
    ),
    *apply_files.routes,
]
