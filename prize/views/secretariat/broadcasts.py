"""The "Write to…" page: a message from the secretariat to a group of an edition's applicants or
jurors, in English and French, previewed with its count per language (personal links hidden, as
on every confirmation page), then sent through the outbox (``prize.domain.broadcasts``): the
Send button carries the preview's fingerprint, so that only what was previewed goes."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from prize.domain import broadcasts
from prize.domain.errors import DomainError
from prize.domain.staff import staff as staff_domain
from prize.i18n import Message, Plural, gettext
from prize.models import Edition, Staff
from prize.security import redact
from prize.views.access import Who, route
from prize.views.common import database, flash, lang, now, read_form, redirect, settings
from prize.views.links import applicant_links, ballot_links
from prize.views.refused import recall, refuse
from prize.views.secretariat.access import edition_in_path, render_staff, signed_in

FIELDS = ("subject_en", "body_en", "subject_fr", "body_fr")
PREVIEWED = "previewed"  # the preview's fingerprint, carried by its Send button


def _typed(form: Any) -> dict[str, str]:
    typed = {name: str(form.get(name, ""))[: broadcasts.MAX_BODY + 1] for name in FIELDS}
    typed["group"] = str(form.get("group", ""))
    return typed


def _text(typed: dict[str, str]) -> broadcasts.Text:
    return broadcasts.Text(
        subject={lang: typed[f"subject_{lang}"] for lang in broadcasts.LANGUAGES},
        body={lang: typed[f"body_{lang}"] for lang in broadcasts.LANGUAGES},
    )


def _page(
    request: Request,
    account: Staff,
    edition: Edition,
    typed: dict[str, str],
    *,
    errors: dict[str, Message] | None = None,
    previews: list[broadcasts.Preview] | None = None,
    previewed: str = "",
    problem: Message | None = None,
    status_code: int = 200,
) -> Response:
    with database(request).read() as session:
        sent = broadcasts.sent_before(session=session, edition=edition)
    return render_staff(
        request,
        "secretariat/write.html",
        account,
        {
            "edition": edition,
            "typed": typed,
            "errors": errors or {},
            "previews": previews,
            "previewed_field": PREVIEWED,
            "previewed": previewed,
            "problem": problem,
            "groups": [
                (g.value, gettext(lang(request), Message(name)))
                for g, name in broadcasts.GROUP_NAMES.items()
            ],
            "group_names": {g.value: Message(n) for g, n in broadcasts.GROUP_NAMES.items()},
            "sent": sent,
        },
        status_code=status_code,
    )


def write_page(request: Request) -> Response:
    """The form; after a post (a preview, or a refusal), with what was typed and its answer."""
    account = signed_in(request)
    with database(request).read() as session:
        edition = edition_in_path(session, request)
    typed = {"group": "", **dict.fromkeys(FIELDS, "")}
    stash = recall(request, "staff_write")
    if stash is None:
        return _page(request, account, edition, typed)
    typed |= {k: str(v) for k, v in stash.values.items() if k in typed}
    group, people = _recipients(request, typed)
    text = _text(typed)
    if not stash.extra.get("preview") or group is None:
        return _page(request, account, edition, typed, errors=stash.errors)
    now_refused = {k: e.message for k, e in broadcasts.check(text, people).items()}
    if now_refused:  # the group changed since the post: someone new lacks a placeholder
        return _page(request, account, edition, typed, errors=now_refused)
    return _page(
        request,
        account,
        edition,
        typed,
        errors=stash.errors,
        previews=_previews(request, text, people),
        previewed=broadcasts.fingerprint(edition=edition, group=group, text=text, people=people),
        problem=stash.problem,
    )


def _previews(
    request: Request, text: broadcasts.Text, people: list[broadcasts.Recipient]
) -> list[broadcasts.Preview]:
    """The message as the first reader of each language gets it, personal links hidden (as on
    every confirmation page: a preview is no place to open someone's application)."""
    return [
        replace(shown, subject=redact(shown.subject), body=redact(shown.body))
        for shown in broadcasts.preview(text, people, contact=settings(request).contact_email)
    ]


def _recipients(
    request: Request, typed: dict[str, str]
) -> tuple[broadcasts.Group | None, list[broadcasts.Recipient]]:
    """The group chosen (None if none is) and who is in it now."""
    try:
        group = broadcasts.Group(typed["group"])
    except ValueError:
        group = None
    with database(request).read() as session:
        people = (
            broadcasts.recipients(
                session=session,
                edition=edition_in_path(session, request),
                group=group,
                now=now(request),
                applicant_links=applicant_links(request),
                juror_links=ballot_links(request),
            )
            if group
            else []
        )
    return group, people


def write(request: Request) -> Response:
    """Preview (the counts, the message as one reader of each language reads it), or send what
    was previewed: the preview and a refusal are shown by the form's page, after a redirect; a
    message changed since its preview (or its group) is previewed again, nothing sent."""
    account = signed_in(request)
    form = read_form(request)
    typed = _typed(form)
    with database(request).read() as session:
        edition = edition_in_path(session, request)
    group, people = _recipients(request, typed)
    if group is None:
        errors = {"group": Message("Choose who receives the message.")}
    else:
        errors = {k: e.message for k, e in broadcasts.check(_text(typed), people).items()}
    to = str(request.url_for("staff_write", year=edition.path_year).path)
    if errors or form.get("action") != "send":
        return refuse(request, "staff_write", typed, errors, to=to, preview=not errors)
    assert group is not None
    try:
        with database(request).write() as session:
            count = broadcasts.send(
                session=session,
                edition=edition_in_path(session, request),
                group=group,
                text=_text(typed),
                previewed=str(form.get(PREVIEWED, "")),
                actor=staff_domain.actor_of(account),
                now=now(request),
                applicant_links=applicant_links(request),
                juror_links=ballot_links(request),
                mail_domain=ballot_links(request).mail_domain,
            )
    except broadcasts.Changed as error:
        return refuse(request, "staff_write", typed, {}, to=to, preview=True, problem=error.message)
    except DomainError as error:
        flash(request, error.message)
        return redirect(request, "staff_write", year=edition.path_year)
    flash(
        request,
        Plural(
            "The message is queued for %(num)s person.",
            "The message is queued for %(num)s people.",
            count,
        ),
    )
    return redirect(request, "staff_write", year=edition.path_year)


routes: list[BaseRoute] = [
    route(
        "/secretariat/editions/{year:edition}/write",
        write_page,
        access=Who.staff,
        name="staff_write",
    ),
    route(
        "/secretariat/editions/{year:edition}/write",
        write,
        methods=["POST"],
        access=Who.staff_write,
        name="staff_write_send",
    ),
]
