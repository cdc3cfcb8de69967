"""Step 7: the digest of a round's counted ballots, and which ballots count."""

from __future__ import annotations

import hashlib
import json
import math
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
    rows: dict[int, list[tuple[int, int, float]]] = {j: [] for j in ballots}
    seen: set[tuple[int, int, int]] = set()
    left_out = conflicts | abstentions
    for s in data.scores:
        key = (s.juror, s.application, s.criterion)
        if key in seen:
            raise ValueError(f"duplicate score row {key}")
        seen.add(key)
        if (
            s.juror in ballots
            and s.application in applications
            and s.criterion in criteria
            and (s.juror, s.application) not in left_out
        ):
            rows[s.juror].append((s.application, s.criterion, s.value))
    abstained: dict[int, list[int]] = {}
    conflicted: dict[int, list[int]] = {}
    for groups, pairs in ((abstained, abstentions), (conflicted, conflicts)):
        for j, a in sorted(pairs):
            groups.setdefault(j, []).append(a)
    # The JSON is written piece by piece, exactly as ``json.dumps(body, sort_keys=True,
    # separators=(",", ":"), ensure_ascii=False)`` writes it (keys in sorted order): a round
    # holds hundreds of thousands of score rows, and this is several times faster.
    parts = []
    numbers: dict[float, str] = {}  # a round has few distinct values
    for juror in sorted(ballots):
        mine = rows[juror]
        mine.sort()  # by application, then criterion: no two rows share both (checked above)
        scores = ",".join(
            f'{{"application":{a:d},"criterion":{c:d},"value":'
            f"{numbers.get(v) or numbers.setdefault(v, _json_number(v))}}}"
            for a, c, v in mine
        )
        parts.append(
            f'{{"abstentions":{_json(abstained.get(juror, []))},'
            f'"conflicts":{_json(conflicted.get(juror, []))},"juror":{_json(juror)},'
            f'"receipt":{_json(ballots[juror].receipt)},"scores":[{scores}]}}'
        )
    return f'{{"ballots":[{",".join(parts)}],"round":{_json(data.params.round)}}}'


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _json_number(value: float) -> str:
    """``json.dumps(number(value))``: integral values without a fraction."""
    as_float = float(value)
    if not math.isfinite(as_float):
        return _json(number(as_float))
    return str(int(as_float)) if as_float.is_integer() else float.__repr__(as_float)


def digest(data: TallyInput) -> str:
    return hashlib.sha256(canonical_ballots(data).encode()).hexdigest()
