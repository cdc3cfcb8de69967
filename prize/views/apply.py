"""The applicant's pages: start, resume links, the form, submission, withdrawal and deletion.

An applicant has no account: a resume link (``/apply/link/<token>``) is exchanged for a session
entry ``[application id, link version]`` and the browser goes on to ``/apply/<id>``. Every page
checks that entry against the application's current link version and state, every time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from email.utils import parseaddr
from typing import Any

from sqlmodel import Session
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from prize import countries, formats
from prize.domain.applicants import applications, drafts, submissions
from prize.domain.applicants import links as application_links
from prize.domain.applicants.links import Access
from prize.domain.editions import editions
from prize.domain.errors import DomainError, NotAllowed
from prize.domain.results import standing
from prize.domain.shared.email_addresses import normalise_email
from prize.forms import application as application_form
from prize.i18n import N_, Message, gettext
from prize.models import Application, ContentKind, Edition
from prize.tokens import LinkError
from prize.views import apply_files
from prize.views.access import Who, route
from prize.views.apply_access import (
    Denied,
    Kept,
    application_id,
    client_of,
    forget,
    opened,
    pairs,
    panel,
    remember,
    status_code,
)
from prize.views.common import (
    CsrfFailed,
    database,
    file_store,
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
from prize.views.refused import recall, refuse

SENT_KEY = "apply_sent"


# --------------------------------------------------------------------------- start, resend


def start(request: Request) -> Response:
    with database(request).read() as session:
        edition = editions.current_call(session=session)
    accepting = edition is not None and editions.accepts_applications(edition, now(request))
    values = {"email": "", "title": "", "language": lang(request)}
    errors = application_form.Messages()
    if request.method == "POST":
        values = application_form.start_fields(read_form(request))
        errors.update(application_form.start_errors(values))  # every refusal at once
        if errors or _start(request, values, errors) != 303:
            return refuse(request, "apply_start", values, errors)
        request.session[SENT_KEY] = ["start", normalise_email(values["email"])]
        return redirect(request, "apply_sent")
    if stash := recall(request, "apply_start"):
        values, errors = {**values, **stash.values}, application_form.Messages(stash.errors)
    return render(
        request,
        "apply/start.html",
        {
            "edition": edition,
            "accepting": accepting,
            "values": values,
            "errors": errors,
        },
    )


def _start(request: Request, values: dict[str, str], errors: dict[str, Message]) -> int:
    """Start the application (303) or put the domain's refusal in ``errors`` (its status)."""
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
        return status_code(error)
    return 303


def resend(request: Request) -> Response:
    values = {"email": ""}
    errors = application_form.Messages()
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
            return refuse(request, "apply_resend", values, {"email": error.message})
        request.session[SENT_KEY] = ["resend", normalise_email(values["email"])]
        return redirect(request, "apply_sent")
    if stash := recall(request, "apply_resend"):
        values, errors = {**values, **stash.values}, application_form.Messages(stash.errors)
    return render(request, "apply/resend.html", {"values": values, "errors": errors})


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
    submitting: bool = False,
    change: bool = False,
    problem: Message | None = None,
    status: int = 200,
) -> Response:
    context = panel(request, session, application, edition, mode)
    context["problem"] = problem
    context["submitting"] = submitting
    context["countdown"] = _countdown(application, edition, mode, now(request))
    context["changes"] = (
        [
            drafts.label_of(name)
            for name in drafts.differences(session=session, application=application)
        ]
        if context["revision"]
        else []
    )
    content = context["content"]
    submitted_only = content is not None and content.kind is ContentKind.submitted
    if typed is None and (mode is not Access.edit or (submitted_only and not change)):
        context["can_change"] = mode is Access.edit
        return render(request, "apply/view.html", context, status_code=status)
    eligible = sorted(edition.eligible_countries)
    context.update(
        typed=application_form.Typed(
            typed if typed is not None else application_form.initial(content)
        ),
        messages=application_form.Messages(
            messages if messages is not None else application_form.word_warnings(content)
        ),
        countries=countries.choices(tuple(eligible), lang(request)),
        limits=drafts.WORD_LIMITS,
        areas=drafts.INVOLVEMENT_AREAS,
        link_count=drafts.MAX_LINKS,
    )
    return render(request, "apply/form.html", context, status_code=status)


