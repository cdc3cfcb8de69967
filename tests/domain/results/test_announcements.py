"""What applicants and jurors are told when the shortlist is fixed and when the results are
published: queued in the move's transaction, in each reader's language."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, select

from prize.domain import transitions
from prize.domain.results.standing import Stand, standing_of
from prize.domain.shared import audit
from prize.models import ActorKind, Application, ApplicationStatus, EditionState, OutboxMessage
from tests import factories
from tests.jurykit import award_final, make_scored_edition, run_to_publication, start_final_round

OFFICER = audit.Actor(ActorKind.staff, None)


def _mails(session, kind: str) -> dict[str, OutboxMessage]:
    rows = session.exec(
        select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(col(OutboxMessage.id))
    ).all()
    return {m.recipient: m for m in rows}


def _scored(session, clock, n_jurors: int = 3):
    scored = make_scored_edition(session, now=clock(), n_jurors=n_jurors)
    for juror in scored.jurors:
        juror.invited_at = clock() - timedelta(days=1)
        session.add(juror)
    return scored


def test_the_final_round_tells_the_shortlisted_and_thanks_the_others(db, clock) -> None:
    with db.write() as session:
        scored = _scored(session, clock)
        start_final_round(session, scored, now=clock(), actor=OFFICER)  # shortlist A B C D
    with db.read() as session:
        shortlisted = _mails(session, "shortlist_shortlisted")
        others = _mails(session, "shortlist_not_shortlisted")
    assert sorted(shortlisted) == [f"applicant{i}@example.org" for i in range(4)]
    assert sorted(others) == [f"applicant{i}@example.org" for i in range(4, 9)]
    french = shortlisted["applicant1@example.org"]
    assert (french.language, french.subject) == (
        "fr",
        "Confidentiel\u00a0: EDPP-2027-0002 figure sur la liste restreinte du "
        "Prix européen de prévention des drogues 2027",
    )
    english = shortlisted["applicant0@example.org"].body
    assert 'has put your project "Project A" (EDPP-2027-0001) on the shortlist' in english
    assert "please keep it confidential until the results are announced publicly on" in english
    kind = others["applicant4@example.org"].body
    assert 'your project "Project E" (EDPP-2027-0005) is not on it' in kind
    assert "Thank you for the work you do with young people" in kind


def test_an_edition_without_embargo_lets_the_shortlisted_share_the_news(db, clock) -> None:
    with db.write() as session:
        scored = _scored(session, clock)
        scored.edition.shortlist_embargo = False
        session.add(scored.edition)
        start_final_round(session, scored, now=clock(), actor=OFFICER)
    with db.read() as session:
        shortlisted = _mails(session, "shortlist_shortlisted")
    english, french = shortlisted["applicant0@example.org"], shortlisted["applicant1@example.org"]
    assert english.subject == (
        "Good news: EDPP-2027-0001 is on the shortlist of the European Drug Prevention Prize 2027"
    )
    assert "You may share this news: the shortlist is not under embargo." in english.body
    assert "confidential" not in english.body.lower()
    assert french.subject == (
        "Bonne nouvelle\u00a0: EDPP-2027-0002 figure sur la liste restreinte du "
        "Prix européen de prévention des drogues 2027"
    )
    assert "Vous pouvez partager cette nouvelle\u00a0: la liste restreinte" in french.body
    assert "embargo\u00a0:" not in french.body and "confidenti" not in french.body


def test_a_round_gone_back_and_forth_tells_each_applicant_once(db, clock) -> None:
    with db.write() as session:
        scored = _scored(session, clock)
        start_final_round(session, scored, now=clock(), actor=OFFICER)
        transitions.move(
            session=session,
            edition=scored.edition,
            to=EditionState.shortlisting,
            actor=OFFICER,
            now=clock(),
            reason="A juror's ballot was lost",
        )
        transitions.move_to_final(
            session=session, edition=scored.edition, actor=OFFICER, now=clock()
        )
    with db.read() as session:
        told = session.exec(
            select(OutboxMessage).where(col(OutboxMessage.kind).startswith("shortlist_"))
        ).all()
    assert len(told) == 9


def test_a_juror_who_missed_the_first_round_is_told_when_the_final_opens(db, clock) -> None:
    with db.write() as session:
        scored = _scored(session, clock, n_jurors=4)  # juror 3 casts no first-round ballot
        start_final_round(
            session, scored, now=clock(), actor=OFFICER, reason="Juror 3 could not vote in time"
        )
    with db.read() as session:
        opened = _mails(session, "ballot_round_open")
    missed = (
        "Your first-round ballot was not submitted when that round closed, so it was not counted."
    )
    assert missed in opened["juror3@example.org"].body
    assert missed not in opened["juror0@example.org"].body


def test_publication_gives_every_screened_applicant_the_results_and_thanks_the_jurors(
    db, clock
) -> None:
    with db.write() as session:
        scored = _scored(session, clock)
        outsider = factories.application(
            session=session,
            edition=scored.edition,
            status=ApplicationStatus.ineligible,
            email="late@example.org",
        )
        run_to_publication(session, scored, clock)
        assert outsider.status is ApplicationStatus.ineligible
    with db.read() as session:
        results = _mails(session, "results_published")
        thanks = _mails(session, "juror_thanks")
    base = "http://testserver/editions/2027/results"
    assert len(results) == 10  # nine eligible and one ineligible
    winner = results["applicant1@example.org"]  # B, a winner, in French
    assert winner.language == "fr"
    assert "fait partie des lauréats" in winner.body
    assert f"{base}/certificates/EDPP-2027-0002" in winner.body
    nominated = results["applicant3@example.org"].body
    assert "is nominated" in nominated and f"{base}/certificates/EDPP-2027-0004" in nominated
    thanked = results["applicant4@example.org"].body
    assert "Thank you again for your application" in thanked
    assert base in thanked and "certificates" not in thanked
    assert base in results["late@example.org"].body
    assert sorted(thanks) == [f"juror{j}@example.org" for j in range(3)]
    assert base in thanks["juror0@example.org"].body
    assert "With your receipt codes you can check" in thanks["juror0@example.org"].body


def test_each_applicant_page_says_where_the_application_stands(db, clock) -> None:
    with db.write() as session:
        scored = _scored(session, clock)
        start_final_round(session, scored, now=clock(), actor=OFFICER)
        during = {
            a.reference: standing_of(session=session, application=a, edition=scored.edition).stand
            for a in scored.apps
        }
        award_final(session, scored, now=clock(), actor=OFFICER)
        transitions.decide(session=session, edition=scored.edition, actor=OFFICER, now=clock())
        after = {
            a.reference: standing_of(session=session, application=a, edition=scored.edition)
            for a in session.exec(select(Application).order_by(col(Application.id)))
        }
    assert during["EDPP-2027-0001"] is Stand.shortlisted
    assert during["EDPP-2027-0005"] is Stand.not_shortlisted
    assert [s.stand for s in after.values()] == [
        Stand.winner,
        Stand.winner,
        Stand.winner,
        Stand.nominated,
        Stand.not_shortlisted,
        Stand.special_mention,
        Stand.not_shortlisted,
        Stand.not_shortlisted,
        Stand.not_shortlisted,
    ]
    assert all(s.decided and not s.published for s in after.values())
