"""The server killed with SIGKILL in the middle of concurrent submissions and ballot saves, on
SQLite and on PostgreSQL: after a restart, every acknowledged submission and score is there,
and nothing is half-written (references without gaps, each submission with its content and its
confirmation e-mail, no score without its ballot, the audit chain whole).

A real ``uvicorn --factory prize.app:asgi`` process on a file database, driven by threads over
HTTP, killed twice and restarted each time.
"""

from __future__ import annotations

import itertools
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta

import httpx2 as httpx
import pytest
from sqlmodel import select

from prize.models import (
    Application,
    ApplicationContent,
    Ballot,
    ContentKind,
    OutboxMessage,
    Score,
    utcnow,
)
from tests import jury_factories
from tests.appkit import TEST_KEYS
from tests.applykit import complete_form, link_maker, make_call, start_application
from tests.faultkit import ServerProcess, invariants

DRAFTS = 12
JURORS = 4
CYCLES = 2


@dataclass
class Ledger:
    """What the clients sent, and what the server acknowledged (a 303 or a saved answer)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    submitted: set[int] = field(default_factory=set)
    acked: set[int] = field(default_factory=set)
    sent_scores: dict[tuple[int, int, int], list[int]] = field(default_factory=dict)
    acked_scores: dict[tuple[int, int, int], int] = field(default_factory=dict)
    acked_saves: int = 0


@dataclass
class Scene:
    drafts: list[tuple[int, str]]  # (application id, resume token)
    jurors: list[tuple[int, str]]  # (juror id, ballot token)
    references: list[str]
    criteria: list[int]
    app_ids: dict[str, int]


def prepare(database) -> Scene:
    """An open call with drafts, and a jury round open with onboarded jurors (real time)."""
    now = utcnow()
    make_call(database, now, opens_at=now - timedelta(days=1), deadline=now + timedelta(days=30))
    drafts = []
    for i in range(DRAFTS):
        app = start_application(
            database, now, email=f"crash{i}@example.org", title=f"Project {i}", client=f"10.0.0.{i}"
        )
        drafts.append((app.id, link_maker(clock=utcnow).token(app)))
    with database.write() as session:
        made = jury_factories.jury_edition(
            session=session,
            year=2026,
            applications=4,
            shortlist_closes_at=now + timedelta(days=30),
            final_closes_at=now + timedelta(days=60),
        )
        jurors = [
            jury_factories.juror(
                session=session,
                edition=made.edition,
                email=f"j{j}@example.org",
                onboarded=True,
                now=now - timedelta(hours=1),
            )
            for j in range(JURORS)
        ]
        scene = Scene(
            drafts=drafts,
            jurors=[(j.id, jury_factories.token_of(j, utcnow)) for j in jurors],
            references=[a.reference for a in made.applications],
            criteria=[c.id for c in made.criteria],
            app_ids={a.reference: a.id for a in made.applications},
        )
    return scene


def csrf(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, page[:500]
    return match.group(1)


def submit_all(url: str, drafts: list[tuple[int, str]], ledger: Ledger) -> None:
    """One applicant after another: open the link, send the whole form with "submit"."""
    for app_id, token in drafts:
        try:
            with httpx.Client(base_url=url, timeout=20) as client:
                client.get(f"/apply/link/{token}")
                form = {**complete_form(title=f"Project {app_id}"), "action": "submit"}
                form["csrf_token"] = csrf(client.get(f"/apply/{app_id}").text)
                with ledger.lock:
                    ledger.submitted.add(app_id)
                answer = client.post(f"/apply/{app_id}", data=form)
            if answer.status_code == 303 and answer.headers["location"].endswith("/submitted"):
                with ledger.lock:
                    ledger.acked.add(app_id)
        except httpx.HTTPError:
            return  # the server is gone


def score_forever(url: str, scene: Scene, juror: tuple[int, str], ledger: Ledger, stop) -> None:
    """A juror changing scores one field at a time, as the ballot's autosave does."""
    juror_id, token = juror
    try:
        with httpx.Client(base_url=url, timeout=20) as client:
            client.get(f"/ballot/link/{token}")
            token_value = csrf(client.get("/ballot").text)
            fields = itertools.cycle(itertools.product(scene.references, scene.criteria))
            for n in itertools.count():
                if stop.is_set():
                    return
                reference, criterion = next(fields)
                key = (juror_id, scene.app_ids[reference], criterion)
                value = (n * 7 + juror_id) % 11
                with ledger.lock:
                    ledger.sent_scores.setdefault(key, []).append(value)
                    position = len(ledger.sent_scores[key]) - 1
                answer = client.post(
                    f"/ballot/applications/{reference}/save",
                    data={f"score-{criterion}": str(value), "csrf_token": token_value},
                )
                if answer.status_code == 200 and answer.json().get("saved") is True:
                    with ledger.lock:
                        ledger.acked_scores[key] = position
                        ledger.acked_saves += 1
    except httpx.HTTPError:
        return


