"""Results: the tally of the stored ballots, the last moves of an edition, and publication.

``tally_of`` loads a round's ballots as plain data and runs the pure ``prize.tally``.
``move_to_final``, ``decide`` and ``publish`` move the edition (through ``lifecycle.move``);
publishing also writes the figures it published (digests, scores, hashed receipts) into the
audit chain, and the public pages read them from there, so that published results never change.
What the public reads is in ``prize.domain.published``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from prize import countries
from prize import tally as pure
from prize.domain.editions import editions, lifecycle
from prize.domain.errors import NotAllowed
from prize.domain.jury import ballots
from prize.domain.jury.links import BallotLinks
from prize.domain.shared import audit
from prize.models import (
    Application,
    ApplicationContent,
    AuditEvent,
    Ballot,
    BallotEntry,
    BallotStatus,
    Conflict,
    ContentKind,
    Edition,
    EditionState,
    Juror,
    Round,
    Score,
)

PUBLISHED_KIND = "results.published"


# --------------------------------------------------------------------------- the tally


def tally_input(*, session: Session, edition: Edition, round_: Round) -> pure.TallyInput:
    """A round's stored ballots as the pure tally reads them."""
    apps = [
        a.id
        for a in ballots.round_applications(session=session, edition=edition, round_=round_)
        if a.id is not None
    ]
    criteria = [
        pure.Criterion(id=c.id, weight=c.weight)
        for c in editions.criteria_of(session=session, edition=edition)
        if c.id is not None
    ]
    rows = list(
        session.exec(
            select(Ballot)
            .join(Juror, col(Juror.id) == col(Ballot.juror_id))
            .where(Juror.edition_id == edition.id, Ballot.round == round_)
        )
    )
    juror_of = {b.id: b.juror_id for b in rows}
    submitted = [b.id for b in rows if b.status is BallotStatus.submitted]
    scores = [
        pure.ScoreRow(juror_of[s.ballot_id], s.application_id, s.criterion_id, s.value)
        for s in session.exec(select(Score).where(col(Score.ballot_id).in_(submitted)))
    ]
    abstentions = [
        (juror_of[e.ballot_id], e.application_id)
        for e in session.exec(
            select(BallotEntry).where(
                col(BallotEntry.ballot_id).in_(submitted), col(BallotEntry.abstain)
            )
        )
    ]
    conflicts = list(
        session.exec(
            select(Conflict.juror_id, Conflict.application_id)
            .join(Juror, col(Juror.id) == col(Conflict.juror_id))
            .where(Juror.edition_id == edition.id)
        ).all()
    )
    return pure.TallyInput(
        params=pure.Params(
            round=round_.value,
            scale_min=edition.scale_min,
            scale_max=edition.scale_max,
            normalise=edition.normalise,
            quorum=edition.quorum,
            shortlist_size=edition.shortlist_size,
        ),
        applications=apps,
        criteria=criteria,
        ballots=[
            pure.Ballot(
                juror=b.juror_id,
                submitted=b.status is BallotStatus.submitted,
                receipt=b.receipt_code,
            )
            for b in rows
        ],
        scores=scores,
        abstentions=abstentions,
        conflicts=[(int(j), int(a)) for j, a in conflicts],
    )


def tally_of(*, session: Session, edition: Edition, round_: Round) -> pure.TallyResult:
    """The tally of a round, recomputed from the stored ballots."""
    return pure.tally(tally_input(session=session, edition=edition, round_=round_))


@dataclass(frozen=True)
class Project:
    """What the pages show of an application: its reference and its submitted texts."""

    id: int
    reference: str
    title: str
    organisation: str
    country_code: str
    summary: str
    email: str
    language: str
    consent_publication: bool = False  # (1) title, organisation and country may be published
    consent_summary: bool = False  # (2) the summary may be published

    @property
    def country(self) -> str:
        """The country's English name (as the contracts give it)."""
        return countries.name(self.country_code, "en") if self.country_code else ""


def projects(*, session: Session, ids: list[int]) -> dict[int, Project]:
    if not ids:
        return {}
    rows = session.exec(
        select(Application, ApplicationContent)
        .join(ApplicationContent, col(ApplicationContent.application_id) == col(Application.id))
        .where(
            col(Application.id).in_(ids),
            ApplicationContent.kind == ContentKind.submitted,
        )
    ).all()
    found = {}
    for app, content in rows:
        assert app.id is not None  # nosec B101: a row read from or flushed to the database has an id; narrows the type for mypy
        found[app.id] = Project(
            id=app.id,
            reference=app.reference or "",
            title=content.title,
            organisation=content.organisation,
            country_code=(content.countries or [""])[0],
            summary=content.summary,
            email=app.email,
            language=app.language,
            consent_publication=content.consent_publication,
            consent_summary=content.consent_summary,
        )
    return found


@dataclass(frozen=True)
class RankedProject:
    entry: pure.Entry
    project: Project


def ranked(*, session: Session, result: pure.TallyResult) -> list[RankedProject]:
    """The ranking with each application's reference, title and country."""
    found = projects(session=session, ids=[e.application for e in result.ranking])
    blank = Project(0, "", "", "", "", "", "", "en")
    return [RankedProject(e, found.get(e.application, blank)) for e in result.ranking]


