"""Ballots: one per (juror, round); scores saved one by one, never lost; submitted atomically.

- A round is open while the edition's state is the round's and the server's clock is before the
  round's closing instant (``shortlist_closes_at``, ``final_closes_at``).
- One ``Score`` row per (ballot, application, criterion), enforced by the database; every save
  is an upsert (``INSERT ... ON CONFLICT DO UPDATE``), so two devices saving the same ballot
  each win with their last save of each score and lose nothing else.
- Saving and submitting lock the ballot row first (``FOR UPDATE`` on PostgreSQL; SQLite's
  writing transactions are serialised), so a save never lands after a submission.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, func, select

from prize.domain.applicants.drafts import submitted_contents
from prize.domain.editions.bands import Band, bands_of
from prize.domain.editions.criteria import criteria_of
from prize.domain.errors import NotAllowed
from prize.domain.jury.conflicts import conflicted_ids
from prize.formats import When
from prize.models import (
    Application,
    ApplicationContent,
    ApplicationStatus,
    Award,
    Ballot,
    BallotEntry,
    BallotStatus,
    ContentKind,
    Criterion,
    Decision,
    Edition,
    EditionState,
    Juror,
    Round,
    Score,
    pk,
)
from prize.models import (
    Conflict as ConflictRow,
)

# --------------------------------------------------------------------------- rounds


def state_round(edition: Edition) -> Round | None:
    """The round the edition's state belongs to, open or not."""
    return {EditionState.shortlisting: Round.shortlist, EditionState.final: Round.final}.get(
        edition.state
    )


def closes_at(edition: Edition, round_: Round) -> datetime | None:
    return edition.shortlist_closes_at if round_ is Round.shortlist else edition.final_closes_at


def open_round(edition: Edition, now: datetime) -> Round | None:
    """The round that accepts scores now (by state and by the server's clock), if any."""
    round_ = state_round(edition)
    if round_ is None:
        return None
    closing = closes_at(edition, round_)
    return round_ if closing is not None and now < closing else None


def phase(edition: Edition, now: datetime) -> tuple[Round | None, bool]:
    """The round a juror's pages show, and whether it accepts scores now: the open round if
    there is one, else the round of the edition's state (read-only), else none."""
    round_ = open_round(edition, now)
    if round_ is not None:
        return round_, True
    return state_round(edition), False


def _closed_error(edition: Edition) -> NotAllowed:
    round_ = state_round(edition)
    closing = closes_at(edition, round_) if round_ else None
    if round_ is not None and closing is not None:
        return NotAllowed(
            "The round closed on %(when)s: this was not saved. "
            "Everything you saved before then is kept.",
            when=When(closing, "deadline"),
        )
    if edition.state in (EditionState.decided, EditionState.published):
        return NotAllowed("The jury's rounds are over: nothing can be changed any more.")
    return NotAllowed("No jury round is open at the moment: nothing can be saved yet.")


def require_open_round(edition: Edition, now: datetime) -> Round:
    round_ = open_round(edition, now)
    if round_ is None:
        raise _closed_error(edition)
    return round_


# --------------------------------------------------------------------------- what is on a ballot


def _in_round(edition: Edition, round_: Round) -> list[Any]:
    """The conditions an application of ``round_`` meets."""
    conditions: list[Any] = [
        Application.edition_id == edition.id,
        Application.status == ApplicationStatus.eligible,
    ]
    if round_ is Round.final:
        shortlisted = select(Decision.application_id).where(
            Decision.edition_id == edition.id,
            Decision.stage == Round.shortlist,
            Decision.award == Award.shortlisted,
        )
        conditions.append(col(Application.id).in_(shortlisted))
    return conditions


def round_applications(*, session: Session, edition: Edition, round_: Round) -> list[Application]:
    """Round 1: every eligible application. Round 2: the confirmed shortlist."""
    stmt = select(Application).where(*_in_round(edition, round_))
    return list(session.exec(stmt.order_by(col(Application.number), col(Application.id))))


