"""An edition's criteria: add, edit, remove and reorder (frozen once a score exists)."""

from __future__ import annotations

from sqlmodel import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from prize.domain.editions import bands, criteria
from prize.domain.errors import DomainError, NotFound
from prize.domain.staff import staff as staff_domain
from prize.forms import edition as edition_forms
from prize.forms.base import text
from prize.i18n import Message
from prize.models import Criterion, Edition, Staff, pk
from prize.views.access import Who, route
from prize.views.common import database, flash, now, read_form, redirect
from prize.views.refused import recall, refuse
from prize.views.secretariat import confirm
from prize.views.secretariat.access import edition_in_path, render_staff, signed_in
from prize.views.secretariat.editions import refused_on_edition


def _load(request: Request) -> tuple[Edition, Criterion | None]:
    with database(request).read() as session:
        try:
            edition = edition_in_path(session, request)
            criterion_id = request.path_params.get("criterion_id")
            criterion = (
                criteria.get(session=session, edition=edition, criterion_id=int(criterion_id))
                if criterion_id is not None
                else None
            )
        except NotFound:
            raise HTTPException(404) from None
    return edition, criterion


def _form(
    request: Request,
    account: Staff,
    edition: Edition,
    criterion: Criterion | None,
    values: dict[str, str],
    errors: dict[str, object],
    status_code: int = 200,
) -> Response:
    return render_staff(
        request,
        "secretariat/criterion_form.html",
        account,
        {
            "edition": edition,
            "criterion": criterion,
            "values": values,
            "errors": errors,
            "bands": [
                (low, high, default, french)
                for (low, high), default, french in zip(
                    bands.ranges(edition.scale_min, edition.scale_max),
                    bands.DEFAULTS,
                    bands.defaults_in("fr"),
                    strict=False,
                )
            ],
        },
        status_code=status_code,
    )


def criterion_form(request: Request) -> Response:
    """Add a criterion (no id in the path) or edit one."""
    account = signed_in(request)
    edition, criterion = _load(request)
    if request.method == "GET":
        values = edition_forms.criterion_values(criterion)
        if stash := recall(request, "staff_criterion"):
            typed = {**values, **stash.values}
            return _form(request, account, edition, criterion, typed, dict(stash.errors))
        return _form(request, account, edition, criterion, values, {})
    result, spec = edition_forms.parse_criterion(read_form(request))
    if spec is not None:
        try:
            with database(request).write() as session:
                fresh = session.get_one(Edition, edition.id)
                actor = staff_domain.actor_of(account)
                if criterion is None:
                    criteria.add(
                        session=session, actor=actor, now=now(request), edition=fresh, spec=spec
                    )
                else:
                    criteria.update(
                        session=session,
                        actor=actor,
                        now=now(request),
                        edition=fresh,
                        criterion_id=pk(criterion),
                        spec=spec,
                    )
        except DomainError as error:
            result.errors[error.field or "name_en"] = error.message
        else:
            flash(request, "The criteria are saved.")
            return redirect(request, "staff_edition", year=edition.path_year)
    return refuse(request, "staff_criterion", result.values, result.errors)


def remove(request: Request) -> Response:
    """Remove a criterion, on its confirmation page: what it removes, in numbers. Once it is
    removed, its page confirmed again says so (done already) rather than "not found"."""
    account = signed_in(request)
    confirm.submitted(request)  # the CSRF check of a POST
    criterion_id = int(request.path_params["criterion_id"])
    with database(request).read() as session:
        edition = edition_in_path(session, request)
        found = session.get(Criterion, criterion_id)
    if found is not None and found.edition_id != edition.id:
        found = None
    if found is None and request.method == "GET":
        raise HTTPException(404)
    name = found.name_en if found is not None else ""
    at = now(request)

    def act(session: Session, _reason: str) -> None:
        criteria.remove(
            session=session,
            actor=staff_domain.actor_of(account),
            now=at,
            edition=session.get_one(Edition, edition.id),
            criterion_id=criterion_id,
        )

    def done(_result: object) -> Response:
        flash(request, "The criteria are saved.")
        return redirect(request, "staff_edition", year=edition.path_year)

    return confirm.confirmed(
        request,
        account,
        confirm.Action(
            title=Message("Remove the criterion “%(name)s”", {"name": name}),
            button=Message("Remove the criterion"),
            act=act,
            facts=lambda session: criteria.removal_consequences(
                session=session,
                edition=session.get_one(Edition, edition.id),
                criterion_id=criterion_id,
            ),
            done=done,
            refused=lambda error: refused_on_edition(request, problem=error.message),
            back=str(request.url_for("staff_edition", year=edition.path_year).path),
        ),
    )


def reorder(request: Request) -> Response:
    account = signed_in(request)
    form = read_form(request)
    edition, criterion = _load(request)
    assert criterion is not None  # nosec B101: this route always carries a criterion id, so _load found one
    try:
        with database(request).write() as session:
            criteria.move(
                session=session,
                actor=staff_domain.actor_of(account),
                now=now(request),
                edition=session.get_one(Edition, edition.id),
                criterion_id=pk(criterion),
                up=text(form, "direction") == "up",
            )
    except DomainError as error:
        return refused_on_edition(request, problem=error.message)
    flash(request, "The criteria are saved.")
    return redirect(request, "staff_edition", year=edition.path_year)


routes: list[BaseRoute] = [
    route(
        "/secretariat/editions/{year:edition}/criteria/new",
        criterion_form,
        methods=["GET", "POST"],
        access=Who.staff_write_on_post,
        name="staff_criterion_new",
    ),
    route(
        "/secretariat/editions/{year:edition}/criteria/{criterion_id:int}",
        criterion_form,
        methods=["GET", "POST"],
        access=Who.staff_write_on_post,
        name="staff_criterion",
    ),
    route(
        "/secretariat/editions/{year:edition}/criteria/{criterion_id:int}/remove",
        remove,
        methods=["GET", "POST"],
        access=Who.staff_write,
        name="staff_criterion_remove",
    ),
    route(
        "/secretariat/editions/{year:edition}/criteria/{criterion_id:int}/move",
        reorder,
        methods=["POST"],
        access=Who.staff_write,
        name="staff_criterion_move",
    ),
]
