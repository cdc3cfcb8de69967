"""Every e-mail in the table of docs/design.md ("E-mail"), through the real SMTP server: its
subject, its recipient, its language, the secretariat's address at its end, and its links
opening the page they promise.

The messages come from the demo (the 2027 call, the sample jury, the 2016 story, all built with
the domain functions) and a few actions on top of it (a call closed early, whose submitted
applications are then returned for missing information); the rest of the table is covered where
noted in ``ELSEWHERE``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import Message
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import col, select
from starlette.testclient import TestClient

import prize
from prize import demo, schema
from prize.app import create_app
from prize.db import Database
from prize.demo import jury_sample, steps
from prize.domain import transitions
from prize.domain.applicants import applications, drafts, submissions
from prize.domain.jury import links as juror_links
from prize.domain.jury import panel
from prize.domain.screening import screening
from prize.domain.shared import audit, outbox
from prize.i18n import translations
from prize.models import (
    Application,
    ApplicationStatus,
    Edition,
    EditionState,
    Juror,
    OutboxMessage,
    pk,
)
from prize.settings import Settings
from tests.appkit import TEST_KEYS, Clock
from tests.basekit import free_port
from tests.mailkit import CONTACT, Inbox, body_of

ROOT = Path(prize.__file__).resolve().parents[1]
BASE = "http://testserver"
EARLY_YEAR = 2031  # the call closed early (no edition of the demo's has this year)

# kind -> its subject's message ids, in English (the French ones are their translations)
SUBJECTS = {
    "application_link": ("Your application link: %(title)s",),
    "application_links": ("Your application links",),
    "application_confirmation": ("Application received: %(reference)s",),
    "application_withdrawn": ("Application withdrawn: %(reference)s",),
    "screening_eligible": ("Your application %(ref)s is eligible",),
    "screening_ineligible": ("Your application %(ref)s is not eligible",),
    "screening_returned": ("Information is missing from your application %(ref)s",),
    "call_closed_early": ("The call for the %(prize)s has closed early",),
    "juror_invitation": ("Your ballot for the youth jury: %(title)s",),
    "juror_link": ("Your ballot link: %(title)s",),
    "ballot_round_open": (
        "The first round is open: %(title)s",
        "The final round is open: %(title)s",
    ),
    "juror_reminder": ("A reminder: your ballot for the %(title)s",),
    "ballot_receipt": ("Your ballot is submitted: receipt %(code)s",),
    "decision_winner": ("Confidential: %(ref)s is a winner of the %(prize)s",),
    "decision_nominated": ("Confidential: %(ref)s is nominated for the %(prize)s",),
    "shortlist_shortlisted": (
        "Confidential: %(ref)s is on the shortlist of the %(prize)s",
        "Good news: %(ref)s is on the shortlist of the %(prize)s",
    ),
    "shortlist_not_shortlisted": ("Your application %(ref)s to the %(prize)s",),
    "results_published": ("The results of the %(prize)s are published",),
    "juror_thanks": ("Thank you: the results of the %(prize)s are published",),
}
# kinds the table lists whose e-mail is tested in another module, with the same checks
ELSEWHERE = {
    "application_reminder": "tests/domain/applicants/test_reminders.py",
    "screening_late": "tests/domain/screening/test_screening.py",
    "ballot_reopened": "tests/domain/jury/test_scoring.py",
    "decision_special_mention": "tests/views/secretariat/test_decisions.py",
    "staff_invitation": "tests/views/secretariat/test_staff.py",
    "staff_password_reset": "tests/views/secretariat/test_login.py",
    "group_message": "tests/views/secretariat/test_write_to_group.py",
    "deadline_changed": "tests/views/secretariat/test_deadline_change.py",
}
# the page each kind of link opens (after the link is exchanged for a session)
LANDS = [
    (re.compile(r"/apply/link/"), re.compile(r"/apply/\d+(/tasks)?$")),  # a draft: its task list
    # a ballot link after publication opens its thank-you page where it stands
    (re.compile(r"/ballot/link/"), re.compile(r"/ballot(/welcome|/conflicts|/link/\S+)?$")),
    (re.compile(r"/editions/\d+/results/certificates/"), re.compile(r"/certificates/")),
    (re.compile(r"/editions/\d+/results$"), re.compile(r"/editions/\d+/results$")),
]


@dataclass
class World:
    database: Database
    settings: Settings
    clock: Clock
    inbox: Inbox


def _more_messages(database: Database, settings: Settings, now: datetime) -> None:
    """Messages the demo does not send: links asked again, a withdrawal, a juror's link resent,
    a reminder to the sample jury."""
    made = steps.links(settings, now=now)
    with database.write() as session:
        sample = session.exec(select(Edition).where(Edition.year == jury_sample.YEAR)).one()
        panel.remind(
            session=session, actor=audit.SYSTEM, now=now, edition=sample, links=made.ballots
        )
        juror = (
            session.exec(
                select(Juror).where(Juror.edition_id == sample.id, col(Juror.language) == "fr")
            ).first()
            or session.exec(select(Juror).where(Juror.edition_id == sample.id)).first()
        )
        assert juror is not None
        juror_links.resend(
            session=session, actor=audit.SYSTEM, now=now, juror=juror, links=made.ballots
        )
        submitted = session.exec(
            select(Application)
            .where(Application.status == ApplicationStatus.submitted)
            .order_by(col(Application.id).desc())
        ).first()
        assert submitted is not None
        open_call = session.get_one(Edition, submitted.edition_id)
        applications.resend_links(
            session=session,
            edition=open_call,
            email=submitted.email,
            links=made.applications,
            client="127.0.0.1",
            now=now,
        )
        submissions.withdraw(
            session=session, application=submitted, links=made.applications, now=now
        )
    _closed_early(database, settings, now)


def _closed_early(database: Database, settings: Settings, now: datetime) -> None:
    """A call of its own, closed before its deadline while drafts (in English and French) and a
    revision were not submitted; then its two submitted applications are returned for missing
    information (``screening_returned``, with its resume link)."""
    made = steps.links(settings, now=now)
    edition_id = steps.open_edition(
        database=database,
        now=now - timedelta(days=10),
        year=EARLY_YEAR,
        title_en=f"European Drug Prevention Prize {EARLY_YEAR}",
        title_fr=f"Prix européen de prévention des drogues {EARLY_YEAR}",
        opens_at=now - timedelta(days=10),
        deadline=now + timedelta(days=30),
        criteria=jury_sample.CRITERIA,
    )
    submitted = []
    for i, (language, submit) in enumerate(
        (("en", False), ("fr", False), ("en", True), ("fr", True))
    ):
        email = f"early-{i}@example.org"
        with database.write() as session:
            application = steps.apply(
                session=session,
                edition=session.get_one(Edition, edition_id),
                settings=settings,
                links=made.applications,
                email=email,
                language=language,
                values=steps.application_form(
                    email=email,
                    participation="Young people run the project.",
                    title=f"Early project {i}",
                    organisation="Sample association",
                    countries=["FR"],
                    young_people=20,
                    adults=2,
                    start_date=(now - timedelta(days=400)).date(),
                    goals="Prevent the misuse of alcohol among pupils.",
                    summary="Pupils lead workshops in their schools.",
                ),
                client=f"early-{i}",
                now=now - timedelta(days=5),
                submitted=now - timedelta(days=4) if submit else None,
            )
            if submit:
                submitted.append(pk(application))
    with database.write() as session:  # the French applicant starts changes, not resubmitted
        revising = session.get_one(Application, submitted[-1])
        drafts.save_draft(
            session=session,
            application=revising,
            values={"summary": "Pupils lead workshops in their schools and clubs."},
            now=now - timedelta(days=1),
        )
    with database.write() as session:
        transitions.move(
            session=session,
            edition=session.get_one(Edition, edition_id),
            to=EditionState.screening,
            actor=audit.SYSTEM,
            now=now,
            reason="The call's budget was cut",
            links=made.ballots,
        )
        for application_id in submitted:
            screening.screen(
                session=session,
                application=session.get_one(Application, application_id),
                outcome=screening.Outcome(
                    ApplicationStatus.returned,
                    info_message="The letter of support is missing.",
                    info_due=now + timedelta(days=14),
                ),
                actor=audit.SYSTEM,
                now=now,
                links=made.applications,
            )


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("every-email")
    url = f"sqlite:///{folder / 'demo.sqlite3'}"
    schema.upgrade(url)
    settings = Settings(
        database_url=url,
        secret_keys=TEST_KEYS,
        base_url=BASE,
        contact_email=CONTACT,
        storage_dir=folder / "storage",
        argon2_fast=True,
        demo=True,
    )
    clock = Clock()
    database = Database(url, audit_keys=settings.audit_chain_keys)
    demo.build(database=database, settings=settings, now=clock())
    _more_messages(database, settings, clock())
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        while outbox.deliver_due(
            database=database,
            smtp_url=f"smtp://127.0.0.1:{controller.port}",
            mail_from="European Drug Prevention Prize <prize@example.org>",
            contact=CONTACT,
            now=clock(),
        ).sent:
            pass
    finally:
        controller.stop()
    yield World(database, settings, clock, inbox)
    database.dispose()


def _row(world: World, kind: str, language: str) -> OutboxMessage | None:
    """The message of ``kind`` in ``language`` whose links should still open: the newest one,
    from the editions whose links are alive (not the published 2016 story) when there is one."""
    with world.database.read() as session:
        rows = session.exec(
            select(OutboxMessage, Edition.year)
            .join(Edition, col(OutboxMessage.edition_id) == col(Edition.id), isouter=True)
            .where(OutboxMessage.kind == kind, OutboxMessage.language == language)
            .order_by(col(OutboxMessage.id).desc())
        ).all()
    live = [m for m, year in rows if year != 2016]
    return (live or [m for m, _ in rows] or [None])[0]


def _received(world: World, row: OutboxMessage) -> Message:
    found = [m for m in world.inbox.messages if m["Message-ID"] == row.message_id]
    assert len(found) == 1, f"{row.kind} to {row.recipient} was not delivered once"
    return found[0]


def _subject_pattern(kind: str, language: str) -> re.Pattern[str]:
    """What the subject of ``kind`` reads in ``language``: its fixed words, anything for the
    parameters."""
    texts = [translations(language).gettext(msgid) for msgid in SUBJECTS[kind]]
    return re.compile("|".join(re.sub(r"%\\\(\w+\\\)s", ".+", re.escape(text)) for text in texts))


def _check(world: World, row: OutboxMessage) -> None:
    email = _received(world, row)
    text = body_of(email)
    language = row.language
    assert email["To"] == row.recipient
    subject = email["Subject"].strip()  # a folded header reads back with its fold's space
    assert subject == row.subject
    assert _subject_pattern(row.kind, language).fullmatch(subject), subject
    assert email["Content-Language"] == language
    assert email["Reply-To"] == CONTACT
    footer = translations(language).gettext(
        "A question? Write to the secretariat of the European Drug Prevention Prize at "
        "%(address)s, or reply to this e-mail."
    ) % {"address": CONTACT}
    assert text.rstrip().endswith(footer)
    app = create_app(world.settings, clock=world.clock, database=world.database)
    for url in re.findall(rf"{re.escape(BASE)}/\S+", text):
        with TestClient(app, follow_redirects=True) as reader:
            page = reader.get(url.removeprefix(BASE))
        assert page.status_code == 200, url
        expected = next(lands for link, lands in LANDS if link.search(url))
        assert expected.search(page.url.path), (url, page.url.path)


@pytest.mark.parametrize("kind", sorted(SUBJECTS))
def test_every_email_reaches_its_reader_in_their_language_with_working_links(
    world: World, kind: str
) -> None:
    rows = [row for language in ("en", "fr") if (row := _row(world, kind, language))]
    assert rows, f"the demo and its extra steps send no {kind}"
    for row in rows:
        _check(world, row)


def test_every_template_is_in_the_table_of_the_design_and_the_readme() -> None:
    templates = sorted(p.stem for p in (ROOT / "templates" / "mail").glob("[!_]*.txt"))
    for document in ("docs/design.md", "README.md"):
        listed = set(re.findall(r"^\| `(\w+)` \|", (ROOT / document).read_text(), re.M))
        assert sorted(listed & set(templates)) == templates, document


def test_every_template_is_tested_here_or_elsewhere() -> None:
    templates = {p.stem for p in (ROOT / "templates" / "mail").glob("[!_]*.txt")}
    assert templates == set(SUBJECTS) | set(ELSEWHERE)
    assert [module for module in ELSEWHERE.values() if not (ROOT / module).is_file()] == []


def test_the_demo_outbox_tells_the_2016_story_and_the_sample_jury(world: World) -> None:
    with world.database.read() as session:
        rows = session.exec(
            select(OutboxMessage.kind, Edition.year).join(
                Edition, col(OutboxMessage.edition_id) == col(Edition.id)
            )
        ).all()
    kinds = {(kind, year) for kind, year in rows}
    for kind in (
        "shortlist_shortlisted",
        "shortlist_not_shortlisted",
        "decision_winner",
        "results_published",
        "juror_thanks",
    ):
        assert (kind, 2016) in kinds, kind
    assert ("group_message", jury_sample.YEAR) in kinds
