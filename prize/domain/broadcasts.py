"""Messages the secretariat writes to a group: applicants of an edition by where they stand, or
its jurors.

``recipients`` lists a group's people with what the placeholders need; ``check`` refuses an
unknown placeholder, a placeholder some of its readers have no value for (a draft has no
reference yet, and maybe no title or contact name: they would read "Dear ,"), an empty subject
or body, and a language left out that a recipient reads; ``preview`` counts the recipients per
language and fills in the first one's placeholders, and ``fingerprint`` sums up what a preview
showed (the message, and who gets it); ``send`` queues one e-mail per recipient, in their
language, through the outbox, audited as ``group_message.sent``, only when the message and its
recipients are still those of the preview the secretariat saw, and refuses the same message to
the same group again within an hour (a double click sends once). Reaching applicants and
jurors, it sits on top of the contexts.
"""

from __future__ import annotations

import enum
import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from prize.domain.applicants.drafts import current_content
from prize.domain.applicants.links import LinkMaker
from prize.domain.errors import Conflict, DomainError
from prize.domain.jury import ballots, jurors
from prize.domain.jury.links import BallotLinks
from prize.domain.results.decisions import shortlist_of
from prize.domain.shared import audit, outbox, throttle
from prize.i18n import N_, Plural, Sentences
from prize.models import Application, ApplicationStatus, AuditEvent, BallotStatus, Edition

LANGUAGES = ("en", "fr")
PLACEHOLDERS = ("name", "title", "reference", "link")
PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
MAX_SUBJECT = 200
MAX_BODY = 10_000
SENT = "group_message.sent"
AGAIN_WINDOW = timedelta(hours=1)
A = ApplicationStatus


class Group(enum.StrEnum):
    applicants = "applicants"
    drafts = "drafts"
    submitted = "submitted"
    eligible = "eligible"
    shortlisted = "shortlisted"
    ineligible = "ineligible"
    jurors = "jurors"
    jurors_pending = "jurors_pending"


GROUP_NAMES = {
    Group.applicants: N_("All applicants of the edition"),
    Group.drafts: N_("Applicants whose draft is not submitted"),
    Group.submitted: N_("Applicants who submitted"),
    Group.eligible: N_("Eligible applicants"),
    Group.shortlisted: N_("Shortlisted applicants"),
    Group.ineligible: N_("Ineligible applicants"),
    Group.jurors: N_("Jurors"),
    Group.jurors_pending: N_("Jurors who have not submitted this round"),
}


class Changed(Conflict):
    """The message, or who gets it, is not what the preview showed."""


@dataclass(frozen=True)
class Recipient:
    email: str
    language: str
    name: str
    title: str = ""
    reference: str = ""
    link: str = ""


@dataclass
class Text:
    """What the secretariat wrote: a subject and a body per language (empty: left out)."""

    subject: dict[str, str] = field(default_factory=dict)
    body: dict[str, str] = field(default_factory=dict)

    def has(self, language: str) -> bool:
        return bool(self.subject.get(language, "").strip() or self.body.get(language, "").strip())


def _language(person: Recipient) -> str:
    """The language ``person`` is written to: theirs, or English."""
    return person.language if person.language in LANGUAGES else "en"


def _applicants(session: Session, edition: Edition, group: Group) -> list[Application]:
    stmt = select(Application).where(
        Application.edition_id == edition.id, col(Application.erased_at).is_(None)
    )
    wanted = {
        Group.applicants: None,
        Group.drafts: (A.draft,),
        Group.submitted: (A.submitted, A.returned, A.eligible, A.ineligible),
        Group.eligible: (A.eligible,),
        Group.shortlisted: (A.eligible,),
        Group.ineligible: (A.ineligible,),
    }[group]
    if wanted is not None:
        stmt = stmt.where(col(Application.status).in_(wanted))
    rows = list(session.exec(stmt.order_by(col(Application.id))))
    if group is Group.shortlisted:
        chosen = {d.application_id for d in shortlist_of(session=session, edition=edition)}
        rows = [a for a in rows if a.id in chosen]
    return rows


def recipients(
    *,
    session: Session,
    edition: Edition,
    group: Group,
    now: datetime,
    applicant_links: LinkMaker | None = None,
    juror_links: BallotLinks | None = None,
) -> list[Recipient]:
    """The group's people, each with their language and what the placeholders hold for them."""
    if group in (Group.jurors, Group.jurors_pending):
        return _jurors(session, edition, group, now, juror_links)
    found = []
    for application in _applicants(session, edition, group):
        content = current_content(session=session, application=application)
        found.append(
            Recipient(
                email=application.email,
                language=application.language,
                name=(content.contact_person if content else "") or "",
                title=(content.title if content else "") or "",
                reference=application.reference or "",
                link=applicant_links.resume_url(application) if applicant_links else "",
            )
        )
    return found


