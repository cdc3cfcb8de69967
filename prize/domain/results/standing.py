"""Where an application stands, in the words its applicant reads on their own page.

``standing_of`` reads the application's status, the edition's state and the jury's decisions:
submitted, being screened, eligible and with the jury, not shortlisted, shortlisted, winner,
nominated, special mention, ineligible (with the rule), returned, withdrawn or a draft. The
decisions are the applicant's own news: they were told them privately when they were made, so
their page says the same, embargo or not.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlmodel import Session, select

from prize.models import (
    Application,
    ApplicationStatus,
    Award,
    Decision,
    Edition,
    EditionState,
    Round,
    pk,
)

S = EditionState
A = ApplicationStatus


class Stand(enum.StrEnum):
    draft = "draft"
    submitted = "submitted"  # the call is still open
    screening = "screening"  # after the deadline, not screened yet
    returned = "returned"
    with_jury = "with_jury"  # eligible, the jury's first round to come or under way
    shortlisted = "shortlisted"  # on the shortlist, no final award (yet)
    not_shortlisted = "not_shortlisted"
    winner = "winner"
    nominated = "nominated"
    special_mention = "special_mention"
    ineligible = "ineligible"
    withdrawn = "withdrawn"


AWARDED = {
    Award.winner: Stand.winner,
    Award.nominated: Stand.nominated,
    Award.special_mention: Stand.special_mention,
}
SHORTLIST_KNOWN = (S.final, S.decided, S.published)  # the shortlist is fixed and told
FINAL_KNOWN = (S.decided, S.published)  # the awards are decided and told


@dataclass(frozen=True)
class Standing:
    stand: Stand
    reason: str = ""  # ineligible: the rule's code (screening.REASONS)
    note: str = ""  # ineligible: the secretariat's note to the applicant
    published: bool = False  # the results are public: link to them

    @property
    def decided(self) -> bool:
        """A decision on the application is made: nothing it could withdraw from is left."""
        return self.stand not in (Stand.draft, Stand.submitted, Stand.screening, Stand.returned)


def _awards(session: Session, application: Application) -> dict[Round, Award]:
    rows = session.exec(select(Decision).where(Decision.application_id == pk(application)))
    return {d.stage: d.award for d in rows}


def standing_of(*, session: Session, application: Application, edition: Edition) -> Standing:
    published = edition.state is S.published
    status = application.status
    if status is A.draft:
        return Standing(Stand.draft, published=published)
    if status is A.withdrawn:
        return Standing(Stand.withdrawn, published=published)
    if status is A.returned:
        return Standing(Stand.returned)
    if status is A.ineligible:
        return Standing(
            Stand.ineligible,
            reason=application.screening_reason,
            note=application.screening_note,
            published=published,
        )
    if status is A.submitted:
        stand = Stand.submitted if edition.state is S.open else Stand.screening
        return Standing(stand, published=published)
    awards = _awards(session, application)  # eligible
    final = awards.get(Round.final)
    if edition.state in FINAL_KNOWN and final in AWARDED:
        return Standing(AWARDED[final], published=published)
    if edition.state in SHORTLIST_KNOWN:
        stand = Stand.shortlisted if Round.shortlist in awards else Stand.not_shortlisted
        return Standing(stand, published=published)
    return Standing(Stand.with_jury)
