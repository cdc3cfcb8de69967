"""The "Write to a group" page: groups, both languages, counts and previews (personal links
hidden), placeholders every recipient can fill, only what was previewed is sent, one send for a
double click, the audit and the outbox."""

from __future__ import annotations

import re

from sqlmodel import col, select

from prize.domain.shared import outbox
from prize.models import ApplicationStatus, AuditEvent, EditionState, OutboxMessage
from prize.security import redact
from tests import factories
from tests.appkit import refused_page, text_of
from tests.mailkit import body_of
from tests.staffkit import staff_post

PATH = "/secretariat/editions/2027/write"
MESSAGE = {
    "group": "eligible",
    "subject_en": "About your project {title}",
    "body_en": "Dear {name},\n\nYour reference is {reference}. Open it: {link}",
    "subject_fr": "À propos de votre projet {title}",
    "body_fr": "Bonjour {name},\n\nVotre référence est {reference}. Ouvrez-la : {link}",
}


def _edition(sqlite_db, *, french: bool = True):
    with sqlite_db.write() as session:
        edition = factories.edition(session=session, state=EditionState.shortlisting)
        for i, language in enumerate(["en", "en", "fr" if french else "en"]):
            factories.application(
                session=session,
                edition=edition,
                status=ApplicationStatus.eligible,
                email=f"eligible{i}@example.org",
                language=language,
                title=f"Project {i}",
                contact_person=f"Person {i}",
            )
        factories.application(
            session=session, edition=edition, status=ApplicationStatus.draft, email="d@example.org"
        )
        return edition


def _preview(client, message: dict[str, str]):
    """The page a Preview leads to, and the fingerprint its Send button carries."""
    page = refused_page(client, staff_post(client, PATH, {**message, "action": "preview"}))
    found = re.search(r'name="previewed" value="([^"]*)"', page.text)
    return page, found[1] if found else ""


def _send(client, message: dict[str, str], previewed: str | None = None):
    """Send ``message`` as the officer does: Preview, then Send (``previewed``: what the Send
    button carries, by default the fingerprint of ``message``'s own preview)."""
    if previewed is None:
        _page, previewed = _preview(client, message)
    return staff_post(client, PATH, {**message, "action": "send", "previewed": previewed})


def _sent(sqlite_db) -> list[OutboxMessage]:
    with sqlite_db.read() as session:
        return list(
            session.exec(
                select(OutboxMessage)
                .where(OutboxMessage.kind == "group_message")
                .order_by(col(OutboxMessage.id))
            )
        )


def test_the_preview_counts_each_language_and_fills_in_the_first_reader(
    staff_client, sqlite_db
) -> None:
    _edition(sqlite_db)
    page = staff_post(staff_client, PATH, {**MESSAGE, "action": "preview"})
    page = refused_page(staff_client, page)  # the preview is a page of its own, after a redirect
    assert "In English, to 2 people" in page.text
    assert "In French, to 1 person" in page.text
    assert "About your project Project 0" in page.text
    assert "Dear Person 0," in page.text
    assert "Bonjour Person 2," in page.text
    assert 'value="send"' in page.text
    assert _sent(sqlite_db) == []  # a preview sends nothing


def test_the_preview_is_the_email_as_sent_signature_and_ending_included(
    staff_client, sqlite_db, settings, smtp
) -> None:
    _edition(sqlite_db)
    page, previewed = _preview(staff_client, MESSAGE)
    shown = text_of(page.text)
    assert "The secretariat of the European Drug Prevention Prize" in shown
    assert (
        "A question? Write to the secretariat of the European Drug Prevention Prize at "
        f"{settings.contact_email}, or reply to this e-mail." in shown
    )
    assert f"{settings.contact_email}, ou répondez à cet e-mail." in shown
    _send(staff_client, MESSAGE, previewed)
    first = _sent(sqlite_db)[0]
    # the preview showed the first English reader's e-mail, as the sender builds it (its
    # personal link hidden)
    sent = outbox.text_as_sent(first, settings.contact_email)
    assert re.sub(r"\s+", " ", redact(sent)).strip() in shown


