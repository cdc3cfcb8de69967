"""The applicant's pages: start, resume links, the form, submission, withdrawal and deletion.

An applicant has no account: a resume link (``/apply/link/<token>``) is exchanged for a session
entry ``[application id, link version, link secret]`` and the browser goes on to ``/apply/<id>``.
The applicant's gate (``access``) checks that entry against the application's current link and
state on every page, and hands the view its application (``current_applicant``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute

from prize import countries, formats
from prize.domain.applicants import applications, drafts, sections, submissions
from prize.domain.applicants import links as application_links
from prize.domain.applicants.links import Access
from prize.domain.editions import editions
from prize.domain.errors import DomainError, NotAllowed
from prize.domain.results import standing
from prize.domain.shared.email_addresses import normalise_email
from prize.forms import application as application_form
from prize.i18n import N_, Message, gettext
from prize.models import Application, ContentKind, Edition, pk
from prize.tokens import LinkError
from prize.views import apply_files
from prize.views.access import (
    Kept,
    Refusal,
    Who,
    applicant_refused,
    current_applicant,
    forget,
    kept_links,
    route,
)
from prize.views.apply_access import client_of, holds, panel, remember, status_code
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
    secretariat_address,
    signer,
)
from prize.views.errors import link_error
from prize.views.links import applicant_links
from prize.views.refused import recall, refuse

SENT_KEY = "apply_sent"
# Saved, but an answer breaks a rule of the call (a start date to come, a word limit passed).
BROKEN_RULES = N_(
    "Your draft is saved, but the answers marked below keep your application from being "
    "submitted: correct them before you submit."
)
NOTHING_TO_SUBMIT = N_(
    "Your application is submitted, and nothing has changed since: there is nothing to submit."
)


# --------------------------------------------------------------------------- start, resend


def start(request: Request) -> Response:
    """Start an application: the new draft opens at once in this browser, and its link is
    e-mailed as the way back (opening it confirms the address). The same start sent again
    opens the draft only in the browser that made it; elsewhere it says to check the e-mail."""
    with database(request).read() as session:
        edition = editions.current_call(session=session)
    accepting = edition is not None and editions.accepts_applications(edition, now(request))
    values = {"email": "", "title": "", "language": lang(request)}
    errors = application_form.Messages()
    if request.method == "POST":
        values = application_form.start_fields(read_form(request))
        errors.update(application_form.start_errors(values))  # every refusal at once
        started = _start(request, values, errors) if not errors else 400
        if isinstance(started, int):
            return refuse(request, "apply_start", values, errors)
        application = started.application
        if started.new or holds(request, pk(application)):
            remember(request, application)
            flash(
                request,
                N_(
                    "Your application is started. We have e-mailed its link to %(email)s: "
                    "it is your way back to it."
                ),
                email=application.email,
            )
            return redirect(request, "apply_tasks", application_id=pk(application))
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


def _start(
    request: Request, values: dict[str, str], errors: dict[str, Message]
) -> applications.Started | int:
    """Start the application, or put the domain's refusal in ``errors`` (its status)."""
    try:
        with database(request).write() as session:
            return applications.start(
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
    """Open an e-mailed link: this browser may open the application, and the address it was
    sent to is confirmed. An application being edited opens on its task list."""
    token = str(request.path_params["token"])
    try:
        with database(request).write() as session:
            application = application_links.open_link(
                session=session, signer=signer(request), token=token, now=now(request)
            )
            confirmed = applications.confirm_email(
                session=session, application=application, now=now(request)
            )
            edition = session.get_one(Edition, application.edition_id)
            mode = application_links.access(application, edition, now(request))
            draft = drafts.content_of(
                session=session, application=application, kind=ContentKind.draft
            )
            editing = mode is Access.edit and draft is not None
    except LinkError as error:
        return link_error(request, error, kind="application")
    remember(request, application)
    if confirmed:  # the first time only
        flash(request, N_("Your e-mail address is confirmed."))
    home = "apply_tasks" if editing else "apply_form"
    return redirect(request, home, application_id=application.id)


def mine(request: Request) -> Response:
    kept = kept_links(request)
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
    checking: bool = False,
    change: bool = False,
    problem: Message | None = None,
    status: int = 200,
) -> Response:
    context = panel(request, session, application, edition, mode)
    context["problem"] = problem
    context["submitting"] = submitting
    context["checking"] = checking  # on the way to the check page, not submitting yet
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
    context.update(_fields_context(request, edition, content, typed, messages))
    context["files_then"] = "form"  # the files page leads back here
    return render(request, "apply/form.html", context, status_code=status)


