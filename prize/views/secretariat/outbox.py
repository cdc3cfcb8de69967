"""The outbox page: every e-mail with its status, and a retry for those that failed.

Outside the demo only the subject, recipient and status are shown: bodies hold personal links.
In the demo the body is readable, with its links clickable, so a newcomer can follow them.
"""

from __future__ import annotations

import re
from functools import partial

from markupsafe import Markup, escape
from sqlalchemy.exc import NoResultFound
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute

from prize.domain.errors import NotFound
from prize.domain.shared import outbox, outbox_log
from prize.forms.base import whole
from prize.models import OutboxStatus
from prize.views.access import Who, route
from prize.views.common import database, flash, now, read_form, safe_next, settings
from prize.views.secretariat.access import page_url, render_staff, signed_in

PER_PAGE = 25
_URL = re.compile(r"https?://[^\s<>\"']+")
_TRAILING = ".,;:!?)]}'\""


def linkify(text: str) -> Markup:
    """Plain text escaped, with each http(s) URL turned into a link (nothing else is markup)."""
    out: list[Markup | str] = []
    position = 0
    for match in _URL.finditer(text):
        url = match.group(0).rstrip(_TRAILING)
        end = match.start() + len(url)
        out.append(escape(text[position : match.start()]))
        out.append(Markup('<a href="{0}" rel="noreferrer">{0}</a>').format(url))
        position = end
    out.append(escape(text[position:]))
    return Markup("").join(out)


def _page_number(request: Request) -> int:
    return max(1, whole(request.query_params.get("page", "1"), maximum=100_000) or 1)


def outbox_page(request: Request) -> Response:
    account = signed_in(request)
    status_raw = request.query_params.get("status", "")
    status = OutboxStatus(status_raw) if status_raw in {s.value for s in OutboxStatus} else None
    with database(request).read() as session:
        found = outbox_log.search(
            session=session, status=status, page=_page_number(request), per_page=PER_PAGE
        )
        counts = outbox_log.status_counts(session=session)
    return render_staff(
        request,
        "secretariat/outbox.html",
        account,
        {
            "found": found,
            "status": status.value if status else "",
            "statuses": [s.value for s in OutboxStatus],
            "counts": counts,
            "show_bodies": settings(request).demo,
            "linkify": linkify,
            # each message as sent, with the lines the sender adds (the secretariat's address)
            "as_sent": partial(outbox.text_as_sent, contact=settings(request).contact_email),
            "page_url": lambda n: page_url(request, n),
        },
    )


def message_page(request: Request) -> Response:
    """One message: to whom, when, its status and attempts; its body only in the demonstration
    (elsewhere it holds personal links)."""
    account = signed_in(request)
    with database(request).read() as session:
        try:
            found = outbox_log.message(
                session=session, message_id=int(request.path_params["message_id"])
            )
        except NotFound:
            raise HTTPException(404) from None
    return render_staff(
        request,
        "secretariat/outbox_message.html",
        account,
        {
            "m": found,
            "show_bodies": settings(request).demo,
            "linkify": linkify,
            "footer": partial(outbox.contact_footer, contact=settings(request).contact_email),
        },
    )


def retry(request: Request) -> Response:
    signed_in(request)
    form = read_form(request)
    message_id = int(request.path_params["message_id"])
    try:
        with database(request).write() as session:
            outbox.retry(session=session, message_id=message_id, now=now(request))
    except NoResultFound:
        flash(request, "There is no such message.")
    else:
        flash(request, "The message will be sent again at once.")
    back = str(form.get("back", ""))
    return RedirectResponse(
        safe_next(back, str(request.app.url_path_for("staff_outbox"))), status_code=303
    )


routes: list[BaseRoute] = [
    route("/secretariat/outbox", outbox_page, access=Who.staff, name="staff_outbox"),
    route(
        "/secretariat/outbox/{message_id:int}",
        message_page,
        access=Who.staff,
        name="staff_outbox_message",
    ),
    route(
        "/secretariat/outbox/{message_id:int}/retry",
        retry,
        methods=["POST"],
        access=Who.staff_write,
        name="staff_outbox_retry",
    ),
]
