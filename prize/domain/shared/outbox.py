"""The transactional outbox: e-mails written in the same transaction as the change that causes them.

``queue`` renders a message in its reader's language and adds it to the caller's session.
``deliver_due`` claims due rows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL), sends them over SMTP
outside any transaction, then marks them sent, or due again later with backoff (the server
refused or could not be reached), or failed (the message itself can never be built). A bug raises
instead, leaving the messages of the pass queued. A message is sent twice only if a crash falls
between the server's acceptance and that mark, and then with the same Message-ID.

A claim is a lease (``LEASE``) judged by the clock the sender passes (the database's, in a
serving process): a claim older than that was lost in a crash and is taken again. Before each
message is sent, the claims on the rest of the batch are renewed, those still this sender's:
however long a slow mail relay makes the batch, its claims stay fresh, and a message another
sender took meanwhile (this sender stalled past the lease) is left to that sender, so no message
is sent by two senders.
"""

from __future__ import annotations

import functools
import smtplib
import ssl
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.errors import MessageError
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from typing import Any
from urllib.parse import unquote, urlsplit

from jinja2 import Environment
from sqlmodel import Session, col, or_, select

from prize.db import Database
from prize.models import Edition, OutboxMessage, OutboxStatus, pk
from prize.templating import mail_environment

MAX_ATTEMPTS = 8
LEASE = timedelta(minutes=10)  # a claim older than this was lost in a crash: send it again
BATCH = 20
MAX_SUBJECT = 300  # OutboxMessage.subject's length


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, ... capped at one hour."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


@functools.cache
def _mail_env() -> Environment:
    return mail_environment()


def render(template: str, language: str, context: Mapping[str, Any]) -> tuple[str, str]:
    """Render ``templates/mail/<template>.txt``: first line ``Subject: ...``, a blank line, body."""
    text = _mail_env().get_template(f"mail/{template}.txt").render({**context, "lang": language})
    head, _, body = text.partition("\n\n")
    if not head.startswith("Subject:"):
        raise ValueError(f"mail/{template}.txt must start with a 'Subject:' line")
    # One line, whatever a title typed into a form holds (no header injection), and short
    # enough for its column (a 300-character title after "Your application link: " is not).
    subject = " ".join(head.removeprefix("Subject:").splitlines()).strip()
    if len(subject) > MAX_SUBJECT:
        subject = subject[: MAX_SUBJECT - 1].rstrip() + "…"
    return subject, body.strip() + "\n"


def queue(
    *,
    session: Session,
    kind: str,
    recipient: str,
    language: str,
    template: str,
    context: Mapping[str, Any],
    now: datetime,
    mail_domain: str = "prize.invalid",
    edition_id: int | None = None,
) -> OutboxMessage:
    subject, body = render(template, language, context)
    held = _held_back(session, edition_id=edition_id, recipient=recipient)
    message = OutboxMessage(
        kind=kind,
        edition_id=edition_id,
        recipient=recipient,
        subject=subject,
        body=body,
        language=language,
        message_id=f"<{uuid.uuid4().hex}@{mail_domain}>",
        created_at=now,
        next_attempt_at=now,
        status=OutboxStatus.held if held else OutboxStatus.queued,
    )
    session.add(message)
    session.flush()
    return message


def _held_back(session: Session, *, edition_id: int | None, recipient: str) -> bool:
    """Whether a message stays in the outbox, never sent: one of a rehearsal's, to an address
    the secretariat did not list for it."""
    edition = session.get(Edition, edition_id) if edition_id is not None else None
    if edition is None or not edition.rehearsal:
        return False
    return recipient.strip().lower() not in {a.lower() for a in edition.rehearsal_recipients}


def contact_footer(language: str, contact: str) -> str:
    """The lines every e-mail ends with, in its reader's language: where to write with a question
    (``PRIZE_CONTACT_EMAIL``); nothing without an address (only a test's settings lack one)."""
    if not contact:
        return ""
    text = _mail_env().get_template("mail/_contact.txt").render(lang=language, contact=contact)
    return "\n-- \n" + text.strip() + "\n"


def body_as_sent(body: str, language: str, contact: str) -> str:
    """A rendered body exactly as its reader gets it: the body, then the lines the sender adds
    (``contact_footer``). The sender builds its e-mail with this, and every page that shows a
    message (the outbox, a confirmation page's preview, "Write to a group") shows this."""
    return body + contact_footer(language, contact)


