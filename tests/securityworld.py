"""The world the security, fault and fuzz tests run in: every kind of user signed in, and an
edition in every state, so that every route and every form has something real to act on.

Built once per test run (about a second) and copied for each test that changes it:

    world = securityworld.template(tmp_path_factory, sqlite_template).copy(tmp_path)
    client = world.client("juror")

On the clock of ``tests.appkit.Clock`` (2027-03-01 10:00 UTC):

- 2027, open: the call. ``applicant`` has a draft with a stored PDF (its address not
  confirmed yet, as if started on the start page), ``other_applicant`` a draft,
  ``submitted_applicant`` a submitted application.
- 2026, shortlisting (first round open until 31 March): four eligible applications (the first
  with a file), ``juror`` (Lena) and ``other_juror`` (Omar, a draft ballot with a private
  comment) onboarded, ``new_juror`` (Ana) invited but not onboarded, and three jurors whose
  submitted ballots feed the tally.
- 2025, screening: two submitted applications (one French, one with a file) and a draft.
- 2024, final: shortlist confirmed (one override), both rounds scored.
- 2023, published; 2004, archived with one entry entered by hand.
- Staff: ``secretariat`` (officer@example.org), ``adviser``, and a colleague (the subject of the
  staff routes); ``reset`` is a browser that opened the colleague's password-reset link.
"""

from __future__ import annotations

import contextlib
import io
import re
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, col, select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from prize.app import create_app
from prize.db import Database
from prize.domain import transitions
from prize.domain.applicants import attachments
from prize.domain.jury import scoring
from prize.domain.results import decisions, published
from prize.domain.shared import audit
from prize.domain.staff import staff
from prize.models import (
    ActorKind,
    Application,
    ApplicationContent,
    ApplicationStatus,
    Attachment,
    Criterion,
    Edition,
    EditionState,
    Juror,
    OutboxMessage,
    OutboxStatus,
    Staff,
)
from prize.settings import Settings
from prize.storage import FolderStore
from prize.tokens import Purpose
from tests import factories, jury_factories
from tests.appkit import TEST_KEYS, Clock, make_signer
from tests.applykit import link_maker, make_call, start_application, tiny_pdf
from tests.dbkit import TEST_AUDIT_KEYS
from tests.jurykit import (
    Scored,
    award_final,
    cast_ballot,
    make_scored_edition,
    start_final_round,
)
from tests.securitykit import Form, RouteInfo, crawl, forms_by_route
from tests.staffkit import login, make_staff


@dataclass
class World:
    app: Starlette
    database: Database
    settings: Any
    clock: Any
    ids: dict[str, Any]
    cookies: dict[str, dict[str, str]]
    tokens: dict[str, str]

    def client(self, role: str) -> TestClient:
        client = TestClient(self.app, follow_redirects=False)
        for name, value in self.cookies.get(role, {}).items():
            client.cookies.set(name, value)
        return client

    def csrf(self, client: TestClient) -> str:
        match = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text)
        assert match, "no CSRF token on the home page"
        return match.group(1)

    def params(self, route: RouteInfo) -> dict[str, Any]:
        """Path parameters naming real rows, for any route of the app."""
        by_route = ROUTE_PARAMS.get(route.name, {})
        values = {}
        for name in route.params:
            key = by_route.get(name, PARAM_DEFAULTS.get(name))
            if key is None:
                raise KeyError(f"{route}: no value for {{{name}}}; add it to PARAM_DEFAULTS")
            values[name] = self.ids[key]
        return values

    def path(self, route: RouteInfo) -> str:
        return str(self.app.url_path_for(route.name, **self.params(route)))

    def copy(self, directory: Path, **settings_changes: Any) -> World:
        """This world on a copy of its database and storage, for a test that changes things."""
        from prize.app import create_app

        directory.mkdir(parents=True, exist_ok=True)
        source = Path(self.database.url.removeprefix("sqlite:///"))
        target = directory / "world.sqlite3"
        with (  # the backup API: what is still in the WAL file comes along, consistently
            contextlib.closing(sqlite3.connect(source)) as src,
            contextlib.closing(sqlite3.connect(target)) as dst,
        ):
            src.backup(dst)
        storage = directory / "storage"
        shutil.copytree(self.settings.storage_dir, storage, dirs_exist_ok=True)
        settings = self.settings.with_(storage_dir=storage, **settings_changes)
        database = Database(f"sqlite:///{target}", audit_keys=settings.audit_chain_keys)
        clock = type(self.clock)(self.clock.now)
        app = create_app(settings, clock=clock, database=database)
        return World(app, database, settings, clock, self.ids, self.cookies, self.tokens)