def _jurors(
    session: Session, edition: Edition, group: Group, now: datetime, links: BallotLinks | None
) -> list[Recipient]:
    round_ = ballots.open_round(edition, now)
    found = []
    for juror in jurors.jurors_of(session=session, edition=edition, active_only=True):
        if juror.invited_at is None or juror.revoked_at is not None:
            continue
        if group is Group.jurors_pending:
            ballot = (
                ballots.get_ballot(session=session, juror=juror, round_=round_) if round_ else None
            )
            if round_ is None or (ballot is not None and ballot.status is BallotStatus.submitted):
                continue
        found.append(
            Recipient(
                email=juror.email,
                language=juror.language,
                name=juror.first_name,
                link=links.url(juror) if links else "",
            )
        )
    return found


def unknown_placeholders(text: str) -> list[str]:
    return sorted({name for name in PLACEHOLDER.findall(text) if name not in PLACEHOLDERS})


def _used(text: str) -> list[str]:
    """The known placeholders ``text`` uses, in the order it first uses them."""
    return list(dict.fromkeys(n for n in PLACEHOLDER.findall(text) if n in PLACEHOLDERS))


def _lacking(key: str, text: str, readers: list[Recipient]) -> DomainError | None:
    """The refusal of a text whose placeholders some of its ``readers`` have no value for (their
    e-mail would read "Dear ," or "()"): how many lack each, or None when all have them all."""
    lacking = []
    for name in _used(text):
        num = sum(1 for person in readers if not str(getattr(person, name)).strip())
        if num:
            lacking.append(
                Plural(
                    "%(num)s of the %(total)s people who get this text has no {%(name)s}: "
                    "their e-mail would show nothing in its place.",
                    "%(num)s of the %(total)s people who get this text have no {%(name)s}: "
                    "their e-mails would show nothing in its place.",
                    num,
                    total=len(readers),
                    name=name,
                )
            )
    if not lacking:
        return None
    return DomainError(
        Plural(
            "%(lacking)s Take it out of the message, or choose a group in which everyone has one.",
            "%(lacking)s Take them out of the message, or choose a group in which everyone has "
            "them.",
            len(lacking),
            lacking=Sentences(tuple(lacking)),
        ),
        field=key,
    )


def fill(text: str, recipient: Recipient) -> str:
    """``text`` with each known placeholder replaced by the recipient's value."""
    return PLACEHOLDER.sub(
        lambda m: str(getattr(recipient, m.group(1))) if m.group(1) in PLACEHOLDERS else m[0],
        text,
    )


def check(text: Text, people: list[Recipient]) -> dict[str, DomainError]:
    """Every refusal, by field (``subject_en``, ``body_fr``, ...); empty when it may be sent.
    A placeholder that some of a text's readers have no value for is refused, with how many
    lack it: nobody reads "Dear ,"."""
    errors: dict[str, DomainError] = {}
    needed = {_language(p) for p in people}
    for language in LANGUAGES:
        readers = [p for p in people if _language(p) == language]
        body = "body_" + language
        if not text.has(language):
            if language in needed:
                errors[body] = DomainError(
                    "Some recipients read this language: write the message in it too.", field=body
                )
            continue
        for part, limit in (("subject", MAX_SUBJECT), ("body", MAX_BODY)):
            key = f"{part}_{language}"
            value = getattr(text, part).get(language, "").strip()
            unknown = unknown_placeholders(value)
            if not value:
                errors[key] = DomainError("Write this part of the message.", field=key)
            elif len(value) > limit:
                errors[key] = DomainError("Use at most %(n)s characters.", field=key, n=limit)
            elif unknown:
                errors[key] = DomainError(
                    "Unknown placeholder: {%(name)s}. Use {name}, {title}, {reference} or {link}.",
                    field=key,
                    name=unknown[0],
                )
            elif lacking := _lacking(key, value, readers):
                errors[key] = lacking
    if not people:
        errors["group"] = DomainError("Nobody is in this group.", field="group")
    return errors


@dataclass(frozen=True)
class Preview:
    language: str
    count: int
    subject: str
    body: str


