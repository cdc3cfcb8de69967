"""Applications in the back office: the list, one application in full, screening, late
acceptance, translations for the jury, and the exports.

Advisers read every page; every POST needs the secretariat.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlmodel import Session
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from prize import formats
from prize.domain.editions import editions
from prize.domain.errors import DomainError, NotFound
from prize.domain.privacy import retention
from prize.domain.screening import exports, notes, queries, screening
from prize.domain.screening import translation as jury_translation
from prize.domain.staff import staff as staff_domain
from prize.forms.base import text
from prize.i18n import N_, Message, Plural, gettext
from prize.models import Application, ApplicationStatus, Edition, EditionState, Staff
from prize.views.access import Who, route
from prize.views.common import (
    database,
    file_store,
    flash,
    lang,
    now,
    read_form,
    redirect,
)
from prize.views.links import applicant_links
from prize.views.refused import recall, refuse
from prize.views.secretariat import confirm
from prize.views.secretariat.access import edition_in_path, render_staff, signed_in

A = ApplicationStatus

STATUS_LABELS = {
    A.draft.value: N_("Draft"),
    A.submitted.value: N_("Submitted"),
    A.returned.value: N_("Returned for information"),
    A.eligible.value: N_("Eligible"),
    A.ineligible.value: N_("Ineligible"),
    A.withdrawn.value: N_("Withdrawn"),
}
HISTORY_LABELS = {
    "application.started": N_("Started"),
    "application.submitted": N_("Submitted"),
    "application.resubmitted": N_("Submitted again"),
    "application.withdrawn": N_("Withdrawn"),
    "application.deleted": N_("Draft deleted"),
    "application.link_revoked": N_("Links revoked"),
    "application.screened": N_("Screening decision"),
    "application.late_accepted": N_("Accepted after the deadline"),
    "application.translated": N_("Translation for the jury"),
    "application.note_added": N_("Internal note added"),
    "personal_data.erased": N_("Personal data erased"),
}
OUTCOMES = ("eligible", "ineligible", "returned")


def _not_found(error: NotFound) -> HTTPException:
    return HTTPException(404, str(error))


# --------------------------------------------------------------------------- the list


def index(request: Request) -> Response:
    """The newest edition's applications (the back office's "Applications" link)."""
    account = signed_in(request)
    with database(request).read() as session:
        newest = next((e for e in editions.all_editions(session=session) if not e.archived), None)
    if newest is None:
        return render_staff(request, "secretariat/applications_none.html", account)
    return redirect(request, "staff_applications", year=newest.path_year)


def list_page(request: Request) -> Response:
    account = signed_in(request)
    filters = queries.Filters.parse(request.query_params)
    with database(request).read() as session:
        edition = edition_in_path(session, request)
        page = queries.list_applications(session=session, edition=edition, filters=filters)
        waiting = len(screening.pending(session=session, edition=edition))
        years = [e.path_year for e in editions.all_editions(session=session)]
    return render_staff(
        request,
        "secretariat/applications.html",
        account,
        {
            "edition": edition,
            "page": page,
            "filters": filters,
            "years": years,
            "status_labels": STATUS_LABELS,
            "draft_days": retention.DRAFT_DAYS,
            "pending": waiting,
            "status_options": [
                (code, gettext(lang(request), STATUS_LABELS[code]))
                for code in (
                    "submitted",
                    "returned",
                    "eligible",
                    "ineligible",
                    "withdrawn",
                    "draft",
                )
            ],
        },
    )


def _export(request: Request) -> tuple[Edition, list[dict[str, Any]]]:
    signed_in(request)
    with database(request).read() as session:
        edition = edition_in_path(session, request)
        return edition, exports.rows(session=session, edition=edition)


def export_csv(request: Request) -> Response:
    edition, rows = _export(request)
    return Response(
        exports.to_csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{exports.file_name(edition, "csv")}"'
        },
    )


def export_json(request: Request) -> Response:
    edition, rows = _export(request)
    return Response(
        exports.to_json(edition=edition, data=rows, now=now(request)),
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{exports.file_name(edition, "json")}"'
        },
    )


# --------------------------------------------------------------------------- one application


def _application_or_404(session: Session, request: Request) -> Application:
    found = session.get(Application, int(request.path_params["app_id"]))
    if found is None:
        raise HTTPException(404)
    return found


def _dossier(request: Request) -> queries.Dossier:
    with database(request).read() as session:
        try:
            return queries.load_application(
                session=session, application_id=int(request.path_params["app_id"])
            )
        except NotFound as error:
            raise _not_found(error) from None


def _changed_fields(dossier: queries.Dossier) -> list[str]:
    """The fields an edit in progress changes (compared with the submitted version)."""
    if not (dossier.submitted and dossier.draft):
        return []
    names = (
        *("title", "organisation", "countries", "goals", "summary", "participation"),
        *("young_people", "adults", "start_date", "still_running", "end_date"),
        *("applicant_name", "address", "phone", "contact_email", "website"),
    )
    return [n for n in names if getattr(dossier.submitted, n) != getattr(dossier.draft, n)]


def _detail(
    request: Request,
    account: Staff,
    dossier: queries.Dossier,
    *,
    errors: dict[str, Message] | None = None,
    values: dict[str, str] | None = None,
    problem: Message | None = None,
    status_code: int = 200,
) -> Response:
    app, edition = dossier.application, dossier.edition
    moment = now(request)
    can_screen = edition.state is EditionState.screening and app.status not in (
        A.draft,
        A.withdrawn,
    )
    following = None
    if can_screen:
        with database(request).read() as session:
            following = queries.next_to_screen(session=session, edition=edition, after=app)
    return render_staff(
        request,
        "secretariat/application.html",
        account,
        {
            "d": dossier,
            "app": app,
            "edition": edition,
            "content": dossier.shown,
            "changed": _changed_fields(dossier),
            "status_labels": STATUS_LABELS,
            "history_labels": HISTORY_LABELS,
            "name": app.reference or gettext(lang(request), N_("Draft %(id)s"), id=app.id),
            "tr": dict(app.translation or {}),
            "reasons": [
                (code, gettext(lang(request), label)) for code, label in screening.REASONS.items()
            ],
            "reason_labels": screening.REASONS,
            "told": screening.told_applicant(app),
            "can_screen": can_screen,
            "next_to_screen": following,
            "can_accept_late": app.status is A.draft
            and not app.late_reason
            and edition.state in (EditionState.open, EditionState.screening)
            and moment >= edition.deadline,
            "can_translate": edition.state in screening.TRANSLATION_STATES
            and app.status not in (A.draft, A.withdrawn),
            "errors": errors or {},
            "values": values or {},
            "problem": problem,
            "due_default": (formats.in_paris(moment).date() + timedelta(days=14)).isoformat(),
            "notes": _notes(request, app),
        },
        status_code=status_code,
    )


def _notes(request: Request, app: Application) -> list[notes.SignedNote]:
    with database(request).read() as session:
        return notes.notes_of(session=session, application=app)


def add_note(request: Request) -> Response:
    """An internal note, staff only; refused next to its box with what was typed kept."""
    account = signed_in(request)
    form = read_form(request)
    typed = text(form, "note")
    dossier = _dossier(request)
    try:
        with database(request).write() as session:
            notes.add_note(
                session=session,
                application=session.get_one(Application, dossier.application.id),
                author=account,
                text=typed,
                now=now(request),
            )
    except DomainError as error:
        return _refused_on_detail(request, values={"note": typed}, errors={"note": error.message})
    flash(request, "The note is added.")
    response = redirect(request, "staff_application", app_id=dossier.application.id)
    response.headers["location"] += "#notes-h"
    return response


def detail(request: Request) -> Response:
    account = signed_in(request)
    if stash := recall(request, "staff_application"):
        return _detail(
            request,
            account,
            _dossier(request),
            errors=stash.errors,
            values=stash.values,
            problem=stash.problem,
        )
    return _detail(request, account, _dossier(request))


def _refused_on_detail(
    request: Request,
    *,
    values: dict[str, str],
    errors: dict[str, Message],
    problem: Message | None = None,
) -> Response:
    """Back to the application's page (303) with what was refused on it."""
    to = str(request.url_for("staff_application", app_id=request.path_params["app_id"]).path)
    return refuse(request, "staff_application", values, errors, problem=problem, to=to)


