"""A juror's link after publication: thanks, their receipt codes and the results' link; a link
that expired before publication or was revoked says which."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from prize.domain import transitions
from prize.domain.shared import audit
from prize.models import ActorKind, Ballot, Edition, Juror
from tests import jury_factories
from tests.jurykit import award_final, make_scored_edition, start_final_round

OFFICER = audit.Actor(ActorKind.staff, None)


def _decided(sqlite_db, clock):
    with sqlite_db.write() as session:
        scored = make_scored_edition(session, now=clock())
        for juror in scored.jurors:
            juror.invited_at = clock() - timedelta(days=1)
            session.add(juror)
        start_final_round(session, scored, now=clock(), actor=OFFICER)
        award_final(session, scored, now=clock(), actor=OFFICER)
        transitions.decide(session=session, edition=scored.edition, actor=OFFICER, now=clock())
        return scored


def test_a_juror_link_after_publication_thanks_with_receipts_and_results(
    client, sqlite_db, clock
) -> None:
    scored = _decided(sqlite_db, clock)
    juror = scored.jurors[0]
    before = client.get(jury_factories.link_path(juror, clock))
    assert before.status_code == 410
    assert "final round closes, and after a year at most" in before.text
    with sqlite_db.write() as session:
        edition = session.get_one(Edition, scored.edition.id)
        transitions.publish(session=session, edition=edition, actor=OFFICER, now=clock())
        receipts = [
            b.receipt_code for b in session.exec(select(Ballot).where(Ballot.juror_id == juror.id))
        ]
    page = client.get(jury_factories.link_path(juror, clock))
    assert page.status_code == 200
    assert "Thank you, Lena" in page.text
    assert 'href="/editions/2027/results"' in page.text
    assert receipts and all(code in page.text for code in receipts)
    assert "juror" not in client.cookies.get("session", "")  # no ballot session opened
    assert client.get("/ballot").status_code == 401


def test_a_revoked_juror_link_after_publication_says_it_is_no_longer_valid(
    client, sqlite_db, clock
) -> None:
    scored = _decided(sqlite_db, clock)
    with sqlite_db.write() as session:
        juror = session.get_one(Juror, scored.jurors[0].id)
        path = jury_factories.link_path(juror, clock)
        juror.link_version += 1
        session.add(juror)
        edition = session.get_one(Edition, scored.edition.id)
        transitions.publish(session=session, edition=edition, actor=OFFICER, now=clock())
    page = client.get(path)
    assert page.status_code == 410
    assert "This link is no longer valid" in page.text
