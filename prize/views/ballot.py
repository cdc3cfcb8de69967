"""The juror's ballot: the list, an application read in full and scored (plain posts and the
JSON autosave), files, submitting and the receipt. The juror's gate (``access``) hands each view
its juror; the link is in ``ballot_access``, the first steps in ``ballot_onboarding``.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from sqlmodel import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute

from prize import formats
from prize.domain.applicants import attachments
from prize.domain.editions.criteria import criteria_of
from prize.domain.errors import DomainError, NotAllowed, NotFound
from prize.domain.jury import ballots, panel, scoring
from prize.domain.shared import outbox
from prize.forms import ballot as forms
from prize.i18n import N_, Message, gettext
from prize.models import Application, Edition, Round, pk
from prize.tokens import LinkError
from prize.views.access import Refusal, Who, current_juror, route
from prize.views.ballot_access import open_link, sign_out, signed_out
from prize.views.ballot_onboarding import declare_conflicts, welcome
from prize.views.common import (
    database,
    file_store,
    flash,
    lang,
    now,
    read_form,
    redirect,
    render,
    secretariat_address,
    settings,
)
from prize.views.refused import recall, refuse

# --------------------------------------------------------------------------- the ballot


def home(request: Request) -> Response:
    juror, edition = current_juror(request)
    with database(request).read() as session:
        step = panel.next_step(juror, edition)
        if step == "welcome":
            return redirect(request, "ballot_welcome")
        if step == "conflicts":
            return redirect(request, "ballot_conflicts")
        round_, editable = ballots.phase(edition, now(request))
        view = (
            ballots.ballot_view(
                session=session, juror=juror, edition=edition, round_=round_, titles_only=True
            )
            if round_ is not None
            else None
        )
        conflicted = (
            ballots.conflicted_titles(session=session, edition=edition, round_=round_, juror=juror)
            if round_ is not None
            else []
        )
        missed_first = panel.missed_first_round(session=session, juror=juror)
    template = "ballot/home.html" if editable else "ballot/waiting.html"
    return render(
        request,
        template,
        {
            "juror": juror,
            "edition": edition,
            "view": view,
            "round": round_,
            "conflicted": conflicted,
            "missed_first": missed_first,
        },
    )


def _not_on_ballot(request: Request, session: Session, view: ballots.BallotView) -> Response:
    """A project the ballot does not hold (a conflict declared since, an old tab, an address
    typed wrong): a ballot page that says so and leads back to the ballot."""
    reference = request.path_params["reference"]
    conflicted = ballots.conflicted_titles(
        session=session, edition=view.edition, round_=view.round, juror=view.juror
    )
    return render(
        request,
        "ballot/not_on_ballot.html",
        {
            "juror": view.juror,
            "edition": view.edition,
            "conflict": any(a.reference == reference for a, _ in conflicted),
        },
        status_code=404,
    )


def application(request: Request) -> Response:
    reference = request.path_params["reference"]
    juror, edition = current_juror(request)
    with database(request).read() as session:
        if panel.next_step(juror, edition) is not None:
            return redirect(request, "ballot_home")
        round_, editable = ballots.phase(edition, now(request))
        if round_ is None:
            return redirect(request, "ballot_home")
        view = ballots.ballot_view(session=session, juror=juror, edition=edition, round_=round_)
        item = view.item(reference)
        if item is None:
            return _not_on_ballot(request, session, view)
        files = attachments.submitted_files(session=session, application=item.application)
    context: dict[str, Any] = {
        "juror": juror,
        "edition": edition,
        "view": view,
        "item": item,
        "files": files,
        "editable": editable and not view.submitted,
        "typed": {},
        "errors": {},
        "problem": None,
    }
    if request.method == "POST":
        form = read_form(request)
        parsed = forms.parse_scores(
            form,
            criteria=[pk(c) for c in view.criteria],
            scale_min=edition.scale_min,
            scale_max=edition.scale_max,
            partial=False,
        )
        errors: dict[str, Message] = dict(parsed.errors)
        problem, partly_saved = None, False
        try:
            _save(request, item, parsed)
        except DomainError as error:
            if error.field:
                errors[error.field] = error.message
            else:
                problem = error.message
        else:
            if not parsed.errors:
                return _after_save(request, reference, bool(form.get("next")))
            partly_saved = parsed.anything
        return refuse(
            request, f"ballot_application:{reference}", parsed.typed, errors, problem=problem,
            to=f"{request.url.path}#scores", partly_saved=partly_saved,
        )  # fmt: skip
    if stash := recall(request, f"ballot_application:{reference}"):
        context.update(typed=stash.values, errors=stash.errors, problem=stash.problem)
        context["partly_saved"] = bool(stash.extra.get("partly_saved"))
    return render(request, "ballot/application.html", context)


def _save(request: Request, item: ballots.Item, parsed: forms.ScoresInput) -> None:
    if not parsed.anything:
        return
    with database(request).write() as session:
        juror, _ = current_juror(request).reopen(session, request)
        scoring.save_entry(
            session=session,
            juror=juror,
            now=now(request),
            application_id=pk(item.application),
            scores=parsed.scores,
            comment=parsed.comment,
            abstain=parsed.abstain,
            abstain_reason=parsed.abstain_reason,
        )


def _after_save(request: Request, reference: str, go_next: bool) -> Response:
    """After "Save", back to the project's scores, which say so (and what is still to score);
    after "Save and go to the next project", the next unfinished one, saying so at its top."""
    if not go_next:
        flash(request, "Saved.", near="scores")
        path = request.url_for("ballot_application", reference=reference).path
        return RedirectResponse(f"{path}#scores", status_code=303)
    flash(request, "Saved.")
    with database(request).read() as session:
        juror, edition = current_juror(request).reopen(session, request)
        round_, _ = ballots.phase(edition, now(request))
        if round_ is not None:
            view = ballots.ballot_view(
                session=session, juror=juror, edition=edition, round_=round_, contents=False
            )
            following = view.next_after(reference)
            if following is not None:
                return redirect(
                    request, "ballot_application", reference=following.application.reference
                )
    return redirect(request, "ballot_home")


class _Target(NamedTuple):
    """What an autosave is for: the juror's edition, the first step still to take (if any),
    the round open for scoring (if any), the application if it is on the ballot, and the
    edition's criteria."""

    edition: Edition
    step: str | None
    round_: Round | None
    found: Application | None
    criteria: list[int]


