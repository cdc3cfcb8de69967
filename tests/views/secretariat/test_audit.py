"""The audit log: its page, and `prize audit verify` finding edited, inserted or deleted rows."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text

from prize import cli, formats
from prize.domain.shared import audit
from prize.models import ActorKind
from tests import factories
from tests.appkit import TEST_KEYS


def _record(db, clock, kind="test.event", actor=audit.SYSTEM, **fields):
    with db.write() as session:
        return audit.record(session=session, actor=actor, kind=kind, now=clock(), **fields)


def _verify(db, monkeypatch, capsys) -> tuple[int, str]:
    monkeypatch.setenv("PRIZE_DATABASE_URL", db.url)
    monkeypatch.setenv("PRIZE_SECRET_KEYS", TEST_KEYS[0])
    code = cli.main(["audit", "verify"])
    captured = capsys.readouterr()
    return code, (captured.out + captured.err).strip()


def _raw(db, sql: str) -> None:
    with db.engine.begin() as connection:
        connection.execute(text(sql))


# --------------------------------------------------------------------------- prize audit verify


def test_verify_reports_ok_with_the_count(db, clock, monkeypatch, capsys):
    for _ in range(3):
        _record(db, clock)
    assert _verify(db, monkeypatch, capsys) == (0, "OK: 3 audit entries, the chain is intact.")


def test_verify_finds_an_edited_row(db, clock, monkeypatch, capsys):
    for _ in range(3):
        _record(db, clock, reason="because")
    _raw(db, "UPDATE audit_event SET reason = 'nothing happened' WHERE id = 2")
    code, output = _verify(db, monkeypatch, capsys)
    assert code == 1
    assert output == (
        "FAILED at entry #2: the entry does not verify with any configured audit key: either it "
        "was edited after it was written, or it was written with a key that is no longer "
        "configured. 1 entry before it is intact."
    )


def test_verify_finds_a_deleted_row(db, clock, monkeypatch, capsys):
    for _ in range(3):
        _record(db, clock)
    _raw(db, "DELETE FROM audit_event WHERE id = 2")
    code, output = _verify(db, monkeypatch, capsys)
    assert code == 1
    assert output.startswith("FAILED at entry #2: entry #2 is missing (deleted)")


def test_verify_finds_rows_deleted_from_the_end(db, clock, monkeypatch, capsys):
    for _ in range(3):
        _record(db, clock)
    _raw(db, "DELETE FROM audit_event WHERE id = 3")
    code, output = _verify(db, monkeypatch, capsys)
    assert code == 1
    assert output == (
        "FAILED at entry #3: entries from #3 on are missing: the chain's head says the log goes "
        "to #3. 2 entries before it are intact."
    )


def test_verify_finds_an_inserted_row(db, clock, monkeypatch, capsys):
    for _ in range(3):
        _record(db, clock)
    _raw(
        db,
        "INSERT INTO audit_event (id, at, actor_kind, actor_id, edition_id, kind, subject_kind, "
        "subject_id, reason, data, prev_hash, hash) SELECT 4, at, actor_kind, actor_id, "
        "edition_id, kind, subject_kind, subject_id, 'forged', data, hash, hash "
        "FROM audit_event WHERE id = 3",
    )
    code, output = _verify(db, monkeypatch, capsys)
    assert code == 1
    assert output == (
        "FAILED at entry #4: the entry comes after the chain's head (#3): the head was moved "
        "back, or the entry was added outside Prize. 3 entries before it are intact."
    )


def test_concurrent_appends_keep_one_chain(db, clock):
    """Two threads append at once, each in its own transactions: the head lock serialises them."""
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def append(name: str) -> None:
        try:
            start.wait()
            for i in range(15):
                _record(db, clock, kind=f"test.{name}", data={"i": i})
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=append, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    with db.read() as session:
        result = audit.verify(session=session)
    assert (result.ok, result.checked) == (True, 30)


# --------------------------------------------------------------------------- the page


def test_audit_page_says_who_when_what_and_why(staff_client, officer, sqlite_db, clock):
    with sqlite_db.write() as session:
        edition = factories.edition(session=session)
    _record(
        sqlite_db,
        clock,
        kind="application.submitted",
        actor=audit.Actor(ActorKind.applicant, 5),
        edition_id=edition.id,
        subject_kind="application",
        subject_id=5,
    )
    _record(
        sqlite_db,
        clock,
        kind="ballot.submitted",
        actor=audit.Actor(ActorKind.juror, 7),
        edition_id=edition.id,
        data={"round": "shortlist"},
    )
    _record(
        sqlite_db,
        clock,
        kind="edition.moved",
        actor=audit.Actor(ActorKind.staff, officer.id),
        edition_id=edition.id,
        reason="Postal strike",
        data={"from": "screening", "to": "open"},
    )
    page = staff_client.get("/secretariat/audit").text
    assert "The applicant of application #5 submitted application #5." in page
    assert "juror #7 submitted their ballot of the first round." in page
    assert "Prize added the staff account of officer@example.org." in page
    assert (
        "officer@example.org moved the edition 2027 from screening to open for applications."
        in page
    )
    assert "Postal strike" in page
    assert "&#34;from&#34;: &#34;screening&#34;,\n    &#34;to&#34;: &#34;open&#34;" in page
    assert formats.short(clock(), "en") in page  # 10:00 UTC: 1 Mar 2027, 11:00 in Paris
    assert "Dates and times in the back office are in Paris time." in page
    assert 'class="table-scroll"' in page


def test_audit_page_filters_by_edition_actor_and_kind(staff_client, officer, sqlite_db, clock):
    with sqlite_db.write() as session:
        first = factories.edition(session=session, year=2025)
        second = factories.edition(session=session, year=2027)
    _record(sqlite_db, clock, kind="thing.one", edition_id=first.id, reason="R-one")
    _record(sqlite_db, clock, kind="thing.two", edition_id=second.id, reason="R-two")
    _record(
        sqlite_db,
        clock,
        kind="thing.two",
        actor=audit.Actor(ActorKind.staff, officer.id),
        edition_id=second.id,
        reason="R-three",
    )
    page = staff_client.get(f"/secretariat/audit?edition={first.id}").text
    assert "R-one" in page and "R-two" not in page and "R-three" not in page
    page = staff_client.get("/secretariat/audit?kind=thing.two").text
    assert "R-one" not in page and "R-two" in page and "R-three" in page
    page = staff_client.get(f"/secretariat/audit?actor=staff:{officer.id}").text
    assert "R-three" in page and "R-two" not in page
    page = staff_client.get("/secretariat/audit?actor=system&kind=thing.two").text
    assert "R-two" in page and "R-three" not in page
    assert '<option value="thing.two" selected>' in page


def test_audit_page_is_paginated(staff_client, sqlite_db, clock):
    for i in range(60):
        _record(sqlite_db, clock, reason=f"reason-{i:02d}")
    first = staff_client.get("/secretariat/audit").text
    assert "reason-59" in first and "reason-05" not in first and "Page 1 of 2" in first
    second = staff_client.get("/secretariat/audit?page=2").text
    assert "reason-05" in second and "reason-59" not in second


@pytest.mark.parametrize("path", ["/secretariat/audit?edition=x&actor=nobody&page=-1"])
def test_audit_page_ignores_malformed_filters(staff_client, path):
    page = staff_client.get(path)
    assert page.status_code == 200
    assert "No entry matches." not in page.text  # the staff account's creation is listed
