"""Signing in to the back office."""

from __future__ import annotations

from tests.conftest import csrf_of


def test_dashboard_sends_a_stranger_to_sign_in(client):  # type: ignore[no-untyped-def]
    response = client.get("/secretariat")
    assert response.status_code == 303
    assert response.headers["location"] == "/secretariat/login?next=/secretariat"


def test_officer_signs_in_and_sees_the_dashboard(staff_client):  # type: ignore[no-untyped-def]
    page = staff_client.get("/secretariat")
    assert "Signed in as officer@example.org." in page.text


def test_wrong_password_is_refused_next_to_the_field_and_keeps_the_email(client, officer):  # type: ignore[no-untyped-def]
    token = csrf_of(client, "/secretariat/login")
    page = client.post(
        "/secretariat/login",
        data={"email": "officer@example.org", "password": "nope", "csrf_token": token},
    )
    assert page.status_code == 400
    assert 'id="password-error">The e-mail address or the password is not right.' in page.text
    assert 'value="officer@example.org"' in page.text


def test_login_without_csrf_token_offers_to_send_again_with_the_email_kept(client, officer):  # type: ignore[no-untyped-def]
    page = client.post("/secretariat/login", data={"email": "officer@example.org", "password": "x"})
    assert page.status_code == 403
    assert "Please send again" in page.text
    assert 'name="email" value="officer@example.org"' in page.text
