"""Staff accounts: the list, inviting someone, roles, disabling and enabling."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from prize.domain.errors import DomainError
from prize.domain.shared import labels
from prize.domain.staff import staff as staff_domain
from prize.forms import staff as staff_forms
from prize.forms.base import text
from prize.i18n import Message, gettext
from prize.models import Staff, StaffRole
from prize.views.access import Who, route
from prize.views.common import database, flash, lang, now, read_form, redirect
from prize.views.links import staff_links
from prize.views.refused import recall, refuse
from prize.views.secretariat import confirm
from prize.views.secretariat.access import render_staff, signed_in


def _page(
    request: Request,
    account: Staff,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, Message] | None = None,
    problem: Message | None = None,
    status_code: int = 200,
) -> Response:
    with database(request).read() as session:
        people = staff_domain.all_staff(session=session)
    return render_staff(
        request,
        "secretariat/staff.html",
        account,
        {
            "people": people,
            "values": values or {"email": "", "name": "", "role": "secretariat", "language": "en"},
            "errors": errors or {},
            "problem": problem,
            "has_password": staff_domain.has_password,
        },
        status_code=status_code,
    )


def accounts(request: Request) -> Response:
    account = signed_in(request)
    if stash := recall(request, "staff_accounts"):
        values = {"email": "", "name": "", "role": "secretariat", "language": "en"}
        return _page(
            request,
            account,
            values={**values, **stash.values} if stash.values else None,
            errors=stash.errors,
            problem=stash.problem,
        )
    return _page(request, account)


def _refused(
    request: Request,
    values: dict[str, Any] | None = None,
    errors: dict[str, Message] | None = None,
    problem: Message | None = None,
) -> Response:
    """Back to the accounts' page (303) with what was refused there."""
    to = str(request.url_for("staff_accounts").path)
    return refuse(request, "staff_accounts", values, errors, problem=problem, to=to)


def invite(request: Request) -> Response:
    account = signed_in(request)
    form = read_form(request)
    result = staff_forms.parse_invitation(form)
    if result.ok:
        try:
            with database(request).write() as session:
                invited = staff_domain.invite_staff(
                    session=session,
                    actor=staff_domain.actor_of(account),
                    mailer=staff_links(request),
                    now=now(request),
                    email=result.values["email"],
                    name=result.values["name"],
                    role=StaffRole(result.values["role"]),
                    language=result.values["language"],
                )
        except DomainError as error:
            result.errors[error.field or "email"] = error.message
        else:
            flash(
                request,
                "%(email)s is invited: an e-mail with a link is on its way.",
                email=invited.email,
            )
            return redirect(request, "staff_accounts")
    return _refused(request, result.values, result.errors)


def _act(request: Request, action: str) -> Response:
    """One change to one account (role, enable, resend); 303 back to the list."""
    account = signed_in(request)
    form = read_form(request)
    staff_id = int(request.path_params["staff_id"])
    try:
        with database(request).write() as session:
            if action == "role":
                role = staff_forms.parse_role(form)
                if role is None:
                    raise DomainError("Choose a role.")
                changed = staff_domain.set_role(
                    session=session, actor=account, staff_id=staff_id, role=role, now=now(request)
                )
                note = Message(
                    "%(email)s is now %(role)s.",
                    {"email": changed.email, "role": gettext(lang(request), labels.role(role))},
                )
            elif action == "enable":
                changed = staff_domain.enable(
                    session=session, actor=account, staff_id=staff_id, now=now(request)
                )
                note = Message("%(email)s is enabled again.", {"email": changed.email})
            else:
                changed = staff_domain.resend_invitation(
                    session=session,
                    actor=staff_domain.actor_of(account),
                    mailer=staff_links(request),
                    staff_id=staff_id,
                    now=now(request),
                )
                note = Message(
                    "The invitation is sent again to %(email)s.", {"email": changed.email}
                )
    except DomainError as error:
        return _refused(request, problem=error.message)
    flash(request, note)
    return redirect(request, "staff_accounts")


def set_role(request: Request) -> Response:
    return _act(request, "role")


def disable(request: Request) -> Response:
    """Disabling an account, on its confirmation page: who is signed out, from when."""
    account = signed_in(request)
    form = confirm.submitted(request)
    staff_id = int(request.path_params["staff_id"])
    at = now(request)

    def act(session: Session, _reason: str) -> Staff:
        return staff_domain.disable(
            session=session, actor=account, staff_id=staff_id, now=at, reason=text(form, "reason")
        )

    def facts(session: Session) -> list[Message]:
        email = staff_domain.emails_by_id(session=session, ids={staff_id}).get(staff_id, "")
        return [
            Message(
                "%(email)s is signed out at once, everywhere, and can no longer sign in until "
                "the account is enabled again.",
                {"email": email},
            )
        ]

    def done(changed: Staff) -> Response:
        flash(request, Message("%(email)s is disabled and signed out.", {"email": changed.email}))
        return redirect(request, "staff_accounts")

    return confirm.confirmed(
        request,
        account,
        confirm.Action(
            title=Message("Disable a staff account"),
            button=Message("Disable the account"),
            act=act,
            facts=facts,
            done=done,
            refused=lambda error: _refused(request, problem=error.message),
            back=str(request.url_for("staff_accounts").path),
        ),
    )


def enable(request: Request) -> Response:
    return _act(request, "enable")


def resend(request: Request) -> Response:
    return _act(request, "resend")


routes: list[BaseRoute] = [
    route("/secretariat/staff", accounts, access=Who.staff, name="staff_accounts"),
    route(
        "/secretariat/staff/invite",
        invite,
        methods=["POST"],
        access=Who.staff_write,
        name="staff_invite",
    ),
    route(
        "/secretariat/staff/{staff_id:int}/role",
        set_role,
        methods=["POST"],
        access=Who.staff_write,
        name="staff_set_role",
    ),
    route(
        "/secretariat/staff/{staff_id:int}/disable",
        disable,
        methods=["GET", "POST"],
        access=Who.staff_write,
        name="staff_disable",
    ),
    route(
        "/secretariat/staff/{staff_id:int}/enable",
        enable,
        methods=["POST"],
        access=Who.staff_write,
        name="staff_enable",
    ),
    route(
        "/secretariat/staff/{staff_id:int}/resend",
        resend,
        methods=["POST"],
        access=Who.staff_write,
        name="staff_resend",
    ),
]