def is_on_ballot(
    *, session: Session, edition: Edition, round_: Round, juror: Juror, application_id: int
) -> bool:
    """Whether ``application_id`` is on the juror's ballot (one row read, not the round's)."""
    in_round = session.exec(
        select(Application.id).where(Application.id == application_id, *_in_round(edition, round_))
    ).first()
    conflicted = session.exec(
        select(ConflictRow.id).where(
            ConflictRow.juror_id == juror.id, ConflictRow.application_id == application_id
        )
    ).first()
    return in_round is not None and conflicted is None


def _not_conflicted(juror: Juror) -> Any:
    conflicted = select(ConflictRow.application_id).where(ConflictRow.juror_id == juror.id)
    return col(Application.id).not_in(conflicted)


def find_on_ballot(
    *, session: Session, edition: Edition, round_: Round, juror: Juror, reference: str
) -> Application | None:
    """The application ``reference`` if it is on the juror's ballot, in one query."""
    return session.exec(
        select(Application).where(
            Application.reference == reference, *_in_round(edition, round_), _not_conflicted(juror)
        )
    ).first()


def progress(*, session: Session, edition: Edition, round_: Round, juror: Juror) -> tuple[int, int]:
    """(done, total), as ``ballot_view`` counts them (``BallotView.done``, ``.total``), read as
    counts rather than as every score's row: what autosave answers after each save."""
    on_ballot: set[int | None] = set(
        session.exec(
            select(Application.id).where(*_in_round(edition, round_), _not_conflicted(juror))
        )
    )
    ballot = get_ballot(session=session, juror=juror, round_=round_)
    if ballot is None:
        return 0, len(on_ballot)
    needed = len(criteria_of(session=session, edition=edition))
    scored: dict[int | None, int] = dict(
        session.exec(
            select(Score.application_id, func.count())
            .where(Score.ballot_id == ballot.id)
            .group_by(col(Score.application_id))
        ).all()
    )
    abstained: set[int] = set(
        session.exec(
            select(BallotEntry.application_id).where(
                BallotEntry.ballot_id == ballot.id,
                col(BallotEntry.abstain).is_(True),
                BallotEntry.abstain_reason != "",
            )
        )
    )
    done = len([a for a in on_ballot if a in abstained or scored.get(a, 0) >= needed])
    return done, len(on_ballot)


def ballot_applications(
    *, session: Session, edition: Edition, round_: Round, juror: Juror
) -> list[Application]:
    """The applications on this juror's ballot: the round's, less the juror's conflicts."""
    conflicted = conflicted_ids(session=session, juror=juror)
    return [
        a
        for a in round_applications(session=session, edition=edition, round_=round_)
        if a.id not in conflicted
    ]


def get_ballot(*, session: Session, juror: Juror, round_: Round) -> Ballot | None:
    return session.exec(
        select(Ballot).where(Ballot.juror_id == juror.id, Ballot.round == round_)
    ).first()


# --------------------------------------------------------------------------- reading a ballot


@dataclass
class Item:
    """One application on a ballot, with what the juror saved for it."""

    application: Application
    content: ApplicationContent | None
    scores: dict[int, int] = field(default_factory=dict)  # criterion id -> value
    comment: str = ""
    abstain: bool = False
    abstain_reason: str = ""
    criteria_count: int = 0
    known_title: str = ""  # the title alone, when the content was not loaded
    saved_at: datetime | None = None  # the last save of any of its scores, comment or abstention

    @property
    def complete(self) -> bool:
        return (self.abstain and bool(self.abstain_reason)) or (
            len(self.scores) >= self.criteria_count
        )

    @property
    def started(self) -> bool:
        return bool(self.scores or self.comment or self.abstain)

    @property
    def title(self) -> str:
        return self.content.title if self.content else self.known_title

    @property
    def state(self) -> str:
        """``abstained``, ``scored``, ``partly`` (something saved, not every score) or
        ``not_started``, as the juror's list shows it."""
        if self.abstain and self.abstain_reason:
            return "abstained"
        if self.complete:
            return "scored"
        return "partly" if self.started else "not_started"

    def saw(self, moment: datetime) -> None:
        if self.saved_at is None or moment > self.saved_at:
            self.saved_at = moment


