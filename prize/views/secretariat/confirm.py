"""The confirmation step of every consequential action: a page of its own that says what the
action will do, in numbers, and shows the e-mails it will send, before anything happens.

A route that does something consequential answers a GET (its fields in the query string) with
the confirmation page; a POST from the page that offers it keeps its fields (``refused``) and
redirects to that page, so that Back and reload never post again. To write that page the action is
run in a transaction that is then rolled back: what it would queue is read from the outbox rows
it adds, so the preview stays true whatever e-mails an action comes to send (subject, how many
recipients, one body per language exactly as its reader gets it, the secretariat's address at
its end included, links redacted). Nothing else escapes a rolled-back transaction: the audit
chain's head, the outbox and stored files are written at commit only (sequences may move on,
which nothing reads).

The page's form posts back what the first form sent, with a one-time token (and, for what can
never be undone, a word to type; for what a fair process guards, a reason). A POST with the
token does it: the token is stored in the same transaction, so a second click or a retry finds
it and does nothing more; and if what the action would do now differs from what the page showed
(someone changed something meanwhile), it is rolled back and the page shown again, up to date.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from gettext import NullTranslations
from typing import Any

from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import Response

from prize.domain.errors import DomainError
from prize.domain.shared import outbox
from prize.i18n import Message
from prize.models import Confirmation, OutboxMessage, Staff
from prize.security import CSRF_FIELD, redact
from prize.views.common import database, flash, now, read_form, settings
from prize.views.refused import Recalled, recall, refuse
from prize.views.secretariat.access import render_staff

TOKEN_FIELD = "confirm_token"  # noqa: S105  (a field name, not a secret)
TYPED_FIELD = "confirm_typed"
REASON_FIELD = "reason"
# What a move guarded by cautions is previewed with before its reason is typed (rolled back).
_PREVIEW_REASON = "(preview)"
_OURS = {CSRF_FIELD, TOKEN_FIELD, TYPED_FIELD}


@dataclass
class Action:
    """One consequential action, as its confirmation page presents and does it.

    ``act(session, reason)`` does it (inside the transaction the page opens); ``facts(session)``
    says what it will do, in numbers, read before it runs; ``cautions(session)`` what a fair
    process asks a stated reason for (the page then asks for ``reason``); ``done(result)``
    answers once it is committed; ``refused(error)`` when the action is refused before its page
    (the offering page, with the error next to its field). ``typed``: what must be typed to
    confirm what can never be undone."""

    title: Message
    button: Message
    act: Callable[[Session, str], Any]
    done: Callable[[Any], Response]
    refused: Callable[[DomainError], Response]
    back: str
    facts: Callable[[Session], list[Message]] = lambda session: []
    cautions: Callable[[Session], list[Message]] = lambda session: []
    typed: str = ""
    typed_label: Message | None = None


@dataclass
class MailPreview:
    """The e-mails of one kind an action sends: how many in each language, and one of each
    language as its readers get it."""

    kind: str
    counts: dict[str, int] = field(default_factory=dict)  # language -> how many read it
    samples: dict[str, tuple[str, str]] = field(default_factory=dict)  # language -> (subject, body)

    @property
    def count(self) -> int:
        return sum(self.counts.values())


@dataclass
class Preview:
    facts: list[Message]
    cautions: list[Message]
    mails: list[MailPreview]
    recipients: list[tuple[str, str]]  # (kind, address) of each e-mail, for the fingerprint
    result: Any = None

    @property
    def total(self) -> int:
        return sum(m.count for m in self.mails)

    def fingerprint(self) -> str:
        """What the page showed, as a short hash: the facts and cautions as read in English, and
        each e-mail's kind and recipient (not bodies: their links are new at every run)."""
        shown = [
            [m.translate(NullTranslations()) for m in self.facts],
            [m.translate(NullTranslations()) for m in self.cautions],
            sorted(self.recipients),
        ]
        encoded = json.dumps(shown, sort_keys=True, ensure_ascii=False).encode()
        return hashlib.sha256(encoded).hexdigest()[:32]


