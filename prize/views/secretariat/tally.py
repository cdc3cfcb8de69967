"""The live, explained tally of each jury round (read by the secretariat and advisers)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from prize import charts
from prize import tally as pure
from prize.domain.editions import editions
from prize.domain.editions.criteria import criteria_of
from prize.domain.jury import jurors
from prize.domain.results import tally_input
from prize.models import Edition, Round, Staff, pk
from prize.views.access import Who, route
from prize.views.common import database
from prize.views.refused import recall
from prize.views.secretariat.access import can_write, edition_in_path, render_staff, signed_in


def edition_of(session: Session, request: Request) -> Edition:
    return edition_in_path(session, request)


def round_of(request: Request) -> Round:
    try:
        return Round(str(request.path_params["round"]))
    except ValueError:
        raise HTTPException(404) from None


# --------------------------------------------------------------------------- the chart


def chart(result: pure.TallyResult, labels: dict[int, str]) -> charts.DotPlot:
    """Each application's ballot scores in rank order, the proposed places above the cut."""
    rows = [
        (
            labels.get(entry.application, ""),
            [b.score for b in entry.ballot_scores],
            entry.score,
            bool(entry.proposed) and entry.proposed != "nominated",
        )
        for entry in result.ranking
    ]
    return charts.dot_plot(
        rows, low=result.params.scale_min, high=result.params.scale_max, cut=result.params.cut
    )


# --------------------------------------------------------------------------- pages


def index(request: Request) -> Response:
    """Every edition, with its tally and decisions pages, and a form for archived editions."""
    account = signed_in(request)
    with database(request).read() as session:
        items = editions.all_editions(session=session)
    values: dict[str, Any] = {"year": "", "title_en": ""}
    stash = recall(request, "staff_tally_index")  # an archived edition refused
    return render_staff(
        request,
        "secretariat/tally_index.html",
        account,
        {
            "editions": items,
            "values": {**values, **stash.values} if stash else values,
            "errors": stash.errors if stash else {},
        },
    )


def _juror_labels(session: Session, edition: Edition, account: Staff) -> dict[int, str]:
    """The secretariat sees each juror's name; an adviser sees "Juror 1", "Juror 2"..."""
    people = sorted(jurors.jurors_of(session=session, edition=edition), key=pk)
    if can_write(account):
        return {pk(j): f"{j.first_name} {j.last_name}" for j in people}
    return {pk(j): f"#{n}" for n, j in enumerate(people, start=1)}


def tally_page(request: Request) -> Response:
    account = signed_in(request)
    round_ = round_of(request)
    with database(request).read() as session:
        edition = edition_of(session, request)
        if edition.archived:
            raise HTTPException(404)
        result = tally_input.tally_of(session=session, edition=edition, round_=round_)
        ranked = tally_input.ranked(session=session, result=result)
        names = _juror_labels(session, edition, account)
        criteria = {c.id: c.name_en for c in criteria_of(session=session, edition=edition)}
        people = jurors.jurors_of(session=session, edition=edition, active_only=True)
    progress = {j.juror: j for j in result.jurors}
    unfinished: list[dict[str, Any]] = []
    for person in people:
        summary = progress.get(pk(person))
        if summary is not None and summary.submitted:
            continue
        unfinished.append(
            {
                "name": names.get(pk(person), ""),
                "started": summary is not None,
                "invited": person.invited_at is not None,
            }
        )
    return render_staff(
        request,
        "secretariat/tally.html",
        account,
        {
            "edition": edition,
            "round": round_.value,
            "result": result,
            "ranked": ranked,
            "names": names,
            "criteria": criteria,
            "unfinished": unfinished,
            "chart": chart(
                result,
                {r.entry.application: f"{r.project.reference} · {r.project.title}" for r in ranked},
            ),
            "flags": pure.FLAGS,
        },
    )


routes: list[BaseRoute] = [
    route("/secretariat/results", index, access=Who.staff, name="staff_tally_index"),
    route(
        "/secretariat/editions/{year:edition}/tally/{round}",
        tally_page,
        access=Who.staff,
        name="staff_tally",
    ),
]