def text_as_sent(message: OutboxMessage, contact: str) -> str:
    """The body of the queued ``message`` exactly as its reader gets it (``body_as_sent``)."""
    return body_as_sent(message.body, message.language, contact)


def mail_domain(mail_from: str) -> str:
    address = parseaddr(mail_from)[1]
    return address.rpartition("@")[2] or "prize.invalid"


# --------------------------------------------------------------------------- delivery


@dataclass(frozen=True)
class SmtpTarget:
    host: str
    port: int
    username: str | None
    password: str | None
    mode: str  # "plain", "ssl" or "starttls"

    @classmethod
    def from_url(cls, url: str) -> SmtpTarget:
        parts = urlsplit(url)
        mode = {"smtp": "plain", "smtps": "ssl", "smtp+starttls": "starttls"}[parts.scheme]
        default_port = {"plain": 25, "ssl": 465, "starttls": 587}[mode]
        return cls(
            host=parts.hostname or "localhost",
            port=parts.port or default_port,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            mode=mode,
        )


def build_email(message: OutboxMessage, mail_from: str, contact: str) -> EmailMessage:
    """The e-mail of ``message``, ending with the secretariat's ``contact`` address (replies go
    there too)."""
    email = EmailMessage()
    email["From"] = mail_from
    email["To"] = message.recipient
    if contact:
        email["Reply-To"] = contact
    email["Subject"] = message.subject
    email["Message-ID"] = message.message_id
    email["Date"] = formatdate(message.created_at.timestamp(), usegmt=True)
    email["Auto-Submitted"] = "auto-generated"
    email.set_content(text_as_sent(message, contact))
    email["Content-Language"] = message.language  # after set_content, which drops Content-*
    return email


