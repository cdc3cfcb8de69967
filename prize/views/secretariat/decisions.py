"""Decisions: confirm or override the shortlist and the winners, decide, publish, correct; and
the results of editions from before the platform, entered by hand."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlmodel import Session
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from prize import countries
from prize.domain import transitions
from prize.domain.errors import DomainError
from prize.domain.results import decisions, publication, published, tally_input
from prize.domain.staff import staff as staff_domain
from prize.forms.base import whole
from prize.i18n import N_, Message, Plural
from prize.models import Decision, Edition, EditionState, Round, Staff
from prize.views.access import Who, route
from prize.views.common import database, flash, now, read_form, redirect
from prize.views.links import ballot_links
from prize.views.refused import recall, refuse
from prize.views.secretariat import confirm
from prize.views.secretariat.access import render_staff, signed_in
from prize.views.secretariat.tally import edition_of

MAX_REASON = 2000


def _text(form: FormData, name: str, limit: int = MAX_REASON) -> str:
    value = form.get(name, "")
    return value.strip()[:limit] if isinstance(value, str) else ""


def _ids(form: FormData, name: str) -> list[int]:
    found = []
    for value in form.getlist(name):
        if (number := whole(value)) is not None:
            found.append(number)
    return found


def _reasons(form: FormData) -> dict[int, str]:
    found = {}
    for key, value in form.multi_items():
        number = whole(key.removeprefix("reason-")) if key.startswith("reason-") else None
        if number is not None and isinstance(value, str):
            found[number] = value.strip()[:MAX_REASON]
    return found


def decisions_page(
    request: Request,
    *,
    account: Staff | None = None,
    form: dict[str, Any] | None = None,
    errors: dict[str, Message] | None = None,
    problem: Message | None = None,
    status_code: int = 200,
) -> Response:
    """The edition's decisions, with the form its state allows (kept as typed after an error)."""
    account = account or signed_in(request)
    with database(request).read() as session:
        edition = edition_of(session, request)
        context: dict[str, Any] = {"edition": edition, "form": form, "problem": problem}
        context["errors"] = errors or {}
        if edition.archived:
            context["entries"] = published.archive_entries(session=session, edition=edition)
            context["country_choices"] = countries.choices(countries.DEFAULT_ELIGIBLE, "en")
            return render_staff(
                request,
                "secretariat/decisions_archive.html",
                account,
                context,
                status_code=status_code,
            )
        context.update(_rounds(session, edition))
        context.update(_mention(form, context["final"].values(), context["first"]))
        context["notes"] = published.public_results(session=session, edition=edition).notes
        context["consents"] = (
            published.consents_of(session=session, edition=edition)
            if edition.state is EditionState.decided
            else []
        )
        context["audit_head"] = publication.publication_head(session=session, edition=edition)
    return render_staff(
        request, "secretariat/decisions.html", account, context, status_code=status_code
    )


def _rounds(session: Session, edition: Edition) -> dict[str, Any]:
    """Both rounds' tallies and decisions (the final round's once a shortlist is decided), and
    the projects they name."""
    first = tally_input.tally_of(session=session, edition=edition, round_=Round.shortlist)
    context: dict[str, Any] = {
        "first": tally_input.ranked(session=session, result=first),
        "first_result": first,
    }
    shortlist = decisions.shortlist_of(session=session, edition=edition)
    context["shortlist"] = {d.application_id: d for d in shortlist}
    final = decisions.final_of(session=session, edition=edition)
    context["final"] = {d.application_id: d for d in final}
    context["second_result"] = None
    context["second"] = []
    if shortlist:
        second = tally_input.tally_of(session=session, edition=edition, round_=Round.final)
        context["second_result"] = second
        context["second"] = tally_input.ranked(session=session, result=second)
    context["names"] = tally_input.projects(
        session=session, ids=[d.application_id for d in (*shortlist, *final)]
    )
    return context


