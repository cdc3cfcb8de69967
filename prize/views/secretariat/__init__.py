"""The secretariat's back office."""

from __future__ import annotations

from starlette.routing import BaseRoute

from prize.views.secretariat import auth

routes: list[BaseRoute] = [*auth.routes]
