"""The fleet proof: two real `prize serve` processes on one PostgreSQL behind a round-robin
proxy (tests/fleetkit.py), one browser's requests alternating between them: a file uploaded
through one is downloaded through the other by the applicant, the secretariat and a juror,
and removed through the other is gone from the store;
failed sign-ins, and requests for links by e-mail, sent at once through both are held to their
limits; keys rotated in two steps, machine by machine, sign nobody out and refuse no link; a
backup holds the files uploaded through both, and a restore into a fresh database gives them
back byte for byte."""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import timedelta

import httpx2 as httpx
import pytest
from sqlmodel import col, select

from prize.db import Database
from prize.domain.applicants import applications
from prize.domain.staff import signin
from prize.models import (
    Application,
    ApplicationStatus,
    Edition,
    EditionState,
    OutboxMessage,
    RateEvent,
    utcnow,
)
from prize.storage import DatabaseStore
from tests import jury_factories
from tests.appkit import TEST_KEYS
from tests.applykit import (
    APPLICANT,
    complete_form,
    link_maker,
    make_call,
    start_application,
    tiny_pdf,
)
from tests.dbkit import TEST_AUDIT_KEYS, _pg_admin, _pg_url
from tests.fleetkit import (
    RoundRobinProxy,
    csrf,
    one_request_per_connection,
    prize,
    restart,
    serve,
    serve_pair,
    sign_in,
)
from tests.staffkit import STAFF_PASSWORD, make_staff

NEW_KEY = "rotation-new-key-0123456789abcdef"


@pytest.fixture
def fleet(postgres_db, tmp_path) -> Iterator[RoundRobinProxy]:
    with ExitStack() as stack:
        a, b = serve_pair(stack, postgres_db, tmp_path)
        proxy = RoundRobinProxy({"a": a.port, "b": b.port})
        stack.callback(proxy.close)
        yield proxy


def _open_call(database) -> None:
    now = utcnow()  # the servers run on the real time
    make_call(database, now, opens_at=now - timedelta(days=1), deadline=now + timedelta(days=30))


def _upload(
    browser: httpx.Client, proxy: RoundRobinProxy, machine: str, application_id: int, data: bytes
) -> None:
    """The applicant's upload of ``data`` through the proxy, sent to ``machine``."""
    files = f"/apply/{application_id}/files"
    token = csrf(browser, proxy.url + files)
    proxy.turn_to(browser, machine)
    sent = browser.post(
        proxy.url + files,
        data={"csrf_token": token},
        files={"file": ("report.pdf", data, "application/pdf")},
    )
    assert sent.status_code == 303, sent.text


def test_a_file_uploaded_through_one_machine_is_downloaded_through_the_other(postgres_db, fleet):
    _open_call(postgres_db)
    application = start_application(postgres_db, utcnow())
    make_staff(postgres_db, utcnow())
    files = f"/apply/{application.id}/files"
    with one_request_per_connection() as applicant, one_request_per_connection() as officer:
        link = link_maker(clock=utcnow).token(application)
        assert applicant.get(f"{fleet.url}/apply/link/{link}").status_code == 303
        token = csrf(applicant, fleet.url + files)
        fleet.turn_to(applicant, "a")
        sent = applicant.post(
            fleet.url + files,
            data={"csrf_token": token},
            files={"file": ("report.pdf", tiny_pdf(), "application/pdf")},
        )
        assert sent.status_code == 303
        listed = applicant.get(fleet.url + files).text
        file_id = listed.split(f'href="{files}/')[1].split('"')[0]
        fleet.turn_to(applicant, "b")
        downloaded = applicant.get(f"{fleet.url}{files}/{file_id}")
        assert downloaded.content == tiny_pdf()

        signed_in = sign_in(officer, fleet.url, STAFF_PASSWORD)
        assert signed_in.status_code == 303
        staff_file = f"/secretariat/applications/{application.id}/files/{file_id}"
        fleet.turn_to(officer, "b")
        assert officer.get(fleet.url + staff_file).content == tiny_pdf()
        fleet.turn_to(officer, "a")
        assert officer.get(fleet.url + staff_file).content == tiny_pdf()

        token = csrf(applicant, fleet.url + files)
        fleet.turn_to(applicant, "b")
        removed = applicant.post(f"{fleet.url}{files}/{file_id}/delete", data={"csrf_token": token})
        assert removed.status_code == 303
        fleet.turn_to(applicant, "a")
        gone = applicant.get(f"{fleet.url}{files}/{file_id}")
        assert gone.status_code == 404 and tiny_pdf() not in gone.content
    assert fleet.served(f"POST {files} ") == ["a"]
    assert fleet.served(f"GET {files}/{file_id} ") == ["b", "a"]
    assert fleet.served(f"GET {staff_file} ") == ["b", "a"]
    assert fleet.served(f"POST {files}/{file_id}/delete ") == ["b"]
    assert DatabaseStore(postgres_db).listing() == []  # gone from the store shared by both


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
    _open_call(postgres_db)
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


