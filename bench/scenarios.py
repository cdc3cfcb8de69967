"""Benchmark data, built in a temporary folder through the domain functions (as `prize demo`
does), and the environment that serves it with ``uvicorn prize.app:asgi --factory``.

Nothing here writes rows directly: editions are created and moved through ``lifecycle``,
applications started, filled, given files and submitted as an applicant would, screened, and
jurors added, invited and onboarded, so the pages measured read what real use leaves behind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from prize import demo, schema
from prize.db import Database
from prize.demo import steps
from prize.demo.call2027 import CRITERIA
from prize.domain import transitions
from prize.domain.applicants.drafts import INVOLVEMENT_AREAS, MAX_LINKS
from prize.domain.editions import editions
from prize.domain.jury import links as juror_links
from prize.domain.jury.jurors import JurorData
from prize.domain.screening import screening
from prize.domain.shared import audit
from prize.models import Application, ApplicationStatus, Edition, EditionState, utcnow
from prize.settings import Settings
from prize.storage import FolderStore, move_files, open_store

KEY = "bench-key-" + "0123456789abcdef" * 3
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
    return steps.application_form(
        email=email,
        participation=text(300, seed + 2),
        title=title,
        organisation=f"Youth Prevention Network {seed}",
        countries=["PT", "ES", "FR"],
        young_people=120 + seed,
        adults=9,
        start_date=start,
        applicant_name="Maria Example",
        address="Rua do Exemplo 1\n1000-001 Lisboa\nPortugal",
        phone="+351 21 000 0000",
        website="https://www.example.org/project",
        social_links="https://social.example.org/youthnet\nhttps://video.example.org/youthnet",
        contact_person="Alex Example",
        goals=text(90, seed),
        summary=text(600, seed + 1),
        involvement={
            area: {"involved": True, "how": text(40, seed + k)}
            for k, area in enumerate(INVOLVEMENT_AREAS)
        },
        links=[f"https://www.example.org/report-{k}" for k in range(MAX_LINKS)],
    )


@dataclass
class Built:
    """A database and storage folder, and what the benchmarks open in them."""

    settings: Settings
    now: datetime
    staff_email: str = demo.DEMO_EMAIL
    staff_password: str = demo.DEMO_PASSWORD
    draft_link: str = ""  # the resume path of a draft with every field filled
    ballot_links: list[str] = field(default_factory=list)  # jurors of the 40-application round
    ballot_references: list[str] = field(default_factory=list)
    list_year: int = 0

    @property
    def database_url(self) -> str:
        return self.settings.database_url

    @property
    def storage(self) -> Path:
        return self.settings.storage_dir

    def env(self) -> dict[str, str]:
        """The ``PRIZE_*`` variables that serve this data."""
        return {
            "PRIZE_SECRET_KEYS": KEY,
            "PRIZE_DATABASE_URL": self.database_url,
            "PRIZE_STORAGE_DIR": str(self.storage),
            "PRIZE_STORAGE_URL": self.settings.storage_url,
            "PRIZE_ACCESS_LOG": "false",
            "PRIZE_OUTBOX_INTERVAL": "3600",
            "PRIZE_BASE_URL": "http://127.0.0.1:8000",
            "PRIZE_CONTACT_EMAIL": "secretariat@example.org",  # required by a serving process
        }


def prepare(folder: Path, database_url: str | None = None, storage_url: str = "") -> Built:
    """A migrated, empty database (SQLite in ``folder`` unless a URL is given); uploaded files
    where ``storage_url`` says (empty: the default for the database)."""
    folder.mkdir(parents=True, exist_ok=True)
    url = database_url or f"sqlite:///{folder / 'prize.sqlite3'}"
    schema.upgrade(url)
    settings = Settings(
        database_url=url,
        secret_keys=(KEY,),
        storage_dir=folder / "storage",
        storage_url=storage_url,
        base_url="http://127.0.0.1",
    )
    return Built(settings=settings, now=utcnow())


def with_demo(built: Built) -> Built:
    """The demo: the open 2027 call, a sample jury at work, the published 2016 results."""
    database = Database(built.database_url, audit_keys=built.settings.audit_chain_keys)
    demo.build(database=database, settings=built.settings, now=built.now)
    # The demo writes its files to the folder; an installation storing them elsewhere gets them
    # moved there, as `prize storage migrate` would.
    store = open_store(built.settings, database)
    if not isinstance(store, FolderStore):
        move_files(FolderStore(built.settings.storage_dir), store, expected={})
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
    database = Database(built.database_url, audit_keys=built.settings.audit_chain_keys)
    edition_id = call_edition(database)
    links = steps.links(built.settings, now=built.now).applications
    made = []
    for i in range(count):
        email = f"{prefix}-{i}@example.org"
        title = f"Peer project {prefix} {i}"
        with database.write() as session:
            app = steps.apply(
                session=session,
                edition=session.get_one(Edition, edition_id),
                settings=built.settings,
                links=links,
                email=email,
                language="en",
                values=full_content(email, title, i, start=built.now.date().replace(day=1)),
                client=f"{prefix}-{i}",
                now=built.now,
                files=[(f"report-{i}.pdf", pdf(file_bytes))] if file_bytes else [],
            )
            assert app.id is not None
            made.append((app.id, f"/apply/link/{links.token(app)}"))
    database.dispose()
    return made


def with_full_draft(built: Built) -> Built:
    ((_, built.draft_link),) = drafts(built, count=1, file_bytes=200_000)
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
    database = Database(built.database_url, audit_keys=built.settings.audit_chain_keys)
    now = built.now
    links = steps.links(built.settings, now=now)
    opened = now - timedelta(days=100)
    edition_id = steps.open_edition(
        database=database,
        now=opened,
        year=year,
        title_en=f"Benchmark edition {year}",
        criteria=CRITERIA,
        **steps.first_round_dates(now),
    )
    applied = []
    for i in range(count):
        when = opened + timedelta(minutes=10 + i)
        email = f"applicant-{year}-{i}@example.org"
        with database.write() as session:
            app = steps.apply(
                session=session,
                edition=session.get_one(Edition, edition_id),
                settings=built.settings,
                links=links.applications,
                email=email,
                language="en",
                values=full_content(email, f"Project {i}", i, start=date(2024, 1, 1)),
                client=f"client-{year}-{i}",
                now=when,
                submitted=when,
            )
            assert app.id is not None
            applied.append(app.id)
    with database.write() as session:
        transitions.move(
            session=session,
            edition=session.get_one(Edition, edition_id),
            to=EditionState.screening,
            actor=audit.SYSTEM,
            now=now - timedelta(days=39),
        )
    references: list[str] = []
    paths: list[str] = []
    if state is EditionState.screening:
        database.dispose()
        return paths, references
    with database.write() as session:
        edition = session.get_one(Edition, edition_id)
        for app_id in applied:
            app = session.get_one(Application, app_id)
            screening.screen(
                session=session,
                application=app,
                outcome=screening.Outcome(ApplicationStatus.eligible),
                actor=audit.SYSTEM,
                now=now - timedelta(days=30),
                links=links.applications,
            )
            references.append(str(app.reference))
        started = now - timedelta(days=20)
        transitions.move(
            session=session, edition=edition, to=state, actor=audit.SYSTEM, now=started
        )
        people = steps.invite_jurors(
            session=session,
            edition=edition,
            people=[
                JurorData(
                    first_name=f"Juror{j}",
                    last_name="Example",
                    email=f"juror-{year}-{j}@example.org",
                    country="PT",
                    birth_date=date(2004, 1, 1),
                    language="en",
                    guardian_name="",
                    guardian_consent_on=None,
                    publish_name_consent=True,
                )
                for j in range(juror_count)
            ],
            links=links.ballots,
            now=started,
        )
        for juror in people:
            steps.onboard(session=session, edition=edition, juror=juror, now=started)
            paths.append(juror_links.link_path(signer=links.signer, juror=juror))
    database.dispose()
    return paths, references


def pages_data(folder: Path) -> Built:
    """Everything bench/pages.py and bench/weight.py read."""
    built = with_full_draft(with_demo(prepare(folder)))
    built.ballot_links, built.ballot_references = jury_edition(built, year=2031, count=40)
    built.list_year = 2033
    jury_edition(built, year=built.list_year, count=500, state=EditionState.screening)
    return built