def _mention(
    form: dict[str, Any] | None,
    final: Iterable[Decision],
    ranked: Iterable[tally_input.RankedProject],
) -> dict[str, Any]:
    """The special mention's field: as typed after an error, else as recorded; its choices are
    the first round's applications."""
    mention = next((d for d in final if d.award.value == "special_mention"), None)
    if form is not None and "awards" in form:
        mention_id = form.get("mention")
        reason = form["reasons"].get(mention_id, "") if mention_id else ""
    else:
        mention_id = mention.application_id if mention else None
        reason = mention.reason if mention else ""
    return {
        "mention_reason": reason,
        "mention_value": str(mention_id) if mention_id else "",
        "mention_choices": [
            (str(r.entry.application), f"{r.project.reference} · {r.project.title}") for r in ranked
        ],
    }


def page(request: Request) -> Response:
    stash = recall(request, "staff_decisions")
    if stash is None:
        return decisions_page(request)
    return decisions_page(
        request,
        form=_typed_back(stash.values) if stash.values else None,
        errors=stash.errors,
        problem=stash.problem,
    )


def _typed_back(values: dict[str, Any]) -> dict[str, Any]:
    """The choices as typed, read back from a stash (JSON keeps no number as a key)."""
    typed = dict(values)
    for key in ("reasons", "awards"):
        if isinstance(typed.get(key), dict):
            typed[key] = {int(k) if str(k).isdigit() else k: v for k, v in typed[key].items()}
    return typed


def _refused_on_decisions(
    request: Request,
    *,
    form: dict[str, Any] | None = None,
    errors: dict[str, Message] | None = None,
    problem: Message | None = None,
) -> Response:
    """Back to the decisions page (303) with what was refused on it."""
    return refuse(request, "staff_decisions", form, errors, problem=problem, to=_back(request))


def _refused(
    request: Request, account: Staff, typed: dict[str, Any] | None = None
) -> Callable[[DomainError], Response]:
    """The decisions page again after a refusal, with the choices as typed and each missing
    reason next to its project."""

    def refused(error: DomainError) -> Response:
        missing = error.application_ids if isinstance(error, decisions.ReasonsMissing) else []
        errors = {f"reason-{a}": Message("Give a reason for this change.") for a in missing}
        return _refused_on_decisions(request, form=typed, errors=errors, problem=error.message)

    return refused


def _back(request: Request) -> str:
    return str(request.url_for("staff_decisions", year=request.path_params["year"]).path)


def _done(request: Request, done: Message) -> Callable[[Any], Response]:
    def answer(_result: Any) -> Response:
        flash(request, done)
        return redirect(request, "staff_decisions", year=request.path_params["year"])

    return answer


def confirm_shortlist(request: Request) -> Response:
    account = signed_in(request)
    form = confirm.submitted(request)
    chosen = _ids(form, "app")
    reasons = _reasons(form)
    at = now(request)

    def act(session: Session, _reason: str) -> list[Decision]:
        return decisions.confirm_shortlist(
            session=session,
            edition=edition_of(session, request),
            application_ids=chosen,
            reasons=reasons,
            actor=staff_domain.actor_of(account),
            now=at,
        )

    return confirm.confirmed(
        request,
        account,
        confirm.Action(
            title=Message(
                "Confirm the shortlist of %(year)s", {"year": request.path_params["year"]}
            ),
            button=Message("Confirm the shortlist"),
            act=act,
            facts=lambda session: transitions.shortlist_consequences(
                session=session,
                edition=edition_of(session, request),
                application_ids=chosen,
                now=at,
            ),
            done=_done(
                request,
                Plural(
                    "The shortlist is confirmed (%(num)s application).",
                    "The shortlist is confirmed (%(num)s applications).",
                    len(chosen),
                ),
            ),
            refused=_refused(request, account, {"chosen": chosen, "reasons": reasons}),
            back=_back(request),
        ),
    )


def confirm_final(request: Request) -> Response:
    account = signed_in(request)
    form = read_form(request)
    awards = {}
    for key, value in form.multi_items():
        number = whole(key.removeprefix("award-")) if key.startswith("award-") else None
        if number is not None and isinstance(value, str):
            awards[number] = value
    mention = whole(_text(form, "mention"))
    reasons = _reasons(form)
    if mention is not None and _text(form, "mention_reason"):
        reasons[mention] = reasons.get(mention) or _text(form, "mention_reason")
    try:
        with database(request).write() as session:
            decisions.confirm_final(
                session=session,
                edition=edition_of(session, request),
                awards=awards,
                special_mention=mention,
                reasons=reasons,
                actor=staff_domain.actor_of(account),
                now=now(request),
            )
    except DomainError as error:
        typed = {"awards": awards, "mention": mention, "reasons": reasons}
        return _refused(request, account, typed)(error)
    return _done(request, Message("The winners and nominated projects are recorded."))(None)


