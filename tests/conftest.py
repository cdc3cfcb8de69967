"""Test fixtures: real SQLite and PostgreSQL (schema from Alembic, made once per run and copied
for each test), a real SMTP server in-process, and the app on an injected clock.

PostgreSQL, Chromium and Java are optional on a developer's machine: the tests that need them are
skipped with a message saying how to get them. With CI=true such a skip is a failure instead.
"""

from __future__ import annotations

import os
import shutil
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import Message
from pathlib import Path

import psycopg
import pytest
from aiosmtpd.controller import Controller
from starlette.testclient import TestClient

from prize import schema
from prize.app import create_app
from prize.db import Database
from prize.demo.pdf import pdf
from prize.domain import outbox
from prize.settings import Settings

IN_CI = os.environ.get("CI", "").lower() == "true"
PG_ADMIN_URL = os.environ.get(
    "PRIZE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
TEST_KEYS = ("test-key-newest-0123456789abcdef", "test-key-older-0123456789abcdef")


def skip_or_fail(message: str) -> None:
    """Skip with instructions on a developer's machine; fail in CI, where everything must run."""
    if IN_CI:
        pytest.fail(f"CI=true and a required part is missing: {message}", pytrace=False)
    pytest.skip(message)


# --------------------------------------------------------------------------- clock


@dataclass
class Clock:
    """The app's clock, moved by tests instead of sleeping."""

    now: datetime = field(default_factory=lambda: datetime(2027, 3, 1, 10, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now = self.now + timedelta(**delta)
        return self.now

    def set(self, when: datetime) -> datetime:
        self.now = when
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


# --------------------------------------------------------------------------- databases


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    schema.upgrade(f"sqlite:///{path}")
    return path


def _pg_admin() -> psycopg.Connection:
    try:
        return psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        skip_or_fail(
            f"PostgreSQL is not reachable at {PG_ADMIN_URL} ({error.__class__.__name__}). "
            "Install and start PostgreSQL (Debian: apt-get install postgresql), or point "
            "PRIZE_TEST_POSTGRES_URL at a server where this user may create databases."
        )
        raise


def _pg_url(name: str) -> str:
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    return f"{base}/{name}"


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    name = f"prize_tpl_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with _pg_admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        schema.upgrade(_pg_url(name))
        yield name
    finally:
        with _pg_admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def new_sqlite_database(template: Path, directory: Path) -> Database:
    path = directory / f"prize-{uuid.uuid4().hex[:8]}.sqlite3"
    shutil.copyfile(template, path)
    return Database(f"sqlite:///{path}")


@pytest.fixture
def sqlite_db(sqlite_template: Path, tmp_path: Path) -> Iterator[Database]:
    database = new_sqlite_database(sqlite_template, tmp_path)
    yield database
    database.dispose()


@pytest.fixture
def postgres_db(request: pytest.FixtureRequest) -> Iterator[Database]:
    template = request.getfixturevalue("pg_template")
    name = f"prize_t_{uuid.uuid4().hex[:12]}"
    with _pg_admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    database = Database(_pg_url(name))
    try:
        yield database
    finally:
        database.dispose()
        with _pg_admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest) -> Database:
    """A fresh, migrated database: each test runs once on SQLite and once on PostgreSQL."""
    database: Database = request.getfixturevalue(f"{request.param}_db")
    return database


# --------------------------------------------------------------------------- app


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        database_url="sqlite://",  # the app gets its Database from the fixture, not this URL
        secret_keys=TEST_KEYS,
        base_url="http://testserver",
        storage_dir=tmp_path / "storage",
        argon2_fast=True,
        demo=False,
    )


@pytest.fixture
def app(settings: Settings, sqlite_db: Database, clock: Clock):  # type: ignore[no-untyped-def]
    """The app on SQLite; page tests run here (domain tests also run on PostgreSQL)."""
    return create_app(settings, clock=clock, database=sqlite_db)


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app, follow_redirects=False) as test_client:
        yield test_client


# --------------------------------------------------------------------------- SMTP


