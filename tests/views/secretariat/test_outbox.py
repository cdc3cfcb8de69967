"""The outbox page: statuses, errors, retries, and bodies readable only in the demo."""

from __future__ import annotations

from datetime import timedelta

from starlette.testclient import TestClient

from prize.app import create_app
from prize.models import OutboxMessage, OutboxStatus
from prize.views.secretariat.outbox import linkify
from tests.staffkit import login, make_staff, staff_post

BODY = (
    "Hello,\n\nOpen your link: http://testserver/apply/link/abc123.\n"
    "Not a link: <script>alert(1)</script> javascript:alert(1)\n"
)


def _message(session, clock, n: int, status=OutboxStatus.queued, **fields):
    row = OutboxMessage(
        kind="test",
        recipient=f"person{n}@example.org",
        subject=f"Message {n}",
        body=BODY,
        message_id=f"<{n}@prize.test>",
        status=status,
        created_at=clock() + timedelta(minutes=n),
        **fields,
    )
    session.add(row)
    session.flush()
    return row


def test_outbox_lists_messages_newest_first_without_bodies(staff_client, sqlite_db, clock):
    with sqlite_db.write() as session:
        _message(session, clock, 1, OutboxStatus.sent, sent_at=clock(), attempts=1)
        _message(
            session,
            clock,
            2,
            OutboxStatus.failed,
            attempts=8,
            last_error="SMTPRecipientsRefused: 550 no such user",
        )
        _message(session, clock, 3)
    page = staff_client.get("/secretariat/outbox")
    text = page.text
    assert text.index("Message 3") < text.index("Message 2") < text.index("Message 1")
    assert "SMTPRecipientsRefused: 550 no such user" in text
    assert "person2@example.org" in text
    assert "Message bodies are not shown here: they hold personal links." in text
    assert "apply/link/abc123" not in text  # bodies hold personal links
    assert 'class="table-scroll"' in text


def test_outbox_filters_by_status(staff_client, sqlite_db, clock):
    with sqlite_db.write() as session:
        _message(session, clock, 1, OutboxStatus.sent)
        _message(session, clock, 2, OutboxStatus.failed, last_error="boom")
    page = staff_client.get("/secretariat/outbox?status=failed")
    assert "Message 2" in page.text and "Message 1" not in page.text
    assert '<option value="failed" selected>failed (1)</option>' in page.text


def test_outbox_is_paginated(staff_client, sqlite_db, clock):
    with sqlite_db.write() as session:
        for n in range(30):
            _message(session, clock, n)
    first = staff_client.get("/secretariat/outbox")
    assert (
        "Page 1 of 2" in first.text
        and "Message 29" in first.text
        and "Message 4<" not in first.text
    )
    second = staff_client.get("/secretariat/outbox?page=2")
    assert "Message 4<" in second.text and "Message 29" not in second.text


def test_retry_puts_a_failed_message_back_in_line(staff_client, sqlite_db, clock, smtp):
    with sqlite_db.write() as session:
        failed = _message(session, clock, 1, OutboxStatus.failed, attempts=8, last_error="timeout")
    page = staff_client.get("/secretariat/outbox")
    assert "Send again" in page.text
    response = staff_post(
        staff_client,
        f"/secretariat/outbox/{failed.id}/retry",
        {"back": "/secretariat/outbox?status=failed"},
    )
    assert response.headers["location"] == "/secretariat/outbox?status=failed"
    with sqlite_db.read() as session:
        stored = session.get_one(OutboxMessage, failed.id)
    assert (stored.status, stored.attempts) == (OutboxStatus.queued, 0)
    assert smtp.deliver(sqlite_db, clock() + timedelta(minutes=5)) == 1
    assert "The message will be sent again at once." in staff_client.get("/secretariat/outbox").text


def test_retry_of_an_unknown_message_says_so(staff_client):
    staff_post(staff_client, "/secretariat/outbox/999/retry")
    assert "There is no such message." in staff_client.get("/secretariat/outbox").text


def test_adviser_sees_the_outbox_without_retry_buttons(adviser_client, sqlite_db, clock):
    with sqlite_db.write() as session:
        _message(session, clock, 1, OutboxStatus.failed, last_error="boom")
    page = adviser_client.get("/secretariat/outbox")
    assert "Message 1" in page.text and "Send again" not in page.text


def test_demo_outbox_shows_bodies_with_safe_links(settings, sqlite_db, clock):
    app = create_app(settings.with_(demo=True), clock=clock, database=sqlite_db)
    make_staff(sqlite_db, clock())
    with sqlite_db.write() as session:
        _message(session, clock, 1)
    with TestClient(app, follow_redirects=False) as client:
        login(client)
        page = client.get("/secretariat/outbox").text
    assert (
        '<a href="http://testserver/apply/link/abc123" rel="noreferrer">'
        "http://testserver/apply/link/abc123</a>." in page
    )
    assert "&lt;script&gt;alert(1)&lt;/script&gt; javascript:alert(1)" in page
    assert "<script>alert" not in page
    # the message ends as it is sent, with the secretariat's address
    assert (
        "A question? Write to the secretariat of the European Drug Prevention Prize at "
        f"{settings.contact_email}, or reply to this e-mail.<br>" in page
    )


def test_linkify_escapes_everything_but_the_links_it_makes():
    assert str(linkify('see https://a.example/x?y=1&z="2"<b>')) == (
        'see <a href="https://a.example/x?y=1&amp;z=" rel="noreferrer">https://a.example/x?y=1&amp;z=</a>'
        "&#34;2&#34;&lt;b&gt;"
    )
    assert str(linkify("(http://a.example/p).")) == (
        '(<a href="http://a.example/p" rel="noreferrer">http://a.example/p</a>).'
    )
    assert str(linkify("ftp://a.example and javascript:x")) == "ftp://a.example and javascript:x"


def test_each_outbox_row_opens_its_message_with_its_status_as_a_pill(
    staff_client, sqlite_db, clock
):
    with sqlite_db.write() as session:
        failed = _message(
            session, clock, 1, OutboxStatus.failed, attempts=8, last_error="550 no such user"
        )
        held = _message(session, clock, 2, OutboxStatus.held)
    listing = staff_client.get("/secretariat/outbox").text
    assert listing.count('<tr class="rowlink">') == 2
    assert f'<a class="rowlink-main" href="/secretariat/outbox/{failed.id}">' in listing
    assert '<span class="pill pill-bad">failed</span>' in listing
    assert '<span class="pill pill-draft">held: rehearsal</span>' in listing
    page = staff_client.get(f"/secretariat/outbox/{failed.id}").text
    assert "<h1>Message to person1@example.org</h1>" in page
    assert "550 no such user" in page
    assert f'action="/secretariat/outbox/{failed.id}/retry"' in page
    assert "apply/link/abc123" not in page  # the body holds a personal link
    held_page = staff_client.get(f"/secretariat/outbox/{held.id}").text
    assert "Never sent: this address is not listed for the rehearsal." in held_page
    assert "/retry" not in held_page
    assert staff_client.get(f"/secretariat/outbox/{held.id + 100}").status_code == 404