def _move(
    request: Request,
    to: EditionState,
    move: Callable[..., Edition],
    *,
    title: str,
    button: str,
    done: str,
    typed: bool = False,
    **extra: Any,
) -> Response:
    """One move of the edition (``move`` is a ``transitions`` function), on its confirmation
    page: what it does and the e-mails it sends; the guards a reason overrides."""
    account = signed_in(request)
    year = request.path_params["year"]
    at = now(request)

    def act(session: Session, reason: str) -> Edition:
        return move(
            session=session,
            edition=edition_of(session, request),
            actor=staff_domain.actor_of(account),
            now=at,
            **({"reason": reason} if to is not EditionState.published else {}),
            **extra,
        )

    return confirm.confirmed(
        request,
        account,
        confirm.Action(
            title=Message(title, {"year": year}),
            button=Message(button),
            act=act,
            facts=lambda session: transitions.consequences(
                session=session, edition=edition_of(session, request), to=to, now=at
            ),
            cautions=lambda session: transitions.cautions(
                session=session, edition=edition_of(session, request), to=to, now=at
            ),
            done=_done(request, Message(done)),
            refused=lambda error: _refused_on_decisions(request, problem=error.message),
            back=_back(request),
            typed=str(year) if typed else "",
            typed_label=Message(
                "Type the edition's year, %(year)s, to publish its results for good",
                {"year": year},
            ),
        ),
    )


def start_final(request: Request) -> Response:
    return _move(
        request,
        EditionState.final,
        transitions.move_to_final,
        title=N_("Start the final round of %(year)s"),
        button=N_("Start the final round"),
        done=N_("The final round has started."),
        links=ballot_links(request),
    )


def decide(request: Request) -> Response:
    return _move(
        request,
        EditionState.decided,
        transitions.decide,
        title=N_("Decide the results of %(year)s"),
        button=N_("Decide and e-mail the applicants"),
        done=N_("The results are decided: winners and nominated applicants are told privately."),
        links=ballot_links(request),
    )


def publish(request: Request) -> Response:
    return _move(
        request,
        EditionState.published,
        transitions.publish,
        title=N_("Publish the results of %(year)s"),
        button=N_("Publish the results now, for good"),
        done=N_("The results are published."),
        typed=True,
        links=ballot_links(request),
    )


def add_note(request: Request) -> Response:
    account = signed_in(request)
    form = read_form(request)
    text = _text(form, "text", published.MAX_NOTE + 1)
    try:
        with database(request).write() as session:
            edition = edition_of(session, request)
            published.add_note(
                session=session,
                edition=edition,
                text=text,
                actor=staff_domain.actor_of(account),
                now=now(request),
            )
    except DomainError as error:
        errors = {error.field or "text": error.message}
        return _refused_on_decisions(request, form={"text": text}, errors=errors)
    flash(request, "The correction is added to the results page.")
    return redirect(request, "staff_decisions", year=edition.path_year)


# --------------------------------------------------------------------------- archive


def create_archived(request: Request) -> Response:
    account = signed_in(request)
    form = read_form(request)
    values = {"year": _text(form, "year", 10), "title_en": _text(form, "title_en", 200)}
    try:
        if whole(values["year"]) is None:
            raise DomainError("Give a past year, from 2004.", field="year")
        with database(request).write() as session:
            edition = published.create_archived_edition(
                session=session,
                year=int(values["year"]),
                title_en=values["title_en"],
                actor=staff_domain.actor_of(account),
                now=now(request),
            )
    except DomainError as error:
        errors = {error.field or "year": error.message}
        to = str(request.url_for("staff_tally_index").path)
        return refuse(request, "staff_tally_index", values, errors, to=to)
    flash(request, "Edition %(year)s added: enter its results.", year=edition.year)
    return redirect(request, "staff_decisions", year=edition.path_year)