def test_a_file_uploaded_through_one_machine_is_downloaded_by_a_juror_through_the_other(
    postgres_db, fleet
):
    _open_call(postgres_db)
    application = start_application(postgres_db, utcnow())
    form = f"/apply/{application.id}"
    with one_request_per_connection() as applicant, one_request_per_connection() as juror:
        link = link_maker(clock=utcnow).token(application)
        assert applicant.get(f"{fleet.url}/apply/link/{link}").status_code == 303
        _upload(applicant, fleet, "a", application.id, tiny_pdf())
        fields = {**complete_form(), "action": "submit"}
        submitted = applicant.post(
            fleet.url + form, data={**fields, "csrf_token": csrf(applicant, fleet.url + form)}
        )
        assert submitted.headers["location"] == f"{form}/submitted", submitted.text
        with postgres_db.write() as session:  # screened eligible; the first jury round opens
            row = session.get_one(Application, application.id)
            row.status = ApplicationStatus.eligible
            edition = session.get_one(Edition, row.edition_id)
            edition.state = EditionState.shortlisting
            edition.shortlist_closes_at = utcnow() + timedelta(days=20)
            edition.final_closes_at = utcnow() + timedelta(days=40)
            session.add_all([row, edition])
            lena = jury_factories.juror(
                session=session, edition=edition, now=utcnow(), onboarded=True
            )
            reference = row.reference
        opened = juror.get(fleet.url + jury_factories.link_path(lena, utcnow))
        assert opened.headers["location"] == "/ballot", opened.text
        page = juror.get(f"{fleet.url}/ballot/applications/{reference}")
        assert "Street theatre against drugs" in page.text
        found = re.search(rf'href="(/ballot/applications/{reference}/files/\d+)"', page.text)
        assert found, page.text
        fleet.turn_to(juror, "b")
        downloaded = juror.get(fleet.url + found.group(1))
    assert downloaded.content == tiny_pdf()
    assert downloaded.headers["content-disposition"].startswith("attachment;")
    assert fleet.served(f"POST /apply/{application.id}/files ") == ["a"]
    assert fleet.served(f"GET {found.group(1)} ") == ["b"]


def _signed_in(officer: httpx.Client, proxy: RoundRobinProxy) -> None:
    """The officer's session is good on both machines: the back office opens on each."""
    for machine in ("a", "b"):
        proxy.turn_to(officer, machine)
        page = officer.get(proxy.url + "/secretariat")
        assert page.status_code == 200, (machine, page.headers.get("location"))


def _mailed_link(database, since: int) -> str:
    """The application link in the newest e-mail sent after outbox row ``since``."""
    with database.read() as session:
        newest = session.exec(
            select(OutboxMessage)
            .where(col(OutboxMessage.id) > since)
            .order_by(col(OutboxMessage.id).desc())
        ).first()
    assert newest is not None
    found = re.search(r"https?://[^\s]+(/apply/link/[^\s]+)", newest.body)
    assert found, newest.body
    return found.group(1)


def _last_outbox_id(database) -> int:
    with database.read() as session:
        return max(session.exec(select(OutboxMessage.id)).all(), default=0) or 0


