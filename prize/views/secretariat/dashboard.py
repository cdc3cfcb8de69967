"""The back office's first page: editions in progress, their next dates, what needs doing now."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from prize import charts
from prize.domain import dashboard
from prize.models import ApplicationStatus
from prize.views.access import Who, route
from prize.views.common import database, now
from prize.views.secretariat.access import optional_url, render_staff, signed_in


def todo_link(request: Request, item: dashboard.Todo, year: int | None) -> str | None:
    """Where a to-do item is done."""
    if item.kind == "outbox":
        return f"{request.app.url_path_for('staff_outbox')}?status=failed"
    if year is None:
        return None
    if item.kind == "applications":
        path = optional_url(request, "staff_applications", year=year)
        if path:
            return f"{path}?status=submitted"
    return str(request.app.url_path_for("staff_edition", year=year))


def pipeline_chart(item: dashboard.EditionOverview) -> charts.StackedBar:
    return charts.stacked_bar([(status, status, n) for status, n in item.pipeline])


def per_day_chart(item: dashboard.EditionOverview) -> charts.Columns:
    return charts.columns([(f"{day.day}/{day.month}", n) for day, n in item.per_day])


def jury_chart(item: dashboard.EditionOverview) -> charts.HBars:
    return charts.hbars([(p.name, p.done, p.total or 1, f"{p.done}/{p.total}") for p in item.jury])


def dashboard_page(request: Request) -> Response:
    account = signed_in(request)
    with database(request).read() as session:
        found = dashboard.overview(session=session, now=now(request))
    return render_staff(
        request,
        "secretariat/dashboard.html",
        account,
        {
            "overview": found,
            "statuses": [s.value for s in ApplicationStatus],
            "pipeline_chart": pipeline_chart,
            "per_day_chart": per_day_chart,
            "jury_chart": jury_chart,
            "todo_link": lambda item, year=None: todo_link(request, item, year),
            "applications_url": lambda year: optional_url(request, "staff_applications", year=year),
        },
    )


routes: list[BaseRoute] = [
    route("/secretariat", dashboard_page, access=Who.staff, name="staff_dashboard")
]
