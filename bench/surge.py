"""The deadline surge: applicants finishing and submitting within one minute, each uploading a
PDF, against SQLite (one process) and PostgreSQL (two worker processes).

    .venv/bin/python -m bench.surge [--count 300] [--seconds 60] [--file-mb 2] [--db sqlite,postgres]
        [--storage folder,database]

Each applicant's draft (every field filled) is made beforehand through the domain functions.
During the surge applicant i starts at i * seconds / count: opens their resume link (a session),
opens the files page, uploads the PDF, opens the form and submits it as a browser would (every
field the page holds, ``action=submit``). Reported: submissions/s, p50/p99 of the upload and of
the submit request, the whole journey's p99, and errors. Afterwards the rows and the stored files
are counted: every application submitted once, references numbered without gaps, one attachment
each, every attachment's file in the store with its size, no stray file. ``--storage`` runs each
database with the files in a folder and in the database itself (``PRIZE_STORAGE_URL``).

The server is pinned to core 0 (both workers on PostgreSQL), the applicants' client to core 1;
PostgreSQL itself (127.0.0.1:5432, user postgres: a fresh database, dropped afterwards) is not
pinned. Goal (issue #7): no error, nothing lost, p99 < 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import httpx2 as httpx
import psycopg
from sqlalchemy import func
from sqlmodel import col, select

from bench import harness, scenarios
from prize.db import Database
from prize.models import (
    Application,
    ApplicationContent,
    ApplicationStatus,
    Attachment,
    ContentKind,
    Juror,
)
from prize.storage import open_store

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


@dataclass
class Journey:
    upload_ms: float = 0.0
    submit_ms: float = 0.0
    total_ms: float = 0.0
    error: str = ""


@dataclass
class Outcome:
    journeys: list[Journey] = field(default_factory=list)
    wall_s: float = 0.0


async def applicant(url: str, link: str, start_at: float, data: bytes, index: int) -> Journey:
    journey = Journey()
    await asyncio.sleep(max(0.0, start_at - time.monotonic()))
    began = time.monotonic()
    try:
        async with httpx.AsyncClient(base_url=url, timeout=120) as client:
            response = await client.get(link, follow_redirects=True)
            form_path = str(response.url.path)
            files = await client.get(form_path + "/files")
            csrf = dict(harness.html_forms(files.text)[-1].fields)["csrf_token"]
            t = time.monotonic()
            response = await client.post(
                form_path + "/files",
                data={"csrf_token": csrf},
                files={"file": (f"report-{index}.pdf", data, "application/pdf")},
            )
            journey.upload_ms = (time.monotonic() - t) * 1000
            if response.status_code != 303:
                raise RuntimeError(f"upload answered {response.status_code}")
            page = await client.get(form_path)
            form = next(f for f in harness.html_forms(page.text) if f.action == form_path)
            t = time.monotonic()
            response = await client.post(
                form_path,
                content=urlencode([*form.fields, ("action", "submit")]),
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
            journey.submit_ms = (time.monotonic() - t) * 1000
            if response.status_code != 303 or not response.headers["location"].endswith(
                "/submitted"
            ):
                raise RuntimeError(f"submit answered {response.status_code}")
    except Exception as error:  # counted and shown, never hidden
        journey.error = f"{type(error).__name__}: {error}"[:200]
    journey.total_ms = (time.monotonic() - began) * 1000
    return journey


async def surge(url: str, links: list[str], seconds: float, data: bytes) -> Outcome:
    start = time.monotonic() + 0.5
    step = seconds / max(1, len(links))
    began = time.monotonic()
    journeys = await asyncio.gather(
        *(applicant(url, link, start + i * step, data, i) for i, link in enumerate(links))
    )
    return Outcome(list(journeys), time.monotonic() - began)


def check(built: scenarios.Built, ids: list[int]) -> list[str]:
    """What the database and the file store hold afterwards."""
    database = Database(built.database_url, audit_keys=built.settings.audit_chain_keys)
    store = open_store(built.settings, database)
    stored = {name: sum(len(chunk) for chunk in store.read(name)) for name in store.listing()}
    lines = []
    with database.read() as session:
        apps = list(session.exec(select(Application).where(col(Application.id).in_(ids))))
        submitted = [a for a in apps if a.status is ApplicationStatus.submitted and a.reference]
        edition_id = apps[0].edition_id
        numbers = sorted(
            n
            for n in session.exec(
                select(Application.number).where(
                    Application.edition_id == edition_id, col(Application.number).is_not(None)
                )
            )
            if n is not None
        )
        gaps = sorted(set(range(1, (numbers[-1] if numbers else 0) + 1)) - set(numbers))
        duplicates = len(numbers) - len(set(numbers))
        files = list(
            session.exec(
                select(Attachment)
                .join(ApplicationContent, col(ApplicationContent.id) == Attachment.content_id)
                .where(
                    col(ApplicationContent.application_id).in_(ids),
                    ApplicationContent.kind == ContentKind.submitted,
                )
            )
        )
        every_name = set(session.exec(select(Attachment.stored_name)))
        every_name |= set(
            session.exec(select(Juror.guardian_form).where(Juror.guardian_form != ""))
        )
        total_rows = session.exec(select(func.count()).select_from(Attachment)).one()
    database.dispose()
    on_disk = stored
    missing = [f.stored_name for f in files if on_disk.get(f.stored_name) != f.size]
    stray = sorted(set(on_disk) - every_name)
    lines.append(
        f"applications submitted: {len(submitted)}/{len(ids)}; references in the edition: "
        f"{len(numbers)} numbered 1..{numbers[-1] if numbers else 0}, gaps {len(gaps)}, "
        f"duplicates {duplicates}"
    )
    lines.append(
        f"attachments on the submitted versions: {len(files)} (one per application: "
        f"{len({f.content_id for f in files})}); attachment rows in all: {total_rows}; "
        f"files stored ({store.url}): {len(on_disk)}, missing or wrong size: {len(missing)}, stray: {len(stray)}"
    )
    return lines


def report(name: str, outcome: Outcome, count: int) -> list[str]:
    ok = [j for j in outcome.journeys if not j.error]
    errors = [j.error for j in outcome.journeys if j.error]
    pct = harness.percentile
    submit = [j.submit_ms for j in ok]
    upload = [j.upload_ms for j in ok]
    total = [j.total_ms for j in ok]
    lines = [
        f"{name}: {len(ok)}/{count} submitted in {outcome.wall_s:.1f} s = "
        f"{len(ok) / outcome.wall_s:.2f} submissions/s; errors {len(errors)}",
        f"  submit request  p50 {pct(submit, 50):7.1f} ms  p99 {pct(submit, 99):7.1f} ms  "
        f"max {max(submit, default=0):7.1f} ms",
        f"  upload request  p50 {pct(upload, 50):7.1f} ms  p99 {pct(upload, 99):7.1f} ms  "
        f"max {max(upload, default=0):7.1f} ms",
        f"  whole journey   p50 {pct(total, 50):7.1f} ms  p99 {pct(total, 99):7.1f} ms "
        "(link, files page, upload, form page, submit)",
    ]
    for error in sorted(set(errors))[:5]:
        lines.append(f"  error: {error} (x{errors.count(error)})")
    return lines


def run(kind: str, storage: str, args: argparse.Namespace, folder: Path) -> list[str]:
    db_name = ""
    url = None
    if kind == "postgres":
        db_name = f"prize_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{db_name}"')
        url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{db_name}"
    try:
        storage_url = "database:" if storage == "database" else (folder / "storage").as_uri()
        built = scenarios.with_demo(scenarios.prepare(folder, url, storage_url))
        made = scenarios.drafts(built, count=args.count, prefix=f"surge-{kind}")
        data = scenarios.pdf(int(args.file_mb * 1024 * 1024))
        workers = 2 if kind == "postgres" else 1
        harness.pin_client()
        with harness.server("prize.app:asgi", env=built.env(), workers=workers) as (
            server_url,
            proc,
        ):
            cpu = harness.cpu_seconds(proc.pid)
            outcome = asyncio.run(surge(server_url, [link for _, link in made], args.seconds, data))
            cpu = harness.cpu_seconds(proc.pid) - cpu
        label = (f"{kind}, files in the {storage} ({workers} worker{'s' if workers > 1 else ''}; server cpu "
                 f"{cpu / max(1, args.count) * 1000:.0f} ms per applicant's journey)")  # fmt: skip
        return [*report(label, outcome, args.count), *check(built, [i for i, _ in made])]
    finally:
        if db_name:
            with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--file-mb", type=float, default=2)
    parser.add_argument("--db", default="sqlite,postgres")
    parser.add_argument("--storage", default="folder,database")
    args = parser.parse_args()
    print(harness.describe())
    print(f"{args.count} applicants within {args.seconds:.0f} s, a {args.file_mb} MB PDF each\n")
    for kind in args.db.split(","):
        for storage in args.storage.split(","):
            with tempfile.TemporaryDirectory(prefix="prize-surge-") as tmp:
                print("building the drafts through the domain functions…", flush=True)
                lines = run(kind, storage, args, Path(tmp))
                print("\n".join(lines), "\n", flush=True)


if __name__ == "__main__":
    main()
