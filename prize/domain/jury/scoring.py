"""Scoring: saving a juror's scores (never losing one), submitting, and reopening a ballot.

- One ``Score`` row per (ballot, application, criterion), enforced by the database; every save
  is an upsert (``INSERT ... ON CONFLICT DO UPDATE``), so two devices saving the same ballot
  each win with their last save of each score and lose nothing else.
- Saving and submitting lock the ballot row first (``FOR UPDATE`` on PostgreSQL; SQLite's
  writing transactions are serialised), so a save never lands after a submission, and a
  submission is whole or not there at all.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, delete, func, select

from prize.domain.editions.criteria import criteria_of
from prize.domain.errors import Conflict, DomainError, NotAllowed, NotFound
from prize.domain.jury.ballots import ballot_view, is_on_ballot, open_round, require_open_round
from prize.domain.jury.jurors import actor_of, edition_of
from prize.domain.shared import audit, outbox
from prize.i18n import Plural
from prize.models import Ballot, BallotEntry, BallotStatus, Edition, Juror, Round, Score

MAX_COMMENT = 5000
MAX_REASON = 2000
RECEIPT_LENGTH = 10


# --------------------------------------------------------------------------- saving


class BallotSubmitted(NotAllowed):
    """A change to a submitted ballot: only the secretariat can reopen it (the page that says
    so names where to write)."""

    def __init__(self) -> None:
        super().__init__(
            "Your ballot is submitted, so it can no longer change: this was not saved."
        )


def _insert(session: Session, table: Any) -> Any:
    """``INSERT`` of the session's dialect, which knows ``ON CONFLICT``."""
    if session.get_bind().dialect.name == "postgresql":
        return pg_insert(table)
    return sqlite_insert(table)