# Which row a path parameter names: by parameter name, and per route where it differs.
PARAM_DEFAULTS = {
    "year": "open_year",
    "edition_id": "rehearsal",
    "application_id": "applicant_app",
    "file_id": "applicant_file",
    "app_id": "screened_app",
    "attachment_id": "screened_file",
    "criterion_id": "open_criterion",
    "staff_id": "colleague",
    "message_id": "message",
    "juror_id": "juror",
    "entry_id": "archive_entry",
    "reference": "ballot_reference",
    "round": "round",
    "section": "section",
}
ROUTE_PARAMS: dict[str, dict[str, str]] = {
    "ballot_attachment": {"attachment_id": "ballot_file"},
    "results": {"year": "published_year"},
    "results_json": {"year": "published_year"},
    "results_csv": {"year": "published_year"},
    "results_receipt": {"year": "published_year"},
    "results_certificate": {"year": "published_year", "reference": "winner_reference"},
    "staff_archive_entry": {"year": "archived_year"},
    "staff_archive_entry_delete": {"year": "archived_year"},
    "staff_tally": {"year": "jury_year"},
    "staff_jury": {"year": "jury_year"},
}


ROLES = (
    "anonymous",
    "applicant",
    "other_applicant",
    "submitted_applicant",
    "juror",
    "other_juror",
    "new_juror",
    "secretariat",
    "adviser",
    "reset",
)
PRIVATE_COMMENT = "Omar's private note about Intercity"
_cache: dict[Path, World] = {}


def template(factory: pytest.TempPathFactory, sqlite_template: Path) -> World:
    """The world, built once per test run; use ``.copy(tmp_path)`` to change things in it."""
    if sqlite_template not in _cache:
        _cache[sqlite_template] = build(factory.mktemp("world"), sqlite_template)
    return _cache[sqlite_template]


_forms: dict[int, dict[str, list[Form]]] = {}


def forms_of(world: World) -> dict[str, list[Form]]:
    """Each state-changing route's forms, as their rightful users see them (crawled once)."""
    if id(world) not in _forms:
        found: dict[str, list[Form]] = {}
        for role in ("anonymous", "applicant", "submitted_applicant", "juror", "new_juror",
                     "other_juror", "secretariat", "reset"):  # fmt: skip
            for route, seen in forms_by_route(world, crawl(world, role)).items():
                found.setdefault(route, seen)
        _forms[id(world)] = found
    return _forms[id(world)]


def settings_for(directory: Path) -> Settings:
    return Settings(
        database_url="sqlite://",
        secret_keys=TEST_KEYS,
        base_url="http://testserver",
        storage_dir=directory / "storage",
        argon2_fast=True,
    )


def build(directory: Path, sqlite_template: Path) -> World:
    path = directory / "world.sqlite3"
    shutil.copyfile(sqlite_template, path)
    return build_on(Database(f"sqlite:///{path}", audit_keys=TEST_AUDIT_KEYS), directory)


