"""Benchmark data, built in a temporary folder through the domain functions (as `prize demo`
does), and the environment that serves it with ``uvicorn prize.app:asgi --factory``.

Nothing here writes rows directly: editions are created and moved through ``lifecycle``,
applications started, filled, given files and submitted as an applicant would, screened, and
jurors added, invited and onboarded, so the pages measured read what real use leaves behind.
"""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from prize import demo, schema
from prize.db import Database
from prize.demo.call2027 import CRITERIA
from prize.domain import (
    applications,
    attachments,
    audit,
    conflicts,
    editions,
    juror_links,
    jurors,
    jury,
    lifecycle,
    screening,
    submissions,
)
from prize.domain.jurors import JurorData
from prize.models import Application, ApplicationStatus, Edition, EditionState, utcnow
from prize.settings import Settings
from prize.tokens import Signer

KEY = "bench-key-" + "0123456789abcdef" * 3
MAIL_DOMAIN = "example.org"
WORDS = [
    "young",
    "people",
    "plan",
    "run",
    "and",
    "evaluate",
    "peer",
    "activities",
    "about",
    "alcohol",
    "tobacco",
    "cannabis",
    "and",
    "gaming",
    "with",
    "schools",
    "youth",
    "clubs",
    "families",
    "and",
    "local",
    "services",
    "in",
    "three",
    "towns",
    "every",
    "week",
]


def text(n_words: int, seed: int = 0) -> str:
    """Deterministic prose of ``n_words`` words, in sentences of twelve."""
    out = []
    for i in range(n_words):
        word = WORDS[(i * 7 + seed) % len(WORDS)]
        out.append(word.capitalize() if i % 12 == 0 else word)
        if i % 12 == 11:
            out[-1] += "."
    return " ".join(out).rstrip(".") + "."


def pdf(size: int) -> bytes:
    """A PDF-signed file of ``size`` bytes (the content check reads the signature only)."""
    head = b"%PDF-1.4\n% bench\n"
    tail = b"\n%%EOF\n"
    return head + b"0" * max(0, size - len(head) - len(tail)) + tail


def full_content(email: str, title: str, seed: int = 0, *, start: date) -> dict[str, Any]:
    """Every field of the form filled, near the word limits applicants actually reach."""
    return {
        "title": title,
        "organisation": f"Youth Prevention Network {seed}",
        "countries": ["PT", "ES", "FR"],
        "young_people": 120 + seed,
        "adults": 9,
        "start_date": start,
        "still_running": True,
        "end_date": None,
        "applicant_name": "Maria Example",
        "address": "Rua do Exemplo 1\n1000-001 Lisboa\nPortugal",
        "phone": "+351 21 000 0000",
        "contact_email": email,
        "website": "https://www.example.org/project",
        "social_links": "https://social.example.org/youthnet\nhttps://video.example.org/youthnet",
        "contact_person": "Alex Example",
        "contact_person_email": email,
        "goals": text(90, seed),
        "summary": text(600, seed + 1),
        "participation": text(300, seed + 2),
        "involvement": {
            area: {"involved": True, "how": text(40, seed + k)}
            for k, area in enumerate(applications.INVOLVEMENT_AREAS)
        },
        "links": [f"https://www.example.org/report-{k}" for k in range(applications.MAX_LINKS)],
        "consent_processing": True,
        "consent_publication": True,
    }


@dataclass
class Built:
    """A database and storage folder, and what the benchmarks open in them."""

    folder: Path
    database_url: str
    storage: Path
    settings: Settings
    now: datetime
    staff_email: str = demo.DEMO_EMAIL
    staff_password: str = demo.DEMO_PASSWORD
    draft_link: str = ""  # the resume path of a draft with every field filled
    draft_id: int = 0
    ballot_links: list[str] = field(default_factory=list)  # jurors of the 40-application round
    ballot_references: list[str] = field(default_factory=list)
    list_year: int = 0
    surge: list[tuple[int, str]] = field(default_factory=list)  # (application id, resume path)

    def env(self, **extra: str) -> dict[str, str]:
        return server_env(self.database_url, self.storage, **extra)


