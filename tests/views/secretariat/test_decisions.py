"""The secretariat's decisions pages: shortlist, final round, winners, decide, publish, correct;
and editions from before the platform entered by hand."""

from __future__ import annotations

import re

import pytest
from sqlmodel import col, select

from prize import cli
from prize.domain.results import decisions
from prize.models import (
    AuditEvent,
    Award,
    Decision,
    Edition,
    EditionState,
    OutboxMessage,
    Round,
)
from tests import htmlpages
from tests.appkit import TEST_KEYS, csrf_of, refused_page, text_of
from tests.jurykit import ROUND1, ROUND2, cast_ballot, make_scored_edition
from tests.staffkit import confirmed_post, login, make_staff

DECISIONS = "/secretariat/editions/2027/decisions"


@pytest.fixture
def first_round(sqlite_db, clock, app):
    with sqlite_db.write() as session:
        scored = make_scored_edition(session, now=clock())
        for juror, marks in ROUND1.items():
            cast_ballot(session, scored, juror, "shortlist", marks, now=clock())
    return scored


def post(client, path: str, data: dict | list | None = None):
    token = csrf_of(client, DECISIONS)
    fields: dict[str, list[str]] = {}
    pairs = data if isinstance(data, list) else list((data or {}).items())
    for key, value in [*pairs, ("csrf_token", token)]:
        fields.setdefault(key, []).append(value)
    return client.post(path, data=fields)


def state_of(database) -> EditionState:
    with database.read() as session:
        return (
            session.exec(select(Edition).where(Edition.year == 2027, ~col(Edition.rehearsal)))
            .one()
            .state
        )


def test_decisions_page_proposes_the_shortlist(staff_client, first_round) -> None:
    page = staff_client.get(DECISIONS).text
    htmlpages.save("decisions_shortlisting", page)
    for i in range(9):
        box = re.search(rf'<input type="checkbox" id="app-{first_round.ids[i]}"[^>]*>', page)
        assert box is not None
        assert ("checked" in box.group(0)) == (i < 3)
    assert "Confirm the shortlist" in page


def test_confirming_the_proposed_shortlist_and_starting_the_final_round(
    staff_client, first_round, sqlite_db
) -> None:
    response = confirmed_post(
        staff_client, f"{DECISIONS}/shortlist", [("app", str(i)) for i in first_round.ids[:3]]
    )
    assert response.status_code == 303
    page = staff_client.get(DECISIONS).text
    assert "The shortlist is confirmed (3 applications)." in page
    assert "Confirmed shortlist" in page and "Start the final round" in page
    response = confirmed_post(staff_client, f"{DECISIONS}/final-round")
    assert response.status_code == 303
    assert state_of(sqlite_db) is EditionState.final
    assert "The final round has started." in staff_client.get(DECISIONS).text


def test_override_without_a_reason_is_refused_next_to_the_field_keeping_the_choice(
    staff_client, first_round, sqlite_db
) -> None:
    ids = first_round.ids
    chosen = [ids[0], ids[1], ids[3]]
    response = post(
        staff_client,
        f"{DECISIONS}/shortlist",
        [("app", str(i)) for i in chosen] + [(f"reason-{ids[3]}", "Great youth work")],
    )
    response = refused_page(staff_client, response)
    page = response.text
    htmlpages.save("decisions_shortlist_refused", page)
    assert "Give a reason for each application you moved away from the proposal." in text_of(page)
    assert f'id="reason-{ids[2]}-error">Give a reason for this change.' in page
    assert f'id="reason-{ids[3]}-error"' not in page
    assert 'value="Great youth work"' in page
    assert re.search(rf'id="app-{ids[3]}"[^>]*checked', page)
    assert not re.search(rf'id="app-{ids[2]}"[^>]*checked', page)
    with sqlite_db.read() as session:
        assert session.exec(select(Decision)).all() == []


def test_override_with_reasons_is_recorded(staff_client, first_round, sqlite_db) -> None:
    ids = first_round.ids
    confirmed_post(
        staff_client,
        f"{DECISIONS}/shortlist",
        [("app", str(i)) for i in (ids[0], ids[1], ids[3])]
        + [(f"reason-{ids[3]}", "Great youth work"), (f"reason-{ids[2]}", "Duplicate project")],
    )
    page = text_of(staff_client.get(DECISIONS).text)
    assert "changed from the proposal: Great youth work" in page
    with sqlite_db.read() as session:
        stored = decisions.shortlist_of(session=session, edition=first_round.edition)
    assert [d.application_id for d in stored] == [ids[0], ids[1], ids[3]]