class Inbox:
    """Collects what the in-process SMTP server receives."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        message = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if address in m["X-Envelope-To"]]

    def clear(self) -> None:
        self.messages.clear()


def body_of(message: Message) -> str:
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode(message.get_content_charset() or "utf-8")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Smtp:
    inbox: Inbox
    url: str
    controller: Controller

    def deliver(
        self, database: Database, now: datetime, mail_from: str = "prize@example.org"
    ) -> int:
        """Run the outbox sender until nothing is due; return how many were sent."""
        sent = 0
        while True:
            report = outbox.deliver_due(
                database=database, smtp_url=self.url, mail_from=mail_from, now=now
            )
            sent += report.sent
            if report.sent == 0:
                return sent


@pytest.fixture
def smtp() -> Iterator[Smtp]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield Smtp(inbox=inbox, url=f"smtp://127.0.0.1:{port}", controller=controller)
    finally:
        controller.stop()


# --------------------------------------------------------------------------- browser

CHROMIUM = os.environ.get("PRIZE_TEST_CHROMIUM", "/usr/bin/chromium")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@dataclass
class LiveServer:
    url: str
    app: object
    database: Database
    clock: Clock


@pytest.fixture
def live_server(settings: Settings, sqlite_db: Database, clock: Clock) -> Iterator[LiveServer]:
    """The app served by uvicorn on a free loopback port, in a background thread."""
    import threading
    import time

    import uvicorn

    port = free_port()
    live_settings = settings.with_(base_url=f"http://127.0.0.1:{port}")
    application = create_app(live_settings, clock=clock, database=sqlite_db)
    config = uvicorn.Config(
        application,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="on",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the live server did not start")
        time.sleep(0.02)
    try:
        yield LiveServer(
            url=f"http://127.0.0.1:{port}", app=application, database=sqlite_db, clock=clock
        )
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    """One headless Chromium for the whole run (Debian's, driven by Playwright)."""
    if not Path(CHROMIUM).exists():
        skip_or_fail(
            f"Chromium is not installed at {CHROMIUM}. Install it (Debian: apt-get install "
            "chromium) or set PRIZE_TEST_CHROMIUM to its path."
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("Playwright is not installed: pip install -e '.[test]'")
        raise
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def phone(browser):  # type: ignore[no-untyped-def]
    """A page at a phone's size (390x844), with its CSP violations and console errors collected."""
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="en-GB"
    )
    page = context.new_page()
    page.console_errors = []  # type: ignore[attr-defined]
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))  # type: ignore[attr-defined]
    yield page
    context.close()


@pytest.fixture
def desktop(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=DESKTOP, locale="en-GB")
    page = context.new_page()
    page.console_errors = []  # type: ignore[attr-defined]
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))  # type: ignore[attr-defined]
    yield page
    context.close()


def assert_accessible(page) -> None:  # type: ignore[no-untyped-def]
    """axe-core (WCAG 2.x A and AA rules) finds no violation on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        page,
        options={
            "runOnly": {
                "type": "tag",
                "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
            },
            "resultTypes": ["violations"],
        },
    )
    violations = results.response["violations"]
    summary = [
        f"{v['id']}: {v['help']} at {[n['target'] for n in v['nodes']][:3]}" for v in violations
    ]
    assert summary == [], f"axe-core violations on {page.url}"


# --------------------------------------------------------------------------- people

STAFF_PASSWORD = "correct horse battery staple"


def make_staff(
    database: Database, now: datetime, email: str = "officer@example.org", role: str = "secretariat"
):  # type: ignore[no-untyped-def]
    from prize.domain import audit, staff
    from prize.models import StaffRole
    from prize.security import Passwords

    with database.write() as session:
        return staff.create_staff(
            session=session,
            passwords=Passwords(fast=True),
            actor=audit.SYSTEM,
            now=now,
            email=email,
            password=STAFF_PASSWORD,
            role=StaffRole(role),
        )


def csrf_of(client: TestClient, path: str = "/") -> str:
    """The CSRF token of the client's session, read from a page's form as a browser would."""
    import re

    page = client.get(path)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match, f"no CSRF field on {path}"
    return match.group(1)


def login(
    client: TestClient, email: str = "officer@example.org", password: str = STAFF_PASSWORD
) -> None:
    token = csrf_of(client, "/secretariat/login")
    response = client.post(
        "/secretariat/login", data={"email": email, "password": password, "csrf_token": token}
    )
    assert response.status_code == 303, response.text


@pytest.fixture
def officer(app, sqlite_db: Database, clock: Clock):  # type: ignore[no-untyped-def]
    """A secretariat account on the app's database."""
    return make_staff(sqlite_db, clock())