def server_env(database_url: str, storage: Path, **extra: str) -> dict[str, str]:
    return {
        "PRIZE_SECRET_KEYS": KEY,
        "PRIZE_DATABASE_URL": database_url,
        "PRIZE_STORAGE_DIR": str(storage),
        "PRIZE_ACCESS_LOG": "false",
        "PRIZE_OUTBOX_INTERVAL": "3600",
        "PRIZE_BASE_URL": "http://127.0.0.1:8000",
        **extra,
    }


def prepare(folder: Path, database_url: str | None = None) -> Built:
    """A migrated, empty database (SQLite in ``folder`` unless a URL is given)."""
    folder.mkdir(parents=True, exist_ok=True)
    url = database_url or f"sqlite:///{folder / 'prize.sqlite3'}"
    schema.upgrade(url)
    storage = folder / "storage"
    settings = Settings(
        database_url=url, secret_keys=(KEY,), storage_dir=storage, base_url="http://127.0.0.1"
    )
    return Built(folder=folder, database_url=url, storage=storage, settings=settings, now=utcnow())


def _links(built: Built) -> applications.LinkMaker:
    return applications.LinkMaker(Signer(built.settings.secret_keys), built.settings.base_url)


def with_demo(built: Built) -> Built:
    """The demo: the open 2027 call, a sample jury at work, the published 2016 results."""
    database = Database(built.database_url)
    demo.build(database=database, settings=built.settings, now=built.now)
    database.dispose()
    return built


def call_edition(database: Database) -> int:
    with database.read() as session:
        call = editions.current_call(session=session)
        assert call is not None and call.id is not None, "no open call: build the demo first"
        return call.id


def drafts(
    built: Built, *, count: int, file_bytes: int = 0, prefix: str = "draft"
) -> list[tuple[int, str]]:
    """``count`` drafts in the open call, every field filled; (id, resume path) each."""
    database = Database(built.database_url)
    edition_id = call_edition(database)
    links = _links(built)
    made = []
    for i in range(count):
        email = f"{prefix}-{i}@example.org"
        with database.write() as session:
            app = applications.start_application(
                session=session,
                edition=session.get_one(Edition, edition_id),
                email=email,
                title=f"Peer project {prefix} {i}",
                language="en",
                links=links,
                client=f"{prefix}-{i}",
                now=built.now,
            )
            applications.save_draft(
                session=session,
                application=app,
                values=full_content(
                    email, f"Peer project {prefix} {i}", i, start=built.now.date().replace(day=1)
                ),
                now=built.now,
            )
            if file_bytes:
                attachments.add(
                    session=session,
                    application=app,
                    source=io.BytesIO(pdf(file_bytes)),
                    filename=f"report-{i}.pdf",
                    storage_dir=built.storage,
                    max_bytes=built.settings.max_upload_bytes,
                    max_files=built.settings.max_uploads,
                    now=built.now,
                )
            assert app.id is not None
            made.append((app.id, f"/apply/link/{links.token(app)}"))
    database.dispose()
    return made


def with_full_draft(built: Built) -> Built:
    ((built.draft_id, built.draft_link),) = drafts(built, count=1, file_bytes=200_000)
    return built


