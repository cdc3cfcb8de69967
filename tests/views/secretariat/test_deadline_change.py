"""Moving the deadline of an open call tells the holders of drafts, in their language, from a
confirmation page that counts them; moving it earlier while drafts exist needs a reason."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlmodel import col, select

from prize import formats
from prize.models import AuditEvent, Edition, EditionState
from tests import factories
from tests.appkit import refused_page, text_of
from tests.mailkit import body_of
from tests.staffkit import confirm_page, confirmed_post, edition_edit_form, staff_post

EDIT = "/secretariat/editions/2027/edit"


@pytest.fixture
def open_call(sqlite_db, clock, app):
    """An open call (deadline 30 June, 23:59 in Paris) with two drafts, in English and French,
    and one submitted application."""
    clock.set(datetime(2027, 5, 2, 9, tzinfo=UTC))
    with sqlite_db.write() as session:
        edition = factories.edition(session=session, state=EditionState.open)
        factories.drafts(
            session=session,
            edition=edition,
            people={"amra@example.org": "en", "luc@example.org": "fr"},
        )
        factories.application(session=session, edition=edition, email="done@example.org")
    return edition


def _deadline(database) -> datetime:
    with database.read() as session:
        return session.exec(select(Edition)).one().deadline


def test_moving_the_deadline_earlier_with_drafts_needs_a_reason(staff_client, open_call, sqlite_db):
    before = _deadline(sqlite_db)
    page = staff_post(staff_client, EDIT, edition_edit_form(deadline="2027-06-15T23:59"))
    page = refused_page(staff_client, page)
    assert (
        'id="reason-error">Give the reason for moving the deadline earlier: '
        "2 drafts are in progress." in page.text
    )
    assert 'value="2027-06-15T23:59"' in page.text  # what was typed is kept
    assert _deadline(sqlite_db) == before
    # the field the error sits under does not call itself optional
    label = re.search(r'<label for="reason">(.*?)</label>', page.text)
    assert label is not None and text_of(label[1]).strip() == "Why (kept in the audit log)"
    assert (
        'id="reason-hint">Required to move the deadline earlier while drafts or changes are in '
        "progress.</p>" in page.text
    )
    assert "optional" not in text_of(page.text)


def test_moving_the_deadline_earlier_warns_and_emails_the_drafts_in_their_language(
    staff_client, open_call, sqlite_db, smtp, clock
) -> None:
    page = staff_post(
        staff_client, EDIT, edition_edit_form(deadline="2027-06-15T23:59", reason="The venue moved")
    )
    page = confirm_page(staff_client, page)  # the confirmation page, at the form's address
    shown = text_of(page.text)
    new = datetime(2027, 6, 15, 22, tzinfo=UTC)  # 00:00 on 16 June in Paris
    assert (
        f"The deadline moves earlier, from {formats.deadline(open_call.deadline, 'en')} "
        f"to {formats.deadline(new, 'en')}." in shown
    )
    assert (
        "2 drafts are in progress and not submitted: their holders are told the new deadline."
        in shown
    )
    assert "This e-mails 2 people." in shown and "In French" in shown
    assert smtp.deliver(sqlite_db, clock()) == 0  # nothing before confirming
    done = confirmed_post(
        staff_client, EDIT, edition_edit_form(deadline="2027-06-15T23:59", reason="The venue moved")
    )
    assert done.status_code == 303
    assert _deadline(sqlite_db) == new
    assert smtp.deliver(sqlite_db, clock()) == 2
    [english] = smtp.inbox.to("amra@example.org")
    assert english["Subject"] == (
        f"The deadline is earlier: submit your application by {formats.deadline(new, 'en')}"
    )
    assert "This is earlier than before." in body_of(english)
    assert "Project of amra@example.org" in body_of(english)
    [french] = smtp.inbox.to("luc@example.org")
    assert formats.deadline(new, "fr") in french["Subject"]
    assert "plus tôt" in body_of(french)
    assert smtp.inbox.to("done@example.org") == []
    with sqlite_db.read() as session:
        event = session.exec(select(AuditEvent).order_by(col(AuditEvent.id).desc())).first()
    assert (event.kind, event.reason) == ("edition.updated", "The venue moved")


def test_moving_the_deadline_later_tells_the_drafts_too(
    staff_client, open_call, sqlite_db, smtp, clock
) -> None:
    done = confirmed_post(staff_client, EDIT, edition_edit_form(deadline="2027-07-15T23:59"))
    assert done.status_code == 303
    assert smtp.deliver(sqlite_db, clock()) == 2
    [english] = smtp.inbox.to("amra@example.org")
    assert english["Subject"].startswith("More time to submit your application: until ")
    assert "You have more time to finish your application." in body_of(english)


@pytest.fixture
def revising(open_call, sqlite_db):
    """Beside the open call's two drafts, a submitted application in French whose holder has
    changes in progress, not resubmitted, and one in English resubmitted (nothing in progress)."""
    with sqlite_db.write() as session:
        edition = session.get_one(Edition, open_call.id)
        factories.application(
            session=session,
            edition=edition,
            email="marie@example.org",
            language="fr",
            title="Projet de Marie",
            draft_revision=True,
        )
    return open_call


def test_a_revision_in_progress_is_counted_and_its_holder_told_once_in_their_language(
    staff_client, revising, sqlite_db, smtp, clock
) -> None:
    page = confirm_page(
        staff_client, staff_post(staff_client, EDIT, edition_edit_form(deadline="2027-07-15T23:59"))
    )
    shown = text_of(page.text)
    assert (
        "1 submitted application has changes in progress, not resubmitted: its holder is told "
        "the new deadline." in shown
    )
    assert "This e-mails 3 people." in shown
    assert smtp.deliver(sqlite_db, clock()) == 0
    done = confirmed_post(staff_client, EDIT, edition_edit_form(deadline="2027-07-15T23:59"))
    assert done.status_code == 303
    assert smtp.deliver(sqlite_db, clock()) == 3
    [french] = smtp.inbox.to("marie@example.org")  # once, though a draft stands beside
    new = datetime(2027, 7, 15, 22, tzinfo=UTC)  # 00:00 on 16 July in Paris
    assert formats.deadline(new, "fr") in french["Subject"]
    body = body_of(french)
    assert "Projet de Marie" in body
    assert "des modifications en cours, pas encore déposées" in body
    assert "pas encore déposée :" not in body  # not the draft's wording
    assert "/apply/link/" in body
    assert smtp.inbox.to("done@example.org") == []  # submitted, nothing in progress


def test_moving_the_deadline_earlier_over_a_revision_needs_a_reason(
    staff_client, sqlite_db, clock
) -> None:
    clock.set(datetime(2027, 5, 2, 9, tzinfo=UTC))
    with sqlite_db.write() as session:
        edition = factories.edition(session=session, state=EditionState.open)
        factories.application(session=session, edition=edition, draft_revision=True)
    before = _deadline(sqlite_db)
    page = refused_page(
        staff_client, staff_post(staff_client, EDIT, edition_edit_form(deadline="2027-06-15T23:59"))
    )
    assert (
        'id="reason-error">Give the reason for moving the deadline earlier: 1 submitted '
        "application has changes in progress." in page.text
    )
    assert _deadline(sqlite_db) == before


def test_one_address_holding_a_draft_and_a_revision_gets_one_e_mail_naming_both(
    staff_client, open_call, sqlite_db, smtp, clock
) -> None:
    with sqlite_db.write() as session:
        edition = session.get_one(Edition, open_call.id)
        factories.application(
            session=session,
            edition=edition,
            email="Amra@Example.org",  # the same person as amra@example.org's draft
            title="Second project of Amra",
            draft_revision=True,
        )
    page = confirm_page(
        staff_client,
        staff_post(
            staff_client,
            EDIT,
            edition_edit_form(deadline="2027-06-15T23:59", reason="The venue moved"),
        ),
    )
    shown = text_of(page.text)
    assert "2 drafts are in progress and not submitted" in shown
    assert "1 submitted application has changes in progress" in shown
    assert "This e-mails 2 people." in shown  # amra once, luc once
    done = confirmed_post(
        staff_client, EDIT, edition_edit_form(deadline="2027-06-15T23:59", reason="The venue moved")
    )
    assert done.status_code == 303
    assert smtp.deliver(sqlite_db, clock()) == 2
    [amra] = smtp.inbox.to("amra@example.org")
    body = body_of(amra).replace("\r\n", "\n")
    assert "Your applications concerned, each opened by its own link:" in body
    assert "Not submitted yet:\nProject of amra@example.org\n" in body
    assert "Submitted, with changes in progress not submitted yet:\nSecond project of Amra\n" in (
        body
    )
    assert len(set(re.findall(r"/apply/link/\S+", body))) == 2  # each with its own link
    assert "A draft that is not submitted by then cannot be considered, and changes" in body