def _fields_context(
    request: Request,
    edition: Edition,
    content: Any,
    typed: dict[str, Any] | None,
    messages: dict[str, Message] | None,
    only: tuple[str, ...] | None = None,
) -> dict[str, Any]:
    """What the form's fields show: the answers as typed (else as stored), their messages
    (else the rules the stored answers break: a word limit, a start date to come), and the lists
    they choose from. ``only``: the fields of one section, whose messages alone are shown."""
    shown = (
        messages
        if messages is not None
        else application_form.in_page_order(
            sections.problems(content, edition, now(request).date())
        )
    )
    if only is not None:
        shown = {k: v for k, v in shown.items() if k in only}
    return {
        "typed": application_form.Typed(
            typed if typed is not None else application_form.initial(content)
        ),
        "messages": application_form.Messages(shown),
        "countries": countries.choices(tuple(sorted(edition.eligible_countries)), lang(request)),
        "limits": drafts.WORD_LIMITS,
        "areas": drafts.INVOLVEMENT_AREAS,
        "link_count": drafts.MAX_LINKS,
    }


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
            "address": secretariat_address(request),
        },
    )


def _countdown(application: Application, edition: Edition, mode: Access, at: datetime) -> str:
    """The deadline banner: "day" within its last 24 hours, "hour" within its last hour (the
    time left then counts down), "" otherwise or when the deadline does not apply."""
    if mode is not Access.edit or application.status.value == "returned" or at >= edition.deadline:
        return ""
    left = edition.deadline - at
    return "hour" if left <= timedelta(hours=1) else "day" if left <= timedelta(hours=24) else ""


def _refusal(request: Request, error: DomainError) -> Message:
    """Why a change was not kept: after the deadline, when it passed and what to do."""
    opened = current_applicant(request)
    if drafts.closed_by_deadline(opened.application, opened.edition, now(request)):
        return deadline_passed(request, opened.edition)
    return error.message


def _show(request: Request, **kw: Any) -> Response:
    """The application's page (the form, or what was sent), read afresh after a change."""
    with database(request).read() as session:
        application, edition, mode = current_applicant(request).reopen(session, request)
        return _page(request, session, application, edition, mode, **kw)


def _save(request: Request, values: dict[str, Any]) -> list[tuple[str, Message]]:
    """Store the well-formed answers; the rules the answers now stored break, by form field
    (``sections.problems``), to show beside their fields."""
    with database(request).write() as session:
        application, edition, _ = current_applicant(request).reopen(session, request)
        content = drafts.save_draft(
            session=session, application=application, values=values, now=now(request)
        )
        return sections.problems(content, edition, now(request).date())


def _typing_refused(request: Request, refusal: Refusal) -> Response:
    """Signed out while typing (or the link died meanwhile): what was typed is offered to be
    sent again, on the page that says so; a GET gets the gate's page."""
    if request.method == "POST":
        raise CsrfFailed(read_form(request, max_part_size=512 * 1024))
    return applicant_refused(request, refusal)


