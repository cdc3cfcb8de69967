"""One juror in the back office: details, link actions (invite, resend, revoke, reissue),
consent, conflicts, reopening a ballot, and replacing the juror."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlmodel import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from prize import countries
from prize.domain.errors import DomainError
from prize.domain.jury import conflicts, jurors, panel, scoring
from prize.domain.jury import links as juror_links
from prize.domain.shared import audit
from prize.domain.staff import staff as staff_domain
from prize.forms import jury as forms
from prize.forms.base import text, whole
from prize.i18n import N_, Message
from prize.models import Edition, Juror, Staff
from prize.views.access import Who, route
from prize.views.common import database, flash, lang, now, read_form, redirect
from prize.views.links import ballot_links
from prize.views.refused import recall, refuse
from prize.views.secretariat import confirm
from prize.views.secretariat.access import render_staff, signed_in

EMPTY_JUROR = {name: "" for name in forms.FIELDS} | {"language": "en", "publish_name_consent": ""}


def actor(account: Staff) -> audit.Actor:
    return staff_domain.actor_of(account)


def juror_or_404(session: Session, request: Request) -> Juror:
    found = session.get(Juror, int(request.path_params["juror_id"]))
    if found is None:
        raise HTTPException(404)
    return found


def country_choices(request: Request, edition: Edition) -> list[tuple[str, str]]:
    """The edition's eligible countries, by name in the reader's language."""
    return countries.choices(tuple(edition.eligible_countries), lang(request))


def render_juror_page(
    request: Request,
    account: Staff,
    *,
    problem: Message | None = None,
    values: dict[str, Any] | None = None,
    errors: dict[str, Message] | None = None,
    status_code: int = 200,
) -> Response:
    with database(request).read() as session:
        page = panel.juror_page(
            session=session, juror=juror_or_404(session, request), now=now(request)
        )
    return render_staff(
        request,
        "secretariat/jury_juror.html",
        account,
        {
            "edition": page.edition,
            "juror": page.juror,
            "row": page.row,
            "candidates": page.candidates,
            "ballots": page.ballots,
            "replaced_by": page.replaced_by,
            "replaces": page.replaces,
            "open_round": page.open_round,
            "problem": problem,
            "values": values or {},
            "errors": errors or {},
        },
        status_code=status_code,
    )


def juror_page(request: Request) -> Response:
    stash = recall(request, "staff_juror")
    if stash is None:
        return render_juror_page(request, signed_in(request))
    return render_juror_page(
        request, signed_in(request), problem=stash.problem, values=stash.values, errors=stash.errors
    )


def refused_on_juror(
    request: Request,
    *,
    problem: Message | None = None,
    values: dict[str, Any] | None = None,
    errors: dict[str, Message] | None = None,
) -> Response:
    """Back to the juror's page (303) with what was refused there."""
    to = str(request.url_for("staff_juror", juror_id=request.path_params["juror_id"]).path)
    return refuse(request, "staff_juror", values, errors, problem=problem, to=to)


def _act(
    request: Request,
    change: Callable[[Session, Staff, Juror, Any], Message],
    *,
    form_fields: tuple[str, ...] = (),
    field_names: dict[str, str] | None = None,
) -> Response:
    """One change to one juror; 303 back to the juror's page, or the page with the refusal.

    ``field_names`` maps a field a refusal names to the form's name for it, where they differ."""
    account = signed_in(request)
    form = read_form(request)
    values = {name: text(form, name) for name in form_fields}
    try:
        with database(request).write() as session:
            note = change(session, account, juror_or_404(session, request), form)
    except DomainError as error:
        field = (field_names or {}).get(error.field or "", error.field)
        if field and field in form_fields:
            return refused_on_juror(request, values=values, errors={field: error.message})
        return refused_on_juror(request, problem=error.message)
    flash(request, note)
    return redirect(request, "staff_juror", juror_id=request.path_params["juror_id"])


def _link_action(request: Request, act: Callable[..., Juror], done: str) -> Response:
    """One ``juror_links`` action that sends the juror their link (invite, resend)."""

    def change(session: Session, account: Staff, juror: Juror, form: Any) -> Message:
        act(
            session=session,
            actor=actor(account),
            now=now(request),
            juror=juror,
            links=ballot_links(request),
        )
        return Message(done)

    return _act(request, change)


