"""The rules of an edition's life: ``draft -> open -> screening -> shortlisting -> final ->
decided -> published``.

Which moves exist (``FORWARD``, and the safe moves back in ``BACKWARD``), what each move's guard
still needs (``problems``), the moves the edition page offers (``options``), and ``check_move``,
which refuses a move that cannot be made now. Making a move, with its audit event and the e-mails
it implies, is ``prize.domain.transitions.move``, the one way an edition changes state. Dates
gate what each state allows (see docs/design.md, "The edition lifecycle").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, func, select

from prize.domain.errors import DomainError, NotAllowed
from prize.domain.shared import labels
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


def check_move(
    *, session: Session, edition: Edition, to: EditionState, reason: str, now: datetime
) -> None:
    """Refuse moving ``edition`` to ``to`` now, or return: nothing moves out of ``published``,
    only the moves in ``FORWARD`` and ``BACKWARD`` exist, a move back needs a reason, and the
    move's guard must hold (the first of its ``problems`` is raised)."""
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