def _autosave_target(request: Request, reference: str) -> _Target:
    """Read the one application saved for, not the whole ballot."""
    juror, edition = current_juror(request)
    with database(request).read() as session:
        step = panel.next_step(juror, edition)
        round_, _ = ballots.phase(edition, now(request))
        if round_ is None or step is not None:
            return _Target(edition, step, round_, None, [])
        found = ballots.find_on_ballot(
            session=session, juror=juror, edition=edition, round_=round_, reference=reference
        )
        criteria = [pk(c) for c in criteria_of(session=session, edition=edition)]
        return _Target(edition, step, round_, found, criteria)


def _answer(language: str, status: int, *messages: Message | str, **extra: Any) -> JSONResponse:
    """The autosave's JSON: its "message", ``messages`` (a sentence or more) in the reader's
    language."""
    return JSONResponse(
        {"message": " ".join(gettext(language, m) for m in messages), **extra},
        status_code=status,
        headers={"Cache-Control": "no-store"},
    )


def autosave(request: Request) -> Response:
    """The JSON twin of the plain form post, called by static/js/ballot.js field by field."""
    language = lang(request)
    target = _autosave_target(request, request.path_params["reference"])
    form = read_form(request)
    if target.step is not None:  # as on every ballot page: the first steps come before any score
        return _answer(
            language,
            403,
            N_(
                "Nothing was saved: first confirm your first name, accept the pledge and "
                "declare any conflict of interest."
            ),
            saved=False,
            step=target.step,
        )
    if target.round_ is None or target.found is None:
        return _answer(language, 404, N_("This project is not on your ballot."), saved=False)
    edition = target.edition
    parsed = forms.parse_scores(
        form,
        criteria=target.criteria,
        scale_min=edition.scale_min,
        scale_max=edition.scale_max,
        partial=True,
    )
    errors = {k: gettext(language, v) for k, v in parsed.errors.items()}
    try:
        _save(request, ballots.Item(target.found, None), parsed)
    except NotAllowed as error:
        why = [error.message]
        if isinstance(error, scoring.BallotSubmitted):
            why.append(_reopening(request))
        stored = _stored(request, target.round_, request.path_params["reference"], target.criteria)
        return _answer(language, 409, *why, saved=False, errors=errors, stored=stored)
    except NotFound as error:
        return _answer(language, 404, error.message, saved=False, errors=errors)
    except DomainError as error:
        errors[error.field or "ballot"] = gettext(language, error.message)
        return _answer(language, 400, error.message, saved=False, errors=errors)
    with database(request).read() as session:
        juror, edition = current_juror(request).reopen(session, request)
        done, total = ballots.progress(
            session=session, edition=edition, round_=target.round_, juror=juror
        )
    progress = {"done": done, "total": total}
    if errors:
        return _answer(
            language, 400, N_("Not saved: see the message beside the field."), saved=False,
            errors=errors, progress=progress,
        )  # fmt: skip
    saved_at = formats.clock(now(request), language)
    return _answer(
        language,
        200,
        Message("Saved at %(time)s", {"time": saved_at}),
        saved=True,
        errors={},
        progress=progress,
        saved_at=saved_at,
    )


def _reopening(request: Request) -> Message:
    """Who reopens a submitted ballot, and where to write to them."""
    return Message(
        N_("If it needs reopening, write to the secretariat at %(address)s."),
        {"address": secretariat_address(request)},
    )


