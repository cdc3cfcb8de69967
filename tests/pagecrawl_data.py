"""The data the page crawl reads: an edition in every state, applicants, jurors at every step,
staff accounts; built once per test module through the domain functions and the test helpers.

The clock stands at ``NOW`` (1 March 2027, 10:00 UTC). Editions by year:

    2028 draft          being set up (three criteria)
    2027 open           the current call: a draft (with a file) and a submitted application
    2026 screening      applications in every status; a juror invited before the rounds
    2025 shortlisting   the first round open: jurors at each step (welcome, conflicts, scoring,
                        submitted), a minor without consent, a revoked and a replaced juror
    2024 final          the final round open; a juror with a draft final ballot
    2023 decided        winners, nominated, a special mention (not yet public)
    2022 published      public results with a correction
    2021 archived       results recorded without ballots
    2019 shortlisting   the first round closed (a juror waits, ballot submitted)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import Session, col, select

from prize.db import Database
from prize.domain import transitions
from prize.domain.applicants import drafts, reminders, submissions
from prize.domain.editions import editions
from prize.domain.editions.criteria import CriterionSpec, criteria_of
from prize.domain.results import published
from prize.domain.screening import screening
from prize.domain.screening.screening import Outcome
from prize.domain.shared import audit
from prize.models import (
    ActorKind,
    Application,
    ApplicationStatus,
    Edition,
    EditionState,
    Juror,
    OutboxMessage,
    OutboxStatus,
    Staff,
    StaffRole,
    pk,
)
from prize.storage import FolderStore
from prize.tokens import Purpose
from tests import factories, jury_factories
from tests.appkit import make_signer
from tests.applykit import CALL_DEADLINE, content_values, make_call, screening_pair
from tests.staffkit import make_staff

NOW = datetime(2027, 3, 1, 10, 0, tzinfo=UTC)
OFFICER = audit.Actor(ActorKind.staff, None)
SIGNER = make_signer(lambda: NOW)


@dataclass
class CrawlData:
    """Ids, references and link paths the crawl visits."""

    apps: dict[str, int] = field(default_factory=dict)  # applications by role
    refs: dict[str, str] = field(default_factory=dict)  # references (EDPP-...) by role
    files: dict[str, int] = field(default_factory=dict)  # attachment ids by role
    jurors: dict[str, int] = field(default_factory=dict)  # jurors by role
    links: dict[str, str] = field(default_factory=dict)  # link paths by role
    criteria: dict[str, int] = field(default_factory=dict)
    receipts: dict[str, str] = field(default_factory=dict)
    editions: dict[int, int] = field(default_factory=dict)  # real edition ids by year
    messages: dict[str, int] = field(default_factory=dict)  # outbox message ids by role


def apply_link(application: Application, version: int | None = None) -> str:
    assert application.id is not None
    token = SIGNER.dumps(
        Purpose.application,
        application.id,
        application.link_version if version is None else version,
        application.link_secret,
    )
    return f"/apply/link/{token}"


def ballot_link(juror: Juror, version: int | None = None) -> str:
    assert juror.id is not None
    token = SIGNER.dumps(
        Purpose.ballot,
        juror.id,
        juror.link_version if version is None else version,
        juror.link_secret,
    )
    return f"/ballot/link/{token}"


def build(database: Database, storage_dir: Path) -> CrawlData:
    data = CrawlData()
    make_staff(database, NOW)
    make_staff(database, NOW, email="adviser@example.org", role="adviser")
    # The reset link's account: each browser context signs the officer out at its end, which
    # ends the officer's links too.
    forgetful = make_staff(database, NOW, email="forgetful@example.org")
    _staff(database, data, forgetful.id)
    _draft_2028(database, data)
    _open_2027(database, data, storage_dir)
    _screening_2026(database, data, storage_dir)
    from tests import pagecrawl_jury as jury_data  # it builds on this module

    jury_data.shortlisting_2025(database, data)
    with database.write() as session:
        jury_data.final_2024(session, data)
        jury_data.decided(session, data, year=2023, key="decided")
        jury_data.decided(session, data, year=2022, key="published")
        edition = editions.get_by_year(session=session, year=2022)
        transitions.publish(session=session, edition=edition, actor=OFFICER, now=NOW)
        published.add_note(
            session=session,
            edition=edition,
            text="The title of Project C was corrected.",
            actor=OFFICER,
            now=NOW,
        )
        jury_data.archived_2021(session)
        jury_data.closed_round_2019(session, data)
        data.messages["failed"] = _failed_message(session)
        _rehearsal_2027(session)
        data.editions = {
            e.year: e.id for e in editions.all_editions(session=session) if not e.rehearsal
        }
    return data


# --------------------------------------------------------------------------- staff


def _staff(database: Database, data: CrawlData, forgetful_id: int | None) -> None:
    from prize.domain.staff import staff

    with database.write() as session:
        mailer = staff.Mailer(signer=SIGNER, link=lambda t: f"http://testserver/r/{t}")
        invited = staff.invite_staff(
            session=session,
            actor=audit.SYSTEM,
            mailer=mailer,
            now=NOW,
            email="newcomer@example.org",
            name="New Colleague",
            role=StaffRole.secretariat,
        )
        forgetful = session.get(Staff, forgetful_id)
        assert forgetful is not None and forgetful.id is not None and invited.id is not None
        data.links["staff_reset"] = "/secretariat/reset/" + SIGNER.dumps(
            Purpose.password_reset, forgetful.id, 1, forgetful.link_secret
        )
        data.links["staff_invited"] = "/secretariat/reset/" + SIGNER.dumps(
            Purpose.password_reset, invited.id, invited.session_version, invited.link_secret
        )


def _failed_message(session: Session) -> int:
    """One e-mail that kept failing, as the outbox shows it (its id)."""
    message = session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).first()
    assert message is not None
    message.status = OutboxStatus.failed
    message.attempts = 8
    message.last_error = "550 mailbox unavailable"
    session.add(message)
    return pk(message)


def _rehearsal_2027(session: Session) -> None:
    """A rehearsal beside the open call of 2027, a draft, one address listed for its e-mails."""
    editions.create_edition(
        session=session,
        actor=OFFICER,
        now=NOW,
        year=2027,
        title_en="Rehearsal 2027",
        title_fr="Répétition 2027",
        opens_at=datetime(2027, 1, 1, tzinfo=UTC),
        deadline=datetime(2027, 6, 30, 20, tzinfo=UTC),
        rehearsal=True,
        rehearsal_recipients=["tester@example.org"],
    )


# --------------------------------------------------------------------------- the call


def _draft_2028(database: Database, data: CrawlData) -> None:
    with database.write() as session:
        edition = editions.create_edition(
            session=session,
            actor=OFFICER,
            now=NOW,
            year=2028,
            title_en="European Drug Prevention Prize 2028",
            title_fr="Prix européen de prévention des drogues 2028",
            opens_at=datetime(2028, 1, 1, tzinfo=UTC),
            deadline=datetime(2028, 6, 30, 20, tzinfo=UTC),
            criteria=[
                CriterionSpec("Innovation", "New ideas", name_fr="Innovation"),
                CriterionSpec("Youth participation", "Young people lead", name_fr="Participation"),
                CriterionSpec("Sustainability", "It lasts", name_fr="Durabilité", weight=2.0),
            ],
        )
        first = criteria_of(session=session, edition=edition)[0]
        assert first.id is not None
        data.criteria["draft"] = first.id


def _open_2027(database: Database, data: CrawlData, storage_dir: Path) -> None:
    from tests.applykit import link_maker, start_application

    make_call(database, NOW)
    draft = start_application(database, NOW, email="draft@example.org", title="Peer radio")
    sent = start_application(database, NOW, email="amra@example.org", language="en")
    with database.write() as session:
        draft = session.get_one(Application, draft.id)
        drafts.save_draft(
            session=session,
            application=draft,
            values={"organisation": "Radio Kids", "summary": "word " * 1100},  # over the limit
            now=NOW,
        )
        content = drafts.current_content(session=session, application=draft)
        assert content is not None
        made = factories.attachment(session=session, content=content, storage_dir=storage_dir)
        data.files["draft"] = made.id
        sent = session.get_one(Application, sent.id)
        drafts.save_draft(session=session, application=sent, values=content_values(), now=NOW)
        submissions.submit(
            session=session,
            application=sent,
            links=link_maker(clock=lambda: NOW),
            store=FolderStore(storage_dir),
            now=NOW,
        )
        for key, application in (("draft", draft), ("submitted", sent)):
            data.apps[key] = application.id
            data.links[f"apply_{key}"] = apply_link(application)
        data.refs["submitted"] = sent.reference or ""
        data.links["apply_revoked"] = apply_link(sent, version=sent.link_version - 1)
        # the e-mail a change of deadline sends the draft (the call's own dates stay)
        reminders.tell_deadline_changed(
            session=session,
            edition=session.get_one(Edition, draft.edition_id),
            before=CALL_DEADLINE + timedelta(days=7),
            now=NOW,
            links=link_maker(clock=lambda: NOW),
        )
        # and the e-mail closing the call early sends it (the state stays: only the e-mail)
        reminders.tell_call_closed_early(
            session=session,
            edition=session.get_one(Edition, draft.edition_id),
            deadline_was=CALL_DEADLINE + timedelta(days=7),
            now=NOW,
            mail_domain="prize.invalid",
        )


# --------------------------------------------------------------------------- screening


def _screening_2026(database: Database, data: CrawlData, storage_dir: Path) -> None:
    S = ApplicationStatus
    with database.write() as session:
        edition = factories.edition(
            session=session,
            year=2026,
            state=EditionState.screening,
            opens_at=datetime(2026, 1, 1, tzinfo=UTC),
            deadline=datetime(2026, 6, 30, 20, tzinfo=UTC),
        )
        submitted, french = screening_pair(
            session=session, edition=edition, storage_dir=storage_dir
        )
        made = {
            "screen_submitted": submitted,
            "screen_french": french,
            "screen_eligible": factories.application(
                session=session, edition=edition, title="Peer Street Work", countries=["IT"]
            ),
            "screen_ineligible": factories.application(
                session=session, edition=edition, title="Solo project", countries=["PL"]
            ),
            "screen_returned": factories.application(
                session=session, edition=edition, title="Open Gym Nights", countries=["BE"]
            ),
            "screen_withdrawn": factories.application(
                session=session, edition=edition, status=S.withdrawn, title="Withdrawn project"
            ),
            "screen_draft": factories.application(
                session=session, edition=edition, status=S.draft, title="Unfinished"
            ),
        }
        for outcome_key, outcome in (
            ("screen_eligible", Outcome(S.eligible)),
            (
                "screen_ineligible",
                Outcome(S.ineligible, reason_code="structure", note="One teacher runs it alone."),
            ),
            (
                "screen_returned",
                Outcome(
                    S.returned,
                    info_message="Please send the budget.",
                    info_due=NOW + timedelta(days=20),
                ),
            ),
        ):
            screening.screen(
                session=session,
                application=made[outcome_key],
                outcome=outcome,
                actor=OFFICER,
                now=NOW,
            )
        screening.set_translation(
            session=session,
            application=made["screen_french"],
            texts={"title": "Friday Coffee", "summary": "Young volunteers meet over coffee."},
            actor=OFFICER,
            now=NOW,
        )
        for key, application in made.items():
            data.apps[key] = application.id
            data.links[f"apply_{key}"] = apply_link(application)
        attachment = session.exec(
            select(factories.Attachment).order_by(col(factories.Attachment.id).desc())
        ).first()
        assert attachment is not None
        data.files["screen_submitted"] = attachment.id
        waiting = jury_factories.juror(
            session=session, edition=edition, email="early@example.org", onboarded=True, now=NOW
        )
        data.jurors["before_rounds"] = waiting.id
        data.links["ballot_before_rounds"] = ballot_link(waiting)
