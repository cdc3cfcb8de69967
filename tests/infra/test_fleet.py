"""The fleet proof: two real `prize serve` processes on one PostgreSQL behind a round-robin
proxy (tests/fleetkit.py), one browser's requests alternating between them: a file uploaded
through one is downloaded through the other by the applicant and by the secretariat; failed
sign-ins, and requests for links by e-mail, sent at once through both are held to their
limits."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import timedelta

import httpx2 as httpx
import pytest
from sqlmodel import col, select

from prize.domain.applicants import applications
from prize.domain.staff import signin
from prize.models import OutboxMessage, RateEvent, utcnow
from tests.applykit import APPLICANT, link_maker, make_call, start_application, tiny_pdf
from tests.fleetkit import RoundRobinProxy, csrf, one_request_per_connection, serve, sign_in
from tests.staffkit import STAFF_PASSWORD, make_staff


@pytest.fixture
def fleet(postgres_db, tmp_path) -> Iterator[RoundRobinProxy]:
    with ExitStack() as stack:
        a = serve(stack, postgres_db, tmp_path / "a")
        b = serve(stack, postgres_db, tmp_path / "b")
        proxy = RoundRobinProxy({"a": a.port, "b": b.port})
        stack.callback(proxy.close)
        yield proxy


def _turn_to(browser: httpx.Client, proxy: RoundRobinProxy, machine: str) -> None:
    """Let the balancer's turn come to ``machine`` (a health check goes to the other)."""
    if proxy.upcoming != machine:
        assert browser.get(proxy.url + "/health").status_code == 200


def test_a_file_uploaded_through_one_machine_is_downloaded_through_the_other(postgres_db, fleet):
    make_call(postgres_db, utcnow(), opens_at=utcnow() - timedelta(days=1))  # real time: servers
    application = start_application(postgres_db, utcnow())
    make_staff(postgres_db, utcnow())
    files = f"/apply/{application.id}/files"
    with one_request_per_connection() as applicant, one_request_per_connection() as officer:
        link = link_maker(clock=utcnow).token(application)
        assert applicant.get(f"{fleet.url}/apply/link/{link}").status_code == 303
        token = csrf(applicant, fleet.url + files)
        _turn_to(applicant, fleet, "a")
        sent = applicant.post(
            fleet.url + files,
            data={"csrf_token": token},
            files={"file": ("report.pdf", tiny_pdf(), "application/pdf")},
        )
        assert sent.status_code == 303
        listed = applicant.get(fleet.url + files).text
        file_id = listed.split(f'href="{files}/')[1].split('"')[0]
        _turn_to(applicant, fleet, "b")
        downloaded = applicant.get(f"{fleet.url}{files}/{file_id}")
        assert downloaded.content == tiny_pdf()

        signed_in = sign_in(officer, fleet.url, STAFF_PASSWORD)
        assert signed_in.status_code == 303
        staff_file = f"/secretariat/applications/{application.id}/files/{file_id}"
        _turn_to(officer, fleet, "b")
        assert officer.get(fleet.url + staff_file).content == tiny_pdf()
        _turn_to(officer, fleet, "a")
        assert officer.get(fleet.url + staff_file).content == tiny_pdf()
    assert fleet.served(f"POST {files} ") == ["a"]
    assert fleet.served(f"GET {files}/{file_id} ") == ["b"]
    assert fleet.served(f"GET {staff_file} ") == ["b", "a"]


def test_failed_sign_ins_at_once_through_both_machines_are_held_to_the_limit(postgres_db, fleet):
    make_staff(postgres_db, utcnow())
    attempts = signin.LOGIN_ACCOUNT_LIMIT + 5
    browsers = [one_request_per_connection() for _ in range(attempts)]
    tokens = [csrf(browser, fleet.url + "/secretariat/login") for browser in browsers]

    def attempt(index: int) -> httpx.Response:
        return sign_in(browsers[index], fleet.url, "not the password", tokens[index])

    with ThreadPoolExecutor(max_workers=attempts) as pool:
        answers = list(pool.map(attempt, range(attempts)))
    assert {a.status_code for a in answers} == {303}  # each refusal is shown after a redirect
    shown = [
        b.get(fleet.url + a.headers["location"]) for b, a in zip(browsers, answers, strict=True)
    ]
    wrong = [a for a in shown if "password is not right" in a.text]
    held = [a for a in shown if "Too many failed attempts for this account" in a.text]
    assert len(wrong) == signin.LOGIN_ACCOUNT_LIMIT
    assert len(held) == attempts - signin.LOGIN_ACCOUNT_LIMIT
    assert all("password is not right" in a.text for a in wrong)
    assert all("Too many failed attempts for this account" in a.text for a in held)
    assert set(fleet.served("POST /secretariat/login ")) == {"a", "b"}
    with postgres_db.read() as session:
        counted = session.exec(
            select(RateEvent).where(col(RateEvent.key).startswith("login:"))
        ).all()
    # Refused attempts are not counted: one account row and one client row per checked password
    assert len(counted) == 2 * signin.LOGIN_ACCOUNT_LIMIT
    right = sign_in(browsers[0], fleet.url, STAFF_PASSWORD, tokens[0])
    right = browsers[0].get(fleet.url + right.headers["location"])
    assert "Too many failed attempts for this account" in right.text  # even the right password
    for browser in browsers:
        browser.close()


def test_link_requests_at_once_through_both_machines_are_held_to_the_address_limit(
    postgres_db, fleet
):
    make_call(postgres_db, utcnow(), opens_at=utcnow() - timedelta(days=1))
    start_application(postgres_db, utcnow())  # its start e-mail counts against the address
    allowed = applications.MAIL_PER_ADDRESS - 1
    attempts = allowed + 5
    browsers = [one_request_per_connection() for _ in range(attempts)]
    tokens = [csrf(browser, fleet.url + "/apply/resend") for browser in browsers]

    def ask(index: int) -> httpx.Response:
        return browsers[index].post(
            fleet.url + "/apply/resend", data={"email": APPLICANT, "csrf_token": tokens[index]}
        )

    with ThreadPoolExecutor(max_workers=attempts) as pool:
        answers = list(pool.map(ask, range(attempts)))
    assert {a.status_code for a in answers} == {303}  # sent, or the refusal after a redirect
    assert sum(a.headers["location"] == "/apply/sent" for a in answers) == allowed
    held = [
        b.get(fleet.url + a.headers["location"])
        for b, a in zip(browsers, answers, strict=True)
        if a.headers["location"] != "/apply/sent"
    ]
    for browser in browsers:
        browser.close()
    assert len(held) == attempts - allowed
    assert all("Too many e-mails were sent to this address" in a.text for a in held)
    assert all(f'value="{APPLICANT}"' in a.text for a in held)  # what was typed is kept
    assert set(fleet.served("POST /apply/resend ")) == {"a", "b"}
    with postgres_db.read() as session:
        sent = session.exec(select(OutboxMessage).where(OutboxMessage.recipient == APPLICANT)).all()
    assert len(sent) == 1 + allowed  # the start e-mail and one per request let through
