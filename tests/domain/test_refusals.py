"""Refusals of the domain that had no test: what the person is told, and that nothing is stored.

Staff invitations sent again, ballot links for a replaced juror, replacing with a minor, declaring
conflicts, the last criterion, a special mention, reopening a ballot, a guardian's consent, a
conflict across editions, translations and late acceptance, on SQLite and PostgreSQL; and the
message asking for reasons, in French.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import col, func, select

from prize.domain.editions import criteria
from prize.domain.errors import DomainError, NotAllowed
from prize.domain.jury import conflicts, jurors, scoring
from prize.domain.jury import links as juror_links
from prize.domain.results import decisions
from prize.domain.screening import screening
from prize.domain.shared import audit
from prize.domain.staff import staff as staff_domain
from prize.i18n import gettext
from prize.models import (
    Application,
    ApplicationStatus,
    AuditEvent,
    Ballot,
    BallotStatus,
    Criterion,
    Decision,
    Edition,
    EditionState,
    Juror,
    Round,
    Staff,
    StaffRole,
)
from prize.models import Conflict as ConflictRow
from prize.security import Passwords
from tests import factories, jury_factories
from tests.appkit import make_signer

NOW = jury_factories.NOW


def _events(db, kind: str) -> int:
    with db.read() as session:
        return int(
            session.exec(
                select(func.count()).select_from(AuditEvent).where(AuditEvent.kind == kind)
            ).one()
        )


def _mails(db, kind: str) -> int:
    return len(jury_factories.outbox_of(db, kind))


# --------------------------------------------------------------------------- staff invitations


def _mailer() -> staff_domain.Mailer:
    return staff_domain.Mailer(make_signer(lambda: NOW), lambda token: f"http://testserver/{token}")


def _resend(db, staff_id: int | None) -> None:
    with db.write() as session:
        staff_domain.resend_invitation(
            session=session, actor=audit.SYSTEM, mailer=_mailer(), staff_id=staff_id or 0, now=NOW
        )


def test_resend_invitation_refused_once_a_password_is_set(db):
    with db.write() as session:
        officer = staff_domain.create_staff(
            session=session,
            passwords=Passwords(fast=True),
            actor=audit.SYSTEM,
            now=NOW,
            email="officer@example.org",
            password="seven blue lanterns glow",
        )
    with pytest.raises(NotAllowed) as refused:
        _resend(db, officer.id)
    assert str(refused.value) == "This person has already set a password."
    assert _mails(db, "staff_invitation") == 0
    assert _events(db, "staff.invitation_resent") == 0


def test_resend_invitation_refused_for_a_disabled_account(db):
    with db.write() as session:
        invited = staff_domain.invite_staff(
            session=session,
            actor=audit.SYSTEM,
            mailer=_mailer(),
            now=NOW,
            email="new@example.org",
            role=StaffRole.adviser,
        )
        boss = Staff(
            email="boss@example.org", role=StaffRole.secretariat, password_hash="x", created_at=NOW
        )
        session.add(boss)
        session.flush()
        staff_domain.disable(session=session, actor=boss, staff_id=invited.id or 0, now=NOW)
    with pytest.raises(NotAllowed) as refused:
        _resend(db, invited.id)
    assert str(refused.value) == "This account is disabled."
    assert _mails(db, "staff_invitation") == 1  # the first invitation only
    assert _events(db, "staff.invitation_resent") == 0


# --------------------------------------------------------------------------- ballot links


def _replace(db, old: Juror, **data):
    with db.write() as session:
        return juror_links.replace(
            session=session,
            actor=audit.SYSTEM,
            now=NOW,
            juror=session.get_one(Juror, old.id),
            data=jury_factories.juror_data(**data),
            links=jury_factories.links(),
        )


def test_a_replaced_juror_gets_no_link(db):
    made = jury_factories.make(db)
    old = jury_factories.invite(db, jury_factories.add_juror(db, made, jury_factories.juror_data()))
    _replace(db, old, email="nina@example.org", first_name="Nina")
    with pytest.raises(NotAllowed) as refused, db.write() as session:
        juror_links.reissue(
            session=session,
            actor=audit.SYSTEM,
            now=NOW,
            juror=session.get_one(Juror, old.id),
            links=jury_factories.links(),
        )
    assert str(refused.value) == "This juror was replaced: they can no longer get a link."
    assert _mails(db, "juror_link") == 0
    with db.read() as session:
        assert session.get_one(Juror, old.id).link_version == 2  # as the replacement left it


def test_replacing_with_a_minor_needs_the_guardians_consent(db):
    made = jury_factories.make(db)
    old = jury_factories.invite(db, jury_factories.add_juror(db, made, jury_factories.juror_data()))
    with pytest.raises(DomainError) as refused:
        _replace(db, old, email="young@example.org", birth_date=date(2012, 1, 1))
    assert str(refused.value) == (
        "This juror is under 18: give the guardian's name and the date of consent."
    )
    assert refused.value.field == "guardian_name"
    with db.read() as session:
        stored = list(session.exec(select(Juror).order_by(col(Juror.id))))
    assert [(j.email, j.active, j.revoked_at) for j in stored] == [
        ("lena.novak@example.org", True, None)
    ]
    assert _mails(db, "juror_invitation") == 1  # the first juror's only


# --------------------------------------------------------------------------- conflicts


def test_declaring_conflicts_and_none_at_once_is_refused(db):
    with db.write() as session:
        made = jury_factories.jury_edition(session=session)
        juror = jury_factories.juror(session=session, edition=made.edition)
    with pytest.raises(DomainError) as refused, db.write() as session:
        conflicts.declare_conflicts(
            session=session,
            now=NOW,
            juror=session.get_one(Juror, juror.id),
            edition=made.edition,
            declarations={made.applications[0].id: "My cousin runs it"},
            none=True,
        )
    assert str(refused.value) == (
        "You chose projects and also said you have no conflict: choose one or the other."
    )
    assert refused.value.field == "none"
    with db.read() as session:
        assert session.get_one(Juror, juror.id).conflicts_declared_at is None
    assert _events(db, "juror.conflicts_declared") == 0


# --------------------------------------------------------------------------- criteria, decisions


def test_the_last_criterion_of_an_open_call_stays(db):
    with db.write() as session:
        edition = factories.edition(session=session, state=EditionState.open)
        (only,) = session.exec(select(Criterion).where(Criterion.edition_id == edition.id))
    with pytest.raises(NotAllowed) as refused, db.write() as session:
        criteria.remove(
            session=session,
            actor=audit.SYSTEM,
            now=datetime(2026, 10, 1, tzinfo=UTC),
            edition=edition,
            criterion_id=only.id,
        )
    assert str(refused.value) == "The call is open: keep at least one criterion."
    with db.read() as session:
        kept = session.exec(select(Criterion).where(Criterion.edition_id == edition.id)).all()
    assert [c.id for c in kept] == [only.id]
    assert _events(db, "criterion.removed") == 0


def test_a_special_mention_goes_to_an_eligible_application(db):
    with db.write() as session:
        made = jury_factories.jury_edition(session=session, state=EditionState.final)
        jury_factories.shortlist(
            session=session, edition=made.edition, applications=made.applications[:2]
        )
        refused_app = factories.application(
            session=session, edition=made.edition, status=ApplicationStatus.ineligible
        )
    with pytest.raises(DomainError) as refused, db.write() as session:
        decisions.record_final(
            session=session,
            edition=session.get_one(Edition, made.edition.id),
            winner_ids=[made.applications[0].id],
            nominated_ids=[],
            special_mention_ids=[refused_app.id],
            actor=audit.SYSTEM,
            now=NOW,
        )
    assert str(refused.value) == "A special mention goes to an eligible application."
    assert refused.value.field == "special_mention"
    with db.read() as session:
        final = session.exec(select(Decision).where(Decision.stage == Round.final)).all()
    assert final == []
    assert _events(db, "final.confirmed") == 0
    assert _mails(db, "decision_special_mention") == 0


def test_reasons_missing_reads_in_the_readers_language() -> None:
    error = decisions.ReasonsMissing([4, 7])
    assert error.application_ids == [4, 7]
    assert error.field == "reasons"
    assert gettext("en", error.message) == (
        "Give a reason for each application you moved away from the proposal."
    )
    assert gettext("fr", error.message) == (
        "Indiquez un motif pour chaque candidature que vous avez modifiée par rapport à la "
        "proposition."
    )


# --------------------------------------------------------------------------- reopening a ballot


def _juror_with_ballot(db, *, submit: bool):
    made = jury_factories.make(db)
    with db.write() as session:
        juror = jury_factories.juror(session=session, edition=made.edition, onboarded=True)
    with db.write() as session:
        for app in made.applications:
            scoring.save_entry(
                session=session,
                juror=session.get_one(Juror, juror.id),
                now=NOW,
                application_id=app.id,
                scores={c.id: 4 for c in made.criteria},
            )
        if submit:
            scoring.submit(session=session, juror=session.get_one(Juror, juror.id), now=NOW)
    with db.read() as session:
        return session.exec(select(Ballot).where(Ballot.juror_id == juror.id)).one()


def _reopen(db, ballot: Ballot, when: datetime) -> None:
    with db.write() as session:
        scoring.reopen(
            session=session,
            actor=audit.SYSTEM,
            now=when,
            ballot=session.get_one(Ballot, ballot.id),
            reason="Asked by the juror",
        )


def test_a_draft_ballot_is_not_reopened(db):
    ballot = _juror_with_ballot(db, submit=False)
    with pytest.raises(DomainError) as refused:
        _reopen(db, ballot, NOW)
    assert str(refused.value) == "This ballot is not submitted: there is nothing to reopen."
    assert _events(db, "ballot.reopened") == 0
    assert _mails(db, "ballot_reopened") == 0


def test_a_ballot_is_not_reopened_after_its_round_closed(db):
    ballot = _juror_with_ballot(db, submit=True)
    with pytest.raises(NotAllowed) as refused:
        _reopen(db, ballot, jury_factories.SHORTLIST_CLOSES)
    assert str(refused.value) == "A ballot can be reopened only while its round is open."
    with db.read() as session:
        kept = session.get_one(Ballot, ballot.id)
    assert (kept.status, kept.receipt_code) == (BallotStatus.submitted, ballot.receipt_code)
    assert kept.receipt_code
    assert _mails(db, "ballot_reopened") == 0


# --------------------------------------------------------------------------- consent, conflicts


def _record_consent(db, juror: Juror, **given):
    with db.write() as session:
        return jurors.record_consent(
            session=session,
            actor=audit.SYSTEM,
            now=NOW,
            juror=session.get_one(Juror, juror.id),
            **{"guardian_name": "Ana Novak", "publish_name_consent": False, **given},
        )


def test_a_guardians_consent_cannot_come_before_the_birth(db):
    made = jury_factories.make(db)
    minor = jury_factories.add_juror(
        db, made, jury_factories.juror_data(birth_date=date(2012, 1, 1))
    )
    with pytest.raises(DomainError) as refused:
        _record_consent(db, minor, consent_on=date(2011, 6, 1))
    assert str(refused.value) == "The date of consent comes before the birth date."
    assert refused.value.field == "consent_on"
    with db.read() as session:
        kept = session.get_one(Juror, minor.id)
    assert (kept.guardian_name, kept.guardian_consent_at) == ("", None)
    assert _events(db, "juror.consent_recorded") == 0


def test_no_consent_is_recorded_for_an_erased_juror(db):
    made = jury_factories.make(db)
    juror = jury_factories.add_juror(db, made, jury_factories.juror_data())
    with db.write() as session:
        row = session.get_one(Juror, juror.id)
        row.erased_at = NOW
        session.add(row)
    with pytest.raises(NotAllowed) as refused:
        _record_consent(db, juror, consent_on=date(2027, 1, 5))
    assert str(refused.value) == "This juror's personal data was erased."
    with db.read() as session:
        assert session.get_one(Juror, juror.id).guardian_consent_at is None


def test_a_conflict_with_another_editions_application_is_refused(db):
    with db.write() as session:
        made = jury_factories.jury_edition(session=session)
        juror = jury_factories.juror(session=session, edition=made.edition)
        elsewhere = factories.edition(session=session, year=2025)
        stranger = factories.application(session=session, edition=elsewhere)
    with pytest.raises(DomainError) as refused, db.write() as session:
        conflicts.record_conflict(
            session=session,
            actor=audit.SYSTEM,
            now=NOW,
            juror=session.get_one(Juror, juror.id),
            application=session.get_one(Application, stranger.id),
            reason="Works there",
        )
    assert str(refused.value) == "This application is not part of the juror's edition."
    with db.read() as session:
        assert session.exec(select(ConflictRow)).all() == []
    assert _events(db, "conflict.recorded") == 0


# --------------------------------------------------------------------------- screening


def test_a_draft_is_not_translated_for_the_jury(db):
    with db.write() as session:
        edition = factories.edition(session=session, state=EditionState.screening)
        draft = factories.application(
            session=session, edition=edition, status=ApplicationStatus.draft
        )
    with pytest.raises(NotAllowed) as refused, db.write() as session:
        screening.set_translation(
            session=session,
            application=session.get_one(Application, draft.id),
            texts={"title": "Theatre between cities"},
            actor=audit.SYSTEM,
            now=NOW,
        )
    assert str(refused.value) == "Only submitted applications are translated for the jury."
    with db.read() as session:
        assert session.get_one(Application, draft.id).translation == {}
    assert _events(db, "application.translated") == 0


def test_a_submitted_application_is_not_accepted_late(db):
    with db.write() as session:
        edition = factories.edition(session=session, state=EditionState.screening)
        submitted = factories.application(session=session, edition=edition)
    with pytest.raises(DomainError) as refused, db.write() as session:
        screening.accept_late(
            session=session,
            application=session.get_one(Application, submitted.id),
            reason="The post office lost it",
            actor=audit.SYSTEM,
            now=NOW,
        )
    assert str(refused.value) == "This application is already submitted."
    with db.read() as session:
        assert session.get_one(Application, submitted.id).late_reason == ""
    assert _mails(db, "screening_late") == 0