def test_sending_queues_one_message_per_person_in_their_language_and_audits(
    staff_client, sqlite_db, smtp, clock
) -> None:
    _edition(sqlite_db)
    answer = _send(staff_client, MESSAGE)
    assert answer.status_code == 303
    assert "The message is queued for 3 people." in staff_client.get(PATH).text
    sent = _sent(sqlite_db)
    assert [(m.recipient, m.language, m.subject) for m in sent] == [
        ("eligible0@example.org", "en", "About your project Project 0"),
        ("eligible1@example.org", "en", "About your project Project 1"),
        ("eligible2@example.org", "fr", "À propos de votre projet Project 2"),
    ]
    assert (
        "Your reference is EDPP-2027-0001. Open it: http://testserver/apply/link/" in sent[0].body
    )
    smtp.deliver(sqlite_db, clock())
    french = body_of(smtp.inbox.to("eligible2@example.org")[0])
    assert french.startswith("Bonjour Person 2,")
    assert "secretariat@example.org" in french
    with sqlite_db.read() as session:
        event = session.exec(
            select(AuditEvent).where(AuditEvent.kind == "group_message.sent")
        ).one()
    assert event.data["group"] == "eligible" and event.data["count"] == 3
    assert event.data["subject"]["en"] == "About your project {title}"
    page = staff_client.get(PATH)
    assert "Eligible applicants · 3 people · About your project {title}" in page.text


def test_a_double_click_sends_once(staff_client, sqlite_db) -> None:
    _edition(sqlite_db)
    _page, previewed = _preview(staff_client, MESSAGE)
    _send(staff_client, MESSAGE, previewed)
    _send(staff_client, MESSAGE, previewed)
    assert len(_sent(sqlite_db)) == 3
    assert "This message was sent to this group already." in staff_client.get(PATH).text


def test_a_language_a_recipient_reads_cannot_be_left_out(staff_client, sqlite_db) -> None:
    _edition(sqlite_db)
    typed = {**MESSAGE, "subject_fr": "", "body_fr": "", "action": "send"}
    page = staff_post(staff_client, PATH, typed)
    page = refused_page(staff_client, page)
    assert "Some recipients read this language: write the message in it too." in page.text
    assert "Dear {name}," in page.text  # what was typed is kept
    assert _sent(sqlite_db) == []


def test_a_language_nobody_reads_may_be_left_out(staff_client, sqlite_db) -> None:
    _edition(sqlite_db, french=False)
    typed = {**MESSAGE, "subject_fr": "", "body_fr": ""}
    assert _send(staff_client, typed).status_code == 303
    assert len(_sent(sqlite_db)) == 3


def test_an_unknown_placeholder_is_named_next_to_its_field(staff_client, sqlite_db) -> None:
    _edition(sqlite_db)
    typed = {**MESSAGE, "body_en": "Dear {nmae}", "action": "preview"}
    page = staff_post(staff_client, PATH, typed)
    page = refused_page(staff_client, page)
    assert 'id="body_en-error">Unknown placeholder: {nmae}. Use {name}, {title}' in page.text
    assert _sent(sqlite_db) == []


def test_an_empty_group_and_a_missing_group_are_refused(staff_client, sqlite_db) -> None:
    _edition(sqlite_db)
    page = staff_post(staff_client, PATH, {**MESSAGE, "group": "shortlisted", "action": "send"})
    page = refused_page(staff_client, page)
    assert "Nobody is in this group." in page.text
    page = staff_post(staff_client, PATH, {**MESSAGE, "group": "", "action": "send"})
    page = refused_page(staff_client, page)
    assert "Choose who receives the message." in page.text
    assert _sent(sqlite_db) == []


def test_an_adviser_cannot_send(adviser_client, sqlite_db) -> None:
    _edition(sqlite_db)
    answer = staff_post(adviser_client, PATH, {**MESSAGE, "action": "send"})
    assert answer.status_code == 403
    assert _sent(sqlite_db) == []


def _error_of(page, field: str) -> str:
    found = re.search(rf'<p class="error" id="{field}-error">(.*?)</p>', page.text, re.S)
    return text_of(found[1]).strip() if found else ""


def test_the_preview_hides_personal_links(staff_client, sqlite_db) -> None:
    _edition(sqlite_db)
    page, _previewed = _preview(staff_client, MESSAGE)
    shown = text_of(page.text)
    assert "Each recipient gets the e-mail in their language; personal links are hidden here." in (
        shown
    )
    assert "Open it: http://testserver/apply/link/[redacted]" in shown
    assert re.findall(r"/link/[^\s<\"]+", page.text) == ["/link/[redacted]"] * 2