def jury_edition(
    built: Built,
    *,
    year: int,
    count: int,
    juror_count: int = 7,
    state: EditionState = EditionState.shortlisting,
) -> tuple[list[str], list[str]]:
    """An edition with ``count`` submitted applications, screened eligible, and (in a jury round)
    ``juror_count`` jurors invited and onboarded. Returns their ballot paths and the references."""
    database = Database(built.database_url)
    now = built.now
    signer = Signer(built.settings.secret_keys)
    links = _links(built)
    ballot_links = juror_links.BallotLinks(signer, built.settings.base_url, MAIL_DOMAIN)
    opened = now - timedelta(days=100)
    with database.write() as session:
        edition = editions.create_edition(
            session=session,
            actor=audit.SYSTEM,
            now=opened,
            year=year,
            title_en=f"Benchmark edition {year}",
            opens_at=opened - timedelta(days=1),
            deadline=now - timedelta(days=40),
            criteria=CRITERIA,
            shortlist_closes_at=now + timedelta(days=14),
            final_closes_at=now + timedelta(days=45),
            announce_at=now + timedelta(days=60),
        )
        lifecycle.move(
            session=session, edition=edition, to=EditionState.open, actor=audit.SYSTEM, now=opened
        )
        edition_id = edition.id
    for i in range(count):
        when = opened + timedelta(minutes=10 + i)
        email = f"applicant-{year}-{i}@example.org"
        with database.write() as session:
            app = applications.start_application(
                session=session,
                edition=session.get_one(Edition, edition_id),
                email=email,
                title=f"Project {i}",
                language="en",
                links=links,
                client=f"client-{year}-{i}",
                now=when,
            )
            applications.save_draft(
                session=session,
                application=app,
                values=full_content(email, f"Project {i}", i, start=date(2024, 1, 1)),
                now=when,
            )
            submissions.submit(
                session=session,
                application=app,
                links=links,
                storage_dir=built.storage,
                now=when,
            )
    references: list[str] = []
    paths: list[str] = []
    with database.write() as session:
        edition = session.get_one(Edition, edition_id)
        lifecycle.move(
            session=session,
            edition=edition,
            to=EditionState.screening,
            actor=audit.SYSTEM,
            now=now - timedelta(days=39),
        )
        if state is EditionState.screening:
            database.dispose()
            return [], []
        from sqlmodel import col, select

        for app in session.exec(
            select(Application)
            .where(Application.edition_id == edition_id)
            .order_by(col(Application.number))
        ):
            screening.screen(
                session=session,
                application=app,
                outcome=screening.Outcome(ApplicationStatus.eligible),
                actor=audit.SYSTEM,
                now=now - timedelta(days=30),
                links=links,
            )
            references.append(str(app.reference))
        started = now - timedelta(days=20)
        lifecycle.move(session=session, edition=edition, to=state, actor=audit.SYSTEM, now=started)
        for j in range(juror_count):
            juror = jurors.add_juror(
                session=session,
                actor=audit.SYSTEM,
                now=started,
                edition=edition,
                data=JurorData(
                    first_name=f"Juror{j}",
                    last_name="Example",
                    email=f"juror-{year}-{j}@example.org",
                    country="PT",
                    birth_date=date(2004, 1, 1),
                    language="en",
                    guardian_name="",
                    guardian_consent_on=None,
                    publish_name_consent=True,
                ),
            )
            juror_links.invite(
                session=session, actor=audit.SYSTEM, now=started, juror=juror, links=ballot_links
            )
            jury.welcome(
                session=session, juror=juror, now=started, first_name=juror.first_name, pledge=True
            )
            conflicts.declare_conflicts(
                session=session, now=started, juror=juror, edition=edition, declarations={},
                none=True,
            )  # fmt: skip
            paths.append(juror_links.link_path(signer=signer, juror=juror))
    database.dispose()
    return paths, references


def pages_data(folder: Path) -> Built:
    """Everything bench/pages.py and bench/weight.py read."""
    built = with_full_draft(with_demo(prepare(folder)))
    built.ballot_links, built.ballot_references = jury_edition(built, year=2031, count=40)
    built.list_year = 2033
    jury_edition(built, year=built.list_year, count=500, state=EditionState.screening)
    return built


def unique_suffix() -> str:
    return secrets.token_hex(3)


__all__ = ["UTC", "Built", "pages_data", "prepare", "server_env"]
