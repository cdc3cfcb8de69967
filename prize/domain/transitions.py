"""Moving an edition through its life, with what each move implies.

``move`` is the one way an edition changes state: it locks the edition's row, asks
``editions.lifecycle.check_move`` whether the move may be made now (the rules), writes the new
state and an ``edition.moved`` audit event, then runs the move's effects, each a call into the
context that owns it: the decision e-mails (``results.decisions``), the published figures
(``results.publication``), the applicants' shortlist and results e-mails and the jurors' thanks
(``results.announcements``), the jury's round e-mails (``jury.panel``). All of it happens in the
caller's transaction.

The secretariat's moves with something more to them wrap ``move``: ``move_back`` (with its new
date), ``move_to_final``, ``decide`` and ``publish``; ``publish_due`` is the serving processes'
timed publication, the one move a date makes (see docs/design.md, "The edition lifecycle").

This module sits above the contexts whose effects it runs, so that ``editions``, the lowest of
them, imports none of them (``prize.domain`` says the direction).
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from prize.domain.editions import editions, lifecycle
from prize.domain.errors import NotAllowed
from prize.domain.jury import panel
from prize.domain.jury.links import BallotLinks
from prize.domain.results import announcements, decisions, publication
from prize.domain.shared import audit, schedule
from prize.models import Edition, EditionState

S = EditionState


def _effects(
    session: Session,
    edition: Edition,
    origin: EditionState,
    actor: audit.Actor,
    now: datetime,
    links: BallotLinks | None,
) -> None:
    """What entering the new state implies, inside the move's transaction; each effect is a call
    into the domain module that owns it."""
    mail_domain = links.mail_domain if links else "prize.invalid"
    if edition.state is S.decided and origin is S.final:
        decisions.notify_decided(
            session=session,
            edition=edition,
            now=now,
            mail_domain=mail_domain,
        )
    if edition.state is S.published:  # the published figures, written once, for good
        publication.record_publication(session=session, edition=edition, actor=actor, now=now)
        announcements.notify_published(
            session=session,
            edition=edition,
            now=now,
            site=links.base_url if links else "",
            mail_domain=mail_domain,
        )
    forward = lifecycle.FORWARD.get(origin) is edition.state
    if forward and edition.state is S.final:  # the shortlist is fixed: tell the applicants
        announcements.notify_shortlist(
            session=session, edition=edition, actor=actor, now=now, mail_domain=mail_domain
        )
    if forward and edition.state in (S.shortlisting, S.final):
        # tell the invited jurors that their round is open
        panel.notify_round_open(session=session, edition=edition, now=now, links=links)


def move(
    *,
    session: Session,
    edition: Edition,
    to: EditionState,
    actor: audit.Actor,
    now: datetime,
    reason: str = "",
    links: BallotLinks | None = None,
) -> Edition:
    """Move ``edition`` to state ``to``, forward or (with a reason) one of the safe moves back.

    The edition's row is locked first, so two clicks on the same move make one move (the second
    finds the state already changed and is refused). ``links`` makes the e-mails the move sends
    (jurors' ballot links, the Message-ID domain); without it they carry no link.
    """
    session.refresh(edition, with_for_update=True)
    origin = edition.state
    lifecycle.check_move(session=session, edition=edition, to=to, reason=reason, now=now)
    edition.state = to
    edition.updated_at = now
    if to is S.published:
        edition.published_at = now
    session.add(edition)
    audit.record(
        session=session,
        actor=actor,
        kind="edition.moved",
        now=now,
        edition_id=edition.id,
        subject_kind="edition",
        subject_id=edition.id,
        reason=reason.strip(),
        data={"from": origin.value, "to": to.value},
    )
    _effects(session, edition, origin, actor, now, links)
    session.flush()
    return edition


def move_back(
    *,
    session: Session,
    actor: audit.Actor,
    now: datetime,
    edition: Edition,
    to: EditionState,
    reason: str,
    closes_at: datetime | None,
) -> Edition:
    """A safe move back with its new date: ``screening -> open`` with a new deadline (extending
    the call), ``final -> shortlisting`` with a new closing instant for the first round."""
    editions.set_move_back_date(
        session=session,
        actor=actor,
        now=now,
        edition=edition,
        to=to,
        reason=reason,
        closes_at=closes_at,
    )
    return move(session=session, edition=edition, to=to, actor=actor, now=now, reason=reason)


def move_to_final(
    *,
    session: Session,
    edition: Edition,
    actor: audit.Actor,
    now: datetime,
    links: BallotLinks | None = None,
) -> Edition:
    return move(session=session, edition=edition, to=S.final, actor=actor, now=now, links=links)


def decide(
    *,
    session: Session,
    edition: Edition,
    actor: audit.Actor,
    now: datetime,
    links: BallotLinks | None = None,
) -> Edition:
    """Close the jury's work: winners and nominated applicants are told privately (embargo)."""
    session.refresh(edition, with_for_update=True)
    if edition.state is not S.final:
        raise NotAllowed("Results are decided at the end of the final round.")
    return move(session=session, edition=edition, to=S.decided, actor=actor, now=now, links=links)


def publish(
    *,
    session: Session,
    edition: Edition,
    actor: audit.Actor,
    now: datetime,
    links: BallotLinks | None = None,
) -> Edition:
    """Make the results public, now and for good (``move`` records the published figures on
    entering ``published``, and e-mails applicants and jurors the results' link, made from
    ``links``' address)."""
    session.refresh(edition, with_for_update=True)  # a double click, or the sender loop
    if edition.state is S.published:
        raise NotAllowed("These results are published already.")
    if edition.state is not S.decided:
        raise NotAllowed("Decide the results before publishing them.")
    return move(session=session, edition=edition, to=S.published, actor=actor, now=now, links=links)


def publish_due(
    *, session: Session, now: datetime, links: BallotLinks | None = None
) -> list[Edition]:
    """Publish every decided edition whose announcement instant has come (the sender loop's call;
    one process at a time)."""
    if not schedule.one_at_a_time(session=session, job="publication"):
        return []
    due = list(
        session.exec(
            select(Edition)
            .where(
                Edition.state == S.decided,
                col(Edition.announce_at).is_not(None),
                col(Edition.announce_at) <= now,
            )
            .with_for_update(skip_locked=True)  # several processes: each edition once
        )
    )
    for edition in due:
        publish(session=session, edition=edition, actor=audit.SYSTEM, now=now, links=links)
    return due