def application_page(request: Request) -> Response:
    opened = current_applicant(request)
    app_id = opened.application_id
    if request.method == "GET":
        stash = recall(request, "apply_form")
        with database(request).read() as session:
            if stash is None:
                return _page(request, session, opened.application, opened.edition, opened.mode)
            return _page(
                request, session, opened.application, opened.edition, opened.mode,
                typed=None if stash.extra.get("stored") else stash.values,
                messages=stash.errors or None, problem=stash.problem,
                submitting=bool(stash.extra.get("submitting")),
                checking=bool(stash.extra.get("checking")),
                change=bool(stash.extra.get("change")),
            )  # fmt: skip

    form = read_form(request, max_part_size=512 * 1024)
    parsed = application_form.parse(
        form,
        eligible=opened.edition.eligible_countries,
        today=now(request).date(),
        language=lang(request),
    )
    action = str(form.get("action", "save"))

    def again(**kw: Any) -> Response:
        kw.setdefault("typed", parsed.values)
        kw.setdefault("messages", application_form.in_page_order(parsed.messages()))
        return _refused(request, app_id, **kw)

    try:
        broken = _save(request, parsed.clean)
    except NotAllowed as error:
        return again(problem=_refusal(request, error))
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
        messages = application_form.in_page_order(parsed.errors, broken)
        return again(problem=Message(note), messages=messages)
    if action == "files":  # and back to the form from there
        path = request.url_for("apply_files", application_id=app_id).path
        return RedirectResponse(f"{path}?then=form", status_code=303)
    if broken:  # shown beside their fields on the form the browser goes back to
        flash(request, BROKEN_RULES)
    else:
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
    checking: bool = False,
    change: bool = False,
) -> Response:
    """Back to the form (303) with what was refused: ``typed`` None shows what is stored;
    ``submitting`` after a submit, ``checking`` on the way to the check page."""
    return refuse(
        request, "apply_form", typed or {}, messages, problem=problem,
        to=request.url_for("apply_form", application_id=app_id).path,
        stored=typed is None, submitting=submitting, checking=checking, change=change,
    )  # fmt: skip


def _submit(
    request: Request,
    app_id: int,
    parsed: application_form.ApplicationInput,
    again: Callable[..., Response],
    *,
    check: bool = False,
) -> Response:
    """Submit what was just saved, or show every refusal at once: the address not confirmed yet
    (above the form), the answers typed in a wrong format and the parts missing from the draft,
    in the page's order, one message per field."""
    if parsed.errors or check:
        with database(request).read() as session:
            application, edition, _ = current_applicant(request).reopen(session, request)
            draft = drafts.current_content(session=session, application=application)
            missing = (
                submissions.missing_parts(draft, edition, now(request).date()) if draft else []
            )
        messages = application_form.in_page_order(parsed.errors, missing, parsed.warnings)
        if check and not messages:
            return redirect(request, "apply_check", application_id=app_id)
        refusal = None if check else applications.unconfirmed(application)
        problem = refusal.message if refusal is not None else None
        return again(messages=messages, submitting=True, checking=check, problem=problem)
    try:
        _submit_draft(request)
    except submissions.Incomplete as incomplete:
        messages = application_form.in_page_order(incomplete.missing, parsed.warnings)
        return again(messages=messages, submitting=True)
    except applications.Unconfirmed as refusal:
        messages = application_form.in_page_order(refusal.missing, parsed.warnings)
        return again(messages=messages, submitting=True, problem=refusal.message)
    except DomainError as error:
        return again(problem=error.message)
    return redirect(request, "apply_done", application_id=app_id)