def _figure(value: float | None) -> float | None:
    return None if value is None else round(value, pure.DECIMALS)


def ranking_json(*, session: Session, edition: Edition, round_: Round) -> dict[str, Any]:
    """``prize tally YEAR --round ... --json``, recomputed from the ballots: the shape is in
    docs/design.md ("Contracts")."""
    result = tally_of(session=session, edition=edition, round_=round_)
    return {
        "edition": edition.year,
        "round": round_.value,
        "ranking": [
            {
                "rank": r.entry.rank,
                "reference": r.project.reference,
                "title": r.project.title,
                "country": r.project.country,
                "country_code": r.project.country_code,
                "score": _figure(r.entry.score),
                "median": _figure(r.entry.median),
                "spread": _figure(r.entry.spread),
                "ballots": r.entry.ballots,
                "flags": list(r.entry.flags),
            }
            for r in ranked(session=session, result=result)
        ],
    }


# --------------------------------------------------------------------------- the last moves


def move_to_final(
    *,
    session: Session,
    edition: Edition,
    actor: audit.Actor,
    now: datetime,
    links: BallotLinks | None = None,
) -> Edition:
    return lifecycle.move(
        session=session, edition=edition, to=EditionState.final, actor=actor, now=now, links=links
    )


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
    if edition.state is not EditionState.final:
        raise NotAllowed("Results are decided at the end of the final round.")
    return lifecycle.move(
        session=session,
        edition=edition,
        to=EditionState.decided,
        actor=actor,
        now=now,
        links=links,
    )


def _hash_receipt(code: str) -> str:
    return hashlib.sha256("".join(code.split()).upper().encode()).hexdigest()


def publish(*, session: Session, edition: Edition, actor: audit.Actor, now: datetime) -> Edition:
    """Make the results public, now and for good (the figures are recorded by
    ``record_publication``, which ``lifecycle.move`` calls on entering ``published``)."""
    session.refresh(edition, with_for_update=True)  # a double click, or the sender loop
    if edition.state is EditionState.published:
        raise NotAllowed("These results are published already.")
    if edition.state is not EditionState.decided:
        raise NotAllowed("Decide the results before publishing them.")
    return lifecycle.move(
        session=session, edition=edition, to=EditionState.published, actor=actor, now=now
    )


def record_publication(
    *, session: Session, edition: Edition, actor: audit.Actor, now: datetime
) -> AuditEvent:
    """Write the published figures into the audit chain: each round's digest, the final-round
    scores, and the counted receipts (hashed). The public pages read them from there."""
    record: dict[str, Any] = {"digests": {}, "scores": {}, "receipts": {}}
    for round_ in Round:
        result = tally_of(session=session, edition=edition, round_=round_)
        record["digests"][round_.value] = result.digest
        record["receipts"][round_.value] = sorted(_hash_receipt(r) for r in result.receipts)
        if round_ is Round.final:
            record["scores"] = {
                str(e.application): e.score for e in result.ranking if e.score is not None
            }
    return audit.record(
        session=session,
        actor=actor,
        kind=PUBLISHED_KIND,
        now=now,
        edition_id=edition.id,
        subject_kind="edition",
        subject_id=edition.id,
        data=record,
    )


def publish_due(*, session: Session, now: datetime) -> list[Edition]:
    """Publish every decided edition whose announcement instant has come (the sender loop's call)."""
    due = list(
        session.exec(
            select(Edition)
            .where(
                Edition.state == EditionState.decided,
                col(Edition.announce_at).is_not(None),
                col(Edition.announce_at) <= now,
            )
            .with_for_update(skip_locked=True)  # several processes: each edition once
        )
    )
    for edition in due:
        publish(session=session, edition=edition, actor=audit.SYSTEM, now=now)
    return due


def _publication_event(session: Session, edition: Edition) -> AuditEvent | None:
    return session.exec(
        select(AuditEvent)
        .where(AuditEvent.edition_id == edition.id, AuditEvent.kind == PUBLISHED_KIND)
        .order_by(col(AuditEvent.id).desc())
    ).first()


def publication_record(*, session: Session, edition: Edition) -> dict[str, Any] | None:
    """The figures written when the edition was published (None if it never was, by us)."""
    event = _publication_event(session, edition)
    return dict(event.data) if event is not None else None


def publication_head(*, session: Session, edition: Edition) -> audit.Head | None:
    """The audit chain's head at publication: the entry holding the published figures (None if
    never published by us). Kept outside Prize, it proves later, with ``prize audit verify
    --head``, that nothing up to the publication was dropped or changed."""
    event = _publication_event(session, edition)
    if event is None or event.id is None:
        return None
    return audit.Head(event.id, event.hash)


def receipt_rounds(*, session: Session, edition: Edition, code: str) -> list[Round]:
    """The rounds in which a ballot with this receipt code was counted (published figures)."""
    record = publication_record(session=session, edition=edition)
    wanted = _hash_receipt(code)
    found = []
    for round_ in Round:
        if record is not None:
            hashes = record.get("receipts", {}).get(round_.value, [])
        else:
            hashes = [
                _hash_receipt(r)
                for r in tally_of(session=session, edition=edition, round_=round_).receipts
            ]
        if "".join(code.split()) and pure.receipt_in(wanted, hashes):
            found.append(round_)
    return found
