"""Jurors' links (invite, resend, revoke, reissue), replacement, conflicts, the e-mails when a
round opens and reminders, on SQLite and PostgreSQL. Shares its helpers with test_jury_jurors."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import func, select

from prize.domain import transitions
from prize.domain.errors import DomainError, NotAllowed
from prize.domain.jury import ballots, conflicts, jurors, panel, scoring
from prize.domain.jury import links as juror_links
from prize.domain.results import tally_input
from prize.domain.shared import audit
from prize.models import (
    AuditEvent,
    Ballot,
    BallotStatus,
    EditionState,
    Juror,
    Round,
)
from tests import jury_factories
from tests.appkit import csrf_of
from tests.jury_factories import NOW, add_juror, invite, juror_data, outbox_of

# --------------------------------------------------------------------------- links


def test_invitation_emails_a_signed_ballot_link(db):
    made = jury_factories.make(db)
    juror = invite(db, add_juror(db, made, juror_data()))
    (mail,) = outbox_of(db, "juror_invitation")
    assert mail.recipient == "lena.novak@example.org"
    assert mail.message_id.endswith("@example.org>")
    (link,) = jury_factories.links_in(mail.body)
    with db.read() as session:
        opened = juror_links.juror_for_token(
            session=session,
            signer=jury_factories.signer(),
            token=link.rsplit("/", 1)[1],
            now=NOW,
        )
    assert opened.id == juror.id
    with pytest.raises(DomainError, match="invited already"):
        invite(db, juror)


def test_resend_revoke_and_reissue(db):
    made = jury_factories.make(db)
    juror = invite(db, add_juror(db, made, juror_data()))

    def act(fn, **kw):
        with db.write() as session:
            return fn(
                session=session,
                actor=audit.SYSTEM,
                now=NOW,
                juror=session.get_one(Juror, juror.id),
                **kw,
            )

    act(juror_links.resend, links=jury_factories.links())
    assert len(outbox_of(db, "juror_link")) == 1
    revoked = act(juror_links.revoke, reason="Lost phone")
    assert (revoked.link_version, revoked.revoked_at) == (2, NOW)
    assert act(juror_links.revoke).link_version == 2  # a second click changes nothing
    with pytest.raises(NotAllowed, match="revoked"):
        act(juror_links.resend, links=jury_factories.links())
    fresh = act(juror_links.reissue, links=jury_factories.links())
    assert (fresh.link_version, fresh.revoked_at) == (3, None)
    mails = outbox_of(db, "juror_link")
    assert len(mails) == 2
    assert jury_factories.links_in(mails[1].body) != jury_factories.links_in(mails[0].body)


def test_resend_and_reissue_need_an_invitation_first(db):
    made = jury_factories.make(db)
    juror = add_juror(db, made, juror_data())
    for fn in (juror_links.resend, juror_links.reissue):
        with pytest.raises(NotAllowed, match="Invite this juror first"), db.write() as session:
            fn(
                session=session,
                actor=audit.SYSTEM,
                now=NOW,
                juror=session.get_one(Juror, juror.id),
                links=jury_factories.links(),
            )


def test_no_link_after_the_final_round_closed(db):
    made = jury_factories.make(db)
    juror = add_juror(db, made, juror_data())
    with pytest.raises(NotAllowed, match="final round has closed"):
        invite(db, juror, jury_factories.FINAL_CLOSES)


def test_replacing_a_juror_during_a_round(db):
    made = jury_factories.make(db)
    with db.write() as session:
        old = jury_factories.juror(session=session, edition=made.edition, onboarded=True)
    with db.write() as session:
        for app in made.applications:
            scoring.save_entry(
                session=session,
                juror=session.get_one(Juror, old.id),
                now=NOW,
                application_id=app.id,
                scores={c.id: 4 for c in made.criteria},
            )
        scoring.submit(session=session, juror=session.get_one(Juror, old.id), now=NOW)
    with db.write() as session:
        new = juror_links.replace(
            session=session,
            actor=audit.SYSTEM,
            now=NOW,
            juror=session.get_one(Juror, old.id),
            data=juror_data(email="new@example.org", first_name="Nina"),
            links=jury_factories.links(),
            reason="Moved abroad",
        )
    with db.read() as session:
        gone = session.get_one(Juror, old.id)
        counted = ballots.counted_ballots(
            session=session, edition=made.edition, round_=Round.shortlist
        )
        event = session.exec(select(AuditEvent).where(AuditEvent.kind == "juror.replaced")).one()
    assert (gone.active, gone.link_version, gone.revoked_at) == (False, 2, NOW)
    assert (new.replaces_id, new.invited_at) == (old.id, NOW)
    assert [c.juror_id for c in counted] == [old.id]  # their submitted ballot still counts
    assert event.reason == "Moved abroad"
    (mail,) = [m for m in outbox_of(db, "juror_invitation") if m.recipient == "new@example.org"]
    assert jury_factories.links_in(mail.body)
    with pytest.raises(NotAllowed, match="replaced already"), db.write() as session:
        juror_links.replace(
            session=session,
            actor=audit.SYSTEM,
            now=NOW,
            juror=session.get_one(Juror, old.id),
            data=juror_data(email="third@example.org"),
            links=jury_factories.links(),
        )


def test_a_replaced_jurors_submitted_ballot_counts_and_their_draft_can_no_longer_be_submitted(
    juror_client, sqlite_db, clock, jury
):
    """Omar submitted his ballot, then was replaced: it still counts. Lena, whose link opened
    this browser's ballot session, had a complete draft: once she is replaced, her link and her
    session are refused, and submitting stores nothing."""
    apps, criteria = jury.applications, jury.criteria
    with sqlite_db.write() as session:
        lena = session.get_one(Juror, jury.jurors[0].id)
        lena.name_confirmed_at = lena.pledge_accepted_at = lena.conflicts_declared_at = clock()
        omar = jury_factories.juror(
            session=session,
            edition=jury.edition,
            email="omar@example.org",
            first_name="Omar",
            onboarded=True,
        )
        for person, marks in ((omar, (8, 6, 4)), (lena, (2, 4, 10))):
            for app, mark in zip(apps, marks, strict=True):
                scoring.save_entry(
                    session=session,
                    juror=person,
                    now=clock(),
                    application_id=app.id,
                    scores=dict.fromkeys((c.id for c in criteria), mark),
                )
        scoring.submit(session=session, juror=omar, now=clock())
    lena_link = jury_factories.link_path(lena)
    review = juror_client.get("/ballot/submit")
    assert "Submit my ballot" in review.text  # her draft is complete: it could be submitted
    token = csrf_of(juror_client, "/ballot/submit")
    for person, email in ((omar, "nina@example.org"), (lena, "jonas@example.org")):
        with sqlite_db.write() as session:
            juror_links.replace(
                session=session,
                actor=audit.SYSTEM,
                now=clock(),
                juror=session.get_one(Juror, person.id),
                data=juror_data(email=email),
                links=jury_factories.links(),
            )

    refused = juror_client.post("/ballot/submit", data={"csrf_token": token})
    assert refused.status_code == 410
    assert "This link is no longer valid" in refused.text
    reopened = juror_client.get(lena_link)
    assert reopened.status_code == 410
    assert "This link is no longer valid" in reopened.text
    with sqlite_db.read() as session:
        ballot = session.exec(select(Ballot).where(Ballot.juror_id == lena.id)).one()
        result = tally_input.tally_of(session=session, edition=jury.edition, round_=Round.shortlist)
    assert (ballot.status, ballot.receipt_code, ballot.submitted_at) == (
        BallotStatus.draft,
        None,
        None,
    )
    assert [m.recipient for m in outbox_of(sqlite_db, "ballot_receipt")] == ["omar@example.org"]
    # The tally counts Omar's ballot alone: his marks 8, 6, 4, each the only ballot score of its
    # project (normalising him onto a round that is his ballot alone changes nothing). Lena's
    # draft counted would have made them 5, 5, 7.
    assert result.counted_ballots == 1
    assert {j.juror: j.submitted for j in result.jurors} == {omar.id: True, lena.id: False}
    assert {e.application: (e.score, e.ballots) for e in result.ranking} == {
        apps[0].id: (pytest.approx(8.0), 1),
        apps[1].id: (pytest.approx(6.0), 1),
        apps[2].id: (pytest.approx(4.0), 1),
    }


def test_replacement_who_is_a_minor_needs_consent_and_nothing_changes(db):
    made = jury_factories.make(db)
    with db.write() as session:
        old = jury_factories.juror(session=session, edition=made.edition)
    with pytest.raises(DomainError) as refused, db.write() as session:
        juror_links.replace(
            session=session,
            actor=audit.SYSTEM,
            now=NOW,
            juror=session.get_one(Juror, old.id),
            data=juror_data(email="young@example.org", birth_date=date(2011, 1, 1)),
            links=jury_factories.links(),
        )
    assert refused.value.field == "guardian_name"
    with db.read() as session:
        assert session.get_one(Juror, old.id).active is True
        assert session.exec(select(func.count()).select_from(Juror)).one() == 1


# --------------------------------------------------------------------------- conflicts


def test_secretariat_records_a_conflict_with_a_reason_once(db):
    made = jury_factories.make(db)
    with db.write() as session:
        juror = jury_factories.juror(session=session, edition=made.edition)

    def record(reason: str):
        with db.write() as session:
            return conflicts.record_conflict(
                session=session,
                actor=audit.SYSTEM,
                now=NOW,
                juror=session.get_one(Juror, juror.id),
                application=made.applications[1],
                reason=reason,
            )

    with pytest.raises(DomainError) as refused:
        record("  ")
    assert refused.value.field == "reason"
    record("Her brother runs it")
    with pytest.raises(DomainError, match="recorded already"):
        record("Again")


def test_conflict_suggestions_follow_the_jurors_country(db):
    made = jury_factories.make(db, applications=4)  # countries BA, IL, PT, HR+SI
    with db.write() as session:
        slovene = jury_factories.juror(session=session, edition=made.edition, country="SI")
        jury_factories.juror(session=session, edition=made.edition, country="AT")
    with db.read() as session:
        found = conflicts.suggestions(
            session=session,
            edition=made.edition,
            jurors=jurors.jurors_of(session=session, edition=made.edition),
        )
    assert list(found) == [slovene.id]
    assert [s.application.id for s in found[slovene.id]] == [made.applications[3].id]


def test_juror_declares_conflicts_or_none(db):
    made = jury_factories.make(db)
    with db.write() as session:
        juror = jury_factories.juror(session=session, edition=made.edition)

    def declare(declarations, none):
        with db.write() as session:
            return conflicts.declare_conflicts(
                session=session,
                now=NOW,
                juror=session.get_one(Juror, juror.id),
                edition=made.edition,
                declarations=declarations,
                none=none,
            )

    with pytest.raises(DomainError, match="confirm that you have none"):
        declare({}, False)
    with pytest.raises(DomainError, match="choose one or the other"):
        declare({made.applications[0].id: "Friend"}, True)
    with pytest.raises(DomainError) as refused:
        declare({made.applications[0].id: " "}, False)
    assert refused.value.field == f"reason-{made.applications[0].id}"
    added = declare({made.applications[0].id: "My school runs it"}, False)
    assert [c.declared_by.value for c in added] == ["juror"]
    with db.read() as session:
        assert session.get_one(Juror, juror.id).conflicts_declared_at == NOW


# --------------------------------------------------------------------------- the round opens


def test_opening_a_round_emails_the_invited_jurors(db):
    made = jury_factories.make(db, state=EditionState.screening)
    with db.write() as session:
        jury_factories.juror(session=session, edition=made.edition, email="in@example.org")
        jury_factories.juror(
            session=session, edition=made.edition, email="out@example.org", invited=False
        )
    with db.write() as session:
        edition = session.merge(made.edition)
        transitions.move(
            session=session,
            edition=edition,
            to=EditionState.shortlisting,
            actor=audit.SYSTEM,
            now=NOW,
        )
    mails = outbox_of(db, "ballot_round_open")
    assert [m.recipient for m in mails] == ["in@example.org"]
    assert "The first round of the jury is open" in mails[0].body


def test_reminders_go_to_unfinished_jurors_once(db):
    made = jury_factories.make(db)
    with db.write() as session:
        done = jury_factories.juror(
            session=session, edition=made.edition, onboarded=True, email="done@example.org"
        )
        jury_factories.juror(session=session, edition=made.edition, email="late@example.org")
        jury_factories.juror(
            session=session, edition=made.edition, email="new@example.org", invited=False
        )
        for app in made.applications:
            scoring.save_entry(
                session=session,
                juror=done,
                now=NOW,
                application_id=app.id,
                scores={c.id: 5 for c in made.criteria},
            )
        scoring.submit(session=session, juror=done, now=NOW)

    def remind():
        with db.write() as session:
            return panel.remind(
                session=session,
                actor=audit.SYSTEM,
                now=NOW,
                edition=session.merge(made.edition),
                links=jury_factories.links(),
            )

    first = remind()
    second = remind()
    assert [j.email for j in first.sent] == ["late@example.org"]
    assert (second.sent, [j.email for j in second.skipped]) == ([], ["late@example.org"])
    (mail,) = outbox_of(db, "juror_reminder")
    assert "Projects scored: 0 of 3." in mail.body
    assert jury_factories.links_in(mail.body)