def build_on(database: Database, directory: Path) -> World:
    """The world on a freshly migrated ``database`` (PostgreSQL too; only SQLite ones copy)."""
    clock = Clock()
    now = clock()
    settings = settings_for(directory)
    ids: dict[str, object] = {"round": "shortlist", "section": "project"}
    tokens: dict[str, str] = {}

    ids["secretariat"] = make_staff(database, now).id
    ids["adviser"] = make_staff(database, now, email="adviser@example.org", role="adviser").id
    colleague = make_staff(database, now, email="colleague@example.org")
    ids["colleague"] = colleague.id

    call = make_call(database, now)
    ids["open_year"] = call.year
    mine = start_application(database, now, email="applicant@example.org")
    other = start_application(database, now, email="other@example.org", title="Another project")
    with database.write() as session:
        edition = session.get_one(Edition, call.id)
        ids["applicant_app"] = mine.id
        ids["applicant_file"] = attachments.add(
            session=session,
            application=session.get_one(Application, mine.id),
            source=io.BytesIO(tiny_pdf()),
            filename="report.pdf",
            store=FolderStore(settings.storage_dir),
            max_bytes=settings.max_upload_bytes,
            max_files=settings.max_uploads,
            now=now,
        ).id
        ids["open_criterion"] = session.exec(
            select(Criterion.id).where(Criterion.edition_id == edition.id)
        ).first()
        session.add(Criterion(edition_id=edition.id, position=2, name_en="Youth participation"))
        submitted = factories.application(
            session=session,
            edition=edition,
            email="submitted@example.org",
            submitted_at=now - timedelta(days=2),
            title="A submitted project",
        )
        _screening_edition(session, ids, settings)
        jurors = _jury_edition(session, ids, settings, now)
        officer = audit.Actor(ActorKind.staff, ids["secretariat"])
        _decided_edition(session, ids, 2024, officer, now, until=EditionState.final)
        _decided_edition(session, ids, 2023, officer, now, until=EditionState.published)
        _decided_edition(session, ids, 2022, officer, now, until=EditionState.decided)
        # A rehearsal beside the real 2027 call: deletable, on its own page, by typing its title.
        ids["rehearsal"] = factories.edition(
            session=session, year=2027, state=EditionState.draft, rehearsal=True
        ).id
        archived = published.create_archived_edition(
            session=session, year=2004, title_en="", actor=officer, now=now
        )
        ids["archived_year"] = archived.year
        ids["archive_entry"] = published.add_archive_entry(
            session=session,
            edition=archived,
            award="winner",
            title="Peer mentors",
            country="PT",
            actor=officer,
            now=now,
        ).id
        _staff_and_outbox(session, ids, now)
        ids["pages"] = _pages(session)

    signer = make_signer(clock)
    tokens["applicant"] = link_maker(clock=clock).token(mine)
    tokens["other_applicant"] = link_maker(clock=clock).token(other)
    tokens["submitted_applicant"] = link_maker(clock=clock).token(submitted)
    for role, juror in jurors.items():
        tokens[role] = jury_factories.token_of(juror, clock)
    tokens["reset"] = signer.dumps(
        Purpose.password_reset,
        colleague.id,
        colleague.session_version,
        colleague.link_secret,
    )

    app = create_app(settings, clock=clock, database=database)
    world = World(app, database, settings, clock, ids, {}, tokens)
    world.cookies = {role: _sign_in(world, role) for role in ROLES}
    with database.write() as session:  # as if started on the start page: the address to confirm
        session.get_one(Application, mine.id).email_confirmed_at = None
    return world


def _sign_in(world: World, role: str) -> dict[str, str]:
    """Open this role's link (or sign in) in a fresh browser, and keep its cookies."""
    with TestClient(world.app, follow_redirects=False) as client:
        token = world.tokens.get(role)
        if role in {"secretariat", "adviser"}:
            login(client, "officer@example.org" if role == "secretariat" else "adviser@example.org")
        elif role == "reset":
            assert client.get(f"/secretariat/reset/{token}").status_code == 303
        elif role.endswith("applicant"):
            assert client.get(f"/apply/link/{token}").status_code == 303
        elif role.endswith("juror"):
            assert client.get(f"/ballot/link/{token}").status_code == 303
        world.csrf(client)  # every browser has a CSRF token in its session
        return {cookie.name: cookie.value for cookie in client.cookies.jar}


def _pages(session: Session) -> list[str]:
    """Back-office pages a crawl should not miss: each edition's own, each juror of the jury in
    its first round, each application in screening."""
    pages = []
    for edition in session.exec(select(Edition).order_by(col(Edition.year))):
        year = edition.path_year.key  # a rehearsal's pages are its own: 2027-rehearsal
        pages += [f"/secretariat/editions/{year}", f"/secretariat/editions/{year}/decisions"]
        pages += [
            f"/secretariat/editions/{year}/jury",
            f"/secretariat/editions/{year}/applications",
        ]
    jury = select(Edition.id).where(Edition.year == 2026).scalar_subquery()
    screening = select(Edition.id).where(Edition.year == 2025).scalar_subquery()
    pages += [
        f"/secretariat/jurors/{i}"
        for i in session.exec(select(Juror.id).where(Juror.edition_id == jury))
    ]
    pages += [
        f"/secretariat/applications/{i}"
        for i in session.exec(select(Application.id).where(Application.edition_id == screening))
    ]
    return pages


def _staff_and_outbox(session: Session, ids: dict[str, object], now: datetime) -> None:
    """A disabled account and one invited without a password yet; a message that failed."""
    unusable = staff.UNUSABLE_PREFIX + "never-set"
    for email, name, active in (
        ("gone@example.org", "Former officer", False),
        ("invited@example.org", "New officer", True),
    ):
        session.add(
            Staff(email=email, name=name, active=active, password_hash=unusable, created_at=now)
        )
    first = session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).first()
    assert first is not None
    first.status = OutboxStatus.failed
    first.attempts = 8
    first.last_error = "SMTPRecipientsRefused: 550 no such mailbox"
    session.add(first)
    ids["message"] = first.id
    session.flush()