def _due(raw: str) -> datetime | None:
    """A date typed in the form: the end of that day in Paris (its last minute allowed)."""
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        return None
    return formats.end_of_day(day)


def _values(form: FormData, names: tuple[str, ...]) -> dict[str, str]:
    return {n: str(form.get(n, "")).strip() for n in names}


def screen(request: Request) -> Response:
    """One of the three screening forms (their fields are named ``<outcome>-<field>``)."""
    account = signed_in(request)
    form = read_form(request)
    outcome_name = str(form.get("outcome", ""))
    prefix = outcome_name if outcome_name in OUTCOMES else "eligible"
    names = ("reason", "note", "info_message", "info_due", "change_reason", "mail_now")
    values = _values(form, tuple(f"{prefix}-{n}" for n in names))
    raw = {n: values[f"{prefix}-{n}"] for n in names}
    due = _due(raw["info_due"]) if raw["info_due"] else None
    if outcome_name == "returned" and raw["info_due"] and due is None:
        error = DomainError("Enter a date like 2027-07-31.", field="info_due")
        return _refused(request, account, error, prefix, values)
    outcome = screening.Outcome(
        status=A(outcome_name) if outcome_name in OUTCOMES else A.submitted,
        reason_code=raw["reason"],
        note=raw["note"],
        info_message=raw["info_message"],
        info_due=due,
    )
    try:
        with database(request).write() as session:
            application = _application_or_404(session, request)
            screening.screen(
                session=session,
                application=application,
                outcome=outcome,
                actor=staff_domain.actor_of(account),
                now=now(request),
                change_reason=raw["change_reason"],
                links=applicant_links(request),
                mail=bool(raw["mail_now"]),
            )
    except DomainError as error:
        return _refused(request, account, error, prefix, values)
    _recorded(request, application)
    if form.get("then") == "next":
        return _to_next(request, application)
    return redirect(request, "staff_application", app_id=application.id)