class _RollBack(Exception):
    def __init__(self, preview: Preview) -> None:
        super().__init__("preview")
        self.preview = preview


class _DoneAlready(Exception):
    pass


def submitted(request: Request) -> FormData:
    """The fields the action was asked with: the posted form (CSRF checked), or for a GET, the
    fields kept by the post that redirected to it (``refused``), else the query's."""
    if request.method == "POST":
        return read_form(request)
    stash = _stashed(request)
    if stash is not None:
        return _fields_of(stash)
    items: list[tuple[str, str | UploadFile]] = list(request.query_params.multi_items())
    return FormData(items)


def asked(request: Request) -> bool:
    """Whether this GET is the confirmation page a post asked for (its fields kept), for a
    route whose GET is otherwise another page (the edition's form)."""
    return _stashed(request) is not None


def _stashed(request: Request) -> Recalled | None:
    """What the post that redirected to this page kept (read once per request)."""
    if request.method != "GET":
        return None
    if not hasattr(request.state, "confirm_stash"):
        request.state.confirm_stash = recall(request, _form_name(request))
    found: Recalled | None = request.state.confirm_stash
    return found


def _fields_of(stash: Recalled) -> FormData:
    items: list[tuple[str, str | UploadFile]] = []
    for name, value in stash.values.items():
        for one in value if isinstance(value, list) else [value]:
            items.append((name, str(one)))
    return FormData(items)


def _run(session: Session, action: Action, reason: str, *, preview: bool, contact: str) -> Preview:
    facts = action.facts(session)
    cautions = action.cautions(session)
    queued: list[OutboxMessage] = []

    def collect(_session: Session, instance: object) -> None:
        if isinstance(instance, OutboxMessage):
            queued.append(instance)

    event.listen(session, "transient_to_pending", collect)
    try:
        given = reason or (_PREVIEW_REASON if preview and cautions else "")
        result = action.act(session, given)
    finally:
        event.remove(session, "transient_to_pending", collect)
    mails: dict[str, MailPreview] = {}
    for message in queued:
        found = mails.setdefault(message.kind, MailPreview(message.kind))
        found.counts[message.language] = found.counts.get(message.language, 0) + 1
        # the body as its reader gets it, ending included (``contact``: PRIZE_CONTACT_EMAIL)
        found.samples.setdefault(
            message.language, (message.subject, redact(outbox.text_as_sent(message, contact)))
        )
    return Preview(
        facts=facts,
        cautions=cautions,
        mails=list(mails.values()),
        recipients=[(m.kind, m.recipient) for m in queued],
        result=result,
    )


def _contact(request: Request) -> str:
    return settings(request).contact_email


def _preview(request: Request, action: Action, reason: str) -> Preview:
    try:
        with database(request).write() as session:
            raise _RollBack(_run(session, action, reason, preview=True, contact=_contact(request)))
    except _RollBack as rolled_back:
        return rolled_back.preview


def _carried(fields: FormData, *, skip: set[str]) -> list[tuple[str, str]]:
    """The fields the action was asked with, for the page's form to send again."""
    return [(k, v) for k, v in fields.multi_items() if isinstance(v, str) and k not in _OURS | skip]


def _page(
    request: Request,
    account: Staff,
    action: Action,
    preview: Preview,
    fields: FormData,
    *,
    reason: str = "",
    errors: dict[str, Message] | None = None,
    changed: bool = False,
    status_code: int = 200,
) -> Response:
    ask_reason = bool(preview.cautions)
    token = f"{secrets.token_urlsafe(18)}.{preview.fingerprint()}"
    return render_staff(
        request,
        "secretariat/confirm.html",
        account,
        {
            "action": action,
            "preview": preview,
            "carried": _carried(fields, skip={REASON_FIELD} if ask_reason else set()),
            "token": token,
            "token_field": TOKEN_FIELD,
            "typed_field": TYPED_FIELD,
            "ask_reason": ask_reason,
            "reason": reason,
            "errors": errors or {},
            "changed": changed,
            "post_to": request.url.path,
        },
        status_code=status_code,
    )