def lock_ballot(*, session: Session, juror: Juror, round_: Round, now: datetime) -> Ballot:
    """The juror's ballot for the round, made if missing, and locked for this transaction."""
    session.exec(
        _insert(session, Ballot)
        .values(juror_id=juror.id, round=round_, status=BallotStatus.draft, updated_at=now)
        .on_conflict_do_nothing(index_elements=["juror_id", "round"])
    )
    return session.exec(
        select(Ballot)
        .where(Ballot.juror_id == juror.id, Ballot.round == round_)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def save_entry(
    *,
    session: Session,
    juror: Juror,
    now: datetime,
    application_id: int,
    scores: Mapping[int, int | None] | None = None,
    comment: str | None = None,
    abstain: bool | None = None,
    abstain_reason: str | None = None,
) -> Ballot:
    """Save what the juror gave for one application; only the parts given change.

    ``scores`` maps criterion ids to values (``None`` clears one). Refused, with nothing
    changed: a closed round, a submitted ballot, an application not on the ballot, a value
    outside the edition's scale, an abstention without a reason.
    """
    edition = edition_of(session=session, juror=juror)
    round_ = require_open_round(edition, now)
    scores = dict(scores or {})
    _check_values(
        session=session,
        edition=edition,
        scores=scores,
        comment=comment,
        abstain_reason=abstain_reason,
    )
    ballot = lock_ballot(session=session, juror=juror, round_=round_, now=now)
    if ballot.status is BallotStatus.submitted:
        raise BallotSubmitted()
    # Checked under the ballot's lock, which a new conflict also takes: a project that just
    # left the ballot is never scored.
    if not is_on_ballot(
        session=session, edition=edition, round_=round_, juror=juror, application_id=application_id
    ):
        raise NotFound("This project is not on your ballot.")
    if abstain:
        _check_abstention_reason(
            session=session,
            ballot=ballot,
            application_id=application_id,
            abstain_reason=abstain_reason,
        )
    _store_scores(
        session=session, ballot=ballot, application_id=application_id, scores=scores, now=now
    )
    _store_entry(
        session=session,
        ballot=ballot,
        application_id=application_id,
        now=now,
        comment=comment,
        abstain=abstain,
        abstain_reason=abstain_reason,
    )
    ballot.updated_at = now
    juror.last_activity_at = now
    session.add(ballot)
    session.add(juror)
    session.flush()
    return ballot


def _check_values(
    *,
    session: Session,
    edition: Edition,
    scores: Mapping[int, int | None],
    comment: str | None,
    abstain_reason: str | None,
) -> None:
    """Refuse a score for no criterion of the edition or off its scale, and a text too long."""
    criteria = {c.id for c in criteria_of(session=session, edition=edition)}
    for criterion_id, value in scores.items():
        name = f"score-{criterion_id}"
        if criterion_id not in criteria:
            raise DomainError("There is no such criterion.", field=name)
        if value is not None and not edition.scale_min <= value <= edition.scale_max:
            raise DomainError(
                "Give a whole number from %(min)s to %(max)s.",
                field=name,
                min=edition.scale_min,
                max=edition.scale_max,
            )
    if comment is not None and len(comment) > MAX_COMMENT:
        raise DomainError("Use at most %(n)s characters.", field="comment", n=MAX_COMMENT)
    if abstain_reason is not None and len(abstain_reason) > MAX_REASON:
        raise DomainError("Use at most %(n)s characters.", field="abstain_reason", n=MAX_REASON)


def _check_abstention_reason(
    *, session: Session, ballot: Ballot, application_id: int, abstain_reason: str | None
) -> None:
    """Refuse an abstention without a reason, given now or saved before."""
    stored = _entry(session, ballot, application_id)
    reason = (
        abstain_reason if abstain_reason is not None else (stored.abstain_reason if stored else "")
    )
    if not reason.strip():
        raise DomainError("Say why you abstain on this project.", field="abstain_reason")


def _store_scores(
    *,
    session: Session,
    ballot: Ballot,
    application_id: int,
    scores: Mapping[int, int | None],
    now: datetime,
) -> None:
    """Upsert each value given and delete each one cleared (``None``)."""
    values = {cid: v for cid, v in scores.items() if v is not None}
    for criterion_id, value in sorted(values.items()):
        stmt = _insert(session, Score).values(
            ballot_id=ballot.id,
            application_id=application_id,
            criterion_id=criterion_id,
            value=value,
            updated_at=now,
        )
        session.exec(
            stmt.on_conflict_do_update(
                index_elements=["ballot_id", "application_id", "criterion_id"],
                set_={"value": stmt.excluded.value, "updated_at": stmt.excluded.updated_at},
            )
        )
    cleared = [cid for cid, v in scores.items() if v is None]
    if cleared:
        session.exec(
            delete(Score).where(
                col(Score.ballot_id) == ballot.id,
                col(Score.application_id) == application_id,
                col(Score.criterion_id).in_(cleared),
            )
        )


def _store_entry(
    *,
    session: Session,
    ballot: Ballot,
    application_id: int,
    now: datetime,
    comment: str | None,
    abstain: bool | None,
    abstain_reason: str | None,
) -> None:
    """Upsert the comment and the abstention, changing only the parts given."""
    changes: dict[str, Any] = {}
    if comment is not None:
        changes["comment"] = comment.strip()
    if abstain is not None:
        changes["abstain"] = abstain
    if abstain_reason is not None:
        changes["abstain_reason"] = abstain_reason.strip()
    if not changes:
        return
    stmt = _insert(session, BallotEntry).values(
        ballot_id=ballot.id,
        application_id=application_id,
        comment=changes.get("comment", ""),
        abstain=changes.get("abstain", False),
        abstain_reason=changes.get("abstain_reason", ""),
        updated_at=now,
    )
    session.exec(
        stmt.on_conflict_do_update(
            index_elements=["ballot_id", "application_id"],
            set_={**{k: getattr(stmt.excluded, k) for k in changes}, "updated_at": now},
        )
    )


def _entry(session: Session, ballot: Ballot, application_id: int) -> BallotEntry | None:
    return session.exec(
        select(BallotEntry)
        .where(BallotEntry.ballot_id == ballot.id, BallotEntry.application_id == application_id)
        .execution_options(populate_existing=True)
    ).first()


# --------------------------------------------------------------------------- submitting


def new_receipt_code(session: Session) -> str:
    """10 characters of base32 (50 random bits), unique among all ballots."""
    while True:
        code = base64.b32encode(secrets.token_bytes(8)).decode()[:RECEIPT_LENGTH]
        taken = session.exec(
            select(func.count()).select_from(Ballot).where(Ballot.receipt_code == code)
        ).one()
        if not taken:
            return code


def submit(
    *, session: Session, juror: Juror, now: datetime, mail_domain: str = "prize.invalid"
) -> Ballot:
    """Lock the juror's ballot for the open round, if complete, and e-mail a receipt code.

    Submitting twice (two devices, a double click) returns the same ballot and sends one receipt.
    """
    edition = edition_of(session=session, juror=juror)
    round_ = require_open_round(edition, now)
    ballot = lock_ballot(session=session, juror=juror, round_=round_, now=now)
    if ballot.status is BallotStatus.submitted:
        return ballot
    view = ballot_view(session=session, juror=juror, edition=edition, round_=round_, contents=False)
    missing = view.total - view.done
    if missing:
        raise DomainError(
            Plural(
                "Your ballot is not complete: %(num)s project still needs a score on every "
                "criterion, or an abstention with its reason.",
                "Your ballot is not complete: %(num)s projects still need a score on every "
                "criterion, or an abstention with its reason.",
                missing,
            ),
            field="ballot",
        )
    ballot.status = BallotStatus.submitted
    ballot.submitted_at = now
    ballot.receipt_code = new_receipt_code(session)
    ballot.updated_at = now
    juror.last_activity_at = now
    session.add(ballot)
    session.add(juror)
    session.flush()
    audit.record(
        session=session,
        actor=actor_of(juror),
        kind="ballot.submitted",
        now=now,
        edition_id=edition.id,
        subject_kind="ballot",
        subject_id=ballot.id,
        data={"round": round_.value, "scored": view.total},
    )
    outbox.queue(
        session=session,
        kind="ballot_receipt",
        recipient=juror.email,
        language=juror.language,
        template="ballot_receipt",
        context={"juror": juror, "edition": edition, "ballot": ballot, "round": round_.value},
        now=now,
        mail_domain=mail_domain,
        edition_id=edition.id,
    )
    return ballot


def reopen(
    *,
    session: Session,
    actor: audit.Actor,
    now: datetime,
    ballot: Ballot,
    reason: str,
    mail_domain: str = "prize.invalid",
) -> Ballot:
    """The secretariat reopens a submitted ballot while its round is open (audited, with a
    reason). Its scores stay; its receipt code is withdrawn, and a new one comes on submitting."""
    if not reason.strip():
        raise DomainError("Give a reason for reopening the ballot.", field="reason")
    juror = session.get_one(Juror, ballot.juror_id)
    edition = edition_of(session=session, juror=juror)
    if open_round(edition, now) is not ballot.round:
        raise NotAllowed("A ballot can be reopened only while its round is open.")
    ballot = lock_ballot(session=session, juror=juror, round_=ballot.round, now=now)
    if ballot.status is not BallotStatus.submitted:
        raise Conflict("This ballot is not submitted: there is nothing to reopen.")
    ballot.status = BallotStatus.draft
    ballot.submitted_at = None
    ballot.receipt_code = None
    ballot.updated_at = now
    session.add(ballot)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        kind="ballot.reopened",
        now=now,
        edition_id=edition.id,
        subject_kind="ballot",
        subject_id=ballot.id,
        reason=reason.strip(),
        data={"round": ballot.round.value, "juror": juror.id},
    )
    outbox.queue(
        session=session,
        kind="ballot_reopened",
        recipient=juror.email,
        language=juror.language,
        template="ballot_reopened",
        context={"juror": juror, "edition": edition, "reason": reason.strip()},
        now=now,
        mail_domain=mail_domain,
        edition_id=edition.id,
    )
    return ballot


def reopen_by_id(
    *,
    session: Session,
    actor: audit.Actor,
    now: datetime,
    juror: Juror,
    ballot_id: int | None,
    reason: str,
    mail_domain: str = "prize.invalid",
) -> Ballot:
    """``reopen`` the juror's ballot the secretariat chose by its id; any other id is no ballot."""
    ballot = session.get(Ballot, ballot_id) if ballot_id is not None else None
    if ballot is None or ballot.juror_id != juror.id:
        raise NotFound("There is no such ballot.")
    return reopen(
        session=session, actor=actor, now=now, ballot=ballot, reason=reason, mail_domain=mail_domain
    )