def test_adviser_sees_no_form_and_is_refused_on_post(client, sqlite_db, clock, first_round) -> None:
    make_staff(sqlite_db, clock(), email="adviser@example.org", role="adviser")
    login(client, "adviser@example.org")
    page = client.get(DECISIONS).text
    assert "Confirm the shortlist" not in page
    token = csrf_of(client, DECISIONS)
    for path in ("shortlist", "final-round", "final", "decide", "publish", "note"):
        response = client.post(f"{DECISIONS}/{path}", data={"csrf_token": token, "app": "1"})
        assert response.status_code == 403, path
        assert "You are not allowed to see this page." in response.text, path
    with sqlite_db.read() as session:
        assert session.exec(select(Decision)).all() == []
    assert state_of(sqlite_db) is EditionState.shortlisting


def test_post_without_csrf_is_refused_and_changes_nothing(
    staff_client, first_round, sqlite_db
) -> None:
    response = staff_client.post(f"{DECISIONS}/shortlist", data={"app": str(first_round.ids[0])})
    assert response.status_code == 403
    assert "This form was not accepted" in response.text
    with sqlite_db.read() as session:
        assert session.exec(select(Decision)).all() == []


@pytest.fixture
def final_round(staff_client, first_round, sqlite_db, clock):
    confirmed_post(
        staff_client, f"{DECISIONS}/shortlist", [("app", str(i)) for i in first_round.ids[:3]]
    )
    confirmed_post(staff_client, f"{DECISIONS}/final-round")
    with sqlite_db.write() as session:
        for juror, marks in ROUND2.items():
            cast_ballot(session, first_round, juror, "final", {i: marks[i] for i in range(3)})
    return first_round


def test_publish_before_decided_is_refused(staff_client, final_round, sqlite_db) -> None:
    response = post(staff_client, f"{DECISIONS}/publish")
    response = refused_page(staff_client, response)
    assert "Decide the results before publishing them." in response.text
    assert state_of(sqlite_db) is EditionState.final


def test_winners_decide_and_publish(staff_client, final_round, sqlite_db, client) -> None:
    ids = final_round.ids
    page = staff_client.get(DECISIONS).text
    htmlpages.save("decisions_final", page)
    assert re.search(rf'<select id="award-{ids[1]}"[\s\S]*?<option value="winner" selected>', page)
    data = [(f"award-{i}", "winner") for i in ids[:3]] + [
        ("mention", str(ids[7])),
        ("mention_reason", "A brave idea"),
    ]
    assert post(staff_client, f"{DECISIONS}/final", data).status_code == 303
    page = text_of(staff_client.get(DECISIONS).text)
    assert "special mention : EDPP-2027-0008 · Project H" in page
    assert confirmed_post(staff_client, f"{DECISIONS}/decide").status_code == 303
    assert state_of(sqlite_db) is EditionState.decided
    with sqlite_db.read() as session:
        mails = session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all()
    kinds = {m.recipient: m.kind for m in mails if m.kind.startswith("decision_")}
    assert kinds == {
        "applicant0@example.org": "decision_winner",
        "applicant1@example.org": "decision_winner",
        "applicant2@example.org": "decision_winner",
        "applicant7@example.org": "decision_special_mention",
    }
    embargoed = client.get("/editions/2027/results")
    assert embargoed.status_code == 404  # embargo
    assert "<h1>Page not found</h1>" in embargoed.text
    assert "Project A" not in embargoed.text
    assert confirmed_post(staff_client, f"{DECISIONS}/publish", typed="2027").status_code == 303
    assert state_of(sqlite_db) is EditionState.published
    published = client.get("/editions/2027/results")
    assert published.status_code == 200
    assert "Project A" in published.text and "Project H" in published.text


