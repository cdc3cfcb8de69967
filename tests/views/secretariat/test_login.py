"""Signing in to the back office."""

from __future__ import annotations

import base64
import io
import json

import itsdangerous
import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from prize import cli
from prize.app import create_app
from prize.models import AuditEvent, Staff
from prize.security import Passwords
from tests.appkit import TEST_KEYS, csrf_of, refused_page
from tests.staffkit import STAFF_PASSWORD, login, make_staff, staff_post


def test_dashboard_sends_a_stranger_to_sign_in(client):
    response = client.get("/secretariat")
    assert response.status_code == 303
    assert response.headers["location"] == "/secretariat/login?next=/secretariat"


def test_officer_signs_in_and_sees_the_dashboard(staff_client):
    page = staff_client.get("/secretariat")
    assert "Signed in as officer@example.org." in page.text


def test_wrong_password_is_refused_next_to_the_field_and_keeps_the_email(client, officer):
    token = csrf_of(client, "/secretariat/login")
    page = client.post(
        "/secretariat/login",
        data={"email": "officer@example.org", "password": "nope", "csrf_token": token},
    )
    page = refused_page(client, page)
    assert 'id="password-error">The e-mail address or the password is not right.' in page.text
    assert 'value="officer@example.org"' in page.text


def test_login_with_a_stale_token_offers_to_send_again_with_the_email_kept(client, officer):
    page = client.post(
        "/secretariat/login",
        data={"email": "officer@example.org", "password": "x", "csrf_token": "stale"},
        headers={"Origin": "http://testserver"},
    )
    assert page.status_code == 403
    assert "Please send again" in page.text
    assert 'name="email" value="officer@example.org"' in page.text


# --------------------------------------------------------------------------- more of signing in

BACK_OFFICE_PAGES = [
    "/secretariat",
    "/secretariat/editions",
    "/secretariat/editions/new",
    "/secretariat/outbox",
    "/secretariat/audit",
    "/secretariat/staff",
    "/secretariat/account/password",
]


WRONG = 'id="password-error">The e-mail address or the password is not right.'


def _attempt(client, email, password):
    return staff_post(client, "/secretariat/login", {"email": email, "password": password})


def test_create_admin_takes_the_password_from_stdin(sqlite_db, monkeypatch, capsys):
    monkeypatch.setenv("PRIZE_DATABASE_URL", sqlite_db.url)
    monkeypatch.setenv("PRIZE_SECRET_KEYS", TEST_KEYS[0])
    monkeypatch.setattr("sys.stdin", io.StringIO("a long and unusual passphrase\n"))
    assert cli.main(["create-admin", "--email", "Boss@Example.org", "--name", "Boss"]) == 0
    assert "Created secretariat account boss@example.org." in capsys.readouterr().out
    with sqlite_db.read() as session:
        account = session.exec(select(Staff)).one()
    assert (account.email, account.name, account.role.value) == (
        "boss@example.org",
        "Boss",
        "secretariat",
    )
    assert Passwords().verify(account.password_hash, "a long and unusual passphrase")


def test_create_admin_refuses_a_common_password_and_stores_nothing(sqlite_db, monkeypatch, capsys):
    monkeypatch.setenv("PRIZE_DATABASE_URL", sqlite_db.url)
    monkeypatch.setenv("PRIZE_SECRET_KEYS", TEST_KEYS[0])
    monkeypatch.setattr("sys.stdin", io.StringIO("password123\n"))
    assert cli.main(["create-admin", "--email", "boss@example.org"]) == 1
    assert "one of the most common" in capsys.readouterr().err
    with sqlite_db.read() as session:
        assert session.exec(select(Staff)).all() == []


def test_create_admin_takes_no_password_argument(capsys):
    with pytest.raises(SystemExit):
        cli.main(["create-admin", "--email", "boss@example.org", "--password", "x"])
    assert "unrecognized arguments: --password" in capsys.readouterr().err


