"""The scheduled work of a fleet on one PostgreSQL, in real processes: two `prize serve`
processes (and a `prize outbox send` run from cron), one machine's whole clock an hour fast
(libfaketime, tests/fleetkit.py). A timed publication happens at the database's instant, not at
the fast machine's, and once; the outbox sent by every sender to a slow SMTP server delivers
each message once; a session begun on either machine stays open on the other. Publication
passes at the same instant in four processes publish once."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import timedelta

import httpx2 as httpx
from sqlmodel import col, select

from prize.db import Database
from prize.domain import transitions
from prize.domain.shared import outbox
from prize.models import (
    AuditEvent,
    Edition,
    EditionState,
    OutboxMessage,
    OutboxStatus,
    utcnow,
)
from tests.appkit import Clock
from tests.dbkit import TEST_AUDIT_KEYS
from tests.fleetkit import serve, sign_in, start_prize
from tests.jurykit import make_decided_edition
from tests.mailkit import Inbox, queue_invitations, running_smtp
from tests.staffkit import STAFF_PASSWORD, make_staff

AHEAD = 3600  # seconds: the fast machine's clock runs an hour ahead
PASSES = {"PRIZE_OUTBOX_INTERVAL": "1", "PRIZE_PAGE_CACHE_SECONDS": "0"}


def _wait(condition: Callable[[], bool], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "not in time"
        time.sleep(0.1)


def _published_moves(database: Database, edition_id: int) -> list[AuditEvent]:
    with database.read() as session:
        moves = session.exec(
            select(AuditEvent).where(
                AuditEvent.kind == "edition.moved", AuditEvent.edition_id == edition_id
            )
        ).all()
    return [m for m in moves if m.data["to"] == "published"]


def test_a_timed_publication_happens_at_the_databases_instant_and_once(postgres_db, tmp_path):
    with postgres_db.write() as session:
        edition = make_decided_edition(session, Clock()).edition
        # Half an hour ahead: already past on the fast machine's clock
        edition.announce_at = postgres_db.now() + timedelta(minutes=30)
        session.add(edition)
        year, edition_id = edition.year, edition.id
    results = f"/editions/{year}/results"

    def state() -> EditionState:
        with postgres_db.read() as session:
            return session.exec(select(Edition).where(Edition.year == year)).one().state

    with ExitStack() as stack:
        on_time = serve(stack, postgres_db, tmp_path / "a", **PASSES)
        fast = serve(stack, postgres_db, tmp_path / "b", ahead=AHEAD, failing=True, **PASSES)
        health = httpx.get(fast.url + "/health")
        assert health.status_code == 503  # the balancer is told ...
        assert health.text.startswith("failing\nclock offset from the database: +3600.")
        assert "clock: too far from the database's" in health.text  # ... and why
        time.sleep(2.5)  # passes of both senders: the fast one's clock is past the announcement
        assert state() is EditionState.decided
        for machine in (on_time, fast):
            early = httpx.get(machine.url + results)
            assert early.status_code == 404
            assert "<h1>Page not found</h1>" in early.text and "Project B" not in early.text
        with postgres_db.write() as session:
            due = session.exec(select(Edition).where(Edition.year == year)).one()
            announce = postgres_db.now() + timedelta(seconds=3)
            due.announce_at = announce
            session.add(due)
        _wait(lambda: state() is EditionState.published)
        time.sleep(2.5)  # more passes of both, after the publication
        pages = [httpx.get(machine.url + results) for machine in (on_time, fast)]
    with postgres_db.read() as session:
        published = session.exec(select(Edition).where(Edition.year == year)).one()
    assert announce <= published.published_at < announce + timedelta(seconds=5)  # next passes
    assert len(_published_moves(postgres_db, edition_id)) == 1
    for page in pages:
        assert page.status_code == 200
        assert "Winners: Project B (Israel); Project C (Portugal); Project A" in page.text
    said = [
        line
        for log in (tmp_path / "a" / "server.log", tmp_path / "b" / "server.log")
        for line in log.read_text().splitlines()
        if f"results of {year} published at their announcement instant" in line
    ]
    assert len(said) == 1


def test_every_sender_delivers_each_message_once_to_a_slow_smtp_server(postgres_db, tmp_path):
    with running_smtp(Inbox(delay=0.2)) as smtp, ExitStack() as stack:
        mail = {"PRIZE_SMTP_URL": smtp.url, **PASSES}
        serve(stack, postgres_db, tmp_path / "a", **mail)
        serve(stack, postgres_db, tmp_path / "b", ahead=AHEAD, failing=True, **mail)
        queued = queue_invitations(postgres_db, 3 * outbox.BATCH, postgres_db.now())
        _wait(lambda: len(smtp.inbox.messages) >= outbox.BATCH // 2)  # both servers are sending
        # ... when cron starts `prize outbox send` on the fast machine as well
        cron = start_prize(postgres_db, tmp_path / "b", "outbox", "send", ahead=AHEAD, **mail)
        said, _ = cron.communicate(timeout=120)
        _wait(lambda: len(smtp.inbox.messages) >= len(queued))
        time.sleep(2.5)  # every sender keeps passing: nothing is sent again
        received = [m["Message-ID"] for m in smtp.inbox.messages]
    assert cron.returncode == 0, said
    assert said.startswith("Sent ") and said.rstrip().endswith(", failed 0.")
    assert sorted(received) == sorted(queued)
    with postgres_db.read() as session:
        sent = session.exec(
            select(OutboxMessage).where(col(OutboxMessage.message_id).in_(queued))
        ).all()
        finished = postgres_db.now()
    assert {m.status for m in sent} == {OutboxStatus.sent}
    # Every sending recorded at the database's time, the fast machine's included
    assert all(m.sent_at is not None and m.sent_at <= finished for m in sent)


def test_a_machine_whose_clock_runs_fast_signs_nobody_out(postgres_db, tmp_path):
    make_staff(postgres_db, utcnow())
    with ExitStack() as stack:
        on_time = serve(stack, postgres_db, tmp_path / "a")
        fast = serve(stack, postgres_db, tmp_path / "b", ahead=AHEAD, failing=True)
        officer = stack.enter_context(httpx.Client(timeout=60))  # one browser, either machine
        # Signed in on the fast machine: the session cookie is dated by it
        assert sign_in(officer, fast.url, STAFF_PASSWORD).status_code == 303
        pages = [officer.get(machine.url + "/secretariat") for machine in (on_time, fast)]
        assert [page.status_code for page in pages] == [200, 200]
        officer.cookies.clear()
        # ... and signed in on the other, the fast machine takes its cookie for a whole session
        assert sign_in(officer, on_time.url, STAFF_PASSWORD).status_code == 303
        pages += [officer.get(machine.url + "/secretariat") for machine in (fast, on_time)]
        assert [page.status_code for page in pages] == [200, 200, 200, 200]
        assert all("Sign out" in page.text for page in pages)


def test_publication_passes_at_the_same_instant_in_four_processes_publish_once(postgres_db):
    with postgres_db.write() as session:
        edition = make_decided_edition(session, Clock()).edition
        edition.announce_at = postgres_db.now()
        session.add(edition)
    pools = [Database(postgres_db.url, audit_keys=TEST_AUDIT_KEYS) for _ in range(4)]
    together = threading.Barrier(len(pools))

    def one_pass(database: Database) -> int:
        with database.write() as session:
            together.wait(timeout=10)
            return len(transitions.publish_due(session=session, now=database.now()))

    try:
        with ThreadPoolExecutor(max_workers=len(pools)) as pool:
            published = list(pool.map(one_pass, pools))
    finally:
        for database in pools:
            database.dispose()
    assert sorted(published) == [0, 0, 0, 1]
    with postgres_db.read() as session:
        moved = session.exec(select(AuditEvent).where(AuditEvent.kind == "edition.moved")).all()
    assert [m.data["to"] for m in moved].count("published") == 1