@pytest.fixture
def staff_client(client: TestClient, officer) -> TestClient:  # type: ignore[no-untyped-def]
    """A client signed in to the back office as a secretariat officer."""
    login(client)
    return client


# ---- tally
# An edition with eligible applications, jurors and ballots, for the tally, decisions and results.


@dataclass
class Scored:
    edition: object
    apps: list  # type: ignore[type-arg]
    jurors: list  # type: ignore[type-arg]

    @property
    def ids(self) -> list[int]:
        return [a.id for a in self.apps]


TALLY_COUNTRIES = ("BA", "IL", "PT", "LB", "HR", "BE", "BG", "FR", "DE", "ES")


def make_scored_edition(
    session,  # type: ignore[no-untyped-def]
    *,
    now: datetime,
    year: int = 2027,
    n_apps: int = 9,
    n_jurors: int = 3,
    state: str = "shortlisting",
    **edition_fields,
) -> Scored:
    """Eligible applications (one per country of TALLY_COUNTRIES) and jurors; no ballots yet."""
    from prize.models import ApplicationStatus, EditionState
    from tests import factories

    fields = {
        "shortlist_closes_at": now + timedelta(days=30),
        "final_closes_at": now + timedelta(days=60),
        "announce_at": now + timedelta(days=90),
        "shortlist_size": 3,
        **edition_fields,
    }
    edition = factories.edition(session=session, year=year, state=EditionState(state), **fields)
    apps = [
        factories.application(
            session=session,
            edition=edition,
            status=ApplicationStatus.eligible,
            title=f"Project {chr(65 + i)}",
            organisation=f"Organisation {chr(65 + i)}",
            countries=(TALLY_COUNTRIES[i % len(TALLY_COUNTRIES)],),
            email=f"applicant{i}@example.org",
            language="fr" if i == 1 else "en",
        )
        for i in range(n_apps)
    ]
    names = ["Lena", "Omar", "Ana", "Jonas", "Mira", "Pavel", "Sara", "Tom", "Ivo"]
    jurors = [
        factories.juror(
            session=session,
            edition=edition,
            first_name=names[j % len(names)],
            email=f"juror{j}@example.org",
            country=TALLY_COUNTRIES[(j + 3) % len(TALLY_COUNTRIES)],
            publish_name_consent=j != 1,
        )
        for j in range(n_jurors)
    ]
    return Scored(edition=edition, apps=apps, jurors=jurors)


def cast_ballot(
    session,  # type: ignore[no-untyped-def]
    scored: Scored,
    juror: int,
    round_: str,
    marks: dict[int, object],
    *,
    submitted: bool = True,
    now: datetime | None = None,
):  # type: ignore[no-untyped-def]
    """A ballot of juror number ``juror``: ``marks`` maps an application's index to a score
    (every criterion gets it), "abstain" or "conflict"."""
    from sqlmodel import select

    from prize.domain import editions as editions_domain
    from prize.models import ActorKind, Ballot, BallotEntry, BallotStatus, Conflict, Round, Score

    person = scored.jurors[juror]
    criteria = editions_domain.criteria_of(session=session, edition=scored.edition)
    ballot = Ballot(
        juror_id=person.id,
        round=Round(round_),
        status=BallotStatus.submitted if submitted else BallotStatus.draft,
        submitted_at=now if submitted else None,
        receipt_code=f"{round_[0].upper()}{person.id:03d}RCPT42" if submitted else None,
    )
    session.add(ballot)
    session.flush()
    for index, mark in marks.items():
        app = scored.apps[index]
        if mark == "conflict":
            existing = session.exec(
                select(Conflict).where(
                    Conflict.juror_id == person.id, Conflict.application_id == app.id
                )
            ).first()
            if existing is None:
                session.add(
                    Conflict(
                        juror_id=person.id,
                        application_id=app.id,
                        reason="Volunteered there",
                        declared_by=ActorKind.juror,
                    )
                )
        elif mark == "abstain":
            session.add(
                BallotEntry(
                    ballot_id=ballot.id, application_id=app.id, abstain=True, abstain_reason="Unsure"
                )
            )
        else:
            for criterion in criteria:
                session.add(
                    Score(
                        ballot_id=ballot.id,
                        application_id=app.id,
                        criterion_id=criterion.id,
                        value=int(mark),  # type: ignore[call-overload]
                    )
                )
    session.flush()
    return ballot


