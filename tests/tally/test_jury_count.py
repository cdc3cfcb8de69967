"""The tally counts the submitted ballots against the whole jury, not against the jurors who
happen to have opened a ballot (seen: "2 of 4 jurors" on a jury of 7)."""

from __future__ import annotations

from prize.domain.results import tally_input
from prize.models import Juror, Round
from tests.appkit import text_of
from tests.jurykit import cast_ballot, make_scored_edition


def _seven_jurors_two_submitted(db, clock):
    with db.write() as session:
        scored = make_scored_edition(session, now=clock(), n_jurors=8)
        for juror in (0, 1):
            marks = {i: i % 5 + 1 for i in range(len(scored.apps))}
            cast_ballot(session, scored, juror, "shortlist", marks, now=clock())
        for juror in (2, 3):  # opened, not submitted
            cast_ballot(session, scored, juror, "shortlist", {0: 5}, submitted=False)
        replaced = session.get_one(Juror, scored.jurors[7].id)  # no longer on the jury
        replaced.active = False
        session.add(replaced)
    return scored


def test_ballots_are_counted_against_the_whole_jury(sqlite_db, clock):
    scored = _seven_jurors_two_submitted(sqlite_db, clock)
    with sqlite_db.read() as session:
        result = tally_input.tally_of(
            session=session, edition=scored.edition, round_=Round.shortlist
        )
    first = result.steps[0]
    assert (first.key, first.params) == ("ballots", {"submitted": 2, "jurors": 7})


def test_tally_page_says_two_of_seven_jurors(staff_client, sqlite_db, clock):
    _seven_jurors_two_submitted(sqlite_db, clock)
    page = staff_client.get("/secretariat/editions/2027/tally/shortlist").text
    text = text_of(page)
    assert "Ballots submitted for this round: 2 of 7." in text
