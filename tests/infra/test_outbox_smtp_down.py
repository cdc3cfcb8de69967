"""The SMTP server down for a while: messages stay queued, retried with backoff, and every one
is delivered once it returns, none lost. A crash between the server's acceptance and the mark
leaves the row ``sending``; after the lease it is sent again, with the same Message-ID (the only
repeat there ever is). On SQLite and PostgreSQL, against a real SMTP server (aiosmtpd)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import col, select

from prize.domain.shared import outbox
from prize.models import OutboxMessage, OutboxStatus
from tests.basekit import free_port
from tests.mailkit import CONTACT, Inbox, queue_invitations

START = datetime(2027, 3, 1, 10, tzinfo=UTC)
FROM = "Prize <prize@example.org>"


def queue(db, n: int, now: datetime = START) -> list[str]:
    return queue_invitations(db, n, now)


def rows(db) -> list[OutboxMessage]:
    with db.read() as session:
        return list(session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))))


def deliver(db, smtp, now: datetime) -> outbox.DeliveryReport:
    return outbox.deliver_due(
        database=db, smtp_url=smtp.url, mail_from=FROM, contact=CONTACT, now=now
    )


class Server:
    """A real SMTP server (aiosmtpd) that can go down and come back on the same address."""

    def __init__(self) -> None:
        self.inbox = Inbox()
        self.port = free_port()
        self.url = f"smtp://127.0.0.1:{self.port}"
        self.controller: Controller | None = None

    def up(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def down(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp() -> Iterator[Server]:
    server = Server()
    server.up()
    yield server
    server.down()


def restart(smtp: Server) -> None:
    smtp.up()


def received_ids(smtp) -> Counter[str]:
    return Counter(m["Message-ID"] for m in smtp.inbox.messages)


def test_smtp_down_for_a_while_keeps_messages_queued_with_backoff_then_delivers_each_once(db, smtp):
    ids = queue(db, 6)
    smtp.down()
    report = deliver(db, smtp, START)
    assert (report.sent, report.failed) == (0, 6)
    first = rows(db)
    assert {(m.status, m.attempts) for m in first} == {(OutboxStatus.queued, 1)}
    assert {m.next_attempt_at for m in first} == {START + timedelta(seconds=30)}
    assert all(m.last_error for m in first)
    assert deliver(db, smtp, START + timedelta(seconds=20)).failed == 0  # backing off: not tried
    assert {m.attempts for m in rows(db)} == {1}
    assert deliver(db, smtp, START + timedelta(seconds=31)).failed == 6  # tried again, still down
    assert {m.next_attempt_at for m in rows(db)} == {START + timedelta(seconds=91)}  # 31 s + 1 min
    restart(smtp)
    assert deliver(db, smtp, START + timedelta(seconds=50)).sent == 0  # still backing off
    report = deliver(db, smtp, START + timedelta(minutes=2))
    assert report.sent == 6
    assert deliver(db, smtp, START + timedelta(hours=1)).sent == 0
    assert received_ids(smtp) == Counter({message_id: 1 for message_id in ids})
    assert {m.status for m in rows(db)} == {OutboxStatus.sent}


def test_a_message_that_keeps_failing_is_marked_failed_then_sent_when_retried(db, smtp):
    [message_id] = queue(db, 1)
    smtp.down()
    when = START
    for _ in range(outbox.MAX_ATTEMPTS):
        deliver(db, smtp, when)
        when += timedelta(hours=2)
    [row] = rows(db)
    assert (row.status, row.attempts) == (OutboxStatus.failed, outbox.MAX_ATTEMPTS)
    assert deliver(db, smtp, when + timedelta(days=1)).failed == 0  # no longer tried by itself
    restart(smtp)
    with db.write() as session:
        outbox.retry(session=session, message_id=row.id, now=when)  # the secretariat's button
    assert deliver(db, smtp, when).sent == 1
    assert received_ids(smtp) == Counter({message_id: 1})


def test_a_crash_between_acceptance_and_the_mark_resends_once_with_the_same_message_id(
    db, smtp, monkeypatch
):
    ids = queue(db, 3)

    class Crash(BaseException):
        """The process dies: nothing after this line runs."""

    def crash(**kwargs: object) -> None:
        raise Crash()

    with monkeypatch.context() as patch:
        patch.setattr(outbox, "mark_sent", crash)
        with pytest.raises(Crash):
            deliver(db, smtp, START)
    assert received_ids(smtp) == Counter({ids[0]: 1})  # accepted by the server, not marked
    assert [m.status for m in rows(db)] == [OutboxStatus.sending] * 3
    assert deliver(db, smtp, START + timedelta(minutes=9)).sent == 0  # the lease still holds
    report = deliver(db, smtp, START + outbox.LEASE + timedelta(seconds=1))
    assert report.sent == 3
    assert received_ids(smtp) == Counter({ids[0]: 2, ids[1]: 1, ids[2]: 1})
    assert {m.status for m in rows(db)} == {OutboxStatus.sent}
    repeated = [m for m in smtp.inbox.messages if m["Message-ID"] == ids[0]]
    assert repeated[0].as_string() == repeated[1].as_string()  # the very same message