# Round 1 marks of three jurors over nine applications: A > B > C > D ... (juror 1 conflicted on
# E, juror 2 abstains on F); the proposal with a shortlist of 3 is A, B, C.
ROUND1 = {
    0: {0: 9, 1: 8, 2: 7, 3: 6, 4: 5, 5: 4, 6: 3, 7: 2, 8: 1},
    1: {0: 10, 1: 9, 2: 7, 3: 5, 4: "conflict", 5: 4, 6: 3, 7: 2, 8: 1},
    2: {0: 8, 1: 7, 2: 9, 3: 4, 4: 5, 5: "abstain", 6: 2, 7: 3, 8: 1},
}
# Round 2 marks over the shortlist A, B, C (+ D when the shortlist was overridden).
ROUND2 = {
    0: {0: 6, 1: 9, 2: 7, 3: 5},
    1: {0: 7, 1: 10, 2: 8, 3: 5},
    2: {0: 5, 1: 8, 2: 9, 3: 4},
}


# ---- applicants

CALL_OPENS = datetime(2027, 1, 1, tzinfo=UTC)
CALL_DEADLINE = datetime(2027, 6, 30, 20, 0, tzinfo=UTC)  # 22:00 in Paris
APPLICANT = "applicant@example.org"


def make_call(database: Database, now: datetime, *, year: int = 2027, **changes):  # type: ignore[no-untyped-def]
    """An open call (2027 by default) with one criterion, the default eligible countries, and
    the deadline ``CALL_DEADLINE``; the test clock starts inside its window."""
    from prize.domain import audit, editions, lifecycle
    from prize.domain.editions import CriterionSpec
    from prize.models import EditionState

    with database.write() as session:
        edition = editions.create_edition(
            session=session,
            actor=audit.SYSTEM,
            now=now,
            year=year,
            title_en=f"European Drug Prevention Prize {year}",
            title_fr=f"Prix européen de prévention des drogues {year}",
            opens_at=changes.pop("opens_at", CALL_OPENS),
            deadline=changes.pop("deadline", CALL_DEADLINE),
            criteria=[CriterionSpec("Innovation", "New ideas", name_fr="Innovation")],
            **changes,
        )
        lifecycle.move(
            session=session, edition=edition, to=EditionState.open, actor=audit.SYSTEM, now=now
        )
    return edition


def link_maker(keys: tuple[str, ...] = TEST_KEYS, base_url: str = "http://testserver"):  # type: ignore[no-untyped-def]
    from prize.domain.applications import LinkMaker
    from prize.tokens import Signer

    return LinkMaker(signer=Signer(keys), base_url=base_url, mail_domain="example.org")


def start_application(  # type: ignore[no-untyped-def]
    database: Database,
    now: datetime,
    *,
    email: str = APPLICANT,
    title: str = "Street theatre against drugs",
    language: str = "en",
    client: str = "192.0.2.1",
):
    """A draft started through the domain, as the start page does."""
    from prize.domain import applications, editions

    with database.write() as session:
        edition = editions.current_call(session=session)
        assert edition is not None
        return applications.start_application(
            session=session,
            edition=edition,
            email=email,
            title=title,
            language=language,
            links=link_maker(),
            client=client,
            now=now,
        )


