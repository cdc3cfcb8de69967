"""After each decision, the applicant's own page says where the application stands, offers only
what still works, and after publication opens read-only with the outcome and the results."""

from __future__ import annotations

from datetime import timedelta

import pytest

from prize.domain.shared import audit
from prize.models import ActorKind, ApplicationStatus, Edition
from tests import factories
from tests.appkit import text_of
from tests.applykit import link_maker
from tests.jurykit import make_scored_edition, run_to_publication

OFFICER = audit.Actor(ActorKind.staff, None)


@pytest.fixture
def published(sqlite_db, clock):
    with sqlite_db.write() as session:
        scored = make_scored_edition(session, now=clock())
        ineligible = factories.application(
            session=session,
            edition=scored.edition,
            status=ApplicationStatus.ineligible,
            email="late@example.org",
            screening_reason="country",
        )
        run_to_publication(session, scored, clock)
        return [*scored.apps, ineligible]


def _open(client, application, clock):
    token = link_maker(clock=clock).token(application)
    return client.get(f"/apply/link/{token}", follow_redirects=True)


@pytest.mark.parametrize(
    ("index", "status", "words"),
    [
        (1, "Status: Winner", "Your project is one of the winners."),
        (3, "Status: Nominated", "Your project is nominated."),
        (5, "Status: Special mention", "Your project received a special mention."),
        (4, "Status: Eligible; not shortlisted", "Your project is not on the jury"),
        (9, "Status: Not eligible", "does not meet the eligibility rules"),
    ],
)
def test_after_publication_the_link_opens_the_outcome_and_the_results(
    client, published, clock, index, status, words
) -> None:
    application = published[index]
    page = _open(client, application, clock)
    text = page.text.replace("&#39;", "'")
    assert page.status_code == 200
    assert status in text and words in text
    assert "/editions/2027/results" in text
    assert "This link has expired" not in text
    assert ">Withdraw<" not in text  # a decision is made: nothing to withdraw from
    awarded = index in (1, 3, 5)
    assert (f"/editions/2027/results/certificates/{application.reference}" in text) == awarded
    if index == 9:
        assert "write to the secretariat at secretariat@example.org" in text


def test_a_draft_never_submitted_says_its_link_expired_after_publication(
    client, sqlite_db, published, clock
) -> None:
    with sqlite_db.write() as session:
        edition = session.get_one(Edition, published[0].edition_id)
        draft = factories.application(
            session=session, edition=edition, status=ApplicationStatus.draft
        )
    page = _open(client, draft, clock)
    assert page.status_code == 410
    assert "This link has expired" in page.text
    assert "when the call is over without it being submitted" in page.text


def test_an_eligible_application_with_the_jury_offers_no_withdraw(client, sqlite_db, clock) -> None:
    with sqlite_db.write() as session:
        scored = make_scored_edition(session, now=clock() - timedelta(days=1))
        application = scored.apps[0]
    page = _open(client, application, clock)
    assert "Status: Eligible; with the youth jury" in page.text
    assert ">Withdraw<" not in page.text


def test_the_list_of_applications_says_where_each_stands(client, published, clock) -> None:
    _open(client, published[1], clock)
    _open(client, published[9], clock)
    page = client.get("/apply/mine")
    assert "EDPP-2027-0002 · Winner" in page.text
    assert "EDPP-2027-0010 · Not eligible" in page.text


@pytest.mark.parametrize(
    ("rule", "note", "shown"),
    [
        ("other", "It has already won in 2024.", "The reason: It has already won in 2024."),
        (
            "country",
            "Most activities are in Canada.",
            "The reason: The project does not run mainly in an eligible country.",
        ),
    ],
)
def test_an_ineligible_application_says_why_with_the_secretariats_note(
    client, sqlite_db, clock, rule, note, shown
) -> None:
    with sqlite_db.write() as session:
        scored = make_scored_edition(session, now=clock() - timedelta(days=1))
        application = factories.application(
            session=session,
            edition=scored.edition,
            status=ApplicationStatus.ineligible,
            screening_reason=rule,
            screening_note=note,
        )
    text = text_of(_open(client, application, clock).text)
    assert shown in text and note in text
    assert "Another reason" not in text and "explained below" not in text