def test_the_published_page_shows_the_audit_head_at_publication(
    staff_client, final_round, sqlite_db, monkeypatch, capsys
) -> None:
    ids = final_round.ids
    post(staff_client, f"{DECISIONS}/final", [(f"award-{i}", "winner") for i in ids[:3]])
    confirmed_post(staff_client, f"{DECISIONS}/decide")
    confirmed_post(staff_client, f"{DECISIONS}/publish", typed="2027")
    with sqlite_db.read() as session:
        published = session.exec(
            select(AuditEvent).where(AuditEvent.kind == "results.published")
        ).one()
    kept = f"{published.id}:{published.hash}"
    post(staff_client, f"{DECISIONS}/note", {"text": "The jury had seven members."})  # later
    page = staff_client.get(DECISIONS).text
    assert f"The audit log's head at publication: {kept}" in text_of(page)
    assert f'<code class="digest">{kept}</code>' in page
    assert "prize audit verify --head followed by this line proves" in page
    monkeypatch.setenv("PRIZE_DATABASE_URL", sqlite_db.url)
    monkeypatch.setenv("PRIZE_SECRET_KEYS", TEST_KEYS[0])
    assert cli.main(["audit", "verify", "--head", kept]) == 0
    assert f"Nothing up to entry #{published.id} was dropped or changed" in capsys.readouterr().out


def test_winners_override_without_reason_is_refused(staff_client, final_round, sqlite_db) -> None:
    ids = final_round.ids
    data = [
        (f"award-{ids[0]}", "nominated"),
        (f"award-{ids[1]}", "winner"),
        (f"award-{ids[2]}", "winner"),
    ]
    response = post(staff_client, f"{DECISIONS}/final", data)
    response = refused_page(staff_client, response)
    assert f'id="reason-{ids[0]}-error">Give a reason for this change.' in response.text
    assert re.search(
        rf'<select id="award-{ids[0]}"[\s\S]*?<option value="nominated" selected>', response.text
    )
    with sqlite_db.read() as session:
        assert session.exec(select(Decision).where(Decision.stage == Round.final)).all() == []


def test_a_correction_after_publication_shows_on_the_results_page(
    staff_client, final_round, client
) -> None:
    ids = final_round.ids
    post(staff_client, f"{DECISIONS}/final", [(f"award-{i}", "winner") for i in ids[:3]])
    confirmed_post(staff_client, f"{DECISIONS}/decide")
    confirmed_post(staff_client, f"{DECISIONS}/publish", typed="2027")
    empty = refused_page(staff_client, post(staff_client, f"{DECISIONS}/note", {"text": " "}))
    assert 'id="text-error">Write the correction.' in empty.text
    assert (
        post(staff_client, f"{DECISIONS}/note", {"text": "The jury had seven members."}).status_code
        == 303
    )
    assert "The jury had seven members." in client.get("/editions/2027/results").text


def test_archived_edition_entered_by_hand(staff_client, sqlite_db, client, app) -> None:
    token = csrf_of(staff_client, "/secretariat/results")
    refused = staff_client.post("/secretariat/archive", data={"year": "19x", "csrf_token": token})
    refused = refused_page(staff_client, refused)
    assert 'id="year-error">Give a past year, from 2004.' in refused.text
    response = staff_client.post("/secretariat/archive", data={"year": "2014", "csrf_token": token})
    assert response.headers["location"] == "/secretariat/editions/2014/decisions"
    path = "/secretariat/editions/2014/archive"
    bad = staff_client.post(
        path,
        data={"award": "winner", "title": "Peer Street Work", "country": "", "csrf_token": token},
    )
    bad = refused_page(staff_client, bad)
    assert 'id="country-error">Choose a country.' in bad.text
    assert 'value="Peer Street Work"' in bad.text
    with sqlite_db.read() as session:
        from prize.models import ArchiveEntry

        assert session.exec(select(ArchiveEntry)).all() == []
    staff_client.post(
        path,
        data={
            "award": "winner",
            "rank": "1",
            "title": "Peer Street Work",
            "country": "IT",
            "organisation": "Youth Club",
            "csrf_token": token,
        },
    )
    staff_client.post(
        path,
        data={
            "award": "special_mention",
            "title": "Radio Kids",
            "country": "PL",
            "csrf_token": token,
        },
    )
    page = text_of(client.get("/editions/2014/results").text)
    assert "Peer Street Work" in page and "Italy · Youth Club" in page
    assert "Special mention Radio Kids" in page
    with sqlite_db.read() as session:
        from prize.models import ArchiveEntry

        entry = session.exec(select(ArchiveEntry).where(ArchiveEntry.title == "Radio Kids")).one()
    removed = confirmed_post(staff_client, f"{path}/{entry.id}/delete")
    assert removed.status_code == 303
    assert "Radio Kids" not in client.get("/editions/2014/results").text
    assert "Removed" not in client.get("/editions/2014/results").text


def test_award_enum_values_are_the_ones_the_form_posts() -> None:
    assert {a.value for a in Award} >= {"winner", "nominated", "special_mention"}
