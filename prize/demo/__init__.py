"""Demo data, built only through the domain functions (never by writing rows directly).

``build`` makes: the open 2027 call with its criteria and a few applications; a sample edition
whose jury is part-way through its first round; and the 2016 edition told through the real
ballots and the real tally. Every e-mail goes to example.org addresses and stays in the outbox.
"""

from __future__ import annotations

from datetime import datetime

from prize.db import Database
from prize.demo import call2027, jury_sample, story2016
from prize.demo.steps import DEMO_EMAIL, DEMO_PASSWORD, DemoReport
from prize.domain.shared import audit
from prize.domain.staff import staff
from prize.security import Passwords
from prize.settings import Settings


def build(*, database: Database, settings: Settings, now: datetime) -> DemoReport:
    report = DemoReport()
    passwords = Passwords(fast=settings.argon2_fast)
    with database.write() as session:
        staff.create_staff(
            session=session,
            passwords=passwords,
            actor=audit.SYSTEM,
            now=now,
            email=DEMO_EMAIL,
            password=DEMO_PASSWORD,
            name="Demo Secretariat",
        )
    call2027.build(database=database, settings=settings, now=now, report=report)
    jury_sample.build(database=database, settings=settings, now=now, report=report)
    story2016.build(database=database, settings=settings, now=now, report=report)
    return report