def deadline_passed(request: Request, edition: Edition) -> Message:
    """Why a change after the deadline was not kept, and how to ask for a late acceptance."""
    return Message(
        N_(
            "Not saved: the deadline passed at %(time)s (Paris time) on %(day)s. What you sent is "
            "shown below so that you can copy it. To ask the secretariat to accept your "
            "application late, write to %(address)s with your project's title and the reason."
        ),
        {
            "time": formats.When(edition.deadline, "clock"),
            "day": formats.When(formats.last_minute(edition.deadline), "day"),
            "address": settings(request).contact_email or parseaddr(settings(request).mail_from)[1],
        },
    )


def _countdown(application: Application, edition: Edition, mode: Access, at: datetime) -> str:
    """The deadline banner: "day" within its last 24 hours, "hour" within its last hour (the
    time left then counts down), "" otherwise or when the deadline does not apply."""
    if mode is not Access.edit or application.status.value == "returned" or at >= edition.deadline:
        return ""
    left = edition.deadline - at
    return "hour" if left <= timedelta(hours=1) else "day" if left <= timedelta(hours=24) else ""


def _refusal(request: Request, app_id: int, error: DomainError) -> Message:
    """Why a change was not kept: after the deadline, when it passed and what to do."""
    with database(request).read() as session:
        application, edition, _ = opened(request, session, app_id)
    if drafts.closed_by_deadline(application, edition, now(request)):
        return deadline_passed(request, edition)
    return error.message


def application_page(request: Request) -> Response:
    app_id = application_id(request)
    if request.method == "GET":
        stash = recall(request, "apply_form")
        with database(request).read() as session:
            application, edition, mode = opened(request, session, app_id)
            if stash is None:
                return _page(request, session, application, edition, mode)
            return _page(
                request, session, application, edition, mode,
                typed=None if stash.extra.get("stored") else stash.values,
                messages=stash.errors or None, problem=stash.problem,
                submitting=bool(stash.extra.get("submitting")),
                change=bool(stash.extra.get("change")),
            )  # fmt: skip

    form = read_form(request, max_part_size=512 * 1024)
    with database(request).read() as session:
        try:
            application, edition, mode = opened(request, session, app_id)
        except Denied:
            raise CsrfFailed(form) from None  # signed out while typing: offer to send it again
        parsed = application_form.parse(
            form,
            eligible=edition.eligible_countries,
            today=now(request).date(),
            language=lang(request),
        )
    action = str(form.get("action", "save"))

    def again(**kw: Any) -> Response:
        kw.setdefault("typed", parsed.values)
        kw.setdefault("messages", application_form.in_page_order(parsed.messages()))
        return _refused(request, app_id, **kw)

    try:
        with database(request).write() as session:
            application, edition, _ = opened(request, session, app_id)
            drafts.save_draft(
                session=session, application=application, values=parsed.clean, now=now(request)
            )
    except NotAllowed as error:
        return again(problem=_refusal(request, app_id, error))
    except DomainError as error:
        return again(problem=error.message)
    if action in ("submit", "check"):
        return _submit(request, app_id, parsed, again, check=action == "check")
    if parsed.errors:
        note = (
            N_("Your draft is saved, except the answers marked below: correct them, then go on "
               "to the files page.")
            if action == "files"
            else N_("Your draft is saved, except the answers marked below: correct them and "
                    "save again.")
        )  # fmt: skip
        return again(problem=Message(note))
    if action == "files":
        return redirect(request, "apply_files", application_id=app_id)
    flash(request, "Your draft is saved. You can come back to it with your link.")
    return redirect(request, "apply_form", application_id=app_id)


def _refused(
    request: Request,
    app_id: int,
    *,
    typed: dict[str, Any] | None = None,
    messages: dict[str, Message] | None = None,
    problem: Message | None = None,
    submitting: bool = False,
    change: bool = False,
) -> Response:
    """Back to the form (303) with what was refused: ``typed`` None shows what is stored."""
    return refuse(
        request, "apply_form", typed or {}, messages, problem=problem,
        to=request.url_for("apply_form", application_id=app_id).path,
        stored=typed is None, submitting=submitting, change=change,
    )  # fmt: skip