def test_five_failures_lock_the_account_for_fifteen_minutes(client, officer, clock):
    for _ in range(5):
        wrong = _attempt(client, "officer@example.org", "wrong password")
        wrong = refused_page(client, wrong)
        assert WRONG in wrong.text
    page = _attempt(client, "officer@example.org", STAFF_PASSWORD)  # right, but too late
    page = refused_page(client, page)
    assert (
        "Too many failed attempts for this account. Try again in 15 minutes "
        "(at 11:15, Paris time)." in page.text
    )
    assert "Signed in as" not in client.get("/secretariat", follow_redirects=True).text
    clock.advance(minutes=15)
    assert _attempt(client, "officer@example.org", STAFF_PASSWORD).status_code == 303
    assert "Signed in as officer@example.org." in client.get("/secretariat").text


def test_twenty_failures_from_one_client_lock_it_whatever_the_account(client, officer, clock):
    for i in range(20):
        wrong = _attempt(client, f"guess{i}@example.org", "wrong password")
        wrong = refused_page(client, wrong)
        assert WRONG in wrong.text
        clock.advance(seconds=30)
    page = _attempt(client, "officer@example.org", STAFF_PASSWORD)
    page = refused_page(client, page)
    # The oldest of the 20 failures leaves the 15-minute window at 10:15 UTC, 5 minutes from now.
    assert (
        "Too many failed attempts from your connection. Try again in 5 minutes "
        "(at 11:15, Paris time)." in page.text
    )


def test_a_success_clears_its_account_count_but_not_the_clients_failures(client, officer):
    for _ in range(4):
        _attempt(client, "officer@example.org", "wrong password")
    assert _attempt(client, "officer@example.org", STAFF_PASSWORD).status_code == 303
    assert "Signed in as officer@example.org." in client.get("/secretariat").text
    for _ in range(4):  # the account's count started again from zero
        wrong = _attempt(client, "officer@example.org", "wrong password")
        wrong = refused_page(client, wrong)
        assert WRONG in wrong.text  # not yet "too many failed attempts"
    for i in range(12):  # 4 + 4 + 12 = 20 failures from this client; the success is not one
        wrong = _attempt(client, f"guess{i}@example.org", "wrong")
        wrong = refused_page(client, wrong)
        assert WRONG in wrong.text
    page = _attempt(client, "officer@example.org", STAFF_PASSWORD)
    page = refused_page(client, page)
    assert "from your connection" in page.text


def test_sign_out_ends_the_session(staff_client):
    response = staff_post(staff_client, "/secretariat/logout")
    assert response.headers["location"] == "/secretariat/login"
    assert "You are signed out." in staff_client.get("/secretariat/login").text
    after = staff_client.get("/secretariat")
    assert after.status_code == 303
    assert after.headers["location"] == "/secretariat/login?next=/secretariat"


def test_a_copy_of_the_cookie_taken_before_sign_out_opens_nothing(db, settings, clock):
    app = create_app(settings, clock=clock, database=db)
    officer = make_staff(db, clock())
    with TestClient(app, follow_redirects=False) as client, TestClient(app) as thief:
        login(client)
        thief.cookies.set("prize_session", client.cookies["prize_session"])
        assert "Signed in as officer@example.org." in thief.get("/secretariat").text
        staff_post(client, "/secretariat/logout")
        page = thief.get("/secretariat")
    assert page.url.path == "/secretariat/login"
    assert "Secretariat sign-in" in page.text
    assert "Signed in as" not in page.text
    with db.read() as session:
        assert session.get_one(Staff, officer.id).session_version == 2
        assert session.exec(select(AuditEvent.kind)).all()[-1] == "staff.signed_out"


def test_sign_out_without_a_session_changes_nothing(client, officer, sqlite_db):
    response = staff_post(client, "/secretariat/logout")
    assert response.headers["location"] == "/secretariat/login"
    assert "You are signed out." in client.get("/secretariat/login").text
    with sqlite_db.read() as session:
        assert session.get_one(Staff, officer.id).session_version == 1


