"""The outbox: messages written with the change, delivered over real SMTP, never lost."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlmodel import select

from prize.domain.shared import outbox
from prize.models import OutboxMessage, OutboxStatus
from tests.basekit import free_port


def _status(db, message_id):
    with db.read() as session:
        return session.get_one(OutboxMessage, message_id)


def _raw_message(db, now, subject, recipient="b@example.org"):
    with db.write() as session:
        row = OutboxMessage(
            kind="test",
            recipient=recipient,
            subject=subject,
            body="Hello\n",
            message_id=f"<id-{recipient.partition('@')[0]}@example.org>",
            created_at=now,
            next_attempt_at=now,
        )
        session.add(row)
        session.flush()
        return row.id


def test_a_message_that_cannot_be_built_fails_alone_and_the_rest_is_sent(db, clock, smtp):
    broken = _raw_message(db, clock(), "Broken\nsubject", recipient="broken@example.org")
    good = _raw_message(db, clock(), "Fine subject", recipient="good@example.org")

    report = outbox.deliver_due(
        database=db, smtp_url=smtp.url, mail_from="p@example.org", contact="", now=clock()
    )

    assert (report.sent, report.failed) == (1, 1)
    assert [m["Subject"] for m in smtp.inbox.to("good@example.org")] == ["Fine subject"]
    failed = _status(db, broken)
    assert failed.status is OutboxStatus.failed
    assert "linefeed" in failed.last_error
    assert _status(db, good).status is OutboxStatus.sent


def test_a_bug_while_sending_raises_and_leaves_the_messages_queued_not_failed(
    db, clock, smtp, monkeypatch
):
    first = _raw_message(db, clock(), "First", recipient="first@example.org")
    second = _raw_message(db, clock(), "Second", recipient="second@example.org")
    real = outbox.build_email

    def with_a_bug(message, mail_from, contact):
        if message.recipient == "first@example.org":
            raise TypeError("a bug in the code, not in the message")
        return real(message, mail_from, contact)

    monkeypatch.setattr(outbox, "build_email", with_a_bug)
    with pytest.raises(TypeError):
        outbox.deliver_due(
            database=db, smtp_url=smtp.url, mail_from="p@example.org", contact="", now=clock()
        )
    for message_id in (first, second):
        row = _status(db, message_id)
        assert (row.status, row.attempts, row.claimed_at) == (OutboxStatus.queued, 0, None)
    assert _status(db, first).last_error == "TypeError: a bug in the code, not in the message"
    assert smtp.inbox.messages == []

    monkeypatch.undo()  # the bug fixed: the next pass sends both
    assert smtp.deliver(db, clock()) == 2
    assert sorted(m["Subject"] for m in smtp.inbox.messages) == ["First", "Second"]


def test_smtp_down_keeps_the_message_queued_with_backoff_then_delivers_it(db, clock, smtp):
    message_id = _raw_message(db, clock(), "Wait for me")
    down = f"smtp://127.0.0.1:{free_port()}"  # nothing listens there: the server is down
    report = outbox.deliver_due(
        database=db, smtp_url=down, mail_from="p@example.org", contact="", now=clock()
    )
    assert report.failed == 1
    waiting = _status(db, message_id)
    assert waiting.status is OutboxStatus.queued
    assert waiting.next_attempt_at == clock() + outbox.backoff(1)
    assert waiting.last_error != ""

    # Not due yet: nothing is tried; once due, it is delivered with its Message-ID.
    assert (
        outbox.deliver_due(
            database=db, smtp_url=smtp.url, mail_from="p@example.org", contact="", now=clock()
        ).sent
        == 0
    )
    clock.advance(seconds=31)
    assert smtp.deliver(db, clock()) == 1
    assert [m["Message-ID"] for m in smtp.inbox.messages] == ["<id-b@example.org>"]


def test_a_claim_lost_in_a_crash_is_sent_again_with_the_same_message_id(db, clock, smtp):
    message_id = _raw_message(db, clock(), "Once")
    with db.write() as session:  # a sender claims it, then dies before sending
        assert [m.id for m in outbox.claim_due(session=session, now=clock())] == [message_id]
    assert smtp.deliver(db, clock()) == 0  # still leased to the dead sender
    clock.advance(minutes=11)
    assert smtp.deliver(db, clock()) == 1
    assert smtp.inbox.messages[0]["Message-ID"] == "<id-b@example.org>"
    with db.read() as session:
        assert session.exec(select(OutboxMessage.status)).all() == [OutboxStatus.sent]


def test_rendered_subjects_are_always_one_line(db, clock):
    edition = SimpleNamespace(title_en="Prize\r\nBcc: evil@example.org", title_fr="", year=2027)
    subject, _ = outbox.render(
        "juror_reminder",
        "en",
        {
            "edition": edition,
            "juror": SimpleNamespace(first_name="A"),
            "link": "http://x",
            "closes_at": None,
            "done": 1,
            "total": 2,
        },
    )
    assert "\n" not in subject and "\r" not in subject


def test_backoff_doubles_from_thirty_seconds_up_to_an_hour():
    assert [outbox.backoff(n).total_seconds() for n in (1, 2, 3, 8, 20)] == [
        30,
        60,
        120,
        3600,
        3600,
    ]