def _submit(
    request: Request,
    app_id: int,
    parsed: application_form.ApplicationInput,
    again: Callable[..., Response],
    *,
    check: bool = False,
) -> Response:
    """Submit what was just saved, or show every refusal at once: the answers typed in a wrong
    format and the parts missing from the draft, in the page's order, one message per field."""
    if parsed.errors or check:
        with database(request).read() as session:
            application, edition, _ = opened(request, session, app_id)
            draft = drafts.current_content(session=session, application=application)
            missing = (
                submissions.missing_parts(draft, edition, now(request).date()) if draft else []
            )
        messages = application_form.in_page_order(parsed.errors, missing, parsed.warnings)
        if check and not messages:
            return redirect(request, "apply_check", application_id=app_id)
        return again(messages=messages, submitting=True)
    try:
        _submit_draft(request, app_id)
    except submissions.Incomplete as incomplete:
        messages = application_form.in_page_order(incomplete.missing, parsed.warnings)
        return again(messages=messages, submitting=True)
    except DomainError as error:
        return again(problem=error.message)
    return redirect(request, "apply_done", application_id=app_id)


def _submit_draft(request: Request, app_id: int) -> None:
    """Submit what is stored (``submissions.submit``'s refusals pass through)."""
    with database(request).write() as session:
        application, _, _ = opened(request, session, app_id)
        submissions.submit(
            session=session,
            application=application,
            links=applicant_links(request),
            store=file_store(request),
            now=now(request),
        )


def _answer(request: Request, status: int, message: Message, **extra: Any) -> JSONResponse:
    return JSONResponse(
        {"message": gettext(lang(request), message), **extra},
        status_code=status,
        headers={"Cache-Control": "no-store"},
    )


def autosave(request: Request) -> Response:
    """The JSON twin of "Save draft", called by static/js/apply.js as the applicant types: the
    whole form each time, stored as "Save draft" stores it (what is well formed)."""
    app_id = application_id(request)
    language = lang(request)
    try:
        with database(request).read() as session:
            application, edition, _ = opened(request, session, app_id)
    except Denied:
        return _answer(
            request, 401, Message(N_("You are signed out: open your link again.")), saved=False
        )
    form = read_form(request, max_part_size=512 * 1024)
    parsed = application_form.parse(
        form, eligible=edition.eligible_countries, today=now(request).date(), language=language
    )
    try:
        with database(request).write() as session:
            application, edition, _ = opened(request, session, app_id)
            drafts.save_draft(
                session=session, application=application, values=parsed.clean, now=now(request)
            )
    except Denied:
        return _answer(
            request, 401, Message(N_("You are signed out: open your link again.")), saved=False
        )
    except NotAllowed as error:
        return _answer(request, 409, _refusal(request, app_id, error), saved=False, closed=True)
    errors = {k: gettext(language, v) for k, v in parsed.errors.items()}
    clock = formats.clock(now(request), language)
    if errors:
        return _answer(
            request,
            200,
            Message(N_("Saved at %(time)s, except the answers marked"), {"time": clock}),
            saved=True,
            errors=errors,
        )
    return _answer(
        request, 200, Message(N_("Saved at %(time)s"), {"time": clock}), saved=True, errors={}
    )


def change(request: Request) -> Response:
    """The form itself, for a submitted application: changing it is a step of its own."""
    with database(request).read() as session:
        application, edition, mode = opened(request, session, application_id(request))
        return _page(request, session, application, edition, mode, change=True)


def check(request: Request) -> Response:
    """Check your answers: the application as the jury reads it, then the submit button."""
    app_id = application_id(request)
    if request.method == "POST":
        read_form(request)
        try:
            _submit_draft(request, app_id)
        except submissions.Incomplete as incomplete:
            messages = application_form.in_page_order(incomplete.missing)
            return _refused(request, app_id, messages=messages, submitting=True, change=True)
        except DomainError as error:
            return _refused(request, app_id, problem=_refusal(request, app_id, error))
        return redirect(request, "apply_done", application_id=app_id)
    with database(request).read() as session:
        application, edition, mode = opened(request, session, app_id)
        if mode is not Access.edit:
            return redirect(request, "apply_form", application_id=app_id)
        context = panel(request, session, application, edition, mode)
    return render(request, "apply/check.html", context)


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


def _confirm(request: Request, what: str) -> Response:
    stash = recall(request, f"apply_{what}")
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
            "problem": stash.problem if stash else None,
            "values": stash.values if stash else {},
            "allowed": {
                "withdraw": application_links.can_withdraw(application, edition),
                "delete": application_links.can_delete(application),
                "revoke": True,
                "discard": drafts.has_revision(session=session, application=application),
            }[what],
        },
    )