def invite(request: Request) -> Response:
    return _link_action(
        request, juror_links.invite, N_("The invitation with the ballot link is on its way.")
    )


def resend(request: Request) -> Response:
    return _link_action(request, juror_links.resend, N_("The ballot link is sent again."))


def _confirmed_link_action(
    request: Request,
    act: Callable[..., Juror],
    *,
    title: str,
    button: str,
    fact: str,
    done: str,
    reason_field: str = "",
) -> Response:
    """A ``juror_links`` action that ends the juror's links (revoke, reissue), on its
    confirmation page: whose links stop working, and the e-mail that goes."""
    account = signed_in(request)
    form = confirm.submitted(request)
    at = now(request)
    details: dict[str, Any] = (
        {"reason": text(form, reason_field)} if reason_field else {"links": ballot_links(request)}
    )

    def action(session: Session, _reason: str) -> Juror:
        juror = juror_or_404(session, request)
        return act(session=session, actor=actor(account), now=at, juror=juror, **details)

    def facts(session: Session) -> list[Message]:
        juror = juror_or_404(session, request)
        name = " ".join((juror.first_name, juror.last_name))
        return [Message(fact, {"name": name})]

    def answer(_juror: Juror) -> Response:
        flash(request, Message(done))
        return redirect(request, "staff_juror", juror_id=request.path_params["juror_id"])

    return confirm.confirmed(
        request,
        account,
        confirm.Action(
            title=Message(title),
            button=Message(button),
            act=action,
            facts=facts,
            done=answer,
            refused=lambda error: refused_on_juror(request, problem=error.message),
            back=str(request.url_for("staff_juror", juror_id=request.path_params["juror_id"]).path),
        ),
    )


def revoke(request: Request) -> Response:
    return _confirmed_link_action(
        request,
        juror_links.revoke,
        title=N_("Revoke a juror's links"),
        button=N_("Revoke every link"),
        fact=N_(
            "Every link of %(name)s stops working at once and their sessions end; they score "
            "again only with a new link."
        ),
        done=N_("Every link of this juror is revoked, and their sessions are closed."),
        reason_field="revoke_reason",
    )


def reissue(request: Request) -> Response:
    return _confirmed_link_action(
        request,
        juror_links.reissue,
        title=N_("Reissue a juror's link"),
        button=N_("Reissue the link"),
        fact=N_("Every earlier link of %(name)s stops working at once; a new one is e-mailed."),
        done=N_("A new link is on its way; the earlier links no longer work."),
    )


def consent(request: Request) -> Response:
    def change(session: Session, account: Staff, juror: Juror, form: Any) -> Message:
        result, consent_on = forms.parse_consent(form)
        if not result.ok:
            name, message = next(iter(result.errors.items()))
            raise DomainError(message.msgid, field=name, **message.params)
        jurors.record_consent(
            session=session,
            actor=actor(account),
            now=now(request),
            juror=juror,
            guardian_name=result.values["guardian_name"],
            consent_on=consent_on,
            publish_name_consent=result.values["publish_name_consent"],
        )
        return Message("The consent is recorded.")

    return _act(
        request, change, form_fields=("guardian_name", "consent_on", "publish_name_consent")
    )


def record_conflict(request: Request) -> Response:
    def change(session: Session, account: Staff, juror: Juror, form: Any) -> Message:
        result, app_id = forms.parse_conflict(form)
        conflicts.record_conflict_by_id(
            session=session,
            actor=actor(account),
            now=now(request),
            juror=juror,
            application_id=app_id,
            reason=result.values["reason"],
        )
        return Message("The conflict is recorded: the project leaves this juror's ballot.")

    return _act(request, change, form_fields=("application", "reason"))


