"""What the performance work (issue #7) changed, as a person's browser sees it: static files
with fingerprinted URLs cached for a year, compressed pages but never compressed downloads,
published results answered 304 when the browser has them already, and SQLite writers that
queue instead of failing."""

from __future__ import annotations

import re
import threading

from sqlmodel import col, select

from prize.domain import transitions
from prize.domain.editions import editions
from prize.domain.results import published
from prize.domain.shared import audit
from prize.models import ActorKind, Edition
from tests.appkit import refused_page
from tests.jurykit import make_decided_edition

OFFICER = audit.Actor(ActorKind.staff, None)


def test_static_urls_carry_the_content_hash_and_are_cached_for_a_year(client) -> None:
    page = client.get("/").text
    found = re.search(r'href="(/static/css/prize\.css\?v=([0-9a-f]{12}))"', page)
    assert found is not None
    fresh = client.get(found.group(1))
    assert fresh.status_code == 200 and "body" in fresh.text
    assert fresh.headers["cache-control"] == "public, max-age=31536000, immutable"
    for stale in ("/static/css/prize.css", "/static/css/prize.css?v=000000000000"):
        assert client.get(stale).headers["cache-control"] == "no-cache"
    assert re.search(r'src="/static/js/prize\.js\?v=[0-9a-f]{12}"', page)