def _typed_ok(expected: str, typed: str) -> bool:
    return " ".join(typed.split()).casefold() == expected.casefold()


def confirmed(request: Request, account: Staff, action: Action) -> Response:
    """The confirmation page of ``action`` (GET, or a POST without the page's token), or the
    action done (a POST with it)."""
    stash = _stashed(request)
    if stash is not None:  # the page, after the post that asked for it or was refused on it
        return _recalled(request, account, action, stash)
    fields = submitted(request)
    raw = fields.get(TOKEN_FIELD, "")
    token = raw if isinstance(raw, str) and request.method == "POST" else ""
    reason_raw = fields.get(REASON_FIELD, "")
    reason = reason_raw.strip() if isinstance(reason_raw, str) else ""
    if not token:
        try:
            preview = _preview(request, action, reason)
        except DomainError as error:
            return action.refused(error)
        if request.method == "POST":  # the page is a GET: Back and reload never post again
            return refuse(request, _form_name(request), fields, {}, reason=reason)
        return _page(request, account, action, preview, fields, reason=reason)
    nonce, _, fingerprint = token.partition(".")
    if not nonce or len(nonce) > 64:  # not a token this page made: show the page
        return _again(request, account, action, fields, reason, {})
    typed_raw = fields.get(TYPED_FIELD, "")
    typed = typed_raw if isinstance(typed_raw, str) else ""
    if action.typed and not _typed_ok(action.typed, typed):
        return _again(
            request,
            account,
            action,
            fields,
            reason,
            {TYPED_FIELD: Message("Type %(word)s to confirm.", {"word": action.typed})},
        )
    try:
        with database(request).write() as session:
            _spend(session, nonce, request, account)
            done = _run(session, action, reason, preview=False, contact=_contact(request))
            if done.fingerprint() != fingerprint:
                raise _RollBack(done)
    except _DoneAlready:
        flash(request, "This was done already: it is not done twice.")
        return Response(status_code=303, headers={"Location": action.back})
    except _RollBack:
        return _again(request, account, action, fields, reason, {}, changed=True)
    except DomainError as error:
        if error.field == REASON_FIELD:
            return _again(request, account, action, fields, reason, {REASON_FIELD: error.message})
        return action.refused(error)
    return action.done(done.result)


def _again(
    request: Request,
    account: Staff,
    action: Action,
    fields: FormData,
    reason: str,
    errors: dict[str, Message],
    *,
    changed: bool = False,
) -> Response:
    """The page again, up to date, with what was refused on it (or that something changed):
    a redirect to it, with what was sent kept for it (``refused``), but the token."""
    return refuse(request, _form_name(request), fields, errors, reason=reason, changed=changed)


def _form_name(request: Request) -> str:
    return f"confirm:{request.url.path}"


def _recalled(request: Request, account: Staff, action: Action, stash: Recalled) -> Response:
    """The page as it was asked for or refused: the fields it was sent, the errors, up to
    date."""
    reason = str(stash.extra.get("reason", ""))
    try:
        preview = _preview(request, action, reason)
    except DomainError as error:
        return action.refused(error)
    return _page(
        request,
        account,
        action,
        preview,
        _fields_of(stash),
        reason=reason,
        errors=stash.errors,
        changed=bool(stash.extra.get("changed")),
    )


def _spend(session: Session, nonce: str, request: Request, account: Staff) -> None:
    """Store the page's one-time token with what it confirmed; a second use raises."""
    session.add(
        Confirmation(
            nonce=nonce, action=request.url.path[:200], staff_id=account.id, done_at=now(request)
        )
    )
    try:
        session.flush()
    except IntegrityError:
        raise _DoneAlready() from None
