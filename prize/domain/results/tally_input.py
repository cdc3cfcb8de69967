"""The tally of the stored ballots: ``tally_input`` loads a round's ballots as plain data and
``tally_of`` runs the pure ``prize.tally`` on them; ``ranked`` and ``ranking_json`` name the
ranked applications (reference, title, country) for the pages and ``prize tally``.

The edition's last moves are ``prize.domain.transitions``'s; the figures written at publication
are in ``publication``, and what the public reads in ``published``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from prize import countries
from prize import tally as pure
from prize.domain.editions.criteria import criteria_of
from prize.domain.jury import ballots
from prize.models import (
    Application,
    ApplicationContent,
    Ballot,
    BallotEntry,
    BallotStatus,
    Conflict,
    ContentKind,
    Edition,
    Juror,
    Round,
    Score,
    pk,
)


def tally_input(*, session: Session, edition: Edition, round_: Round) -> pure.TallyInput:
    """A round's stored ballots as the pure tally reads them."""
    apps = [
        pk(a) for a in ballots.round_applications(session=session, edition=edition, round_=round_)
    ]
    criteria = [
        pure.Criterion(id=pk(c), weight=c.weight)
        for c in criteria_of(session=session, edition=edition)
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
    jury = session.exec(
        select(Juror.id).where(Juror.edition_id == edition.id, col(Juror.active))
    ).all()
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
        jury=[j for j in jury if j is not None],
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
    summary_en: str = ""  # the secretariat's English translation of the summary, if any

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
        found[pk(app)] = Project(
            id=pk(app),
            reference=app.reference or "",
            title=content.title,
            organisation=content.organisation,
            country_code=(content.countries or [""])[0],
            summary=content.summary,
            email=app.email,
            language=app.language,
            consent_publication=content.consent_publication,
            consent_summary=content.consent_summary,
            summary_en=(app.translation or {}).get("summary", ""),
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
