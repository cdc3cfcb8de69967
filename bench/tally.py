"""The pure tally (``prize.tally.tally``) on a small and a large round.

    .venv/bin/python -m bench.tally [--repeat 3]

Generated deterministically (``random.Random(seed)``), every juror's ballot submitted, six
weighted criteria on a 0-10 scale, normalisation on, quorum 3:

- small: 100 applications x 7 jurors x 6 criteria, every juror scoring every application
  (as the real jury does): 700 ballot scores, 4,200 criterion scores;
- large: 10,000 applications x 50 jurors x 6 criteria. Fifty jurors each reading all 10,000
  applications is not how such a round could work, so each application is scored by 7 of the
  50 (consecutive jurors, round robin: each juror scores 1,400), as in the small case:
  70,000 ballot scores, 420,000 criterion scores.

In both, 2% of (juror, application) pairs are conflicts and 1% abstentions. Reported: the best
of ``--repeat`` runs (of 30 times as many for the small case, which lasts a few milliseconds), the time per criterion score and per ballot score. Goal (issue #7): the
large case's time per score within 2x the small case's, and the large case under 2 s.
"""

from __future__ import annotations

import argparse
import random
import time

from prize import tally

CRITERIA = 6
SMALL_REPEAT = 30  # times --repeat
PER_APPLICATION = 7


def generate(applications: int, jurors: int, seed: int) -> tally.TallyInput:
    rng = random.Random(seed)
    criteria = [tally.Criterion(id=c + 1, weight=1.0 + (c % 3)) for c in range(CRITERIA)]
    scores = []
    conflicts = []
    abstentions = []
    for app in range(1, applications + 1):
        panel = [((app - 1) * PER_APPLICATION + k) % jurors + 1 for k in range(PER_APPLICATION)]
        quality = rng.uniform(3, 8)
        for juror in sorted(set(panel)):
            roll = rng.random()
            if roll < 0.02:
                conflicts.append((juror, app))
                continue
            if roll < 0.03:
                abstentions.append((juror, app))
                continue
            bias = (juror % 5) - 2
            for c in criteria:
                value = round(min(10, max(0, rng.gauss(quality + bias * 0.5, 1.5))))
                scores.append(tally.ScoreRow(juror=juror, application=app, criterion=c.id,
                                             value=float(value)))  # fmt: skip
    ballots = [tally.Ballot(juror=j, submitted=True, receipt=f"R{j:04d}{seed}") for j in
               range(1, jurors + 1)]  # fmt: skip
    return tally.TallyInput(
        params=tally.Params(round=tally.SHORTLIST, quorum=3, shortlist_size=7),
        applications=list(range(1, applications + 1)),
        criteria=criteria,
        ballots=ballots,
        scores=scores,
        abstentions=abstentions,
        conflicts=conflicts,
    )


def measure(name: str, data: tally.TallyInput, repeat: int) -> float:
    """The best of ``repeat`` runs, in wall time and in CPU time (this process's: on a shared
    machine the wall time also counts the time other processes held the core)."""
    best = cpu = float("inf")
    result = None
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        result = tally.tally(data)
        best = min(best, time.perf_counter() - t)
        cpu = min(cpu, time.process_time() - c)
    assert result is not None
    ballot_scores = sum(len(e.ballot_scores) for e in result.ranking)
    per_score = cpu / len(data.scores) * 1e6
    print(f"{name:<36} wall {best * 1000:8.1f} ms  cpu {cpu * 1000:8.1f} ms   "
          f"{per_score:6.2f} us cpu per criterion score ({len(data.scores):,})   "
          f"{cpu / ballot_scores * 1e6:6.2f} us per ballot score ({ballot_scores:,})")  # fmt: skip
    return per_score


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--large", type=int, default=10_000, help="applications in the large case")
    args = parser.parse_args()
    # The small case takes a few milliseconds, where one interruption shows: best of many more.
    small = measure("small: 100 x 7 x 6", generate(100, 7, 1), args.repeat * SMALL_REPEAT)
    large = measure(f"large: {args.large:,} x 50 x 6 (7 per app)", generate(args.large, 50, 2),
                    args.repeat)  # fmt: skip
    print(f"large / small cpu time per score: {large / small:.2f} (goal <= 2; large case < 2 s)")


if __name__ == "__main__":
    main()
