"""The rules of an edition's life: ``draft -> open -> screening -> shortlisting -> final ->
decided -> published``.

Which moves exist (``FORWARD``, and the safe moves back in ``BACKWARD``), what each move's guard
still needs (``problems``), the moves the edition page offers (``options``), and ``check_move``,
which refuses a move that cannot be made now. Making a move, with its audit event and the e-mails
it implies, is ``prize.domain.transitions.move``, the one way an edition changes state. Dates
gate what each state allows (see docs/design.md, "The edition lifecycle"); closing the call
before its deadline is allowed, with a reason (``closes_early``).
"""

from __future__ import annotations

from collections.abc import Iterator
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
    state = edition.state
    found: Iterator[Message]
    if to is S.open and state is S.draft:
        found = _opening(session, edition, now)
    elif to is S.screening:
        found = _screening(edition, now)
    elif to is S.open and state is S.screening:
        found = _reopening(session, edition, now)
    elif to is S.shortlisting and state is S.screening:
        found = _shortlisting(session, edition, now)
    elif to is S.final and state is S.shortlisting:
        found = _final(session, edition, now)
    elif to is S.shortlisting and state is S.final:
        found = _back_to_shortlisting(session, edition, now)
    elif to is S.decided:
        found = _deciding(session, edition)
    else:
        return []
    return list(found)


def _opening(session: Session, edition: Edition, now: datetime) -> Iterator[Message]:
    eid = edition.id
    n = _count(
        session, select(func.count()).select_from(Criterion).where(Criterion.edition_id == eid)
    )
    if n == 0:
        yield Message("Add at least one criterion before opening the call.")
    if not edition.eligible_countries:
        yield Message("List the eligible countries before opening the call.")
    if edition.deadline <= edition.opens_at:
        yield Message("The deadline must come after the opening.")
    if edition.deadline <= now:
        yield Message("The deadline has passed: set a later one first.")


def _screening(edition: Edition, now: datetime) -> Iterator[Message]:
    # Before the deadline the call may close early: a caution, not a guard (see closes_early).
    if now < edition.opens_at:
        yield Message(
            "The call opens on %(opens)s: it cannot close before it opens.",
            {"opens": When(edition.opens_at, "date_time")},
        )


def closes_early(edition: Edition, to: EditionState, now: datetime) -> bool:
    """Whether moving ``edition`` to ``to`` now closes its call before its deadline: allowed,
    with a stated reason, and the holders of what is not submitted are told
    (``transitions.move``)."""
    return edition.state is S.open and to is S.screening and now < edition.deadline


def _reopening(session: Session, edition: Edition, now: datetime) -> Iterator[Message]:
    if _applications(session, edition.id, col(Application.screened_at).is_not(None)):
        yield Message("Screening has begun: the call cannot be reopened.")
    if edition.deadline <= now:
        yield Message("Set a new deadline in the future before reopening the call.")


def _shortlisting(session: Session, edition: Edition, now: datetime) -> Iterator[Message]:
    eid = edition.id
    waiting = _applications(session, eid, Application.status == ApplicationStatus.submitted)
    if waiting:
        yield Message("Applications not screened yet: %(n)s.", {"n": waiting})
    returned = _applications(
        session,
        eid,
        Application.status == ApplicationStatus.returned,
        col(Application.info_due) > now,
    )
    if returned:
        yield Message(
            "Applications back with their applicants until their date: %(n)s.", {"n": returned}
        )
    unsent = _applications(session, eid, Application.screening_mail != "")
    if unsent:
        yield Message(
            "Screening decisions not yet e-mailed to their applicants: %(n)s. Send the "
            "screening results first.",
            {"n": unsent},
        )
    if not _applications(session, eid, Application.status == ApplicationStatus.eligible):
        yield Message("No application is eligible: the jury has nothing to score.")
    if edition.shortlist_closes_at is None or edition.shortlist_closes_at <= now:
        yield Message("Set when the first jury round closes, in the future.")


def _final(session: Session, edition: Edition, now: datetime) -> Iterator[Message]:
    if not _decisions(session, edition.id, Round.shortlist, Award.shortlisted):
        yield Message("Confirm the shortlist before the final round.")
    if edition.final_closes_at is None or edition.final_closes_at <= now:
        yield Message("Set when the final round closes, in the future.")


def _back_to_shortlisting(session: Session, edition: Edition, now: datetime) -> Iterator[Message]:
    submitted = _count(
        session,
        select(func.count())
        .select_from(Ballot)
        .join(Juror)
        .where(
            Juror.edition_id == edition.id,
            Ballot.round == Round.final,
            Ballot.status == BallotStatus.submitted,
        ),
    )
    if submitted:
        yield Message("Final-round ballots are already submitted: the round cannot go back.")
    if edition.shortlist_closes_at is None or edition.shortlist_closes_at <= now:
        yield Message("Set a new closing instant for the first round, in the future.")


def _deciding(session: Session, edition: Edition) -> Iterator[Message]:
    if not _decisions(session, edition.id, Round.final, Award.winner):
        yield Message("Record at least one winner before deciding.")


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
    early: bool = False  # it closes the call before its deadline (``closes_early``)

    @property
    def ready(self) -> bool:
        return not self.problems


def options(session: Session, edition: Edition, now: datetime) -> list[MoveOption]:
    """The moves from the edition's state: the next one forward, then the safe ones back."""
    found: list[MoveOption] = []
    forward = FORWARD.get(edition.state)
    if forward is not None:
        found.append(
            MoveOption(
                forward,
                False,
                problems(session, edition, forward, now),
                early=closes_early(edition, forward, now),
            )
        )
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