@dataclass
class BallotView:
    juror: Juror
    edition: Edition
    round: Round
    ballot: Ballot | None
    criteria: list[Criterion]
    items: list[Item]

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def done(self) -> int:
        return sum(1 for i in self.items if i.complete)

    @property
    def complete(self) -> bool:
        return self.done == self.total

    @property
    def submitted(self) -> bool:
        return self.ballot is not None and self.ballot.status is BallotStatus.submitted

    def item(self, reference: str) -> Item | None:
        return next((i for i in self.items if i.application.reference == reference), None)

    def score_of(self, item: Item) -> float | None:
        """The juror's weighted score of ``item`` (``fsum(w * v) / fsum(w)``, as the tally counts
        a ballot score), or None while a criterion is unscored or when abstained."""
        if item.abstain or not self.criteria:
            return None
        values = [(c.weight, item.scores.get(pk(c))) for c in self.criteria]
        if any(v is None for _, v in values):
            return None
        total = math.fsum(w for w, _ in values)
        return math.fsum(w * (v or 0) for w, v in values) / total if total > 0 else None

    def ranking(self) -> dict[str, int]:
        """Each fully scored application's place by the juror's own weighted scores (rounded to
        4 decimals, as the tally ranks; equal scores share a place: 1, 2, 2, 4)."""
        scored = {
            i.application.reference or "": round(score, 4)
            for i in self.items
            if (score := self.score_of(i)) is not None
        }
        return {
            reference: 1 + sum(1 for other in scored.values() if other > value)
            for reference, value in scored.items()
        }

    def missing(self, item: Item) -> list[Criterion]:
        """The criteria ``item`` still lacks a score on (none once abstained with a reason)."""
        if item.abstain and item.abstain_reason:
            return []
        return [c for c in self.criteria if pk(c) not in item.scores]

    def neighbours(self, reference: str) -> tuple[Item | None, Item | None]:
        """The applications before and after this one in the list."""
        refs = [i.application.reference for i in self.items]
        if reference not in refs:
            return None, None
        at = refs.index(reference)
        before = self.items[at - 1] if at > 0 else None
        after = self.items[at + 1] if at + 1 < len(self.items) else None
        return before, after

    def relative_weight(self, criterion: Criterion) -> float | None:
        """How many times the lightest criterion ``criterion`` counts, or None when every
        criterion weighs the same."""
        weights = {c.weight for c in self.criteria}
        if len(weights) < 2:
            return None
        return criterion.weight / min(weights)

    def bands(self, criterion: Criterion) -> list[Band]:
        return bands_of(criterion, self.edition)

    def next_after(self, reference: str) -> Item | None:
        """The next unfinished application after this one (wrapping round), if any."""
        refs = [i.application.reference for i in self.items]
        start = refs.index(reference) + 1 if reference in refs else 0
        for item in self.items[start:] + self.items[:start]:
            if not item.complete and item.application.reference != reference:
                return item
        return None


def _with_titles(
    session: Session, edition: Edition, round_: Round, juror: Juror
) -> list[tuple[Application, str]]:
    """``ballot_applications`` with each submitted title, in one query."""
    return _titled(session, *_in_round(edition, round_), _not_conflicted(juror))


def _titled(session: Session, *conditions: Any) -> list[tuple[Application, str]]:
    """The applications that meet ``conditions``, each with its submitted title, in one query."""
    rows = session.exec(
        select(Application, ApplicationContent.title)
        .outerjoin(
            ApplicationContent,
            (col(ApplicationContent.application_id) == col(Application.id))
            & (col(ApplicationContent.kind) == ContentKind.submitted),
        )
        .where(*conditions)
        .order_by(col(Application.number), col(Application.id))
    )
    return [(application, title or "") for application, title in rows]