def _asked_first(
    request: Request,
    action: str,
    act: Callable[[Session, Application, FormData], object],
    done: str,
) -> Response | None:
    """One applicant action behind its confirmation page: GET shows the page, POST does it. The
    response when it is not done (the page, or the page again with the refusal); None when done."""
    if request.method == "GET":
        return _confirm(request, action)
    form = read_form(request)
    try:
        with database(request).write() as session:
            application, _, _ = opened(request, session, application_id(request))
            act(session, application, form)
    except DomainError as error:
        return refuse(request, f"apply_{action}", form, {}, problem=error.message)
    flash(request, done)
    return None


def withdraw(request: Request) -> Response:
    refused = _asked_first(
        request,
        "withdraw",
        lambda session, application, form: submissions.withdraw(
            session=session,
            application=application,
            links=applicant_links(request),
            now=now(request),
            reason=str(form.get("reason", "")),
        ),
        N_("Your application is withdrawn. We have sent you a confirmation by e-mail."),
    )
    return refused or redirect(request, "apply_form", application_id=application_id(request))


def delete(request: Request) -> Response:
    refused = _asked_first(
        request,
        "delete",
        lambda session, application, form: applications.delete_draft(
            session=session, application=application, store=file_store(request), now=now(request)
        ),
        N_("Your draft is deleted, with its files."),
    )
    if refused is not None:
        return refused
    forget(request, application_id(request))
    return redirect(request, "home")


def discard(request: Request) -> Response:
    """Drop a revision not resubmitted: the submitted version stands as it was."""
    refused = _asked_first(
        request,
        "discard",
        lambda session, application, form: submissions.discard_revision(
            session=session, application=application, store=file_store(request), now=now(request)
        ),
        N_("Your changes are discarded: your submitted application stands as it was."),
    )
    return refused or redirect(request, "apply_form", application_id=application_id(request))


def revoke(request: Request) -> Response:
    if request.method == "GET":
        return _confirm(request, "revoke")
    form = read_form(request)
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
        return refuse(request, "apply_revoke", form, {}, problem=error.message)
    remember(request, application)
    flash(
        request,
        "Your earlier links no longer work. We have e-mailed you a new link; this browser stays "
        "signed in.",
    )
    return redirect(request, "apply_form", application_id=application_id(request))


routes: list[BaseRoute] = [
    route("/apply", start, methods=["GET", "POST"], access=Who.public, name="apply_start"),
    route("/apply/resend", resend, methods=["GET", "POST"], access=Who.public, name="apply_resend"),
    route("/apply/sent", sent, access=Who.public, name="apply_sent"),
    route("/apply/mine", mine, access=Who.public, name="apply_mine"),
    route("/apply/link/{token}", follow_link, access=Who.public, name="apply_link"),
    route(
        "/apply/{application_id:int}",
        application_page,
        methods=["GET", "POST"],
        access=Who.applicant,
        name="apply_form",
    ),
    route(
        "/apply/{application_id:int}/save",
        autosave,
        methods=["POST"],
        access=Who.applicant,
        name="apply_autosave",
    ),
    route("/apply/{application_id:int}/change", change, access=Who.applicant, name="apply_change"),
    route(
        "/apply/{application_id:int}/check",
        check,
        methods=["GET", "POST"],
        access=Who.applicant,
        name="apply_check",
    ),
    route("/apply/{application_id:int}/submitted", done, access=Who.applicant, name="apply_done"),
    route(
        "/apply/{application_id:int}/withdraw",
        withdraw,
        methods=["GET", "POST"],
        access=Who.applicant,
        name="apply_withdraw",
    ),
    route(
        "/apply/{application_id:int}/delete",
        delete,
        methods=["GET", "POST"],
        access=Who.applicant,
        name="apply_delete",
    ),
    route(
        "/apply/{application_id:int}/discard",
        discard,
        methods=["GET", "POST"],
        access=Who.applicant,
        name="apply_discard",
    ),
    route(
        "/apply/{application_id:int}/new-link",
        revoke,
        methods=["GET", "POST"],
        access=Who.applicant,
        name="apply_revoke",
    ),
    *apply_files.routes,
]
