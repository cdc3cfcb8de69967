"""Step 7: the digest of a round's counted ballots, and which ballots count."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from prize.tally.data import Ballot, TallyInput, number


def counted(
    data: TallyInput,
) -> tuple[dict[int, Ballot], set[int], set[int], set[tuple[int, int]], set[tuple[int, int]]]:
    """Submitted ballots by juror, the round's applications and criteria, conflicts, abstentions."""
    ballots: dict[int, Ballot] = {}
    for ballot in sorted(data.ballots, key=lambda b: (b.juror, not b.submitted)):
        if ballot.submitted and ballot.juror not in ballots:
            ballots[ballot.juror] = ballot
    applications = set(data.applications)
    criteria = {c.id for c in data.criteria}
    conflicts = {(j, a) for j, a in data.conflicts if a in applications}
    abstentions = {(j, a) for j, a in data.abstentions if a in applications} - conflicts
    return ballots, applications, criteria, conflicts, abstentions


def canonical_ballots(data: TallyInput) -> str:
    """The canonical JSON of the round's counted ballots (sorted keys and rows, no spaces)."""
    ballots, applications, criteria, conflicts, abstentions = counted(data)
    rows: dict[int, list[dict[str, Any]]] = {j: [] for j in ballots}
    seen: set[tuple[int, int, int]] = set()
    for s in data.scores:
        key = (s.juror, s.application, s.criterion)
        if key in seen:
            raise ValueError(f"duplicate score row {key}")
        seen.add(key)
        if (
            s.juror in ballots
            and s.application in applications
            and s.criterion in criteria
            and (s.juror, s.application) not in conflicts
            and (s.juror, s.application) not in abstentions
        ):
            rows[s.juror].append(
                {"application": s.application, "criterion": s.criterion, "value": number(s.value)}
            )
    body = {
        "round": data.params.round,
        "ballots": [
            {
                "juror": juror,
                "receipt": ballots[juror].receipt,
                "scores": sorted(rows[juror], key=lambda r: (r["application"], r["criterion"])),
                "abstentions": sorted(a for j, a in abstentions if j == juror),
                "conflicts": sorted(a for j, a in conflicts if j == juror),
            }
            for juror in sorted(ballots)
        ],
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def digest(data: TallyInput) -> str:
    return hashlib.sha256(canonical_ballots(data).encode()).hexdigest()