def _submit_draft(request: Request) -> None:
    """Submit what is stored, from a confirmed address only (``submissions.submit``'s refusals
    pass through)."""
    with database(request).write() as session:
        application, _, _ = current_applicant(request).reopen(session, request)
        submissions.submit(
            session=session,
            application=application,
            links=applicant_links(request),
            store=file_store(request),
            now=now(request),
            confirmed_only=True,
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
    language = lang(request)
    form = read_form(request, max_part_size=512 * 1024)
    parsed = application_form.parse(
        form,
        eligible=current_applicant(request).edition.eligible_countries,
        today=now(request).date(),
        language=language,
    )
    section = sections.BY_KEY.get(str(form.get("section", "")))
    if section is not None:
        parsed = application_form.within(parsed, fields=section.fields, stored=section.stored)
    try:
        broken = _save(request, parsed.clean)
    except NotAllowed as error:
        return _answer(request, 409, _refusal(request, error), saved=False, closed=True)
    if section is not None:
        broken = [(name, message) for name, message in broken if name in section.fields]
    shown = application_form.in_page_order(parsed.errors, broken)
    errors = {k: gettext(language, v) for k, v in shown.items()}
    clock = formats.clock(now(request), language)
    if parsed.errors:
        said = N_("Saved at %(time)s, except the answers marked")
    elif broken:  # stored, but a rule keeps them from being submitted: beside their fields
        said = N_(
            "Saved at %(time)s. The answers marked keep your application from being submitted."
        )
    else:
        said = N_("Saved at %(time)s")
    return _answer(request, 200, Message(said, {"time": clock}), saved=True, errors=errors)


def _signed_out(request: Request, refusal: Refusal) -> Response:
    """The autosave's answer to a browser the gate turned away (a script reads it)."""
    return _answer(
        request, 401, Message(N_("You are signed out: open your link again.")), saved=False
    )


def change(request: Request) -> Response:
    """The form itself, for a submitted application: changing it is a step of its own."""
    opened = current_applicant(request)
    with database(request).read() as session:
        return _page(request, session, opened.application, opened.edition, opened.mode, change=True)


def check(request: Request) -> Response:
    """Check your answers: the application as the jury reads it, then the submit button."""
    opened = current_applicant(request)
    app_id = opened.application_id
    if request.method == "POST":
        read_form(request)
        try:
            _submit_draft(request)
        except submissions.Incomplete as incomplete:
            messages = application_form.in_page_order(incomplete.missing)
            return _refused(request, app_id, messages=messages, submitting=True, change=True)
        except applications.Unconfirmed as refusal:
            messages = application_form.in_page_order(refusal.missing)
            return _refused(
                request, app_id, messages=messages, problem=refusal.message,
                submitting=True, change=True,
            )  # fmt: skip
        except DomainError as error:
            return _refused(request, app_id, problem=_refusal(request, error))
        return redirect(request, "apply_done", application_id=app_id)
    if opened.mode is not Access.edit:
        return redirect(request, "apply_form", application_id=app_id)
    with database(request).read() as session:
        if drafts.nothing_to_submit(session=session, application=opened.application):
            flash(request, NOTHING_TO_SUBMIT)  # Back after submitting, or an old tab
            return redirect(request, "apply_form", application_id=app_id)
        context = panel(request, session, opened.application, opened.edition, opened.mode)
    context.update(section_of=sections.section_of)  # each answer's "Change" link
    return render(request, "apply/check.html", context)


def done(request: Request) -> Response:
    application, edition, mode = current_applicant(request)
    with database(request).read() as session:
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


# --------------------------------------------------------------------------- task list, sections


def tasks(request: Request) -> Response:
    """The application's home while it is edited: each section with its state (GOV.UK task
    list), the way to check and submit, and the whole form on one page for who prefers it."""
    opened = current_applicant(request)
    application, edition, mode = opened
    if mode is not Access.edit:
        return redirect(request, "apply_form", application_id=opened.application_id)
    with database(request).read() as session:
        context = panel(request, session, application, edition, mode)
        unchanged = drafts.nothing_to_submit(session=session, application=application)
    items = sections.tasks(
        context["content"], edition, now(request).date(), files=len(context["files"])
    )
    context.update(
        tasks=items,
        ready=sections.all_complete(items),
        nothing_to_submit=unchanged,
        done_count=sum(t.state is sections.State.complete for t in items),
        countdown=_countdown(application, edition, mode, now(request)),
    )
    return render(request, "apply/tasks.html", context)


def section_page(request: Request) -> Response:
    """One section of the form on its own page: saved as the whole form is (autosave, "Save
    and continue"), its refusals in its own error summary; then back to the task list, or to
    the check-your-answers page when its "Change" link opened the section (``?then=check``)."""
    app_id = current_applicant(request).application_id
    section = sections.BY_KEY.get(str(request.path_params["section"]))
    if section is None:
        return render(request, "errors/http.html", {"status": 404}, status_code=404)
    then_check = request.query_params.get("then") == "check"
    here = request.url.path + ("?then=check" if then_check else "")
    back_to = "apply_check" if then_check else "apply_tasks"

    def page(**kw: Any) -> Response:
        with database(request).read() as session:
            application, edition, mode = current_applicant(request).reopen(session, request)
            if mode is not Access.edit and kw.get("typed") is None:  # a refusal shows the typing
                return redirect(request, "apply_form", application_id=app_id)
            context = panel(request, session, application, edition, mode)
        context.update(
            _fields_context(
                request,
                edition,
                context["content"],
                kw.get("typed"),
                kw.get("messages"),
                only=section.fields,
            ),
            section=section,
            problem=kw.get("problem"),
            here=here,
            back_to=back_to,
        )
        return render(request, "apply/section.html", context)

    kept_as = f"apply_section:{section.key}"
    if request.method == "GET":
        if stash := recall(request, kept_as):
            return page(typed=stash.values, messages=stash.errors or None, problem=stash.problem)
        return page()
    form = read_form(request, max_part_size=512 * 1024)
    parsed = application_form.within(
        application_form.parse(
            form,
            eligible=current_applicant(request).edition.eligible_countries,
            today=now(request).date(),
            language=lang(request),
        ),
        fields=section.fields,
        stored=section.stored,
    )
    messages = application_form.in_page_order(parsed.messages())
    try:
        broken = _save(request, parsed.clean)
    except NotAllowed as error:
        return refuse(
            request, kept_as, parsed.values, messages, problem=_refusal(request, error), to=here
        )
    except DomainError as error:
        return refuse(request, kept_as, parsed.values, messages, problem=error.message, to=here)
    broken = [(name, message) for name, message in broken if name in section.fields]
    if parsed.errors or broken:  # saved, but not as it must be to submit: say so, by the fields
        note = (
            N_("Your draft is saved, except the answers marked below: correct them and save again.")
            if parsed.errors
            else BROKEN_RULES
        )
        messages = application_form.in_page_order(parsed.errors, broken)
        return refuse(request, kept_as, parsed.values, messages, to=here, problem=Message(note))
    flash(request, N_("%(section)s: saved."), section=Message(section.title))
    return redirect(request, back_to, application_id=app_id)


def send_link(request: Request) -> Response:
    """E-mail the application's link again, to confirm the address with it."""
    app_id = current_applicant(request).application_id
    read_form(request)
    try:
        with database(request).write() as session:
            application, _, _ = current_applicant(request).reopen(session, request)
            applications.send_link_again(
                session=session,
                application=application,
                links=applicant_links(request),
                client=client_of(request),
                now=now(request),
            )
            email = application.email
    except DomainError as error:
        flash(request, error.message)
    else:
        flash(request, N_("We have sent the link again to %(email)s."), email=email)
    return redirect(request, "apply_tasks", application_id=app_id)


# --------------------------------------------------------------------------- withdraw, delete, revoke


def _confirm(request: Request, what: str) -> Response:
    stash = recall(request, f"apply_{what}")
    application, edition, _ = current_applicant(request)
    with database(request).read() as session:
        content = drafts.current_content(session=session, application=application)
        revision = drafts.has_revision(session=session, application=application)
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
                "discard": revision,
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
            application, _, _ = current_applicant(request).reopen(session, request)
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
    return refused or redirect(
        request, "apply_form", application_id=current_applicant(request).application_id
    )


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
    forget(request, current_applicant(request).application_id)
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
    return refused or redirect(
        request, "apply_form", application_id=current_applicant(request).application_id
    )


def revoke(request: Request) -> Response:
    if request.method == "GET":
        return _confirm(request, "revoke")
    form = read_form(request)
    try:
        with database(request).write() as session:
            application, _, _ = current_applicant(request).reopen(session, request)
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
    return redirect(request, "apply_form", application_id=current_applicant(request).application_id)


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
        refused=_typing_refused,
    ),
    route(
        "/apply/{application_id:int}/save",
        autosave,
        methods=["POST"],
        access=Who.applicant,
        name="apply_autosave",
        refused=_signed_out,
    ),
    route("/apply/{application_id:int}/change", change, access=Who.applicant, name="apply_change"),
    route("/apply/{application_id:int}/tasks", tasks, access=Who.applicant, name="apply_tasks"),
    route(
        "/apply/{application_id:int}/section/{section}",
        section_page,
        methods=["GET", "POST"],
        access=Who.applicant,
        name="apply_section",
        refused=_typing_refused,
    ),
    route(
        "/apply/{application_id:int}/send-link",
        send_link,
        methods=["POST"],
        access=Who.applicant,
        name="apply_send_link",
    ),
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
