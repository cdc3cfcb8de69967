"""E-mail in the tests: a real SMTP server in-process (aiosmtpd) that collects what it receives.

- ``smtp`` fixture: the server (``smtp.url``), its ``inbox`` (``Inbox.to(address)``), and
  ``smtp.deliver(database, now)``, which runs the outbox sender into it until nothing is due.
- ``body_of(message)``: a received message's text.
- ``queue_invitations(database, count, now)``: ``count`` messages in the outbox, as the app
  queues them; their Message-IDs.
- ``running_smtp(inbox)``: the same server around any ``Inbox``, such as ``Inbox(delay=0.5)``,
  a slow server that takes that long over each message before accepting it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from email import message_from_bytes, policy
from email.message import Message

import pytest
from aiosmtpd.controller import Controller

from prize.db import Database
from prize.domain.shared import outbox
from prize.models import Staff
from tests.basekit import free_port

CONTACT = "secretariat@example.org"  # PRIZE_CONTACT_EMAIL in the tests


class Inbox:
    """Collects what the in-process SMTP server receives."""

    def __init__(self, delay: float = 0.0) -> None:
        self.messages: list[Message] = []
        self.delay = delay

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        message = message_from_bytes(
            envelope.original_content or envelope.content, policy=policy.default
        )
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if address in m["X-Envelope-To"]]

    def clear(self) -> None:
        self.messages.clear()


def queue_invitations(database: Database, count: int, now: datetime) -> list[str]:
    with database.write() as session:
        return [
            outbox.queue(
                session=session,
                kind="staff_invitation",
                recipient=f"person{i}@example.org",
                language="en",
                template="staff_invitation",
                context={
                    "staff": Staff(name=f"Person {i}", email=f"person{i}@example.org"),
                    "link": f"https://prize.example.org/secretariat/reset/t{i}",
                },
                now=now,
                mail_domain="example.org",
            ).message_id
            for i in range(count)
        ]


def body_of(message: Message) -> str:
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode(message.get_content_charset() or "utf-8")


@dataclass
class Smtp:
    inbox: Inbox
    url: str
    controller: Controller

    def deliver(
        self,
        database: Database,
        now: datetime,
        mail_from: str = "prize@example.org",
        contact: str = CONTACT,
    ) -> int:
        """Run the outbox sender until nothing is due; return how many were sent."""
        sent = 0
        while True:
            report = outbox.deliver_due(
                database=database, smtp_url=self.url, mail_from=mail_from, contact=contact, now=now
            )
            sent += report.sent
            if report.sent == 0:
                return sent


@pytest.fixture
def smtp() -> Iterator[Smtp]:
    with running_smtp(Inbox()) as server:
        yield server


@contextmanager
def running_smtp(inbox: Inbox) -> Iterator[Smtp]:
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield Smtp(inbox=inbox, url=f"smtp://127.0.0.1:{port}", controller=controller)
    finally:
        controller.stop()
