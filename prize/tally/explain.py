"""The explanation of a tally: one plain-English step text per step, with its figures."""

from __future__ import annotations

from collections.abc import Mapping

from prize.tally.data import (
    BELOW_QUORUM,
    N_,
    SHORTLIST,
    Entry,
    JurorSummary,
    Params,
    Proposal,
    Step,
    fmt,
    number,
)


def steps(
    *,
    params: Params,
    jurors: tuple[JurorSummary, ...],
    weights: tuple[tuple[int, float], ...],
    raw: Mapping[tuple[int, int], float],
    conflicts: int,
    abstentions: int,
    round_mean: float | None,
    round_sd: float | None,
    ranking: tuple[Entry, ...],
    broken: int,
    unresolved: int,
    proposal: Proposal,
    digest: str,
) -> tuple[Step, ...]:
    submitted = sum(1 for j in jurors if j.submitted)
    return (
        *_ballots(
            jurors=jurors,
            submitted=submitted,
            weights=weights,
            raw=raw,
            conflicts=conflicts,
            abstentions=abstentions,
        ),
        _normalisation(
            params=params, jurors=jurors, raw=raw, round_mean=round_mean, round_sd=round_sd
        ),
        *_ranking(params=params, ranking=ranking, broken=broken, unresolved=unresolved),
        _proposal(params=params, proposal=proposal),
        _digest(submitted=submitted, digest=digest),
    )


def _ballots(
    *,
    jurors: tuple[JurorSummary, ...],
    submitted: int,
    weights: tuple[tuple[int, float], ...],
    raw: Mapping[tuple[int, int], float],
    conflicts: int,
    abstentions: int,
) -> tuple[Step, ...]:
    """Which ballots count, what a ballot score is, and what gives none."""
    return (
        Step(
            "ballots",
            N_(
                "%(submitted)s of %(jurors)s jurors have submitted their ballot for this round. "
                "Only submitted ballots are counted; drafts show as progress only."
            ),
            {"submitted": submitted, "jurors": len(jurors)},
        ),
        Step(
            "ballot_scores",
            N_(
                "A ballot score is one juror's weighted mean of their criterion scores for one "
                "application, with the weights normalised to sum 1 (%(weights)s). "
                "%(n)s ballot scores were counted."
            ),
            {
                "weights": ", ".join(f"{w:.3f}" for _, w in weights),
                "n": len(raw),
            },
        ),
        Step(
            "no_score",
            N_(
                "Conflicts of interest (%(conflicts)s) and abstentions (%(abstentions)s) give no "
                "ballot score: they are left out of the mean, never counted as zero."
            ),
            {"conflicts": conflicts, "abstentions": abstentions},
        ),
    )


def _normalisation(
    *,
    params: Params,
    jurors: tuple[JurorSummary, ...],
    raw: Mapping[tuple[int, int], float],
    round_mean: float | None,
    round_sd: float | None,
) -> Step:
    if not params.normalise:
        return Step(
            "normalisation",
            N_("Normalisation is off for this edition: ballot scores are used as given."),
        )
    return Step(
        "normalisation",
        N_(
            "Normalisation: the %(n)s ballot scores of the round have a mean of %(mean)s "
            "and a standard deviation of %(sd)s. Each juror's scores become z-scores "
            "against the juror's own mean and deviation, and are mapped back as "
            "mean + z × deviation, kept between %(min)s and %(max)s, so that a strict "
            "juror and a generous one weigh the same. %(normalised)s jurors were "
            "normalised; %(left)s were left as they scored (fewer than 3 scores, or all "
            "their scores equal)."
        ),
        {
            "n": len(raw),
            "mean": fmt(round_mean),
            "sd": fmt(round_sd),
            "min": number(params.scale_min),
            "max": number(params.scale_max),
            "normalised": sum(1 for j in jurors if j.normalised),
            "left": sum(1 for j in jurors if j.submitted and not j.normalised),
        },
    )


def _ranking(
    *, params: Params, ranking: tuple[Entry, ...], broken: int, unresolved: int
) -> tuple[Step, ...]:
    """How an application's score, the quorum and the ties make the ranking."""
    return (
        Step(
            "application_scores",
            N_(
                "An application's score is the mean of its ballot scores. Its median and its "
                "spread (the population standard deviation) are shown beside it."
            ),
        ),
        Step(
            "quorum",
            N_(
                "The quorum is %(quorum)s ballots. %(below)s applications have fewer: they are "
                "ranked but flagged, and never proposed automatically."
            ),
            {"quorum": params.quorum, "below": sum(1 for e in ranking if BELOW_QUORUM in e.flags)},
        ),
        Step(
            "ranking",
            N_(
                "Applications are ranked by score, compared after rounding to 4 decimals. A tie "
                "is broken by the higher median, then by more ballots in which the application "
                "got that juror's highest score of the round. Ties broken: %(broken)s; ties "
                "left for the secretariat: %(unresolved)s."
            ),
            {"broken": broken, "unresolved": unresolved},
        ),
    )


def _proposal(*, params: Params, proposal: Proposal) -> Step:
    if params.round == SHORTLIST:
        text = N_(
            "The %(places)s best-ranked applications that reach the quorum are proposed "
            "for the shortlist: %(n)s proposed, %(open)s places left to the secretariat "
            "because of a tie at the cut."
        )
    else:
        text = N_(
            "The %(places)s best-ranked applications that reach the quorum are proposed "
            "as winners (%(n)s proposed, %(open)s places left to the secretariat because "
            "of a tie at third place); the rest of the shortlist as nominated."
        )
    return Step(
        "proposal",
        text,
        {"places": proposal.places, "n": len(proposal.selected), "open": proposal.open_places},
    )


def _digest(*, submitted: int, digest: str) -> Step:
    return Step(
        "digest",
        N_(
            "The digest of the %(n)s counted ballots is the SHA-256 of their canonical JSON: "
            "%(digest)s. Each juror's receipt code identifies their ballot among them."
        ),
        {"n": submitted, "digest": digest},
    )
