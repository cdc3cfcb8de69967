"""Editions in the back office: the list, creating and editing one, and its lifecycle moves."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from prize import countries
from prize.domain import activity, transitions
from prize.domain.editions import editions, lifecycle
from prize.domain.editions.criteria import criteria_of, scores_recorded
from prize.domain.errors import DomainError
from prize.domain.shared import audit, labels
from prize.domain.staff import staff as staff_domain
from prize.formats import When
from prize.forms import edition as edition_forms
from prize.forms.base import FormResult, text
from prize.i18n import N_, Message, locale
from prize.models import ApplicationStatus, Edition, EditionState, Staff
from prize.views.access import Who, route
from prize.views.common import database, flash, lang, now, read_form, redirect
from prize.views.links import applicant_links, ballot_links
from prize.views.refused import recall, refuse
from prize.views.secretariat import confirm
from prize.views.secretariat.access import edition_in_path, optional_url, render_staff, signed_in

# What a move did, told on the next page.
MOVED = {
    EditionState.open: N_("The call is open."),
    EditionState.screening: N_("The call is closed: screening can begin."),
    EditionState.shortlisting: N_("The first jury round has begun."),
    EditionState.final: N_("The final jury round has begun."),
    EditionState.decided: N_("The results are decided, under embargo."),
    EditionState.published: N_("The results are published."),
}
MOVED_BACK = {
    EditionState.open: N_("The call is open again, until its new deadline."),
    EditionState.shortlisting: N_("The first jury round is open again."),
}
# Codes Babel lists that are not countries one applies from.
_NOT_COUNTRIES = {"EU", "EZ", "UN", "ZZ", "QO", "XA", "XB", "AQ", "BV", "HM", "TF", "UM"}


@functools.cache
def _all_codes() -> tuple[str, ...]:
    codes = (str(c) for c in locale("en").territories)
    return tuple(
        sorted(c for c in codes if len(c) == 2 and c.isalpha() and c not in _NOT_COUNTRIES)
    )


def _defaults(request: Request) -> dict[str, Any]:
    year = now(request).year + 1
    return {
        "year": str(year),
        **{name: "" for name in edition_forms.TEXTS},
        **{name: "" for name in edition_forms.INSTANTS},
        "shortlist_size": "7",
        "scale_min": "0",
        "scale_max": "10",
        "quorum": "3",
        "normalise": True,
        "shortlist_open": False,
        "countries": list(countries.DEFAULT_ELIGIBLE),
        "add_country": "",
        "reason": "",
        "rehearsal": False,
        "rehearsal_recipients": "",
    }


# --------------------------------------------------------------------------- list, create, edit


def editions_list(request: Request) -> Response:
    account = signed_in(request)
    with database(request).read() as session:
        items = editions.all_editions(session=session)
    return render_staff(request, "secretariat/editions.html", account, {"editions": items})


def _form_page(
    request: Request,
    account: Staff,
    *,
    edition: Edition | None,
    values: dict[str, Any],
    errors: dict[str, Message],
    scores: bool = False,
    status_code: int = 200,
) -> Response:
    listed = tuple(sorted(set(countries.DEFAULT_ELIGIBLE) | set(values.get("countries", []))))
    others = tuple(c for c in _all_codes() if c not in listed)
    return render_staff(
        request,
        "secretariat/edition_form.html",
        account,
        {
            "edition": edition,
            "values": values,
            "errors": errors,
            "scores": scores,
            "country_choices": countries.choices(listed, lang(request)),
            "other_countries": countries.choices(others, lang(request)),
            "default_eligible": set(countries.DEFAULT_ELIGIBLE),
        },
        status_code=status_code,
    )


def _refused(result: FormResult, error: DomainError) -> None:
    result.errors[error.field or "title_en"] = error.message


def edition_new(request: Request) -> Response:
    if request.method == "GET":
        account = signed_in(request)
        if stash := recall(request, "staff_edition_new"):
            values = {**_defaults(request), **stash.values}
            return _form_page(request, account, edition=None, values=values, errors=stash.errors)
        return _form_page(request, account, edition=None, values=_defaults(request), errors={})
    account = signed_in(request)
    result, parsed = edition_forms.parse_edition(read_form(request))
    if result.ok:
        try:
            with database(request).write() as session:
                edition = editions.create_edition(
                    session=session,
                    actor=staff_domain.actor_of(account),
                    now=now(request),
                    **parsed,
                )
        except DomainError as error:
            _refused(result, error)
        else:
            flash(request, "The edition %(year)s is created as a draft.", year=edition.year)
            return redirect(request, "staff_edition", year=edition.path_year)
    return refuse(request, "staff_edition_new", result.values, result.errors)


def edition_edit(request: Request) -> Response:
    account = signed_in(request)
    with database(request).read() as session:
        edition = edition_in_path(session, request)
        scores = scores_recorded(session=session, edition=edition)
    if request.method == "GET" and confirm.asked(request):  # the new deadline's page
        result, parsed = edition_forms.parse_edition(confirm.submitted(request))
        if result.ok and _new_deadline(edition, parsed):
            return _deadline_change(request, account, edition, result, parsed, scores)
    if request.method == "GET":
        values = edition_forms.initial_values(edition, _defaults(request))
        stash = recall(request, "staff_edition_edit")
        return _form_page(
            request,
            account,
            edition=edition,
            values={**values, **stash.values} if stash else values,
            errors=stash.errors if stash else {},
            scores=scores,
        )
    result, parsed = edition_forms.parse_edition(read_form(request))
    if result.ok and _new_deadline(edition, parsed):
        return _deadline_change(request, account, edition, result, parsed, scores)
    if result.ok:
        try:
            with database(request).write() as session:
                fresh = session.get_one(Edition, edition.id)
                edition = transitions.update_edition(
                    session=session,
                    actor=staff_domain.actor_of(account),
                    now=now(request),
                    edition=fresh,
                    values=parsed,
                    reason=result.values["reason"],
                )
        except DomainError as error:
            _refused(result, error)
        else:
            flash(request, "The edition is saved.")
            return redirect(request, "staff_edition", year=edition.path_year)
    return refuse(request, "staff_edition_edit", result.values, result.errors)


def _new_deadline(edition: Edition, parsed: dict[str, Any]) -> bool:
    """Whether the form moves the deadline of an open call (saved from a confirmation page)."""
    return edition.state is EditionState.open and parsed.get("deadline") not in (
        None,
        edition.deadline,
    )


def _deadline_change(
    request: Request,
    account: Staff,
    edition: Edition,
    result: FormResult,
    parsed: dict[str, Any],
    scores: bool,
) -> Response:
    """Saving an open call with a new deadline, on its confirmation page: the holders of drafts
    are e-mailed the new deadline."""
    at = now(request)

    def act(session: Session, _reason: str) -> Edition:
        return transitions.update_edition(
            session=session,
            actor=staff_domain.actor_of(account),
            now=at,
            edition=session.get_one(Edition, edition.id),
            values=parsed,
            reason=result.values["reason"],
            links=applicant_links(request),
        )

    def refused(error: DomainError) -> Response:
        _refused(result, error)
        to = str(request.url_for("staff_edition_edit", year=edition.path_year).path)
        return refuse(request, "staff_edition_edit", result.values, result.errors, to=to)

    return confirm.confirmed(
        request,
        account,
        confirm.Action(
            title=Message("Change the deadline of the open call %(year)s", {"year": edition.year}),
            button=Message("Save and tell the applicants"),
            act=act,
            facts=lambda session: transitions.edition_consequences(
                session=session, edition=session.get_one(Edition, edition.id), values=parsed
            ),
            done=_moved(request, N_("The edition is saved; the holders of drafts are told.")),
            refused=refused,
            back=str(request.url_for("staff_edition_edit", year=edition.path_year).path),
        ),
    )


# --------------------------------------------------------------------------- the edition's page


def edition_page(
    request: Request,
    *,
    account: Staff | None = None,
    problem: Message | None = None,
    back_values: dict[str, str] | None = None,
    back_errors: dict[str, Message] | None = None,
    status_code: int = 200,
) -> Response:
    """The edition: its state and dates, the moves it can make (and what each still needs),
    its criteria, its applications by status, and its latest audit events."""
    account = account or signed_in(request)
    at = now(request)
    with database(request).read() as session:
        edition = edition_in_path(session, request)
        criteria = criteria_of(session=session, edition=edition)
        options = lifecycle.options(session, edition, at)
        scores = scores_recorded(session=session, edition=edition)
        counts = editions.status_counts(session=session, edition=edition)
        latest = activity.lines(
            session=session,
            events=audit.search(session=session, edition_id=edition.id, per_page=10).rows,
        )
    return render_staff(
        request,
        "secretariat/edition.html",
        account,
        {
            "edition": edition,
            "criteria": criteria,
            "options": options,
            "scores": scores,
            "counts": counts,
            "statuses": [s.value for s in ApplicationStatus],
            "latest": latest,
            "problem": problem,
            "back_values": back_values or {"reason": "", "closes_at": ""},
            "back_errors": back_errors or {},
            "weight_total": sum(c.weight for c in criteria),
            "eligible": countries.choices(tuple(edition.eligible_countries), lang(request)),
            "applications_url": optional_url(request, "staff_applications", year=edition.path_year),
        },
        status_code=status_code,
    )


def edition(request: Request) -> Response:
    stash = recall(request, "staff_edition")
    if stash is None:
        return edition_page(request)
    return edition_page(
        request,
        problem=stash.problem,
        back_values={"reason": "", "closes_at": "", **stash.values} if stash.values else None,
        back_errors=stash.errors,
    )


def refused_on_edition(
    request: Request,
    *,
    problem: Message | None = None,
    back_values: dict[str, str] | None = None,
    back_errors: dict[str, Message] | None = None,
) -> Response:
    """Back to the edition's page (303) with what was refused there (a move, a criterion)."""
    return refuse(
        request, "staff_edition", back_values, back_errors, problem=problem, to=_back_to(request)
    )


