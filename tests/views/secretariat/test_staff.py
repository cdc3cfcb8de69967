"""Staff accounts: invitations, roles, disabling; advisers read and change nothing."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import func, select
from starlette.testclient import TestClient

from prize.domain.errors import DomainError, NotAllowed, Throttled
from prize.domain.shared import audit
from prize.domain.staff import signin
from prize.domain.staff import staff as staff_domain
from prize.models import (
    AuditEvent,
    Edition,
    EditionState,
    OutboxMessage,
    OutboxStatus,
    Staff,
    StaffRole,
)
from prize.security import Passwords
from tests import factories
from tests.appkit import refused_page
from tests.mailkit import body_of
from tests.staffkit import confirmed_post, login, make_staff, staff_post

NEW_PASSWORD = "seven blue lanterns glow"


def _invite(client, email="new@example.org", role="adviser", **extra):
    data = {"email": email, "name": "Nora New", "role": role, "language": "en", **extra}
    return staff_post(client, "/secretariat/staff/invite", data)


def _counts(db) -> tuple[int, int, int]:
    with db.read() as session:
        return (
            int(session.exec(select(func.count()).select_from(Staff)).one()),
            int(session.exec(select(func.count()).select_from(AuditEvent)).one()),
            int(session.exec(select(func.count()).select_from(OutboxMessage)).one()),
        )


# --------------------------------------------------------------------------- invitations


def test_invited_adviser_sets_a_password_from_the_email_and_signs_in(
    app, staff_client, sqlite_db, smtp, clock
):
    response = _invite(staff_client)
    assert response.headers["location"] == "/secretariat/staff"
    page = staff_client.get("/secretariat/staff")
    assert "new@example.org is invited: an e-mail with a link is on its way." in page.text
    assert "invited, no password yet" in page.text

    assert smtp.deliver(sqlite_db, clock()) == 1
    body = body_of(smtp.inbox.to("new@example.org")[0])
    assert "Dear Nora New," in body
    assert "you can read everything there and change nothing" in body
    path = re.search(r"http://testserver(/secretariat/reset/\S+)", body).group(1)

    clock.advance(days=3)  # an invitation lasts a week, not an hour
    with TestClient(app, follow_redirects=False) as newcomer:
        assert newcomer.get(path).headers["location"] == "/secretariat/password/new"
        assert "Choose your password" in newcomer.get("/secretariat/password/new").text
        staff_post(
            newcomer, "/secretariat/password/new", {"password": NEW_PASSWORD, "again": NEW_PASSWORD}
        )
        dashboard = newcomer.get("/secretariat")
        assert "Signed in as new@example.org." in dashboard.text
        assert "You are signed in as an adviser" in dashboard.text
    with TestClient(app, follow_redirects=False) as later:
        login(later, "new@example.org", NEW_PASSWORD)
    with sqlite_db.read() as session:
        kinds = session.exec(select(AuditEvent.kind).order_by(AuditEvent.id)).all()
    assert kinds[-2:] == ["staff.invited", "staff.invitation_accepted"]


def test_invitation_opened_within_its_week_sets_no_password_after_it(
    app, staff_client, sqlite_db, smtp, clock
):
    _invite(staff_client)
    smtp.deliver(sqlite_db, clock())
    body = body_of(smtp.inbox.to("new@example.org")[0])
    path = re.search(r"http://testserver(/secretariat/reset/\S+)", body).group(1)
    with TestClient(app, follow_redirects=False) as newcomer:
        newcomer.get(path)
        clock.advance(days=6, hours=23)
        assert "Choose your password" in newcomer.get("/secretariat/password/new").text
        clock.advance(hours=1, minutes=1)
        page = staff_post(
            newcomer, "/secretariat/password/new", {"password": NEW_PASSWORD, "again": NEW_PASSWORD}
        )
    assert page.status_code == 410
    assert "This link has expired" in page.text
    with sqlite_db.read() as session:
        invited = session.exec(select(Staff).where(Staff.email == "new@example.org")).one()
    assert not staff_domain.has_password(invited)


def test_invited_person_cannot_sign_in_before_setting_a_password(staff_client, client):
    _invite(staff_client)
    with TestClient(staff_client.app, follow_redirects=False) as other:
        page = staff_post(other, "/secretariat/login", {"email": "new@example.org", "password": ""})
        page = refused_page(other, page)
        assert 'value="new@example.org"' in page.text
        assert "The e-mail address or the password is not right." in page.text
        assert "Signed in as" not in other.get("/secretariat", follow_redirects=True).text


def test_invitation_refusals_keep_what_was_typed(staff_client, sqlite_db):
    before = _counts(sqlite_db)
    page = _invite(staff_client, email="not-an-address")
    page = refused_page(staff_client, page)
    assert "Enter an e-mail address like name@example.org." in page.text
    assert 'value="Nora New"' in page.text
    page = _invite(staff_client, email="Officer@Example.org")
    page = refused_page(staff_client, page)
    assert "An account with this e-mail address exists already." in page.text
    page = refused_page(staff_client, _invite(staff_client, role="king"))
    assert "Choose a role." in page.text
    assert _counts(sqlite_db) == before


def test_invitation_can_be_sent_again(staff_client, sqlite_db, smtp, clock):
    _invite(staff_client)
    with sqlite_db.read() as session:
        new = session.exec(select(Staff).where(Staff.email == "new@example.org")).one()
    response = staff_post(staff_client, f"/secretariat/staff/{new.id}/resend")
    assert response.status_code == 303
    assert (
        "The invitation is sent again to new@example.org."
        in staff_client.get("/secretariat/staff").text
    )
    assert smtp.deliver(sqlite_db, clock()) == 2


# --------------------------------------------------------------------------- roles and disabling


def test_disabling_an_account_ends_its_sessions(staff_client, adviser_client, adviser, sqlite_db):
    before = adviser_client.get("/secretariat")
    assert before.status_code == 200
    assert "Signed in as adviser@example.org." in before.text
    response = confirmed_post(staff_client, f"/secretariat/staff/{adviser.id}/disable")
    assert response.status_code == 303
    assert (
        "adviser@example.org is disabled and signed out."
        in staff_client.get("/secretariat/staff").text
    )
    ended = adviser_client.get("/secretariat")
    assert ended.status_code == 303
    assert ended.headers["location"] == "/secretariat/login?next=/secretariat"
    page = staff_post(
        adviser_client,
        "/secretariat/login",
        {"email": "adviser@example.org", "password": "correct horse battery staple"},
    )
    page = refused_page(adviser_client, page)
    assert "The e-mail address or the password is not right." in page.text
    staff_post(staff_client, f"/secretariat/staff/{adviser.id}/enable")
    assert "adviser@example.org is enabled again." in staff_client.get("/secretariat/staff").text
    with sqlite_db.read() as session:
        kinds = session.exec(select(AuditEvent.kind)).all()
    assert {"staff.disabled", "staff.enabled"} <= set(kinds)


def test_a_copy_of_the_cookie_taken_before_disabling_opens_nothing(
    app, staff_client, adviser_client, adviser
):
    with TestClient(app) as copy:
        copy.cookies.set("prize_session", adviser_client.cookies["prize_session"])
        assert "Signed in as adviser@example.org." in copy.get("/secretariat").text
        confirmed_post(staff_client, f"/secretariat/staff/{adviser.id}/disable")
        page = copy.get("/secretariat")
    assert page.url.path == "/secretariat/login"
    assert "Secretariat sign-in" in page.text
    assert "Signed in as" not in page.text


def test_you_cannot_disable_yourself(staff_client, officer, sqlite_db):
    page = staff_post(staff_client, f"/secretariat/staff/{officer.id}/disable")
    page = refused_page(staff_client, page)
    assert "You cannot disable your own account." in page.text
    with sqlite_db.read() as session:
        assert session.get_one(Staff, officer.id).active


def test_the_last_secretariat_account_keeps_its_role(staff_client, officer, sqlite_db):
    page = staff_post(staff_client, f"/secretariat/staff/{officer.id}/role", {"role": "adviser"})
    page = refused_page(staff_client, page)
    assert "This is the last active secretariat account: it keeps its role." in page.text
    with sqlite_db.read() as session:
        assert session.get_one(Staff, officer.id).role is StaffRole.secretariat


def test_promoting_an_adviser_lets_them_change_things(
    staff_client, adviser_client, adviser, sqlite_db
):
    def invited() -> list[str]:
        with sqlite_db.read() as session:
            return list(session.exec(select(Staff.email).where(Staff.email == "x@example.org")))

    refused = _invite(adviser_client, email="x@example.org")
    assert refused.status_code == 403
    assert "You are not allowed to see this page." in refused.text
    assert invited() == []
    staff_post(staff_client, f"/secretariat/staff/{adviser.id}/role", {"role": "secretariat"})
    assert "adviser@example.org is now secretariat." in staff_client.get("/secretariat/staff").text
    assert _invite(adviser_client, email="x@example.org").status_code == 303
    assert invited() == ["x@example.org"]


def test_staff_page_lists_accounts_and_hides_buttons_from_advisers(adviser_client, officer):
    page = adviser_client.get("/secretariat/staff")
    assert page.status_code == 200
    assert "officer@example.org" in page.text and "adviser@example.org" in page.text
    assert "Invite someone" not in page.text
    assert "Disable" not in page.text


def test_adviser_posts_are_refused_and_store_nothing(adviser_client, officer, sqlite_db, clock):
    with sqlite_db.write() as session:
        edition = factories.edition(session=session, state=EditionState.draft)
        criterion_id = 1
        message_id = factories.outbox_message(session=session, status=OutboxStatus.failed).id
    before = _counts(sqlite_db)
    year = edition.year
    posts = [
        ("/secretariat/staff/invite", {"email": "x@example.org", "role": "adviser"}),
        (f"/secretariat/staff/{officer.id}/role", {"role": "adviser"}),
        (f"/secretariat/staff/{officer.id}/disable", {}),
        (f"/secretariat/staff/{officer.id}/enable", {}),
        (f"/secretariat/staff/{officer.id}/resend", {}),
        ("/secretariat/editions/new", {"year": "2031", "title_en": "T"}),
        (f"/secretariat/editions/{year}/edit", {"title_en": "Changed"}),
        (f"/secretariat/editions/{year}/move", {"to": "open"}),
        (f"/secretariat/editions/{year}/back", {"to": "open", "reason": "r"}),
        (f"/secretariat/editions/{year}/criteria/new", {"name_en": "N", "weight": "1"}),
        (f"/secretariat/editions/{year}/criteria/{criterion_id}", {"name_en": "N", "weight": "1"}),
        (f"/secretariat/editions/{year}/criteria/{criterion_id}/remove", {}),
        (f"/secretariat/editions/{year}/criteria/{criterion_id}/move", {"direction": "down"}),
        (f"/secretariat/outbox/{message_id}/retry", {}),
    ]
    for path, data in posts:
        response = staff_post(adviser_client, path, data)
        assert response.status_code == 403, path
        assert "You are not allowed to see this page." in response.text, path
    assert _counts(sqlite_db) == before
    with sqlite_db.read() as session:
        assert session.get_one(OutboxMessage, message_id).status.value == "failed"
        assert session.get_one(Edition, edition.id).title_en == edition.title_en


def test_invite_without_csrf_token_stores_nothing(staff_client, sqlite_db):
    before = _counts(sqlite_db)
    page = staff_client.post(
        "/secretariat/staff/invite", data={"email": "new@example.org", "role": "adviser"}
    )
    assert page.status_code == 403
    assert "This form was not accepted" in page.text
    assert "new@example.org" not in page.text
    assert _counts(sqlite_db) == before


# --------------------------------------------------------------------------- the domain, both engines


def test_last_active_secretariat_account_cannot_be_disabled(db, clock):
    boss = make_staff(db, clock(), email="boss@example.org")
    helper = make_staff(db, clock(), email="helper@example.org", role="adviser")
    with db.write() as session, pytest.raises(NotAllowed) as refused:
        staff_domain.disable(session=session, actor=helper, staff_id=boss.id, now=clock())
    assert refused.value.message.msgid == (
        "This is the last active secretariat account: it cannot be disabled."
    )
    second = make_staff(db, clock(), email="second@example.org")
    with db.write() as session:
        staff_domain.disable(session=session, actor=second, staff_id=boss.id, now=clock())
    with db.read() as session:
        stored = session.get_one(Staff, boss.id)
        assert (stored.active, stored.session_version) == (False, 2)


def test_authenticate_counts_failures_in_the_database(db, clock):
    make_staff(db, clock())
    passwords = Passwords(fast=True)
    for _ in range(5):
        with pytest.raises(DomainError):
            signin.authenticate(
                database=db,
                passwords=passwords,
                email="officer@example.org",
                password="nope",
                client="198.51.100.7",
                now=clock(),
            )
    with pytest.raises(Throttled) as throttled:
        signin.authenticate(
            database=db,
            passwords=passwords,
            email="OFFICER@example.org",
            password="correct horse battery staple",
            client="203.0.113.9",
            now=clock(),
        )
    assert throttled.value.retry_at == clock() + timedelta(minutes=15)
    account = signin.authenticate(
        database=db,
        passwords=passwords,
        email="officer@example.org",
        password="correct horse battery staple",
        client="203.0.113.9",
        now=clock.advance(minutes=15),
    )
    assert account.last_login_at == clock()


def test_password_link_is_one_time(db, clock, settings):
    from prize.tokens import LinkRevoked, Purpose, Signer

    officer = make_staff(db, clock())
    signer = Signer(settings.secret_keys, clock=clock)
    token = signer.dumps(
        Purpose.password_reset, officer.id, officer.session_version, officer.link_secret
    )
    with db.write() as session:
        link = staff_domain.open_password_link(
            session=session, signer=signer, token=token, now=clock()
        )
        staff_domain.set_password_from_link(
            session=session,
            staff_id=link.staff.id,
            version=link.staff.session_version,
            expires_at=link.expires_at,
            password_hash=staff_domain.hash_link_password(
                passwords=Passwords(fast=True), staff=link.staff, password=NEW_PASSWORD
            ),
            now=clock(),
        )
    with db.read() as session, pytest.raises(LinkRevoked):
        staff_domain.check_password_link(session=session, signer=signer, token=token, now=clock())
    with db.read() as session:
        assert audit.verify(session=session).ok