def _to_next(request: Request, application: Application) -> Response:
    """After "save and go to the next": the next application waiting for screening, or the
    edition's list when none is left (and a notice that says so)."""
    with database(request).read() as session:
        edition = session.get_one(Edition, application.edition_id)
        following = queries.next_to_screen(session=session, edition=edition, after=application)
    if following is None:
        flash(request, "No application is left to screen.")
        return redirect(request, "staff_applications", year=edition.path_year)
    return redirect(request, "staff_application", app_id=following.id)


def _recorded(request: Request, application: Application) -> None:
    if application.screening_mail:
        flash(
            request,
            "%(ref)s: decision recorded. The applicant is told when you send the screening "
            "results; until then you may correct it.",
            ref=application.reference,
        )
    else:
        flash(
            request, "%(ref)s: decision recorded and the applicant told.", ref=application.reference
        )


def send_results(request: Request) -> Response:
    """The screening decisions waiting, e-mailed as one batch from their confirmation page."""
    account = signed_in(request)
    confirm.submitted(request)
    year = request.path_params["year"]
    at = now(request)

    def act(session: Session, _reason: str) -> list[Application]:
        return screening.send_results(
            session=session,
            edition=edition_in_path(session, request),
            actor=staff_domain.actor_of(account),
            now=at,
            links=applicant_links(request),
        )

    def facts(session: Session) -> list[Message]:
        waiting = screening.pending(session=session, edition=edition_in_path(session, request))
        found = [
            Plural(
                "%(num)s screening decision is e-mailed to its applicant.",
                "%(num)s screening decisions are e-mailed to their applicants.",
                len(waiting),
            )
        ]
        for status in OUTCOMES:
            refs = [a.reference or "" for a in waiting if a.status.value == status]
            if refs:
                found.append(
                    Message(
                        "%(status)s: %(refs)s",
                        {"status": Message(STATUS_LABELS[status]), "refs": ", ".join(refs)},
                    )
                )
        return found

    def done(sent: list[Application]) -> Response:
        flash(
            request,
            Plural(
                "The screening results are sent: %(num)s e-mail.",
                "The screening results are sent: %(num)s e-mails.",
                len(sent),
            ),
        )
        return redirect(request, "staff_applications", year=year)

    def refused(error: DomainError) -> Response:
        flash(request, error.message)
        return redirect(request, "staff_applications", year=year)

    return confirm.confirmed(
        request,
        account,
        confirm.Action(
            title=Message("Send the screening results of %(year)s", {"year": year}),
            button=Message("Send the screening results"),
            act=act,
            facts=facts,
            done=done,
            refused=refused,
            back=str(request.url_for("staff_applications", year=year).path),
        ),
    )


def _refused(
    request: Request, account: Staff, error: DomainError, prefix: str, values: dict[str, str]
) -> Response:
    known = error.field and error.field != "status"
    errors = {f"{prefix}-{error.field}": error.message} if known else {}
    _dossier(request)  # an application that does not exist is a 404, as before
    return _refused_on_detail(
        request, values=values, errors=errors, problem=None if known else error.message
    )


