"""The secretariat's jury pages: the jury of an edition with each juror's progress, adding and
importing jurors, and reminders. One juror's page and its actions are in ``jurors``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from prize.domain.editions import editions
from prize.domain.errors import DomainError
from prize.domain.jury import ballots, jurors, panel
from prize.forms import jury as forms
from prize.forms.base import text
from prize.i18n import N_, Message, Plural, gettext
from prize.models import Juror
from prize.views.access import Who, route
from prize.views.common import database, flash, lang, now, read_form, redirect
from prize.views.links import ballot_links
from prize.views.refused import recall, refuse
from prize.views.secretariat import confirm
from prize.views.secretariat import jurors as jurors_views
from prize.views.secretariat.access import edition_in_path, render_staff, signed_in
from prize.views.secretariat.jurors import EMPTY_JUROR, actor, juror_form

# --------------------------------------------------------------------------- the jury page


def index(request: Request) -> Response:
    account = signed_in(request)
    with database(request).read() as session:
        items = [
            (e, len(jurors.jurors_of(session=session, edition=e, active_only=True)))
            for e in editions.all_editions(session=session)
            if not e.archived
        ]
    return render_staff(request, "secretariat/jury_index.html", account, {"items": items})


def jury_page(request: Request) -> Response:
    account = signed_in(request)
    with database(request).read() as session:
        edition = edition_in_path(session, request)
        rows = panel.overview(session=session, edition=edition, now=now(request))
    return render_staff(
        request,
        "secretariat/jury.html",
        account,
        {
            "edition": edition,
            "rows": rows,
            "round": ballots.state_round(edition),
            "round_open": ballots.open_round(edition, now(request)) is not None,
        },
    )


def _back(request: Request) -> str:
    return str(request.url_for("staff_jury", year=request.path_params["year"]).path)


def _refused(request: Request) -> Callable[[DomainError], Response]:
    def refused(error: DomainError) -> Response:
        flash(request, error.message)
        return redirect(request, "staff_jury", year=request.path_params["year"])

    return refused


Report = TypeVar("Report")


def _to_every_juror(
    request: Request,
    send: Callable[..., Report],
    done: Callable[[Report], None],
    *,
    title: Message,
    button: Message,
    fact: Message,
) -> Response:
    """One mailing to the jury (``panel.remind``, ``panel.invite_all``) on its confirmation page;
    ``done`` flashes what its report says."""
    account = signed_in(request)
    confirm.submitted(request)
    at = now(request)

    def act(session: Session, _reason: str) -> Report:
        return send(
            session=session,
            actor=actor(account),
            now=at,
            edition=edition_in_path(session, request),
            links=ballot_links(request),
        )

    def finished(report: Report) -> Response:
        done(report)
        return redirect(request, "staff_jury", year=request.path_params["year"])

    return confirm.confirmed(
        request,
        account,
        confirm.Action(
            title=title,
            button=button,
            act=act,
            facts=lambda session: [fact],
            done=finished,
            refused=_refused(request),
            back=_back(request),
        ),
    )


def remind(request: Request) -> Response:
    """Reminders to the jurors who have not submitted, on their confirmation page."""

    def done(report: panel.Reminded) -> None:
        if report.sent:
            flash(request, "Reminders sent: %(n)s.", n=len(report.sent))
        if report.skipped:
            flash(
                request,
                "Not reminded again, because reminded less than six hours ago: %(n)s.",
                n=len(report.skipped),
            )
        if not report.sent and not report.skipped:
            flash(request, "Every invited juror has submitted: nobody to remind.")

    return _to_every_juror(
        request,
        panel.remind,
        done,
        title=Message("Remind the jurors"),
        button=Message("Send the reminders"),
        fact=Message(
            "Every invited juror who has not submitted in the open round is reminded, "
            "except those reminded less than six hours ago."
        ),
    )


def invite_all(request: Request) -> Response:
    """Invitations to every juror not invited yet, on their confirmation page."""

    def done(report: panel.Invited) -> None:
        flash(request, "Invitations sent: %(n)s.", n=len(report.sent))
        if report.waiting_for_consent:
            flash(
                request,
                "Not invited, waiting for a guardian's consent: %(names)s.",
                names=", ".join(
                    f"{j.first_name} {j.last_name}" for j in report.waiting_for_consent
                ),
            )

    return _to_every_juror(
        request,
        panel.invite_all,
        done,
        title=Message("Invite the whole jury"),
        button=Message("Send the invitations"),
        fact=Message(
            "Every juror not invited yet gets their invitation with their ballot link; "
            "a minor waits for a guardian's consent."
        ),
    )


# --------------------------------------------------------------------------- adding jurors


def add(request: Request) -> Response:
    account = signed_in(request)
    with database(request).read() as session:
        edition = edition_in_path(session, request)

    def save(session: Session, data: jurors.JurorData, values: dict[str, Any]) -> Juror:
        return jurors.add_juror(
            session=session,
            actor=actor(account),
            now=now(request),
            edition=edition_in_path(session, request),
            data=data,
        )

    return juror_form(
        request,
        account,
        "secretariat/jury_add.html",
        {"edition": edition},
        values=dict(EMPTY_JUROR),
        save=save,
        done=N_("%(name)s is added to the jury."),
    )


def import_csv(request: Request) -> Response:
    account = signed_in(request)
    with database(request).read() as session:
        edition = edition_in_path(session, request)
    context: dict[str, Any] = {"edition": edition, "pasted": "", "error": None, "rows": []}
    if request.method == "GET":
        if stash := recall(request, "staff_jury_import"):
            rows = stash.extra.get("rows")
            context.update(
                pasted=str(stash.values.get("pasted", "")),
                error=stash.problem,
                rows=[
                    {"line": r[0], "field": r[1], "message": Message(str(r[2]))}
                    for r in (rows if isinstance(rows, list) else [])
                    if isinstance(r, list) and len(r) == 3
                ],
            )
        return render_staff(request, "secretariat/jury_import.html", account, context)
    form = read_form(request, max_files=1, max_part_size=forms.MAX_CSV_BYTES)
    content = text(form, "pasted")
    upload = form.get("file")
    raw = b""
    if upload is not None and not isinstance(upload, str):
        try:
            raw = upload.file.read(forms.MAX_CSV_BYTES + 1) if upload.filename else b""
        finally:
            upload.file.close()
    if raw:
        decoded = forms.read_upload(raw) if len(raw) <= forms.MAX_CSV_BYTES else None
        if decoded is None:
            context["error"] = Message("Save the file as CSV in UTF-8, at most 256 KB.")
        else:
            content = decoded
    context["pasted"] = text(form, "pasted")
    if context["error"] is None:
        rows, parse_errors = forms.parse_csv(content, edition.eligible_countries)
        try:
            with database(request).write() as session:
                added = jurors.import_jurors(
                    session=session,
                    actor=actor(account),
                    now=now(request),
                    edition=edition_in_path(session, request),
                    rows=rows,
                    parse_errors=parse_errors,
                )
        except jurors.ImportRefused as refused:
            context["error"], context["rows"] = refused.message, refused.rows
        except DomainError as error:
            context["error"] = error.message
        else:
            flash(
                request,
                Plural("%(num)s juror is imported.", "%(num)s jurors are imported.", len(added)),
            )
            return redirect(request, "staff_jury", year=edition.path_year)
    language = lang(request)
    return refuse(
        request,
        "staff_jury_import",
        {"pasted": context["pasted"]},
        {},
        problem=context["error"],
        rows=[[r.line, r.field, gettext(language, r.message)] for r in context["rows"]],
    )


routes: list[BaseRoute] = [
    route("/secretariat/jury", index, access=Who.staff, name="staff_jury_index"),
    route(
        "/secretariat/editions/{year:edition}/jury", jury_page, access=Who.staff, name="staff_jury"
    ),
    route(
        "/secretariat/editions/{year:edition}/jury/add",
        add,
        methods=["GET", "POST"],
        access=Who.staff_write_on_post,
        name="staff_juror_add",
    ),
    route(
        "/secretariat/editions/{year:edition}/jury/import",
        import_csv,
        methods=["GET", "POST"],
        access=Who.staff_write_on_post,
        name="staff_jury_import",
    ),
    route(
        "/secretariat/editions/{year:edition}/jury/remind",
        remind,
        methods=["GET", "POST"],
        access=Who.staff_write,
        name="staff_jury_remind",
    ),
    route(
        "/secretariat/editions/{year:edition}/jury/invite",
        invite_all,
        methods=["GET", "POST"],
        access=Who.staff_write,
        name="staff_jury_invite_all",
    ),
    *jurors_views.routes,
]
