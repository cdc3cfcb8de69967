"""Two senders and a slow mail relay: before each message, a sender renews its claims on the
rest of its batch, so a batch that outlasts the lease is not taken over and sent again by
another sender; a claim another sender has taken is left to it."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from prize.domain.shared import outbox
from prize.models import OutboxMessage, OutboxStatus
from tests.appkit import Clock

SLOW = timedelta(minutes=4)  # each message takes the relay this long: a batch of 3, 12 minutes


def _queue(db, now, n):
    with db.write() as session:
        for i in range(n):
            session.add(
                OutboxMessage(
                    kind="test",
                    recipient=f"r{i}@example.org",
                    subject=f"Message {i}",
                    body="Hello\n",
                    message_id=f"<m{i}@example.org>",
                    created_at=now,
                    next_attempt_at=now,
                )
            )


def test_a_batch_longer_than_the_lease_is_sent_once_beside_another_sender(db, smtp, monkeypatch):
    clock = Clock()
    _queue(db, clock(), 3)
    real_send = outbox.send
    other: list[outbox.DeliveryReport] = []

    def slow_relay(email, target, **kwargs):
        clock.advance(seconds=SLOW.total_seconds())
        real_send(email, target, **kwargs)
        if len(smtp.inbox.messages) == 2:  # meanwhile, 10.5 minutes in, the other sender
            clock.advance(minutes=2, seconds=30)
            other.append(
                outbox.deliver_due(
                    database=db,
                    smtp_url=smtp.url,
                    mail_from="p@example.org",
                    contact="",
                    now=clock(),
                )
            )

    monkeypatch.setattr(outbox, "send", slow_relay)
    first = outbox.deliver_due(
        database=db,
        smtp_url=smtp.url,
        mail_from="p@example.org",
        contact="",
        now=clock(),
        clock=clock,
    )

    assert (first.sent, first.taken_over) == (3, 0)
    assert other[0].sent == 0  # nothing was due: every claim had been renewed
    assert sorted(m["Message-ID"] for m in smtp.inbox.messages) == [
        "<m0@example.org>",
        "<m1@example.org>",
        "<m2@example.org>",
    ]
    with db.read() as session:
        assert set(session.exec(select(OutboxMessage.status))) == {OutboxStatus.sent}


def test_a_claim_taken_by_another_sender_is_left_to_it(db):
    clock = Clock()
    _queue(db, clock(), 1)
    with db.write() as session:
        [mine] = outbox.claim_due(session=session, now=clock())
    clock.advance(minutes=11)  # this sender stalled past its lease: another one claims
    with db.write() as session:
        [theirs] = outbox.claim_due(session=session, now=clock())
    assert outbox._renew(db, [mine], clock()) == set()
    assert outbox._renew(db, [theirs], clock()) == {theirs.id}