def complete_form(**changes: object) -> dict[str, object]:
    """Every field of a complete application, as the form posts it."""
    form: dict[str, object] = {
        "title": "Street theatre against drugs",
        "organisation": "Youth Theatre Sarajevo",
        "country_main": "BA",
        "countries_other": ["HR"],
        "young_people": "120",
        "adults": "8",
        "start_date": "2024-09-01",
        "still_running": "yes",
        "end_date": "",
        "applicant_name": "Amra Hodžić",
        "address": "Ulica 1\n71000 Sarajevo",
        "phone": "+387 33 123 456",
        "contact_email": "contact@example.org",
        "website": "https://theatre.example.org",
        "social_links": "https://social.example.org/theatre",
        "contact_person": "Amra Hodžić",
        "contact_person_email": "amra@example.org",
        "goals": "Young people choose healthy lives without drugs.",
        "summary": "Young people write and perform street plays about substance misuse.",
        "participation": "Young people write the plays, decide where to play and evaluate.",
        "inv_strategy": "yes",
        "inv_strategy_how": "They set the yearly plan.",
        "inv_structures": "yes",
        "inv_structures_how": "Two of them sit on the board.",
        "inv_activities": "yes",
        "inv_activities_how": "They perform.",
        "inv_evaluation": "no",
        "inv_evaluation_how": "",
        "link_1": "https://video.example.org/play",
        "link_2": "",
        "link_3": "",
        "consent_processing": "yes",
        "consent_publication": "yes",
    }
    form.update(changes)
    return form


def content_values(**changes: object) -> dict[str, object]:
    """The stored values of a complete application (what save_draft takes)."""
    from starlette.datastructures import FormData

    from prize.countries import DEFAULT_ELIGIBLE
    from prize.forms.application import parse

    items: list[tuple[str, str]] = []
    for key, value in complete_form().items():
        for v in value if isinstance(value, list) else [value]:
            items.append((key, str(v)))
    parsed = parse(
        FormData(items), eligible=list(DEFAULT_ELIGIBLE), today=datetime(2027, 3, 1).date()
    )
    assert parsed.ok, parsed.errors
    return {**parsed.clean, **changes}


def tiny_pdf() -> bytes:
    """A small valid PDF (one empty page), made here rather than read from a file."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    return pdf(objects)


@pytest.fixture
def open_call(app, sqlite_db: Database, clock: Clock):  # type: ignore[no-untyped-def]
    """The open 2027 call on the app's database."""
    return make_call(sqlite_db, clock())


@pytest.fixture
def applicant(client: TestClient, open_call, sqlite_db: Database, clock: Clock):  # type: ignore[no-untyped-def]
    """A started draft, opened in ``client`` through its resume link: (client, application)."""
    application = start_application(sqlite_db, clock())
    response = client.get(f"/apply/link/{link_maker().token(application)}")
    assert response.status_code == 303, response.text
    return client, application


# ---- jury


@pytest.fixture
def jury(sqlite_db: Database, clock: Clock):  # type: ignore[no-untyped-def]
    """On the app's database: an edition in its first jury round (two criteria, three eligible
    applications) with one invited adult juror, lena@example.org (see tests/jury_factories.py)."""
    from tests import jury_factories

    with sqlite_db.write() as session:
        made = jury_factories.jury_edition(session=session)
        made.jurors.append(
            jury_factories.juror(
                session=session, edition=made.edition, email="lena@example.org", first_name="Lena"
            )
        )
    return made


@pytest.fixture
def juror_client(client: TestClient, jury):  # type: ignore[no-untyped-def]
    """A client whose ballot session was opened with the juror's link (not onboarded yet)."""
    from tests import jury_factories

    response = client.get(jury_factories.link_path(jury.jurors[0]))
    assert response.status_code == 303, response.text
    return client


# ---- secretariat
# Back-office helpers: a second signed-in client (an adviser, say), and POSTs with the CSRF token.


def staff_post(client: TestClient, path: str, data: dict | None = None, **kwargs):  # type: ignore[no-untyped-def,type-arg]
    """POST ``data`` to ``path`` with the session's CSRF token, read from the dashboard's form."""
    token = csrf_of(client, "/secretariat/login")
    return client.post(path, data={**(data or {}), "csrf_token": token}, **kwargs)