def test_session_expires_after_its_maximum_age(staff_client, settings):
    data = _session_data(staff_client.cookies["prize_session"])
    staff_client.cookies.delete("prize_session")
    staff_client.cookies.set("prize_session", _session_cookie(data, age=60))
    before = staff_client.get("/secretariat")
    assert before.status_code == 200
    assert "Signed in as officer@example.org." in before.text
    staff_client.cookies.delete("prize_session")
    staff_client.cookies.set(
        "prize_session", _session_cookie(data, age=settings.session_max_age + 60)
    )
    response = staff_client.get("/secretariat")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/secretariat/login")


def test_a_disabled_account_cannot_sign_in(client, officer, sqlite_db):
    with sqlite_db.write() as session:
        account = session.get_one(Staff, officer.id)
        account.active = False
    page = _attempt(client, "officer@example.org", STAFF_PASSWORD)
    page = refused_page(client, page)
    assert "The e-mail address or the password is not right." in page.text


def test_every_back_office_page_sends_a_stranger_to_sign_in(client):
    for path in BACK_OFFICE_PAGES:
        response = client.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/secretariat/login?next="), path


class _SignedEarlier(itsdangerous.TimestampSigner):
    """Dates what it signs ``age`` seconds ago."""

    def __init__(self, key: str, age: int) -> None:
        super().__init__(key)
        self.age = age

    def get_timestamp(self) -> int:
        return super().get_timestamp() - self.age


def _session_cookie(data: dict, age: int = 0) -> str:
    """A session cookie as Starlette's SessionMiddleware signs it, ``age`` seconds ago (by the
    real clock: Starlette ages its cookie by it, not by the app's)."""
    payload = base64.b64encode(json.dumps(data).encode())
    return _SignedEarlier(TEST_KEYS[0], age).sign(payload).decode()


def _session_data(cookie: str) -> dict:
    """What a session cookie holds."""
    signed = itsdangerous.TimestampSigner(TEST_KEYS[0]).unsign(cookie)
    return dict(json.loads(base64.b64decode(signed)))


def test_an_applicants_or_jurors_session_opens_no_back_office_page(client, officer):
    client.cookies.set(
        "prize_session",
        _session_cookie(
            {"application": [1, 1], "juror": [1, 1], "ballot": [1, 1], "csrf": "x" * 40}
        ),
    )
    for path in BACK_OFFICE_PAGES:
        response = client.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/secretariat/login"), path
    response = client.post(
        "/secretariat/staff/invite", data={"email": "x@example.org", "csrf_token": "x" * 40}
    )
    assert response.status_code == 303
    assert response.headers["location"].startswith("/secretariat/login")


def test_a_forged_staff_entry_with_an_old_session_version_is_refused(client, officer):
    client.cookies.set("prize_session", _session_cookie({"staff": [officer.id, 0]}))
    response = client.get("/secretariat")
    assert response.status_code == 303
    assert response.headers["location"] == "/secretariat/login?next=/secretariat"


def test_login_page_links_to_the_forgotten_password_form(client):
    page = client.get("/secretariat/login")
    assert 'href="/secretariat/password/forgot"' in page.text


def test_signing_in_again_after_sign_out(client, officer):
    login(client)
    staff_post(client, "/secretariat/logout")
    login(client)
    assert "Signed in as officer@example.org." in client.get("/secretariat").text


def test_a_stale_login_form_never_writes_the_password_back_into_the_page(client, officer):
    page = client.post(
        "/secretariat/login",
        data={"email": "officer@example.org", "password": "s3cret-typed", "csrf_token": "stale"},
        headers={"Origin": "http://testserver"},
    )
    assert page.status_code == 403
    assert "s3cret-typed" not in page.text
    assert "Passwords are not kept: please type them again." in page.text
    assert '<input type="password" id="password" name="password" value=""' in page.text