def _context(text: Text, language: str, person: Recipient) -> dict[str, str]:
    """What ``mail/group_message.txt`` is rendered with for ``person``."""
    return {
        "subject": fill(text.subject[language].strip(), person),
        "body": fill(text.body[language].strip(), person),
    }


def preview(text: Text, people: list[Recipient], *, contact: str = "") -> list[Preview]:
    """Per language read by a recipient: how many, and the e-mail exactly as the first of them
    reads it (the template's signature, and the lines the sender adds with ``contact``,
    PRIZE_CONTACT_EMAIL, included)."""
    shown = []
    for language in LANGUAGES:
        readers = [p for p in people if _language(p) == language]
        if readers and text.has(language):
            subject, body = outbox.render(
                "group_message", language, _context(text, language, readers[0])
            )
            shown.append(
                Preview(
                    language=language,
                    count=len(readers),
                    subject=subject,
                    body=outbox.body_as_sent(body, language, contact),
                )
            )
    return shown


def _fingerprint(edition: Edition, group: Group, text: Text) -> str:
    """The message to a group, as a short hash (a browser sends a line break as CRLF)."""
    parts = [str(edition.id), group.value]
    for language in LANGUAGES:
        parts += [text.subject.get(language, "").strip(), text.body.get(language, "").strip()]
    joined = "\x1f".join(parts).replace("\r\n", "\n")
    return hashlib.sha256(joined.encode()).hexdigest()[:32]


def fingerprint(*, edition: Edition, group: Group, text: Text, people: list[Recipient]) -> str:
    """What a preview showed, as a short code for its Send button to carry back to ``send``:
    the message to the group, then who gets it in which language."""
    who = sorted(f"{p.email}\x1f{_language(p)}" for p in people)
    shown = hashlib.sha256("\x1e".join(who).encode()).hexdigest()[:16]
    return f"{_fingerprint(edition, group, text)[:16]}.{shown}"


def send(
    *,
    session: Session,
    edition: Edition,
    group: Group,
    text: Text,
    previewed: str,
    actor: audit.Actor,
    now: datetime,
    applicant_links: LinkMaker | None = None,
    juror_links: BallotLinks | None = None,
    mail_domain: str = "prize.invalid",
) -> int:
    """Queue the message to every recipient of ``group``, each in their language; audited.

    ``previewed``: the ``fingerprint`` of the preview the secretariat saw; if the message or its
    recipients are no longer those (text edited after the preview, someone joined or left the
    group), nothing is queued and ``Changed`` says which."""
    session.refresh(edition, with_for_update=True)  # two clicks at once: one after the other
    people = recipients(
        session=session,
        edition=edition,
        group=group,
        now=now,
        applicant_links=applicant_links,
        juror_links=juror_links,
    )
    errors = check(text, people)
    if errors:
        raise next(iter(errors.values()))
    now_shown = fingerprint(edition=edition, group=group, text=text, people=people)
    if previewed != now_shown:
        if previewed.partition(".")[0] != now_shown.partition(".")[0]:
            raise Changed(
                "The message changed since its preview: nothing is sent yet. Read the preview "
                "below, then send it."
            )
        raise Changed(
            "Who gets the message changed since its preview: nothing is sent yet. Read the "
            "preview below, then send it."
        )
    key = f"group-message:{_fingerprint(edition, group, text)}"
    if not throttle.hit(session=session, key=key, now=now, limit=1, window=AGAIN_WINDOW):
        raise Conflict("This message was sent to this group already.")
    for person in people:
        language = _language(person)
        outbox.queue(
            session=session,
            kind="group_message",
            recipient=person.email,
            language=language,
            template="group_message",
            context=_context(text, language, person),
            now=now,
            mail_domain=mail_domain,
            edition_id=edition.id,
        )
    audit.record(
        session=session,
        actor=actor,
        kind=SENT,
        now=now,
        edition_id=edition.id,
        subject_kind="edition",
        subject_id=edition.id,
        data={
            "group": group.value,
            "count": len(people),
            "subject": {lang: text.subject[lang].strip() for lang in LANGUAGES if text.has(lang)},
        },
    )
    return len(people)


def sent_before(*, session: Session, edition: Edition) -> list[AuditEvent]:
    """The group messages sent for this edition, newest first (who, group, count, subject)."""
    return list(
        session.exec(
            select(AuditEvent)
            .where(AuditEvent.edition_id == edition.id, AuditEvent.kind == SENT)
            .order_by(col(AuditEvent.id).desc())
        )
    )
