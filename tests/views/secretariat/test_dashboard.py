"""The dashboard: counts per status, the next date, and what needs doing now, with links."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from prize import formats
from prize.domain import dashboard
from prize.models import ApplicationStatus, EditionState, OutboxStatus
from tests import factories
from tests.appkit import refused_page, text_of

S = ApplicationStatus


def test_dashboard_shows_counts_next_date_and_screening_to_do(staff_client, sqlite_db, clock):
    with sqlite_db.write() as session:
        edition = factories.edition(
            session=session,
            state=EditionState.screening,
            shortlist_closes_at=datetime(2027, 9, 15, 16, tzinfo=UTC),
        )
        for status in (S.submitted, S.submitted, S.eligible, S.draft):
            factories.application(session=session, edition=edition, status=status)
    clock.set(datetime(2027, 7, 10, 8, tzinfo=UTC))
    page = staff_client.get("/secretariat").text
    assert "2027 — European Drug Prevention Prize 2027" in page
    assert "State: <strong>screening</strong>" in page
    assert '<tr><td>submitted, to screen</td><td class="num">2</td></tr>' in page
    assert '<tr><td>eligible</td><td class="num">1</td></tr>' in page
    assert '<tr><th scope="row">Total</th><td class="num">4</td></tr>' in page
    closes = formats.deadline(edition.shortlist_closes_at, "en")  # its last minute in Paris
    assert f"Next: First jury round closes, {closes}, in 2 months." in page
    assert (
        '<a href="/secretariat/editions/2027/applications?status=submitted">Applications waiting for screening: 2.</a>'
        in page
    )
    assert "Before you can start the first jury round:" in page  # the guard of the next move
    assert "<li>Applications not screened yet: 2.</li>" in page


def test_dashboard_says_what_a_draft_still_needs(staff_client, sqlite_db):
    with sqlite_db.write() as session:
        edition = factories.edition(session=session, state=EditionState.draft)
        edition.eligible_countries = []
        session.add(edition)
    page = staff_client.get("/secretariat").text
    assert "Before you can open the call:" in page
    assert "List the eligible countries before opening the call." in page


def test_dashboard_tells_a_rehearsal_from_the_real_edition_of_its_year(staff_client, sqlite_db):
    with sqlite_db.write() as session:
        factories.edition(session=session, state=EditionState.open)
        factories.edition(session=session, state=EditionState.draft, rehearsal=True)
    page = text_of(staff_client.get("/secretariat").text)
    assert page.count("2027 — European Drug Prevention Prize 2027") == 2
    assert page.count("2027 — European Drug Prevention Prize 2027 rehearsal") == 1


def test_dashboard_points_to_failed_emails_and_the_passed_deadline(staff_client, sqlite_db, clock):
    with sqlite_db.write() as session:
        factories.edition(session=session, state=EditionState.open)
        factories.outbox_message(session=session, status=OutboxStatus.failed)
    clock.set(datetime(2027, 7, 1, tzinfo=UTC))
    page = staff_client.get("/secretariat").text
    assert (
        '<a href="/secretariat/outbox?status=failed">E-mails that could not be sent: 1.</a>' in page
    )
    assert (
        '<a href="/secretariat/editions/2027">The deadline has passed: move the edition to screening.</a>'
        in page
    )
    assert "Ready for the next step:" in page


def test_dashboard_without_editions_offers_to_create_one(staff_client):
    page = staff_client.get("/secretariat").text
    assert "No edition is in progress." in page
    assert 'href="/secretariat/editions/new"' in page


def test_overview_warns_of_a_round_closing_and_of_the_announcement(db, clock):
    with db.write() as session:
        factories.edition(
            session=session,
            year=2025,
            state=EditionState.decided,
            announce_at=datetime(2027, 9, 1, tzinfo=UTC),
        )
        factories.edition(
            session=session,
            year=2027,
            state=EditionState.shortlisting,
            shortlist_closes_at=datetime(2027, 9, 5, tzinfo=UTC),
        )
        factories.edition(session=session, year=2023, state=EditionState.published)
    clock.set(datetime(2027, 9, 2, tzinfo=UTC))
    with db.read() as session:
        found = dashboard.overview(session=session, now=clock())
    assert [i.edition.year for i in found.editions] == [2027, 2025]
    todos = {i.edition.year: [t.message.msgid for t in i.todos] for i in found.editions}
    assert "The first jury round closes within a week." in todos[2027]
    assert "The announcement time has passed: publish the results." in todos[2025]


def test_every_back_office_page_renders_for_the_html_check(
    staff_client, officer, adviser, sqlite_db, clock
):
    """Each page of this area with data on it; saved for the one Nu Html Checker run."""
    from prize.domain.shared import audit
    from tests import htmlpages
    from tests.staffkit import staff_post

    with sqlite_db.write() as session:
        edition = factories.edition(session=session, state=EditionState.screening)
        factories.application(session=session, edition=edition, status=S.submitted)
        factories.outbox_message(session=session, status=OutboxStatus.failed, last_error="boom")
        audit.record(
            session=session,
            actor=audit.SYSTEM,
            kind="test.event",
            now=clock(),
            edition_id=edition.id,
            reason="Because",
            data={"a": 1},
        )
    staff_post(staff_client, "/secretariat/editions/2027/back", {"to": "open", "reason": ""})
    pages = {
        "secretariat-dashboard": "/secretariat",
        "secretariat-editions": "/secretariat/editions",
        "secretariat-edition-new": "/secretariat/editions/new",
        "secretariat-edition": "/secretariat/editions/2027",
        "secretariat-edition-edit": "/secretariat/editions/2027/edit",
        "secretariat-criterion-new": "/secretariat/editions/2027/criteria/new",
        "secretariat-criterion": "/secretariat/editions/2027/criteria/1",
        "secretariat-outbox": "/secretariat/outbox",
        "secretariat-audit": "/secretariat/audit",
        "secretariat-staff": "/secretariat/staff",
        "secretariat-password": "/secretariat/account/password",
        "secretariat-forgot": "/secretariat/password/forgot",
        "secretariat-reset-invalid": "/secretariat/reset/broken",
    }
    for name, path in pages.items():
        page = staff_client.get(path)
        assert page.status_code in (200, 400), path
        assert page.status_code == (400 if name == "secretariat-reset-invalid" else 200), path
        assert "<h1>" in page.text, path
        htmlpages.save(name, page.text)
    errors = staff_post(
        staff_client, "/secretariat/editions/2027/back", {"to": "open", "reason": ""}
    )
    errors = refused_page(staff_client, errors)
    assert "Give a reason for moving back." in errors.text
    htmlpages.save("secretariat-edition-move-back-errors", errors.text)
    errors = refused_page(
        staff_client, staff_post(staff_client, "/secretariat/editions/new", {"year": "x"})
    )
    assert 'id="year-error">Enter a whole number.' in errors.text
    assert 'value="x"' in errors.text
    htmlpages.save("secretariat-edition-new-errors", errors.text)


def test_an_open_call_before_its_deadline_is_not_ready_to_close(staff_client, sqlite_db, clock):
    """Closing early is offered on the edition's page, with its caution; the dashboard never
    calls it the next step, and says when the call closes instead."""
    with sqlite_db.write() as session:
        edition = factories.edition(session=session, state=EditionState.open)
    clock.set(edition.deadline - timedelta(days=20))
    page = staff_client.get("/secretariat").text
    assert "State: <strong>open for applications</strong>" in page
    assert "Ready for the next step:" not in page
    assert "Close the call early" not in page
    assert f"Next: Deadline for applications, {formats.deadline(edition.deadline, 'en')}" in page