def test_a_placeholder_some_recipients_cannot_fill_is_refused_with_how_many(
    staff_client, sqlite_db
) -> None:
    edition = _edition(sqlite_db)  # d@example.org: a draft, so no reference yet
    with sqlite_db.write() as session:
        factories.drafts(
            session=session,
            edition=edition,
            people={"new@example.org": "en", "nouveau@example.org": "fr"},
            title="",
            contact_person="",
        )
    typed = {
        **MESSAGE,
        "group": "applicants",
        "subject_en": "About your project",
        "body_en": "Dear {name}, About {title} ({reference})",
        "body_fr": "Bonjour {name}, à propos de {title}",
    }
    page, previewed = _preview(staff_client, typed)
    assert _error_of(page, "body_en") == (
        "1 of the 4 people who get this text has no {name}: their e-mail would show nothing in "
        "its place. 1 of the 4 people who get this text has no {title}: their e-mail would show "
        "nothing in its place. 2 of the 4 people who get this text have no {reference}: their "
        "e-mails would show nothing in its place. Take them out of the message, or choose a "
        "group in which everyone has them."
    )
    assert _error_of(page, "subject_fr") == (
        "1 of the 2 people who get this text has no {title}: their e-mail would show nothing in "
        "its place. Take it out of the message, or choose a group in which everyone has one."
    )
    assert _error_of(page, "subject_en") == ""  # no placeholder: nothing to refuse
    assert "Check before sending" not in page.text and previewed == ""  # nothing to send
    assert "Dear {name}, About {title} ({reference})" in page.text  # what was typed is kept
    answer = _send(staff_client, typed, "")
    assert "Dear , About" not in refused_page(staff_client, answer).text
    assert _sent(sqlite_db) == []
    # to those who all have a reference, the same text goes
    assert _send(staff_client, {**typed, "group": "eligible"}).status_code == 303
    assert _sent(sqlite_db)[0].body.split("\n")[0] == (
        "Dear Person 0, About Project 0 (EDPP-2027-0001)"
    )


def test_a_message_changed_after_its_preview_is_previewed_again_not_sent(
    staff_client, sqlite_db
) -> None:
    _edition(sqlite_db)
    _page, previewed = _preview(staff_client, MESSAGE)
    edited = {**MESSAGE, "body_en": "Dear {name},\r\n\r\nThe ceremony moves to Strasbourg."}
    answer = _send(staff_client, edited, previewed)  # Send at once, after editing
    page = refused_page(staff_client, answer)
    shown = text_of(page.text)
    assert (
        "The message changed since its preview: nothing is sent yet. Read the preview below, "
        "then send it." in shown
    )
    assert "Dear Person 0, The ceremony moves to Strasbourg." in shown  # the new text, previewed
    assert "The ceremony moves to Strasbourg.</textarea>" in page.text  # what was typed is kept
    assert _sent(sqlite_db) == []
    again = re.search(r'name="previewed" value="([^"]*)"', page.text)
    assert again is not None and again[1] != previewed
    assert _send(staff_client, edited, again[1]).status_code == 303  # what was previewed goes
    sent = _sent(sqlite_db)
    assert sent[0].body.splitlines()[:3] == [
        "Dear Person 0,",
        "",
        "The ceremony moves to Strasbourg.",
    ]
    assert len(sent) == 3


def test_a_message_never_previewed_is_previewed_not_sent(staff_client, sqlite_db) -> None:
    _edition(sqlite_db)
    page = refused_page(staff_client, _send(staff_client, MESSAGE, ""))
    assert "The message changed since its preview: nothing is sent yet." in text_of(page.text)
    assert "In English, to 2 people" in page.text
    assert _sent(sqlite_db) == []


def test_someone_joining_the_group_after_the_preview_is_shown_before_sending(
    staff_client, sqlite_db
) -> None:
    edition = _edition(sqlite_db)
    _page, previewed = _preview(staff_client, MESSAGE)
    with sqlite_db.write() as session:
        factories.application(
            session=session,
            edition=edition,
            status=ApplicationStatus.eligible,
            email="late@example.org",
            contact_person="Person 3",
        )
    page = refused_page(staff_client, _send(staff_client, MESSAGE, previewed))
    shown = text_of(page.text)
    assert "Who gets the message changed since its preview: nothing is sent yet." in shown
    assert "In English, to 3 people" in shown
    assert _sent(sqlite_db) == []


def test_a_preview_shown_after_someone_without_a_name_joined_refuses_instead(
    staff_client, sqlite_db
) -> None:
    edition = _edition(sqlite_db)
    answer = staff_post(staff_client, PATH, {**MESSAGE, "action": "preview"})
    with sqlite_db.write() as session:  # between the post and its page
        factories.application(
            session=session,
            edition=edition,
            status=ApplicationStatus.eligible,
            email="late@example.org",
            contact_person="",
        )
    page = refused_page(staff_client, answer)
    assert _error_of(page, "body_en").startswith(
        "1 of the 3 people who get this text has no {name}:"
    )
    assert "Check before sending" not in page.text and 'value="send"' not in page.text
