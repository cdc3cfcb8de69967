"""The steps every piece of demo data is built from, each through the domain functions as real
use takes it: an edition created and opened, an applicant's application started, filled, given
files and submitted, jurors added and invited, a juror onboarded. Used by the demo's editions
and by the benchmarks' data (``bench/scenarios.py``)."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypedDict

from sqlmodel import Session

from prize.db import Database
from prize.demo.pdf import pdf
from prize.domain import transitions
from prize.domain.applicants import applications, attachments, drafts, submissions
from prize.domain.applicants import links as application_links
from prize.domain.editions import editions
from prize.domain.jury import conflicts, jurors, panel
from prize.domain.jury import links as juror_links
from prize.domain.jury.jurors import JurorData
from prize.domain.shared import audit
from prize.models import Application, Edition, EditionState, Juror, pk
from prize.settings import Settings
from prize.storage import FolderStore, Store
from prize.tokens import Signer

DEMO_EMAIL = "secretariat@example.org"
DEMO_PASSWORD = "demo-secretariat-2027"  # printed by `prize demo`; the demo is local only  # nosec B105: the demo's published sign-in, printed by `prize demo`, local only


@dataclass
class DemoReport:
    """What `prize demo` prints so that a newcomer can try every part at once."""

    login_email: str = DEMO_EMAIL
    login_password: str = DEMO_PASSWORD
    links: list[tuple[str, str]] = field(default_factory=list)  # (label, path)


MAIL_DOMAIN = "example.org"


@dataclass(frozen=True)
class Links:
    """The signer and the link makers for applicants' and jurors' e-mails."""

    signer: Signer
    applications: application_links.LinkMaker
    ballots: juror_links.BallotLinks


def links(settings: Settings, *, now: datetime) -> Links:
    """Links made at ``now``, the instant the demo is built at (the real time, but for tests)."""
    signer = Signer(settings.verifying_keys, clock=lambda: now)
    return Links(
        signer=signer,
        applications=application_links.LinkMaker(signer, settings.base_url, MAIL_DOMAIN),
        ballots=juror_links.BallotLinks(signer, settings.base_url, MAIL_DOMAIN),
    )


def open_edition(
    *,
    database: Database,
    now: datetime,
    opened: datetime | None = None,
    actor: audit.Actor = audit.SYSTEM,
    **fields: Any,
) -> int:
    """Create an edition at ``now`` (``fields`` as ``editions.create_edition`` takes them) and
    open its call at ``opened`` (``now`` unless given); return its id."""
    with database.write() as session:
        edition = editions.create_edition(session=session, actor=actor, now=now, **fields)
        transitions.move(
            session=session,
            edition=edition,
            to=EditionState.open,
            actor=actor,
            now=opened or now,
        )
        return pk(edition)


class EditionDates(TypedDict):
    opens_at: datetime
    deadline: datetime
    shortlist_closes_at: datetime
    final_closes_at: datetime
    announce_at: datetime


def first_round_dates(now: datetime) -> EditionDates:
    """The dates of an edition (as ``editions.create_edition`` takes them) whose call opened about
    100 days before ``now`` and closed 40 days before, and whose first round closes in two
    weeks: the sample jury's and the benchmarks' ballots."""
    return {
        "opens_at": now - timedelta(days=101),
        "deadline": now - timedelta(days=40),
        "shortlist_closes_at": now + timedelta(days=14),
        "final_closes_at": now + timedelta(days=45),
        "announce_at": now + timedelta(days=60),
    }


def application_form(*, email: str, participation: str, **fields: Any) -> dict[str, Any]:
    """Every field of the application form, as a sample applicant fills it: ``fields`` (title,
    organisation, countries, numbers, dates, texts) over sample defaults, and every area of
    involvement described as ``participation``."""
    return {
        "still_running": True,
        "end_date": None,
        "applicant_name": "Sample Applicant",
        "address": "1 Sample Street, Sample Town",
        "phone": "+33 3 88 00 00 00",
        "contact_email": email,
        "website": "https://example.org/projects",
        "social_links": "",
        "contact_person": "Sample Contact",
        "contact_person_email": email,
        "participation": participation,
        "involvement": {
            area: {"involved": True, "how": participation} for area in drafts.INVOLVEMENT_AREAS
        },
        "links": [],
        "consent_processing": True,
        "consent_publication": True,
        "consent_summary": True,
        **fields,
    }


def apply(
    *,
    session: Session,
    edition: Edition,
    settings: Settings,
    links: application_links.LinkMaker,
    email: str,
    language: str,
    values: dict[str, Any],
    client: str,
    now: datetime,
    saved: datetime | None = None,
    files: Sequence[tuple[str, bytes]] = (),
    submitted: datetime | None = None,
) -> Application:
    """An applicant's steps: start an application at ``now`` (its link is e-mailed, and opened,
    which confirms the address), save the form's ``values`` as a draft at ``saved``, attach
    ``files`` (name, content), and submit at ``submitted`` if given (else it stays a draft)."""
    application = applications.start(
        session=session,
        edition=edition,
        email=email,
        title=values["title"],
        language=language,
        links=links,
        client=client,
        now=now,
    ).application
    applications.confirm_email(session=session, application=application, now=now)
    saved = saved or now
    drafts.save_draft(session=session, application=application, values=values, now=saved)
    for filename, content in files:
        attachments.add(
            session=session,
            application=application,
            source=io.BytesIO(content),
            filename=filename,
            store=FolderStore(settings.storage_dir),
            max_bytes=settings.max_upload_bytes,
            max_files=settings.max_uploads,
            now=saved,
        )
    if submitted is not None:
        submissions.submit(
            session=session,
            application=application,
            links=links,
            store=FolderStore(settings.storage_dir),
            now=submitted,
        )
    return application


def invite_jurors(
    *,
    session: Session,
    edition: Edition,
    people: Iterable[JurorData],
    links: juror_links.BallotLinks,
    now: datetime,
    actor: audit.Actor = audit.SYSTEM,
    store: Store,
) -> list[Juror]:
    """Add each of ``people`` to the edition's jury and e-mail them their invitation (a minor
    once their guardian's signed consent form is uploaded)."""
    added = []
    for data in people:
        juror = jurors.add_juror(session=session, actor=actor, now=now, edition=edition, data=data)
        if jurors.is_minor(juror, now):
            jurors.attach_guardian_form(
                session=session,
                actor=actor,
                now=now,
                juror=juror,
                stored=attachments.store_upload(
                    source=io.BytesIO(_consent_form(data.guardian_name)),
                    store=store,
                    max_bytes=1024 * 1024,
                ),
                filename="signed-consent.pdf",
                store=store,
            )
        juror_links.invite(session=session, actor=actor, now=now, juror=juror, links=links)
        added.append(juror)
    return added


def _consent_form(guardian: str) -> bytes:
    """A one-page PDF standing for a guardian's signed consent form (invented, as the demo is)."""
    line = f"Consent of {guardian}".encode("latin-1", "replace").replace(b"(", b"[")
    line = line.replace(b")", b"]")
    stream = b"BT /F1 14 Tf 30 100 Td (" + line + b") Tj ET"
    return pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>",
            b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ]
    )


def onboard(
    *,
    session: Session,
    edition: Edition,
    juror: Juror,
    now: datetime,
    declarations: dict[int, str] | None = None,
) -> None:
    """The juror confirms their name, accepts the pledge and declares their conflicts
    (application id -> reason; none if empty)."""
    panel.welcome(session=session, juror=juror, now=now, first_name=juror.first_name, pledge=True)
    conflicts.declare_conflicts(
        session=session,
        now=now,
        juror=juror,
        edition=edition,
        declarations=declarations or {},
        none=not declarations,
    )