def accept_late(request: Request) -> Response:
    account = signed_in(request)
    form = read_form(request)
    reason = str(form.get("late-reason", ""))
    try:
        with database(request).write() as session:
            application = _application_or_404(session, request)
            screening.accept_late(
                session=session,
                application=application,
                reason=reason,
                actor=staff_domain.actor_of(account),
                now=now(request),
                links=applicant_links(request),
            )
    except DomainError as error:
        return _refused(request, account, error, "late", {"late-reason": reason})
    flash(request, "The applicant may now submit after the deadline; they have been told.")
    return redirect(request, "staff_application", app_id=application.id)


def translation(request: Request) -> Response:
    account = signed_in(request)
    dossier = _dossier(request)
    existing = dict(dossier.application.translation or {})
    values = {k: existing.get(k, "") for k in jury_translation.TRANSLATED_FIELDS}
    errors: dict[str, Message] = {}
    problem = None
    if request.method == "POST":
        form = read_form(request)
        values = _values(form, jury_translation.TRANSLATED_FIELDS)
        try:
            with database(request).write() as session:
                application = session.get_one(Application, dossier.application.id)
                screening.set_translation(
                    session=session,
                    application=application,
                    texts=values,
                    actor=staff_domain.actor_of(account),
                    now=now(request),
                )
        except DomainError as error:
            if error.field:
                errors[error.field] = error.message
            else:
                problem = error.message
        else:
            flash(request, "The translation for the jury is saved.")
            return redirect(request, "staff_application", app_id=dossier.application.id)
        return refuse(request, "staff_translation", values, errors, problem=problem)
    if stash := recall(request, "staff_translation"):
        values, errors, problem = {**values, **stash.values}, stash.errors, stash.problem
    return render_staff(
        request,
        "secretariat/application_translation.html",
        account,
        {
            "d": dossier,
            "app": dossier.application,
            "content": dossier.shown,
            "originals": {
                name: jury_translation.original(dossier.shown, name)
                for name in jury_translation.TRANSLATED_FIELDS
            },
            "missing": jury_translation.missing(dossier.shown, existing),
            "values": values,
            "errors": errors,
            "problem": problem,
        },
    )


def attachment(request: Request) -> Response:
    signed_in(request)
    with database(request).read() as session:
        try:
            found = queries.find_attachment(
                session=session,
                application_id=int(request.path_params["app_id"]),
                attachment_id=int(request.path_params["attachment_id"]),
            )
        except NotFound as error:
            raise _not_found(error) from None
    return file_store(request).download_response(found)


routes: list[BaseRoute] = [
    route("/secretariat/applications", index, access=Who.staff, name="staff_applications_index"),
    route(
        "/secretariat/editions/{year:edition}/applications",
        list_page,
        access=Who.staff,
        name="staff_applications",
    ),
    route(
        "/secretariat/editions/{year:edition}/applications.csv",
        export_csv,
        access=Who.staff,
        name="staff_applications_csv",
    ),
    route(
        "/secretariat/editions/{year:edition}/applications.json",
        export_json,
        access=Who.staff,
        name="staff_applications_json",
    ),
    route(
        "/secretariat/applications/{app_id:int}",
        detail,
        access=Who.staff,
        name="staff_application",
    ),
    route(
        "/secretariat/applications/{app_id:int}/notes",
        add_note,
        methods=["POST"],
        access=Who.staff_write,
        name="staff_application_note",
    ),
    route(
        "/secretariat/applications/{app_id:int}/screening",
        screen,
        methods=["POST"],
        access=Who.staff_write,
        name="staff_application_screen",
    ),
    route(
        "/secretariat/editions/{year:edition}/screening/send",
        send_results,
        methods=["GET", "POST"],
        access=Who.staff_write,
        name="staff_screening_send",
    ),
    route(
        "/secretariat/applications/{app_id:int}/late",
        accept_late,
        methods=["POST"],
        access=Who.staff_write,
        name="staff_application_late",
    ),
    route(
        "/secretariat/applications/{app_id:int}/translation",
        translation,
        methods=["GET", "POST"],
        access=Who.staff_write_on_post,
        name="staff_application_translation",
    ),
    route(
        "/secretariat/applications/{app_id:int}/files/{attachment_id:int}",
        attachment,
        access=Who.staff,
        name="staff_application_file",
    ),
]