def add_entry(request: Request) -> Response:
    account = signed_in(request)
    form = read_form(request)
    values = {
        name: _text(form, name, 5000)
        for name in ("award", "rank", "title", "organisation", "country", "summary")
    }
    try:
        rank = int(values["rank"]) if values["rank"] else None
        if rank is not None and not 1 <= rank <= 99:
            raise ValueError
    except ValueError:
        return _refused_on_decisions(
            request,
            form=values,
            errors={"rank": Message("Give a whole number from 1 to 99, or leave it empty.")},
        )
    try:
        with database(request).write() as session:
            edition = edition_of(session, request)
            published.add_archive_entry(
                session=session,
                edition=edition,
                award=values["award"],
                rank=rank,
                title=values["title"],
                organisation=values["organisation"],
                country=values["country"],
                summary=values["summary"],
                actor=staff_domain.actor_of(account),
                now=now(request),
            )
    except DomainError as error:
        errors = {error.field or "title": error.message}
        return _refused_on_decisions(request, form=values, errors=errors)
    flash(request, "The entry is added.")
    return redirect(request, "staff_decisions", year=edition.path_year)


def remove_entry(request: Request) -> Response:
    """Deleting an entry of an archived edition's results, on its confirmation page."""
    account = signed_in(request)
    confirm.submitted(request)
    entry_id = int(request.path_params["entry_id"])
    at = now(request)

    def act(session: Session, _reason: str) -> None:
        published.remove_archive_entry(
            session=session,
            edition=edition_of(session, request),
            entry_id=entry_id,
            actor=staff_domain.actor_of(account),
            now=at,
        )

    def facts(session: Session) -> list[Message]:
        entries = published.archive_entries(session=session, edition=edition_of(session, request))
        title = next((e.title for e in entries if e.id == entry_id), "")
        return [
            Message(
                "“%(title)s” is removed from the public results of %(year)s, for good.",
                {"title": title, "year": request.path_params["year"]},
            )
        ]

    def refused(error: DomainError) -> Response:
        raise HTTPException(404)

    return confirm.confirmed(
        request,
        account,
        confirm.Action(
            title=Message("Delete an entry of the results"),
            button=Message("Delete the entry"),
            act=act,
            facts=facts,
            done=_done(request, Message("The entry is removed.")),
            refused=refused,
            back=_back(request),
        ),
    )


routes: list[BaseRoute] = [
    route(
        "/secretariat/editions/{year:edition}/decisions",
        page,
        access=Who.staff,
        name="staff_decisions",
    ),
    route(
        "/secretariat/editions/{year:edition}/decisions/shortlist",
        confirm_shortlist,
        methods=["GET", "POST"],
        access=Who.staff_write,
        name="staff_decisions_shortlist",
    ),
    route(
        "/secretariat/editions/{year:edition}/decisions/final-round",
        start_final,
        methods=["GET", "POST"],
        access=Who.staff_write,
        name="staff_decisions_start_final",
    ),
    route(
        "/secretariat/editions/{year:edition}/decisions/final",
        confirm_final,
        methods=["POST"],
        access=Who.staff_write,
        name="staff_decisions_final",
    ),
    route(
        "/secretariat/editions/{year:edition}/decisions/decide",
        decide,
        methods=["GET", "POST"],
        access=Who.staff_write,
        name="staff_decisions_decide",
    ),
    route(
        "/secretariat/editions/{year:edition}/decisions/publish",
        publish,
        methods=["GET", "POST"],
        access=Who.staff_write,
        name="staff_decisions_publish",
    ),
    route(
        "/secretariat/editions/{year:edition}/decisions/note",
        add_note,
        methods=["POST"],
        access=Who.staff_write,
        name="staff_results_note",
    ),
    route(
        "/secretariat/archive",
        create_archived,
        methods=["POST"],
        access=Who.staff_write,
        name="staff_archive_create",
    ),
    route(
        "/secretariat/editions/{year:edition}/archive",
        add_entry,
        methods=["POST"],
        access=Who.staff_write,
        name="staff_archive_entry",
    ),
    route(
        "/secretariat/editions/{year:edition}/archive/{entry_id:int}/delete",
        remove_entry,
        methods=["GET", "POST"],
        access=Who.staff_write,
        name="staff_archive_entry_delete",
    ),
]