def _stored(request: Request, round_: Round, reference: str, criteria: list[int]) -> dict[str, str]:
    """The application's fields as the ballot holds them: what the page puts a refused change
    back to (the ballot submitted, or the round closed, perhaps from another tab)."""
    with database(request).read() as session:
        juror, edition = current_juror(request).reopen(session, request)
        view = ballots.ballot_view(
            session=session, juror=juror, edition=edition, round_=round_, contents=False
        )
    item = view.item(reference)
    return forms.stored_fields(item, criteria) if item is not None else {}


def _autosave_refused(request: Request, refusal: Refusal) -> Response:
    """The autosave's answer to a juror the gate turned away (a script reads it)."""
    if isinstance(refusal, LinkError):
        return _answer(
            lang(request), 410, N_("This link no longer works: nothing was saved."), saved=False
        )
    return _answer(
        lang(request), 401, N_("You are signed out: open your personal link again."), saved=False
    )


def download(request: Request) -> Response:
    reference = request.path_params["reference"]
    juror, edition = current_juror(request)
    with database(request).read() as session:
        round_, _ = ballots.phase(edition, now(request))
        if round_ is None or panel.next_step(juror, edition) is not None:
            raise HTTPException(404)
        view = ballots.ballot_view(session=session, juror=juror, edition=edition, round_=round_)
        item = view.item(reference)
        if item is None:
            return _not_on_ballot(request, session, view)
        wanted = request.path_params["attachment_id"]
        files = attachments.submitted_files(session=session, application=item.application)
        found = next((f for f in files if f.id == wanted), None)
    if found is None:
        raise HTTPException(404)
    return file_store(request).download_response(found)


# --------------------------------------------------------------------------- submitting


def submit(request: Request) -> Response:
    juror, edition = current_juror(request)
    with database(request).read() as session:
        round_, editable = ballots.phase(edition, now(request))
        if panel.next_step(juror, edition) is not None or round_ is None:
            return redirect(request, "ballot_home")
        view = ballots.ballot_view(
            session=session, juror=juror, edition=edition, round_=round_, titles_only=True
        )
    if view.submitted:
        return redirect(request, "ballot_receipt")
    stash = recall(request, "ballot_submit")
    error = stash.problem if stash else None
    if request.method == "POST":
        form = read_form(request)
        try:
            with database(request).write() as session:
                writer, _ = current_juror(request).reopen(session, request)
                scoring.submit(
                    session=session,
                    juror=writer,
                    now=now(request),
                    mail_domain=outbox.mail_domain(settings(request).mail_from),
                )
        except DomainError as problem:
            return refuse(request, "ballot_submit", form, {}, problem=problem.message)
        return redirect(request, "ballot_receipt")
    return render(
        request,
        "ballot/submit.html",
        {"juror": juror, "edition": edition, "view": view, "editable": editable, "error": error},
    )


def receipt(request: Request) -> Response:
    juror, edition = current_juror(request)
    with database(request).read() as session:
        round_, _ = ballots.phase(edition, now(request))
        ballot = ballots.get_ballot(session=session, juror=juror, round_=round_) if round_ else None
    if ballot is None or ballot.receipt_code is None:
        return redirect(request, "ballot_home")
    return render(
        request, "ballot/receipt.html", {"juror": juror, "edition": edition, "ballot": ballot}
    )


routes: list[BaseRoute] = [
    route("/ballot/link/{token}", open_link, access=Who.public, name="ballot_link"),
    route("/ballot", home, access=Who.juror, name="ballot_home"),
    route(
        "/ballot/welcome",
        welcome,
        methods=["GET", "POST"],
        access=Who.juror,
        name="ballot_welcome",
    ),
    route(
        "/ballot/conflicts",
        declare_conflicts,
        methods=["GET", "POST"],
        access=Who.juror,
        name="ballot_conflicts",
    ),
    route(
        "/ballot/applications/{reference}",
        application,
        methods=["GET", "POST"],
        access=Who.juror,
        name="ballot_application",
    ),
    route(
        "/ballot/applications/{reference}/save",
        autosave,
        methods=["POST"],
        access=Who.juror,
        name="ballot_autosave",
        refused=_autosave_refused,
    ),
    route(
        "/ballot/applications/{reference}/files/{attachment_id:int}",
        download,
        access=Who.juror,
        name="ballot_attachment",
    ),
    route(
        "/ballot/submit", submit, methods=["GET", "POST"], access=Who.juror, name="ballot_submit"
    ),
    route("/ballot/receipt", receipt, access=Who.juror, name="ballot_receipt"),
    route(
        "/ballot/sign-out",
        sign_out,
        methods=["GET", "POST"],
        access=Who.juror,
        name="ballot_sign_out",
    ),
    route("/ballot/signed-out", signed_out, access=Who.public, name="ballot_signed_out"),
]