def send(email: EmailMessage, target: SmtpTarget, *, timeout: float = 30) -> None:
    smtp: smtplib.SMTP
    if target.mode == "ssl":
        smtp = smtplib.SMTP_SSL(
            target.host, target.port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        smtp = smtplib.SMTP(target.host, target.port, timeout=timeout)
    with smtp:
        if target.mode == "starttls":
            smtp.starttls(context=ssl.create_default_context())
        if target.username:
            smtp.login(target.username, target.password or "")
        smtp.send_message(email)


def claim_due(*, session: Session, now: datetime, limit: int = BATCH) -> list[OutboxMessage]:
    """Mark due messages as being sent by this process and return them."""
    due = or_(
        (col(OutboxMessage.status) == OutboxStatus.queued)
        & (col(OutboxMessage.next_attempt_at) <= now),
        (col(OutboxMessage.status) == OutboxStatus.sending)
        & (col(OutboxMessage.claimed_at) <= now - LEASE),
    )
    rows = list(
        session.exec(
            select(OutboxMessage)
            .where(due)
            .order_by(col(OutboxMessage.id))
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    for row in rows:
        row.status = OutboxStatus.sending
        row.claimed_at = now
        row.attempts += 1
        session.add(row)
    session.flush()
    return rows


def oldest_due(*, session: Session, now: datetime) -> timedelta | None:
    """How long the oldest message due to be sent has been waiting (None: none is due), for
    ``/health``: a sender that has stopped shows as a growing wait."""
    due_since = session.exec(
        select(OutboxMessage.next_attempt_at)
        .where(
            col(OutboxMessage.status) == OutboxStatus.queued,
            col(OutboxMessage.next_attempt_at) <= now,
        )
        .order_by(col(OutboxMessage.next_attempt_at))
        .limit(1)
    ).first()
    return None if due_since is None else now - due_since


def mark_sent(*, session: Session, message_id: int, now: datetime) -> None:
    row = session.get_one(OutboxMessage, message_id)
    row.status = OutboxStatus.sent
    row.sent_at = now
    row.last_error = ""
    session.add(row)


def mark_failed_attempt(
    *, session: Session, message_id: int, now: datetime, detail: str, permanent: bool = False
) -> None:
    """Record a failed attempt (``detail`` says what went wrong): failed for good when
    ``permanent`` or out of attempts, else queued again after the backoff."""
    row = session.get_one(OutboxMessage, message_id)
    row.last_error = detail[:2000]
    if permanent or row.attempts >= MAX_ATTEMPTS:
        row.status = OutboxStatus.failed
    else:
        row.status = OutboxStatus.queued
        row.next_attempt_at = now + backoff(row.attempts)
    row.claimed_at = None
    session.add(row)


def retry(*, session: Session, message_id: int, now: datetime) -> OutboxMessage:
    """Put a failed (or queued) message back in line, to be tried at once."""
    row = session.get_one(OutboxMessage, message_id)
    if row.status == OutboxStatus.failed:
        row.attempts = 0
    if row.status in {OutboxStatus.failed, OutboxStatus.queued}:
        row.status = OutboxStatus.queued
        row.next_attempt_at = now
        session.add(row)
    return row


def _record_failure(
    database: Database, message_id: int, now: datetime, error: Exception, *, permanent: bool
) -> None:
    with database.write() as session:
        mark_failed_attempt(
            session=session,
            message_id=message_id,
            now=now,
            detail=f"{type(error).__name__}: {error}",
            permanent=permanent,
        )


def _put_back(database: Database, message_ids: list[int], bug: Exception) -> None:
    """Release claimed messages a bug kept from being tried: queued and due as before, the claim
    and its attempt undone; the first one keeps the bug's name as its last error."""
    with database.write() as session:
        for position, message_id in enumerate(message_ids):
            row = session.get_one(OutboxMessage, message_id)
            row.status = OutboxStatus.queued
            row.claimed_at = None
            row.attempts = max(row.attempts - 1, 0)
            if position == 0:
                row.last_error = f"{type(bug).__name__}: {bug}"[:2000]
            session.add(row)


# What a message's own content makes ``build_email`` raise (a header with a line break, an
# address the e-mail library cannot parse): that message can never be sent, and fails at once.
UNBUILDABLE = (ValueError, MessageError)


def _attempt(
    message: OutboxMessage, mail_from: str, contact: str, target: SmtpTarget
) -> tuple[Exception, bool] | None:
    """Build and send one message: None once the server accepted it, else the error and whether
    it is for good (the message cannot be built) or worth another try (the SMTP server refused
    or could not be reached). Anything else is a bug, and raises."""
    try:
        email = build_email(message, mail_from, contact)
    except UNBUILDABLE as error:
        return error, True
    try:
        send(email, target)
    except (OSError, smtplib.SMTPException) as error:
        return error, False
    return None


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    taken_over: int = 0  # claimed by another sender meanwhile: left to it


def _renew(database: Database, messages: list[OutboxMessage], now: datetime) -> set[int]:
    """Renew this sender's claims on ``messages`` (the rest of its batch) to ``now``; return the
    ids still this sender's. A message another sender has claimed since (this sender's lease ran
    out) is left to that sender."""
    ours = set()
    with database.write() as session:
        for message in messages:
            row = session.get(OutboxMessage, pk(message), with_for_update=True)
            if (
                row is None
                or row.status != OutboxStatus.sending
                or row.claimed_at != message.claimed_at
            ):
                continue
            row.claimed_at = now
            session.add(row)
            message.claimed_at = now
            ours.add(pk(message))
    return ours


def deliver_due(
    *,
    database: Database,
    smtp_url: str,
    mail_from: str,
    contact: str,
    now: datetime,
    limit: int = BATCH,
    clock: Callable[[], datetime] | None = None,
) -> DeliveryReport:
    """One pass of the sender: claim, send each outside a transaction (its claim renewed first,
    by ``clock``: the time as the pass goes on, ``now`` when not given), record the outcome.
    ``contact`` (``PRIZE_CONTACT_EMAIL``) ends every message and receives the replies."""
    report = DeliveryReport()
    target = SmtpTarget.from_url(smtp_url)
    with database.write() as session:
        claimed = claim_due(session=session, now=now, limit=limit)
    for position, message in enumerate(claimed):
        now = clock() if clock is not None else now
        if pk(message) not in _renew(database, claimed[position:], now):
            report.taken_over += 1
            continue
        try:
            failure = _attempt(message, mail_from, contact, target)
        except Exception as bug:
            # A bug in Prize, not in the message or the server: it must not mark a good message
            # failed for good. This message and the rest of the batch go back in line untouched,
            # and the pass fails loudly (the serving loop logs it; ``prize outbox send`` shows it).
            _put_back(database, [pk(m) for m in claimed[position:]], bug)
            raise
        if failure is None:
            with database.write() as session:
                mark_sent(session=session, message_id=pk(message), now=now)
            report.sent += 1
        else:
            error, permanent = failure
            _record_failure(database, pk(message), now, error, permanent=permanent)
            report.failed += 1
    return report