def _back_to(request: Request) -> str:
    return str(request.url_for("staff_edition", year=request.path_params["year"]).path)


def _moved(request: Request, note: str) -> Callable[[Any], Response]:
    def answer(_result: Any) -> Response:
        flash(request, Message(note))
        return redirect(request, "staff_edition", year=request.path_params["year"])

    return answer


def move(request: Request) -> Response:
    """A move forward, on its confirmation page (the button shows what its guard still needs)."""
    account = signed_in(request)
    form = confirm.submitted(request)
    target = text(form, "to")
    if target not in {s.value for s in EditionState}:
        return refused_on_edition(request, problem=Message("Choose a move."))
    to = EditionState(target)
    at = now(request)
    year = request.path_params["year"]

    def act(session: Session, reason: str) -> Edition:
        return transitions.move(
            session=session,
            edition=edition_in_path(session, request),
            to=to,
            actor=staff_domain.actor_of(account),
            now=at,
            reason=reason,
            links=ballot_links(request),
        )

    return confirm.confirmed(
        request,
        account,
        confirm.Action(
            title=Message(
                "Move edition %(year)s to “%(state)s”", {"year": year, "state": labels.state(to)}
            ),
            button=Message("Make the move"),
            act=act,
            facts=lambda session: transitions.consequences(
                session=session, edition=edition_in_path(session, request), to=to, now=at
            ),
            cautions=lambda session: transitions.cautions(
                session=session, edition=edition_in_path(session, request), to=to, now=at
            ),
            done=_moved(request, MOVED.get(to, MOVED[EditionState.open])),
            refused=lambda error: refused_on_edition(request, problem=error.message),
            back=_back_to(request),
            typed=str(year) if to is EditionState.published else "",
            typed_label=Message(
                "Type the edition's year, %(year)s, to publish its results for good",
                {"year": year},
            ),
        ),
    )


