"""Every rate limit holds under concurrency: many requests for one key at once, shared by two
worker processes on PostgreSQL, get exactly the limit through, not one more.

A real ``prize serve --workers 2`` on a fresh PostgreSQL database; each request comes from its
own client (its own session and CSRF token), and all of one burst are sent at the same instant.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx2 as httpx
import pytest
from sqlmodel import col, func, select

from prize.db import Database
from prize.domain.applicants.applications import MAIL_PER_ADDRESS
from prize.domain.staff.signin import LOGIN_ACCOUNT_LIMIT, RESET_ADDRESS_LIMIT, RESET_CLIENT_LIMIT
from prize.models import AuditEvent, OutboxMessage, RateEvent, Staff, utcnow
from tests.appkit import TEST_KEYS
from tests.applykit import make_call, start_application
from tests.dbkit import new_postgres_database
from tests.faultkit import ServerProcess
from tests.staffkit import STAFF_PASSWORD, make_staff

# One worker serves the module (two server processes on one database), not one per xdist worker.
pytestmark = [pytest.mark.postgres, pytest.mark.xdist_group("throttle")]

BURST = 30
APPLICANT = "burst@example.org"
OFFICER = "officer@example.org"
CHANGER = "changer@example.org"  # changes their password: their own account's count


@dataclass
class Served:
    url: str
    database: Database


@pytest.fixture(scope="module")
def served(pg_template: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """Two worker processes on one fresh PostgreSQL database: an open call with one draft (its
    start counted two hours ago, outside every window) and two back-office accounts."""
    folder = tmp_path_factory.mktemp("throttle")
    with new_postgres_database(pg_template) as database:
        now = utcnow()
        make_call(
            database, now, opens_at=now - timedelta(days=1), deadline=now + timedelta(days=30)
        )
        start_application(database, now - timedelta(hours=2), email=APPLICANT)
        make_staff(database, now, email=OFFICER)
        make_staff(database, now, email=CHANGER)
        server = ServerProcess(
            {
                "PRIZE_SECRET_KEYS": ",".join(TEST_KEYS),
                "PRIZE_DATABASE_URL": database.url,
                "PRIZE_STORAGE_DIR": str(folder / "storage"),
                "PRIZE_OUTBOX_INTERVAL": "3600",
                "PRIZE_ACCESS_LOG": "false",
                "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
            },
            folder / "server.log",
            prize_serve=True,
            workers=2,
        )
        server.start()
        try:
            yield Served(server.url, database)
        finally:
            server.stop()


def _burst(
    url: str,
    form_path: str,
    post_path: str,
    data: dict[str, str],
    cookies: dict[str, str] | None = None,
) -> list[str]:
    """``BURST`` clients (each with a copy of ``cookies``) open the form, then all post it at the
    same instant; each answer's status, redirect target and text (for a refusal, the text of
    the page it redirects to, where it is shown)."""
    clients = [httpx.Client(base_url=url, timeout=60, cookies=cookies) for _ in range(BURST)]
    try:
        tokens = []
        for client in clients:
            match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(form_path).text)
            assert match, form_path
            tokens.append(match.group(1))
        start = threading.Barrier(BURST)

        def send(i: int) -> str:
            start.wait(timeout=30)
            answer = clients[i].post(post_path, data={**data, "csrf_token": tokens[i]})
            location, text = answer.headers.get("location", ""), answer.text
            if answer.status_code == 303 and "refused=" in location:
                text = clients[i].get(location).text
            return f"{answer.status_code} {location} {text}"

        with ThreadPoolExecutor(max_workers=BURST) as pool:
            return list(pool.map(send, range(BURST)))
    finally:
        for client in clients:
            client.close()


def _outbox(database: Database, kind: str, recipient: str) -> int:
    with database.read() as session:
        return int(
            session.exec(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.kind == kind, OutboxMessage.recipient == recipient)
            ).one()
        )


def test_concurrent_link_requests_for_one_address_send_exactly_the_limit(served):
    answers = _burst(served.url, "/apply/resend", "/apply/resend", {"email": APPLICANT})
    refused = (
        "Too many e-mails were sent to this address. Please wait an hour, then check your "
        "inbox and spam folder before asking again."
    )
    seen = Counter(
        "sent"
        if a.startswith("303 /apply/sent ")
        else "refused"
        if a.startswith("303 /apply/resend?refused=") and refused in " ".join(a.split())
        else a
        for a in answers
    )
    assert seen == {"sent": MAIL_PER_ADDRESS, "refused": BURST - MAIL_PER_ADDRESS}
    assert _outbox(served.database, "application_links", APPLICANT) == MAIL_PER_ADDRESS


def test_concurrent_forgotten_password_requests_send_exactly_the_limit(served):
    answers = _burst(
        served.url,
        "/secretariat/password/forgot",
        "/secretariat/password/forgot",
        {"email": OFFICER},
    )
    seen = Counter(
        "answered"
        if a.startswith("303 ") and f"If {OFFICER} belongs to an active account" in a
        else "refused"
        if a.startswith("303 ") and "Too many requests from your connection." in a
        else a
        for a in answers
    )
    assert seen == {"answered": RESET_CLIENT_LIMIT, "refused": BURST - RESET_CLIENT_LIMIT}
    assert _outbox(served.database, "staff_password_reset", OFFICER) == RESET_ADDRESS_LIMIT


def test_concurrent_wrong_sign_ins_check_exactly_the_limit_of_passwords(served):
    answers = _burst(
        served.url,
        "/secretariat/login",
        "/secretariat/login",
        {"email": OFFICER, "password": "a wrong guess", "next": "/secretariat"},
    )
    seen = Counter(
        "checked"
        if a.startswith("303 ") and "The e-mail address or the password is not right." in a
        else "refused"
        if a.startswith("303 ") and "Too many failed attempts for this account." in a
        else a
        for a in answers
    )
    assert seen == {"checked": LOGIN_ACCOUNT_LIMIT, "refused": BURST - LOGIN_ACCOUNT_LIMIT}
    assert _attempts(served.database, OFFICER) == LOGIN_ACCOUNT_LIMIT


def test_concurrent_wrong_current_passwords_check_exactly_the_limit_and_end_the_session(served):
    with httpx.Client(base_url=served.url, timeout=60) as browser:
        page = browser.get("/secretariat/login").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        signed_in = browser.post(
            "/secretariat/login",
            data={"email": CHANGER, "password": STAFF_PASSWORD, "csrf_token": token},
        )
        assert signed_in.headers["location"] == "/secretariat"
        cookies = {"prize_session": browser.cookies["prize_session"]}
    new = "purple elephants dance slowly"
    answers = _burst(
        served.url,
        "/secretariat/account/password",
        "/secretariat/account/password",
        {"current": "a wrong guess", "new": new, "again": new},
        cookies=cookies,
    )
    seen = Counter(
        "ended"
        if a.startswith("303 /secretariat/login")  # signed out, or found so
        else "wrong"  # refused: its page says so, unless the session ended meanwhile
        if a.startswith("303 /secretariat/account/password?refused=")
        and ("Your current password is not right." in a or a.endswith(" "))
        else a
        for a in answers
    )
    assert set(seen) <= {"ended", "wrong"}
    assert seen["ended"] >= BURST - LOGIN_ACCOUNT_LIMIT
    assert _attempts(served.database, CHANGER) == LOGIN_ACCOUNT_LIMIT
    with served.database.read() as session:
        kinds = session.exec(select(AuditEvent.kind).where(AuditEvent.subject_kind == "staff"))
        assert list(kinds).count("staff.sessions_ended") == 1
        changer = session.exec(select(Staff).where(Staff.email == CHANGER)).one()
    assert changer.session_version == 2
    with httpx.Client(base_url=served.url, timeout=60, cookies=cookies) as thief:
        assert "Secretariat sign-in" in thief.get("/secretariat", follow_redirects=True).text


def _attempts(database: Database, email: str) -> int:
    """The counted sign-in attempts of an account: each is one password checked."""
    with database.read() as session:
        return int(
            session.exec(
                select(func.count())
                .select_from(RateEvent)
                .where(col(RateEvent.key) == f"login:account:{email}")
            ).one()
        )