def crash_cycle(server: ServerProcess, scene: Scene, drafts, ledger: Ledger) -> None:
    """Submissions and score saves from threads; SIGKILL once some are acknowledged."""
    stop = threading.Event()
    half = len(drafts) // 2
    threads = [
        threading.Thread(target=submit_all, args=(server.url, drafts[:half], ledger)),
        threading.Thread(target=submit_all, args=(server.url, drafts[half:], ledger)),
        *(
            threading.Thread(target=score_forever, args=(server.url, scene, j, ledger, stop))
            for j in scene.jurors
        ),
    ]
    acked_before, saves_before = len(ledger.acked), ledger.acked_saves
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not (
        len(ledger.acked) >= acked_before + 3 and ledger.acked_saves >= saves_before + 8
    ):
        time.sleep(0.02)
    server.kill()  # mid-way: the threads are still sending
    stop.set()
    for thread in threads:
        thread.join(timeout=30)


def check(database, scene: Scene, ledger: Ledger, storage) -> None:
    assert invariants(database, storage) == []
    with database.read() as session:
        apps = {a.id: a for a in session.exec(select(Application))}
        titles = {
            c.application_id: c.title
            for c in session.exec(
                select(ApplicationContent).where(ApplicationContent.kind == ContentKind.submitted)
            )
        }
        confirmed = {
            m.recipient
            for m in session.exec(
                select(OutboxMessage).where(OutboxMessage.kind == "application_confirmation")
            )
        }
        stored = {
            (s.ballot_id, s.application_id, s.criterion_id): s.value
            for s in session.exec(select(Score))
        }
        ballot_of = {b.juror_id: b.id for b in session.exec(select(Ballot))}
    lost = [i for i in ledger.acked if apps[i].reference is None or titles.get(i) != f"Project {i}"]
    assert lost == [], "acknowledged submissions lost"
    for app in apps.values():
        if app.reference is not None and app.id in dict(scene.drafts):
            assert app.email in confirmed, f"{app.reference} without its confirmation e-mail"
    wrong = []
    for (juror_id, app_id, criterion), sent in ledger.sent_scores.items():
        value = stored.get((ballot_of.get(juror_id), app_id, criterion))
        position = ledger.acked_scores.get((juror_id, app_id, criterion))
        allowed = sent[position:] if position is not None else [*sent, None]
        if value not in allowed:
            wrong.append(((juror_id, app_id, criterion), value, sent, position))
    assert wrong == [], "acknowledged scores lost"


@pytest.mark.parametrize("engine", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_sigkill_during_submissions_and_ballot_saves_loses_nothing_acknowledged(
    request, engine, tmp_path
):
    database = request.getfixturevalue(f"{engine}_db")
    scene = prepare(database)
    storage = tmp_path / "storage"
    storage.mkdir()
    server = ServerProcess(
        {
            "PRIZE_SECRET_KEYS": ",".join(TEST_KEYS),
            "PRIZE_DATABASE_URL": database.url,
            "PRIZE_STORAGE_DIR": str(storage),
            "PRIZE_OUTBOX_INTERVAL": "3600",
        },
        tmp_path / "server.log",
        log_level="warning",
    )
    ledger = Ledger()
    per_cycle = len(scene.drafts) // CYCLES
    try:
        for cycle in range(CYCLES):
            server.start()
            drafts = scene.drafts[cycle * per_cycle : (cycle + 1) * per_cycle]
            crash_cycle(server, scene, drafts, ledger)
            check(database, scene, ledger, storage)
        server.start()  # and it comes back once more, on what the crashes left
    finally:
        server.stop()
    check(database, scene, ledger, storage)
    assert len(ledger.acked) >= 3 * CYCLES and ledger.acked_saves >= 8 * CYCLES
    print(
        f"\ncrash ({engine}): {CYCLES} SIGKILLs; {len(ledger.acked)} of {len(ledger.submitted)} "
        f"submissions and {ledger.acked_saves} score saves acknowledged; none lost"
    )
