"""The secretariat's back office."""

from __future__ import annotations

from starlette.routing import BaseRoute

from prize.views.secretariat import (
    applications,
    audit,
    auth,
    broadcasts,
    criteria,
    dashboard,
    edition_tools,
    editions,
    guardian_forms,
    jury,
    outbox,
    personal_data,
    staff,
)

routes: list[BaseRoute] = [
    *auth.routes,
    *dashboard.routes,
    *editions.routes,
    *edition_tools.routes,
    *criteria.routes,
    *staff.routes,
    *outbox.routes,
    *audit.routes,
    *broadcasts.routes,
]
routes += applications.routes
routes += personal_data.routes
routes += jury.routes
routes += guardian_forms.routes

from prize.views.secretariat import decisions as _decisions  # noqa: E402
from prize.views.secretariat import tally as _tally  # noqa: E402

routes += _tally.routes
routes += _decisions.routes
