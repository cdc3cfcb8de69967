"""An edition's life: ``draft -> open -> screening -> shortlisting -> final -> decided -> published``.

``move`` is the one way an edition changes state. It checks the move's guard, writes the change
and an audit event, and queues the e-mails the move implies, all in the caller's transaction.
Dates gate what each state allows (see docs/design.md, "The edition lifecycle"). The one move a
date makes is publication: a decided edition whose announcement instant has come is published by
the serving processes' loop (``results.publish_due``), through ``move`` like any other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, func, select

from prize.domain import audit, labels
from prize.domain.errors import DomainError, NotAllowed
from prize.domain.juror_links import BallotLinks
from prize.formats import When
from prize.i18n import Message
from prize.models import (
    Application,
    ApplicationStatus,
    Award,
    Ballot,
    BallotStatus,
    Criterion,
    Decision,
    Edition,
    EditionState,
    Juror,
    Round,
)

S = EditionState
PARIS = ZoneInfo("Europe/Paris")
FORWARD = {
    S.draft: S.open,
    S.open: S.screening,
    S.screening: S.shortlisting,
    S.shortlisting: S.final,
    S.final: S.decided,
    S.decided: S.published,
}
# The safe moves back; each needs a reason.
BACKWARD = {(S.screening, S.open), (S.final, S.shortlisting)}


def _count(session: Session, stmt: object) -> int:
    return int(session.exec(stmt).one())  # type: ignore[call-overload]


def _applications(session: Session, eid: int | None, *where: Any) -> int:
    return _count(
        session,
        select(func.count()).select_from(Application).where(Application.edition_id == eid, *where),
    )


def _decisions(session: Session, eid: int | None, stage: Round, award: Award) -> int:
    return _count(
        session,
        select(func.count())
        .select_from(Decision)
        .where(Decision.edition_id == eid, Decision.stage == stage, Decision.award == award),
    )


def problems(session: Session, edition: Edition, to: EditionState, now: datetime) -> list[Message]:
    """Everything that still stands in the way of moving ``edition`` to ``to`` (its guard), each
    as a message a person can act on; empty when the move may be made."""
    eid = edition.id
    out: list[Message] = []

    def need(msgid: str, **params: Any) -> None:
        out.append(Message(msgid, params))

    if to is S.open and edition.state is S.draft:
        n = _count(
            session, select(func.count()).select_from(Criterion).where(Criterion.edition_id == eid)
        )
        if n == 0:
            need("Add at least one criterion before opening the call.")
        if not edition.eligible_countries:
            need("List the eligible countries before opening the call.")
        if edition.deadline <= edition.opens_at:
            need("The deadline must come after the opening.")
        if edition.deadline <= now:
            need("The deadline has passed: set a later one first.")
    elif to is S.screening:
        if now < edition.deadline:
            need(
                "Screening starts after the deadline (%(deadline)s).",
                deadline=When(edition.deadline, "deadline"),
            )
    elif to is S.open and edition.state is S.screening:
        if _applications(session, eid, col(Application.screened_at).is_not(None)):
            need("Screening has begun: the call cannot be reopened.")
        if edition.deadline <= now:
            need("Set a new deadline in the future before reopening the call.")
    elif to is S.shortlisting and edition.state is S.screening:
        waiting = _applications(session, eid, Application.status == ApplicationStatus.submitted)
        if waiting:
            need("Applications not screened yet: %(n)s.", n=waiting)
        returned = _applications(
            session,
            eid,
            Application.status == ApplicationStatus.returned,
            col(Application.info_due) > now,
        )
        if returned:
            need("Applications back with their applicants until their date: %(n)s.", n=returned)
        if not _applications(session, eid, Application.status == ApplicationStatus.eligible):
            need("No application is eligible: the jury has nothing to score.")
        if edition.shortlist_closes_at is None or edition.shortlist_closes_at <= now:
            need("Set when the first jury round closes, in the future.")
    elif to is S.final and edition.state is S.shortlisting:
        if not _decisions(session, eid, Round.shortlist, Award.shortlisted):
            need("Confirm the shortlist before the final round.")
        if edition.final_closes_at is None or edition.final_closes_at <= now:
            need("Set when the final round closes, in the future.")
    elif to is S.shortlisting and edition.state is S.final:
        submitted = _count(
            session,
            select(func.count())
            .select_from(Ballot)
            .join(Juror)
            .where(
                Juror.edition_id == eid,
                Ballot.round == Round.final,
                Ballot.status == BallotStatus.submitted,
            ),
        )
        if submitted:
            need("Final-round ballots are already submitted: the round cannot go back.")
        if edition.shortlist_closes_at is None or edition.shortlist_closes_at <= now:
            need("Set a new closing instant for the first round, in the future.")
    elif to is S.decided:
        if not _decisions(session, eid, Round.final, Award.winner):
            need("Record at least one winner before deciding.")
    elif to is S.published:
        pass
    return out


def _guard(session: Session, edition: Edition, to: EditionState, now: datetime) -> None:
    """Raise ``NotAllowed`` with the first reason a person can act on, or return."""
    found = problems(session, edition, to, now)
    if found:
        raise NotAllowed(found[0].msgid, **found[0].params)


@dataclass(frozen=True)
class MoveOption:
    """A move the edition page offers: where to, whether it goes back (a reason is needed),
    and what its guard still needs (empty: it can be made now)."""

    to: EditionState
    backward: bool
    problems: list[Message]

    @property
    def ready(self) -> bool:
        return not self.problems


def options(session: Session, edition: Edition, now: datetime) -> list[MoveOption]:
    """The moves from the edition's state: the next one forward, then the safe ones back."""
    found: list[MoveOption] = []
    forward = FORWARD.get(edition.state)
    if forward is not None:
        found.append(MoveOption(forward, False, problems(session, edition, forward, now)))
    for origin, to in sorted(BACKWARD):
        if origin is edition.state:
            found.append(MoveOption(to, True, problems(session, edition, to, now)))
    return found


def _effects(
    session: Session,
    edition: Edition,
    origin: EditionState,
    actor: audit.Actor,
    now: datetime,
    links: BallotLinks | None,
) -> None:
    """What entering the new state implies (e-mails to queue), inside the move's transaction.

    Each effect is a call into the domain module that owns it.
    """
    if edition.state is S.decided and origin is S.final:
        # Imported here: decisions reaches the tally, which moves editions through this module.
        from prize.domain import decisions

        decisions.notify_decided(
            session=session,
            edition=edition,
            now=now,
            mail_domain=links.mail_domain if links else "prize.invalid",
        )
    if edition.state is S.published:
        from prize.domain import results  # the published figures, written once, for good

        results.record_publication(session=session, edition=edition, actor=actor, now=now)
    if FORWARD.get(origin) is edition.state and edition.state in (S.shortlisting, S.final):
        from prize.domain import jury  # tell the invited jurors that their round is open

        jury.notify_round_open(session=session, edition=edition, now=now, links=links)


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
    if origin is S.published:
        raise NotAllowed("Published results never change.")
    backward = (origin, to) in BACKWARD
    if not backward and FORWARD.get(origin) is not to:
        raise NotAllowed(
            "An edition cannot move from %(origin)s to %(to)s.",
            origin=labels.state(origin),
            to=labels.state(to),
        )
    if backward and not reason.strip():
        raise DomainError("Give a reason for moving back.", field="reason")
    _guard(session, edition, to, now)
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
