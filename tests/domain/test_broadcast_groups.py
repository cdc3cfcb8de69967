"""Who is in each group the secretariat can write to."""

from __future__ import annotations

from datetime import timedelta

from prize.domain import broadcasts
from prize.domain.broadcasts import Group
from prize.models import ApplicationStatus, EditionState
from tests import factories, jury_factories
from tests.jurykit import cast_ballot, make_scored_edition

A = ApplicationStatus


def test_each_applicant_group_holds_the_applications_in_its_state(db, clock) -> None:
    with db.write() as session:
        edition = factories.edition(session=session, state=EditionState.screening)
        for status in (A.draft, A.submitted, A.returned, A.eligible, A.ineligible, A.withdrawn):
            factories.application(
                session=session, edition=edition, status=status, email=f"{status.value}@x.org"
            )
        found = {
            group: sorted(
                r.email.split("@")[0]
                for r in broadcasts.recipients(
                    session=session, edition=edition, group=group, now=clock()
                )
            )
            for group in Group
        }
    assert found == {
        Group.applicants: sorted(s.value for s in A),
        Group.drafts: ["draft"],
        Group.submitted: ["eligible", "ineligible", "returned", "submitted"],
        Group.eligible: ["eligible"],
        Group.shortlisted: [],
        Group.ineligible: ["ineligible"],
        Group.jurors: [],
        Group.jurors_pending: [],
    }


def test_jurors_pending_are_the_invited_who_have_not_submitted_the_open_round(db, clock) -> None:
    with db.write() as session:
        scored = make_scored_edition(session, now=clock(), n_jurors=3)
        for juror in scored.jurors:
            juror.invited_at = clock() - timedelta(days=1)
        cast_ballot(session, scored, 0, "shortlist", {i: 5 for i in range(9)}, now=clock())
        pending = broadcasts.recipients(
            session=session,
            edition=scored.edition,
            group=Group.jurors_pending,
            now=clock(),
            juror_links=jury_factories.links(clock),
        )
        everyone = broadcasts.recipients(
            session=session, edition=scored.edition, group=Group.jurors, now=clock()
        )
    assert sorted(p.email for p in pending) == ["juror1@example.org", "juror2@example.org"]
    assert pending[0].link.startswith("http://testserver/ballot/link/")
    assert len(everyone) == 3