def move_back(request: Request) -> Response:
    """A safe move back, with its reason and its new date (deadline or first-round closing), on
    its confirmation page."""
    account = signed_in(request)
    form = confirm.submitted(request)
    target = text(form, "to")
    values = {"reason": text(form, "reason"), "closes_at": text(form, "closes_at")}
    errors: dict[str, Message] = {}
    closes_at = None
    if values["closes_at"]:
        try:
            closes_at = edition_forms.parse_deadline(values["closes_at"])
        except OverflowError:
            errors["closes_at"] = Message(
                "This time does not exist in Paris (the clocks go forward then)."
            )
        except ValueError:
            errors["closes_at"] = Message("Enter the last minute it allows, like 2027-06-30 23:59.")
    if target not in {s.value for s in EditionState}:
        errors["reason"] = Message("Choose a move.")

    def refused(error: DomainError) -> Response:
        errors[error.field or "reason"] = error.message
        return refused_on_edition(request, back_values=values, back_errors=errors)

    if errors:
        return refused_on_edition(request, back_values=values, back_errors=errors)
    to = EditionState(target)
    at = now(request)

    def act(session: Session, reason: str) -> Edition:
        return transitions.move_back(
            session=session,
            actor=staff_domain.actor_of(account),
            now=at,
            edition=edition_in_path(session, request),
            to=to,
            reason=values["reason"],
            closes_at=closes_at,
            links=applicant_links(request),
        )

    def facts(session: Session) -> list[Message]:
        found = transitions.consequences(
            session=session, edition=edition_in_path(session, request), to=to, now=at
        )
        if closes_at is not None:
            found.append(
                Message(
                    N_("The new deadline: %(when)s.")
                    if to is EditionState.open
                    else N_("The first round now closes: %(when)s."),
                    {"when": When(closes_at, "deadline")},
                )
            )
        if values["reason"].strip():
            found.append(
                Message(
                    N_("Your reason, kept in the audit log: %(reason)s"),
                    {"reason": values["reason"]},
                )
            )
        return found

    return confirm.confirmed(
        request,
        account,
        confirm.Action(
            title=Message(
                "Move edition %(year)s back to “%(state)s”",
                {"year": request.path_params["year"], "state": labels.state(to)},
            ),
            button=Message(
                N_("Open the call again")
                if to is EditionState.open
                else N_("Open the first round again")
            ),
            act=act,
            facts=facts,
            done=_moved(request, MOVED_BACK.get(to, MOVED_BACK[EditionState.open])),
            refused=refused,
            back=_back_to(request),
        ),
    )


routes: list[BaseRoute] = [
    route("/secretariat/editions", editions_list, access=Who.staff, name="staff_editions"),
    route(
        "/secretariat/editions/new",
        edition_new,
        methods=["GET", "POST"],
        access=Who.staff_write_on_post,
        name="staff_edition_new",
    ),
    route("/secretariat/editions/{year:edition}", edition, access=Who.staff, name="staff_edition"),
    route(
        "/secretariat/editions/{year:edition}/edit",
        edition_edit,
        methods=["GET", "POST"],
        access=Who.staff_write_on_post,
        name="staff_edition_edit",
    ),
    route(
        "/secretariat/editions/{year:edition}/move",
        move,
        methods=["GET", "POST"],
        access=Who.staff_write,
        name="staff_edition_move",
    ),
    route(
        "/secretariat/editions/{year:edition}/back",
        move_back,
        methods=["GET", "POST"],
        access=Who.staff_write,
        name="staff_edition_back",
    ),
]