def reopen(request: Request) -> Response:
    def change(session: Session, account: Staff, juror: Juror, form: Any) -> Message:
        scoring.reopen_by_id(
            session=session,
            actor=actor(account),
            now=now(request),
            juror=juror,
            ballot_id=whole(text(form, "ballot")),
            reason=text(form, "reopen_reason"),
            mail_domain=ballot_links(request).mail_domain,
        )
        return Message("The ballot is reopened; the juror is told by e-mail.")

    return _act(
        request, change, form_fields=("reopen_reason",), field_names={"reason": "reopen_reason"}
    )


def juror_form(
    request: Request,
    account: Staff,
    template: str,
    context: dict[str, Any],
    *,
    values: dict[str, Any],
    save: Callable[[Session, jurors.JurorData, dict[str, Any]], Juror],
    done: str,
    extra_fields: tuple[str, ...] = (),
) -> Response:
    """A form for one new juror (added, or replacing another): on a valid POST, ``save`` it and
    go to the juror's page; else the form again, everything typed kept, each refusal next to its
    field (or above the form when it names none)."""
    errors: dict[str, Message] = {}
    problem = None
    if request.method == "POST":
        form = read_form(request)
        result, data = forms.parse_juror(form, context["edition"].eligible_countries)
        values = result.values | {name: text(form, name) for name in extra_fields}
        errors = dict(result.errors)
        if data is not None:
            try:
                with database(request).write() as session:
                    new = save(session, data, values)
            except DomainError as error:
                if error.field:
                    errors[error.field] = error.message
                else:
                    problem = error.message
            else:
                if new.replaces_id is not None and new.invited_at is None:
                    done = N_(
                        "%(name)s replaces the juror; upload the guardian's signed form, then "
                        "invite them."
                    )
                flash(request, done, name=new.first_name)
                return redirect(request, "staff_juror", juror_id=new.id)
        return refuse(request, "staff_juror_form", values, errors, problem=problem)
    if stash := recall(request, "staff_juror_form"):
        values, errors, problem = {**values, **stash.values}, stash.errors, stash.problem
    return render_staff(
        request,
        template,
        account,
        {
            **context,
            "values": values,
            "errors": errors,
            "problem": problem,
            "country_choices": country_choices(request, context["edition"]),
        },
    )


def replace(request: Request) -> Response:
    account = signed_in(request)
    with database(request).read() as session:
        old = juror_or_404(session, request)
        edition = jurors.edition_of(session=session, juror=old)

    def save(session: Session, data: jurors.JurorData, values: dict[str, Any]) -> Juror:
        return juror_links.replace(
            session=session,
            actor=actor(account),
            now=now(request),
            juror=juror_or_404(session, request),
            data=data,
            links=ballot_links(request),
            reason=values["reason"],
        )

    return juror_form(
        request,
        account,
        "secretariat/jury_replace.html",
        {"edition": edition, "old": old},
        values=dict(EMPTY_JUROR) | {"country": old.country, "reason": ""},
        save=save,
        done=N_("%(name)s replaces the juror and is invited."),
        extra_fields=("reason",),
    )


def _juror_route(
    path: str, endpoint: Callable[[Request], Response], name: str, *, page: bool = False
) -> Route:
    """A juror's action; ``page``: answered by a GET too (its confirmation page)."""
    methods = ["GET", "POST"] if page else ["POST"]
    return route(
        f"/secretariat/jurors/{{juror_id:int}}/{path}",
        endpoint,
        methods=methods,
        access=Who.staff_write,
        name=name,
    )


routes: list[BaseRoute] = [
    route("/secretariat/jurors/{juror_id:int}", juror_page, access=Who.staff, name="staff_juror"),
    route(
        "/secretariat/jurors/{juror_id:int}/replace",
        replace,
        methods=["GET", "POST"],
        access=Who.staff_write_on_post,
        name="staff_juror_replace",
    ),
    _juror_route("invite", invite, "staff_juror_invite"),
    _juror_route("resend", resend, "staff_juror_resend"),
    _juror_route("revoke", revoke, "staff_juror_revoke", page=True),
    _juror_route("reissue", reissue, "staff_juror_reissue", page=True),
    _juror_route("consent", consent, "staff_juror_consent"),
    _juror_route("conflicts", record_conflict, "staff_juror_conflict"),
    _juror_route("reopen", reopen, "staff_juror_reopen"),
]
