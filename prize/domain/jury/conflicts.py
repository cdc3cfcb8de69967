"""Conflicts of interest: declared by a juror at onboarding, or recorded by the secretariat.

A conflicted application leaves the juror's ballot: it is neither scored nor counted, for or
against anyone. Scores a juror saved in a draft before the conflict was known are removed (a
draft never counts); a submitted ballot keeps its rows, and ``ballots.counted_ballots`` leaves the
conflicted application out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, delete, select

from prize.domain import errors
from prize.domain.applicants.drafts import submitted_contents
from prize.domain.errors import DomainError, NotAllowed, NotFound
from prize.domain.jury.jurors import actor_of, edition_of
from prize.domain.shared import audit
from prize.models import (
    ActorKind,
    Application,
    ApplicationStatus,
    Ballot,
    BallotEntry,
    BallotStatus,
    Conflict,
    Edition,
    EditionState,
    Juror,
    Score,
    pk,
)

MAX_REASON = 2000


def candidate_applications(*, session: Session, edition: Edition) -> list[Application]:
    """The applications a juror may declare a conflict with: the eligible ones."""
    return list(
        session.exec(
            select(Application)
            .where(
                Application.edition_id == edition.id,
                Application.status == ApplicationStatus.eligible,
            )
            .order_by(col(Application.number), col(Application.id))
        )
    )


def conflicts_of(*, session: Session, juror: Juror) -> list[Conflict]:
    return list(
        session.exec(
            select(Conflict).where(Conflict.juror_id == juror.id).order_by(col(Conflict.id))
        )
    )


def conflicted_ids(*, session: Session, juror: Juror) -> set[int]:
    return set(
        session.exec(select(Conflict.application_id).where(Conflict.juror_id == juror.id)).all()
    )


def conflicts_by_juror(*, session: Session, edition: Edition) -> dict[int, list[Conflict]]:
    rows = session.exec(
        select(Conflict)
        .join(Juror, col(Juror.id) == col(Conflict.juror_id))
        .where(Juror.edition_id == edition.id)
        .order_by(col(Conflict.id))
    )
    found: dict[int, list[Conflict]] = {}
    for row in rows:
        found.setdefault(row.juror_id, []).append(row)
    return found


def _drop_draft_scores(session: Session, juror: Juror, application_id: int) -> None:
    # Lock the juror's ballots as a save does, so that no save slips in between.
    session.exec(select(Ballot.id).where(Ballot.juror_id == juror.id).with_for_update()).all()
    drafts = select(Ballot.id).where(
        Ballot.juror_id == juror.id, Ballot.status == BallotStatus.draft
    )
    session.exec(
        delete(Score).where(
            col(Score.ballot_id).in_(drafts), col(Score.application_id) == application_id
        )
    )
    session.exec(
        delete(BallotEntry).where(
            col(BallotEntry.ballot_id).in_(drafts),
            col(BallotEntry.application_id) == application_id,
        )
    )


def _add(
    session: Session,
    juror: Juror,
    application: Application,
    reason: str,
    declared_by: ActorKind,
    now: datetime,
) -> Conflict:
    conflict = Conflict(
        juror_id=pk(juror),
        application_id=pk(application),
        reason=reason,
        declared_by=declared_by,
        created_at=now,
    )
    session.add(conflict)
    _drop_draft_scores(session, juror, pk(application))
    return conflict


def record_conflict(
    *,
    session: Session,
    actor: audit.Actor,
    now: datetime,
    juror: Juror,
    application: Application,
    reason: str,
) -> Conflict:
    """The secretariat records a known conflict of interest (with a reason).

    Refused once the results are decided: a conflict removes scores from the tally, and decided
    results never change.
    """
    session.refresh(juror, with_for_update=True)  # two clicks record one conflict
    edition = edition_of(session=session, juror=juror)
    if edition.state in (EditionState.decided, EditionState.published):
        raise NotAllowed("The results are decided: conflicts can no longer be recorded.")
    reason = reason.strip()
    if not reason:
        raise DomainError("Say what the conflict is.", field="reason")
    if len(reason) > MAX_REASON:
        raise DomainError("Use at most %(n)s characters.", field="reason", n=MAX_REASON)
    if application.edition_id != juror.edition_id:
        raise NotFound("This application is not part of the juror's edition.")
    if application.id in conflicted_ids(session=session, juror=juror):
        raise errors.Conflict("This conflict is recorded already.", field="application")
    conflict = _add(session, juror, application, reason, ActorKind.staff, now)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        kind="conflict.recorded",
        now=now,
        edition_id=juror.edition_id,
        subject_kind="juror",
        subject_id=juror.id,
        data={"application": application.id},
    )
    return conflict


def record_conflict_by_id(
    *,
    session: Session,
    actor: audit.Actor,
    now: datetime,
    juror: Juror,
    application_id: int | None,
    reason: str,
) -> Conflict:
    """``record_conflict`` with the application the secretariat chose by its id (None: none)."""
    application = session.get(Application, application_id) if application_id is not None else None
    if application is None:
        raise DomainError("Choose a project.", field="application")
    return record_conflict(
        session=session, actor=actor, now=now, juror=juror, application=application, reason=reason
    )


def declare_conflicts(
    *,
    session: Session,
    now: datetime,
    juror: Juror,
    edition: Edition,
    declarations: Mapping[int, str],
    none: bool,
) -> list[Conflict]:
    """The juror declares their conflicts (application id -> reason), or that they have none.

    Declaring again later adds conflicts; it never removes one.
    """
    if none and declarations:
        raise DomainError(
            "You chose projects and also said you have no conflict: choose one or the other.",
            field="none",
        )
    if not none and not declarations:
        raise DomainError(
            "Choose each project you have a conflict with, or confirm that you have none.",
            field="none",
        )
    session.refresh(juror, with_for_update=True)  # two devices declaring at once add each once
    candidates = {a.id: a for a in candidate_applications(session=session, edition=edition)}
    known = conflicted_ids(session=session, juror=juror)
    for app_id, reason in declarations.items():
        name = f"reason-{app_id}"
        if app_id not in candidates:
            raise NotFound("This project is not on the ballot.", field=name)
        if not reason.strip():
            raise DomainError("Say what connects you to this project.", field=name)
        if len(reason) > MAX_REASON:
            raise DomainError("Use at most %(n)s characters.", field=name, n=MAX_REASON)
    added = [
        _add(session, juror, candidates[app_id], reason.strip(), ActorKind.juror, now)
        for app_id, reason in sorted(declarations.items())
        if app_id not in known
    ]
    juror.conflicts_declared_at = juror.conflicts_declared_at or now
    juror.last_activity_at = now
    session.add(juror)
    session.flush()
    audit.record(
        session=session,
        actor=actor_of(juror),
        kind="juror.conflicts_declared",
        now=now,
        edition_id=juror.edition_id,
        subject_kind="juror",
        subject_id=juror.id,
        data={"applications": [c.application_id for c in added]},
    )
    return added


@dataclass(frozen=True)
class Suggestion:
    juror_id: int
    application: Application
    title: str
    country: str


def suggestions(
    *, session: Session, edition: Edition, jurors: Sequence[Juror]
) -> dict[int, list[Suggestion]]:
    """Possible conflicts to look at: the juror's country is one of the project's countries, and
    no conflict is recorded yet."""
    candidates = candidate_applications(session=session, edition=edition)
    contents = submitted_contents(session=session, ids=[pk(a) for a in candidates])
    recorded = conflicts_by_juror(session=session, edition=edition)
    found: dict[int, list[Suggestion]] = {}
    for juror in jurors:
        if not juror.active:
            continue
        juror_id = pk(juror)
        taken = {c.application_id for c in recorded.get(juror_id, [])}
        for application in candidates:
            content = contents.get(pk(application))
            if content is None or application.id in taken:
                continue
            if juror.country in [c.upper() for c in content.countries]:
                found.setdefault(juror_id, []).append(
                    Suggestion(juror_id, application, content.title, juror.country)
                )
    return found
