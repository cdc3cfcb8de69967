"""The explanation of a tally: one plain-English step text per step, with its figures."""

from __future__ import annotations

from collections.abc import Mapping

from prize.tally.data import (
    BELOW_QUORUM,
    N_,
    SHORTLIST,
    Entry,
    Figure,
    Figures,
    JurorSummary,
    Params,
    Proposal,
    Step,
    number,
)


def steps(
    *,
    params: Params,
    jurors: tuple[JurorSummary, ...],
    jury_size: int,
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
    """Every step of the tally, in the order it is computed."""
    submitted = sum(1 for j in jurors if j.submitted)
    return (
        *_counting(
            submitted,
            jury_size,
            jurors,
            weights,
            raw,
            conflicts=conflicts,
            abstentions=abstentions,
        ),
        _normalisation(params, jurors, raw, round_mean, round_sd),
        *_ranking(params, ranking, broken=broken, unresolved=unresolved),
        _proposal(params, proposal),
        _digest(submitted, digest),
    )


def _counting(
    submitted: int,
    jury_size: int,
    jurors: tuple[JurorSummary, ...],
    weights: tuple[tuple[int, float], ...],
    raw: Mapping[tuple[int, int], float],
    *,
    conflicts: int,
    abstentions: int,
) -> tuple[Step, ...]:
    """What is counted: the submitted ballots, their ballot scores, what gives no score."""
    return (
        Step(
            "ballots",
            N_(
                "Ballots submitted for this round: %(submitted)s of %(jurors)s. Only submitted "
                "ballots are counted; drafts show as progress only."
            ),
            {"submitted": submitted, "jurors": jury_size},
        ),
        Step(
            "ballot_scores",
            N_(
                "A ballot score is one juror's weighted mean of their criterion scores for one "
                "application, with the weights normalised to sum 1 (%(weights)s). "
                "Ballot scores counted: %(n)s."
            ),
            {
                "weights": Figures(tuple(Figure(w, 3) for _, w in weights)),
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
    params: Params,
    jurors: tuple[JurorSummary, ...],
    raw: Mapping[tuple[int, int], float],
    round_mean: float | None,
    round_sd: float | None,
) -> Step:
    """How each juror's scores are put on the round's scale (or that they are not)."""
    if not params.normalise:
        return Step(
            "normalisation",
            N_("Normalisation is off for this edition: ballot scores are used as given."),
        )
    return Step(
        "normalisation",
        N_(
            "Normalisation: the ballot scores of the round (%(n)s) have a mean of "
            "%(mean)s and a standard deviation of %(sd)s. Each juror's scores become "
            "z-scores against the juror's own mean and deviation, and are mapped back as "
            "mean + z × deviation, kept between %(min)s and %(max)s, so that a strict "
            "juror and a generous one weigh the same. Jurors normalised: %(normalised)s; "
            "left as they scored (fewer than 3 scores, or all their scores equal): "
            "%(left)s."
        ),
        {
            "n": len(raw),
            "mean": Figure(round_mean),
            "sd": Figure(round_sd),
            "min": number(params.scale_min),
            "max": number(params.scale_max),
            "normalised": sum(1 for j in jurors if j.normalised),
            "left": sum(1 for j in jurors if j.submitted and not j.normalised),
        },
    )


def _ranking(
    params: Params, ranking: tuple[Entry, ...], *, broken: int, unresolved: int
) -> tuple[Step, ...]:
    """From ballot scores to the ranking: application scores, the quorum, ties."""
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
                "Quorum, the fewest ballot scores an application needs to be proposed: "
                "%(quorum)s. Applications with fewer, ranked but flagged and never proposed "
                "automatically: %(below)s."
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


def _proposal(params: Params, proposal: Proposal) -> Step:
    """The places the ranking fills: the shortlist, or the winners."""
    figures = {"places": proposal.places, "n": len(proposal.selected), "open": proposal.open_places}
    if params.round == SHORTLIST:
        return Step(
            "proposal",
            N_(
                "Places on the shortlist, for the best-ranked applications that reach the "
                "quorum: %(places)s. Proposed: %(n)s; places left to the secretariat because "
                "of a tie at the cut: %(open)s."
            ),
            figures,
        )
    return Step(
        "proposal",
        N_(
            "Winners' places, for the best-ranked applications that reach the quorum: "
            "%(places)s; the rest of the shortlist is nominated. Proposed: %(n)s; places "
            "left to the secretariat because of a tie at third place: %(open)s."
        ),
        figures,
    )


def _digest(submitted: int, digest: str) -> Step:
    """The fingerprint of the counted ballots."""
    return Step(
        "digest",
        N_(
            "The digest of the counted ballots (%(n)s) is the SHA-256 of their canonical "
            "JSON: %(digest)s. Each juror's receipt code identifies their ballot among them."
        ),
        {"n": submitted, "digest": digest},
    )
