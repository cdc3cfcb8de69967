"""Public results: the page, its JSON and CSV (docs/design.md, "Contracts"), certificates, and the
receipt check with which a juror sees that their ballot was counted."""

from __future__ import annotations

import json
from datetime import timedelta

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from prize import charts
from prize.domain.errors import NotFound
from prize.domain.results import publication, published
from prize.domain.results.published import PublicResults
from prize.domain.shared import throttle
from prize.models import Edition
from prize.pagecache import kept_page, with_etag
from prize.views.access import Who, route
from prize.views.common import FLASH_KEY, database, now, read_form, redirect, render, settings

RECEIPT_KEY = "receipt_check"
RECEIPT_LIMIT = 10  # checks per client
RECEIPT_WINDOW = timedelta(minutes=15)
MAX_RECEIPT = 64


def _load(request: Request) -> PublicResults:
    with database(request).read() as session:
        try:
            return published.get_results(session=session, year=int(request.path_params["year"]))
        except NotFound:
            raise HTTPException(404) from None


def score_chart(edition: Edition, rows: list[tuple[str, float, str]]) -> charts.HBars:
    """The final round's scores, highest first, on the edition's scale."""
    low, high = edition.scale_min, edition.scale_max
    every = 1 if high - low <= 5 else 2
    return charts.hbars(
        [(label, value, high, text) for label, value, text in sorted(rows, key=lambda r: -r[1])],
        low=low,
        ticks=[low + n for n in range(0, int(high - low) + 1, every)],
    )


def results_page(request: Request) -> Response:
    data = _load(request)
    answer = request.session.pop(RECEIPT_KEY, None)
    if not isinstance(answer, dict) or answer.get("year") != data.edition.year:
        answer = None
    path = str(request.url_for("results", year=data.edition.year).path)
    response = render(
        request,
        "results/results.html",
        {
            "data": data,
            "edition": data.edition,
            "answer": answer,
            "page_url": settings(request).base_url + path,
            "score_chart": score_chart,
        },
    )
    # private: the page holds this visitor's CSRF token (the receipt check's form).
    return with_etag(request, response, "private, no-cache")


def results_json(request: Request) -> Response:
    data = _load(request)
    body = json.dumps(data.as_json(), ensure_ascii=False, indent=2)
    response = Response(
        body + "\n",
        media_type="application/json",
        headers={"Access-Control-Allow-Origin": "*"},
    )
    return with_etag(request, response, "public, no-cache")


def results_csv(request: Request) -> Response:
    data = _load(request)
    response = Response(
        data.as_csv(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="edpp-{data.edition.year}-results.csv"'
        },
    )
    return with_etag(request, response, "public, no-cache")


def certificate(request: Request) -> Response:
    with database(request).read() as session:
        try:
            data, item = published.certificate(
                session=session,
                year=int(request.path_params["year"]),
                reference=str(request.path_params["reference"]),
            )
        except NotFound:
            raise HTTPException(404) from None
    return render(
        request, "results/certificate.html", {"data": data, "edition": data.edition, "item": item}
    )


def receipt_check(request: Request) -> Response:
    """POST a receipt code; the answer (counted, or not found) shows beside the form."""
    year = int(request.path_params["year"])
    form = read_form(request)
    code = str(form.get("receipt", "")).strip()[:MAX_RECEIPT]
    client = request.client.host if request.client else ""
    answer: dict[str, object]
    with database(request).write() as session:
        try:
            edition = published.get_results(session=session, year=year).edition
        except NotFound:
            raise HTTPException(404) from None
        if edition.archived:
            answer = {"result": "no_ballots"}
        elif not code:
            answer = {"result": "empty"}
        elif not throttle.hit(
            session=session,
            key=f"receipt:{client}",
            now=now(request),
            limit=RECEIPT_LIMIT,
            window=RECEIPT_WINDOW,
        ):
            answer = {"result": "limited"}
        else:
            rounds = publication.receipt_rounds(session=session, edition=edition, code=code)
            answer = {
                "result": "counted" if rounds else "not_found",
                "rounds": [r.value for r in rounds],
            }
    request.session[RECEIPT_KEY] = {"year": year, **answer}
    response = redirect(request, "results", year=year)
    response.headers["location"] += "#receipt-check"
    return response


routes: list[BaseRoute] = [
    route(
        "/editions/{year:int}/results",
        kept_page(results_page, unless=[FLASH_KEY, RECEIPT_KEY]),
        access=Who.public,
        name="results",
    ),
    route(
        "/editions/{year:int}/results.json",
        kept_page(results_json),
        access=Who.public,
        name="results_json",
    ),
    route(
        "/editions/{year:int}/results.csv",
        kept_page(results_csv),
        access=Who.public,
        name="results_csv",
    ),
    route(
        "/editions/{year:int}/results/receipt",
        receipt_check,
        methods=["POST"],
        access=Who.public,
        name="results_receipt",
    ),
    route(
        "/editions/{year:int}/results/certificates/{reference}",
        certificate,
        access=Who.public,
        name="results_certificate",
    ),
]