def ballot_view(
    *,
    session: Session,
    juror: Juror,
    edition: Edition,
    round_: Round,
    contents: bool = True,
    titles_only: bool = False,
) -> BallotView:
    """The juror's ballot in ``round_``: every application on it with what the juror saved.

    ``contents`` loads each application's submitted texts; ``titles_only`` only their titles
    (a list of 40 applications reads 40 titles, not 40 full texts)."""
    criteria = criteria_of(session=session, edition=edition)
    titles: dict[int | None, str] = {}
    if titles_only:
        pairs = _with_titles(session, edition, round_, juror)
        applications = [a for a, _ in pairs]
        titles = {a.id: title for a, title in pairs}
    else:
        applications = ballot_applications(
            session=session, edition=edition, round_=round_, juror=juror
        )
    ids = [pk(a) for a in applications]
    found = submitted_contents(session=session, ids=ids) if contents and not titles_only else {}
    items = {
        a.id: Item(
            a,
            found.get(pk(a)),
            criteria_count=len(criteria),
            known_title=titles.get(a.id, ""),
        )
        for a in applications
    }
    ballot = get_ballot(session=session, juror=juror, round_=round_)
    if ballot is not None:
        for score in session.exec(select(Score).where(Score.ballot_id == ballot.id)):
            if score.application_id in items:
                items[score.application_id].scores[score.criterion_id] = score.value
                items[score.application_id].saw(score.updated_at)
        for entry in session.exec(select(BallotEntry).where(BallotEntry.ballot_id == ballot.id)):
            if entry.application_id in items:
                item = items[entry.application_id]
                item.comment = entry.comment
                item.abstain = entry.abstain
                item.abstain_reason = entry.abstain_reason
                item.saw(entry.updated_at)
    return BallotView(juror, edition, round_, ballot, criteria, list(items.values()))


def conflicted_titles(
    *, session: Session, edition: Edition, round_: Round, juror: Juror
) -> list[tuple[Application, str]]:
    """The round's applications the juror declared a conflict with, each with its title."""
    conflicted = select(ConflictRow.application_id).where(ConflictRow.juror_id == juror.id)
    return _titled(session, *_in_round(edition, round_), col(Application.id).in_(conflicted))


# --------------------------------------------------------------------------- for the tally


@dataclass(frozen=True)
class CountedBallot:
    """A submitted ballot as the tally counts it: conflicts and abstentions left out."""

    ballot_id: int
    juror_id: int
    receipt_code: str
    scores: dict[int, dict[int, int]]  # application id -> criterion id -> value
    abstentions: frozenset[int]


def counted_ballots(*, session: Session, edition: Edition, round_: Round) -> list[CountedBallot]:
    """Every submitted ballot of the round (replaced jurors' included), in ballot id order."""
    ballots = list(
        session.exec(
            select(Ballot)
            .join(Juror, col(Juror.id) == col(Ballot.juror_id))
            .where(
                Juror.edition_id == edition.id,
                Ballot.round == round_,
                Ballot.status == BallotStatus.submitted,
            )
            .order_by(col(Ballot.id))
        )
    )
    ids = [b.id for b in ballots]
    on_round = {a.id for a in round_applications(session=session, edition=edition, round_=round_)}
    conflicts: set[tuple[int, int]] = set(
        session.exec(
            select(ConflictRow.juror_id, ConflictRow.application_id).where(
                col(ConflictRow.juror_id).in_([b.juror_id for b in ballots])
            )
        ).all()
    )
    abstained: dict[int, set[int]] = {}
    for entry in session.exec(
        select(BallotEntry).where(col(BallotEntry.ballot_id).in_(ids), col(BallotEntry.abstain))
    ):
        abstained.setdefault(entry.ballot_id, set()).add(entry.application_id)
    scores: dict[int, dict[int, dict[int, int]]] = {}
    for score in session.exec(select(Score).where(col(Score.ballot_id).in_(ids))):
        scores.setdefault(score.ballot_id, {}).setdefault(score.application_id, {})[
            score.criterion_id
        ] = score.value
    counted = []
    for b in ballots:
        skip = abstained.get(pk(b), set())
        kept = {
            app: values
            for app, values in scores.get(pk(b), {}).items()
            if app in on_round and app not in skip and (b.juror_id, app) not in conflicts
        }
        counted.append(
            CountedBallot(pk(b), b.juror_id, b.receipt_code or "", kept, frozenset(skip))
        )
    return counted