@pytest.fixture
def adviser(app, sqlite_db: Database, clock: Clock):  # type: ignore[no-untyped-def]
    return make_staff(sqlite_db, clock(), email="adviser@example.org", role="adviser")


@pytest.fixture
def adviser_client(app, adviser) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    """A second client on the same app, signed in as an adviser (reads only)."""
    with TestClient(app, follow_redirects=False) as other:
        login(other, "adviser@example.org")
        yield other


def make_decided_edition(session, clock: Clock, *, mention: int | None = 5) -> Scored:  # type: ignore[no-untyped-def]
    """Both rounds scored; shortlist A B C D (D an override, with its reason); winners B C A,
    D nominated, F a special mention from outside the shortlist; decided (e-mails queued)."""
    from prize.domain import audit, decisions, results
    from prize.models import ActorKind

    officer = audit.Actor(ActorKind.staff, None)
    scored = make_scored_edition(session, now=clock())
    for juror, marks in ROUND1.items():
        cast_ballot(session, scored, juror, "shortlist", marks, now=clock())
    ids = scored.ids
    decisions.confirm_shortlist(
        session=session,
        edition=scored.edition,
        application_ids=ids[:4],
        reasons={ids[3]: "The jury wants a fourth"},
        actor=officer,
        now=clock(),
    )
    results.move_to_final(session=session, edition=scored.edition, actor=officer, now=clock())
    for juror, marks in ROUND2.items():
        cast_ballot(session, scored, juror, "final", marks, now=clock())
    decisions.confirm_final(
        session=session,
        edition=scored.edition,
        awards={ids[1]: "winner", ids[2]: "winner", ids[0]: "winner", ids[3]: "nominated"},
        special_mention=ids[mention] if mention is not None else None,
        actor=officer,
        now=clock(),
    )
    results.decide(session=session, edition=scored.edition, actor=officer, now=clock())
    return scored


# ---- screening


@pytest.fixture
def screening_applications(sqlite_db: Database, settings: Settings, clock: Clock):  # type: ignore[no-untyped-def]
    """On the app's database, the clock five days past the deadline: the 2027 edition in
    screening with two submitted applications ("first": English, Bosnia, one stored file and an
    edit in progress; "second": French, France), a draft and a withdrawn one (see
    tests/factories.py)."""
    from prize.models import ApplicationStatus, EditionState
    from tests import factories

    clock.set(datetime(2027, 7, 5, 9, tzinfo=UTC))
    with sqlite_db.write() as session:
        edition = factories.edition(session=session, state=EditionState.screening)
        first = factories.application(
            session=session,
            edition=edition,
            email="amra@example.org",
            title="Intercity Theatre",
            organisation="Youth Stage Association",
            countries=["BA"],
            attachments=[("season report.pdf", factories.PDF)],
            storage_dir=settings.storage_dir,
            draft_revision=True,
        )
        second = factories.application(
            session=session,
            edition=edition,
            email="claire@example.org",
            language="fr",
            title="Café du vendredi",
            organisation="Jeunes solidaires",
            countries=["FR", "BE"],
        )
        draft = factories.application(
            session=session, edition=edition, status=ApplicationStatus.draft, title="Unfinished"
        )
        factories.application(
            session=session,
            edition=edition,
            status=ApplicationStatus.withdrawn,
            title="Withdrawn project",
            organisation="Another association",
        )
    return {"edition": edition, "first": first, "second": second, "draft": draft}


def links_in(text: str) -> list[tuple[int, int]]:
    """The (application id, link version) of every resume link in a text (an e-mail's body).

    Compared as claims, not as strings: a token carries the second it was signed in."""
    import re

    from prize.tokens import Purpose, Signer

    signer = Signer(TEST_KEYS)
    claims = []
    for token in re.findall(r"/apply/link/([^\s/]+)", text):
        claim = signer.loads(Purpose.application, token)
        claims.append((claim.subject_id, claim.version))
    return claims
