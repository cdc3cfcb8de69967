"""The tally: pure scoring functions, exactly as docs/design.md ("The tally") describes them.

This package imports nothing of the app (only the standard library). It reads plain data
(``TallyInput``) and returns a ``TallyResult`` that explains every step: structures a page can
render, and step texts (message ids with parameters, in plain English, translated where they
are shown).

1. Ballot score (``compute.ballot_scores``): one juror's weighted mean of their criterion scores
   for one application in one round, the weights normalised to sum 1. Conflicts, abstentions and
   unfinished entries give no ballot score, never a zero. Only submitted ballots count.
2. Normalisation (``compute.normalise``): each juror's ballot scores become z-scores, mapped back
   as ``m + z * sd`` (``m``, ``sd``: mean and population standard deviation of every counted
   ballot score of the round, before normalisation), clamped to the scale. Fewer than 3 ballot
   scores or no variance (or normalisation off): left as given.
3. Application score: the mean; also the median, the population standard deviation ("spread")
   and the number of ballots.
4. Quorum: an application with fewer ballots is ranked, flagged, and never proposed.
5. Ranking: by score rounded to 4 decimals, then the higher median (also rounded), then more
   ballots in which the application got that juror's highest score of the round (as given,
   before normalisation). A tie that survives shares its rank and is flagged, and also flagged
   where it straddles the cut (shortlist size, or third place).
6. Proposals: among the applications that reach the quorum, round 1 proposes the top K for the
   shortlist; round 2 the top 3 as winners and the rest as nominated. A tie at the cut leaves
   its places open to the secretariat.
7. Digest (``digest``): SHA-256 of the canonical JSON of the round's counted ballots (sorted
   keys, ballots by juror, scores by application and criterion); receipt codes identify
   ballots among them.

Every sum is ``math.fsum``, which is exact, so no sum depends on the order it is given its
values in (it needs no sorting); medians sort their values, and what the result lists is
ordered by rank and id. So the order of the input rows never changes the result
(``tests/tally/test_properties.py``).
"""

from prize.tally.compute import tally
from prize.tally.data import (
    ABSTAINED,
    BELOW_QUORUM,
    CONFLICT,
    DECIMALS,
    FINAL,
    FLAGS,
    INCOMPLETE,
    NOT_SCORED,
    ROUNDS,
    SHORTLIST,
    TIE,
    TIE_AT_CUT,
    Ballot,
    BallotScore,
    Criterion,
    Entry,
    JurorSummary,
    Params,
    Proposal,
    ScoreRow,
    Step,
    TallyInput,
    TallyResult,
    receipt_in,
    receipt_key,
)
from prize.tally.digest import canonical_ballots, digest

__all__ = [
    "ABSTAINED",
    "BELOW_QUORUM",
    "CONFLICT",
    "DECIMALS",
    "FINAL",
    "FLAGS",
    "INCOMPLETE",
    "NOT_SCORED",
    "ROUNDS",
    "SHORTLIST",
    "TIE",
    "TIE_AT_CUT",
    "Ballot",
    "BallotScore",
    "Criterion",
    "Entry",
    "JurorSummary",
    "Params",
    "Proposal",
    "ScoreRow",
    "Step",
    "TallyInput",
    "TallyResult",
    "canonical_ballots",
    "digest",
    "receipt_in",
    "receipt_key",
    "tally",
]
