"""An edition's life: ``draft -> open -> screening -> shortlisting -> final -> decided -> published``.

``move`` is the one way an edition changes state. It checks the move's guard, writes the change
and an audit event, and queues the e-mails the move implies, all in the caller's transaction.
Dates never move an edition by themselves; they gate what each state allows.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, func, select

from prize.domain import audit
from prize.domain.errors import DomainError, NotAllowed
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


def _guard(session: Session, edition: Edition, to: EditionState, now: datetime) -> None:
    """Raise ``NotAllowed`` with the reason a person can act on, or return."""
    eid = edition.id
    if to is S.open and edition.state is S.draft:
        n = _count(
            session, select(func.count()).select_from(Criterion).where(Criterion.edition_id == eid)
        )
        if n == 0:
            raise NotAllowed("Add at least one criterion before opening the call.")
        if not edition.eligible_countries:
            raise NotAllowed("List the eligible countries before opening the call.")
        if edition.deadline <= edition.opens_at:
            raise NotAllowed("The deadline must come after the opening.")
        if edition.deadline <= now:
            raise NotAllowed("The deadline has passed: set a later one first.")
    elif to is S.screening:
        if now < edition.deadline:
            raise NotAllowed(
                "Screening starts after the deadline (%(deadline)s UTC).",
                deadline=edition.deadline.strftime("%Y-%m-%d %H:%M"),
            )
    elif to is S.open and edition.state is S.screening:
        screened = _count(
            session,
            select(func.count())
            .select_from(Application)
            .where(Application.edition_id == eid, col(Application.screened_at).is_not(None)),
        )
        if screened:
            raise NotAllowed("Screening has begun: the call cannot be reopened.")
        if edition.deadline <= now:
            raise NotAllowed("Set a new deadline in the future before reopening the call.")
    elif to is S.shortlisting and edition.state is S.screening:
        waiting = _count(
            session,
            select(func.count())
            .select_from(Application)
            .where(
                Application.edition_id == eid, Application.status == ApplicationStatus.submitted
            ),
        )
        if waiting:
            raise NotAllowed("%(n)s applications are not screened yet.", n=waiting)
        returned = _count(
            session,
            select(func.count())
            .select_from(Application)
            .where(
                Application.edition_id == eid,
                Application.status == ApplicationStatus.returned,
                col(Application.info_due) > now,
            ),
        )
        if returned:
            raise NotAllowed(
                "%(n)s applications are back with their applicants until their date.", n=returned
            )
        eligible = _count(
            session,
            select(func.count())
            .select_from(Application)
            .where(Application.edition_id == eid, Application.status == ApplicationStatus.eligible),
        )
        if not eligible:
            raise NotAllowed("No application is eligible: the jury has nothing to score.")
        if edition.shortlist_closes_at is None or edition.shortlist_closes_at <= now:
            raise NotAllowed("Set when the first jury round closes, in the future.")
    elif to is S.final and edition.state is S.shortlisting:
        shortlisted = _count(
            session,
            select(func.count())
            .select_from(Decision)
            .where(
                Decision.edition_id == eid,
                Decision.stage == Round.shortlist,
                Decision.award == Award.shortlisted,
            ),
        )
        if not shortlisted:
            raise NotAllowed("Confirm the shortlist before the final round.")
        if edition.final_closes_at is None or edition.final_closes_at <= now:
            raise NotAllowed("Set when the final round closes, in the future.")
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
            raise NotAllowed("Final-round ballots are already submitted: the round cannot go back.")
        if edition.shortlist_closes_at is None or edition.shortlist_closes_at <= now:
            raise NotAllowed("Set a new closing instant for the first round, in the future.")
    elif to is S.decided:
        winners = _count(
            session,
            select(func.count())
            .select_from(Decision)
            .where(
                Decision.edition_id == eid,
                Decision.stage == Round.final,
                Decision.award == Award.winner,
            ),
        )
        if not winners:
            raise NotAllowed("Record at least one winner before deciding.")
    elif to is S.published:
        pass


def _effects(
    session: Session, edition: Edition, origin: EditionState, actor: audit.Actor, now: datetime
) -> None:
    """What entering the new state implies (e-mails to queue), inside the move's transaction.

    Each effect is a call into the domain module that owns it.
    """
    return None


def move(
    *,
    session: Session,
    edition: Edition,
    to: EditionState,
    actor: audit.Actor,
    now: datetime,
    reason: str = "",
) -> Edition:
    """Move ``edition`` to state ``to``, forward or (with a reason) one of the safe moves back."""
    origin = edition.state
    if origin is S.published:
        raise NotAllowed("Published results never change.")
    backward = (origin, to) in BACKWARD
    if not backward and FORWARD.get(origin) is not to:
        raise NotAllowed(
            "An edition cannot move from %(origin)s to %(to)s.", origin=origin.value, to=to.value
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
    _effects(session, edition, origin, actor, now)
    session.flush()
    return edition
