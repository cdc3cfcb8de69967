"""Changing a password, and resetting a forgotten one by an e-mailed link."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from sqlmodel import func, select
from starlette.testclient import TestClient

from prize.domain.errors import DomainError
from prize.domain.staff import signin
from prize.domain.staff import staff as staff_domain
from prize.domain.staff.signin import LOGIN_ACCOUNT_LIMIT
from prize.models import AuditEvent, OutboxMessage, Staff
from prize.security import Passwords
from tests.appkit import refused_page
from tests.mailkit import body_of
from tests.staffkit import STAFF_PASSWORD, login, make_staff, staff_post

NEW_PASSWORD = "purple elephants dance slowly"


def _change(client, current, new, again=None):
    return staff_post(
        client,
        "/secretariat/account/password",
        {"current": current, "new": new, "again": new if again is None else again},
    )


def _forgot(client, email="officer@example.org"):
    """The page that answers a request for a reset link (the post redirects to it)."""
    return refused_page(
        client, staff_post(client, "/secretariat/password/forgot", {"email": email})
    )


def _link_path(body: str) -> str:
    match = re.search(r"http://testserver(/secretariat/reset/\S+)", body)
    assert match, body
    return match.group(1)


def _outbox_count(db) -> int:
    with db.read() as session:
        return int(session.exec(select(func.count()).select_from(OutboxMessage)).one())


# --------------------------------------------------------------------------- changing


def test_change_password_keeps_this_session_and_ends_the_others(app, staff_client, sqlite_db):
    with TestClient(app, follow_redirects=False) as other:
        login(other)
        response = _change(staff_client, STAFF_PASSWORD, NEW_PASSWORD)
        assert response.headers["location"] == "/secretariat"
        page = staff_client.get("/secretariat")
        assert "Your password is changed. Your other sessions have been signed out." in page.text
        ended = other.get("/secretariat")
        assert ended.status_code == 303  # the other session has ended
        assert ended.headers["location"] == "/secretariat/login?next=/secretariat"
        login(other, password=NEW_PASSWORD)
    with sqlite_db.read() as session:
        kinds = session.exec(select(AuditEvent.kind)).all()
    assert "staff.password_changed" in kinds


def test_change_password_refusals_are_shown_next_to_their_fields(staff_client, sqlite_db):
    cases = [
        (("wrong current", NEW_PASSWORD), "current", "Your current password is not right."),
        ((STAFF_PASSWORD, "short"), "new", "Use at least 8 characters."),
        (
            (STAFF_PASSWORD, "Password123"),
            "new",
            "This password is one of the most common ones: choose another.",
        ),
        (
            (STAFF_PASSWORD, "officer@example.org"),
            "new",
            "Do not use your e-mail address as your password.",
        ),
        (
            (STAFF_PASSWORD, STAFF_PASSWORD),
            "new",
            "Choose a password different from the current one.",
        ),
    ]
    for (current, new), field, message in cases:
        page = _change(staff_client, current, new)
        page = refused_page(staff_client, page)
        assert f'id="{field}-error">{message}' in page.text
    page = _change(staff_client, STAFF_PASSWORD, NEW_PASSWORD, again="something else")
    page = refused_page(staff_client, page)
    assert 'id="again-error">The two new passwords differ.' in page.text
    with sqlite_db.read() as session:
        assert session.exec(select(Staff)).one().session_version == 1  # nothing changed


def test_a_copy_of_the_cookie_taken_before_a_password_change_opens_nothing(app, staff_client):
    with TestClient(app) as thief:
        thief.cookies.set("prize_session", staff_client.cookies["prize_session"])
        assert "Signed in as officer@example.org." in thief.get("/secretariat").text
        _change(staff_client, STAFF_PASSWORD, NEW_PASSWORD)
        page = thief.get("/secretariat")
    assert page.url.path == "/secretariat/login"
    assert "Secretariat sign-in" in page.text
    assert "Signed in as" not in page.text
    assert "Signed in as officer@example.org." in staff_client.get("/secretariat").text


def test_wrong_current_passwords_end_every_session_at_the_sign_in_limit(
    app, staff_client, sqlite_db, clock
):
    with TestClient(app) as copy:
        copy.cookies.set("prize_session", staff_client.cookies["prize_session"])
        for _ in range(LOGIN_ACCOUNT_LIMIT - 1):
            page = _change(staff_client, "a wrong guess", NEW_PASSWORD)
            page = refused_page(staff_client, page)
            assert 'id="current-error">Your current password is not right.' in page.text
        response = _change(staff_client, "a wrong guess", NEW_PASSWORD)
        assert response.headers["location"] == "/secretariat/login"
        login_page = staff_client.get("/secretariat/login")
        assert (
            "Too many wrong passwords were typed for this account, so you are signed out. You can "
            "sign in again in 15 minutes (at 11:15, Paris time)." in login_page.text
        )
        assert "Secretariat sign-in" in copy.get("/secretariat").text  # every copy has ended
    assert staff_client.get("/secretariat").headers["location"].startswith("/secretariat/login")
    refused = staff_post(
        staff_client,
        "/secretariat/login",
        {"email": "officer@example.org", "password": STAFF_PASSWORD},
    )
    refused = refused_page(staff_client, refused)
    assert "Too many failed attempts for this account. Try again in 15 minutes" in refused.text
    clock.advance(minutes=15)
    login(staff_client)
    with sqlite_db.read() as session:
        assert session.exec(select(Staff)).one().session_version == 2
        kinds = session.exec(select(AuditEvent.kind)).all()
    assert kinds.count("staff.sessions_ended") == 1
    assert "staff.password_changed" not in kinds


def test_a_right_current_password_clears_the_accounts_failures(staff_client):
    for _ in range(LOGIN_ACCOUNT_LIMIT - 1):
        _change(staff_client, "a wrong guess", NEW_PASSWORD)
    page = _change(staff_client, STAFF_PASSWORD, "short")  # right, but the new one is refused
    page = refused_page(staff_client, page)
    assert 'id="new-error">Use at least 8 characters.' in page.text
    for _ in range(LOGIN_ACCOUNT_LIMIT - 1):  # counted from zero again: not yet signed out
        page = refused_page(staff_client, _change(staff_client, "a wrong guess", NEW_PASSWORD))
        assert 'id="current-error">Your current password is not right.' in page.text
    assert "Signed in as officer@example.org." in staff_client.get("/secretariat").text


def test_wrong_current_passwords_count_with_failed_sign_ins(db, clock):
    officer = make_staff(db, clock())
    passwords = Passwords(fast=True)
    for _ in range(LOGIN_ACCOUNT_LIMIT - 1):
        with pytest.raises(DomainError):
            signin.authenticate(
                database=db,
                passwords=passwords,
                email="officer@example.org",
                password="a wrong guess",
                client="198.51.100.7",
                now=clock(),
            )
    with pytest.raises(signin.SessionEnded) as ended:
        signin.change_password(
            database=db,
            passwords=passwords,
            staff_id=officer.id,
            version=officer.session_version,
            current="another wrong guess",
            new=NEW_PASSWORD,
            now=clock.advance(minutes=5),
        )
    assert ended.value.field == "current"
    assert ended.value.retry_at == clock() + timedelta(minutes=10)
    with db.read() as session:
        stored = session.get_one(Staff, officer.id)
        assert stored.session_version == 2
        assert passwords.verify(stored.password_hash, STAFF_PASSWORD)
        assert session.exec(select(AuditEvent.kind)).all()[-1] == "staff.sessions_ended"


class _HashesOutsideWrites(Passwords):
    """Notes, at each hash, whether another thread could write then (on SQLite a write session
    holds the app's one write lock until it ends)."""

    def __init__(self, database) -> None:
        super().__init__(fast=True)
        self.database = database
        self.could_write: list[bool] = []
        self.others: list[threading.Thread] = []

    def hash(self, password: str) -> str:
        def write() -> None:
            with self.database.write():
                pass

        other = threading.Thread(target=write)
        other.start()
        other.join(timeout=2)
        self.could_write.append(not other.is_alive())
        self.others.append(other)  # joined by the test, once the write holding the lock ends
        return super().hash(password)


def test_the_new_password_is_hashed_before_its_write_transaction(sqlite_db, clock):
    officer = make_staff(sqlite_db, clock())
    passwords = _HashesOutsideWrites(sqlite_db)
    signin.change_password(
        database=sqlite_db,
        passwords=passwords,
        staff_id=officer.id,
        version=officer.session_version,
        current=STAFF_PASSWORD,
        new=NEW_PASSWORD,
        now=clock(),
    )
    for other in passwords.others:
        other.join()
    assert passwords.could_write == [True]
    with sqlite_db.read() as session:
        stored = session.get_one(Staff, officer.id).password_hash
    assert passwords.verify(stored, NEW_PASSWORD)


def test_a_password_changed_meanwhile_is_not_overwritten(db, clock):
    """The hash is stored only over the password the current one was checked against."""
    officer = make_staff(db, clock())
    passwords = Passwords(fast=True)
    new_hash = staff_domain.hash_new_password(passwords=passwords, staff=officer, new=NEW_PASSWORD)
    with db.write() as session:  # another tab changed it in between
        session.get_one(Staff, officer.id).password_hash = passwords.hash("changed in between")
    with pytest.raises(DomainError) as refused, db.write() as session:
        staff_domain.change_password(
            session=session,
            staff_id=officer.id,
            checked_hash=officer.password_hash,
            new_hash=new_hash,
            now=clock(),
        )
    assert refused.value.field == "current"
    with db.read() as session:
        stored = session.get_one(Staff, officer.id).password_hash
    assert passwords.verify(stored, "changed in between")


def test_change_password_without_csrf_token_is_refused(staff_client):
    page = staff_client.post(
        "/secretariat/account/password", data={"current": STAFF_PASSWORD, "new": NEW_PASSWORD}
    )
    assert page.status_code == 403
    assert "This form was not accepted" in page.text


# --------------------------------------------------------------------------- resetting


def test_reset_by_emailed_link_sets_a_new_password_once(client, officer, sqlite_db, smtp, clock):
    page = _forgot(client)
    assert "If officer@example.org belongs to an active account" in page.text
    assert smtp.deliver(sqlite_db, clock()) == 1
    [mail] = smtp.inbox.to("officer@example.org")
    assert (
        " ".join(mail["Subject"].split())
        == "Choose a new password for the European Drug Prevention Prize back office"
    )
    path = _link_path(body_of(mail))

    response = client.get(path)
    assert response.headers["location"] == "/secretariat/password/new"  # the token leaves the URL
    form = client.get("/secretariat/password/new")
    assert "For the account officer@example.org." in form.text
    response = staff_post(
        client, "/secretariat/password/new", {"password": NEW_PASSWORD, "again": NEW_PASSWORD}
    )
    assert response.headers["location"] == "/secretariat"
    assert "Your password is set. You are signed in." in client.get("/secretariat").text

    again = client.get(path)  # a link works once
    assert again.status_code == 410
    assert "This link is no longer valid" in again.text
    with TestClient(client.app, follow_redirects=False) as fresh:
        login(fresh, password=NEW_PASSWORD)
    with sqlite_db.read() as session:
        assert "staff.password_reset" in session.exec(select(AuditEvent.kind)).all()


def test_reset_link_expires_after_an_hour(client, officer, sqlite_db, smtp, clock):
    _forgot(client)
    smtp.deliver(sqlite_db, clock())
    path = _link_path(body_of(smtp.inbox.messages[0]))
    clock.advance(seconds=3601)
    page = client.get(path)
    assert page.status_code == 410
    assert "This link has expired" in page.text


def test_reset_link_opened_at_the_end_of_its_hour_has_expired(
    client, officer, sqlite_db, smtp, clock
):
    _forgot(client)
    smtp.deliver(sqlite_db, clock())
    path = _link_path(body_of(smtp.inbox.messages[0]))
    clock.advance(hours=1)
    page = client.get(path)
    assert page.status_code == 410
    assert "This link has expired" in page.text
    assert "Open the link from the e-mail first." in client.get("/secretariat/password/new").text


def test_reset_link_opened_within_the_hour_sets_no_password_after_it(
    client, officer, sqlite_db, smtp, clock
):
    _forgot(client)
    smtp.deliver(sqlite_db, clock())
    client.get(_link_path(body_of(smtp.inbox.messages[0])))
    clock.advance(minutes=59)
    assert "For the account officer@example.org." in client.get("/secretariat/password/new").text
    clock.advance(minutes=2)
    page = staff_post(
        client, "/secretariat/password/new", {"password": NEW_PASSWORD, "again": NEW_PASSWORD}
    )
    assert page.status_code == 410
    assert "This link has expired" in page.text
    assert "A link to choose a password works for one hour (an invitation for one week)." in (
        page.text
    )
    assert "Open the link from the e-mail first." in client.get("/secretariat/password/new").text
    with sqlite_db.read() as session:
        stored = session.exec(select(Staff)).one()
    assert stored.session_version == 1
    assert Passwords(fast=True).verify(stored.password_hash, STAFF_PASSWORD)


def test_reset_link_opened_but_used_elsewhere_cannot_set_a_password(
    client, app, officer, sqlite_db, smtp, clock
):
    _forgot(client)
    smtp.deliver(sqlite_db, clock())
    path = _link_path(body_of(smtp.inbox.messages[0]))
    client.get(path)
    with TestClient(app, follow_redirects=False) as other:  # the same link, in another browser
        other.get(path)
        staff_post(
            other, "/secretariat/password/new", {"password": NEW_PASSWORD, "again": NEW_PASSWORD}
        )
    page = staff_post(
        client,
        "/secretariat/password/new",
        {"password": "another fine passphrase", "again": "another fine passphrase"},
    )
    assert page.status_code == 410
    assert "This link is no longer valid" in page.text


def test_tampered_reset_link_does_not_work(client, officer):
    page = client.get("/secretariat/reset/not-a-real-token")
    assert page.status_code == 400
    assert "This link does not work" in page.text


def test_new_password_page_without_a_link_says_to_open_the_link(client):
    page = client.get("/secretariat/password/new")
    assert page.status_code == 400
    assert "Open the link from the e-mail first." in page.text


def test_new_password_from_a_link_follows_the_rules(client, officer, sqlite_db, smtp, clock):
    _forgot(client)
    smtp.deliver(sqlite_db, clock())
    client.get(_link_path(body_of(smtp.inbox.messages[0])))
    page = staff_post(
        client, "/secretariat/password/new", {"password": "qwerty123", "again": "qwerty123"}
    )
    page = refused_page(client, page)
    assert 'id="password-error">This password is one of the most common ones' in page.text


def test_forgot_answers_the_same_for_an_unknown_address_and_sends_nothing(
    client, officer, sqlite_db
):
    known = _forgot(client, "officer@example.org")
    unknown = _forgot(client, "nobody@example.org")
    assert unknown.status_code == known.status_code == 200

    def shown(page, email: str) -> str:  # the page's own random key of its answer aside
        return re.sub(r"refused=[\w-]+", "refused=KEY", page.text.replace(email, "X"))

    assert shown(unknown, "nobody@example.org") == shown(known, "officer@example.org")
    with sqlite_db.read() as session:
        assert session.exec(select(OutboxMessage.recipient)).all() == ["officer@example.org"]


def test_forgot_sends_at_most_three_links_an_hour_to_one_address(client, officer, sqlite_db):
    for _ in range(4):
        page = _forgot(client)
        assert "If officer@example.org belongs to an active account" in page.text
    assert _outbox_count(sqlite_db) == 3


def test_forgot_is_limited_per_client(client, officer, sqlite_db):
    for i in range(10):
        answer = _forgot(client, f"someone{i}@example.org")
        assert answer.status_code == 200
        assert f"If someone{i}@example.org belongs to an active account" in answer.text
    page = _forgot(client)
    assert "Too many requests from your connection. Try again in 60 minutes" in page.text
    assert _outbox_count(sqlite_db) == 0


def test_forgot_refuses_a_malformed_address(client):
    page = _forgot(client, "not an address")
    assert "Enter an e-mail address like name@example.org." in page.text
    assert 'value="not an address"' in page.text


def test_reset_tokens_are_redacted_from_log_lines():
    from prize.security import redact

    line = '127.0.0.1 - "GET /secretariat/reset/WzEsMV0.Zk3.abc HTTP/1.1" 303'
    assert redact(line) == '127.0.0.1 - "GET /secretariat/reset/[redacted] HTTP/1.1" 303'
