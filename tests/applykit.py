"""The call for applications and its applicants, made through the domain as the pages do.

- ``make_call(database, now)``: the open 2027 call (``CALL_OPENS`` to ``CALL_DEADLINE``);
  fixture ``open_call`` makes it on the app's database.
- ``start_application(database, now)``: a draft of ``APPLICANT``; fixture ``applicant`` opens
  one in ``client`` through its resume link. ``link_maker(clock=...)`` signs resume links with
  ``TEST_KEYS`` on the test's clock, and ``links_in(text)`` reads them back from an e-mail.
- ``complete_form()`` (every field as the form posts it), ``content_values()`` (as stored),
  ``tiny_pdf()`` (a small valid PDF) and ``SECTION_FIELDS`` (the form's fields by section).
- ``attach_file(database, store, application_id, data, now)``: a file attached as the upload page
  does it (stored first, then attached in the write).
- Fixture ``screening_applications``: the 2027 edition in screening, with applications in each
  status (built with tests/factories/); ``screening_pair(...)`` makes its two submitted ones.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from starlette.testclient import TestClient

from prize.db import Database
from prize.demo.pdf import pdf
from prize.settings import Settings
from tests.appkit import TEST_KEYS, Clock, make_signer

CALL_OPENS = datetime(2027, 1, 1, tzinfo=UTC)
CALL_DEADLINE = datetime(2027, 6, 30, 20, 0, tzinfo=UTC)  # 22:00 in Paris
APPLICANT = "applicant@example.org"


def make_call(database: Database, now: datetime, *, year: int = 2027, **changes):
    """An open call (2027 by default) with one criterion, the default eligible countries, and
    the deadline ``CALL_DEADLINE``; the test clock starts inside its window."""
    from prize.domain import transitions
    from prize.domain.editions import editions
    from prize.domain.editions.criteria import CriterionSpec
    from prize.domain.shared import audit
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
        transitions.move(
            session=session, edition=edition, to=EditionState.open, actor=audit.SYSTEM, now=now
        )
    return edition


def link_maker(
    keys: tuple[str, ...] = TEST_KEYS,
    base_url: str = "http://testserver",
    clock: Callable[[], datetime] | None = None,
):
    """Resume links signed with ``keys`` on ``clock`` (see ``tests.appkit.make_signer``)."""
    from prize.domain.applicants.links import LinkMaker

    signer = make_signer(clock, keys)
    return LinkMaker(signer=signer, base_url=base_url, mail_domain="example.org")


def start_application(
    database: Database,
    now: datetime,
    *,
    email: str = APPLICANT,
    title: str = "Street theatre against drugs",
    language: str = "en",
    client: str = "192.0.2.1",
):
    """A draft started through the domain, as the start page does."""
    from prize.domain.applicants import applications
    from prize.domain.editions import editions

    with database.write() as session:
        edition = editions.current_call(session=session)
        assert edition is not None
        return applications.start(
            session=session,
            edition=edition,
            email=email,
            title=title,
            language=language,
            links=link_maker(clock=lambda: now),
            client=client,
            now=now,
        ).application


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
        "consent_summary": "yes",
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


def stored(database: Database, application_id: int, kind=None):
    """The stored draft (or ``kind``) of an application, as the database has it now."""
    from sqlmodel import select

    from prize.models import ApplicationContent, ContentKind

    with database.read() as session:
        return session.exec(
            select(ApplicationContent).where(
                ApplicationContent.application_id == application_id,
                ApplicationContent.kind == (kind or ContentKind.draft),
            )
        ).first()


def post_form(client: TestClient, application, **fields):
    """The application form posted as its page would, with the page's CSRF token."""
    from tests.appkit import csrf_of

    token = csrf_of(client, f"/apply/{application.id}")
    return client.post(f"/apply/{application.id}", data={**fields, "csrf_token": token})


def tiny_pdf() -> bytes:
    """A small valid PDF (one empty page), made here rather than read from a file."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    return pdf(objects)


@pytest.fixture
def open_call(app, sqlite_db: Database, clock: Clock):
    """The open 2027 call on the app's database."""
    return make_call(sqlite_db, clock())


