"""The applicant's rules in the domain, on SQLite and PostgreSQL: starting, drafts, submission
with gap-free references, revisions, the deadline by the server's clock and its exceptions,
withdrawal, deletion and deadline reminders."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, func, select

from prize.domain.applicants import applications, drafts, submissions
from prize.domain.errors import DomainError, NotAllowed, Throttled
from prize.domain.shared import audit
from prize.i18n import gettext
from prize.models import (
    Application,
    ApplicationContent,
    ApplicationStatus,
    AuditEvent,
    ContentKind,
    Edition,
    EditionState,
    OutboxMessage,
)
from prize.storage import FolderStore
from tests.applykit import (
    APPLICANT,
    CALL_DEADLINE,
    content_values,
    link_maker,
    links_in,
    make_call,
    start_application,
)


def save(db, application_id, now, **values):
    with db.write() as session:
        application = session.get_one(Application, application_id)
        return drafts.save_draft(session=session, application=application, values=values, now=now)


def submit(db, application_id, now, tmp_path):
    with db.write() as session:
        application = session.get_one(Application, application_id)
        return submissions.submit(
            session=session,
            application=application,
            links=link_maker(),
            store=FolderStore(tmp_path),
            now=now,
        )


def complete_draft(db, clock, **start):
    application = start_application(db, clock(), **start)
    save(db, application.id, clock(), **content_values())
    return application


def contents(db, application_id):
    with db.read() as session:
        rows = session.exec(
            select(ApplicationContent).where(ApplicationContent.application_id == application_id)
        ).all()
        return {row.kind: row for row in rows}


def mails(db, kind=None):
    with db.read() as session:
        query = select(OutboxMessage).order_by(col(OutboxMessage.id))
        if kind:
            query = query.where(OutboxMessage.kind == kind)
        return list(session.exec(query))


def edition_of(db):
    with db.read() as session:
        return session.exec(select(Edition)).one()


def set_edition(db, **changes):
    """Arrange an edition's state or dates directly (what the secretariat's pages would do)."""
    with db.write() as session:
        edition = session.exec(select(Edition)).one()
        for key, value in changes.items():
            setattr(edition, key, value)
        session.add(edition)


def set_application(db, application_id, **changes):
    with db.write() as session:
        application = session.get_one(Application, application_id)
        for key, value in changes.items():
            setattr(application, key, value)
        session.add(application)


# --------------------------------------------------------------------------- starting


def test_start_makes_a_draft_with_its_title_and_mails_the_link(db, clock):
    make_call(db, clock())
    application = start_application(db, clock(), email=" Applicant@Example.org ", language="fr")
    assert application.email == APPLICANT
    assert application.status is ApplicationStatus.draft
    assert contents(db, application.id)[ContentKind.draft].title == "Street theatre against drugs"
    [mail] = mails(db)
    assert mail.recipient == APPLICANT
    assert mail.language == "fr"
    assert "http://testserver/apply/link/" in mail.body
    assert links_in(mail.body) == [(application.id, 1)]
    with db.read() as session:
        event = session.exec(
            select(AuditEvent).where(AuditEvent.kind == "application.started")
        ).one()
        assert (event.actor_kind.value, event.actor_id) == ("applicant", application.id)
        assert APPLICANT not in str(event.data)


@pytest.mark.parametrize(
    ("email", "title", "field", "message"),
    [
        ("", "A title", "email", "Enter your e-mail address."),
        ("not-an-address", "A title", "email", "Enter an e-mail address like name@example.org."),
        (APPLICANT, "   ", "title", "Enter your project's title."),
    ],
)
def test_start_refuses_malformed_input_next_to_its_field(db, clock, email, title, field, message):
    make_call(db, clock())
    with pytest.raises(DomainError) as refused:
        start_application(db, clock(), email=email, title=title)
    assert (refused.value.field, refused.value.message.msgid) == (field, message)
    assert mails(db) == []


def test_start_is_refused_after_the_deadline_by_the_server_clock(db, clock):
    make_call(db, clock())
    clock.set(CALL_DEADLINE)
    with pytest.raises(NotAllowed, match="not being accepted"):
        start_application(db, clock())


def test_start_without_an_open_call_is_refused_before_what_was_typed_is_read(db, clock):
    with pytest.raises(NotAllowed) as refused, db.write() as session:
        applications.start(
            session=session,
            edition=None,
            email="",
            title="",
            language="en",
            links=link_maker(),
            client="192.0.2.1",
            now=clock(),
        )
    assert str(refused.value) == "Applications are not being accepted at the moment."
    assert mails(db) == []


def test_mail_sending_forms_are_limited_per_address_and_per_client(db, clock):
    make_call(db, clock())
    for n in range(applications.MAIL_PER_ADDRESS):
        start_application(db, clock(), title=f"Project {n}")
    with pytest.raises(Throttled) as refused:
        start_application(db, clock(), client="198.51.100.7", title="One more")
    assert "Too many e-mails were sent to this address" in str(refused.value)
    # Another address from the same client goes on until the client's own limit.
    for i in range(applications.MAIL_PER_CLIENT - applications.MAIL_PER_ADDRESS):
        start_application(db, clock(), email=f"other{i}@example.org")
    with pytest.raises(Throttled) as refused:
        start_application(db, clock(), email="fresh@example.org")
    assert "from your connection" in str(refused.value)
    # Waiting helps: the window slides.
    clock.advance(hours=1, seconds=1)
    start_application(db, clock(), email="fresh@example.org")


# --------------------------------------------------------------------------- resending


def test_resend_mails_every_current_link_of_the_address_and_revokes_nothing(db, clock):
    make_call(db, clock())
    first = start_application(db, clock(), title="First project")
    second = start_application(db, clock(), title="Second project")
    with db.write() as session:
        found = applications.resend_links(
            session=session,
            edition=edition_of(db),
            email=APPLICANT.upper(),
            links=link_maker(),
            client="192.0.2.9",
            now=clock(),
        )
    assert found == 2
    [mail] = mails(db, "application_links")
    assert "First project" in mail.body and "Second project" in mail.body
    assert links_in(mail.body) == [(first.id, 1), (second.id, 1)]
    with db.read() as session:
        versions = [a.link_version for a in session.exec(select(Application))]
    assert versions == [1, 1]


def test_resend_for_an_unknown_address_answers_the_same_and_sends_nothing(db, clock):
    make_call(db, clock())
    with db.write() as session:
        found = applications.resend_links(
            session=session,
            edition=edition_of(db),
            email="nobody@example.org",
            links=link_maker(),
            client="192.0.2.9",
            now=clock(),
        )
    assert found == 0
    assert mails(db) == []


# --------------------------------------------------------------------------- drafts, submission


def test_draft_saves_partial_answers(db, clock):
    make_call(db, clock())
    application = start_application(db, clock())
    save(db, application.id, clock(), organisation="Youth Theatre", young_people=40)
    draft = contents(db, application.id)[ContentKind.draft]
    assert (draft.organisation, draft.young_people, draft.summary) == ("Youth Theatre", 40, "")


def test_submit_gives_references_in_order_and_queues_the_confirmation(db, clock, tmp_path):
    make_call(db, clock())
    first = complete_draft(db, clock)
    second = complete_draft(db, clock, email="second@example.org")
    assert submit(db, second.id, clock(), tmp_path).application.reference == "EDPP-2027-0001"
    assert submit(db, first.id, clock(), tmp_path).application.reference == "EDPP-2027-0002"
    rows = contents(db, first.id)
    assert list(rows) == [ContentKind.submitted]
    [confirmation, _] = mails(db, "application_confirmation")
    assert confirmation.recipient == "second@example.org"
    assert "EDPP-2027-0001" in confirmation.subject
    assert "Youth Theatre Sarajevo" in confirmation.body
    assert "Bosnia and Herzegovina, Croatia" in confirmation.body
    assert edition_of(db).last_number == 2


def test_second_submit_of_an_unchanged_application_changes_nothing(db, clock, tmp_path):
    make_call(db, clock())
    application = complete_draft(db, clock)
    submit(db, application.id, clock(), tmp_path)
    save(db, application.id, clock(), **content_values())  # the same form sent again
    outcome = submit(db, application.id, clock(), tmp_path)
    assert outcome.changed is False
    assert outcome.application.reference == "EDPP-2027-0001"
    assert list(contents(db, application.id)) == [ContentKind.submitted]
    assert len(mails(db, "application_confirmation")) == 1
    assert edition_of(db).last_number == 1


def test_line_breaks_stored_as_a_browser_sent_them_are_no_change(db, clock, tmp_path):
    """Texts stored before the form wrote every line break "\n" may hold "\r\n": the same
    answer sent now starts no revision, and a revision lists only what was really changed."""
    make_call(db, clock())
    application = start_application(db, clock())
    involvement = dict(content_values()["involvement"])
    involvement["strategy"] = {"involved": True, "how": "They set\r\nthe yearly plan."}
    crlf = content_values(
        address="Ulica 1\r\n71000 Sarajevo",
        summary="Young people write plays.\r\n\r\nThey perform them.",
        involvement=involvement,
    )
    save(db, application.id, clock(), **crlf)
    submit(db, application.id, clock(), tmp_path)
    involvement["strategy"] = {"involved": True, "how": "They set\nthe yearly plan."}
    lf = {
        **crlf,
        "address": "Ulica 1\n71000 Sarajevo",
        "summary": "Young people write plays.\n\nThey perform them.",
        "involvement": involvement,
    }
    save(db, application.id, clock(), **lf)  # the same answers, as the form sends them now
    assert list(contents(db, application.id)) == [ContentKind.submitted]
    save(db, application.id, clock(), **{**lf, "adults": 9})
    with db.read() as session:
        found = session.get_one(Application, application.id)
        assert drafts.differences(session=session, application=found) == ["adults"]
    save(db, application.id, clock(), **lf)  # changed back: nothing left to resubmit
    assert submit(db, application.id, clock(), tmp_path).changed is False
    assert list(contents(db, application.id)) == [ContentKind.submitted]


def test_an_unfinished_revision_never_costs_the_submitted_version(db, clock, tmp_path):
    make_call(db, clock())
    application = complete_draft(db, clock)
    submit(db, application.id, clock(), tmp_path)
    save(db, application.id, clock(), title="Renamed", summary="")
    rows = contents(db, application.id)
    assert rows[ContentKind.submitted].title == "Street theatre against drugs"
    assert rows[ContentKind.draft].title == "Renamed"
    with pytest.raises(submissions.Incomplete):
        submit(db, application.id, clock(), tmp_path)
    assert contents(db, application.id)[ContentKind.submitted].summary != ""
    assert (
        contents(db, application.id)[ContentKind.submitted].summary == (content_values()["summary"])
    )
    clock.set(CALL_DEADLINE + timedelta(minutes=1))
    rows = contents(db, application.id)
    assert rows[ContentKind.submitted].title == "Street theatre against drugs"
    with db.read() as session:
        assert session.get_one(Application, application.id).status is ApplicationStatus.submitted


def test_resubmit_replaces_the_submitted_version_in_one_step_keeping_the_reference(
    db, clock, tmp_path
):
    make_call(db, clock())
    application = complete_draft(db, clock)
    submit(db, application.id, clock(), tmp_path)
    save(db, application.id, clock(), title="Renamed")
    outcome = submit(db, application.id, clock(), tmp_path)
    assert outcome.changed is True
    assert outcome.application.reference == "EDPP-2027-0001"
    rows = contents(db, application.id)
    assert list(rows) == [ContentKind.submitted]
    assert rows[ContentKind.submitted].title == "Renamed"
    assert edition_of(db).last_number == 1
    assert "Updated application received: EDPP-2027-0001" in mails(db)[-1].subject
    with db.read() as session:
        kinds = [e.kind for e in session.exec(select(AuditEvent).order_by(col(AuditEvent.id)))]
        assert kinds[-2:] == ["application.submitted", "application.resubmitted"]
        assert audit.verify(session=session).ok


def test_incomplete_application_lists_every_missing_part(db, clock, tmp_path):
    make_call(db, clock())
    application = start_application(db, clock())
    save(db, application.id, clock(), goals="word " * 101, still_running=False)
    with pytest.raises(submissions.Incomplete) as refused:
        submit(db, application.id, clock(), tmp_path)
    missing = dict(refused.value.missing)
    assert list(missing)[:3] == ["organisation", "country_main", "young_people"]
    assert missing["end_date"].msgid.startswith("Give the date the project ended")
    assert gettext("en", missing["goals"]) == (
        "Prevention goals must be 100 words or fewer; yours has 101."
    )
    assert "inv_strategy" in missing and "consent_processing" in missing
    assert "title" not in missing
    with db.read() as session:
        stored = session.get_one(Application, application.id)
        assert (stored.status, stored.reference) == (ApplicationStatus.draft, None)
    assert edition_of(db).last_number == 0


def test_the_applicants_submit_from_an_address_not_confirmed_names_every_missing_part(
    db, clock, tmp_path
):
    make_call(db, clock())
    application = start_application(db, clock())  # its link not opened yet
    save(db, application.id, clock(), **content_values(organisation="", phone=""))

    def applicants_submit():
        with db.write() as session:
            return submissions.submit(
                session=session,
                application=session.get_one(Application, application.id),
                links=link_maker(),
                store=FolderStore(tmp_path),
                now=clock(),
                confirmed_only=True,
            )

    with pytest.raises(applications.Unconfirmed) as refused:
        applicants_submit()
    assert [name for name, _ in refused.value.missing] == ["organisation", "phone"]
    assert "confirm your e-mail address first" in gettext("en", refused.value.message)
    save(db, application.id, clock(), organisation="Youth Theatre", phone="+387 33 123 456")
    with pytest.raises(applications.Unconfirmed) as refused:
        applicants_submit()
    assert refused.value.missing == []
    with db.write() as session:
        found = session.get_one(Application, application.id)
        applications.confirm_email(session=session, application=found, now=clock())
    assert applicants_submit().application.reference == "EDPP-2027-0001"


def test_submit_after_the_deadline_is_refused_by_the_server_clock(db, clock, tmp_path):
    make_call(db, clock())
    application = complete_draft(db, clock)
    clock.set(CALL_DEADLINE)
    with pytest.raises(NotAllowed, match="deadline has passed"):
        submit(db, application.id, clock(), tmp_path)
    with pytest.raises(NotAllowed):
        save(db, application.id, clock(), title="Too late")
    assert contents(db, application.id)[ContentKind.draft].title == "Street theatre against drugs"
    assert edition_of(db).last_number == 0


def test_submit_before_the_opening_is_refused(db, clock, tmp_path):
    make_call(db, clock())
    application = complete_draft(db, clock)
    set_edition(db, opens_at=clock() + timedelta(days=1))
    with pytest.raises(NotAllowed):
        submit(db, application.id, clock(), tmp_path)


def test_a_late_application_accepted_by_the_secretariat_can_be_submitted(db, clock, tmp_path):
    make_call(db, clock())
    application = complete_draft(db, clock)
    clock.set(CALL_DEADLINE + timedelta(days=2))
    set_edition(db, state=EditionState.screening)
    set_application(db, application.id, late_reason="The post office lost the letter.")
    assert submit(db, application.id, clock(), tmp_path).application.reference == "EDPP-2027-0001"


def test_a_returned_application_is_resubmitted_until_its_date_only(db, clock, tmp_path):
    make_call(db, clock())
    application = complete_draft(db, clock)
    submit(db, application.id, clock(), tmp_path)
    clock.set(CALL_DEADLINE + timedelta(days=2))
    set_edition(db, state=EditionState.screening)
    due = clock() + timedelta(days=7)
    set_application(
        db, application.id, status=ApplicationStatus.returned, info_due=due, info_message="?"
    )
    save(db, application.id, clock(), summary="Now with the budget.")
    outcome = submit(db, application.id, clock(), tmp_path)
    assert outcome.application.status is ApplicationStatus.submitted
    assert outcome.application.reference == "EDPP-2027-0001"
    assert contents(db, application.id)[ContentKind.submitted].summary == "Now with the budget."
    set_application(db, application.id, status=ApplicationStatus.returned)
    clock.set(due)
    with pytest.raises(NotAllowed):
        submit(db, application.id, clock(), tmp_path)


def _submit_in_threads(db, ids, clock, tmp_path):
    barrier = threading.Barrier(len(ids))
    errors: list[BaseException] = []

    def run(application_id: int) -> None:
        try:
            barrier.wait()
            submit(db, application_id, clock(), tmp_path)
        except BaseException as error:  # collected for the assertion below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []


def test_concurrent_submissions_are_numbered_without_gaps(db, clock, tmp_path):
    make_call(db, clock())
    ids = [complete_draft(db, clock, email=f"a{i}@example.org").id for i in range(6)]
    _submit_in_threads(db, ids, clock, tmp_path)
    with db.read() as session:
        numbers = sorted(n for n in session.exec(select(Application.number)))
        references = set(session.exec(select(Application.reference)))
    assert numbers == [1, 2, 3, 4, 5, 6]
    assert references == {f"EDPP-2027-{n:04d}" for n in range(1, 7)}
    assert edition_of(db).last_number == 6


def test_a_double_click_submits_once(db, clock, tmp_path):
    make_call(db, clock())
    application = complete_draft(db, clock)
    _submit_in_threads(db, [application.id, application.id], clock, tmp_path)
    assert edition_of(db).last_number == 1
    assert len(mails(db, "application_confirmation")) == 1


# --------------------------------------------------------------------------- withdrawal, deletion


def test_withdrawal_is_audited_and_confirmed(db, clock, tmp_path):
    make_call(db, clock())
    application = complete_draft(db, clock)
    submit(db, application.id, clock(), tmp_path)
    with db.write() as session:
        withdrawn = submissions.withdraw(
            session=session,
            application=session.get_one(Application, application.id),
            links=link_maker(),
            now=clock(),
            reason="We merged with another project.",
        )
    assert withdrawn.status is ApplicationStatus.withdrawn
    assert "EDPP-2027-0001" in mails(db, "application_withdrawn")[0].subject
    with db.read() as session:
        event = session.exec(
            select(AuditEvent).where(AuditEvent.kind == "application.withdrawn")
        ).one()
        assert event.reason == "We merged with another project."


@pytest.mark.parametrize("state", [EditionState.shortlisting, EditionState.final])
def test_withdrawal_is_refused_once_screening_has_ended(db, clock, tmp_path, state):
    make_call(db, clock())
    application = complete_draft(db, clock)
    submit(db, application.id, clock(), tmp_path)
    set_edition(db, state=state)
    set_application(db, application.id, status=ApplicationStatus.eligible)
    with db.write() as session, pytest.raises(NotAllowed, match="Screening has ended"):
        submissions.withdraw(
            session=session,
            application=session.get_one(Application, application.id),
            links=link_maker(),
            now=clock(),
        )


def test_a_draft_is_deleted_but_a_submitted_application_is_not(db, clock, tmp_path):
    make_call(db, clock())
    draft = start_application(db, clock())
    submitted = complete_draft(db, clock, email="other@example.org")
    submit(db, submitted.id, clock(), tmp_path)
    with db.write() as session:
        applications.delete_draft(
            session=session,
            application=session.get_one(Application, draft.id),
            store=FolderStore(tmp_path),
            now=clock(),
        )
    with db.write() as session, pytest.raises(NotAllowed, match="withdraw"):
        applications.delete_draft(
            session=session,
            application=session.get_one(Application, submitted.id),
            store=FolderStore(tmp_path),
            now=clock(),
        )
    with db.read() as session:
        assert session.get(Application, draft.id) is None
        assert session.exec(select(func.count()).select_from(ApplicationContent)).one() == 1
        assert (
            session.exec(select(AuditEvent).where(AuditEvent.kind == "application.deleted"))
            .one()
            .subject_id
            == draft.id
        )


def test_naive_datetimes_never_reach_the_database(db, clock):
    make_call(db, clock())
    application = start_application(db, clock())
    with db.read() as session:
        stored = session.get_one(Application, application.id)
    assert stored.created_at == datetime(2027, 3, 1, 10, tzinfo=UTC)