def test_a_page_is_compressed_for_a_browser_that_accepts_gzip(client) -> None:
    zipped = client.get("/", headers={"Accept-Encoding": "gzip"})
    plain = client.get("/", headers={"Accept-Encoding": "identity"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert "content-encoding" not in plain.headers
    assert zipped.text.replace(_csrf(zipped.text), "") == plain.text.replace(_csrf(plain.text), "")


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    return found.group(1) if found else ""


def test_an_uploaded_file_is_downloaded_uncompressed(applicant) -> None:
    client, application = applicant
    pdf = b"%PDF-1.4\n" + b"0" * 5000 + b"\n%%EOF\n"
    token = _csrf(client.get(f"/apply/{application.id}/files").text)
    sent = client.post(
        f"/apply/{application.id}/files",
        data={"csrf_token": token},
        files={"file": ("leaflet.pdf", pdf, "application/pdf")},
    )
    assert sent.status_code == 303
    listing = client.get(f"/apply/{application.id}/files").text
    link = re.search(rf'href="(/apply/{application.id}/files/\d+)"', listing)
    assert link is not None
    download = client.get(link.group(1), headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in download.headers
    assert download.content == pdf
    assert download.headers["content-disposition"].startswith("attachment")


def _publish(sqlite_db, clock) -> None:
    with sqlite_db.write() as session:
        make_decided_edition(session, clock)
    with sqlite_db.write() as session:
        transitions.publish(
            session=session,
            edition=editions.get_by_year(session=session, year=2027),
            actor=OFFICER,
            now=clock(),
        )


def test_published_results_answer_304_when_the_browser_has_them(client, sqlite_db, clock) -> None:
    _publish(sqlite_db, clock)
    for path in ("/editions/2027/results", "/editions/2027/results.json"):
        first = client.get(path)
        etag = first.headers["etag"]
        assert first.status_code == 200 and "no-cache" in first.headers["cache-control"]
        again = client.get(path, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.content == b""
        assert again.headers["etag"] == etag
        other = client.get(path, headers={"If-None-Match": '"something-else"'})
        assert other.status_code == 200 and other.text == first.text
    assert client.get("/editions/2027/results").headers["cache-control"] == "private, no-cache"


def test_a_correction_changes_the_results_etag(client, sqlite_db, clock) -> None:
    _publish(sqlite_db, clock)
    before = client.get("/editions/2027/results")
    with sqlite_db.write() as session:
        edition = session.exec(
            select(Edition).where(Edition.year == 2027, ~col(Edition.rehearsal))
        ).one()
        published.add_note(
            session=session, edition=edition, text="A title was corrected.", actor=OFFICER,
            now=clock(),
        )  # fmt: skip
    after = client.get("/editions/2027/results", headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200 and "A title was corrected." in after.text
    assert after.headers["etag"] != before.headers["etag"]


def test_sqlite_writers_in_one_process_queue_and_all_commit(sqlite_db) -> None:
    from tests import factories

    with sqlite_db.write() as session:
        edition_id = factories.edition(session=session, year=2040).id
    failures: list[BaseException] = []

    def write(n: int) -> None:
        try:
            with sqlite_db.write() as session:
                edition = session.get_one(Edition, edition_id)
                edition.last_number += 1  # a read, then a write, in one transaction
                session.add(edition)
        except BaseException as error:  # reported below
            failures.append(error)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with sqlite_db.read() as session:
        assert session.get_one(Edition, edition_id).last_number == 12
    assert failures == []


def test_ballot_progress_counts_as_the_ballot_page_does(db) -> None:
    from prize.domain.jury import ballots, conflicts, scoring
    from prize.models import Round
    from tests import jury_factories

    with db.write() as session:
        jury = jury_factories.jury_edition(session=session, applications=5, criteria=2)
        juror = jury_factories.juror(session=session, edition=jury.edition, onboarded=True)
        first, second = (c.id for c in jury.criteria)
        apps = [a.id for a in jury.applications]
        conflicts.declare_conflicts(
            session=session, now=jury_factories.NOW, juror=juror, edition=jury.edition,
            declarations={apps[4]: "I run it."}, none=False,
        )  # fmt: skip
        for app_id, scores, abstain in (
            (apps[0], {first: 7, second: 8}, None),  # complete
            (apps[1], {first: 5}, None),  # half scored
            (apps[2], {}, True),  # abstained, with a reason
        ):
            scoring.save_entry(
                session=session, juror=juror, now=jury_factories.NOW, application_id=app_id,
                scores=scores, abstain=abstain, abstain_reason="I know them." if abstain else None,
            )  # fmt: skip
    with db.read() as session:
        view = ballots.ballot_view(
            session=session, juror=juror, edition=jury.edition, round_=Round.shortlist
        )
        counted = ballots.progress(
            session=session, edition=jury.edition, round_=Round.shortlist, juror=juror
        )
        assert counted == (view.done, view.total) == (2, 4)
        on_ballot = ballots.find_on_ballot(
            session=session, edition=jury.edition, round_=Round.shortlist, juror=juror,
            reference=jury.applications[0].reference,
        )  # fmt: skip
        assert on_ballot is not None and on_ballot.id == apps[0]
        conflicted = ballots.find_on_ballot(
            session=session, edition=jury.edition, round_=Round.shortlist, juror=juror,
            reference=jury.applications[4].reference,
        )  # fmt: skip
        assert conflicted is None


def test_a_file_refused_after_it_was_copied_leaves_nothing_on_disk(applicant, settings) -> None:
    """Uploads are copied to the storage folder before the writing transaction (so the disk
    never holds SQLite's write lock); a refusal in that transaction removes the copy."""
    client, application = applicant
    pdf = b"%PDF-1.4\n%%EOF\n"

    def upload(name: str):
        token = _csrf(client.get(f"/apply/{application.id}/files").text)
        return client.post(
            f"/apply/{application.id}/files",
            data={"csrf_token": token},
            files={"file": (name, pdf, "application/pdf")},
        )

    for i in range(5):
        assert upload(f"f{i}.pdf").status_code == 303
    on_disk = sorted(p.name for p in settings.storage_dir.iterdir())
    refused = refused_page(client, upload("f5.pdf"))
    assert "You can attach at most 5 files. Remove one before adding another." in refused.text
    assert sorted(p.name for p in settings.storage_dir.iterdir()) == on_disk


def test_uploads_at_once_never_wait_for_a_thread_that_none_can_free(app, applicant) -> None:
    """More uploads at once than the thread pool has threads, each file big enough to be spooled
    to disk: all are attached (the body is read before the view takes a worker thread; read
    from the view, each view waited for a thread to write its file, and the server hung)."""
    import asyncio
    import concurrent.futures

    import anyio.to_thread
    import httpx2 as httpx

    client, application = applicant
    path = f"/apply/{application.id}/files"
    token = _csrf(client.get(path).text)
    big = b"%PDF-1.4\n" + b"0" * (1536 * 1024) + b"\n%%EOF\n"  # over Starlette's 1 MB in memory

    async def uploads() -> list[int]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = 2
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://testserver",
            cookies=dict(client.cookies.items()),
        ) as browser:

            async def one(n: int) -> int:
                response = await browser.post(
                    path,
                    data={"csrf_token": token},
                    files={"file": (f"big-{n}.pdf", big, "application/pdf")},
                )
                return response.status_code

            return await asyncio.wait_for(asyncio.gather(*(one(n) for n in range(3))), 60)

    # A thread of its own: the session's Playwright browser keeps an event loop running in
    # this one.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        statuses = pool.submit(lambda: asyncio.run(uploads())).result()
    assert statuses == [303, 303, 303]
    listing = client.get(path).text
    assert all(f"big-{n}.pdf" in listing for n in range(3))