def _screening_edition(session: Session, ids: dict[str, object], settings: Settings) -> None:
    edition = factories.edition(
        session=session,
        year=2025,
        state=EditionState.screening,
        opens_at=datetime(2024, 9, 1, tzinfo=UTC),
        deadline=datetime(2024, 12, 31, 20, tzinfo=UTC),
    )
    first = factories.application(
        session=session,
        edition=edition,
        email="amra@example.org",
        title="Intercity Theatre",
        countries=["BA"],
        attachments=[("season report.pdf", factories.PDF)],
        storage_dir=settings.storage_dir,
    )
    factories.application(
        session=session,
        edition=edition,
        email="claire@example.org",
        language="fr",
        title="Café du vendredi",
        countries=["FR"],
    )
    factories.application(
        session=session, edition=edition, status=ApplicationStatus.draft, title="Unfinished"
    )
    ids["screening_year"] = edition.year
    ids["screened_app"] = first.id
    ids["screened_file"] = _file_of(session, first)


def _file_of(session: Session, application: Application) -> int | None:
    return session.exec(
        select(Attachment.id)
        .join(ApplicationContent, col(ApplicationContent.id) == col(Attachment.content_id))
        .where(ApplicationContent.application_id == application.id)
    ).first()


def _jury_edition(
    session: Session, ids: dict[str, object], settings: Settings, now: datetime
) -> dict[str, object]:
    made = jury_factories.jury_edition(session=session, year=2026, applications=4)
    first = made.applications[0]
    content = session.exec(
        select(ApplicationContent).where(ApplicationContent.application_id == first.id)
    ).one()
    ids["ballot_file"] = factories.attachment(
        session=session, content=content, storage_dir=settings.storage_dir
    ).id
    ids["jury_year"] = made.year
    ids["ballot_reference"] = first.reference
    people = {
        "juror": ("lena@example.org", "Lena", True),
        "other_juror": ("omar@example.org", "Omar", True),
        "new_juror": ("ana@example.org", "Ana", False),
    }
    jurors = {
        role: jury_factories.juror(
            session=session, edition=made.edition, email=email, first_name=name, onboarded=done
        )
        for role, (email, name, done) in people.items()
    }
    ids["juror"] = jurors["juror"].id
    ids["other_juror"] = jurors["other_juror"].id
    scoring.save_entry(
        session=session,
        juror=jurors["other_juror"],
        now=now,
        application_id=first.id,
        scores={made.criteria[0].id: 7},
        comment=PRIVATE_COMMENT,
    )
    for application in made.applications:  # Omar has scored everything: he may submit
        scoring.save_entry(
            session=session,
            juror=jurors["other_juror"],
            now=now,
            application_id=application.id,
            scores={c.id: 6 for c in made.criteria},
        )
    voters = [
        factories.juror(session=session, edition=made.edition, email=f"voter{i}@example.org")
        for i in range(3)
    ]
    scored = Scored(edition=made.edition, apps=made.applications, jurors=voters)
    for j in range(3):
        marks = {i: 9 - i - j % 2 for i in range(len(made.applications))}
        cast_ballot(session, scored, j, "shortlist", marks, now=now)
    decisions.confirm_shortlist(  # confirmed early: the page offers to open the final round
        session=session,
        edition=made.edition,
        application_ids=[a.id for a in made.applications],
        actor=audit.Actor(ActorKind.staff, ids["secretariat"]),
        now=now,
    )
    return jurors


def _decided_edition(
    session: Session,
    ids: dict[str, object],
    year: int,
    officer: audit.Actor,
    now: datetime,
    *,
    until: EditionState,
) -> None:
    scored = make_scored_edition(session, now=now, year=year)
    start_final_round(session, scored, now=now, actor=officer)
    award_final(session, scored, now=now, actor=officer, mention=5)
    ids[f"{until.value}_year"] = year
    if until is EditionState.final:
        return
    transitions.decide(session=session, edition=scored.edition, actor=officer, now=now)
    if until is EditionState.decided:
        return
    transitions.publish(session=session, edition=scored.edition, actor=officer, now=now)
    ids["winner_reference"] = scored.apps[1].reference