@pytest.fixture
def applicant(client: TestClient, open_call, sqlite_db: Database, clock: Clock):
    """A started draft, opened in ``client`` through its resume link: (client, application)."""
    application = start_application(sqlite_db, clock())
    response = client.get(f"/apply/link/{link_maker(clock=clock).token(application)}")
    assert response.status_code == 303, response.text
    return client, application


def screening_pair(*, session, edition, storage_dir):
    """Two submitted applications to screen in ``edition``: Amra's (English, Bosnia, one file
    stored under ``storage_dir`` and an edit in progress) and Claire's (French, France and
    Belgium), in that order (see tests/factories/)."""
    from tests import factories

    amra = factories.application(
        session=session,
        edition=edition,
        email="amra@example.org",
        title="Intercity Theatre",
        organisation="Youth Stage Association",
        countries=["BA"],
        attachments=[("season report.pdf", factories.PDF)],
        storage_dir=storage_dir,
        draft_revision=True,
    )
    claire = factories.application(
        session=session,
        edition=edition,
        email="claire@example.org",
        language="fr",
        title="Café du vendredi",
        organisation="Jeunes solidaires",
        countries=["FR", "BE"],
    )
    return amra, claire


@pytest.fixture
def screening_applications(sqlite_db: Database, settings: Settings, clock: Clock):
    """On the app's database, the clock five days past the deadline: the 2027 edition in
    screening with two submitted applications ("first": English, Bosnia, one stored file and an
    edit in progress; "second": French, France), a draft and a withdrawn one (see
    tests/factories/)."""
    from prize.models import ApplicationStatus, EditionState
    from tests import factories

    clock.set(datetime(2027, 7, 5, 9, tzinfo=UTC))
    with sqlite_db.write() as session:
        edition = factories.edition(session=session, state=EditionState.screening)
        first, second = screening_pair(
            session=session, edition=edition, storage_dir=settings.storage_dir
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


def links_in(text: str, clock: Callable[[], datetime] | None = None) -> list[tuple[int, int]]:
    """The (application id, link version) of every resume link in a text (an e-mail's body),
    read on ``clock`` (see ``tests.appkit.make_signer``).

    Compared as claims, not as strings: a token carries the second it was signed in."""
    import re

    from prize.tokens import Purpose

    signer = make_signer(clock)
    claims = []
    for token in re.findall(r"/apply/link/([^\s/]+)", text):
        claim = signer.loads(Purpose.application, token)
        claims.append((claim.subject_id, claim.version))
    return claims


# The form's fields by section, as the section pages show them (written out here, not read from
# prize.domain.applicants.sections, so that a test notices a field moved or lost).
SECTION_FIELDS = {
    "project": (
        "title",
        "organisation",
        "country_main",
        "countries_other",
        "young_people",
        "adults",
        "start_date",
        "still_running",
        "end_date",
    ),
    "contacts": (
        "applicant_name",
        "address",
        "phone",
        "contact_email",
        "website",
        "social_links",
        "contact_person",
        "contact_person_email",
    ),
    "description": (
        "goals",
        "summary",
        "participation",
        "inv_strategy",
        "inv_strategy_how",
        "inv_structures",
        "inv_structures_how",
        "inv_activities",
        "inv_activities_how",
        "inv_evaluation",
        "inv_evaluation_how",
        "link_1",
        "link_2",
        "link_3",
    ),
    "consents": ("consent_processing", "consent_publication", "consent_summary"),
}


def attach_file(database: Database, store: Any, application_id: int, data: bytes, now: datetime):
    """As the upload page does: the file stored first, then attached in the write."""
    import io

    from prize.domain.applicants import attachments
    from prize.models import Application
    from prize.storage import DB_CHUNK

    stored = attachments.store_upload(source=io.BytesIO(data), store=store, max_bytes=DB_CHUNK)
    with database.write() as session:
        return attachments.attach(
            session=session,
            application=session.get_one(Application, application_id),
            stored=stored,
            filename="report.pdf",
            store=store,
            max_files=5,
            now=now,
        )