def test_keys_rotated_in_two_steps_machine_by_machine_sign_nobody_out_and_refuse_no_link(
    postgres_db, tmp_path
):
    _open_call(postgres_db)
    application = start_application(postgres_db, utcnow())
    make_staff(postgres_db, utcnow())
    old_link = f"/apply/link/{link_maker(clock=utcnow).token(application)}"  # an old key's
    with ExitStack() as stack:
        a, b = serve_pair(stack, postgres_db, tmp_path)
        proxy = RoundRobinProxy({"a": a.port, "b": b.port})
        stack.callback(proxy.close)
        officer = stack.enter_context(one_request_per_connection())
        applicant = stack.enter_context(one_request_per_connection())
        assert sign_in(officer, proxy.url, STAFF_PASSWORD).status_code == 303
        _signed_in(officer, proxy)
        # Step 1, machine by machine: the new key accepted, not used yet
        restart(a, PRIZE_SECRET_KEYS_VERIFY_ONLY=NEW_KEY)
        _signed_in(officer, proxy)
        restart(b, PRIZE_SECRET_KEYS_VERIFY_ONLY=NEW_KEY)
        _signed_in(officer, proxy)
        # Step 2, machine by machine: A signs with the new key while B still signs with the old
        signing = ",".join((NEW_KEY, *TEST_KEYS))
        restart(a, drop=("PRIZE_SECRET_KEYS_VERIFY_ONLY",), PRIZE_SECRET_KEYS=signing)
        _signed_in(officer, proxy)
        since = _last_outbox_id(postgres_db)
        proxy.turn_to(applicant, "a")
        token = csrf(applicant, proxy.url + "/apply/resend")  # a form from the old-key machine
        proxy.turn_to(applicant, "a")
        asked = applicant.post(
            proxy.url + "/apply/resend", data={"email": APPLICANT, "csrf_token": token}
        )
        assert asked.status_code == 303, asked.text
        new_link = _mailed_link(postgres_db, since)  # signed by A with the new key
        for link in (new_link, old_link):
            for machine in ("b", "a"):
                proxy.turn_to(applicant, machine)
                opened = applicant.get(proxy.url + link)
                assert opened.headers["location"] == f"/apply/{application.id}/tasks", (
                    link,
                    machine,
                )
        restart(b, drop=("PRIZE_SECRET_KEYS_VERIFY_ONLY",), PRIZE_SECRET_KEYS=signing)
        _signed_in(officer, proxy)
        for machine in ("a", "b"):
            proxy.turn_to(applicant, machine)
            assert applicant.get(proxy.url + new_link).status_code == 303
    assert set(proxy.served("GET /secretariat ")) == {"a", "b"}


def test_a_backup_holds_the_files_uploaded_through_both_and_a_restore_gives_them_back(
    postgres_db, fleet, empty_pg, tmp_path
):
    _open_call(postgres_db)
    application = start_application(postgres_db, utcnow())
    contents = {"a": tiny_pdf(), "b": tiny_pdf() + b"% uploaded through B\n"}
    with one_request_per_connection() as applicant:
        link = f"/apply/link/{link_maker(clock=utcnow).token(application)}"
        assert applicant.get(fleet.url + link).status_code == 303
        for machine, data in contents.items():
            _upload(applicant, fleet, machine, application.id, data)
    assert fleet.served(f"POST /apply/{application.id}/files ") == ["a", "b"]
    archive = tmp_path / "prize-backup.tar"
    status, said = prize(postgres_db, tmp_path / "backup", "backup", str(archive))
    assert status == 0, said
    assert "and 2 stored files" in said

    status, said = prize(empty_pg, tmp_path / "c", "restore", str(archive))
    assert status == 0, said
    assert "2 stored files" in said
    files = f"/apply/{application.id}/files"
    with ExitStack() as stack, one_request_per_connection() as applicant:
        restored = serve(stack, empty_pg, tmp_path / "c")  # a machine on the fresh database
        assert applicant.get(restored.url + link).status_code == 303
        listed = applicant.get(restored.url + files).text
        ids = re.findall(rf'href="{files}/(\d+)"', listed)
        downloads = [applicant.get(f"{restored.url}{files}/{i}").content for i in ids]
    assert sorted(map(_sha256, downloads)) == sorted(map(_sha256, contents.values()))
    assert len(DatabaseStore(empty_pg).listing()) == 2


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def empty_pg() -> Iterator[Database]:
    """A new PostgreSQL database with nothing in it, not even the schema."""
    name = f"prize_restore_{uuid.uuid4().hex[:10]}"
    with _pg_admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    database = Database(_pg_url(name), audit_keys=TEST_AUDIT_KEYS)
    yield database
    database.dispose()
    with _pg_admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
