"""The juror's first steps: confirm the first name, accept the pledge, declare conflicts."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response

from prize.domain.applicants import drafts
from prize.domain.errors import DomainError
from prize.domain.jury import ballots, conflicts, panel
from prize.forms import ballot as forms
from prize.i18n import Message
from prize.models import BallotStatus, ContentKind, Edition
from prize.views.access import current_juror
from prize.views.common import database, flash, now, read_form, redirect, render
from prize.views.refused import recall, refuse


def welcome(request: Request) -> Response:
    juror, edition = current_juror(request)
    values: dict[str, Any] = {"first_name": juror.first_name, "pledge": False}
    errors: dict[str, Message] = {}
    if request.method == "POST":
        form = read_form(request)
        values = forms.parse_welcome(form).values
        try:
            with database(request).write() as session:
                writer, _ = current_juror(request).reopen(session, request)
                panel.welcome(
                    session=session,
                    juror=writer,
                    now=now(request),
                    first_name=values["first_name"],
                    pledge=values["pledge"],
                )
        except DomainError as error:
            return refuse(
                request, "ballot_welcome", values, {error.field or "first_name": error.message}
            )
        return redirect(request, "ballot_home")
    if stash := recall(request, "ballot_welcome"):
        values, errors = {**values, **stash.values}, stash.errors
    return render(
        request,
        "ballot/welcome.html",
        {"juror": juror, "edition": edition, "values": values, "errors": errors},
    )


def declare_conflicts(request: Request) -> Response:
    juror, edition = current_juror(request)
    with database(request).read() as session:
        if panel.next_step(juror, edition) == "welcome" or not panel.conflicts_due(edition):
            return redirect(request, "ballot_home")
        candidates = _candidates(session, edition)
        declared = conflicts.conflicts_of(session=session, juror=juror)
        round_, _ = ballots.phase(edition, now(request))
        ballot = ballots.get_ballot(session=session, juror=juror, round_=round_) if round_ else None
    typed: dict[str, str] = {}
    errors: dict[str, Message] = {}
    if request.method == "POST":
        form = read_form(request)
        parsed = forms.parse_conflicts(form, candidates=[c["id"] for c in candidates])
        typed, errors = parsed.typed, dict(parsed.errors)
        if not errors:
            try:
                with database(request).write() as session:
                    writer, current = current_juror(request).reopen(session, request)
                    conflicts.declare_conflicts(
                        session=session,
                        now=now(request),
                        juror=writer,
                        edition=current,
                        declarations=parsed.declarations,
                        none=parsed.none,
                    )
            except DomainError as error:
                errors[error.field or "none"] = error.message
            else:
                flash(request, "Thank you: your declaration is recorded.")
                return redirect(request, "ballot_home")
        return refuse(request, "ballot_conflicts", typed, errors)
    if stash := recall(request, "ballot_conflicts"):
        typed, errors = stash.values, stash.errors
    return render(
        request,
        "ballot/conflicts.html",
        {
            "juror": juror,
            "edition": edition,
            "candidates": candidates,
            "declared": {c.application_id for c in declared},
            # A conflict declared now takes scores out of a counted ballot: say so first.
            "submitted": ballot is not None and ballot.status is BallotStatus.submitted,
            "typed": typed,
            "errors": errors,
        },
    )


def _candidates(session: Session, edition: Edition) -> list[dict[str, Any]]:
    apps = conflicts.candidate_applications(session=session, edition=edition)
    rows = []
    for app in apps:
        content = drafts.content_of(session=session, application=app, kind=ContentKind.submitted)
        rows.append(
            {
                "id": app.id,
                "reference": app.reference,
                "title": content.title if content else "",
                "organisation": content.organisation if content else "",
                "countries": content.countries if content else [],
            }
        )
    return rows
